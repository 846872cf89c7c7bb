// Package prometheus holds the rules about monitoring that an upgrade silently breaks:
//
//   - prometheus-query: PromQL in rule files, PrometheusRule objects, Grafana dashboards
//     and a live Prometheus's loaded rules that uses a metric or label the hop removes;
//   - prometheus-target: scrape targets on the kube-scheduler and kube-controller-manager
//     insecure ports (10251, 10252) that kubeadm disables and Kubernetes then removes.
//
// Expressions are read with Prometheus's own PromQL parser.
package prometheus
