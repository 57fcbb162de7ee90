package loadtest

import (
	"context"
	"fmt"
	"time"

	"github.com/authbench/authbench/results"
)

// StoreLatency puts Redis behind an in-process toxiproxy and repeats the
// scenario's rates and search once per added round-trip latency. The
// "0" pass goes through the proxy too, so the proxy's own cost is in
// every pass alike; results say what it is.
type StoreLatency struct {
	// Added are the round-trip latencies added between every server and
	// Redis. Default [0s, 500us, 1ms, 5ms].
	Added []Duration `yaml:"added" json:"added"`
}

// storeLatencyKind repeats the scenario's rates and search once per
// added store latency.
type storeLatencyKind struct{}

func (storeLatencyKind) present(s *Scenario) bool { return s.StoreLatency != nil }

func (storeLatencyKind) defaults(s *Scenario) {
	if q := s.StoreLatency; len(q.Added) == 0 {
		q.Added = []Duration{0, Duration(500 * time.Microsecond), Duration(time.Millisecond), Duration(5 * time.Millisecond)}
	}
}

func (storeLatencyKind) validate(s *Scenario, bad reporter) {
	for i, d := range s.StoreLatency.Added {
		if d < 0 {
			bad(fmt.Sprintf("$.store_latency.added[%d]", i), "store_latency.added: %s must not be negative", d.D())
		}
	}
}

func (storeLatencyKind) summary() terminalSummary {
	return terminalSummary{column: &summaryColumn{head: "store +",
		cell: func(s results.Step) string { return s.AddedLatency.String() },
		at:   func(m results.MaxRate) string { return fmt.Sprintf(" at store +%v", m.AddedLatency) }}}
}

func (storeLatencyKind) run(ctx context.Context, r *runner, variants []string) error {
	return r.runLive(ctx, r.passesOf(variants, false), func(rep int, live []*liveVariant) {
		for _, d := range r.sc.StoreLatency.Added {
			if ctx.Err() != nil {
				return
			}
			if err := r.proxy.SetLatency(d.D()); err != nil {
				r.note("store latency not applied: " + err.Error())
				return
			}
			r.addedLatency = d.D()
			fmt.Fprintf(r.log, "loadtest: store latency +%v (repetition %d)\n", d.D(), rep)
			if rep == 1 {
				r.measureRTT(ctx, d.D())
			}
			for _, lv := range live {
				r.runRepetition(ctx, lv, rep)
			}
		}
	})
}
