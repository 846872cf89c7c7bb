package report

import (
	"fmt"
	"time"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

// fixedNow is the clock of every golden file.
func fixedNow() time.Time { return time.Date(2024, 5, 2, 9, 30, 0, 0, time.UTC) }

// fixtureRepo is the private mirror the fixture cluster's kubeadm-config names.
const fixtureRepo = "registry.example.internal/k8s"

// fixtureHops is the 1.14 -> 1.21 plan. Patch versions are those of knowledge/gen/pins.json;
// etcd, CoreDNS and pause tags are kubeadm's constants at those patches
// (cmd/kubeadm/app/constants in k8s.io/kubernetes). Under a non-default repository
// kubeadm pulls coredns without the coredns/ path.
func fixtureHops() []findings.Hop {
	type addon struct{ etcd, coredns, pause string }
	plan := []struct {
		from, to, version string
		addon
	}{
		{"1.14", "1.15", "v1.15.12", addon{"3.3.10", "1.3.1", "3.1"}},
		{"1.15", "1.16", "v1.16.15", addon{"3.3.15-0", "1.6.2", "3.1"}},
		{"1.16", "1.17", "v1.17.17", addon{"3.4.3-0", "1.6.5", "3.1"}},
		{"1.17", "1.18", "v1.18.20", addon{"3.4.3-0", "1.6.7", "3.2"}},
		{"1.18", "1.19", "v1.19.16", addon{"3.4.13-0", "1.7.0", "3.2"}},
		{"1.19", "1.20", "v1.20.15", addon{"3.4.13-0", "1.7.0", "3.2"}},
		{"1.20", "1.21", "v1.21.14", addon{"3.4.13-0", "v1.8.0", "3.4.1"}},
	}
	var hops []findings.Hop
	for _, p := range plan {
		var images []string
		for _, c := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"} {
			images = append(images, fixtureRepo+"/"+c+":"+p.version)
		}
		images = append(images,
			fixtureRepo+"/etcd:"+p.etcd,
			fixtureRepo+"/coredns:"+p.coredns,
			fixtureRepo+"/pause:"+p.pause)
		hops = append(hops, findings.Hop{
			From: p.from, To: p.to, Version: p.version, Images: images,
			ImageRepository:       fixtureRepo,
			ImageRepositorySource: "ConfigMap kube-system/kubeadm-config (ClusterConfiguration.imageRepository)",
		})
	}
	return hops
}

func obj(apiVersion, kind, ns, name string) *findings.ObjectRef {
	return &findings.ObjectRef{APIVersion: apiVersion, Kind: kind, Namespace: ns, Name: name}
}

// fixtureResult is a realistic run on a 1.14 kubeadm cluster: findings of several rules
// at several hops, one hop clear, an input error and things that could not be checked.
// Messages follow the rules' wording; the facts are illustrative, not the knowledge base.
func fixtureResult() *findings.Result {
	const kubeletFlags = "nodes/%s/var/lib/kubelet/kubeadm-flags.env"
	const apiserverPod = "nodes/master-0/etc/kubernetes/manifests/kube-apiserver.yaml"
	fs := []findings.Finding{
		{
			Rule: "input-error", Severity: findings.Error, Subject: "cluster/apps/shop.yaml",
			Message:  "cluster/apps/shop.yaml cannot be parsed: yaml: line 7: mapping values are not allowed in this context.",
			Fix:      "Fix or remove the input, then run upgrade-lint again: nothing in it was checked.",
			Evidence: "line 7: `  image: shop:1.2: latest`",
			Source:   findings.Source{Path: "cluster/apps/shop.yaml", Line: 7},
		},
		{
			Rule: "removed-flag", Severity: findings.Error, Hop: "1.14->1.15", Component: "kubelet", Subject: "--allow-privileged",
			Message:    "--allow-privileged is removed from kubelet in 1.15: the kubelet will not start.",
			Fix:        "Remove --allow-privileged from KUBELET_KUBEADM_ARGS before the hop.",
			Evidence:   `KUBELET_KUBEADM_ARGS="--allow-privileged=true --cgroup-driver=systemd"`,
			Source:     findings.Source{Path: fmt.Sprintf(kubeletFlags, "master-0"), Line: 1},
			References: []string{"https://github.com/kubernetes/kubernetes/pull/77820"},
		},
		{
			Rule: "removed-flag", Severity: findings.Error, Hop: "1.14->1.15", Component: "kubelet", Subject: "--allow-privileged",
			Message:    "--allow-privileged is removed from kubelet in 1.15: the kubelet will not start.",
			Fix:        "Remove --allow-privileged from KUBELET_KUBEADM_ARGS before the hop.",
			Evidence:   `KUBELET_KUBEADM_ARGS="--allow-privileged=true --network-plugin=cni"`,
			Source:     findings.Source{Path: fmt.Sprintf(kubeletFlags, "worker-1"), Line: 1},
			References: []string{"https://github.com/kubernetes/kubernetes/pull/77820"},
		},
		{
			Rule: "deprecated-flag", Severity: findings.Warning, Hop: "1.14->1.15", Component: "kube-apiserver", Subject: "--insecure-bind-address",
			Message:  "--insecure-bind-address is deprecated in kube-apiserver 1.15 and removed in a later release.",
			Fix:      "Stop serving the insecure port: remove --insecure-bind-address and use the secure port with authentication.",
			Evidence: "- --insecure-bind-address=127.0.0.1",
			Source:   findings.Source{Path: apiserverPod, Line: 19},
		},
		{
			Rule: "version-skew", Severity: findings.Info, Hop: "1.14->1.15", Component: "kubelet", Subject: "kubelet v1.14.10",
			Message: "3 kubelets stay at v1.14.10, one minor behind the control plane at v1.15.12: within the skew policy.",
			Source:  findings.Source{Object: obj("v1", "Node", "", "worker-1")},
		},
		{
			Rule: "removed-api", Severity: findings.Error, Hop: "1.15->1.16", Subject: "extensions/v1beta1 Deployment",
			Message:    "extensions/v1beta1 Deployment is no longer served from 1.16.",
			Fix:        "Change apiVersion to apps/v1 (served by 1.15 and 1.16) and add spec.selector.",
			Evidence:   "apiVersion: extensions/v1beta1 (written in the manifest)",
			Source:     findings.Source{Path: "manifests/shop/frontend.yaml", Line: 1, Object: obj("extensions/v1beta1", "Deployment", "shop", "frontend")},
			References: []string{"https://github.com/kubernetes/kubernetes/pull/70672"},
		},
		{
			Rule: "removed-api", Severity: findings.Error, Hop: "1.15->1.16", Subject: "extensions/v1beta1 DaemonSet",
			Message:    "extensions/v1beta1 DaemonSet is no longer served from 1.16.",
			Fix:        "Change apiVersion to apps/v1 (served by 1.15 and 1.16) and re-apply it.",
			Evidence:   "kubectl.kubernetes.io/last-applied-configuration says apiVersion: extensions/v1beta1",
			Source:     findings.Source{Path: "cluster/kube-system/daemonsets.yaml", Line: 112, Object: obj("apps/v1", "DaemonSet", "kube-system", "fluentd")},
			References: []string{"https://github.com/kubernetes/kubernetes/pull/70672"},
		},
		{
			Rule: "removed-api", Severity: findings.Error, Hop: "1.15->1.16", Subject: "extensions/v1beta1 PodSecurityPolicy",
			Message:    "extensions/v1beta1 PodSecurityPolicy is no longer served from 1.16.",
			Fix:        "Change apiVersion to policy/v1beta1 (served by 1.15 and 1.16).",
			Evidence:   "managedFields: manager kubectl (Update, 2019-08-14T10:02:11Z) wrote extensions/v1beta1",
			Source:     findings.Source{Object: obj("policy/v1beta1", "PodSecurityPolicy", "", "restricted")},
			References: []string{"https://github.com/kubernetes/kubernetes/pull/70672"},
		},
		{
			Rule: "version-skew", Severity: findings.Error, Hop: "1.16->1.17", Component: "kubelet", Subject: "kubelet v1.14.10",
			Message:    "kubelets on worker-1, worker-2 at v1.14.10 would be 3 minors behind the control plane at v1.17.17; 1.17 supports 2.",
			Fix:        "Upgrade the kubelets on worker-1, worker-2 to at least 1.15 before this hop (drain, upgrade kubeadm/kubelet packages, uncordon, node by node).",
			Evidence:   "Node worker-1 status.nodeInfo.kubeletVersion: v1.14.10",
			Source:     findings.Source{Object: obj("v1", "Node", "", "worker-1")},
			References: []string{"https://kubernetes.io/releases/version-skew-policy/"},
		},
		{
			Rule: "removed-flag", Severity: findings.Error, Hop: "1.18->1.19", Component: "kube-apiserver", Subject: "--basic-auth-file",
			Message:    "--basic-auth-file is removed from kube-apiserver in 1.19: the API server will not start.",
			Fix:        "Move the users in /etc/kubernetes/basic-auth.csv to client certificates or tokens, then remove --basic-auth-file.",
			Evidence:   "- --basic-auth-file=/etc/kubernetes/basic-auth.csv",
			Source:     findings.Source{Path: apiserverPod, Line: 14},
			References: []string{"https://github.com/kubernetes/kubernetes/pull/89069"},
		},
		{
			Rule: "locked-feature-gate", Severity: findings.Error, Hop: "1.18->1.19", Component: "kube-controller-manager", Subject: "TaintBasedEvictions=false",
			Message:  "TaintBasedEvictions is locked to true from 1.19: setting it to false stops kube-controller-manager from starting.",
			Fix:      "Remove TaintBasedEvictions=false from extraArgs.feature-gates; the behaviour of true is the only one from 1.19.",
			Evidence: "controllerManager.extraArgs.feature-gates: TaintBasedEvictions=false",
			Source:   findings.Source{Path: "cluster/kube-system/kubeadm-config.yaml", Line: 31, Object: obj("v1", "ConfigMap", "kube-system", "kubeadm-config")},
		},
		{
			Rule: "deprecated-feature-gate", Severity: findings.Warning, Hop: "1.18->1.19", Component: "kube-proxy", Subject: "SupportIPVSProxyMode",
			Message: "SupportIPVSProxyMode is deprecated in kube-proxy 1.19 and will be removed.",
			Fix:     "Stop setting SupportIPVSProxyMode in KubeProxyConfiguration featureGates before it is removed.",
			Source:  findings.Source{Path: "cluster/kube-system/kube-proxy.yaml", Line: 22, Object: obj("v1", "ConfigMap", "kube-system", "kube-proxy")},
		},
		{
			Rule: "invalid-flag-value", Severity: findings.Error, Hop: "1.19->1.20", Component: "kube-apiserver", Subject: "--insecure-port=8080",
			Message:    "kube-apiserver 1.20 accepts only --insecure-port=0: the API server will not start.",
			Fix:        "Set --insecure-port=0 (or remove it) before the hop.",
			Evidence:   "- --insecure-port=8080",
			Source:     findings.Source{Path: apiserverPod, Line: 18},
			References: []string{"https://github.com/kubernetes/kubernetes/pull/95856"},
		},
		{
			Rule: "removed-admission-plugin", Severity: findings.Error, Hop: "1.19->1.20", Component: "kube-apiserver", Subject: "PodPreset",
			Message:    "admission plugin PodPreset is removed in 1.20: the API server will not start with it enabled.",
			Fix:        "Remove PodPreset from --enable-admission-plugins and move the presets into the workloads.",
			Evidence:   "- --enable-admission-plugins=NodeRestriction,PodPreset,PodSecurityPolicy",
			Source:     findings.Source{Path: apiserverPod, Line: 16},
			References: []string{"https://github.com/kubernetes/kubernetes/pull/94090"},
		},
		{
			Rule: "deprecated-api", Severity: findings.Warning, Hop: "1.20->1.21", Subject: "networking.k8s.io/v1beta1 Ingress",
			Message:  "networking.k8s.io/v1beta1 Ingress is deprecated at 1.21 and removed in 1.22.",
			Fix:      "Change apiVersion to networking.k8s.io/v1 (served from 1.19) and move to spec.ingressClassName and pathType.",
			Evidence: "apiVersion: networking.k8s.io/v1beta1 (written in the manifest)",
			Source:   findings.Source{Path: "manifests/shop/ingress.yaml", Line: 1, Object: obj("networking.k8s.io/v1beta1", "Ingress", "shop", "frontend")},
		},
		{
			Rule: "deprecated-api", Severity: findings.Warning, Hop: "1.20->1.21", Subject: "rbac.authorization.k8s.io/v1beta1 ClusterRole",
			Message:  "rbac.authorization.k8s.io/v1beta1 ClusterRole is deprecated at 1.21 and removed in 1.22.",
			Fix:      "Change apiVersion to rbac.authorization.k8s.io/v1 (served from 1.8).",
			Evidence: "helm release monitoring/prometheus-operator (revision 4) renders rbac.authorization.k8s.io/v1beta1",
			Source:   findings.Source{Object: obj("rbac.authorization.k8s.io/v1", "ClusterRole", "", "prometheus-operator")},
		},
	}
	res := &findings.Result{
		SchemaVersion: findings.SchemaVersion,
		From:          "1.14",
		To:            "1.21",
		FromSource:    "kubeadm-config kubernetesVersion v1.14.10",
		GeneratedAt:   time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), // replaced by fixedNow
		Tool:          "v0.1.0",
		Inputs:        []string{"snapshots/prod-eu-1"},
		Hops:          fixtureHops(),
		Findings:      fs,
		Unchecked: []findings.Unchecked{
			{What: "Prometheus rules and dashboards", Reason: "the snapshot has no prometheus/ directory"},
			{What: "Secrets in kube-system", Reason: "RBAC denied: secrets is forbidden for the collecting user"},
			{What: "images in registry.example.internal/k8s", Reason: "registry not asked: offline run"},
		},
	}
	return res
}

// fixtureRules describes the rules the fixture's findings name.
func fixtureRules() []RuleInfo {
	r := func(name, sev, title string) RuleInfo {
		return RuleInfo{
			Name: name, Severity: sev, Title: title,
			Doc:     title + "\n\nSee upgrade-lint explain " + name + ".",
			HelpURI: "https://github.com/upgrade-lint/upgrade-lint/blob/main/docs/rules.md#" + name,
		}
	}
	return []RuleInfo{
		r("removed-api", "error", "An API version the hop's target no longer serves."),
		r("deprecated-api", "warning", "An API version deprecated at the target and removed later."),
		r("removed-flag", "error", "A command-line flag the component no longer accepts."),
		r("deprecated-flag", "warning", "A deprecated command-line flag."),
		r("invalid-flag-value", "error", "A flag value the component no longer accepts."),
		r("removed-feature-gate", "error", "A feature gate the component no longer knows."),
		r("locked-feature-gate", "error", "A feature gate set against the value it is locked to."),
		r("deprecated-feature-gate", "warning", "A deprecated feature gate."),
		r("removed-admission-plugin", "error", "An admission plugin the API server no longer has."),
		r("version-skew", "error", "Kubelets outside the version skew policy at a hop."),
		r("input-error", "error", "An input upgrade-lint could not read."),
	}
}
