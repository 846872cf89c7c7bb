package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

// SARIF 2.1.0 (OASIS), the subset code-scanning UIs read. Field names follow the spec.
const (
	sarifVersion   = "2.1.0"
	sarifSchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
	toolURI        = "https://github.com/upgrade-lint/upgrade-lint"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	Properties  map[string]any    `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	ShortDescription     *sarifMessage      `json:"shortDescription,omitempty"`
	FullDescription      *sarifMessage      `json:"fullDescription,omitempty"`
	HelpURI              string             `json:"helpUri,omitempty"`
	Help                 *sarifMessage      `json:"help,omitempty"`
	DefaultConfiguration *sarifRuleDefaults `json:"defaultConfiguration,omitempty"`
}

type sarifRuleDefaults struct {
	Level string `json:"level"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	EndTimeUTC                 string              `json:"endTimeUtc,omitempty"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string       `json:"level"`
	Message sarifMessage `json:"message"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

// sarifArtifactLocation's URI is relative to the input given to upgrade-lint, which is
// the repository root when SARIF goes to a code-scanning UI.
type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogicalLocation struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind,omitempty"`
}

// sarifLevel maps upgrade-lint severities to SARIF levels.
func sarifLevel(s findings.Severity) string {
	switch s {
	case findings.Error:
		return "error"
	case findings.Warning:
		return "warning"
	}
	return "note"
}

func sarifLevelName(s string) string {
	sev, err := findings.ParseSeverity(s)
	if err != nil {
		return "warning"
	}
	return sarifLevel(sev)
}

func writeSARIF(w io.Writer, res *findings.Result, opts Options) error {
	rules := allRules(res, opts.Rules)
	ruleIndex := map[string]int{}
	driver := sarifDriver{Name: "upgrade-lint", Version: res.Tool, InformationURI: toolURI, Rules: []sarifRule{}}
	titles := newRuleIndex(rules)
	for i, r := range rules {
		ruleIndex[r.Name] = i
		sr := sarifRule{ID: r.Name, HelpURI: r.HelpURI}
		if title := titles.title(r.Name); title != "" {
			sr.ShortDescription = &sarifMessage{Text: title}
		}
		if r.Doc != "" {
			sr.FullDescription = &sarifMessage{Text: r.Doc}
			sr.Help = &sarifMessage{Text: r.Doc}
		}
		if r.Severity != "" {
			sr.DefaultConfiguration = &sarifRuleDefaults{Level: sarifLevelName(r.Severity)}
		}
		driver.Rules = append(driver.Rules, sr)
	}

	inv := sarifInvocation{ExecutionSuccessful: true}
	if !res.GeneratedAt.IsZero() {
		inv.EndTimeUTC = res.GeneratedAt.UTC().Format(time.RFC3339)
	}
	for _, u := range res.Unchecked {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level: "warning", Message: sarifMessage{Text: "Could not check " + u.What + ": " + u.Reason},
		})
	}

	run := sarifRun{
		Tool:        sarifTool{Driver: driver},
		Invocations: []sarifInvocation{inv},
		Results:     []sarifResult{},
		Properties:  map[string]any{"from": res.From, "to": res.To},
	}
	for _, f := range res.Findings {
		r := sarifResult{
			RuleID:              f.Rule,
			RuleIndex:           ruleIndex[f.Rule],
			Level:               sarifLevel(f.Severity),
			Message:             sarifMessage{Text: sarifText(f)},
			PartialFingerprints: map[string]string{"upgradeLint/v1": fingerprint(f)},
			Properties:          map[string]any{"hop": f.Hop, "subject": f.Subject},
		}
		if f.Component != "" {
			r.Properties["component"] = f.Component
		}
		if len(f.References) > 0 {
			r.Properties["references"] = f.References
		}
		var loc sarifLocation
		if uri, ok := sarifURI(f.Source.Path); ok {
			loc.PhysicalLocation = &sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: uri}}
			if f.Source.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Source.Line}
			}
		}
		if o := f.Source.Object; o != nil {
			loc.LogicalLocations = []sarifLogicalLocation{{Name: o.Name, FullyQualifiedName: o.String(), Kind: "object"}}
		}
		if loc.PhysicalLocation != nil || loc.LogicalLocations != nil {
			r.Locations = []sarifLocation{loc}
		}
		run.Results = append(run.Results, r)
	}

	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: sarifSchemaURI, Version: sarifVersion, Runs: []sarifRun{run}})
}

// sarifText is the result message: what, at which hop, and what to do.
func sarifText(f findings.Finding) string {
	var b strings.Builder
	b.WriteString(f.Message)
	if f.Hop != "" {
		b.WriteString(" (hop " + strings.ReplaceAll(f.Hop, "->", " → ") + ")")
	}
	if f.Evidence != "" {
		b.WriteString("\nEvidence: " + f.Evidence)
	}
	if f.Fix != "" {
		b.WriteString("\nFix: " + f.Fix)
	}
	return b.String()
}

// sarifURI turns a relative path into a relative URI reference; absolute paths and paths
// leaving the input ("../") are not locations a code-scanning UI can show.
func sarifURI(p string) (string, bool) {
	if p == "" {
		return "", false
	}
	p = path.Clean(strings.ReplaceAll(p, `\`, "/"))
	if path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") {
		return "", false
	}
	return (&url.URL{Path: p}).EscapedPath(), true
}

// fingerprint identifies a finding across runs (code-scanning UIs track alerts by it):
// rule, hop, subject and place, but not the line, which moves with unrelated edits.
func fingerprint(f findings.Finding) string {
	obj := ""
	if f.Source.Object != nil {
		obj = f.Source.Object.String()
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{f.Rule, f.Hop, f.Component, f.Subject, f.Source.Path, obj, f.Evidence}, "\x00")))
	return hex.EncodeToString(sum[:16])
}
