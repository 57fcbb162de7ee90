package jwtauth

import (
	"errors"
	"testing"

	"github.com/authbench/authbench"
)

// benchLoop is the common preamble of the benchmarks.
func benchLoop(b *testing.B) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
}

// BenchmarkParse is the CPU cost of verifying one access token, per
// algorithm: the whole per-request cost of the stateless variant.
func BenchmarkParse(b *testing.B) {
	for _, alg := range algs {
		b.Run(alg, func(b *testing.B) {
			be := newTestBackend(b, "jwt", testKeys(b, alg), newClock(), nil)
			tok := login(b, be, "user-42").access.Value
			b.ReportMetric(float64(len(tok)), "token-bytes")
			benchLoop(b)
			for b.Loop() {
				if _, err := be.Parse(tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAuthenticate is the whole per-request cost, cookie to
// identity, per variant (HS256): the blacklist variant adds one MGET.
func BenchmarkAuthenticate(b *testing.B) {
	for _, variant := range variants {
		b.Run(variant, func(b *testing.B) {
			be := newTestBackend(b, variant, testKeys(b, AlgHS256), newClock(), nil)
			r := accessReq(login(b, be, "user-42").access.Value)
			benchLoop(b)
			for b.Loop() {
				if _, err := be.Authenticate(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzParse feeds arbitrary strings to Parse: it must never panic, and
// every failure must wrap ErrUnauthenticated or ErrExpired.
func FuzzParse(f *testing.F) {
	clk := newClock()
	be := newTestBackend(f, "jwt", testKeys(f, AlgHS256), clk, nil)
	cr := login(f, be, "user-42")
	for _, seed := range []string{cr.access.Value, cr.refresh.Value, "", "a.b.c", "..", "eyJhbGciOiJub25lIn0.e30."} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := be.Parse(token)
		if err != nil {
			if !errors.Is(err, authbench.ErrUnauthenticated) && !errors.Is(err, authbench.ErrExpired) {
				t.Fatalf("Parse(%q): error %v wraps no expected sentinel", token, err)
			}
			return
		}
		if c.Use != UseAccess || c.Subject == "" {
			t.Fatalf("Parse(%q) accepted claims %+v", token, c)
		}
	})
}
