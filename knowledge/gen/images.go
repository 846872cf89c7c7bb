package main

import "errors"

func genImages(g *generator) error { return errors.New("images: not written yet") }
