package stats

import (
	"math"
	"testing"
)

func TestTQuantileTable(t *testing.T) {
	tests := []struct {
		name string
		p    float64
		df   int
		want float64 // printed t tables, 3 decimals
	}{
		{name: "df 1", p: 0.975, df: 1, want: 12.706},
		{name: "df 2", p: 0.975, df: 2, want: 4.303},
		{name: "df 3", p: 0.975, df: 3, want: 3.182},
		{name: "df 5", p: 0.975, df: 5, want: 2.571},
		{name: "df 10", p: 0.975, df: 10, want: 2.228},
		{name: "df 30", p: 0.975, df: 30, want: 2.042},
		{name: "df 120", p: 0.975, df: 120, want: 1.980},
		{name: "large df is normal", p: 0.975, df: 10_000_000, want: 1.960},
		{name: "one-sided 95% df 20", p: 0.95, df: 20, want: 1.725},
		{name: "99% df 10", p: 0.995, df: 10, want: 3.169},
		{name: "lower tail df 5", p: 0.025, df: 5, want: -2.571},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TQuantile(tt.p, tt.df); math.Abs(got-tt.want) > 5e-4 {
				t.Errorf("TQuantile(%v, %d) = %.6f, want %.3f", tt.p, tt.df, got, tt.want)
			}
		})
	}
}

// TestTQuantileClosedForm checks full precision against the closed forms
// that exist for 1, 2 and 4 degrees of freedom.
func TestTQuantileClosedForm(t *testing.T) {
	closed := map[int]func(p float64) float64{
		1: func(p float64) float64 { // tan(π(p-½)), written to stay accurate in the tails
			if p < 0.5 {
				return -1 / math.Tan(math.Pi*p)
			}
			return 1 / math.Tan(math.Pi*(1-p))
		},
		2: func(p float64) float64 { return (2*p - 1) / math.Sqrt(2*p*(1-p)) },
		4: func(p float64) float64 {
			a := 4 * p * (1 - p)
			q := math.Cos(math.Acos(math.Sqrt(a))/3) / math.Sqrt(a)
			return math.Copysign(2*math.Sqrt(q-1), p-0.5)
		},
	}
	tests := []struct {
		name string
		df   int
		p    float64
	}{
		{name: "df 1 far tail", df: 1, p: 1e-10},
		{name: "df 1 0.025", df: 1, p: 0.025},
		{name: "df 1 0.6", df: 1, p: 0.6},
		{name: "df 1 0.999999", df: 1, p: 0.999999},
		{name: "df 2 1e-8", df: 2, p: 1e-8},
		{name: "df 2 0.3", df: 2, p: 0.3},
		{name: "df 2 0.975", df: 2, p: 0.975},
		{name: "df 4 0.001", df: 4, p: 0.001},
		{name: "df 4 0.975", df: 4, p: 0.975},
		{name: "df 4 0.995", df: 4, p: 0.995},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, want := TQuantile(tt.p, tt.df), closed[tt.df](tt.p)
			if math.Abs(got-want) > 1e-12*math.Abs(want) {
				t.Errorf("TQuantile(%v, %d) = %.17g, want %.17g", tt.p, tt.df, got, want)
			}
		})
	}
}

func TestTQuantileEdges(t *testing.T) {
	tests := []struct {
		name string
		p    float64
		df   int
		want float64
	}{
		{name: "p 0", p: 0, df: 5, want: math.Inf(-1)},
		{name: "p below 0", p: -0.1, df: 5, want: math.Inf(-1)},
		{name: "p 1", p: 1, df: 5, want: math.Inf(1)},
		{name: "p half", p: 0.5, df: 5, want: 0},
		{name: "NaN p", p: math.NaN(), df: 5, want: math.NaN()},
		{name: "df 0", p: 0.975, df: 0, want: math.NaN()},
		{name: "negative df", p: 0.975, df: -3, want: math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TQuantile(tt.p, tt.df)
			if got != tt.want && !(math.IsNaN(got) && math.IsNaN(tt.want)) {
				t.Errorf("TQuantile(%v, %d) = %v, want %v", tt.p, tt.df, got, tt.want)
			}
		})
	}
}

func TestTQuantileSymmetricAndInverse(t *testing.T) {
	tests := []struct {
		name string
		df   int
	}{
		{name: "df 1", df: 1}, {name: "df 3", df: 3}, {name: "df 7", df: 7},
		{name: "df 50", df: 50}, {name: "df 5000", df: 5000}, {name: "df 1e6", df: 1_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range []float64{0x1p-30, 0x1p-10, 0.025, 0.2, 0.45} { // 1-p exact
				lo, hi := TQuantile(p, tt.df), TQuantile(1-p, tt.df)
				if math.Abs(lo+hi) > 1e-12*hi {
					t.Errorf("p %v: TQuantile(p) = %v, TQuantile(1-p) = %v, want opposite", p, lo, hi)
				}
				if got, want := twoSidedP(lo, float64(tt.df)), 2*p; math.Abs(got-want) > 1e-10*want {
					t.Errorf("p %v: twoSidedP(TQuantile(p)) = %v, want %v", p, got, want)
				}
			}
		})
	}
}

// TestTQuantileLargeDF checks many degrees of freedom against the
// expansion t = z + (z³+z)/(4ν) + (5z⁵+16z³+3z)/(96ν²) + O(ν⁻³) around
// the normal quantile z (Abramowitz and Stegun 26.7.5).
func TestTQuantileLargeDF(t *testing.T) {
	tests := []struct {
		name string
		p    float64
		df   int
		tol  float64
	}{
		{name: "95% df 1e4", p: 0.975, df: 10_000, tol: 1e-11},
		{name: "95% df 1e6", p: 0.975, df: 1_000_000, tol: 1e-11},
		{name: "99.9% df 1e5", p: 0.9995, df: 100_000, tol: 1e-11},
		{name: "95% df 1e9", p: 0.975, df: 1_000_000_000, tol: 1e-7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := math.Sqrt2 * math.Erfinv(2*tt.p-1)
			nu := float64(tt.df)
			want := z + z*(z*z+1)/4/nu + z*((5*z*z+16)*z*z+3)/96/nu/nu
			if got := TQuantile(tt.p, tt.df); math.Abs(got-want) > tt.tol*want {
				t.Errorf("TQuantile(%v, %d) = %.17g, want %.17g", tt.p, tt.df, got, want)
			}
		})
	}
}

func TestTwoSidedP(t *testing.T) {
	tests := []struct {
		name string
		t    float64
		nu   float64
		want float64
	}{
		{name: "zero", t: 0, nu: 4, want: 1},
		{name: "infinite", t: math.Inf(-1), nu: 4, want: 0},
		{name: "df 1", t: 3, nu: 1, want: 1 - 2/math.Pi*math.Atan(3)},
		{name: "df 2", t: -0.5, nu: 2, want: 1 - 0.5/math.Sqrt(2.25)},
		{name: "df 2 far", t: 1e4, nu: 2, want: 2 / (math.Sqrt(2+1e8) * (math.Sqrt(2+1e8) + 1e4))},
		{name: "df 3", t: 1.5, nu: 3, want: 1 - 2/math.Pi*(math.Sqrt(0.75)/1.75+math.Atan(math.Sqrt(0.75)))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := twoSidedP(tt.t, tt.nu); math.Abs(got-tt.want) > 1e-12*tt.want {
				t.Errorf("twoSidedP(%v, %v) = %.17g, want %.17g", tt.t, tt.nu, got, tt.want)
			}
		})
	}
	if got := twoSidedP(math.NaN(), 3); !math.IsNaN(got) {
		t.Errorf("twoSidedP(NaN, 3) = %v, want NaN", got)
	}
}
