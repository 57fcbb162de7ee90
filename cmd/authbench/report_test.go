package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
