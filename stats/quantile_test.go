package stats

import (
	"math"
	"testing"
)

func TestQuantile(t *testing.T) {
	tests := []struct {
		name   string
		sorted []float64
		q      float64
		want   float64
	}{
		{name: "empty", sorted: nil, q: 0.5, want: math.NaN()},
		{name: "one value", sorted: []float64{7}, q: 0.3, want: 7},
		{name: "minimum", sorted: []float64{1, 2, 3, 4, 5}, q: 0, want: 1},
		{name: "maximum", sorted: []float64{1, 2, 3, 4, 5}, q: 1, want: 5},
		{name: "median odd", sorted: []float64{1, 2, 3, 4, 5}, q: 0.5, want: 3},
		{name: "median even", sorted: []float64{1, 2, 3, 4}, q: 0.5, want: 2.5},
		{name: "on an order statistic", sorted: []float64{1, 2, 3, 4, 5}, q: 0.25, want: 2},
		{name: "interpolated", sorted: []float64{10, 20}, q: 0.1, want: 11},
		{name: "ties", sorted: []float64{1, 1, 1, 9}, q: 0.5, want: 1},
		{name: "q below 0", sorted: []float64{1, 2}, q: -0.01, want: math.NaN()},
		{name: "q above 1", sorted: []float64{1, 2}, q: 1.01, want: math.NaN()},
		{name: "NaN q", sorted: []float64{1, 2}, q: math.NaN(), want: math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Quantile(tt.sorted, tt.q)
			if got != tt.want && !(math.IsNaN(got) && math.IsNaN(tt.want)) {
				t.Errorf("Quantile(%v, %v) = %v, want %v", tt.sorted, tt.q, got, tt.want)
			}
		})
	}
}

func TestQuantileUnsortedIsNaN(t *testing.T) {
	if got := Quantile([]float64{3, 1, 2}, 0.5); !math.IsNaN(got) {
		t.Errorf("Quantile of an unsorted slice = %v, want NaN", got)
	}
}
