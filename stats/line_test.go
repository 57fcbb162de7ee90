package stats

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// rates is the design of a typical run: 5 achieved rates (requests per
// second), 6 repetitions each.
var rates = func() []float64 {
	var x []float64
	for range 6 {
		x = append(x, 500, 1000, 2000, 4000, 8000)
	}
	return x
}()

// cpu returns slope·x + intercept + N(0, sd²) noise for each x, seeded.
func cpu(x []float64, slope, intercept, sd float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = slope*v + intercept + sd*rng.NormFloat64()
	}
	return y
}

func TestFitLineExact(t *testing.T) {
	const slope, intercept = 20e-6, 0.03
	got, err := FitLine(rates, cpu(rates, slope, intercept, 0, 0), 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if !near(got.Slope, slope, 1e-12) || !near(got.Intercept, intercept, 1e-12) {
		t.Errorf("Slope, Intercept = %v, %v, want %v, %v", got.Slope, got.Intercept, slope, intercept)
	}
	if w := got.SlopeHi - got.SlopeLo; w > 1e-12*slope || w < 0 {
		t.Errorf("slope CI width = %v, want ~0", w)
	}
	if w := got.InterceptHi - got.InterceptLo; w > 1e-12*intercept || w < 0 {
		t.Errorf("intercept CI width = %v, want ~0", w)
	}
	if got.N != 30 || !near(got.R2, 1, 1e-12) || got.ResidualSD > 1e-15 {
		t.Errorf("N, R2, ResidualSD = %v, %v, %v, want 30, 1, ~0", got.N, got.R2, got.ResidualSD)
	}
	if got.Bends || got.Curvature != 0 || got.CurvatureP != 1 {
		t.Errorf("Bends, Curvature, CurvatureP = %v, %v, %v, want false, 0, 1", got.Bends, got.Curvature, got.CurvatureP)
	}
}

// TestFitLineTextbook checks every field on a small data set worked by
// hand: x = 1..5, y = 2, 4, 5, 4, 5 gives b = 0.6, a = 2.2, SSE = 2.4,
// SST = 6, Sxx = 10; the quadratic term is c = -2/7 with t² = 20/11 on
// 2 degrees of freedom, whose two-sided p is 1 - √(10/21).
func TestFitLineTextbook(t *testing.T) {
	const t3 = 3.182446305283708 // 97.5% quantile, df 3, checked against the closed-form CDF
	got, err := FitLine([]float64{1, 2, 3, 4, 5}, []float64{2, 4, 5, 4, 5}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	seB, seA := math.Sqrt(0.8/10), math.Sqrt(0.8*(1.0/5+9.0/10))
	tests := []struct {
		name      string
		got, want float64
	}{
		{name: "Slope", got: got.Slope, want: 0.6},
		{name: "Intercept", got: got.Intercept, want: 2.2},
		{name: "SlopeLo", got: got.SlopeLo, want: 0.6 - t3*seB},
		{name: "SlopeHi", got: got.SlopeHi, want: 0.6 + t3*seB},
		{name: "InterceptLo", got: got.InterceptLo, want: 2.2 - t3*seA},
		{name: "InterceptHi", got: got.InterceptHi, want: 2.2 + t3*seA},
		{name: "R2", got: got.R2, want: 0.6},
		{name: "ResidualSD", got: got.ResidualSD, want: math.Sqrt(0.8)},
		{name: "Curvature", got: got.Curvature, want: 2 * (-2.0 / 7) * 4 / 0.6},
		{name: "CurvatureP", got: got.CurvatureP, want: 1 - math.Sqrt(10.0/21)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !near(tt.got, tt.want, 1e-12) {
				t.Errorf("%s = %.17g, want %.17g", tt.name, tt.got, tt.want)
			}
		})
	}
	if got.N != 5 || got.Bends {
		t.Errorf("N, Bends = %v, %v, want 5, false", got.N, got.Bends)
	}
}

func TestFitLineThreePoints(t *testing.T) {
	// ŷ = 1 + 0.5x; residuals -0.5, 1, -0.5; SSE 1.5 on 1 degree of
	// freedom; Sxx 2; so the slope's standard error is √0.75.
	got, err := FitLine([]float64{1, 2, 3}, []float64{1, 3, 2}, 0.95)
	if err != nil {
		t.Fatalf("3 points: %v", err)
	}
	t1 := 1 / math.Tan(0.025*math.Pi) // 12.706
	if !near(got.Slope, 0.5, 1e-12) || !near(got.SlopeHi-got.Slope, t1*math.Sqrt(0.75), 1e-12) {
		t.Errorf("Slope %v, half-width %v, want 0.5, %v", got.Slope, got.SlopeHi-got.Slope, t1*math.Sqrt(0.75))
	}
	if got.SlopeLo > 0 {
		t.Errorf("SlopeLo = %v, want the df-1 interval to reach below 0", got.SlopeLo)
	}
	if got.Bends || !math.IsNaN(got.Curvature) || !math.IsNaN(got.CurvatureP) {
		t.Errorf("Bends, Curvature, CurvatureP = %v, %v, %v, want false, NaN, NaN (untestable)", got.Bends, got.Curvature, got.CurvatureP)
	}
}

func TestFitLineErrors(t *testing.T) {
	tests := []struct {
		name    string
		x, y    []float64
		level   float64
		want    error
		wantMsg string
	}{
		{name: "no points", level: 0.95, want: ErrTooFewPoints, wantMsg: "0 (x, y) points"},
		{name: "one point", x: []float64{1}, y: []float64{1}, level: 0.95, want: ErrTooFewPoints, wantMsg: "1 (x, y) points"},
		{name: "two points", x: []float64{1, 2}, y: []float64{1, 2}, level: 0.95, want: ErrTooFewPoints, wantMsg: "2 (x, y) points"},
		{name: "two distinct x", x: []float64{1, 2, 1, 2, 1, 2}, y: []float64{1, 2, 1, 2, 1, 2}, level: 0.95, want: ErrTooFewPoints, wantMsg: "2 distinct"},
		{name: "all x equal", x: []float64{3, 3, 3, 3}, y: []float64{1, 2, 3, 4}, level: 0.95, want: ErrNoSpread, wantMsg: "x values are 3"},
		{name: "lengths differ", x: []float64{1, 2, 3}, y: []float64{1, 2}, level: 0.95, want: ErrLengthMismatch, wantMsg: "x has 3 values, y has 2"},
		{name: "NaN x", x: []float64{1, math.NaN(), 3}, y: []float64{1, 2, 3}, level: 0.95, want: ErrNotFinite, wantMsg: "x[1]"},
		{name: "Inf y", x: []float64{1, 2, 3}, y: []float64{1, 2, math.Inf(1)}, level: 0.95, want: ErrNotFinite, wantMsg: "y[2]"},
		{name: "level 0", x: []float64{1, 2, 3}, y: []float64{1, 2, 3}, level: 0, want: ErrInvalidArgument, wantMsg: "level"},
		{name: "level 95", x: []float64{1, 2, 3}, y: []float64{1, 2, 3}, level: 95, want: ErrInvalidArgument, wantMsg: "level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FitLine(tt.x, tt.y, tt.level)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("FitLine error = %v, want %v naming %q", err, tt.want, tt.wantMsg)
			}
		})
	}
}

func TestFitLineNoisyCoversTruth(t *testing.T) {
	const slope, intercept, sd = 20e-6, 0.03, 0.004
	got, err := FitLine(rates, cpu(rates, slope, intercept, sd, 42), 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if !(got.SlopeLo <= slope && slope <= got.SlopeHi) {
		t.Errorf("slope CI [%v, %v] misses the true %v", got.SlopeLo, got.SlopeHi, slope)
	}
	if !(got.InterceptLo <= intercept && intercept <= got.InterceptHi) {
		t.Errorf("intercept CI [%v, %v] misses the true %v", got.InterceptLo, got.InterceptHi, intercept)
	}
	if got.SlopeHi-got.SlopeLo <= 0 {
		t.Errorf("slope CI [%v, %v] has no width despite noise", got.SlopeLo, got.SlopeHi)
	}
	if !near(got.ResidualSD, sd, 0.5) {
		t.Errorf("ResidualSD = %v, want about %v", got.ResidualSD, sd)
	}
}

// TestFitLineCoverage checks that the 95% intervals cover the true slope
// and intercept in 90–99% of 200 seeded simulations.
func TestFitLineCoverage(t *testing.T) {
	const sims, slope, intercept, sd = 200, 20e-6, 0.03, 0.004
	var slopeIn, interceptIn int
	for seed := range uint64(sims) {
		got, err := FitLine(rates, cpu(rates, slope, intercept, sd, 1000+seed), 0.95)
		if err != nil {
			t.Fatal(err)
		}
		if got.SlopeLo <= slope && slope <= got.SlopeHi {
			slopeIn++
		}
		if got.InterceptLo <= intercept && intercept <= got.InterceptHi {
			interceptIn++
		}
	}
	for _, c := range []struct {
		name string
		in   int
	}{{"slope", slopeIn}, {"intercept", interceptIn}} {
		if got := float64(c.in) / sims; got < 0.90 || got > 0.99 {
			t.Errorf("%s coverage = %.3f, want 0.90–0.99", c.name, got)
		}
	}
}

func TestDistinct(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		want int
	}{
		{name: "empty", xs: nil, want: 0},
		{name: "repeats", xs: []float64{1, 2, 1, 2, 3}, want: 3},
		{name: "signed zeros are equal", xs: []float64{0, math.Copysign(0, -1)}, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := distinct(tt.xs); got != tt.want {
				t.Errorf("distinct(%v) = %d, want %d", tt.xs, got, tt.want)
			}
		})
	}
}

// roundsOf is the design of a curve run: rounds of the rates xs, each
// round a block; it returns x, y and the blocks, y being slope·x plus a
// per-round level drawn with spread drift plus N(0, sd²) noise.
func roundsOf(xs []float64, rounds int, slope, intercept, drift, sd float64, seed uint64) (x, y []float64, block []int) {
	rng := rand.New(rand.NewPCG(seed, 2))
	for r := range rounds {
		level := drift * rng.NormFloat64()
		for _, v := range xs {
			x = append(x, v)
			y = append(y, intercept+level+slope*v+sd*rng.NormFloat64())
			block = append(block, r+1)
		}
	}
	return x, y, block
}

func TestFitLineBlocked(t *testing.T) {
	top := []float64{2000, 4000, 7000}
	const slope, intercept = 50e-6, 0.02
	tests := []struct {
		name      string
		drift, sd float64
		// wantWidth: the blocked interval's width, at most this
		// fraction of the pooled one's (1: no narrower required).
		wantWidth float64
	}{
		// The rounds' levels differ and the rates inside a round lie
		// on the line: the blocked slope is exact, the pooled one not.
		{"drift only", 0.03, 0, 0},
		// Drift much larger than the noise inside a round: the blocked
		// interval is far narrower than the pooled one, and covers.
		{"drift and noise", 0.03, 0.002, 0.5},
		// No drift: both estimate the same thing; the blocked interval
		// loses a few degrees of freedom, so it may be a little wider.
		{"noise only", 0, 0.004, 1.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, y, block := roundsOf(top, 4, slope, intercept, tt.drift, tt.sd, 7)
			pooled, err := FitLine(x, y, 0.95)
			if err != nil {
				t.Fatal(err)
			}
			got, err := FitLineBlocked(x, y, block, 0.95)
			if err != nil {
				t.Fatal(err)
			}
			if got.Blocks != 4 || got.N != 12 {
				t.Errorf("Blocks, N = %d, %d, want 4, 12", got.Blocks, got.N)
			}
			if !(got.SlopeLo <= slope && slope <= got.SlopeHi) {
				t.Errorf("blocked slope CI [%v, %v] misses the true %v", got.SlopeLo, got.SlopeHi, slope)
			}
			wb, wp := got.SlopeHi-got.SlopeLo, pooled.SlopeHi-pooled.SlopeLo
			if tt.sd == 0 {
				if !near(got.Slope, slope, 1e-9) || wb > 1e-9*slope {
					t.Errorf("slope %v [%v, %v], want exactly %v", got.Slope, got.SlopeLo, got.SlopeHi, slope)
				}
				if wp <= 0 {
					t.Errorf("pooled CI has no width, so the case tests nothing")
				}
			} else if wb > tt.wantWidth*wp {
				t.Errorf("blocked CI width %.3g, want at most %.1f× the pooled %.3g", wb, tt.wantWidth, wp)
			}
			if m := got.Intercept + got.Slope*mean(x); !near(m, mean(y), 1e-9) {
				t.Errorf("line misses the mean point: %v at mean x, mean y %v", m, mean(y))
			}
		})
	}
}

// TestFitLineBlockedCoverage checks the blocked 95% interval covers the
// true slope in 90–99% of 300 seeded runs of 4 drifting rounds.
func TestFitLineBlockedCoverage(t *testing.T) {
	const sims, slope = 300, 50e-6
	in := 0
	for seed := range uint64(sims) {
		x, y, block := roundsOf([]float64{2000, 4000, 7000}, 4, slope, 0.02, 0.03, 0.003, 5000+seed)
		got, err := FitLineBlocked(x, y, block, 0.95)
		if err != nil {
			t.Fatal(err)
		}
		if got.SlopeLo <= slope && slope <= got.SlopeHi {
			in++
		}
	}
	if got := float64(in) / sims; got < 0.90 || got > 0.99 {
		t.Errorf("coverage = %.3f, want 0.90–0.99", got)
	}
}

func TestFitLineBlockedErrors(t *testing.T) {
	x := []float64{1000, 2000, 4000, 1000, 2000, 4000}
	y := []float64{0.05, 0.1, 0.2, 0.06, 0.11, 0.21}
	tests := []struct {
		name  string
		x     []float64
		block []int
		want  error
	}{
		{"block labels short", x, []int{1, 1, 1}, ErrLengthMismatch},
		{"every point its own block", x, []int{1, 2, 3, 4, 5, 6}, ErrTooFewPoints},
		{"no block with two rates", []float64{1000, 1000, 2000, 2000, 4000, 4000}, []int{1, 1, 2, 2, 3, 3}, ErrNoSpread},
		{"pooled fit refuses", x[:2], []int{1, 2}, ErrTooFewPoints},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FitLineBlocked(tt.x, y[:len(tt.x)], tt.block, 0.95)
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
	one, err := FitLineBlocked(x, y, []int{1, 1, 1, 1, 1, 1}, 0.95)
	pooled, _ := FitLine(x, y, 0.95)
	if err != nil || one.Slope != pooled.Slope || one.SlopeLo != pooled.SlopeLo || one.Blocks != 1 {
		t.Errorf("one block: %+v, %v; want the pooled fit %+v", one, err, pooled)
	}
}
