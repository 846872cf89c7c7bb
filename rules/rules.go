// Package rules is upgrade-lint's rule engine: a Rule is a value with a name, docs, a
// default severity and a pure Run function over (inventory, knowledge, hop).
package rules

import (
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// Rule is one check. Rules do no I/O: everything they read is in the Pass.
type Rule struct {
	// Name is stable and kebab-case: what users filter on and search for.
	Name string
	// Doc's first line is the title; `upgrade-lint explain NAME` prints all of it.
	Doc string
	// Severity is the default; a finding may set its own.
	Severity findings.Severity
	// Run is called once per hop.
	Run func(*Pass)
}

// Title is the first line of Doc.
func (r *Rule) Title() string {
	t, _, _ := strings.Cut(r.Doc, "\n")
	return t
}

// Plan is the whole upgrade: every hop from From to To.
type Plan struct {
	From, To knowledge.Minor
	Hops     []knowledge.Hop
	// Now is when the upgrade is judged (certificate expiry); injected for reproducible output.
	Now time.Time
}

// Pass is what a rule sees for one hop.
type Pass struct {
	Hop  knowledge.Hop
	Plan *Plan
	KB   *knowledge.KB
	Inv  *inventory.Inventory

	rule *Rule
	mu   *sync.Mutex
	out  *Outcome
}

// Outcome is what a run produced: findings, and what the rules could not check.
type Outcome struct {
	Findings  []findings.Finding
	Unchecked []findings.Unchecked
}

// CouldNotCheck records that the rule could not examine something and why, for the
// report's "could not check" section. Recorded once per run, whatever the hop.
func (p *Pass) CouldNotCheck(what, why string) {
	u := findings.Unchecked{What: what, Reason: why}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, have := range p.out.Unchecked {
		if have == u {
			return
		}
	}
	p.out.Unchecked = append(p.out.Unchecked, u)
}

// First reports whether this pass is the plan's first hop: findings that concern no
// particular hop (or "now") are reported there once.
func (p *Pass) First() bool { return len(p.Plan.Hops) > 0 && p.Hop == p.Plan.Hops[0] }

// Report records a finding; Rule, Hop and Severity default to the pass's.
func (p *Pass) Report(f findings.Finding) {
	if f.Rule == "" {
		f.Rule = p.rule.Name
	}
	if f.Severity == 0 {
		f.Severity = p.rule.Severity
	}
	if f.Hop == "" {
		f.Hop = p.Hop.String()
	}
	p.mu.Lock()
	p.out.Findings = append(p.out.Findings, f)
	p.mu.Unlock()
}

// ReportOnce records a finding that concerns no particular hop (an unreadable input):
// reported from the plan's first hop only, with an empty Hop.
func (p *Pass) ReportOnce(f findings.Finding) {
	if !p.First() {
		return
	}
	if f.Rule == "" {
		f.Rule = p.rule.Name
	}
	if f.Severity == 0 {
		f.Severity = p.rule.Severity
	}
	p.mu.Lock()
	p.out.Findings = append(p.out.Findings, f)
	p.mu.Unlock()
}

// Run applies every rule to every hop of the plan, using all cores, and returns the
// findings sorted and deduplicated.
func Run(ruleset []*Rule, plan *Plan, kb *knowledge.KB, inv *inventory.Inventory) []findings.Finding {
	return RunAll(ruleset, plan, kb, inv).Findings
}

// RunAll is Run that also returns what the rules could not check.
func RunAll(ruleset []*Rule, plan *Plan, kb *knowledge.KB, inv *inventory.Inventory) Outcome {
	var (
		out Outcome
		mu  sync.Mutex
		wg  sync.WaitGroup
	)
	type job struct {
		rule *Rule
		hop  knowledge.Hop
	}
	jobs := make(chan job)
	workers := runtime.GOMAXPROCS(0)
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				pass := &Pass{Hop: j.hop, Plan: plan, KB: kb, Inv: inv, rule: j.rule, mu: &mu, out: &out}
				j.rule.Run(pass)
			}
		}()
	}
	for _, h := range plan.Hops {
		for _, r := range ruleset {
			jobs <- job{r, h}
		}
	}
	close(jobs)
	wg.Wait()
	out.Findings = findings.Sort(out.Findings)
	sort.Slice(out.Unchecked, func(i, j int) bool {
		if out.Unchecked[i].What != out.Unchecked[j].What {
			return out.Unchecked[i].What < out.Unchecked[j].What
		}
		return out.Unchecked[i].Reason < out.Unchecked[j].Reason
	})
	return out
}

// Lookup finds a rule by name.
func Lookup(ruleset []*Rule, name string) *Rule {
	for _, r := range ruleset {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Names lists rule names, sorted.
func Names(ruleset []*Rule) []string {
	var out []string
	for _, r := range ruleset {
		out = append(out, r.Name)
	}
	sort.Strings(out)
	return out
}
