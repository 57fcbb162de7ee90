package loadtest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench/results"
)

func TestCalibrationVerdict(t *testing.T) {
	// step builds a probe at 7000 req/s that kept up, then edit changes it.
	step := func(edit func(*results.Step)) results.Step {
		st := results.Step{Rate: 7000, Wall: 2 * time.Second}
		st.All.Throughput, st.All.Success = 7000, 1
		st.Routes = map[string]results.Metrics{results.RouteMe: {Latency: results.Latency{P99: 3 * time.Millisecond}}}
		st.Server = &results.ProcessCost{Utilisation: 0.5}
		st.Generator = results.GeneratorCost{Utilisation: 0.4, Cores: 1}
		if edit != nil {
			edit(&st)
		}
		return st
	}
	tests := []struct {
		name     string
		pinned   bool
		st       results.Step
		wantPass bool
		wantWhy  string  // a fragment of the reason
		wantNext float64 // rate to try next (failures only)
	}{
		{name: "kept up", st: step(nil), wantPass: true},
		{name: "server over its core scales to the target",
			st:      step(func(s *results.Step) { s.Server.Utilisation = 1.0 }),
			wantWhy: "server 100% of its core", wantNext: 4900},
		{name: "tail broke with room: one step down",
			st: step(func(s *results.Step) {
				s.Routes[results.RouteMe] = results.Metrics{Latency: results.Latency{P99: 80 * time.Millisecond}}
			}),
			wantWhy: "p99 80ms > 25ms", wantNext: 5380},
		{name: "fell short: below what was achieved",
			st:      step(func(s *results.Step) { s.All.Throughput = 3000 }),
			wantWhy: "completed 3000/s of 7000/s", wantNext: 2400},
		{name: "generator bound",
			st:      step(func(s *results.Step) { s.GeneratorBound, s.Generator.Utilisation = true, 0.95 }),
			wantWhy: "generator 95% of its cores", wantNext: 5160},
		{name: "Redis counts on the generator's cores when the server is pinned apart", pinned: true,
			st: step(func(s *results.Step) {
				s.Redis = &results.RedisCost{CPUSeconds: 1.0} // half a core over 2 s
			}),
			wantWhy: "generator + Redis 90% of its cores", wantNext: 5380},
		{name: "Redis ignored when nothing is pinned",
			st:       step(func(s *results.Step) { s.Redis = &results.RedisCost{CPUSeconds: 1.0} }),
			wantPass: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pass, why, next := calibrationVerdict(25*time.Millisecond, 7000, tt.pinned, tt.st)
			if pass != tt.wantPass {
				t.Fatalf("pass = %v (%s), want %v", pass, why, tt.wantPass)
			}
			if pass {
				if why != "" {
					t.Errorf("a pass has reason %q", why)
				}
				return
			}
			if !strings.Contains(why, tt.wantWhy) {
				t.Errorf("why = %q, want it to contain %q", why, tt.wantWhy)
			}
			if next != tt.wantNext {
				t.Errorf("next = %v, want %v", next, tt.wantNext)
			}
		})
	}
}

func TestScaleRates(t *testing.T) {
	tests := []struct {
		name   string
		rates  []float64
		factor float64
		want   []float64
	}{
		{name: "unchanged", rates: []float64{1000, 2000, 4000, 7000}, factor: 1, want: []float64{1000, 2000, 4000, 7000}},
		{name: "scaled and rounded", rates: []float64{1000, 2000, 4000, 7000}, factor: 0.5, want: []float64{500, 1000, 2000, 3500}},
		{name: "order kept as written", rates: []float64{7000, 1000, 4000}, factor: 0.333, want: []float64{2330, 330, 1330}},
		{name: "rounding never merges rates", rates: []float64{10, 12, 14}, factor: 0.5, want: []float64{10, 20, 30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := scaleRates(tt.rates, tt.factor); !slices.Equal(got, tt.want) {
				t.Errorf("scaleRates(%v, %v) = %v, want %v", tt.rates, tt.factor, got, tt.want)
			}
		})
	}
}

func TestTailOnly(t *testing.T) {
	ok := func(edit func(*results.Step)) results.Step {
		st := results.Step{Rate: 3000}
		st.All.Throughput, st.All.Success = 3000, 1
		st.Server = &results.ProcessCost{Utilisation: 0.5}
		st.Generator = results.GeneratorCost{Utilisation: 0.5, Cores: 1}
		if edit != nil {
			edit(&st)
		}
		return st
	}
	tests := []struct {
		name string
		st   results.Step
		want bool
	}{
		{name: "everything answered, nobody busy", st: ok(nil), want: true},
		{name: "fell short", st: ok(func(s *results.Step) { s.All.Throughput = 2500 }), want: false},
		{name: "failures", st: ok(func(s *results.Step) { s.All.Success = 0.99 }), want: false},
		{name: "server busy", st: ok(func(s *results.Step) { s.Server.Utilisation = 0.9 }), want: false},
		{name: "generator busy", st: ok(func(s *results.Step) { s.Generator.Utilisation = 0.9 }), want: false},
		{name: "generator bound", st: ok(func(s *results.Step) { s.GeneratorBound = true }), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tailOnly(3000, tt.st); got != tt.want {
				t.Errorf("tailOnly = %v, want %v", got, tt.want)
			}
		})
	}
}
