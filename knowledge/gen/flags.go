package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

// flagComponents maps each component to the package holding its func main.
var flagComponents = []struct{ name, mainPkg string }{
	{"kube-apiserver", "k8s.io/kubernetes/cmd/kube-apiserver"},
	{"kube-controller-manager", "k8s.io/kubernetes/cmd/kube-controller-manager"},
	{"kube-scheduler", "k8s.io/kubernetes/cmd/kube-scheduler"},
	{"kube-proxy", "k8s.io/kubernetes/cmd/kube-proxy"},
	{"kubelet", "k8s.io/kubernetes/cmd/kubelet"},
}

// flagAt is one flag of one component as registered in one minor.
type flagAt struct {
	source     string
	deprecated bool
	message    string
}

// minorFlags is everything read for one minor: component -> flag -> state.
type minorFlags struct {
	minor  knowledge.Minor
	flags  map[string]map[string]flagAt
	inputs []string
	notes  []string
}

// manualFlagRow is a hand-kept value constraint (manual_flags.yaml): code is not the
// authority for "the flag still parses but only this value works".
type manualFlagRow struct {
	Component string   `yaml:"component"`
	Name      string   `yaml:"name"`
	From      string   `yaml:"from"`
	Allowed   []string `yaml:"allowed"`
	Note      string   `yaml:"note"`
	Source    string   `yaml:"source"`
}

const manualFlagsPath = "knowledge/gen/manual_flags.yaml"

func genFlags(g *generator) error {
	minors, results, err := perMinor(g, "flags", func(m knowledge.Minor) (*minorFlags, error) { return readMinorFlags(g, m) })
	if err != nil {
		return err
	}
	var inputs []string
	for i := range results {
		inputs = append(inputs, results[i].inputs...)
		for _, n := range results[i].notes {
			fmt.Fprintf(os.Stderr, "gen: flags %s: %s\n", minors[i], n)
		}
	}
	manual, err := readManualFlags(manualFlagsPath)
	if err != nil {
		return err
	}
	items, err := mergeFlags(results, manual)
	if err != nil {
		return err
	}
	return g.writeData("flags.json", inputs, items)
}

func readMinorFlags(g *generator, m knowledge.Minor) (*minorFlags, error) {
	t, err := newSrcTree(g, g.kubernetesVersion(m))
	if err != nil {
		return nil, err
	}
	out := &minorFlags{minor: m, flags: map[string]map[string]flagAt{}}
	for _, c := range flagComponents {
		w := newFlagWalker(t)
		if err := w.walkMain(c.mainPkg); err != nil {
			return nil, err
		}
		fl := map[string]flagAt{}
		for name, r := range w.regs {
			st := flagAt{source: sourceLabel(r.source)}
			if msg, ok := w.marks[name]; ok {
				st.deprecated, st.message = true, msg
			} else if msg, ok := w.blanket[name]; ok {
				st.deprecated, st.message = true, msg
			} else if r.usageDeprecated != nil {
				st.deprecated, st.message = true, *r.usageDeprecated
			}
			fl[name] = st
		}
		if len(fl) == 0 {
			return nil, fmt.Errorf("%s: no flags found from %s", c.name, c.mainPkg)
		}
		out.flags[c.name] = fl
	}
	for in := range t.inputs {
		out.inputs = append(out.inputs, in)
	}
	out.notes = t.notes
	return out, nil
}

func readManualFlags(path string) ([]manualFlagRow, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rows []manualFlagRow
	if err := yaml.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, r := range rows {
		if r.Component == "" || r.Name == "" || r.From == "" || r.Source == "" {
			return nil, fmt.Errorf("%s: row %d: component, name, from and source are required", path, i+1)
		}
		if _, err := knowledge.ParseMinor(r.From); err != nil {
			return nil, fmt.Errorf("%s: row %d: %w", path, i+1, err)
		}
	}
	return rows, nil
}

// mergeFlags folds per-minor observations into one lifecycle per flag. A flag missing
// in a minor between two in which it exists is treated as present: a false
// "removed-flag" is worse than a missed one, and such a gap means the walker lost a path.
func mergeFlags(results []*minorFlags, manual []manualFlagRow) ([]knowledge.Flag, error) {
	newest := results[len(results)-1].minor
	type key struct{ comp, name string }
	seen := map[key][]int{} // indexes into results where present
	for i, r := range results {
		for comp, fl := range r.flags {
			for name := range fl {
				seen[key{comp, name}] = append(seen[key{comp, name}], i)
			}
		}
	}
	var items []knowledge.Flag
	byKey := map[key]int{}
	keys := make([]key, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].comp != keys[j].comp {
			return keys[i].comp < keys[j].comp
		}
		return keys[i].name < keys[j].name
	})
	for _, k := range keys {
		idx := seen[k]
		first, last := idx[0], idx[len(idx)-1]
		if len(idx) != last-first+1 {
			fmt.Fprintf(os.Stderr, "gen: flags: %s --%s missing in some minors between %s and %s; kept as present\n",
				k.comp, k.name, results[first].minor, results[last].minor)
		}
		lastState := results[last].flags[k.comp][k.name]
		f := knowledge.Flag{Component: k.comp, Name: k.name, IntroducedIn: results[first].minor.Ptr(), Source: lastState.source}
		if results[last].minor != newest {
			f.RemovedIn = results[last].minor.Next().Ptr()
		}
		if lastState.deprecated {
			from := last
			for j := last - 1; j >= first; j-- {
				st, ok := results[j].flags[k.comp][k.name]
				if ok && !st.deprecated {
					break
				}
				if ok {
					from = j
				}
			}
			f.DeprecatedIn = results[from].minor.Ptr()
			f.DeprecationMessage = lastState.message
		}
		byKey[k] = len(items)
		items = append(items, f)
	}
	for _, r := range manual {
		i, ok := byKey[key{r.Component, strings.TrimLeft(r.Name, "-")}]
		if !ok {
			return nil, fmt.Errorf("%s: %s --%s: no such flag in the generated data", manualFlagsPath, r.Component, r.Name)
		}
		items[i].Constraints = append(items[i].Constraints, knowledge.ValueConstraint{
			From: knowledge.MustMinor(r.From), Allowed: r.Allowed, Note: r.Note, Source: r.Source})
	}
	return items, nil
}
