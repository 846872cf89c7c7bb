package main

import "errors"

func genFlags(g *generator) error { return errors.New("flags: not written yet") }
