package promapi

import "time"

// timeNow is the instant the metric query is evaluated at; a variable so tests of a
// recorded Prometheus can pin it.
var timeNow = time.Now
