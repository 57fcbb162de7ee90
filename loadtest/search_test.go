package loadtest

import (
	"reflect"
	"testing"
	"time"

	"github.com/authbench/authbench/results"
)

func TestSearchMaxRate(t *testing.T) {
	tests := []struct {
		name   string
		q      Search
		limit  float64 // probes at or below pass
		gbFrom float64 // probes at or above are generator-bound (0: never)
		want   results.MaxRate
		probes []float64
	}{
		{name: "double then bisect", q: Search{Start: 100, Bisect: 3}, limit: 700,
			want: results.MaxRate{Rate: 700, FailedAt: 750, Probes: 7}, probes: []float64{100, 200, 400, 800, 600, 700, 750}},
		{name: "first probe fails", q: Search{Start: 100, Bisect: 2}, limit: 50,
			want: results.MaxRate{Rate: 50, FailedAt: 75, Probes: 3}, probes: []float64{100, 50, 75}},
		{name: "nothing passes", q: Search{Start: 100, Bisect: 2}, limit: 10,
			want: results.MaxRate{Rate: 0, FailedAt: 25, Probes: 3}, probes: []float64{100, 50, 25}},
		{name: "capped by max", q: Search{Start: 100, Max: 300}, limit: 1000,
			want: results.MaxRate{Rate: 300, Probes: 3}, probes: []float64{100, 200, 300}},
		{name: "generator-bound failure flagged", q: Search{Start: 100, Bisect: 1}, limit: 1e9, gbFrom: 400,
			want: results.MaxRate{Rate: 300, FailedAt: 400, GeneratorBound: true, Probes: 4}, probes: []float64{100, 200, 400, 300}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []float64
			mr := searchMaxRate(tt.q, func(rate float64) (bool, bool, bool) {
				got = append(got, rate)
				gb := tt.gbFrom > 0 && rate >= tt.gbFrom
				return rate <= tt.limit && !gb, gb, true
			})
			if mr != tt.want {
				t.Errorf("result = %+v, want %+v", mr, tt.want)
			}
			if !reflect.DeepEqual(got, tt.probes) {
				t.Errorf("probes = %v, want %v", got, tt.probes)
			}
		})
	}
}

func TestGeneratorBound(t *testing.T) {
	ok := results.Step{All: results.Metrics{Requests: 1000, Rate: 100}, Generator: results.GeneratorCost{Utilisation: 0.2, Cores: 2}}
	tests := []struct {
		name string
		st   func(results.Step) results.Step
		want bool
	}{
		{name: "held the rate", st: func(s results.Step) results.Step { return s }, want: false},
		{name: "sent too few", st: func(s results.Step) results.Step { s.All.Requests = 500; return s }, want: true},
		{name: "achieved too low", st: func(s results.Step) results.Step { s.All.Rate = 80; return s }, want: true},
		{name: "cpu saturated", st: func(s results.Step) results.Step { s.Generator.Utilisation = 0.95; return s }, want: true},
		{name: "interrupted short step is not", st: func(s results.Step) results.Step { s.All.Requests = 10; s.Interrupted = true; return s }, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why := generatorBound(100, 10*time.Second, tt.st(ok))
			if got != tt.want || (got && why == "") {
				t.Errorf("generatorBound = %v %q, want %v", got, why, tt.want)
			}
		})
	}
}

func TestCheckTarget(t *testing.T) {
	tests := []struct {
		name   string
		target string
		remote bool
		ok     bool
	}{
		{name: "ipv4 loopback", target: "http://127.0.0.1:8080", ok: true},
		{name: "ipv6 loopback", target: "http://[::1]:8080", ok: true},
		{name: "localhost", target: "http://localhost:8080", ok: true},
		{name: "remote refused", target: "http://10.0.0.5:8080", ok: false},
		{name: "remote name refused", target: "http://example.com", ok: false},
		{name: "remote allowed", target: "http://10.0.0.5:8080", remote: true, ok: true},
		{name: "not a URL", target: "127.0.0.1:8080", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckTarget(tt.target, tt.remote); (err == nil) != tt.ok {
				t.Errorf("CheckTarget(%q) = %v, want ok=%v", tt.target, err, tt.ok)
			}
		})
	}
}
