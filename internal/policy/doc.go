// Package policy holds tests that state the project's architecture as checks: which
// package may import which (scanner → inventory → rules (+ knowledge) → findings → report).
package policy
