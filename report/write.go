package report

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/authbench/authbench/results"
)

// File names written into a run's folder.
const (
	MarkdownFile = "report.md"
	HTMLFile     = "report.html"
	CompareFile  = "compare.md"
)

// Rendered is a run's report in both formats, with its charts.
type Rendered struct {
	Markdown []byte
	HTML     []byte
	// Charts are linked from Markdown (as Chart.File()) and inlined in
	// HTML, in the order they appear.
	Charts []Chart
}

// Render renders r without touching the disk: everything but the
// latency-over-time strips, which read the run's raw files (Write).
func Render(r *results.Results) (*Rendered, error) { return render(r, "") }

// render renders r; dir, when given, is its run folder, where the raw
// files the strips are drawn from may be.
func render(r *results.Results, dir string) (*Rendered, error) {
	s := Summarise(r)
	var charts []Chart
	if kindReportOf(s.Kind).steady {
		var err error
		if charts, err = Charts(s); err != nil {
			return nil, fmt.Errorf("report %s: %w", r.RunID, err)
		}
		if dir != "" {
			strips, err := latencyStrips(dir, r)
			if err != nil {
				return nil, fmt.Errorf("report %s: %w", r.RunID, err)
			}
			charts = append(charts, strips...)
		}
	}
	sections, err := sectionsOf(s)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", r.RunID, err)
	}
	d := build(s, charts, sections)
	for _, sec := range sections {
		charts = append(charts, sec.Charts...)
	}
	h, err := htmlPage(d)
	if err != nil {
		return nil, fmt.Errorf("report %s: html: %w", r.RunID, err)
	}
	return &Rendered{Markdown: markdown(d), HTML: h, Charts: charts}, nil
}

// Write renders runDir/results.json into runDir/report.md, report.html
// and one chart-*.svg per chart. The load-test runner calls it at the end
// of every run; "authbench report" calls it for existing runs.
func Write(runDir string) error {
	r, err := Load(runDir)
	if err != nil {
		return err
	}
	out, err := render(r, runDir)
	if err != nil {
		return err
	}
	for _, c := range out.Charts {
		if err := writeFile(filepath.Join(runDir, c.File()), c.SVG); err != nil {
			return err
		}
	}
	if err := writeFile(filepath.Join(runDir, MarkdownFile), out.Markdown); err != nil {
		return err
	}
	return writeFile(filepath.Join(runDir, HTMLFile), out.HTML)
}

// writeFile writes via a temporary file so a reader never sees half a
// report.
func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
