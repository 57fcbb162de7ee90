package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authbench/authbench/raw"
	"github.com/authbench/authbench/results"
)

// fixtureRun copies a report fixture's results.json into a run folder.
func fixtureRun(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "report", "testdata", name, "results.json"))
	if err != nil {
		tb.Fatal(err)
	}
	dir := filepath.Join(tb.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}

func TestReportCommand(t *testing.T) {
	old, nw := fixtureRun(t, "rates"), fixtureRun(t, "rates-new")
	tests := []struct {
		name      string
		args      []string
		wantUsage bool   // a usageError (exit 2)
		wantErr   string // part of the error
		wantOut   string // part of stdout
		wantFiles []string
	}{
		{name: "one run", args: []string{old}, wantOut: "wrote " + filepath.Join(old, "report.md"), wantFiles: []string{filepath.Join(old, "report.md"), filepath.Join(old, "report.html")}},
		{name: "compare", args: []string{"--compare", old, nw}, wantOut: "| session | Redis CPU µs/req |", wantFiles: []string{filepath.Join(nw, "compare.md")}},
		{name: "compare needs two", args: []string{"--compare", old}, wantUsage: true, wantErr: "two run folders"},
		{name: "bad flag", args: []string{"--nope"}, wantUsage: true, wantErr: "nope"},
		{name: "missing run", args: []string{filepath.Join(old, "missing")}, wantErr: "results.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"report"}, tt.args...), &stdout, &stderr)
			if (err != nil) != (tt.wantErr != "") {
				t.Fatalf("err = %v, want error containing %q", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			var u usageError
			if got := errors.As(err, &u); got != tt.wantUsage {
				t.Errorf("usage error = %t, want %t (err %v)", got, tt.wantUsage, err)
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", stdout.String(), tt.wantOut)
			}
			for _, f := range tt.wantFiles {
				if st, err := os.Stat(f); err != nil || st.Size() == 0 {
					t.Errorf("%s not written: %v", f, err)
				}
			}
		})
	}
}

// generatorRun writes the run folder of one generator of a merge: one
// jwt step of 50 requests at 50/s, its raw results beside it.
func generatorRun(tb testing.TB, name string, start time.Time) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), name)
	if err := os.MkdirAll(filepath.Join(dir, "raw"), 0o755); err != nil {
		tb.Fatal(err)
	}
	rs := make([]vegeta.Result, 50)
	for i := range rs {
		rs[i] = vegeta.Result{Attack: name, Seq: uint64(i), Code: 200, Timestamp: start.Add(time.Duration(i) * 20 * time.Millisecond),
			Latency: time.Duration(i+1) * time.Millisecond, Method: "GET", URL: "http://127.0.0.1:1/api/me?vu=1"}
	}
	rawFile := filepath.Join("raw", "jwt-01-rate-r1-50.gob")
	if err := raw.Write(filepath.Join(dir, rawFile), rs); err != nil {
		tb.Fatal(err)
	}
	all, routes := raw.Of(rs)
	res := &results.Results{Schema: results.Schema, RunID: name, Generator: name, Kind: results.KindSteady,
		Started: start, Finished: start.Add(time.Second), Notes: []string{},
		Scenario: results.Scenario{Name: "mini", Variants: []string{"jwt"}, Rates: []float64{50}, Duration: results.Duration(time.Second), Repetitions: 1},
		Target:   results.TargetInfo{Mode: "external", URL: "http://127.0.0.1:1"},
		Variants: []results.VariantResult{{Variant: "jwt", Steps: []results.Step{{Kind: results.StepRate, Repetition: 1, Index: 1,
			Rate: 50, Duration: time.Second, Started: start, Wall: time.Second, All: all, Routes: routes, RawFile: rawFile}}}},
	}
	if err := res.Write(filepath.Join(dir, "results.json")); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// TestReportMerge: report --merge combines generators' runs into one run
// and its report; a bad folder is named in the error.
func TestReportMerge(t *testing.T) {
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	g1, g2 := generatorRun(t, "g1", start), generatorRun(t, "g2", start.Add(5*time.Millisecond))
	noRaw := generatorRun(t, "g3", start)
	if err := os.Remove(filepath.Join(noRaw, "raw", "jwt-01-rate-r1-50.gob")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "merged")
	tests := []struct {
		name      string
		args      []string
		wantUsage bool
		wantErr   string
		wantOut   string
	}{
		{name: "two generators", args: []string{"--merge", "-o", out, g1, g2}, wantOut: "merged 2 runs into " + out},
		{name: "needs two", args: []string{"--merge", "-o", out, g1}, wantUsage: true, wantErr: "two or more run folders"},
		{name: "bad dir", args: []string{"--merge", "-o", out, g1, filepath.Join(g1, "nope")}, wantErr: filepath.Join(g1, "nope", "results.json")},
		{name: "raw missing", args: []string{"--merge", "-o", out, g1, noRaw}, wantErr: "jwt step 1: " + noRaw + ": raw results unavailable"},
		{name: "over a part", args: []string{"--merge", "-o", g1, g1, g2}, wantErr: "output " + g1 + " is one of the runs merged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"report"}, tt.args...), &stdout, &stderr)
			if (err != nil) != (tt.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want error containing %q", err, tt.wantErr)
			}
			var u usageError
			if got := errors.As(err, &u); got != tt.wantUsage {
				t.Errorf("usage error = %t, want %t (err %v)", got, tt.wantUsage, err)
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", stdout.String(), tt.wantOut)
			}
		})
	}
	m, err := results.Load(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	st := m.Variants[0].Steps[0]
	if st.All.Requests != 100 || st.Rate != 100 || len(m.Generators) != 2 || m.Generators[1].Offset != 5*time.Millisecond {
		t.Errorf("merged step: %d requests at %v/s, generators %+v", st.All.Requests, st.Rate, m.Generators)
	}
	if _, err := os.Stat(filepath.Join(out, "report.md")); err != nil {
		t.Errorf("no report: %v", err)
	}
}
