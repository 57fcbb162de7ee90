package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/authbench/authbench/merge"
	"github.com/authbench/authbench/report"
)

// runReport renders report.md and report.html into each run folder from
// its results.json, or with --compare renders how NEW differs from OLD.
func runReport(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("report", `Usage: authbench report [RUN-DIR…]
       authbench report --compare OLD-RUN-DIR NEW-RUN-DIR
       authbench report --merge [-o OUT] RUN-DIR RUN-DIR…

Writes report.md, report.html and chart-*.svg into each run folder from its
results.json (default: results/latest). With --compare, prints how NEW
differs from OLD per variant and figure, marking differences larger than
the runs' own spread, and writes it to NEW/compare.md. With --merge,
combines the runs of several generators that drove one server at once
(loadtest --target URL --generator NAME) into one run in OUT, from their
raw results: rates add up, percentiles are over every request, and the
generators' start offsets are stated; then renders its report.`, stdout)
	compare := fs.Bool("compare", false, "compare two runs: OLD NEW")
	merged := fs.Bool("merge", false, "merge the runs of several generators into one run in -o")
	out := fs.String("o", "", "with --merge: the merged run's `dir` (default results/<UTC time>-merged)")
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
	if *merged {
		return mergeRuns(*out, dirs, stdout)
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

// mergeRuns merges the generators' runs in dirs into out and renders its
// report.
func mergeRuns(out string, dirs []string, stdout io.Writer) error {
	if len(dirs) < 2 {
		return usageError{cmd: "report", err: fmt.Errorf("--merge needs two or more run folders; got %d", len(dirs))}
	}
	if out == "" {
		out = filepath.Join("results", time.Now().UTC().Format("2006-01-02T150405Z")+"-merged")
	}
	m, err := merge.Dirs(out, dirs)
	if err != nil {
		return err
	}
	for _, n := range m.Notes {
		fmt.Fprintln(stdout, "note:", n)
	}
	if err := report.Write(out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "authbench report: merged %d runs into %s; wrote %s and %s\n", len(dirs), out, filepath.Join(out, report.MarkdownFile), filepath.Join(out, report.HTMLFile))
	return nil
}
