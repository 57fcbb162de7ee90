package loadtest

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench/results"
)

// fakeServer answers probes as a server with a known capacity would:
// every rate up to limit passes; above it the SLO fails, blamed on the
// generator when genBound.
type fakeServer struct {
	limit    float64
	genBound bool
	probed   []float64
}

func (f *fakeServer) probe(rate float64) probeOutcome {
	f.probed = append(f.probed, rate)
	return probeOutcome{pass: rate <= f.limit, generatorBound: rate > f.limit && f.genBound, complete: true}
}

func TestSearchCapacity(t *testing.T) {
	tests := []struct {
		name      string
		limit     float64
		guess     float64
		probes    int
		genBound  bool
		wantLo    float64 // the result must lie in [wantLo, limit]
		wantFail  bool    // a failing rate must bound it
		wantGB    bool
		maxProbes int
	}{
		{name: "guess below the limit", limit: 3000, guess: 2000, probes: 8, wantLo: 2900, wantFail: true},
		{name: "guess above the limit", limit: 3000, guess: 5000, probes: 8, wantLo: 2900, wantFail: true},
		{name: "guess at the limit", limit: 3000, guess: 3000, probes: 8, wantLo: 2900, wantFail: true},
		{name: "too few probes to bracket: a lower bound", limit: 100000, guess: 1000, probes: 3, wantLo: 1000},
		{name: "generator-bound failure is flagged", limit: 3000, guess: 2500, probes: 8, genBound: true, wantLo: 2900, wantFail: true, wantGB: true},
		{name: "nothing passes", limit: 5, guess: 1000, probes: 4, wantLo: 0, wantFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeServer{limit: tt.limit, genBound: tt.genBound}
			got := searchCapacity(tt.guess, tt.probes, f.probe)
			if got.Probes != len(f.probed) || got.Probes > tt.probes {
				t.Errorf("Probes = %d, probed %v (max %d)", got.Probes, f.probed, tt.probes)
			}
			if got.Rate > tt.limit || got.Rate < tt.wantLo {
				t.Errorf("Rate = %g, want in [%g, %g] (probed %v)", got.Rate, tt.wantLo, tt.limit, f.probed)
			}
			if (got.FailedAt > 0) != tt.wantFail {
				t.Errorf("FailedAt = %g, want a failure bound: %v", got.FailedAt, tt.wantFail)
			}
			if got.FailedAt > 0 && got.FailedAt <= tt.limit {
				t.Errorf("FailedAt = %g at or below the limit %g", got.FailedAt, tt.limit)
			}
			if got.GeneratorBound != tt.wantGB {
				t.Errorf("GeneratorBound = %v, want %v", got.GeneratorBound, tt.wantGB)
			}
			for _, r := range f.probed {
				if r != math.Round(r/10)*10 {
					t.Errorf("probed %g, not a multiple of 10", r)
				}
			}
		})
	}
}

func TestSearchCapacityStopsWhenInterrupted(t *testing.T) {
	n := 0
	got := searchCapacity(1000, 6, func(float64) probeOutcome {
		n++
		return probeOutcome{complete: n < 2, pass: true}
	})
	if n != 2 || got.Rate != 1000 {
		t.Errorf("probes %d, rate %g; want 2 probes and the one completed pass", n, got.Rate)
	}
}

func TestCapacityVerdict(t *testing.T) {
	throttled := func(st results.Step, periods, n uint64) results.Step {
		st.Throttling = &results.Throttling{Periods: periods, Throttled: n}
		return st
	}
	spec := CapacitySpec{Quota: 0.25, P99: Duration(25 * time.Millisecond)}
	step := func(p99 time.Duration, throughput, serverUtil, genUtil float64, sentShort bool) results.Step {
		st := results.Step{Rate: 1000, All: results.Metrics{Rate: 1000, Throughput: throughput, Success: 1},
			Routes:    map[string]results.Metrics{results.RouteMe: {Latency: results.Latency{P99: p99}}},
			Server:    &results.ProcessCost{Utilisation: serverUtil},
			Generator: results.GeneratorCost{Utilisation: genUtil, Cores: 1}}
		st.GeneratorBound = sentShort
		return st
	}
	tests := []struct {
		name                        string
		st                          results.Step
		pass, genBound, unexplained bool
		reason                      string
		quota                       float64 // 0: spec's; -1: none
	}{
		{name: "pass", st: step(5*time.Millisecond, 1000, 0.2, 0.3, false), pass: true},
		{name: "server at its quota: a server limit", st: step(80*time.Millisecond, 1000, 0.24, 0.4, false), reason: "p99"},
		{name: "fell behind on completions", st: step(5*time.Millisecond, 900, 0.25, 0.4, false), reason: "completed 900/s"},
		{name: "generator saturated, server not", st: step(80*time.Millisecond, 1000, 0.1, 0.95, false), genBound: true, reason: "generator-bound"},
		{name: "attack fell behind", st: step(80*time.Millisecond, 1000, 0.1, 0.5, true), genBound: true, reason: "generator-bound"},
		{name: "neither busy", st: step(80*time.Millisecond, 1000, 0.1, 0.3, false), unexplained: true, reason: "not a server limit"},
		{name: "neither busy, rarely throttled", st: throttled(step(80*time.Millisecond, 1000, 0.17, 0.3, false), 1250, 30), unexplained: true, reason: "not a server limit"},
		{name: "below its quota on average, throttled in bursts", st: throttled(step(30*time.Millisecond, 1000, 0.17, 0.3, false), 1250, 660), reason: "throttled in 53% of its quota periods at 68% of its quota"},
		{name: "throttled, and the generator saturated: a lower bound first", st: throttled(step(80*time.Millisecond, 1000, 0.17, 0.95, false), 1250, 660), genBound: true, reason: "generator-bound"},
		{name: "throttled counts only under a quota", st: throttled(step(80*time.Millisecond, 1000, 0.1, 0.3, false), 1250, 660), quota: -1, unexplained: true, reason: "not a server limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			quota := spec.Quota
			if tt.quota < 0 {
				quota = 0
			}
			o, why := capacityVerdict(spec, quota, tt.st)
			if o.pass != tt.pass || o.generatorBound != tt.genBound || o.unexplained != tt.unexplained {
				t.Errorf("got pass=%v gen=%v unexplained=%v, want %v %v %v (%s)", o.pass, o.generatorBound, o.unexplained, tt.pass, tt.genBound, tt.unexplained, why)
			}
			if !strings.Contains(why, tt.reason) {
				t.Errorf("reason %q, want it to mention %q", why, tt.reason)
			}
		})
	}
}

func TestDecodeCurve(t *testing.T) {
	base := `name: c
variants: [jwt]
users: 10
duration: 2s
rates: [100, 200, 400, 800]
repetitions: 2
backend: {bcrypt_cost: 4}
`
	tests := []struct {
		name string
		yaml string
		want string // substring of the error; "" for none
	}{
		{name: "defaults", yaml: base + "curve: {capacity: {}}\n"},
		{name: "fit over two rates", yaml: base + "curve: {fit_top: 2}\n", want: "curve.fit_top: 2"},
		{name: "fit over more rates than given", yaml: base + "curve: {fit_top: 5}\n", want: "curve.fit_top: 5"},
		{name: "quota over one core", yaml: base + "curve: {capacity: {quota: 1.5}}\n", want: "curve.capacity.quota: 1.5"},
		{name: "p99 inside the throttling period", yaml: base + "curve: {capacity: {p99: 5ms}}\n", want: "curve.capacity.p99: 5ms"},
		{name: "with a search", yaml: base + "search: {start: 100, slo: {p99: 10ms}}\ncurve: {}\n", want: "search:"},
		{name: "interleave", yaml: base + "curve: {interleave: 250ms}\n"},
		{name: "interleave too short", yaml: base + "curve: {interleave: 50ms}\n", want: "curve.interleave: 50ms"},
		{name: "interleave over half the duration", yaml: base + "curve: {interleave: 1500ms}\n", want: "curve.interleave: 1.5s"},
		{name: "interleave with generators", yaml: base + "generators: 2\ncurve: {interleave: 250ms}\n", want: "curve.interleave: not with generators"},
		{name: "repeated rate", yaml: strings.Replace(base, "800", "400", 1) + "curve: {fit_top: 3}\n", want: "distinct rates"},
		{name: "saturate", yaml: base + "curve: {capacity: {saturate: 1s}}\n"},
		{name: "saturate too short", yaml: base + "curve: {capacity: {saturate: 50ms}}\n", want: "curve.capacity.saturate: 50ms"},
		{name: "saturate too long", yaml: base + "curve: {capacity: {saturate: 2m}}\n", want: "curve.capacity.saturate: 2m0s"},
		{name: "too many connections", yaml: base + "curve: {capacity: {saturate: 1s, connections: 5000}}\n", want: "curve.capacity.connections: 5000"},
		{name: "negative connections", yaml: base + "curve: {capacity: {saturate: 1s, connections: -1}}\n", want: "curve.capacity.connections: -1"},
		{name: "closed loop over the connection cap", yaml: base + "max_connections: 16\ncurve: {capacity: {saturate: 1s, connections: 32}}\n", want: "curve.capacity.connections: 32: more than max_connections (16)"},
		{name: "closed loop within the connection cap", yaml: base + "max_connections: 32\ncurve: {capacity: {saturate: 1s}}\n"},
		{name: "negative connection cap", yaml: base + "max_connections: -1\n", want: "max_connections: -1"},
		{name: "kept awake", yaml: base + "curve: {capacity: {keep_awake: true}}\n"},
		{name: "keep awake not a bool", yaml: base + "curve: {capacity: {keep_awake: sometimes}}\n", want: "c.yaml:8: cannot unmarshal string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := DecodeScenario("c.yaml", []byte(tt.yaml))
			if (err != nil) != (tt.want != "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if err == nil && tt.name == "defaults" {
				c := s.Curve
				if c.FitTop != 3 || c.Seed != 1 || c.Capacity.Quota != 0.125 || c.Capacity.Probes != 6 || c.Capacity.P99.D() != 25*time.Millisecond {
					t.Errorf("defaults: %+v %+v", c, c.Capacity)
				}
				if c.Capacity.KeepAwake || s.Record().Curve.Capacity.KeepAwake {
					t.Error("defaults: keep_awake on, want the server's CPU left to halt unless the scenario asks")
				}
				if c.Capacity.Saturate != 0 || c.Capacity.Connections != 0 {
					t.Errorf("defaults: saturate %v with %d connections, want no closed-loop probe unless asked", c.Capacity.Saturate.D(), c.Capacity.Connections)
				}
			}
			if err == nil && tt.name == "kept awake" && (!s.Curve.Capacity.KeepAwake || !s.Record().Curve.Capacity.KeepAwake) {
				t.Error("kept awake: keep_awake: true not kept, or not recorded")
			}
			if err == nil && tt.name == "saturate" && s.Curve.Capacity.Connections != 32 {
				t.Errorf("saturate: %d connections, want 32 by default", s.Curve.Capacity.Connections)
			}
		})
	}
}
