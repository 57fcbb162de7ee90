package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authbench/authbench/results"
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

// copyRunV2 is copyRun with the fixture's schema made the current one.
// The trade-off and steady fixtures are v1 files (runs from before the
// cost curve); relabelled, they are v2 runs without a cost block, which
// must render exactly as every run rendered before v2: their golden
// files predate it. TestWriteGoldenV1 renders them as the v1 files they
// are.
func copyRunV2(tb testing.TB, name string) string {
	tb.Helper()
	dir := copyRun(tb, name)
	path := filepath.Join(dir, ResultsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	b = bytes.Replace(b, []byte(`"schema": "`+results.SchemaV1+`"`), []byte(`"schema": "`+results.Schema+`"`), 1)
	if err := os.WriteFile(path, b, 0o644); err != nil {
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
		{name: "frontier: cost against measured revocation window, memory, partition", fixture: "frontier",
			wantCharts: []string{"frontier"}},
		{name: "cost curve: marginal CPU, capacity under a quota, ratios to jwt (v2)", fixture: "curve",
			wantCharts: []string{"latency-percentiles", "latency-vs-rate", "cpu-per-request", "redis-commands"}},
		{name: "cluster: every variant on one Redis and a cluster, commands per master, one master stopped", fixture: "cluster",
			wantCharts: []string{"latency-percentiles", "latency-vs-rate", "cpu-per-request", "redis-commands"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyRunV2(t, tt.fixture)
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

// TestWriteGoldenV1: a v1 steady run renders as before plus one line
// near the top saying what it lacks; a v1 trade-off run (whose kind
// never has a cost curve) renders exactly as before.
func TestWriteGoldenV1(t *testing.T) {
	for _, tt := range []struct {
		fixture string
		note    bool
	}{{"rates", true}, {"search", true}, {"store-outage", false}, {"refresh-storm", false}} {
		t.Run(tt.fixture, func(t *testing.T) {
			v1, v2 := copyRun(t, tt.fixture), copyRunV2(t, tt.fixture)
			if r, err := Load(v1); err != nil || r.Schema != results.SchemaV1 {
				t.Fatalf("fixture %s: schema %v, err %v: want a v1 file", tt.fixture, r, err)
			}
			for _, dir := range []string{v1, v2} {
				if err := Write(dir); err != nil {
					t.Fatalf("Write(%s): %v", dir, err)
				}
			}
			for _, f := range []string{MarkdownFile, HTMLFile} {
				got, _ := os.ReadFile(filepath.Join(v1, f))
				before, _ := os.ReadFile(filepath.Join(v2, f))
				if tt.fixture == "rates" {
					golden(t, "v1-rates/"+f, got)
				}
				if !tt.note {
					if !bytes.Equal(got, before) {
						t.Errorf("%s: a v1 %s run renders differently from before", f, tt.fixture)
					}
					continue
				}
				if n := strings.Count(string(got), v1Note); n != 1 {
					t.Fatalf("%s: the v1 note appears %d times, want once", f, n)
				}
				// Exactly one line more, right after the subtitle.
				gl, bl := strings.Split(string(got), "\n"), strings.Split(string(before), "\n")
				i := slices.IndexFunc(gl, func(l string) bool { return strings.Contains(l, v1Note) })
				sub := slices.IndexFunc(bl, func(l string) bool { return strings.Contains(l, "Scenario ") })
				drop := 1
				if f == MarkdownFile {
					drop = 2 // the note and its blank line
				}
				if sub < 0 || i != sub+drop {
					t.Fatalf("%s: v1 note on line %d, want it right after the subtitle (line %d)", f, i+1, sub+1)
				}
				if rest := slices.Delete(slices.Clone(gl), i, i+drop); !slices.Equal(rest, bl) {
					t.Errorf("%s: the v1 render is not the v2 render plus the note", f)
				}
			}
		})
	}
}
