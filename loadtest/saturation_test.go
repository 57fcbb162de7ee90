package loadtest

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/authbench/authbench/results"
)

// TestDriveClosedLoop: with attackOpts.closed the attack keeps exactly
// that many requests in flight, never more, and sends the next one only
// when one is answered; the same server under an open loop at a rate
// whose requests overlap sees more in flight. The server takes at least
// 5 ms per request, so a closed loop of 4 can complete at most
// 4 × duration / 5 ms requests (plus the last round in flight).
func TestDriveClosedLoop(t *testing.T) {
	const service = 5 * time.Millisecond
	tests := []struct {
		name     string
		closed   int
		rate     float64
		wantPeak func(int64) bool
		want     string
	}{
		{name: "closed loop of 4", closed: 4, wantPeak: func(p int64) bool { return p == 4 }, want: "exactly 4"},
		{name: "closed loop of 1", closed: 1, wantPeak: func(p int64) bool { return p == 1 }, want: "exactly 1"},
		{name: "open loop at 2000/s", rate: 2000, wantPeak: func(p int64) bool { return p > 4 }, want: "more than 4 (10 on average)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inFlight, peak atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				c := inFlight.Add(1)
				defer inFlight.Add(-1)
				for p := peak.Load(); c > p && !peak.CompareAndSwap(p, c); p = peak.Load() {
				}
				time.Sleep(service)
			}))
			defer srv.Close()
			r := &runner{sc: &Scenario{}, res: &results.Results{}, client: srv.Client(), prog: newProgress(io.Discard, false)}
			const du = 300 * time.Millisecond
			l := load{variant: "none", pool: newPool([]string{srv.URL}, results.RoutingRoundRobin, 10, "password", Mix{Me: 100}, 1),
				rate: tt.rate, du: du, record: true}
			obs := r.drive(context.Background(), l, &attackOpts{closed: tt.closed})
			if p := peak.Load(); !tt.wantPeak(p) {
				t.Errorf("peak in flight %d, want %s", p, tt.want)
			}
			if tt.closed == 0 {
				return
			}
			most := uint64(tt.closed)*uint64(du/service) + uint64(tt.closed)
			if n := obs.all.Requests; n == 0 || n > most {
				t.Errorf("%d requests, want 1 up to %d: a closed loop sends only as fast as answers come back", n, most)
			}
		})
	}
}

// TestSaturationOf: the closed-loop probes of a variant become the mean
// throughput and CPU per request over rounds, scaled to a core by the
// probes' quota; a round whose server used under 90 % of its quota
// counts as unsaturated; Redis CPU counts only where the variant sent
// Redis commands; interrupted probes and other kinds of step are left
// out.
func TestSaturationOf(t *testing.T) {
	sat := func(rep int, tput, cpu, util float64, redis *results.RedisCost) results.Step {
		return results.Step{Kind: results.StepSaturation, Repetition: rep, Quota: 0.25, Wall: time.Second,
			All:    results.Metrics{Requests: uint64(tput), Throughput: tput, Success: 1},
			Server: &results.ProcessCost{CPUPerRequest: cpu, Utilisation: util}, Redis: redis}
	}
	withRedis := &results.RedisCost{CPUPerRequest: 10e-6, CommandsPerRequest: 1}
	idleRedis := &results.RedisCost{CPUPerRequest: 0.3e-6, CommandsPerRequest: 0}
	tests := []struct {
		name            string
		steps           []results.Step
		wantNil         bool
		wantTput        float64
		wantCPU         float64
		wantRedis       float64 // 0: none
		wantUnsaturated int
		wantN           int
		wantSleeps      []float64 // per round; nil: not checked
	}{
		{name: "no closed-loop probe", steps: []results.Step{{Kind: "rate", Repetition: 1, Rate: 1000}}, wantNil: true},
		{
			name:     "three saturated rounds, Redis idle",
			steps:    []results.Step{sat(1, 8000, 30e-6, 0.249, idleRedis), sat(2, 8400, 29e-6, 0.25, idleRedis), sat(3, 7600, 31e-6, 0.248, idleRedis)},
			wantTput: 8000, wantCPU: 30e-6, wantN: 3,
		},
		{
			name: "stateful: Redis CPU counted, sleeps per request from the voluntary switches",
			steps: []results.Step{func() results.Step {
				s := sat(1, 4000, 55e-6, 0.25, withRedis)
				s.Server.Counters = &results.ProcCounters{VoluntarySw: 1600, InvoluntarySw: 3000}
				return s
			}(), sat(2, 4200, 53e-6, 0.25, withRedis)},
			wantTput: 4100, wantCPU: 54e-6, wantRedis: 10e-6, wantN: 2, wantSleeps: []float64{0.4, 0},
		},
		{
			name: "one round unsaturated, one interrupted, a capacity probe beside",
			steps: []results.Step{sat(1, 8000, 30e-6, 0.25, nil), sat(2, 6000, 34e-6, 0.20, nil),
				func() results.Step { s := sat(3, 100, 1e-6, 0.25, nil); s.Interrupted = true; return s }(),
				{Kind: "capacity", Repetition: 1, Rate: 5000, All: results.Metrics{Requests: 5000, Throughput: 5000}, Server: &results.ProcessCost{CPUPerRequest: 1}}},
			wantTput: 7000, wantCPU: 32e-6, wantUnsaturated: 1, wantN: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := saturationOf(results.VariantResult{Variant: "x", Steps: tt.steps}, 32)
			if (s == nil) != tt.wantNil {
				t.Fatalf("saturationOf = %+v, want nil %v", s, tt.wantNil)
			}
			if s == nil {
				return
			}
			near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }
			for i, want := range tt.wantSleeps {
				if i >= len(s.Rounds) || !near(s.Rounds[i].Sleeps, want) {
					t.Errorf("round %d sleeps per request: %+v, want %g", i+1, s.Rounds, want)
				}
			}
			if !near(s.Throughput.Estimate, tt.wantTput) || s.Throughput.N != tt.wantN || len(s.Rounds) != tt.wantN {
				t.Errorf("throughput %+v over %d rounds, want %g over %d", s.Throughput, len(s.Rounds), tt.wantTput, tt.wantN)
			}
			if !near(s.PerCore.Estimate, tt.wantTput/0.25) {
				t.Errorf("per core %g, want throughput ÷ quota = %g", s.PerCore.Estimate, tt.wantTput/0.25)
			}
			if s.ServerCPU == nil || !near(s.ServerCPU.Estimate, tt.wantCPU) {
				t.Errorf("server CPU %+v, want %g", s.ServerCPU, tt.wantCPU)
			}
			if tt.wantN > 1 && !(s.ServerCPU.Lo < s.ServerCPU.Estimate && s.ServerCPU.Estimate < s.ServerCPU.Hi) {
				t.Errorf("server CPU interval %+v does not bracket its estimate", s.ServerCPU)
			}
			switch {
			case tt.wantRedis == 0 && s.RedisCPU != nil:
				t.Errorf("Redis CPU %+v, want none: the variant sent no commands", s.RedisCPU)
			case tt.wantRedis != 0 && (s.RedisCPU == nil || !near(s.RedisCPU.Estimate, tt.wantRedis)):
				t.Errorf("Redis CPU %+v, want %g", s.RedisCPU, tt.wantRedis)
			}
			if s.Unsaturated != tt.wantUnsaturated || s.Connections != 32 {
				t.Errorf("unsaturated %d, connections %d; want %d, 32", s.Unsaturated, s.Connections, tt.wantUnsaturated)
			}
		})
	}
}

// TestSaturationRatios: the ratios pair rounds by number, so a round
// only one variant has is left out, and a shared slowdown of a round
// cancels: b is a at 0.8× its throughput and 1.25× its CPU in every
// round, whatever the round's own speed.
func TestSaturationRatios(t *testing.T) {
	var a, b results.SaturationResult
	for i, speed := range []float64{1, 0.7, 1.2, 0.9} {
		a.Rounds = append(a.Rounds, results.SaturationRound{Round: i + 1, Throughput: 8000 * speed, ServerCPU: 30e-6 / speed})
		b.Rounds = append(b.Rounds, results.SaturationRound{Round: i + 1, Throughput: 6400 * speed, ServerCPU: 37.5e-6 / speed})
	}
	b.Rounds = append(b.Rounds, results.SaturationRound{Round: 9, Throughput: 1, ServerCPU: 1})
	var out results.Ratio
	saturationRatios(&out, &b, &a, 1)
	if out.Saturation == nil || math.Abs(out.Saturation.Estimate-0.8) > 1e-9 || out.Saturation.N != 4 {
		t.Fatalf("throughput ratio %+v, want 0.8 over the 4 shared rounds", out.Saturation)
	}
	if out.Saturation.Hi-out.Saturation.Lo > 1e-9 {
		t.Errorf("throughput ratio interval %+v, want a point: the ratio is 0.8 in every round", out.Saturation)
	}
	if out.SaturatedCPU == nil || math.Abs(out.SaturatedCPU.Estimate-1.25) > 1e-6 || !out.SaturatedCPU.Excludes(1) {
		t.Errorf("CPU ratio %+v, want 1.25, significant", out.SaturatedCPU)
	}
	var none results.Ratio
	saturationRatios(&none, nil, &a, 1)
	if none.Saturation != nil || none.SaturatedCPU != nil {
		t.Errorf("ratios %+v without the variant's probes, want none", none)
	}
}
