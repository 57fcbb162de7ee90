package report_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/authbench/authbench/report"
)

// Write renders a run folder's results.json into report.md, report.html
// and the charts beside them; the load-test runner calls it after every
// run.
func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "run")
	defer os.RemoveAll(dir)
	b, _ := os.ReadFile(filepath.Join("testdata", "rates", report.ResultsFile))
	_ = os.WriteFile(filepath.Join(dir, report.ResultsFile), b, 0o644)

	if err := report.Write(dir); err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range []string{report.MarkdownFile, report.HTMLFile, "chart-latency-percentiles.svg", "chart-cpu-per-request.svg"} {
		_, err := os.Stat(filepath.Join(dir, f))
		fmt.Println(f, err == nil)
	}
	// Output:
	// report.md true
	// report.html true
	// chart-latency-percentiles.svg true
	// chart-cpu-per-request.svg true
}
