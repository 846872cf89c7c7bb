package live

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/metadata"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

// pageSize bounds each list response, so a large cluster is read in pages rather than in
// one response the API server must build in memory.
const pageSize = 250

// listJob is one list call: a resource, read whole or as metadata, in a scope.
type listJob struct {
	res       resource
	full      bool
	namespace string
	labels    string
	fields    string
}

func (j listJob) describe() string {
	var b strings.Builder
	b.WriteString(j.res.String() + " (" + j.res.apiVersion() + ")")
	switch {
	case !j.res.namespaced:
	case j.namespace != "":
		b.WriteString(" in namespace " + j.namespace)
	default:
		b.WriteString(" in all namespaces")
	}
	if j.labels != "" {
		b.WriteString(" with labels " + j.labels)
	}
	if j.fields != "" {
		b.WriteString(" with fields " + j.fields)
	}
	return b.String()
}

// listResult is what one list call read: object bodies, or why it could not.
type listResult struct {
	job       listJob
	bodies    []map[string]any
	unchecked *findings.Unchecked
}

// clients are the read-only clients of one scan.
type clients struct {
	meta    metadata.Interface
	dynamic dynamic.Interface
}

// list runs one list call to the end, page by page. Errors that only mean "this resource
// cannot be read by us" become an Unchecked entry; the caller's context ending is an error.
func (c *clients) list(ctx context.Context, j listJob) (listResult, error) {
	res := listResult{job: j}
	opts := metav1.ListOptions{Limit: pageSize, LabelSelector: j.labels, FieldSelector: j.fields}
	for {
		var (
			items []map[string]any
			next  string
			err   error
		)
		if j.full {
			items, next, err = c.listFullPage(ctx, j, opts)
		} else {
			items, next, err = c.listMetadataPage(ctx, j, opts)
		}
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			res.bodies = nil
			res.unchecked = &findings.Unchecked{What: j.describe(), Reason: reason(err)}
			return res, nil
		}
		res.bodies = append(res.bodies, items...)
		if next == "" {
			return res, nil
		}
		opts.Continue = next
	}
}

func (c *clients) listFullPage(ctx context.Context, j listJob, opts metav1.ListOptions) ([]map[string]any, string, error) {
	var (
		l   *unstructured.UnstructuredList
		err error
	)
	if j.res.namespaced {
		l, err = c.dynamic.Resource(j.res.gvr).Namespace(j.namespace).List(ctx, opts)
	} else {
		l, err = c.dynamic.Resource(j.res.gvr).List(ctx, opts)
	}
	if err != nil {
		return nil, "", err
	}
	out := make([]map[string]any, 0, len(l.Items))
	for _, item := range l.Items {
		body := item.Object
		// List items may omit apiVersion/kind; the list's version is the one they were read in.
		body["apiVersion"], body["kind"] = j.res.apiVersion(), j.res.kind
		out = append(out, body)
	}
	return out, l.GetContinue(), nil
}

func (c *clients) listMetadataPage(ctx context.Context, j listJob, opts metav1.ListOptions) ([]map[string]any, string, error) {
	ri := c.meta.Resource(j.res.gvr)
	var (
		l   *metav1.PartialObjectMetadataList
		err error
	)
	if j.res.namespaced {
		l, err = ri.Namespace(j.namespace).List(ctx, opts)
	} else {
		l, err = ri.List(ctx, opts)
	}
	if err != nil {
		return nil, "", err
	}
	out := make([]map[string]any, 0, len(l.Items))
	for i := range l.Items {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&l.Items[i].ObjectMeta)
		if err != nil {
			return nil, "", fmt.Errorf("converting %s metadata: %w", j.res, err)
		}
		out = append(out, map[string]any{"apiVersion": j.res.apiVersion(), "kind": j.res.kind, "metadata": m})
	}
	return out, l.Continue, nil
}

// reason words an API error for the "could not check" section.
func reason(err error) string {
	switch {
	case apierrors.IsForbidden(err):
		return "forbidden: the scanner's credentials may not list it (see deploy/rbac.yaml): " + err.Error()
	case apierrors.IsNotFound(err), apierrors.IsMethodNotSupported(err):
		return "not served by the API server: " + err.Error()
	case apierrors.IsServiceUnavailable(err), apierrors.IsTimeout(err), apierrors.IsServerTimeout(err), apierrors.IsTooManyRequests(err):
		return "unavailable: " + err.Error()
	}
	return err.Error()
}
