package loadtest

import (
	"context"
	"fmt"
	"slices"

	"github.com/authbench/authbench/results"
	"github.com/authbench/authbench/variants"
)

// ScaleOut runs each variant on 1, 2, 4 … server processes at once; the
// generator spreads requests over them round-robin (no stickiness), and
// the Sticky variants run a second time with sticky routing.
type ScaleOut struct {
	// Instances are the instance counts, one pass each. Default [1, 2, 4].
	Instances []int `yaml:"instances" json:"instances"`
	// Sticky names the variants also run with sticky routing. Default
	// [session-memory] when that variant is in the scenario.
	Sticky []string `yaml:"sticky" json:"sticky"`
}

// scaleOutKind runs each variant on several server processes at once.
type scaleOutKind struct{}

func (scaleOutKind) present(s *Scenario) bool { return s.ScaleOut != nil }

func (scaleOutKind) defaults(s *Scenario) {
	q := s.ScaleOut
	if len(q.Instances) == 0 {
		q.Instances = []int{1, 2, 4}
	}
	// A variant keeping its state in the process works only behind a
	// sticky balancer, so it is run sticky unless the scenario says.
	if q.Sticky == nil {
		for _, v := range s.Variants {
			if storeOf(v) == variants.ProcessStore {
				q.Sticky = append(q.Sticky, v)
			}
		}
	}
}

func (scaleOutKind) validate(s *Scenario, bad reporter) {
	q := s.ScaleOut
	for i, n := range q.Instances {
		if n < 1 || n > 16 {
			bad(fmt.Sprintf("$.scale_out.instances[%d]", i), "scale_out.instances: %d: want 1..16", n)
		}
	}
	for i, v := range q.Sticky {
		if !slices.Contains(s.Variants, v) {
			bad(fmt.Sprintf("$.scale_out.sticky[%d]", i), "scale_out.sticky: %q is not one of the scenario's variants", v)
		}
	}
}

func (scaleOutKind) summary() terminalSummary {
	return terminalSummary{column: &summaryColumn{head: "instances",
		cell: func(s results.Step) string { return fmt.Sprintf("%d", max(s.Instances, 1)) },
		at:   func(m results.MaxRate) string { return fmt.Sprintf(" on %d instance(s)", max(m.Instances, 1)) }}}
}

func (scaleOutKind) run(ctx context.Context, r *runner, variants []string) error {
	return r.runScaleOut(ctx, variants)
}

// runScaleOut runs the scenario's rates on 1, 2, 4 … instances of every
// variant, round-robin, and the sticky variants once more with sticky
// routing.
func (r *runner) runScaleOut(ctx context.Context, variants []string) error {
	q := r.sc.ScaleOut
	r.note(fmt.Sprintf("%d CPU(s) here: more server processes share the same cores, so they cannot add capacity; what this scenario shows is correctness without sticky routing and how the store's load grows with instances", r.res.Environment.Cores))
	for _, n := range q.Instances {
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(r.log, "loadtest: scale-out: %d instance(s) per variant\n", n)
		var passes []passSpec
		for _, v := range variants {
			passes = append(passes, passSpec{variant: v, routing: results.RoutingRoundRobin, instances: n, backend: r.sc.Backend})
		}
		for _, v := range q.Sticky {
			passes = append(passes, passSpec{variant: v, routing: results.RoutingSticky, instances: n, backend: r.sc.Backend})
		}
		if err := r.runLive(ctx, passes, func(rep int, live []*liveVariant) {
			for _, lv := range live {
				r.runRepetition(ctx, lv, rep)
			}
		}); err != nil {
			return err
		}
	}
	return nil
}
