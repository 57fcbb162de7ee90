package stats

import (
	"math"
	"testing"
)

// span returns lo, lo+step, ..., hi.
func span(lo, hi, step float64) []float64 {
	var x []float64
	for v := lo; v <= hi; v += step {
		x = append(x, v)
	}
	return x
}

func TestFitLineBends(t *testing.T) {
	quad := func(x []float64, sd float64, seed uint64) []float64 {
		y := cpu(x, 1e-3, 0, sd, seed)
		for i, v := range x {
			y[i] += 1e-7 * v * v
		}
		return y
	}
	x := span(500, 8000, 500)
	tests := []struct {
		name      string
		x, y      []float64
		wantBends bool
		// wantCurv, if not NaN, is the expected Curvature.
		wantCurv float64
	}{
		// On an even grid the line's slope is b + c·(min+max) =
		// 1e-3 + 1e-7·8500, so Curvature = 2c·7500/1.85e-3.
		{name: "exact quadratic", x: x, y: quad(x, 0, 0), wantBends: true, wantCurv: 2e-7 * 7500 / 1.85e-3},
		{name: "noisy quadratic", x: rates, y: quad(rates, 0.05, 3), wantBends: true, wantCurv: math.NaN()},
		{name: "straight line with small noise", x: rates, y: cpu(rates, 20e-6, 0.03, 0.004, 5), wantCurv: math.NaN()},
		{name: "exact line", x: x, y: cpu(x, 20e-6, 0.03, 0, 0), wantCurv: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FitLine(tt.x, tt.y, 0.95)
			if err != nil {
				t.Fatal(err)
			}
			if got.Bends != tt.wantBends {
				t.Errorf("Bends = %v (CurvatureP %v), want %v", got.Bends, got.CurvatureP, tt.wantBends)
			}
			if !math.IsNaN(tt.wantCurv) && !near(got.Curvature, tt.wantCurv, 1e-9) && got.Curvature != tt.wantCurv {
				t.Errorf("Curvature = %v, want %v", got.Curvature, tt.wantCurv)
			}
			if tt.wantBends && got.Curvature <= 0 {
				t.Errorf("Curvature = %v, want > 0 for a curve that steepens", got.Curvature)
			}
		})
	}
}

// TestFitLineBendsFalsePositives checks that the curvature test is
// calibrated: on straight lines with noise it fires in 1–10% of 200
// seeded simulations (5% expected).
func TestFitLineBendsFalsePositives(t *testing.T) {
	const sims = 200
	bends := 0
	for seed := range uint64(sims) {
		got, err := FitLine(rates, cpu(rates, 20e-6, 0.03, 0.004, 5000+seed), 0.95)
		if err != nil {
			t.Fatal(err)
		}
		if got.Bends {
			bends++
		}
	}
	if got := float64(bends) / sims; got < 0.01 || got > 0.10 {
		t.Errorf("Bends on %.3f of straight lines, want 0.01–0.10", got)
	}
}

func TestCurvatureFlattening(t *testing.T) {
	// y = √x flattens: the test must find it and give a negative
	// Curvature.
	x := span(500, 8000, 500)
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = math.Sqrt(v)
	}
	got, err := FitLine(x, y, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Bends || got.Curvature >= 0 {
		t.Errorf("Bends, Curvature = %v, %v, want true, < 0", got.Bends, got.Curvature)
	}
}
