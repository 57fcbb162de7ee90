package loadtest

import (
	"context"
)

// steadyKind is a plain load: fixed rates, a max-rate search, or a cost
// curve (curve.go). It has no block of its own.
type steadyKind struct{}

func (steadyKind) present(*Scenario) bool       { return true }
func (steadyKind) defaults(*Scenario)           {}
func (steadyKind) validate(*Scenario, reporter) {}
func (steadyKind) summary() terminalSummary     { return terminalSummary{} }

func (steadyKind) run(ctx context.Context, r *runner, variants []string) error {
	if r.sc.Generators > 1 && r.cfg.Target == "" {
		return r.runGenerators(ctx, variants)
	}
	passes := r.passesOf(variants, false)
	if r.sc.Curve != nil {
		return r.runLive(ctx, passes, r.curveRound(ctx))
	}
	return r.runLive(ctx, passes, r.plainRepetitions(ctx))
}
