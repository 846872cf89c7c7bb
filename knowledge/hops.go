package knowledge

import "fmt"

// Hop is one control-plane upgrade step of one minor, to the latest patch of To.
type Hop struct {
	From    Minor  `json:"from"`
	To      Minor  `json:"to"`
	Version string `json:"version"` // latest patch of To, e.g. v1.15.12
}

func (h Hop) String() string { return h.From.String() + "->" + h.To.String() }

// Hops splits an upgrade into one-minor hops. Going down or sideways is an error, as is
// leaving the minors the knowledge base covers.
func (kb *KB) Hops(from, to Minor) ([]Hop, error) {
	if !from.Less(to) {
		return nil, fmt.Errorf("--to %s must be newer than --from %s: upgrades go up one minor at a time", to, from)
	}
	if from.Major != 1 || to.Major != 1 {
		return nil, fmt.Errorf("only Kubernetes 1.x is known")
	}
	if from.Less(Oldest) || Newest.Less(to) {
		return nil, fmt.Errorf("versions %s to %s are outside what the knowledge base covers (%s to %s)", from, to, Oldest, Newest)
	}
	var hops []Hop
	for m := from; m.Less(to); m = m.Next() {
		h := Hop{From: m, To: m.Next()}
		if r := kb.Release(h.To); r != nil {
			h.Version = r.LatestPatch
		}
		if h.Version == "" {
			h.Version = "v" + h.To.String() + ".0"
		}
		hops = append(hops, h)
	}
	return hops, nil
}
