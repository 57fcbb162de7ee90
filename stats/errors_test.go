package stats

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestSentinelsDistinct(t *testing.T) {
	all := []error{ErrTooFewPoints, ErrNoSpread, ErrLengthMismatch, ErrNotFinite, ErrNonPositiveMean, ErrInvalidArgument}
	for i, a := range all {
		if !strings.HasPrefix(a.Error(), "stats: ") {
			t.Errorf("%q does not start with the package name", a)
		}
		for j, b := range all {
			if got, want := errors.Is(a, b), i == j; got != want {
				t.Errorf("errors.Is(%q, %q) = %v, want %v", a, b, got, want)
			}
		}
	}
}

func TestCheckFinite(t *testing.T) {
	tests := []struct {
		name    string
		xs      []float64
		wantErr bool
		wantMsg string
	}{
		{name: "empty", xs: nil},
		{name: "finite", xs: []float64{-1e308, 0, 1e308}},
		{name: "NaN", xs: []float64{1, math.NaN()}, wantErr: true, wantMsg: "xs[1] is NaN"},
		{name: "+Inf", xs: []float64{math.Inf(1)}, wantErr: true, wantMsg: "xs[0] is +Inf"},
		{name: "-Inf", xs: []float64{0, 0, math.Inf(-1)}, wantErr: true, wantMsg: "xs[2] is -Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkFinite("xs", tt.xs)
			if got := err != nil; got != tt.wantErr {
				t.Fatalf("checkFinite(%v) = %v, want error %v", tt.xs, err, tt.wantErr)
			}
			if err != nil && (!errors.Is(err, ErrNotFinite) || !strings.Contains(err.Error(), tt.wantMsg)) {
				t.Errorf("checkFinite(%v) = %q, want ErrNotFinite naming %q", tt.xs, err, tt.wantMsg)
			}
		})
	}
}

func TestCheckLevel(t *testing.T) {
	tests := []struct {
		name    string
		level   float64
		wantErr bool
	}{
		{name: "95%", level: 0.95},
		{name: "tiny", level: 1e-9},
		{name: "zero", level: 0, wantErr: true},
		{name: "one", level: 1, wantErr: true},
		{name: "percent by mistake", level: 95, wantErr: true},
		{name: "NaN", level: math.NaN(), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkLevel(tt.level)
			if got := err != nil; got != tt.wantErr {
				t.Fatalf("checkLevel(%v) = %v, want error %v", tt.level, err, tt.wantErr)
			}
			if err != nil && (!errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "level")) {
				t.Errorf("checkLevel(%v) = %q, want ErrInvalidArgument naming level", tt.level, err)
			}
		})
	}
}
