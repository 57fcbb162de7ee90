package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// copyRun copies testdata/<name>/results.json into a fresh run folder.
func copyRun(tb testing.TB, name string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name, ResultsFile))
	if err != nil {
		tb.Fatal(err)
	}
	dir := filepath.Join(tb.TempDir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ResultsFile), b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// golden compares got with testdata/golden/<name>, or rewrites it with
// -update.
func golden(tb testing.TB, name string, got []byte) {
	tb.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("%s differs from the golden file (go test ./report -update rewrites it; review the diff)\n--- got (first 2000 bytes):\n%.2000s", path, got)
	}
}

func TestWriteGolden(t *testing.T) {
	tests := []struct {
		name       string
		fixture    string
		wantCharts []string
	}{
		{name: "held rates, three repetitions, real Redis", fixture: "rates",
			wantCharts: []string{"latency-percentiles", "latency-vs-rate", "cpu-per-request", "redis-commands"}},
		{name: "max-rate search, embedded unmeasured Redis", fixture: "search",
			wantCharts: []string{"latency-percentiles", "latency-vs-rate", "cpu-per-request"}},
		{name: "store latency: rates and search per added round trip", fixture: "store-latency",
			wantCharts: []string{"store-latency-p99", "store-latency-max-rate"}},
		{name: "store outage: fail-closed, recovery, health", fixture: "store-outage",
			wantCharts: []string{"store-outage-timeline"}},
		{name: "revocation: window per variant and action", fixture: "revocation",
			wantCharts: []string{"revocation-window"}},
		{name: "scale-out: round-robin and sticky on 1, 2, 4 instances", fixture: "scale-out",
			wantCharts: []string{"scale-out-cpu", "scale-out-redis"}},
		{name: "refresh storm: cost per refresh and /api/me around it", fixture: "refresh-storm",
			wantCharts: []string{"refresh-storm-me-p99"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyRun(t, tt.fixture)
			if err := Write(dir); err != nil {
				t.Fatalf("Write(%s): %v", dir, err)
			}
			for _, f := range []string{MarkdownFile, HTMLFile} {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				golden(t, tt.fixture+"/"+f, b)
			}
			md, _ := os.ReadFile(filepath.Join(dir, MarkdownFile))
			html, _ := os.ReadFile(filepath.Join(dir, HTMLFile))
			for _, c := range tt.wantCharts {
				svg, err := os.ReadFile(filepath.Join(dir, "chart-"+c+".svg"))
				if err != nil {
					t.Errorf("chart %s not written: %v", c, err)
					continue
				}
				if !bytes.Contains(svg, []byte("<svg")) {
					t.Errorf("chart %s is not SVG", c)
				}
				if !bytes.Contains(md, []byte("(chart-"+c+".svg)")) {
					t.Errorf("report.md does not link chart-%s.svg", c)
				}
				if !bytes.Contains(html, []byte(`id="chart-`+c+`"`)) {
					t.Errorf("report.html does not inline chart %s", c)
				}
			}
			matches, _ := filepath.Glob(filepath.Join(dir, "chart-*.svg"))
			if got, want := len(matches), len(tt.wantCharts); got != want {
				t.Errorf("%d chart files, want %d: %v", got, want, matches)
			}
		})
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	r, err := Load(filepath.Join("testdata", "rates"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := Render(r)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Render(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.HTML, b.HTML) || !bytes.Equal(a.Markdown, b.Markdown) {
		t.Error("two renders of the same results differ")
	}
}
