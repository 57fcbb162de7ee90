package loadtest

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/authbench/authbench/results"
)

// curveResults makes a curve run whose server CPU follows
// idle + marginal·rate exactly, per variant, over rounds.
func curveResults(marginal map[string]float64, idle float64, rounds int) *results.Results {
	rates := []float64{1000, 2000, 4000, 7000}
	res := &results.Results{Schema: results.Schema, RunID: "t", Scenario: results.Scenario{Rates: rates, Repetitions: rounds,
		Duration: results.Duration(2 * time.Second), Curve: &results.Curve{FitTop: 3, Seed: 1}}}
	for _, v := range []string{"jwt", "session"} {
		vr := results.VariantResult{Variant: v}
		for rep := 1; rep <= rounds; rep++ {
			for _, rate := range rates {
				wall := 2 * time.Second
				cpu := (idle + marginal[v]*rate) * wall.Seconds()
				vr.Steps = append(vr.Steps, results.Step{Kind: "rate", Repetition: rep, Rate: rate, Wall: wall,
					All:    results.Metrics{Rate: rate, Requests: uint64(rate * 2)},
					Routes: map[string]results.Metrics{results.RouteMe: {Latency: results.Latency{P50: time.Millisecond, P99: 3 * time.Millisecond}}},
					Server: &results.ProcessCost{CPUSeconds: cpu, Counters: &results.ProcCounters{ReadSyscalls: uint64(rate * 4), WriteSyscalls: uint64(rate * 2)}}})
			}
		}
		res.Variants = append(res.Variants, vr)
	}
	return res
}

func TestAnalyzeCostKnownLine(t *testing.T) {
	res := curveResults(map[string]float64{"jwt": 40e-6, "session": 60e-6}, 0.05, 4)
	rounds := map[string][]results.CapacityRound{
		"jwt":     {{Round: 1, Rate: 3000, FailedAt: 3100}, {Round: 2, Rate: 3100, FailedAt: 3200}, {Round: 3, Rate: 2900, FailedAt: 3000}, {Round: 4, Rate: 3000, FailedAt: 3100}},
		"session": {{Round: 1, Rate: 2000, FailedAt: 2100}, {Round: 2, Rate: 2060, FailedAt: 2100}, {Round: 3, Rate: 1950, FailedAt: 2000}, {Round: 4, Rate: 2010, FailedAt: 2100}},
	}
	ca := AnalyzeCost(res, rounds, nil)
	if len(ca.Variants) != 2 || len(ca.FitRates) != 3 || ca.FitRates[0] != 2000 {
		t.Fatalf("variants %d, fit rates %v", len(ca.Variants), ca.FitRates)
	}
	jwt, sess := ca.Variants[0], ca.Variants[1]
	for _, c := range []struct {
		name string
		got  *results.Interval
		want float64
	}{{"jwt marginal", jwt.ServerMarginal, 40e-6}, {"session marginal", sess.ServerMarginal, 60e-6}, {"jwt idle", jwt.ServerIdle, 0.05}} {
		tol := 1e-9 * c.want // exact data: the CI is the estimate, up to rounding
		if c.got == nil || math.Abs(c.got.Estimate-c.want) > tol || c.got.Lo > c.want+tol || c.got.Hi < c.want-tol {
			t.Errorf("%s = %+v, want %g inside its CI", c.name, c.got, c.want)
		}
	}
	if sess.Capacity == nil || sess.Capacity.LowerBound || math.Abs(sess.Capacity.Rate.Estimate-2005) > 1e-9 {
		t.Errorf("session capacity %+v, want mean 2005, not a lower bound", sess.Capacity)
	}
	if len(sess.Ratios) != 1 || sess.Ratios[0].To != "jwt" {
		t.Fatalf("ratios %+v, want one to jwt (no none in the run)", sess.Ratios)
	}
	r := sess.Ratios[0]
	if r.Marginal == nil || math.Abs(r.Marginal.Estimate-1.5) > 1e-6 || !r.Marginal.Excludes(1) {
		t.Errorf("marginal ratio %+v, want 1.5 excluding 1", r.Marginal)
	}
	if r.Capacity == nil || r.Capacity.Lo > 2005.0/3000 || r.Capacity.Hi < 2005.0/3000 || !r.Capacity.Excludes(1) {
		t.Errorf("capacity ratio %+v, want about 0.67 excluding 1", r.Capacity)
	}
	if e := jwt.Explain; e == nil || math.Abs(e.ReadSyscalls-2) > 1e-9 || math.Abs(e.WriteSyscalls-1) > 1e-9 {
		t.Errorf("explain %+v, want 2 reads and 1 write per request", jwt.Explain)
	}
	again := AnalyzeCost(res, rounds, nil)
	if *again.Variants[1].Ratios[0].Capacity != *r.Capacity {
		t.Errorf("re-analysis differs: %+v vs %+v (same seed must give the same intervals)", again.Variants[1].Ratios[0].Capacity, r.Capacity)
	}
}

func TestAnalyzeCostLowerBoundAndGenerator(t *testing.T) {
	res := curveResults(map[string]float64{"jwt": 40e-6, "session": 60e-6}, 0.05, 2)
	rounds := map[string][]results.CapacityRound{
		"jwt":     {{Round: 1, Rate: 8000}, {Round: 2, Rate: 7800, FailedAt: 8100, GeneratorBound: true}},
		"session": {{Round: 1, Rate: 2000, FailedAt: 2100}, {Round: 2, Rate: 2000, FailedAt: 2100}},
	}
	ca := AnalyzeCost(res, rounds, map[string]int{"jwt": 2})
	c := ca.Variants[0].Capacity
	if !c.LowerBound || !c.GeneratorBound || c.Unexplained != 2 {
		t.Errorf("jwt capacity %+v: want a generator-bound lower bound with 2 unexplained probes", c)
	}
	if ca.Variants[1].Capacity.LowerBound {
		t.Errorf("session capacity bounded by server failures reported as a lower bound")
	}
}

func TestAnalyzeCostTooFewRates(t *testing.T) {
	res := curveResults(map[string]float64{"jwt": 40e-6, "session": 60e-6}, 0.05, 1)
	res.Scenario.Curve.FitTop = 2 // a line through 2 rates has no CI
	ca := AnalyzeCost(res, nil, nil)
	if v := ca.Variants[0]; v.ServerMarginal != nil || v.Error == "" {
		t.Errorf("marginal %+v, error %q: want none and a reason", v.ServerMarginal, v.Error)
	}
}

func TestResultsV2RoundTripAndV1(t *testing.T) {
	res := curveResults(map[string]float64{"jwt": 40e-6, "session": 60e-6}, 0.05, 2)
	res.Cost = AnalyzeCost(res, nil, nil)
	p := filepath.Join(t.TempDir(), "results.json")
	if err := res.Write(p); err != nil {
		t.Fatal(err)
	}
	got, err := results.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Schema != results.Schema || got.Cost == nil || got.Cost.Variants[1].ServerMarginal.Estimate != res.Cost.Variants[1].ServerMarginal.Estimate {
		t.Errorf("round trip lost the cost analysis: %+v", got.Cost)
	}
	old, err := results.Load("../report/testdata/rates/results.json")
	if err != nil {
		t.Fatalf("the v1 reference run no longer loads: %v", err)
	}
	if old.Schema != results.SchemaV1 || old.Cost != nil {
		t.Errorf("v1 file read as schema %q with cost %v", old.Schema, old.Cost)
	}
}

// TestCapacityOfRoundsWithoutAPass: a round whose search ran out of
// probes before any passed says only "below FailedAt"; it is counted and
// left out, not averaged in as a capacity of 0, and no interval of a
// rate reaches below 0.
func TestCapacityOfRoundsWithoutAPass(t *testing.T) {
	tests := []struct {
		name         string
		rounds       []results.CapacityRound
		wantNotFound int
		wantN        int
		wantEstimate float64
	}{
		{name: "every round found one", wantN: 3, wantEstimate: 1000,
			rounds: []results.CapacityRound{{Round: 1, Rate: 900, FailedAt: 950}, {Round: 2, Rate: 1000, FailedAt: 1100}, {Round: 3, Rate: 1100, FailedAt: 1200}}},
		{name: "one round found none", wantNotFound: 1, wantN: 2, wantEstimate: 700,
			rounds: []results.CapacityRound{{Round: 1, Rate: 0, FailedAt: 620}, {Round: 2, Rate: 750, FailedAt: 980}, {Round: 3, Rate: 650, FailedAt: 700}}},
		{name: "no round found one", wantNotFound: 2, wantN: 0, wantEstimate: 0,
			rounds: []results.CapacityRound{{Round: 1, Rate: 0, FailedAt: 620}, {Round: 2, Rate: 0, FailedAt: 500}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := capacityOf(tt.rounds, 0, results.Scenario{})
			if c.NotFound != tt.wantNotFound || c.Rate.N != tt.wantN || c.Rate.Estimate != tt.wantEstimate {
				t.Errorf("not found %d, rate %+v; want not found %d, n %d, estimate %v", c.NotFound, c.Rate, tt.wantNotFound, tt.wantN, tt.wantEstimate)
			}
			if c.Rate.Lo < 0 {
				t.Errorf("interval %+v reaches below 0", c.Rate)
			}
		})
	}
}

// TestQuotaUseOf: the server's share of its quota at each round's
// capacity, and which failures were the quota running out in bursts.
func TestQuotaUseOf(t *testing.T) {
	probe := func(rep int, rate, util float64, pass bool, throttled uint64, gen float64) results.Step {
		return results.Step{Kind: "capacity", Repetition: rep, Rate: rate, Quota: 0.25,
			Server: &results.ProcessCost{Utilisation: util}, Generator: results.GeneratorCost{Utilisation: gen},
			Throttling: &results.Throttling{Periods: 100, Throttled: throttled}, SLO: &results.SLOVerdict{Pass: pass}}
	}
	tests := []struct {
		name                 string
		rounds               []results.CapacityRound
		steps                []results.Step
		wantUse              float64 // 0: nil
		wantFailed, wantBurs int
	}{
		{
			name:   "two rounds",
			rounds: []results.CapacityRound{{Round: 1, Rate: 2000, FailedAt: 2100}, {Round: 2, Rate: 1800, FailedAt: 1900}},
			steps: []results.Step{
				probe(1, 1500, 0.15, true, 5, 0.3), probe(1, 2000, 0.18, true, 12, 0.3), // capacity of round 1: 72 %
				probe(1, 2100, 0.19, false, 30, 0.3),  // a burst failure
				probe(2, 1800, 0.20, true, 15, 0.3),   // capacity of round 2: 80 %
				probe(2, 1900, 0.24, false, 90, 0.3),  // at its quota: not a burst
				probe(2, 2400, 0.15, false, 40, 0.95), // the generator's: not a burst
				probe(2, 1900, 0.17, false, 2, 0.3),   // hardly throttled: not a burst
			},
			wantUse: 0.76, wantFailed: 4, wantBurs: 1,
		},
		{
			name:       "no round passed",
			rounds:     []results.CapacityRound{{Round: 1, FailedAt: 900}},
			steps:      []results.Step{probe(1, 900, 0.2, false, 50, 0.3)},
			wantFailed: 1, wantBurs: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &results.CapacityResult{Rounds: tt.rounds}
			quotaUseOf(c, results.VariantResult{Variant: "x", Steps: tt.steps})
			if (c.QuotaUse == nil) != (tt.wantUse == 0) || (c.QuotaUse != nil && math.Abs(c.QuotaUse.Estimate-tt.wantUse) > 1e-9) {
				t.Errorf("QuotaUse = %+v, want %g", c.QuotaUse, tt.wantUse)
			}
			if c.Failed != tt.wantFailed || c.Bursts != tt.wantBurs {
				t.Errorf("failed %d, bursts %d; want %d, %d", c.Failed, c.Bursts, tt.wantFailed, tt.wantBurs)
			}
		})
	}
}
