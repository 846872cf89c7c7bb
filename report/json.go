package report

import (
	"encoding/json"
	"io"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

// writeJSON writes the findings.Result as the upgrade-lint/v1 document (SCHEMA.md).
func writeJSON(w io.Writer, res *findings.Result, _ Options) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	// Keep '<', '>' and '&' readable: this is not embedded in HTML.
	enc.SetEscapeHTML(false)
	return enc.Encode(res)
}
