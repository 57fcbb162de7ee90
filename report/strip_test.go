package report

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// writeRaw writes a raw results file of n requests over du at dir/name,
// with a latency spike in the middle fifth.
func writeRaw(tb testing.TB, dir, name string, n int, du time.Duration) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	enc := vegeta.NewEncoder(f)
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		at := time.Duration(i) * du / time.Duration(n)
		lat := 400*time.Microsecond + time.Duration(i%10)*100*time.Microsecond
		if at > 2*du/5 && at < 3*du/5 {
			lat *= 20
		}
		if err := enc.Encode(&vegeta.Result{Timestamp: t0.Add(at), Latency: lat, Code: 200}); err != nil {
			tb.Fatal(err)
		}
	}
}

// TestLatencyStrips: with the raw files of the highest held rate in the
// run folder, Write adds one chart with a strip per variant whose p99
// shows the spike; without them (as in every other fixture) there is
// no strip.
func TestLatencyStrips(t *testing.T) {
	dir := stripRun(t)
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	du := time.Duration(r.Scenario.Duration)
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	svg, err := os.ReadFile(filepath.Join(dir, "chart-latency-over-time.svg"))
	if err != nil {
		t.Fatalf("no strip chart: %v", err)
	}
	if got := strings.Count(string(svg), `class="plot-area"`); got != len(r.Variants) {
		t.Errorf("%d strips, want one per variant (%d)", got, len(r.Variants))
	}
	for _, v := range r.Variants {
		if !strings.Contains(string(svg), ">"+v.Variant+"</text>") {
			t.Errorf("no strip labelled %s", v.Variant)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, MarkdownFile))
	if !strings.Contains(string(md), "(chart-latency-over-time.svg)") {
		t.Error("report.md does not link the strips")
	}
	p50, p99, err := latencySlices(filepath.Join(dir, r.Variants[0].Steps[len(r.Variants[0].Steps)-1].RawFile), stripWidth(du), time.Time{})
	if err != nil || len(p50) == 0 {
		t.Fatalf("slices: %v, %d", err, len(p50))
	}
	mid := p99[len(p99)/2]
	if first := p99[0]; mid < 10*first {
		t.Errorf("p99 mid-step %.2f ms, at the start %.2f: the spike does not show", mid, first)
	}
}

// stripRun is the rates fixture in a run folder with a raw file for
// each variant's steps at the highest held rate.
func stripRun(tb testing.TB) string {
	tb.Helper()
	dir := copyRun(tb, "rates")
	r, err := Load(dir)
	if err != nil {
		tb.Fatal(err)
	}
	top := heldRates(r)[len(heldRates(r))-1]
	du := time.Duration(r.Scenario.Duration)
	for i := range r.Variants {
		for j := range r.Variants[i].Steps {
			st := &r.Variants[i].Steps[j]
			if st.Kind == "rate" && st.Rate == top {
				st.RawFile = filepath.Join("raw", r.Variants[i].Variant+"-"+string(st.Kind)+"-"+strconv.Itoa(st.Repetition)+".gob")
				writeRaw(tb, dir, st.RawFile, 2000, du)
			}
		}
	}
	if err := r.Write(filepath.Join(dir, ResultsFile)); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// TestLatencySlicesInterleaved: an interleaved step's raw file holds its
// rate's blocks only; sliced from the attack's start, the slices before
// its first block and between its blocks are empty (NaN), not shifted
// to the front.
func TestLatencySlicesInterleaved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.gob")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	enc := vegeta.NewEncoder(f)
	start := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	for _, from := range []time.Duration{time.Second, 3 * time.Second} { // two 500 ms blocks
		for i := range 100 {
			at := from + time.Duration(i)*5*time.Millisecond
			if err := enc.Encode(&vegeta.Result{Timestamp: start.Add(at), Latency: time.Millisecond, Code: 200}); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.Close()
	w := 100 * time.Millisecond
	p50, _, err := latencySlices(path, w, start)
	if err != nil {
		t.Fatal(err)
	}
	if len(p50) != 35 {
		t.Fatalf("%d slices, want 35 (to 3.5 s from the attack's start)", len(p50))
	}
	for i, y := range p50 {
		inBlock := (i >= 10 && i < 15) || i >= 30
		if inBlock == math.IsNaN(y) {
			t.Errorf("slice %d (%.1f s): %v; want a figure only inside the blocks", i, float64(i)/10, y)
		}
	}
	// Without an origin the first slice is the first request's.
	if p50, _, _ := latencySlices(path, w, time.Time{}); len(p50) != 25 || math.IsNaN(p50[0]) {
		t.Errorf("from the first request: %d slices, first %v; want 25, a figure", len(p50), p50[0])
	}
}
