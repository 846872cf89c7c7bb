package findings

import "time"

// SchemaVersion names the JSON report's schema; bump it on incompatible changes.
const SchemaVersion = "upgrade-lint/v1"

// Result is the whole outcome of a run: every output format renders it.
type Result struct {
	SchemaVersion string `json:"schemaVersion"`
	From          string `json:"from"`
	To            string `json:"to"`
	// FromSource says where From came from when the user did not give it (e.g. the live
	// server's version).
	FromSource  string      `json:"fromSource,omitempty"`
	GeneratedAt time.Time   `json:"generatedAt"`
	Tool        string      `json:"tool,omitempty"` // upgrade-lint version
	Inputs      []string    `json:"inputs,omitempty"`
	Hops        []Hop       `json:"hops"`
	Findings    []Finding   `json:"findings"`
	Unchecked   []Unchecked `json:"unchecked,omitempty"`
	Summary     Summary     `json:"summary"`
}

// Hop is one upgrade step and the images kubeadm pulls for it.
type Hop struct {
	From    string   `json:"from"`
	To      string   `json:"to"`
	Version string   `json:"version"`
	Images  []string `json:"images"`
	// ImageRepository is the repository Images are under, and where it came from.
	ImageRepository       string `json:"imageRepository,omitempty"`
	ImageRepositorySource string `json:"imageRepositorySource,omitempty"`
}

// Name is the hop's key in findings: "1.14->1.15".
func (h Hop) Name() string { return h.From + "->" + h.To }

// Unchecked is something upgrade-lint could not check, and why: the report must not
// look cleaner than what was examined.
type Unchecked struct {
	What   string `json:"what"`
	Reason string `json:"reason"`
}

// Summary counts findings by severity.
type Summary struct {
	Error   int `json:"error"`
	Warning int `json:"warning"`
	Info    int `json:"info"`
}

// Summarize counts fs.
func Summarize(fs []Finding) Summary {
	var s Summary
	for _, f := range fs {
		switch f.Severity {
		case Error:
			s.Error++
		case Warning:
			s.Warning++
		case Info:
			s.Info++
		}
	}
	return s
}

// Verdict of a hop for a review board.
type Verdict string

const (
	Blocked     Verdict = "blocked"      // an error at this hop
	NeedsAction Verdict = "needs action" // warnings only
	Clear       Verdict = "clear"
)

// HopVerdict derives a hop's verdict from the findings at it.
func (r *Result) HopVerdict(hop string) Verdict {
	v := Clear
	for _, f := range r.Findings {
		if f.Hop != hop {
			continue
		}
		if f.Severity == Error {
			return Blocked
		}
		if f.Severity == Warning {
			v = NeedsAction
		}
	}
	return v
}

// Worst returns the highest severity among the findings, 0 when there are none.
func (r *Result) Worst() Severity {
	var w Severity
	for _, f := range r.Findings {
		if f.Severity > w {
			w = f.Severity
		}
	}
	return w
}
