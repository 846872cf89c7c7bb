// Package kubesystem holds the rules about what the hop's kubeadm re-creates in
// kube-system:
//
//   - kube-system-limits: a LimitRange or ResourceQuota in kube-system that rejects or
//     changes the CoreDNS or kube-proxy pods the hop creates, judged against kubeadm's
//     own pod templates of the target minor;
//   - kube-proxy-config: the kube-proxy ConfigMap's proxy mode and feature gates against
//     what the hop's kube-proxy accepts.
package kubesystem
