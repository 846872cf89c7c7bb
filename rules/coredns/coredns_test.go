package coredns

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/rules/ruletest"
	"github.com/upgrade-lint/upgrade-lint/scanner"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

func TestScenarios(t *testing.T) {
	// Until scanner.Scan reads snapshots, the scenarios cannot run; the tests below
	// exercise the rule on inventories built by hand.
	if _, err := scanner.Scan(context.Background(), scanner.Options{Snapshot: t.TempDir()}); err != nil {
		t.Skipf("scanner: %v", err)
	}
	ruletest.Run(t, "testdata", Corefile)
}

// testKB holds kubeadm's CoreDNS versions and readiness probes as
// k8s.io/kubernetes cmd/kubeadm/app/constants/constants.go (CoreDNSVersion) and
// phases/addons/dns/manifests.go state them for 1.14 to 1.19.
func testKB() *knowledge.KB {
	coredns := map[int]string{14: "1.3.1", 15: "1.3.1", 16: "1.6.2", 17: "1.6.5", 18: "1.6.7", 19: "1.7.0"}
	var images []knowledge.ImageSet
	var addons []knowledge.AddonSet
	for m, v := range coredns {
		images = append(images, knowledge.ImageSet{Minor: knowledge.V(m), CoreDNS: v})
		probe := knowledge.AddonPod{ReadinessPath: "/health", ReadinessPort: 8080}
		if m >= 16 {
			probe = knowledge.AddonPod{ReadinessPath: "/ready", ReadinessPort: 8181}
		}
		addons = append(addons, knowledge.AddonSet{Minor: knowledge.V(m), CoreDNS: probe})
	}
	kb := knowledge.New(nil, nil, nil, nil, images, nil)
	kb.Addons = addons
	return kb
}

// objectFrom decodes one YAML document as the scanner would, keeping its node for lines.
func objectFrom(t *testing.T, path, doc string) *inventory.Object {
	t.Helper()
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &node); err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := node.Decode(&body); err != nil {
		t.Fatal(err)
	}
	meta, _ := body["metadata"].(map[string]any)
	o := &inventory.Object{
		APIVersion: body["apiVersion"].(string), Kind: body["kind"].(string),
		Namespace: meta["namespace"].(string), Name: meta["name"].(string),
		Origin: inventory.FromCluster, Body: body, Node: &node,
		Source: findings.Source{Path: path, Line: 1},
	}
	return o
}

const legacyCorefile = `apiVersion: v1
kind: ConfigMap
metadata:
  name: coredns
  namespace: kube-system
data:
  Corefile: |
    .:53 {
        errors
        health
        kubernetes cluster.local in-addr.arpa ip6.arpa {
           pods insecure
           upstream
           fallthrough in-addr.arpa ip6.arpa
        }
        prometheus :9153
        proxy . /etc/resolv.conf
        cache 30
        loop
        reload
        loadbalance
        hosts /etc/coredns/extra.hosts
        mystery
    }
`

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
spec:
  template:
    spec:
      containers:
      - name: coredns
        image: registry.corp.example/k8s/coredns:1.3.1
      volumes:
      - name: config-volume
        configMap:
          name: coredns
`

type got struct {
	Hop, Subject string
	Severity     findings.Severity
	Line         int
}

func runRule(t *testing.T, from, to int, objs ...*inventory.Object) []findings.Finding {
	t.Helper()
	kb := testKB()
	var hops []knowledge.Hop
	for m := from; m < to; m++ {
		hops = append(hops, knowledge.Hop{From: knowledge.V(m), To: knowledge.V(m + 1)})
	}
	plan := &rules.Plan{From: knowledge.V(from), To: knowledge.V(to), Hops: hops}
	return rules.Run([]*rules.Rule{Corefile}, plan, kb, &inventory.Inventory{Objects: objs})
}

func summarize(fs []findings.Finding) []got {
	var out []got
	for _, f := range fs {
		out = append(out, got{f.Hop, f.Subject, f.Severity, f.Source.Line})
	}
	return out
}

func TestLegacyCorefileHopByHop(t *testing.T) {
	fs := runRule(t, 14, 19,
		objectFrom(t, "cluster/kube-system/coredns.yaml", legacyCorefile),
		objectFrom(t, "cluster/kube-system/deployment.yaml", deployment))
	want := []got{
		// 1.14->1.15 keeps CoreDNS 1.3.1: nothing. 1.15->1.16 moves to 1.6.2.
		{"1.15->1.16", "mystery", findings.Error, 23},
		{"1.15->1.16", "proxy", findings.Error, 17},
		{"1.15->1.16", "ready", findings.Error, 1},
		{"1.15->1.16", "kubernetes upstream", findings.Warning, 13},
		// 1.18->1.19 moves 1.6.7 -> 1.7.0, which removes upstream outright.
		{"1.18->1.19", "kubernetes upstream", findings.Error, 13},
	}
	if diff := cmp.Diff(want, summarize(fs)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, f := range fs {
		if f.Subject == "proxy" {
			if !strings.Contains(f.Fix, "forward . /etc/resolv.conf") || strings.Contains(f.Fix, "proxy .") {
				t.Errorf("proxy fix does not carry the migrated Corefile:\n%s", f.Fix)
			}
			if !strings.Contains(f.Message, `replaced by "forward"`) {
				t.Errorf("proxy message: %s", f.Message)
			}
		}
		if f.Subject == "ready" && !strings.Contains(f.Message, ":8181/ready") {
			t.Errorf("ready message does not name the probe: %s", f.Message)
		}
	}
}

func TestMigratedCorefileIsClean(t *testing.T) {
	migrated := `apiVersion: v1
kind: ConfigMap
metadata:
  name: coredns
  namespace: kube-system
data:
  Corefile: |
    .:53 {
        errors
        health {
            lameduck 5s
        }
        ready
        kubernetes cluster.local in-addr.arpa ip6.arpa {
           pods insecure
           fallthrough in-addr.arpa ip6.arpa
        }
        prometheus :9153
        forward . /etc/resolv.conf
        cache 30
        loop
        reload
        loadbalance
    }
`
	fs := runRule(t, 14, 19,
		objectFrom(t, "cluster/kube-system/coredns.yaml", migrated),
		objectFrom(t, "cluster/kube-system/deployment.yaml", deployment))
	if len(fs) != 0 {
		t.Errorf("a migrated Corefile produced findings: %v", summarize(fs))
	}
}

func TestPlanStartingLater(t *testing.T) {
	// A 1.18 cluster on kubeadm's CoreDNS (no Deployment in the inputs): only upstream's
	// removal in CoreDNS 1.7.0 is left, and it is an error at 1.18->1.19.
	cf := strings.Replace(legacyCorefile, "        proxy . /etc/resolv.conf\n", "        forward . /etc/resolv.conf\n        ready\n", 1)
	cf = strings.Replace(cf, "        mystery\n", "", 1)
	fs := runRule(t, 18, 19, objectFrom(t, "cm.yaml", cf))
	want := []got{{"1.18->1.19", "kubernetes upstream", findings.Error, 13}}
	if diff := cmp.Diff(want, summarize(fs)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestLibraryVersion(t *testing.T) {
	for in, want := range map[string]string{
		"1.6.2":  "1.6.2",
		"1.6.8":  "1.6.7", // a patch the library skips
		"99.0.0": "",      // filled below: the newest it knows
		"latest": "",
	} {
		if in == "99.0.0" {
			want = libraryVersion("99.0.0")
			if want == "" || compareVersions(want, "1.11.0") < 0 {
				t.Errorf("libraryVersion(99.0.0) = %q, want the library's newest", want)
			}
			continue
		}
		if got := libraryVersion(in); got != want {
			t.Errorf("libraryVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestImageVersion(t *testing.T) {
	for in, want := range map[string]string{
		"k8s.gcr.io/coredns:1.3.1":                 "1.3.1",
		"registry.k8s.io/coredns/coredns:v1.8.0":   "1.8.0",
		"localhost:5000/coredns":                   "",
		"registry.corp.example:5000/coredns:1.6.7": "1.6.7",
	} {
		if got := imageVersion(in); got != want {
			t.Errorf("imageVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzPluginLines(f *testing.F) {
	f.Add(".:53 {\n    errors\n    health {\n        lameduck 5s\n    }\n    forward . /etc/resolv.conf\n}\n")
	f.Add("}}}{{{")
	f.Add("example.org {\n  file db.example.org { reload 1m }\n}")
	f.Fuzz(func(t *testing.T, corefile string) {
		lines := pluginLines(corefile)
		for key, line := range lines {
			if line < 1 {
				t.Errorf("%q at line %d", key, line)
			}
		}
	})
}
