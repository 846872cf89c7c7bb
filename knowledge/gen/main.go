// Command gen regenerates knowledge/data from upstream Kubernetes sources, downloaded
// through the configured Go module proxy with `go mod download -json`.
//
//	go run ./knowledge/gen [-out knowledge/data] [part ...]
//
// Parts: releases, apis, gates, flags, admission, images, addons, metrics, proxyconfig (default: all, in that order).
// The exact module versions read are pinned in pins.json beside this file; `gen pins`
// re-probes the proxy for the latest patch of each minor and rewrites it.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

type part struct {
	name string
	run  func(g *generator) error
}

// parts run in this order: later parts may read what earlier ones wrote.
var parts = []part{
	{"pins", genPins},
	{"releases", genReleases},
	{"apis", genAPIs},
	{"gates", genGates},
	{"flags", genFlags},
	{"admission", genAdmission},
	{"images", genImages},
	{"addons", genAddons},
	{"metrics", genMetrics},
	{"proxyconfig", genProxyConfig},
}

func main() {
	out := flag.String("out", "knowledge/data", "directory the data files are written to")
	pinsPath := flag.String("pins", "knowledge/gen/pins.json", "pinned upstream versions")
	flag.Parse()
	want := map[string]bool{}
	for _, a := range flag.Args() {
		want[a] = true
	}
	g, err := newGenerator(*out, *pinsPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	for _, p := range parts {
		if len(want) == 0 && p.name == "pins" {
			continue // re-probing the proxy is explicit: the pins are the reproducible input
		}
		if len(want) > 0 && !want[p.name] {
			continue
		}
		fmt.Fprintf(os.Stderr, "gen: %s\n", p.name)
		if err := p.run(g); err != nil {
			fmt.Fprintf(os.Stderr, "gen: %s: %v\n", p.name, err)
			os.Exit(1)
		}
	}
}

func (g *generator) outPath(name string) string { return filepath.Join(g.out, name) }
