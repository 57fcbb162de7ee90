package report

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/authbench/authbench/results"
)

// README's figures are generated from the reference run kept in
// results/example/ (make readme-figures rewrites them; a test fails when
// they disagree), so the figures README quotes are always a run's, with
// the machine they came from.

// Markers around README's generated figures.
const (
	FiguresBegin = "<!-- figures:begin: generated from results/example/results.json by `make readme-figures`; do not edit by hand -->"
	FiguresEnd   = "<!-- figures:end -->"
)

// ErrNoFigureMarkers is returned when a README lacks the markers.
var ErrNoFigureMarkers = errors.New("README has no " + FiguresBegin + " … " + FiguresEnd + " block")

// ReadmeFigures is the block README shows for the run r: the machine
// line, one table row per variant (capacity, marginal CPU and their
// ratios to the reference, each with its interval; the saturated CPU
// per request and its ratio where the run has them), and what holds
// across machines, in the verdict's words. reportLink is where the
// run's report is, relative to README.
func ReadmeFigures(r *results.Results, reportLink string) string {
	var b strings.Builder
	e := r.Environment
	kernel := e.Kernel
	if e.CPUIdle != "" {
		kernel += " (cpuidle " + e.CPUIdle + ")"
	}
	fmt.Fprintf(&b, "Measured on %s, %d cores, kernel %s, %s, %s (%s wall time), commit %s; [the report](%s) has every figure.\n\n",
		e.CPUModel, e.Cores, kernel, e.GoVersion, r.Started.UTC().Format("2006-01-02"), r.Finished.Sub(r.Started).Round(1e9), e.GitCommit, reportLink)
	ca := r.Cost
	if ca == nil {
		b.WriteString("This run has no cost curve: no figures to show.\n")
		return b.String()
	}
	ref, lv := costRef(ca), levelText(ca.Level)
	head := []string{"variant", "capacity req/s under " + quotaText(ca) + " [" + lv + " CI]", "marginal server µs/req [" + lv + " CI]"}
	if ref != "" {
		head = append(head, "capacity ÷ "+ref+" ["+lv+" CI]", "marginal CPU ÷ "+ref+" ["+lv+" CI]")
	}
	sat := hasSaturation(ca)
	if sat {
		head = append(head, "saturated server µs/req ["+lv+" CI]")
		if ref != "" {
			head = append(head, "saturated µs/req ÷ "+ref+" ["+lv+" CI]")
		}
	}
	t := table{Head: head}
	for _, v := range ca.Variants {
		capCell := "—"
		if c := v.Capacity; c != nil && c.Rate.N > 0 {
			capCell = capacityCell(c, c.Rate) + " [" + span(c.Rate.Lo, c.Rate.Hi, 0) + "]"
		}
		row := []string{v.Variant, capCell, ivCell(v.ServerMarginal, 1e6, 1)}
		if ref != "" {
			row = append(row, refRatioCells(v, ref, func(r results.Ratio) []*results.Interval { return []*results.Interval{r.Capacity, r.Marginal} })...)
		}
		if sat {
			cell := "—"
			if s := v.Saturation; s != nil {
				cell = ivCell(s.ServerCPU, 1e6, 1)
			}
			row = append(row, cell)
			if ref != "" {
				row = append(row, refRatioCells(v, ref, func(r results.Ratio) []*results.Interval { return []*results.Interval{r.SaturatedCPU} })...)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	var tb bytes.Buffer
	mdTable(&tb, t)
	b.Write(tb.Bytes())
	b.WriteString("**Figures differ between machines**: a faster or quieter one gives other numbers. What holds across machines is the ratios and orderings, with their CIs:")
	for _, c := range costClaims(verdictInputOf(Summarise(r), nil)) {
		if strings.HasPrefix(c.Text, ref+", the reference:") {
			continue // absolute figures, the table's
		}
		b.WriteString(" " + c.Text)
	}
	b.WriteString("\n")
	return b.String()
}

// ReplaceFigures puts figures between readme's markers.
func ReplaceFigures(readme []byte, figures string) ([]byte, error) {
	i := bytes.Index(readme, []byte(FiguresBegin))
	j := bytes.Index(readme, []byte(FiguresEnd))
	if i < 0 || j < i {
		return nil, ErrNoFigureMarkers
	}
	var out bytes.Buffer
	out.Write(readme[:i+len(FiguresBegin)])
	out.WriteString("\n\n" + figures + "\n")
	out.Write(readme[j:])
	return out.Bytes(), nil
}
