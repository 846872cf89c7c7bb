package main

import "errors"

func genGates(g *generator) error { return errors.New("gates: not written yet") }
