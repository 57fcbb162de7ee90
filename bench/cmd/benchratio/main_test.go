package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sample is go test -bench output in the shape the bench package writes,
// two runs, with the noise lines go test and redistest print around it.
const sample = `goos: linux
pkg: github.com/authbench/authbench/bench
BenchmarkAuthenticate/backend=jwt/alg=HS256/impl=authbench-2   100  1100 ns/op  372.0 cookie-B/op  0 redis-rt/op  3696 B/op  64 allocs/op
BenchmarkAuthenticate/backend=jwt/alg=HS256/impl=authbench-2   100  1000 ns/op  372.0 cookie-B/op  0 redis-rt/op  3696 B/op  64 allocs/op
BenchmarkAuthenticate/backend=jwt/alg=HS256/impl=raw-2         100  1000 ns/op  3696 B/op  64 allocs/op
BenchmarkAuthenticate/backend=jwt/alg=HS256/impl=raw-2         100   900 ns/op  3696 B/op  64 allocs/op
BenchmarkAuthenticate/backend=jwt/alg=HS256/impl=mapclaims-2   100  1000 ns/op  4048 B/op  84 allocs/op
BenchmarkAuthenticate/backend=session/cookie=signed/impl=authbench-2  100  50000 ns/op  21 allocs/op
BenchmarkAuthenticate/backend=session/cookie=signed/impl=raw-2        100  40000 ns/op   7 allocs/op
BenchmarkAuthenticate/backend=session/cookie=unsigned/impl=scs-2      100  60000 ns/op 203 allocs/op
--- BENCH: BenchmarkAuthenticate
    fixture_test.go:1: redistest: local redis-server 7.0.15
BenchmarkServeMe/backend=none-2        100  1000 ns/op  14 allocs/op
BenchmarkServeMe/backend=jwt/alg=HS256-2  100  4000 ns/op  78 allocs/op
PASS
`

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		bench   string
		unit    string
		want    float64
		wantOK  bool
		wantErr bool
	}{
		{name: "median of two runs", input: sample, bench: "BenchmarkAuthenticate/backend=jwt/alg=HS256/impl=authbench", unit: "ns/op", want: 1050, wantOK: true},
		{name: "custom metric", input: sample, bench: "BenchmarkAuthenticate/backend=jwt/alg=HS256/impl=authbench", unit: "cookie-B/op", want: 372, wantOK: true},
		{name: "missing unit", input: sample, bench: "BenchmarkAuthenticate/backend=jwt/alg=HS256/impl=raw", unit: "cookie-B/op", wantOK: false},
		{name: "log lines skipped", input: "BenchmarkX is slow\nBenchmarkY-2 10 5 ns/op\n", bench: "BenchmarkY", unit: "ns/op", want: 5, wantOK: true},
		{name: "bad value", input: "BenchmarkY-2 10 fast ns/op\n", wantErr: true},
		{name: "odd fields", input: "BenchmarkY-2 10 5 ns/op 7\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := parse(strings.NewReader(tt.input))
			if (err != nil) != tt.wantErr {
				t.Fatalf("parse: error %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			got, ok := res.median(tt.bench, tt.unit)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("median(%s, %s) = %v, %v; want %v, %v", tt.bench, tt.unit, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestReport(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	missed := report(&out, res)
	// jwt: ours/raw 1050/950 = 1.11 ok; ours/mapclaims 1.05 ns MISS,
	// allocs 64/84 ok. session signed: ours/raw 1.25 MISS; vs scs (found
	// under cookie=unsigned) 0.83 ok, allocs ok.
	if missed != 2 {
		t.Errorf("report missed %d targets, want 2; output:\n%s", missed, out.String())
	}
	for _, want := range []string{
		"Authenticate/backend=jwt/alg=HS256|",
		"1.11x|",
		"1.05x|",
		"1.25x|",
		"0.83x|",
		"6 targets checked, 2 missed.",
		"ServeMe/backend=jwt/alg=HS256|",
		"75%|",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q; output:\n%s", want, out.String())
		}
	}
}

func TestRunFile(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.txt")
	if err := os.WriteFile(empty, []byte("PASS\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.txt")
	if err := os.WriteFile(good, []byte(sample), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    string
		wantErr error
		wantAny bool // any error at all
	}{
		{name: "results", path: good},
		{name: "no results", path: empty, wantErr: errNoResults, wantAny: true},
		{name: "missing file", path: filepath.Join(dir, "nope.txt"), wantErr: os.ErrNotExist, wantAny: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runFile(&strings.Builder{}, tt.path)
			if (err != nil) != tt.wantAny || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Fatalf("runFile(%s): error %v, want %v", tt.path, err, tt.wantErr)
			}
		})
	}
}
