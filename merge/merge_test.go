package merge

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authbench/authbench/raw"
	"github.com/authbench/authbench/results"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// synth is n results of one generator: latencies from lat, status from
// code, sent every gap from start.
func synth(attack string, n int, start time.Time, gap time.Duration, lat func(i int) time.Duration, code func(i int) uint16) []vegeta.Result {
	rs := make([]vegeta.Result, n)
	for i := range rs {
		rs[i] = vegeta.Result{
			Attack: attack, Seq: uint64(i), Code: code(i), Timestamp: start.Add(time.Duration(i) * gap),
			Latency: lat(i), BytesIn: 10, BytesOut: 2, Method: "GET",
			URL: fmt.Sprintf("http://127.0.0.1:8080/api/me?vu=%d", i%7),
		}
		if i%5 == 4 {
			rs[i].Method, rs[i].URL = "POST", "http://127.0.0.1:8080/auth/refresh?vu=1"
		}
	}
	return rs
}

func ok(int) uint16 { return 200 }

func constant(d time.Duration) func(int) time.Duration { return func(int) time.Duration { return d } }

// runOf is a one-variant, one-step run of a generator that sent rs at
// rate, its figures computed as the runner computes them (in arrival
// order, which here is send order).
func runOf(name string, rate float64, rs []vegeta.Result) *results.Results {
	all, routes := raw.Of(slices.Clone(rs))
	st := results.Step{Kind: results.StepRate, Repetition: 1, Index: 1, Rate: rate, Duration: time.Second,
		Started: rs[0].Timestamp, Wall: time.Second, All: all, Routes: routes, RawFile: "raw/jwt-01-rate-r1.gob",
		Generator: results.GeneratorCost{CPUSeconds: 0.1, Cores: 1, Utilisation: 0.1}, CredentialBytes: 100}
	return &results.Results{
		Schema: results.Schema, RunID: "run-" + name, Kind: results.KindSteady, Generator: name,
		Started: rs[0].Timestamp, Finished: rs[0].Timestamp.Add(time.Second),
		Scenario:    results.Scenario{Name: "mini", Variants: []string{"jwt"}, Rates: []float64{rate}, Duration: results.Duration(time.Second)},
		Environment: results.Environment{Hostname: "host"},
		Target:      results.TargetInfo{Mode: "external", URL: "http://127.0.0.1:8080"},
		Notes:       []string{"server under test runs elsewhere"},
		Variants:    []results.VariantResult{{Variant: "jwt", Logins: results.LoginPhase{Users: 5}, Steps: []results.Step{st}}},
	}
}

func partOf(name string, rate float64, rs []vegeta.Result) Part {
	return Part{Dir: "/runs/" + name, Results: runOf(name, rate, rs), Raw: func(v, s int) ([]vegeta.Result, error) {
		return slices.Clone(rs), nil
	}}
}

// TestMergeEqualsOneGenerator: a merge of generators' results equals the
// result of one generator over the concatenated raw results: identical
// percentiles, counts and success, whatever order the parts come in; the
// rates are the sums of the parts'. Each case also states the answer
// known from its construction, and that averaging the parts' p99s would
// have been wrong.
func TestMergeEqualsOneGenerator(t *testing.T) {
	tests := []struct {
		name  string
		parts [][]vegeta.Result
		want  results.Metrics // fields checked: Requests, Success, Min, Max, Mean, P50 and P99 when set, status codes
	}{
		{
			name: "a fast and a slow generator",
			parts: [][]vegeta.Result{
				synth("g1", 90, t0, 10*time.Millisecond, constant(time.Millisecond), ok),
				synth("g2", 10, t0.Add(3*time.Millisecond), 90*time.Millisecond, constant(100*time.Millisecond), func(i int) uint16 {
					if i%2 == 0 {
						return 500
					}
					return 200
				}),
			},
			want: results.Metrics{Requests: 100, Success: 0.95, StatusCodes: map[string]int{"200": 95, "500": 5},
				Latency: results.Latency{Min: time.Millisecond, Max: 100 * time.Millisecond, Mean: 10900 * time.Microsecond, P50: time.Millisecond, P99: 100 * time.Millisecond}},
		},
		{
			name: "three generators sharing one spread",
			parts: [][]vegeta.Result{
				synth("g1", 40, t0, 25*time.Millisecond, func(i int) time.Duration { return time.Duration(3*i+1) * time.Millisecond }, ok),
				synth("g2", 40, t0.Add(time.Millisecond), 25*time.Millisecond, func(i int) time.Duration { return time.Duration(3*i+2) * time.Millisecond }, ok),
				synth("g3", 40, t0.Add(2*time.Millisecond), 25*time.Millisecond, func(i int) time.Duration { return time.Duration(3*i+3) * time.Millisecond }, func(int) uint16 { return 0 }),
			},
			want: results.Metrics{Requests: 120, Success: 80.0 / 120, StatusCodes: map[string]int{"200": 80, "0": 40},
				Latency: results.Latency{Min: time.Millisecond, Max: 120 * time.Millisecond, Mean: 60500 * time.Microsecond}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var parts []Part
			var concat []vegeta.Result
			var rate, p99s float64
			for i, rs := range tt.parts {
				p := partOf(fmt.Sprintf("g%d", i+1), float64(len(rs)), rs)
				parts = append(parts, p)
				concat = append(concat, rs...)
				rate += p.Results.Variants[0].Steps[0].All.Rate
				p99s += float64(p.Results.Variants[0].Steps[0].All.Latency.P99)
			}
			raw.Sort(concat)
			wantAll, wantRoutes := raw.Of(concat)

			for _, order := range [][]Part{parts, reversed(parts)} {
				m, err := Merge("", order)
				if err != nil {
					t.Fatal(err)
				}
				st := m.Variants[0].Steps[0]
				if st.All.Latency != wantAll.Latency {
					t.Errorf("latency %+v, one generator over the concatenation %+v", st.All.Latency, wantAll.Latency)
				}
				for k, w := range wantRoutes {
					if st.Routes[k].Latency != w.Latency || st.Routes[k].Requests != w.Requests {
						t.Errorf("route %s: %+v, want %+v", k, st.Routes[k], w)
					}
				}
				if st.All.Requests != tt.want.Requests || st.All.Success != tt.want.Success || !mapsEqual(st.All.StatusCodes, tt.want.StatusCodes) {
					t.Errorf("requests %d success %v codes %v, want %d %v %v", st.All.Requests, st.All.Success, st.All.StatusCodes, tt.want.Requests, tt.want.Success, tt.want.StatusCodes)
				}
				l, w := st.All.Latency, tt.want.Latency
				if l.Min != w.Min || l.Max != w.Max || l.Mean != w.Mean || (w.P50 != 0 && l.P50 != w.P50) || (w.P99 != 0 && l.P99 != w.P99) {
					t.Errorf("latency %+v, want min %v max %v mean %v p50 %v p99 %v", l, w.Min, w.Max, w.Mean, w.P50, w.P99)
				}
				if avg := p99s / float64(len(parts)); float64(l.P99) == avg {
					t.Errorf("p99 %v is the average of the parts' p99s", l.P99)
				}
				if !near(st.All.Rate, rate) {
					t.Errorf("achieved rate %v, want the parts' sum %v", st.All.Rate, rate)
				}
				if want := float64(tt.want.Requests); st.Rate != want || m.Scenario.Rates[0] != want {
					t.Errorf("asked rate %v (scenario %v), want %v", st.Rate, m.Scenario.Rates, want)
				}
				if st.CredentialBytes != 100 || len(st.Parts) != len(parts) || m.Variants[0].Logins.Users != 5*len(parts) {
					t.Errorf("credential %v, %d parts, %d users", st.CredentialBytes, len(st.Parts), m.Variants[0].Logins.Users)
				}
			}
		})
	}
}

// TestMergeCarriesOver: any part's generator-bound verdict holds for the
// merged step, with the part named; offsets between the parts' step
// starts are stated; a large one is warned of.
func TestMergeCarriesOver(t *testing.T) {
	a := partOf("g1", 90, synth("g1", 90, t0, 10*time.Millisecond, constant(time.Millisecond), ok))
	b := partOf("g2", 90, synth("g2", 90, t0.Add(200*time.Millisecond), 10*time.Millisecond, constant(time.Millisecond), ok))
	b.Results.Variants[0].Steps[0].GeneratorBound = true
	b.Results.Variants[0].Steps[0].GeneratorBoundReason = "sent 80 of 90 requests"
	a.Results.Scenario.Generators, b.Results.Scenario.Generators = 3, 3 // one of three runs is missing
	m, err := Merge("/runs/merged", []Part{a, b})
	if err != nil {
		t.Fatal(err)
	}
	st := m.Variants[0].Steps[0]
	if !st.GeneratorBound || st.GeneratorBoundReason != "g2: sent 80 of 90 requests" {
		t.Errorf("generator bound %v %q, want g2's carried over", st.GeneratorBound, st.GeneratorBoundReason)
	}
	if st.Started != t0 || st.Parts[1].Offset != 200*time.Millisecond || m.Generators[1].Offset != 200*time.Millisecond || m.Generators[0].Offset != 0 {
		t.Errorf("started %v, offsets %+v / %+v", st.Started, st.Parts, m.Generators)
	}
	if got := st.Parts[0].RawFile; got != "/runs/g1/raw/jwt-01-rate-r1.gob" {
		t.Errorf("raw file %q, want it as found (not beneath the merged folder)", got)
	}
	if m.RunID != "merged" || m.Scenario.Generators != 2 {
		t.Errorf("run id %q generators %d", m.RunID, m.Scenario.Generators)
	}
	joined := strings.Join(m.Notes, "\n")
	for _, want := range []string{"merged from 2 generators (g1, g2)", "g2 200ms", "20 % of the 1s step", "server under test runs elsewhere", "says generators: 3, but 2 runs were merged"} {
		if !strings.Contains(joined, want) {
			t.Errorf("notes lack %q:\n%s", want, joined)
		}
	}
	if strings.Count(joined, "server under test runs elsewhere") != 1 {
		t.Errorf("a note both parts share is stated more than once:\n%s", joined)
	}
}

// TestMergeMismatch: runs that are not one load are refused, and the
// error names the folder (and the step where it is about one).
func TestMergeMismatch(t *testing.T) {
	rs := synth("g", 20, t0, 10*time.Millisecond, constant(time.Millisecond), ok)
	tests := []struct {
		name    string
		change  func(b *Part)
		want    string // substring of the error
		wantErr error
	}{
		{"one run", nil, "need at least two", ErrMismatch},
		{"same generator name", func(b *Part) { b.Results.Generator = "g1" }, `both generator "g1"`, ErrMismatch},
		{"other scenario", func(b *Part) { b.Results.Scenario.Name = "other" }, `/runs/g2: scenario differs from /runs/g1's in "name"`, ErrMismatch},
		{"other rate count", func(b *Part) { b.Results.Scenario.Rates = []float64{1, 2} }, `"rates" (1 rates vs 2)`, ErrMismatch},
		{"other variants", func(b *Part) { b.Results.Variants[0].Variant = "session" }, "/runs/g2: variants [session]", ErrMismatch},
		{"other steps", func(b *Part) {
			v := &b.Results.Variants[0]
			v.Steps = append(v.Steps, v.Steps[0])
		}, "/runs/g2: jwt: 2 steps, /runs/g1 has 1", ErrMismatch},
		{"other duration", func(b *Part) { b.Results.Variants[0].Steps[0].Duration = 2 * time.Second }, "/runs/g2: jwt: step 1 is rate r1 #1 for 2s", ErrMismatch},
		{"a search", func(b *Part) { b.Results.Variants[0].Steps[0].Kind = results.StepProbe }, "step 1 is a probe step", ErrMismatch},
		{"another kind", func(b *Part) { b.Results.Kind = results.KindStoreOutage }, "/runs/g2: a store-outage run", ErrMismatch},
		{"already merged", func(b *Part) { b.Results.Generators = make([]results.GeneratorPart, 2) }, "/runs/g2 is already a merge", ErrMismatch},
		{"raw missing", func(b *Part) {
			b.Raw = func(int, int) ([]vegeta.Result, error) { return nil, errors.New("open raw/x.gob: no such file") }
		}, "jwt step 1: /runs/g2: raw results unavailable: open raw/x.gob", ErrRaw},
		{"raw short", func(b *Part) {
			b.Raw = func(int, int) ([]vegeta.Result, error) { return rs[:5], nil }
		}, "jwt step 1: /runs/g2: raw results hold 5 requests, results.json 20", ErrRaw},
		{"no mismatch", func(*Part) {}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := []Part{partOf("g1", 20, rs)}
			if tt.change != nil {
				b := partOf("g2", 20, rs)
				tt.change(&b)
				parts = append(parts, b)
			}
			_, err := Merge("", parts)
			if (err != nil) != (tt.wantErr != nil) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to say %q", err, tt.want)
			}
		})
	}
}

func reversed(p []Part) []Part {
	r := slices.Clone(p)
	slices.Reverse(r)
	return r
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
