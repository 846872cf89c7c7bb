package live

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// deprecatedAPIsMetric is the API server's gauge (1.19+) set to 1 for every deprecated
// group/version/resource some client requested since the server started.
const deprecatedAPIsMetric = "apiserver_requested_deprecated_apis"

// ParseDeprecatedAPIMetrics reads the API server's /metrics text and returns one APIUse per
// deprecated group/version/resource that clients requested. Lines it does not understand are
// skipped: the exposition format has more in it than this one gauge.
func ParseDeprecatedAPIMetrics(r io.Reader, source string) ([]inventory.APIUse, error) {
	var out []inventory.APIUse
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, deprecatedAPIsMetric+"{") {
			continue
		}
		labels, value, ok := splitSample(line[len(deprecatedAPIsMetric):])
		if !ok || value == 0 {
			continue
		}
		gv := labels["version"]
		if labels["group"] != "" {
			gv = labels["group"] + "/" + gv
		}
		detail := "requested since the API server started"
		if rr := labels["removed_release"]; rr != "" {
			detail += "; removed in " + rr
		}
		if sub := labels["subresource"]; sub != "" {
			detail += "; subresource " + sub
		}
		out = append(out, inventory.APIUse{
			APIVersion: gv,
			Resource:   labels["resource"],
			How:        deprecatedAPIsMetric,
			Detail:     detail,
			Source:     findings.Source{Path: source},
		})
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("reading metrics: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].APIVersion+" "+out[i].Resource < out[j].APIVersion+" "+out[j].Resource
	})
	return out, nil
}

// splitSample parses `{a="x",b="y"} 1` (label values with \" \\ \n escapes).
func splitSample(s string) (map[string]string, float64, bool) {
	if !strings.HasPrefix(s, "{") {
		return nil, 0, false
	}
	labels := map[string]string{}
	i := 1
	for i < len(s) && s[i] != '}' {
		eq := strings.IndexByte(s[i:], '=')
		if eq < 0 || i+eq+1 >= len(s) || s[i+eq+1] != '"' {
			return nil, 0, false
		}
		name := strings.TrimSpace(s[i : i+eq])
		i += eq + 2
		var v strings.Builder
		for ; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
				if s[i] == 'n' {
					v.WriteByte('\n')
					continue
				}
			}
			v.WriteByte(s[i])
		}
		if i >= len(s) {
			return nil, 0, false
		}
		labels[name] = v.String()
		i++ // closing quote
		if i < len(s) && s[i] == ',' {
			i++
		}
	}
	if i >= len(s) {
		return nil, 0, false
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) == 0 {
		return nil, 0, false
	}
	value, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return nil, 0, false
	}
	return labels, value, true
}

// auditEvent is the part of an audit.k8s.io Event (v1 and v1beta1 alike) that names who
// called which API version.
type auditEvent struct {
	Stage     string `json:"stage"`
	Verb      string `json:"verb"`
	UserAgent string `json:"userAgent"`
	User      struct {
		Username string `json:"username"`
	} `json:"user"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
		APIGroup    string `json:"apiGroup"`
		APIVersion  string `json:"apiVersion"`
	} `json:"objectRef"`
	StageTimestamp string `json:"stageTimestamp"`
}

// ParseAuditLog reads an API server audit log (JSON lines, one Event each) and returns one
// APIUse per group/version/resource, user and user agent, with the number of requests and
// the last time. Every request counts, reads included: a client that reads a removed version
// breaks as surely as one that writes it. Lines that are not audit events are returned as
// InputErrors with their line number; the rest of the file is still read.
func ParseAuditLog(r io.Reader, path string) ([]inventory.APIUse, []inventory.InputError) {
	type key struct{ gv, resource, user, agent string }
	type tally struct {
		first, count int
		last         string
	}
	seen := map[key]*tally{}
	var keys []key
	var errs []inventory.InputError
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256*1024), 16*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var ev auditEvent
		if err := json.Unmarshal([]byte(text), &ev); err != nil {
			errs = append(errs, inventory.InputError{Source: findings.Source{Path: path, Line: line}, Message: "not an audit event (JSON): " + err.Error()})
			continue
		}
		// One request appears once per stage; count it once, when it completed.
		if ev.ObjectRef == nil || ev.ObjectRef.APIVersion == "" || ev.ObjectRef.Resource == "" ||
			(ev.Stage != "" && ev.Stage != "ResponseComplete" && ev.Stage != "Panic") {
			continue
		}
		gv := ev.ObjectRef.APIVersion
		if ev.ObjectRef.APIGroup != "" {
			gv = ev.ObjectRef.APIGroup + "/" + gv
		}
		k := key{gv, ev.ObjectRef.Resource, ev.User.Username, ev.UserAgent}
		t := seen[k]
		if t == nil {
			t = &tally{first: line}
			seen[k] = t
			keys = append(keys, k)
		}
		t.count++
		if ev.StageTimestamp > t.last {
			t.last = ev.StageTimestamp
		}
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, inventory.InputError{Source: findings.Source{Path: path, Line: line + 1}, Message: "reading the audit log: " + err.Error()})
	}
	out := make([]inventory.APIUse, 0, len(keys))
	for _, k := range keys {
		t := seen[k]
		detail := fmt.Sprintf("user %s, user agent %q, %d request(s)", k.user, k.agent, t.count)
		if t.last != "" {
			detail += ", last at " + t.last
		}
		out = append(out, inventory.APIUse{
			APIVersion: k.gv,
			Resource:   k.resource,
			How:        "audit-log",
			Detail:     detail,
			Source:     findings.Source{Path: path, Line: t.first},
		})
	}
	return out, errs
}
