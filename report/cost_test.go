package report

import (
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench/results"
)

func iv(est, lo, hi float64) *results.Interval {
	return &results.Interval{Estimate: est, Lo: lo, Hi: hi, N: 4}
}

// TestRatioSentence: a ratio is called significant only when its
// interval excludes 1, and a bound next to 1 is written precisely enough
// to show on which side of 1 it lies.
func TestRatioSentence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		what     string
		iv       *results.Interval
		level    float64
		want     string
		wantNot  string
		wantSigf bool
	}{
		{name: "above 1, CI excludes 1", what: "marginal server CPU", iv: iv(1.42, 1.31, 1.55), level: 0.95,
			want: "session: marginal server CPU 1.42× jwt (95 % CI 1.31–1.55): significant", wantSigf: true},
		{name: "below 1, CI excludes 1", what: "capacity", iv: iv(0.78, 0.74, 0.82), level: 0.95,
			want: "session: capacity 0.78× jwt (95 % CI 0.74–0.82): significant", wantSigf: true},
		{name: "CI includes 1", what: "marginal server CPU", iv: iv(1.03, 0.97, 1.09), level: 0.95,
			want: "session: marginal server CPU 1.03× jwt (95 % CI 0.97–1.09, includes 1): no difference measured"},
		{name: "bound rounding to 1.00 but excluding 1 gets a third decimal", what: "capacity", iv: iv(1.04, 1.003, 1.08), level: 0.95,
			want: "session: capacity 1.040× jwt (95 % CI 1.003–1.080): significant", wantSigf: true},
		{name: "bound rounding to 1.00 and including 1 gets a third decimal", what: "capacity", iv: iv(0.96, 0.912, 1.004), level: 0.95,
			want: "(95 % CI 0.912–1.004, includes 1): no difference measured"},
		{name: "another confidence level is named", what: "capacity", iv: iv(1.2, 1.1, 1.3), level: 0.9,
			want: "(90 % CI 1.10–1.30): significant", wantSigf: true},
		{name: "no observations is no difference", what: "capacity", iv: &results.Interval{Estimate: 2, Lo: 2, Hi: 2}, level: 0.95,
			want: "no difference measured", wantNot: "significant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ratioSentence("session", tt.what, "jwt", *tt.iv, tt.level)
			if !strings.Contains(got, tt.want) {
				t.Errorf("ratioSentence = %q, want it to contain %q", got, tt.want)
			}
			if tt.wantNot != "" && strings.Contains(got, tt.wantNot) {
				t.Errorf("ratioSentence = %q, want no %q", got, tt.wantNot)
			}
			if sig := strings.HasSuffix(got, ": significant"); sig != tt.wantSigf {
				t.Errorf("ratioSentence = %q: significant %t, want %t", got, sig, tt.wantSigf)
			}
		})
	}
}

// costOf is a small cost analysis: jwt as the reference and v beside it.
func costOf(v results.VariantCost) *results.CostAnalysis {
	jwt := results.VariantCost{Variant: "jwt", ServerMarginal: iv(24e-6, 23e-6, 25e-6),
		Capacity: &results.CapacityResult{Rate: *iv(4000, 3900, 4100), Rounds: []results.CapacityRound{{Round: 1, Rate: 4000, FailedAt: 4080}}},
		Explain:  &results.Explain{ReadSyscalls: 1, WriteSyscalls: 1, ContextSwitches: 0.2}}
	return &results.CostAnalysis{Level: 0.95, Rounds: 4, FitRates: []float64{2000, 4000, 7000}, Variants: []results.VariantCost{jwt, v}}
}

// TestCostFindings: the sentences under the cost headline, from ratios,
// lower bounds, generator-bound and unexplained probes, and bends.
func TestCostFindings(t *testing.T) {
	t.Parallel()
	capacity := func(lower, gen bool, unexplained int, rounds ...results.CapacityRound) *results.CapacityResult {
		return &results.CapacityResult{Rate: *iv(5000, 4800, 5200), LowerBound: lower, GeneratorBound: gen, Unexplained: unexplained, Rounds: rounds}
	}
	tests := []struct {
		name      string
		v         results.VariantCost
		want, not []string
	}{
		{
			name: "significant ratios",
			v:    results.VariantCost{Variant: "session", Ratios: []results.Ratio{{To: "jwt", Marginal: iv(1.42, 1.31, 1.55), Capacity: iv(0.78, 0.74, 0.82)}}},
			want: []string{
				"session: marginal server CPU 1.42× jwt (95 % CI 1.31–1.55): significant.",
				"session: capacity 0.78× jwt (95 % CI 0.74–0.82): significant.",
			},
			not: []string{"no difference", "lower bound", "bends"},
		},
		{
			name: "ratios whose CI includes 1",
			v:    results.VariantCost{Variant: "jwt-blacklist", Ratios: []results.Ratio{{To: "jwt", Marginal: iv(1.04, 0.98, 1.09), Capacity: iv(0.96, 0.91, 1.02)}}},
			want: []string{
				"jwt-blacklist: marginal server CPU 1.04× jwt (95 % CI 0.98–1.09, includes 1): no difference measured.",
				"jwt-blacklist: capacity 0.96× jwt (95 % CI 0.91–1.02, includes 1): no difference measured.",
			},
			not: []string{"significant"},
		},
		{
			name: "a ratio to another reference is not the headline's",
			v:    results.VariantCost{Variant: "session", Ratios: []results.Ratio{{To: "none", Marginal: iv(2.4, 2.3, 2.5)}}},
			not:  []string{"×"},
		},
		{
			name: "lower bound: the highest probe passed",
			v: results.VariantCost{Variant: "none", Capacity: capacity(true, false, 0, results.CapacityRound{Round: 1, Rate: 5000}, results.CapacityRound{Round: 2, Rate: 4900, FailedAt: 5000}),
				Ratios: []results.Ratio{{To: "jwt", Capacity: iv(1.25, 1.2, 1.3)}}},
			want: []string{
				"none: capacity is a lower bound (≥ 5000 req/s): in round 1 even the highest probe passed.",
				"none: capacity 1.25× jwt (95 % CI 1.20–1.30): significant; none's capacity is a lower bound, so the ratio is at least this.",
			},
			not: []string{"generator"},
		},
		{
			name: "lower bound: generator-bound rounds",
			v: results.VariantCost{Variant: "none", Capacity: capacity(true, true, 0,
				results.CapacityRound{Round: 1, Rate: 5000, FailedAt: 5100}, results.CapacityRound{Round: 2, Rate: 4900, FailedAt: 5000, GeneratorBound: true},
				results.CapacityRound{Round: 4, Rate: 4800, FailedAt: 4900, GeneratorBound: true})},
			want: []string{"none: capacity is a lower bound (≥ 5000 req/s): in rounds 2 and 4 the failing probe ran out of generator, not server."},
		},
		{
			name: "unexplained probes",
			v:    results.VariantCost{Variant: "session", Capacity: capacity(false, false, 2, results.CapacityRound{Round: 1, Rate: 5000, FailedAt: 5100})},
			want: []string{"session: 2 probes failed with neither process busy: not a server limit"},
			not:  []string{"lower bound"},
		},
		{
			name: "the quota ran out in bursts",
			v: results.VariantCost{Variant: "jwt-blacklist", Capacity: func() *results.CapacityResult {
				c := capacity(false, false, 0, results.CapacityRound{Round: 1, Rate: 1700, FailedAt: 1750})
				c.QuotaUse, c.Failed, c.Bursts = iv(0.71, 0.66, 0.76), 12, 9
				return c
			}()},
			want: []string{"jwt-blacklist: at its capacity the server used 71 [66–76] % of its quota on average; 9 of its 12 failing probes ran out of the quota in bursts (throttled in ≥ 10 % of its CFS periods while below 85 % of the quota on average)"},
		},
		{
			name: "quota use without bursts",
			v: results.VariantCost{Variant: "jwt", Capacity: func() *results.CapacityResult {
				c := capacity(false, false, 0, results.CapacityRound{Round: 1, Rate: 3000, FailedAt: 3100})
				c.QuotaUse, c.Failed = iv(0.9, 0.88, 0.92), 4
				return c
			}()},
			not: []string{"at its capacity", "bursts"},
		},
		{
			name: "one unexplained probe",
			v:    results.VariantCost{Variant: "session", Capacity: capacity(false, false, 1)},
			want: []string{"session: 1 probe failed with neither process busy: not a server limit"},
		},
		{
			name: "a bending fit",
			v:    results.VariantCost{Variant: "session", Fit: &results.FitInfo{N: 12, R2: 0.998, Bends: true, Curvature: 0.23}},
			want: []string{"session: server CPU over rate bends (curvature +23 %, R² 0.998): its marginal CPU is the average slope over 2000–7000 req/s, not one constant cost per request."},
		},
		{
			name: "a straight fit says nothing",
			v:    results.VariantCost{Variant: "session", Fit: &results.FitInfo{N: 12, R2: 0.999, Curvature: 0.01}},
			not:  []string{"bends"},
		},
		{
			name: "a variant without analysis says why",
			v:    results.VariantCost{Variant: "session", Error: "marginal CPU not fitted: too few points"},
			want: []string{"session: no cost figures: marginal CPU not fitted: too few points."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(costFindings(costOf(tt.v)), "\n")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("findings lack %q:\n%s", w, got)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("findings contain %q:\n%s", n, got)
				}
			}
		})
	}
}

// TestBoundClause: a capacity ratio says which side a lower bound moves it.
func TestBoundClause(t *testing.T) {
	t.Parallel()
	lb := func(b bool) results.VariantCost {
		return results.VariantCost{Variant: map[bool]string{true: "none", false: "session"}[b], Capacity: &results.CapacityResult{LowerBound: b}}
	}
	ref := func(b bool) results.VariantCost {
		return results.VariantCost{Variant: "jwt", Capacity: &results.CapacityResult{LowerBound: b}}
	}
	tests := []struct {
		v, ref results.VariantCost
		want   string
	}{
		{lb(false), ref(false), ""},
		{lb(true), ref(false), "; none's capacity is a lower bound, so the ratio is at least this"},
		{lb(false), ref(true), "; jwt's capacity is a lower bound, so the ratio is at most this"},
		{lb(true), ref(true), "; both capacities are lower bounds, so the ratio is bounded neither way"},
	}
	for _, tt := range tests {
		if got := boundClause(tt.v, tt.ref); got != tt.want {
			t.Errorf("boundClause(%s lower %t, jwt lower %t) = %q, want %q", tt.v.Variant, tt.v.Capacity.LowerBound, tt.ref.Capacity.LowerBound, got, tt.want)
		}
	}
}

// TestExplainSentence: a stateful variant's cost over jwt in system
// terms, from only the figures the results have.
func TestExplainSentence(t *testing.T) {
	t.Parallel()
	jwt := costOf(results.VariantCost{}).Variants[0]
	tests := []struct {
		name      string
		v         results.VariantCost
		want, not []string
	}{
		{
			name: "every figure",
			v: results.VariantCost{Variant: "session", ServerMarginal: iv(36.3e-6, 35e-6, 37.6e-6), RedisMarginal: iv(8e-6, 7.9e-6, 8.1e-6),
				Explain: &results.Explain{ReadSyscalls: 2.05, WriteSyscalls: 1.95, ContextSwitches: 1.2, RedisCommands: 1.1},
				Ratios:  []results.Ratio{{To: "jwt", Marginal: iv(1.51, 1.45, 1.57)}}},
			want: []string{"session pays 1.10 Redis round trips per request ≈ +2.00 system calls and +1.00 context switches, and +12.3 µs marginal server CPU (1.51× jwt, 95 % CI 1.45–1.57) over jwt, plus 8.0 µs marginal Redis CPU per request (95 % CI 7.9–8.1)."},
		},
		{
			name: "marginal ratio including 1",
			v: results.VariantCost{Variant: "jwt-blacklist", ServerMarginal: iv(25e-6, 22e-6, 28e-6),
				Explain: &results.Explain{ReadSyscalls: 2, WriteSyscalls: 2, ContextSwitches: 1.2, RedisCommands: 1.06},
				Ratios:  []results.Ratio{{To: "jwt", Marginal: iv(1.04, 0.98, 1.09)}}},
			want: []string{"(1.04× jwt, 95 % CI 0.98–1.09: no difference measured)"},
		},
		{
			name: "no Redis commands measured: no round trips claimed",
			v:    results.VariantCost{Variant: "session", Explain: &results.Explain{ReadSyscalls: 2, WriteSyscalls: 2, ContextSwitches: 1.2}},
			want: []string{"session pays +2.00 system calls and +1.00 context switches per request over jwt."},
			not:  []string{"round trip", "µs"},
		},
		{
			name: "no breakdown: CPU only",
			v:    results.VariantCost{Variant: "session", ServerMarginal: iv(36e-6, 35e-6, 37e-6)},
			want: []string{"session pays +12.0 µs marginal server CPU over jwt."},
			not:  []string{"system calls", "round trip"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := explainSentence(tt.v, jwt, 0.95)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("explainSentence = %q, want it to contain %q", got, w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("explainSentence = %q, want no %q", got, n)
				}
			}
		})
	}
	if got := explainSentence(results.VariantCost{Variant: "session"}, jwt, 0.95); got != "" {
		t.Errorf("explainSentence with no figures = %q, want none", got)
	}
}

// TestLoadCostErrors: capacity steps load, unknown kinds still do not,
// and a cost block the headline would misreport is refused by field.
func TestLoadCostErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		edit     func(*results.Results)
		wantText string // "" means the edited results load
	}{
		{name: "the curve fixture with its capacity probes", edit: func(*results.Results) {}},
		{name: "unknown step kind", edit: func(r *results.Results) { r.Variants[1].Steps[2].Kind = "ramp" }, wantText: "variants[1].steps[2].kind"},
		{name: "quota above one core", edit: func(r *results.Results) { r.Variants[0].Steps[4].Quota = 2 }, wantText: "variants[0].steps[4].cpu_quota"},
		{name: "more throttled periods than periods", edit: func(r *results.Results) {
			r.Variants[0].Steps[4].Throttling = &results.Throttling{Periods: 10, Throttled: 11}
		}, wantText: "variants[0].steps[4].throttling.throttled"},
		{name: "reversed interval", edit: func(r *results.Results) {
			m := r.Cost.Variants[2].ServerMarginal
			m.Lo, m.Hi = m.Hi, m.Lo
		}, wantText: "cost.variants[2].server_marginal_cpu_s"},
		{name: "reversed ratio interval", edit: func(r *results.Results) {
			c := r.Cost.Variants[3].Ratios[0].Capacity
			c.Lo, c.Hi = c.Hi, c.Lo
		}, wantText: "cost.variants[3].ratios[0].capacity"},
		{name: "negative capacity", edit: func(r *results.Results) { r.Cost.Variants[1].Capacity.Rounds[0].Rate = -1 }, wantText: "cost.variants[1].capacity.rounds[0]"},
		{name: "more burst failures than failures", edit: func(r *results.Results) {
			c := r.Cost.Variants[1].Capacity
			c.Failed, c.Bursts = 2, 3
		}, wantText: "cost.variants[1].capacity.bursts"},
		{name: "reversed quota-use interval", edit: func(r *results.Results) {
			r.Cost.Variants[1].Capacity.QuotaUse = iv(0.7, 0.8, 0.6)
		}, wantText: "cost.variants[1].capacity.quota_use"},
		{name: "a variant the run does not have", edit: func(r *results.Results) { r.Cost.Variants[0].Variant = "paseto" }, wantText: "cost.variants[0].variant"},
		{name: "no confidence level", edit: func(r *results.Results) { r.Cost.Level = 0 }, wantText: "cost.level"},
		{name: "a saturation probe that asks a rate", edit: func(r *results.Results) {
			for i, st := range r.Variants[1].Steps {
				if st.Kind == results.StepSaturation {
					r.Variants[1].Steps[i].Rate = 5000
					return
				}
			}
			panic("the curve fixture has no saturation step")
		}, wantText: "variants[1].steps[4].rate"},
		{name: "reversed saturated CPU interval", edit: func(r *results.Results) {
			c := r.Cost.Variants[2].Saturation.ServerCPU
			c.Lo, c.Hi = c.Hi, c.Lo
		}, wantText: "cost.variants[2].saturation.server_cpu_s"},
		{name: "saturation success above 1", edit: func(r *results.Results) { r.Cost.Variants[0].Saturation.Rounds[1].Success = 2 }, wantText: "cost.variants[0].saturation.rounds[1]"},
		{name: "reversed saturated CPU ratio", edit: func(r *results.Results) {
			c := r.Cost.Variants[3].Ratios[0].SaturatedCPU
			c.Lo, c.Hi = c.Hi, c.Lo
		}, wantText: "cost.variants[3].ratios[0].saturated_cpu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := fixture(t, "curve")
			tt.edit(r)
			dir := t.TempDir()
			if err := r.Write(filepath.Join(dir, ResultsFile)); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir)
			switch {
			case tt.wantText == "" && err != nil:
				t.Fatalf("Load: %v, want it to load", err)
			case tt.wantText == "":
			case !errors.Is(err, ErrInvalid):
				t.Fatalf("Load: err = %v, want ErrInvalid", err)
			case !strings.Contains(err.Error(), tt.wantText):
				t.Errorf("Load: err = %q, want it to name %q", err, tt.wantText)
			}
		})
	}
	// JSON cannot carry a NaN, but Results built in memory can.
	r := fixture(t, "curve")
	r.Cost.Variants[1].ServerIdle.Lo = math.NaN()
	if err := check(r); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "cost.variants[1].server_idle_cpu_s_per_s") {
		t.Errorf("check with a NaN bound: %v, want ErrInvalid naming the field", err)
	}
}

// TestCostHeadline: the curve fixture's headline is the cost table, the
// at-rate headline moves below it, and capacity probes stay out of the
// at-rate figures.
func TestCostHeadline(t *testing.T) {
	t.Parallel()
	r := fixture(t, "curve")
	out, err := Render(r)
	if err != nil {
		t.Fatal(err)
	}
	md := string(out.Markdown)
	head := md[strings.Index(md, "## Headline"):strings.Index(md, "### What explains the cost")]
	for _, w := range []string{
		"| variant | capacity req/s under 0.125 of a core | marginal server µs/req [95 % CI] | capacity ÷ jwt [95 % CI] | marginal CPU ÷ jwt [95 % CI] |",
		"| none | ≥ 5918 (gen-bound) | 16.1 [15.9–16.2] | 1.43 [1.36–1.51] | 0.67 [0.66–0.67] |",
		"| jwt | 4125 | 24.1 [23.9–24.4] |",
		"1 (reference) | 1 (reference) |",
		"jwt-blacklist: marginal server CPU 1.04× jwt (95 % CI 0.98–1.09, includes 1): no difference measured.",
		"session: server CPU over rate bends",
		"jwt-blacklist: 1 probe failed with neither process busy: not a server limit",
	} {
		if !strings.Contains(head, w) {
			t.Errorf("the cost headline lacks %q:\n%s", w, head)
		}
	}
	if details := md[strings.Index(md, "## Details"):]; !strings.Contains(details, "| none | ≥ 5918 (gen-bound) | ≥ 47340 | 16.1 [15.9–16.2] |") {
		t.Error("the details lack the full cost table (capacity per core)")
	}
	if i, j := strings.Index(md, "## "+atRateTitle), strings.Index(md, "## Headline"); i < j {
		t.Errorf("the at-rate figures (at %d) are not below the cost headline (at %d)", i, j)
	}
	if strings.Contains(md, v1Note) {
		t.Error("a v2 run carries the v1 note")
	}
	s := Summarise(r)
	for _, v := range s.Variants {
		if len(v.Probes) != 0 {
			t.Errorf("%s: %d capacity probes merged into the at-rate probes", v.Name, len(v.Probes))
		}
	}
	if len(s.BoundSteps) != 0 || len(s.BoundProbes) == 0 {
		t.Errorf("generator-bound: %d steps, %d capacity probes; want 0 and some", len(s.BoundSteps), len(s.BoundProbes))
	}
}

func TestCalibrationSentence(t *testing.T) {
	tests := []struct {
		name string
		cal  results.RateCalibration
		want []string // fragments, in order
	}{
		{name: "as written",
			cal:  results.RateCalibration{Asked: []float64{1000, 7000}, Rates: []float64{1000, 7000}, Factor: 1, Probes: []results.CalibrationProbe{{Variant: "jwt", Rate: 7000, Pass: true}}},
			want: []string{"ran as written", "1 probes"}},
		{name: "scaled: the probe above the final rate set it, not the repeated one at it",
			cal: results.RateCalibration{Asked: []float64{1000, 7000}, Rates: []float64{350, 2450}, Factor: 0.35, Probes: []results.CalibrationProbe{
				{Variant: "jwt", Rate: 3180, Reason: "GET /api/me p99 35ms > 25ms"},
				{Variant: "jwt", Rate: 2450, Pass: true},
				{Variant: "session", Rate: 2450, Reason: "GET /api/me p99 44ms > 25ms"},
				{Variant: "session", Rate: 2450, Pass: true},
			}},
			want: []string{"scaled ×0.35", "350 and 2450 req/s instead of 1000 and 7000", "at 3180 req/s jwt did not keep up", "p99 35ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := calibrationSentence(&tt.cal)
			rest := got
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("%q\nlacks %q (in order)", got, w)
				}
				rest = rest[i+len(w):]
			}
			if strings.Contains(got, "session did not") {
				t.Errorf("%q names the repeated probe", got)
			}
		})
	}
}

// TestCapacityProbeTableThrottling: the probe table gives each probe's
// throttled share when the results carry it, and no column of dashes
// for results from before it was measured.
func TestCapacityProbeTableThrottling(t *testing.T) {
	const head = "throttled % of periods"
	for _, tt := range []struct {
		name  string
		strip bool
	}{{"measured", false}, {"older results", true}} {
		t.Run(tt.name, func(t *testing.T) {
			r := fixture(t, "curve")
			if tt.strip {
				for i := range r.Variants {
					for j := range r.Variants[i].Steps {
						r.Variants[i].Steps[j].Throttling = nil
					}
				}
			}
			tab := capacityProbeTable(r)
			col := slices.Index(tab.Head, head)
			if (col >= 0) == tt.strip {
				t.Fatalf("head %v: column %q present = %v", tab.Head, head, col >= 0)
			}
			if col < 0 {
				return
			}
			for _, row := range tab.Rows {
				if len(row) != len(tab.Head) {
					t.Fatalf("row %v has %d cells for %d columns", row, len(row), len(tab.Head))
				}
				if _, err := strconv.ParseFloat(row[col], 64); err != nil {
					t.Errorf("row %v: throttled cell %q, want a percentage", row, row[col])
				}
			}
		})
	}
}

// TestCostMethodKeepAwake: the capacity sentence says how the server's
// CPU was kept from halting under the quota, or why not, and says
// nothing of it for a run that did not ask (older results among them).
func TestCostMethodKeepAwake(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, awake, want string
	}{
		{"kept awake", "the server's CPU 1 kept from halting by an idle-priority (SCHED_IDLE) busy loop while the quota applied", "(cgroup v1), the server's CPU 1 kept from halting"},
		{"refused", "not kept awake: give a busy loop idle priority (SCHED_IDLE): operation not permitted", "(cgroup v1), not kept awake: give a busy loop"},
		{"not asked", "", "(cgroup v1)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := &results.CostAnalysis{Capacity: &results.CapacityMethod{Quota: 0.25, QuotaMechanism: "cgroup v1", KeepAwake: tt.awake,
				Probe: 1500 * time.Millisecond, P99: 25 * time.Millisecond, MinSuccess: 0.999, MinAchieved: 0.99}}
			got := costMethod(ca)
			if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "Capacity: ") && strings.Contains(s, tt.want) }) {
				t.Errorf("method %q: no capacity sentence with %q", got, tt.want)
			}
		})
	}
}
