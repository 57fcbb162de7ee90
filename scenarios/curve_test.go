package scenarios_test

import (
	"slices"
	"testing"
	"time"

	"github.com/authbench/authbench/loadtest"
	"github.com/authbench/authbench/results"
)

// TestQuickCurve runs the default scenario (a cost curve with a capacity
// search) in miniature: every variant ran once per round in the recorded
// order, each round searched capacity, and the analysis fitted a
// marginal CPU with an interval and paired ratios to jwt. Its figures
// mean nothing at this size; the shape of the results does.
func TestQuickCurve(t *testing.T) {
	res := miniature(t, "quick.yaml", func(s *loadtest.Scenario) {
		s.Variants = []string{"jwt", "session"}
		s.Users = 20
		s.Rates = []float64{50, 100, 200}
		s.Duration = loadtest.Duration(400 * time.Millisecond)
		s.Repetitions = 2
		s.Curve.FitTop = 3
		s.Curve.Interleave = loadtest.Duration(100 * time.Millisecond) // 4 blocks per rate
		s.Curve.Capacity.Probe = loadtest.Duration(500 * time.Millisecond)
		s.Curve.Capacity.Probes = 2
		s.Curve.Capacity.Saturate = loadtest.Duration(300 * time.Millisecond)
	})
	if res.Schema != results.Schema {
		t.Errorf("schema %q, want %q", res.Schema, results.Schema)
	}
	ca := res.Cost
	if ca == nil {
		t.Fatal("no cost analysis")
	}
	if len(ca.Orders) != 2 {
		t.Fatalf("orders %v, want 2 rounds", ca.Orders)
	}
	for _, o := range ca.Orders {
		if got := slices.Sorted(slices.Values(o)); !slices.Equal(got, []string{"jwt", "session"}) {
			t.Errorf("round order %v, want each variant once", o)
		}
	}
	// Calibration probed each variant at least once at the top rate, and
	// the rates that ran are the calibrated ones (scaled or not: on a
	// loaded test machine a probe may fail).
	cal := ca.Calibration
	if cal == nil || len(cal.Probes) < 2 || !slices.Equal(cal.Asked, []float64{50, 100, 200}) {
		t.Fatalf("calibration %+v, want the asked rates and a probe per variant", cal)
	}
	// 50–200 req/s is light load even under the race detector: a probe
	// that failed every time would mean the probes measure nothing.
	if !slices.ContainsFunc(cal.Probes, func(p results.CalibrationProbe) bool { return p.Pass }) {
		t.Errorf("no calibration probe passed at 200 req/s or below: %+v", cal.Probes)
	}
	for _, v := range res.Variants {
		for _, st := range v.Steps {
			if st.Kind == "rate" && !slices.Contains(cal.Rates, st.Rate) {
				t.Errorf("%s ran rate %v, not one of the calibrated %v", v.Variant, st.Rate, cal.Rates)
			}
		}
	}
	for _, v := range res.Variants {
		rates, probes, closed := 0, 0, 0
		for i, st := range v.Steps {
			switch st.Kind {
			case results.StepSaturation:
				// Each round's closed loop runs first under the quota,
				// before that round's capacity probes.
				closed++
				if st.Rate != 0 || st.Server == nil || st.All.Requests == 0 || st.All.Success < 0.99 {
					t.Errorf("%s saturation step %d: rate %v, server %+v, %d requests, success %v", v.Variant, st.Index, st.Rate, st.Server, st.All.Requests, st.All.Success)
				}
				if i+1 >= len(v.Steps) || v.Steps[i+1].Kind != "capacity" || v.Steps[i+1].Repetition != st.Repetition {
					t.Errorf("%s saturation step %d is not followed by its round's capacity probes", v.Variant, st.Index)
				}
			case "rate":
				rates++
				if st.Server == nil || st.Server.Counters == nil {
					t.Errorf("%s step %d: no server CPU or counters", v.Variant, st.Index)
				}
				// Interleaved: a rate's step is its blocks, about the
				// scenario's duration in all, and its achieved rate is
				// over those blocks, not over the whole attack (which
				// would read a third of the asked rate here).
				if st.Wall < 300*time.Millisecond || st.Wall > 600*time.Millisecond {
					t.Errorf("%s step %d at %v/s: blocks add up to %v, want about 400ms", v.Variant, st.Index, st.Rate, st.Wall)
				}
				if st.All.Rate < 0.5*st.Rate || st.All.Rate > 1.5*st.Rate {
					t.Errorf("%s step %d: achieved %.0f/s of %v/s asked", v.Variant, st.Index, st.All.Rate, st.Rate)
				}
			case "capacity":
				probes++
				if st.SLO == nil {
					t.Errorf("%s capacity step %d without a verdict", v.Variant, st.Index)
				}
			}
		}
		if rates != 6 || probes < 2 || probes > 2*2*2 || closed != 2 { // an unexplained failure is probed twice
			t.Errorf("%s: %d rate steps, %d probes and %d closed loops, want 6, 2..8 and 2", v.Variant, rates, probes, closed)
		}
	}
	for _, vc := range ca.Variants {
		if vc.ServerMarginal == nil || vc.ServerMarginal.N != 6 || vc.ServerIdle == nil {
			t.Errorf("%s: marginal %+v idle %+v, want a fit over 6 points (%s)", vc.Variant, vc.ServerMarginal, vc.ServerIdle, vc.Error)
		}
		if vc.Capacity == nil || len(vc.Capacity.Rounds) != 2 {
			t.Errorf("%s: capacity %+v, want 2 rounds", vc.Variant, vc.Capacity)
		}
		if s := vc.Saturation; s == nil || len(s.Rounds) != 2 || s.Throughput.Estimate <= 0 || s.ServerCPU == nil || s.ServerCPU.Estimate <= 0 || s.Connections != 32 {
			t.Errorf("%s: saturation %+v, want 2 rounds of a closed loop of 32 with throughput and CPU", vc.Variant, s)
		} else if (s.RedisCPU != nil) != (vc.Variant == "session") {
			t.Errorf("%s: saturated Redis CPU %+v, want one only for session, which sends Redis commands", vc.Variant, s.RedisCPU)
		}
		if vc.Explain == nil || vc.Explain.ReadSyscalls <= 0 || vc.Me == nil {
			t.Errorf("%s: explain %+v, me latency %v", vc.Variant, vc.Explain, vc.Me)
		}
		if vc.Variant == "session" {
			if len(vc.Ratios) != 1 || vc.Ratios[0].To != "jwt" || vc.Ratios[0].Marginal == nil || vc.Ratios[0].SaturatedCPU == nil || vc.Ratios[0].Saturation == nil {
				t.Errorf("session ratios %+v, want marginal and saturated ÷ jwt", vc.Ratios)
			}
			if vc.RedisMarginal == nil || vc.Explain.RedisCommands < 0.5 {
				t.Errorf("session: Redis marginal %+v, commands/req %v", vc.RedisMarginal, vc.Explain.RedisCommands)
			}
		}
	}
}
