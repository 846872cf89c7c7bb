// Package live reads a running cluster through its API server into an inventory: read-only,
// paginated, metadata-only wherever the rules need no more, and never fatal on a resource
// it may not read (that becomes an Unchecked entry instead).
package live

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/scanner"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// Options configures one scan of a live cluster.
type Options struct {
	// Config reaches the API server (from kubeconfig flags or in-cluster).
	Config *rest.Config
	// Namespaces limits the namespaced objects read for API evidence; empty means all.
	// kube-system is read regardless where the control plane's facts live.
	Namespaces []string
	// AuditLog is an API server audit log (JSON lines) to read usage evidence from.
	AuditLog string
	// Progress receives a progress line per resource; nil means quiet.
	Progress io.Writer
	// Concurrency bounds the list calls in flight (default 4): light on the API server.
	Concurrency int
}

// Cluster is what a live read found, before it becomes an inventory: the raw object bodies
// (as collect writes them) and the evidence that belongs to no object.
type Cluster struct {
	ServerVersion string
	Host          string
	// Bodies are the objects read, sorted by apiVersion, kind, namespace, name. Secrets
	// carry only Helm release records and webhook certificates (see RedactSecret).
	Bodies    []map[string]any
	APIUses   []inventory.APIUse
	Unchecked []findings.Unchecked
}

// Scan reads the cluster behind opts.Config into an inventory.
func Scan(ctx context.Context, opts Options) (*inventory.Inventory, error) {
	c, err := Read(ctx, opts)
	if err != nil {
		return nil, err
	}
	inv := Inventory(c)
	if opts.AuditLog != "" {
		f, err := os.Open(opts.AuditLog)
		if err != nil {
			return nil, fmt.Errorf("reading --audit-log: %w", err)
		}
		uses, errs := ParseAuditLog(f, opts.AuditLog)
		f.Close()
		inv.APIUses = append(inv.APIUses, uses...)
		inv.InputErrors = append(inv.InputErrors, errs...)
		inv.Inputs = append(inv.Inputs, "audit log "+opts.AuditLog)
	}
	return inv, nil
}

// ReadAuditLogFile reads an audit log's API uses; lines that are not audit events make it
// fail, naming the first (collect writes no half-read evidence).
func ReadAuditLogFile(path string) ([]inventory.APIUse, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading --audit-log: %w", err)
	}
	defer f.Close()
	uses, errs := ParseAuditLog(f, path)
	if len(errs) > 0 {
		return nil, fmt.Errorf("--audit-log %s:%d: %s", path, errs[0].Source.Line, errs[0].Message)
	}
	return uses, nil
}

// Read reads the cluster's objects and request metrics; it never writes to the cluster.
func Read(ctx context.Context, opts Options) (*Cluster, error) {
	cfg := rest.CopyConfig(opts.Config)
	// Server-side warnings about deprecated versions would go to stderr; the scan reads
	// preferred versions, and the report is where deprecations belong.
	cfg.WarningHandler = rest.NoWarnings{}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to the API server: %w", err)
	}
	v, err := dc.ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("reading the API server's version at %s: %w", cfg.Host, err)
	}
	c := &Cluster{ServerVersion: v.GitVersion, Host: cfg.Host}

	// Metrics first: the scan's own requests must not become evidence.
	uses, unchecked := readDeprecatedAPIMetrics(ctx, dc.RESTClient(), minorOf(v.Minor))
	c.APIUses = append(c.APIUses, uses...)
	c.Unchecked = append(c.Unchecked, unchecked...)

	resources, unchecked, err := discover(dc)
	if err != nil {
		return nil, err
	}
	c.Unchecked = append(c.Unchecked, unchecked...)
	c.APIUses, unchecked = withoutOwnReads(c.APIUses, resources)
	c.Unchecked = append(c.Unchecked, unchecked...)

	md, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	cl := &clients{meta: md, dynamic: dyn}
	results, err := runJobs(ctx, cl, plan(resources, opts.Namespaces), opts)
	if err != nil {
		return nil, err
	}
	bodies := merge(results, c)

	// Webhooks name their services; the TLS secrets in those namespaces hold the certificates
	// the API server must trust. Read only their certificate data.
	var secrets *resource
	for i := range resources {
		if resources[i].gvr.Group == "" && resources[i].gvr.Resource == "secrets" {
			secrets = &resources[i]
		}
	}
	if secrets != nil {
		var jobs []listJob
		for _, ns := range webhookServiceNamespaces(bodies) {
			jobs = append(jobs, listJob{res: *secrets, full: true, namespace: ns, fields: "type=kubernetes.io/tls"})
		}
		more, err := runJobs(ctx, cl, jobs, opts)
		if err != nil {
			return nil, err
		}
		for _, b := range merge(more, c) {
			bodies[uidOf(b)] = b
		}
	}

	for _, b := range bodies {
		c.Bodies = append(c.Bodies, b)
	}
	for _, b := range c.Bodies {
		if kindOf(b) == "Secret" && apiVersionOf(b) == "v1" {
			RedactSecret(b, secretKeep(b))
		}
	}
	sortBodies(c.Bodies)
	return c, nil
}

// plan lists every resource as metadata (in the namespaces asked for) and the kinds the
// rules read as whole objects.
func plan(resources []resource, namespaces []string) []listJob {
	var jobs []listJob
	for _, r := range resources {
		scopes := []string{""}
		if r.namespaced && len(namespaces) > 0 {
			scopes = namespaces
		}
		for _, ns := range scopes {
			jobs = append(jobs, listJob{res: r, namespace: ns})
		}
		for _, f := range fullReads[r.String()] {
			fscopes := []string{f.namespace}
			if r.namespaced && f.namespace == "" && len(namespaces) > 0 {
				fscopes = namespaces
			}
			for _, ns := range fscopes {
				jobs = append(jobs, listJob{res: r, full: true, namespace: ns, labels: f.labelSelector, fields: f.fieldSelector})
			}
		}
	}
	return jobs
}

// runJobs runs list calls with bounded concurrency and returns their results in job order.
func runJobs(ctx context.Context, cl *clients, jobs []listJob, opts Options) ([]listResult, error) {
	n := opts.Concurrency
	if n <= 0 {
		n = 4
	}
	results := make([]listResult, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i], errs[i] = cl.list(ctx, jobs[i])
				if opts.Progress != nil {
					mu.Lock()
					done++
					fmt.Fprintf(opts.Progress, "\r\033[Kreading the cluster: %d/%d lists (%s)", done, len(jobs), jobs[i].res)
					if done == len(jobs) {
						fmt.Fprint(opts.Progress, "\r\033[K")
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range jobs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return results, nil
}

// merge keys the bodies of results by UID: a whole object replaces the metadata read of
// the same object. Failed lists become Unchecked entries on c.
func merge(results []listResult, c *Cluster) map[string]map[string]any {
	out := map[string]map[string]any{}
	seen := map[findings.Unchecked]bool{}
	for _, u := range c.Unchecked {
		seen[u] = true
	}
	for _, r := range results {
		if r.unchecked != nil {
			if !seen[*r.unchecked] {
				seen[*r.unchecked] = true
				c.Unchecked = append(c.Unchecked, *r.unchecked)
			}
			continue
		}
		for _, b := range r.bodies {
			id := uidOf(b)
			if _, ok := out[id]; ok && !r.job.full {
				continue
			}
			out[id] = b
		}
	}
	return out
}

func uidOf(b map[string]any) string {
	md, _ := b["metadata"].(map[string]any)
	if uid, _ := md["uid"].(string); uid != "" {
		return uid
	}
	ns, _ := md["namespace"].(string)
	name, _ := md["name"].(string)
	return apiVersionOf(b) + "/" + kindOf(b) + "/" + ns + "/" + name
}

func kindOf(b map[string]any) string       { s, _ := b["kind"].(string); return s }
func apiVersionOf(b map[string]any) string { s, _ := b["apiVersion"].(string); return s }

func nameOf(b map[string]any) (namespace, name string) {
	md, _ := b["metadata"].(map[string]any)
	namespace, _ = md["namespace"].(string)
	name, _ = md["name"].(string)
	return namespace, name
}

func labelOf(b map[string]any, key string) string {
	md, _ := b["metadata"].(map[string]any)
	labels, _ := md["labels"].(map[string]any)
	s, _ := labels[key].(string)
	return s
}

func sortBodies(bodies []map[string]any) {
	sort.SliceStable(bodies, func(i, j int) bool {
		a, b := bodies[i], bodies[j]
		if apiVersionOf(a) != apiVersionOf(b) {
			return apiVersionOf(a) < apiVersionOf(b)
		}
		if kindOf(a) != kindOf(b) {
			return kindOf(a) < kindOf(b)
		}
		ans, an := nameOf(a)
		bns, bn := nameOf(b)
		if ans != bns {
			return ans < bns
		}
		return an < bn
	})
}

// secretKeep says which of a Secret's values survive: a Helm release record, the
// certificates of a TLS secret; nothing otherwise.
func secretKeep(b map[string]any) func(string) bool {
	if labelOf(b, "owner") == "helm" {
		return keepHelmRelease
	}
	if t, _ := b["type"].(string); t == "kubernetes.io/tls" {
		return keepCertificates
	}
	return keepNothing
}

// webhookServiceNamespaces returns the namespaces of the services webhooks call.
func webhookServiceNamespaces(bodies map[string]map[string]any) []string {
	set := map[string]bool{}
	for _, b := range bodies {
		switch kindOf(b) {
		case "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration":
		default:
			continue
		}
		hooks, _ := b["webhooks"].([]any)
		for _, h := range hooks {
			hm, _ := h.(map[string]any)
			cc, _ := hm["clientConfig"].(map[string]any)
			svc, _ := cc["service"].(map[string]any)
			if ns, _ := svc["namespace"].(string); ns != "" {
				set[ns] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for ns := range set {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

// readDeprecatedAPIMetrics reads apiserver_requested_deprecated_apis from /metrics. Servers
// before 1.19 have no such metric, and the scanner's credentials may not read /metrics:
// both are recorded as unchecked.
func readDeprecatedAPIMetrics(ctx context.Context, rc rest.Interface, serverMinor int) ([]inventory.APIUse, []findings.Unchecked) {
	raw, err := rc.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		what := "requests to deprecated APIs (/metrics " + deprecatedAPIsMetric + ")"
		if apierrors.IsForbidden(err) {
			return nil, []findings.Unchecked{{What: what, Reason: "forbidden: the scanner's credentials may not get /metrics (see deploy/rbac.yaml)"}}
		}
		return nil, []findings.Unchecked{{What: what, Reason: reason(err)}}
	}
	uses, _ := ParseDeprecatedAPIMetrics(bytes.NewReader(raw), "")
	for i := range uses {
		uses[i].Source = findings.Source{}
	}
	// The gauge exists from 1.19 on, and has no series until a deprecated API is requested.
	if serverMinor < 19 {
		return uses, []findings.Unchecked{{
			What:   "requests to deprecated APIs (/metrics " + deprecatedAPIsMetric + ")",
			Reason: "API servers before 1.19 do not count them; an audit log (--audit-log) is the evidence of which clients call removed APIs",
		}}
	}
	return uses, nil
}

// withoutOwnReads drops the request-metric uses of versions the scan itself lists (those
// that are the only ones serving their resource): the gauge counts every client since the
// API server started, earlier upgrade-lint runs included, so it proves nothing there. The
// objects' own evidence (last-applied, managedFields) still speaks for them.
func withoutOwnReads(uses []inventory.APIUse, listed []resource) ([]inventory.APIUse, []findings.Unchecked) {
	own := map[string]bool{}
	for _, r := range listed {
		own[r.apiVersion()+" "+r.gvr.Resource] = true
	}
	var kept []inventory.APIUse
	var unchecked []findings.Unchecked
	for _, u := range uses {
		if u.How == deprecatedAPIsMetric && own[u.APIVersion+" "+u.Resource] {
			unchecked = append(unchecked, findings.Unchecked{
				What: "clients requesting " + u.APIVersion + " " + u.Resource,
				Reason: "it is the only version serving " + u.Resource + ", so upgrade-lint lists it too and " + deprecatedAPIsMetric +
					" cannot tell other clients from upgrade-lint's own reads; the objects' last-applied and managedFields evidence is still checked (an audit log, --audit-log, names the clients)",
			})
			continue
		}
		kept = append(kept, u)
	}
	return kept, unchecked
}

// minorOf reads a version.Info minor ("21", "21+" on some distributions); 0 if unreadable.
func minorOf(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// Inventory turns what was read into the inventory the rules see: objects with their
// evidence, Helm release manifests, nodes and the control plane's mirror pods.
func Inventory(c *Cluster) *inventory.Inventory {
	inv := &inventory.Inventory{
		ServerVersion: c.ServerVersion,
		Inputs:        []string{"live cluster " + c.Host},
		APIUses:       append([]inventory.APIUse(nil), c.APIUses...),
		Unchecked:     append([]findings.Unchecked(nil), c.Unchecked...),
	}
	var objs []*inventory.Object
	for _, b := range c.Bodies {
		if o := scanner.ObjectFromMap(runtime.DeepCopyJSON(b), inventory.FromCluster, inventory.Source{}); o != nil {
			objs = append(objs, o)
		}
	}
	inv.Objects = append(inv.Objects, objs...)
	// The same reading of kubeadm-config, kube-proxy and kubelet ConfigMaps, Nodes, mirror
	// pods and Helm releases as for a snapshot: live and collected must agree.
	scanner.DeriveFromObjects(inv, objs)
	noteMirrorPods(inv)
	return inv
}
