package main

import "errors"

func genReleases(g *generator) error { return errors.New("releases: not written yet") }
