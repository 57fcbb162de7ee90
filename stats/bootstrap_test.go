package stats

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// normals returns n seeded draws from N(mu, sd²).
func normals(n int, mu, sd float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = mu + sd*rng.NormFloat64()
	}
	return xs
}

type ratioFunc func(num, den []float64, level float64, resamples int, seed uint64) (Interval, error)

var ratioFuncs = []struct {
	name string
	f    ratioFunc
}{
	{name: "independent", f: BootstrapRatio},
	{name: "paired", f: BootstrapPairedRatio},
}

func TestBootstrapDeterministic(t *testing.T) {
	num, den := normals(12, 12, 1, 1), normals(12, 10, 1, 2)
	for _, rf := range ratioFuncs {
		t.Run(rf.name, func(t *testing.T) {
			a, errA := rf.f(num, den, 0.95, 2000, 99)
			b, errB := rf.f(num, den, 0.95, 2000, 99)
			c, errC := rf.f(num, den, 0.95, 2000, 100)
			if err := errors.Join(errA, errB, errC); err != nil {
				t.Fatal(err)
			}
			if a != b {
				t.Errorf("same seed: %+v, then %+v", a, b)
			}
			if a.Lo == c.Lo && a.Hi == c.Hi {
				t.Errorf("seeds 99 and 100 gave the same interval %+v", a)
			}
			if a.Estimate != c.Estimate || a.Estimate != mean(num)/mean(den) {
				t.Errorf("Estimate = %v and %v, want mean(num)/mean(den) = %v whatever the seed", a.Estimate, c.Estimate, mean(num)/mean(den))
			}
		})
	}
}

func TestBootstrapKnownRatio(t *testing.T) {
	tests := []struct {
		name     string
		num, den []float64
		want     float64
	}{
		{name: "means 12 and 10", num: normals(30, 12, 1, 3), den: normals(30, 10, 1, 4), want: 1.2},
		{name: "identical distributions", num: normals(30, 10, 1, 5), den: normals(30, 10, 1, 6), want: 1},
	}
	for _, rf := range ratioFuncs {
		for _, tt := range tests {
			t.Run(rf.name+"/"+tt.name, func(t *testing.T) {
				got, err := rf.f(tt.num, tt.den, 0.95, 5000, 1)
				if err != nil {
					t.Fatal(err)
				}
				if !got.Contains(tt.want) {
					t.Errorf("interval %+v misses the true ratio %v", got, tt.want)
				}
				if !(got.Lo < got.Estimate && got.Estimate < got.Hi) || got.HalfWidthRel() > 0.1 {
					t.Errorf("interval %+v, want it around the estimate and within ±10%%", got)
				}
				if got.N != 30 {
					t.Errorf("N = %d, want 30", got.N)
				}
			})
		}
	}
}

// TestBootstrapRatioCoverage checks that the independent 95% interval
// covers the true ratio in 88–99% of 200 seeded simulations of 30
// values a side.
func TestBootstrapRatioCoverage(t *testing.T) {
	const sims = 200
	covered := 0
	for s := range uint64(sims) {
		iv, err := BootstrapRatio(normals(30, 12, 1, 2*s+100), normals(30, 10, 1, 2*s+101), 0.95, 1000, s)
		if err != nil {
			t.Fatal(err)
		}
		if iv.Contains(1.2) {
			covered++
		}
	}
	if got := float64(covered) / sims; got < 0.88 || got > 0.99 {
		t.Errorf("coverage = %.3f, want 0.88–0.99", got)
	}
}

// TestBootstrapPairing checks that the paired bootstrap keeps pairs
// together: rounds drift a lot, both variants drift alike, and only the
// paired interval sees through the drift.
func TestBootstrapPairing(t *testing.T) {
	drift := normals(12, 0, 3, 7)
	num, den := make([]float64, 12), make([]float64, 12)
	for i, d := range drift {
		den[i] = 10 + d
		num[i] = 1.5 * den[i]
	}
	paired, err := BootstrapPairedRatio(num, den, 0.95, 2000, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Every resample of exact pairs has ratio 1.5, up to rounding.
	if !near(paired.Lo, 1.5, 1e-12) || !near(paired.Hi, 1.5, 1e-12) {
		t.Errorf("paired interval %+v, want [1.5, 1.5]", paired)
	}
	indep, err := BootstrapRatio(num, den, 0.95, 2000, 1)
	if err != nil {
		t.Fatal(err)
	}
	if indep.HalfWidthRel() < 0.1 {
		t.Errorf("independent interval %+v, want it wide: it cannot see the pairing", indep)
	}
}

func TestBootstrapConstant(t *testing.T) {
	for _, rf := range ratioFuncs {
		t.Run(rf.name, func(t *testing.T) {
			got, err := rf.f([]float64{3, 3, 3}, []float64{2, 2, 2}, 0.95, 100, 1)
			if err != nil {
				t.Fatal(err)
			}
			if want := (Interval{Estimate: 1.5, Lo: 1.5, Hi: 1.5, N: 3}); got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestBootstrapErrors(t *testing.T) {
	ok := []float64{1, 2, 3}
	tests := []struct {
		name      string
		num, den  []float64
		level     float64
		resamples int
		want      error
		wantMsg   string
		// pairedWant, if set, is what BootstrapPairedRatio returns
		// instead: it checks the lengths first.
		pairedWant error
	}{
		{name: "empty num", num: nil, den: ok, level: 0.95, resamples: 100, want: ErrTooFewPoints, wantMsg: "num has 0", pairedWant: ErrLengthMismatch},
		{name: "empty den", num: ok, den: []float64{}, level: 0.95, resamples: 100, want: ErrTooFewPoints, wantMsg: "den has 0", pairedWant: ErrLengthMismatch},
		{name: "both empty", num: nil, den: nil, level: 0.95, resamples: 100, want: ErrTooFewPoints, wantMsg: "num has 0"},
		{name: "one value", num: []float64{1}, den: []float64{1}, level: 0.95, resamples: 100, want: ErrTooFewPoints, wantMsg: "num has 1"},
		{name: "NaN", num: ok, den: []float64{1, math.NaN(), 3}, level: 0.95, resamples: 100, want: ErrNotFinite, wantMsg: "den[1]"},
		{name: "zero mean den", num: ok, den: []float64{-1, 0, 1}, level: 0.95, resamples: 100, want: ErrNonPositiveMean, wantMsg: "den has mean 0"},
		{name: "negative mean den", num: ok, den: []float64{-1, -2, -3}, level: 0.95, resamples: 100, want: ErrNonPositiveMean, wantMsg: "den has mean -2"},
		{name: "resample with negative den mean", num: []float64{1, 1}, den: []float64{-1, 5}, level: 0.95, resamples: 1000, want: ErrNonPositiveMean, wantMsg: "resample"},
		{name: "level 1", num: ok, den: ok, level: 1, resamples: 100, want: ErrInvalidArgument, wantMsg: "level"},
		{name: "too few resamples", num: ok, den: ok, level: 0.95, resamples: 39, want: ErrInvalidArgument, wantMsg: "need at least 40"},
		{name: "no resamples", num: ok, den: ok, level: 0.95, resamples: 0, want: ErrInvalidArgument, wantMsg: "resamples is 0"},
	}
	for _, rf := range ratioFuncs {
		for _, tt := range tests {
			t.Run(rf.name+"/"+tt.name, func(t *testing.T) {
				want, wantMsg := tt.want, tt.wantMsg
				if rf.name == "paired" && tt.pairedWant != nil {
					want, wantMsg = tt.pairedWant, "paired num has"
				}
				_, err := rf.f(tt.num, tt.den, tt.level, tt.resamples, 1)
				if !errors.Is(err, want) || !strings.Contains(err.Error(), wantMsg) {
					t.Errorf("error = %v, want %v naming %q", err, want, wantMsg)
				}
			})
		}
	}
	if _, err := BootstrapPairedRatio(ok, ok[:2], 0.95, 100, 1); !errors.Is(err, ErrLengthMismatch) || !strings.Contains(err.Error(), "paired num has 3 values, den has 2") {
		t.Errorf("paired with lengths 3 and 2: error = %v, want ErrLengthMismatch naming both", err)
	}
	if _, err := BootstrapRatio(ok, ok, 0.95, 40, 1); err != nil {
		t.Errorf("40 resamples at 0.95: %v, want the minimum accepted", err)
	}
}

func TestMinResamples(t *testing.T) {
	tests := []struct {
		name  string
		level float64
		want  int
	}{
		{name: "90%", level: 0.90, want: 20},
		{name: "95%", level: 0.95, want: 40},
		{name: "99%", level: 0.99, want: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := minResamples(tt.level); got != tt.want {
				t.Errorf("minResamples(%v) = %d, want %d", tt.level, got, tt.want)
			}
		})
	}
}
