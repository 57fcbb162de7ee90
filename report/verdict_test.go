package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/authbench/authbench/results"
)

// keepVariants drops every variant of r but names from its passes and
// its cost analysis; the scenario's list is left alone, so a dropped
// variant the scenario asked for is one the run is missing.
func keepVariants(r *results.Results, names ...string) {
	r.Variants = slices.DeleteFunc(r.Variants, func(v results.VariantResult) bool { return !slices.Contains(names, v.Variant) })
	if r.Cost != nil {
		r.Cost.Variants = slices.DeleteFunc(r.Cost.Variants, func(v results.VariantCost) bool { return !slices.Contains(names, v.Variant) })
	}
}

// TestVerdictGolden renders the verdict block of edited cost-curve runs
// and compares its words with testdata/golden/verdict/<case>.md.
func TestVerdictGolden(t *testing.T) {
	tests := []struct {
		name string
		edit func(*results.Results)
		// want and not are phrases the verdict must and must not say,
		// beside the golden file: what each case is about.
		want, not []string
	}{
		{name: "clear-win", edit: func(r *results.Results) {
			keepVariants(r, "jwt", "session")
			r.Scenario.Variants = []string{"jwt", "session"}
		}, want: []string{"session: capacity 0.72× jwt (95 % CI 0.71–0.72); marginal CPU per request 1.59× jwt"},
			not: []string{"no difference", "missing"}},
		{name: "inside-ci", edit: func(r *results.Results) {
			keepVariants(r, "jwt", "jwt-blacklist")
			r.Scenario.Variants = []string{"jwt", "jwt-blacklist"}
		}, want: []string{"no difference in capacity from jwt measured (0.96×, 95 % CI 0.91–1.01 includes 1)"},
			not: []string{"0.96× jwt (", "missing"}},
		{name: "generator-bound", edit: func(r *results.Results) {
			keepVariants(r, "none", "jwt")
			r.Scenario.Variants = []string{"none", "jwt"}
		}, want: []string{"capacity ≥ 5918 req/s (a lower bound: the load generator ran out first), so at least 1.43× jwt"},
			not: []string{"capacity 1.43× jwt"}},
		{name: "missing-variant", edit: func(r *results.Results) {
			keepVariants(r, "none", "jwt", "jwt-blacklist")
		}, want: []string{"session is missing from this run's cost figures: nothing is said of its cost."},
			not: []string{"session:", "session consults"}},
		{name: "missing-reference", edit: func(r *results.Results) {
			keepVariants(r, "none", "session")
		}, want: []string{"jwt is missing from this run, so costs below are relative to none.", "jwt is missing from this run's cost figures"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fixture(t, "curve")
			tt.edit(r)
			s := Summarise(r)
			v := verdictOf(verdictInputOf(s, nil))
			var b bytes.Buffer
			mdVerdict(&b, v)
			got := b.String()
			golden(t, "verdict/"+tt.name+".md", b.Bytes())
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("verdict lacks %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(got, w) {
					t.Errorf("verdict says %q", w)
				}
			}
			if t.Failed() {
				t.Logf("verdict:\n%s", got)
			}
		})
	}
}

// TestVerdictFirst: the verdict opens both formats, right after the
// title and subtitle (and a v1 run's note), before any warning.
func TestVerdictFirst(t *testing.T) {
	for _, f := range browserFixtures {
		t.Run(f, func(t *testing.T) {
			out, err := Render(fixture(t, f))
			if err != nil {
				t.Fatal(err)
			}
			md := string(out.Markdown)
			if i, j := strings.Index(md, "\n## "), strings.Index(md, "\n## Verdict\n"); i < 0 || i != j {
				t.Errorf("report.md: the first section is not the verdict")
			}
			if w := strings.Index(md, "> **⚠"); w >= 0 && w < strings.Index(md, "## Verdict") {
				t.Errorf("report.md: a warning comes before the verdict")
			}
			h := string(out.HTML)
			if i, j := strings.Index(h, "<h2"), strings.Index(h, `<section id="verdict"`); j < 0 || i < j {
				t.Errorf("report.html: the first section is not the verdict")
			}
		})
	}
}
