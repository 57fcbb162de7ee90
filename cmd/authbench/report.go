package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/authbench/authbench/report"
)

// runReport renders report.md and report.html into each run folder from
// its results.json, or with --compare renders how NEW differs from OLD.
func runReport(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("report", `Usage: authbench report [RUN-DIR…]
       authbench report --compare OLD-RUN-DIR NEW-RUN-DIR

Writes report.md, report.html and chart-*.svg into each run folder from its
results.json (default: results/latest). With --compare, prints how NEW
differs from OLD per variant and figure, marking differences larger than
the runs' own spread, and writes it to NEW/compare.md.`, stdout)
	compare := fs.Bool("compare", false, "compare two runs: OLD NEW")
	if err := parseFlagsAndArgs(fs, args); err != nil {
		return err
	}
	dirs := fs.Args()
	if *compare {
		if len(dirs) != 2 {
			return usageError{cmd: "report", err: fmt.Errorf("--compare needs two run folders, OLD and NEW; got %d", len(dirs))}
		}
		md, err := report.CompareDirs(dirs[0], dirs[1])
		if err != nil {
			return err
		}
		_, err = stdout.Write(md)
		return err
	}
	if len(dirs) == 0 {
		dirs = []string{filepath.Join("results", "latest")}
	}
	for _, d := range dirs {
		if err := report.Write(d); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "authbench report: wrote %s and %s\n", filepath.Join(d, report.MarkdownFile), filepath.Join(d, report.HTMLFile))
	}
	return nil
}
