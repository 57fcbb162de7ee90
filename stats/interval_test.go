package stats

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestIntervalMethods(t *testing.T) {
	iv := Interval{Estimate: 2, Lo: 1.5, Hi: 2.5, N: 6}
	tests := []struct {
		name         string
		v            float64
		wantContains bool
		wantExcludes bool
	}{
		{name: "inside", v: 2.2, wantContains: true},
		{name: "at Lo", v: 1.5, wantContains: true},
		{name: "at Hi", v: 2.5, wantContains: true},
		{name: "below", v: 1.49, wantExcludes: true},
		{name: "above", v: 3, wantExcludes: true},
		{name: "NaN is neither", v: math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := iv.Contains(tt.v); got != tt.wantContains {
				t.Errorf("Contains(%v) = %v, want %v", tt.v, got, tt.wantContains)
			}
			if got := iv.Excludes(tt.v); got != tt.wantExcludes {
				t.Errorf("Excludes(%v) = %v, want %v", tt.v, got, tt.wantExcludes)
			}
		})
	}
}

func TestIntervalHalfWidthRel(t *testing.T) {
	tests := []struct {
		name string
		iv   Interval
		want float64
	}{
		{name: "±25%", iv: Interval{Estimate: 2, Lo: 1.5, Hi: 2.5}, want: 0.25},
		{name: "negative estimate", iv: Interval{Estimate: -4, Lo: -5, Hi: -3}, want: 0.25},
		{name: "zero width", iv: Interval{Estimate: 3, Lo: 3, Hi: 3}, want: 0},
		{name: "zero estimate", iv: Interval{Estimate: 0, Lo: -1, Hi: 1}, want: math.Inf(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.iv.HalfWidthRel(); got != tt.want {
				t.Errorf("HalfWidthRel() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMeanCI(t *testing.T) {
	t4 := 2.7764451051977934 // 97.5% quantile, df 4, from the closed form
	tests := []struct {
		name  string
		xs    []float64
		level float64
		want  Interval
	}{
		{
			name: "1..5", xs: []float64{1, 2, 3, 4, 5}, level: 0.95,
			want: Interval{Estimate: 3, Lo: 3 - t4*math.Sqrt(0.5), Hi: 3 + t4*math.Sqrt(0.5), N: 5},
		},
		{
			name: "two values, df 1", xs: []float64{1, 3}, level: 0.95,
			want: Interval{Estimate: 2, Lo: 2 - 1/math.Tan(0.025*math.Pi), Hi: 2 + 1/math.Tan(0.025*math.Pi), N: 2},
		},
		{
			name: "identical values", xs: []float64{0.25, 0.25, 0.25}, level: 0.95,
			want: Interval{Estimate: 0.25, Lo: 0.25, Hi: 0.25, N: 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MeanCI(tt.xs, tt.level)
			if err != nil {
				t.Fatalf("MeanCI(%v) error: %v", tt.xs, err)
			}
			if got.N != tt.want.N || !near(got.Estimate, tt.want.Estimate, 1e-12) ||
				!near(got.Lo, tt.want.Lo, 1e-12) || !near(got.Hi, tt.want.Hi, 1e-12) {
				t.Errorf("MeanCI(%v) = %+v, want %+v", tt.xs, got, tt.want)
			}
		})
	}
}

func TestMeanCIErrors(t *testing.T) {
	tests := []struct {
		name    string
		xs      []float64
		level   float64
		want    error
		wantMsg string
	}{
		{name: "empty", xs: nil, level: 0.95, want: ErrTooFewPoints, wantMsg: "xs has 0"},
		{name: "one value", xs: []float64{1}, level: 0.95, want: ErrTooFewPoints, wantMsg: "xs has 1"},
		{name: "NaN", xs: []float64{1, math.NaN()}, level: 0.95, want: ErrNotFinite, wantMsg: "xs[1]"},
		{name: "Inf", xs: []float64{math.Inf(1), 1}, level: 0.95, want: ErrNotFinite, wantMsg: "xs[0]"},
		{name: "level 0", xs: []float64{1, 2}, level: 0, want: ErrInvalidArgument, wantMsg: "level"},
		{name: "level 1", xs: []float64{1, 2}, level: 1, want: ErrInvalidArgument, wantMsg: "level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := MeanCI(tt.xs, tt.level)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("MeanCI(%v, %v) error = %v, want %v naming %q", tt.xs, tt.level, err, tt.want, tt.wantMsg)
			}
		})
	}
}

// TestMeanCICoverage checks that the 95% interval covers the true mean of
// normal samples of 6 in 90–99% of 400 seeded simulations.
func TestMeanCICoverage(t *testing.T) {
	const sims, mu = 400, 10.0
	rng := rand.New(rand.NewPCG(7, 7))
	covered := 0
	for range sims {
		xs := make([]float64, 6)
		for i := range xs {
			xs[i] = mu + 2*rng.NormFloat64()
		}
		iv, err := MeanCI(xs, 0.95)
		if err != nil {
			t.Fatal(err)
		}
		if iv.Contains(mu) {
			covered++
		}
	}
	if got := float64(covered) / sims; got < 0.90 || got > 0.99 {
		t.Errorf("coverage = %.3f, want 0.90–0.99", got)
	}
}

// near reports whether got is within rel of want, relative to |want|.
func near(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Abs(want)
}
