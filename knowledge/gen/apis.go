package main

import "errors"

func genAPIs(g *generator) error { return errors.New("apis: not written yet") }
