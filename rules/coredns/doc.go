// Package coredns holds the coredns-corefile rule: the CoreDNS Corefile checked, hop by
// hop, against the CoreDNS version kubeadm deploys at each minor, with the migration
// library kubeadm itself uses (github.com/coredns/corefile-migration).
package coredns
