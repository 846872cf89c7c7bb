package scanner

import (
	"strconv"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// word is one command-line argument and where it was written.
type word struct {
	Text   string
	Source inventory.Source
}

// parseFlags reads a component's arguments (program name excluded) as pflag does:
// --name=value, --name value (when the next word is not a flag), -v=2, and a bare --name.
// --feature-gates values also become GateSettings.
func parseFlags(args []word) ([]inventory.Flag, []inventory.GateSetting) {
	var flags []inventory.Flag
	for i := 0; i < len(args); i++ {
		a := args[i].Text
		if !strings.HasPrefix(a, "-") || a == "-" || a == "--" {
			continue
		}
		name := strings.TrimLeft(a, "-")
		f := inventory.Flag{Name: name, Source: args[i].Source}
		if n, v, ok := strings.Cut(name, "="); ok {
			f.Name, f.Value, f.HasValue = n, v, true
		} else if i+1 < len(args) && !strings.HasPrefix(args[i+1].Text, "-") {
			f.Value, f.HasValue = args[i+1].Text, true
			i++
		}
		if f.Name == "" {
			continue
		}
		flags = append(flags, f)
	}
	var gates []inventory.GateSetting
	for _, f := range flags {
		if f.Name == "feature-gates" {
			gates = append(gates, parseGateList(f.Value, "--feature-gates", f.Source)...)
		}
	}
	return flags, gates
}

// parseGateList reads "A=true,B=false". Entries that are not NAME=BOOL are skipped: the
// component would refuse them, which is not this scanner's call to make.
func parseGateList(s, via string, src inventory.Source) []inventory.GateSetting {
	var out []inventory.GateSetting
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || name == "" {
			continue
		}
		b, err := strconv.ParseBool(strings.TrimSpace(val))
		if err != nil {
			continue
		}
		out = append(out, inventory.GateSetting{Name: strings.TrimSpace(name), Enabled: b, Via: via, Source: src})
	}
	return out
}
