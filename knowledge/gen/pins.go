package main

import "errors"

func genPins(g *generator) error { return errors.New("pins: not written yet") }
