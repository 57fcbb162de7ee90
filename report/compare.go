package report

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/authbench/authbench/results"
)

// figure is one comparable figure of a variant.
type figure struct {
	name string
	prec int
	get  func(*VariantSummary) Stat
}

// figures lists what Compare compares, per variant; latency at each held
// rate is added per run.
func figures(rates []float64) []figure {
	ref := func(f func(*Point) Stat) func(*VariantSummary) Stat {
		return func(v *VariantSummary) Stat {
			if v.Ref == nil {
				return Stat{}
			}
			return f(v.Ref)
		}
	}
	fs := []figure{
		{"server CPU µs/req", 1, ref(func(p *Point) Stat { return p.ServerCPU })},
		{"Redis CPU µs/req", 1, ref(func(p *Point) Stat { return p.RedisCPU })},
		{"server+Redis µs/req", 1, ref(func(p *Point) Stat { return p.TotalCPU })},
		{"Redis cmds/req", 2, ref(func(p *Point) Stat { return p.RedisCmds })},
	}
	for _, rate := range rates {
		at := func(f func(*Point) Stat) func(*VariantSummary) Stat {
			return func(v *VariantSummary) Stat {
				for i := range v.Held {
					if v.Held[i].Rate == rate {
						return f(&v.Held[i])
					}
				}
				return Stat{}
			}
		}
		r := num(rate, 0)
		fs = append(fs,
			figure{"p50 ms at " + r + " req/s", 2, at(func(p *Point) Stat { return p.P50 })},
			figure{"p99 ms at " + r + " req/s", 2, at(func(p *Point) Stat { return p.P99 })})
	}
	fs = append(fs,
		figure{"max rate req/s", 0, func(v *VariantSummary) Stat { return v.MaxRate }},
		figure{"Redis B/user", 0, func(v *VariantSummary) Stat { return v.RedisBytesPerUser }})
	return fs
}

// Compare renders, as Markdown, how NEW differs from OLD per variant and
// figure, and marks the differences larger than both runs' own spread
// (their min–max ranges do not overlap).
func Compare(old, new *results.Results) []byte {
	so, sn := Summarise(old), Summarise(new)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# authbench comparison: %s → %s\n\n", old.RunID, new.RunID)
	fmt.Fprintf(&b, "OLD %s: %s; Redis %s; %d repetitions.  \n", old.RunID, old.Environment.CPUModel, old.Redis.Label, old.Scenario.Repetitions)
	fmt.Fprintf(&b, "NEW %s: %s; Redis %s; %d repetitions.\n\n", new.RunID, new.Environment.CPUModel, new.Redis.Label, new.Scenario.Repetitions)
	for _, w := range comparability(old, new) {
		fmt.Fprintf(&b, "> **⚠ %s**\n\n", w)
	}
	rates := slices.Clone(so.HeldRates)
	for _, r := range sn.HeldRates {
		if !slices.Contains(rates, r) {
			rates = append(rates, r)
		}
	}
	slices.Sort(rates)
	t := table{Head: []string{"variant", "figure", "OLD", "NEW", "Δ", "Δ %", "beyond spread?"}}
	exceeded := 0
	for _, vn := range sn.Variants {
		vo := so.Variant(vn.Name)
		if vo == nil {
			t.Rows = append(t.Rows, []string{vn.Name, "(all)", "not run", "run", "", "", ""})
			continue
		}
		for _, f := range figures(rates) {
			a, c := f.get(vo), f.get(&vn)
			if !a.Ok() && !c.Ok() {
				continue
			}
			d, pct, verdict := "—", "—", "—"
			if a.Ok() && c.Ok() {
				d = delta(c, a, f.prec)
				if a.Median != 0 {
					pct = delta(Stat{Median: 100 * (c.Median - a.Median) / a.Median, N: 1}, Stat{N: 1}, 1) + "%"
				}
				switch {
				case a.Disjoint(c):
					verdict = "**yes**"
					exceeded++
				case a.Spread() && c.Spread():
					verdict = "no"
				default:
					verdict = "n/a (one repetition)"
				}
			}
			t.Rows = append(t.Rows, []string{vn.Name, f.name, a.Format(f.prec), c.Format(f.prec), d, pct, verdict})
		}
	}
	for _, vo := range so.Variants {
		if sn.Variant(vo.Name) == nil {
			t.Rows = append(t.Rows, []string{vo.Name, "(all)", "run", "not run", "", "", ""})
		}
	}
	t.Notes = append(t.Notes, "Cells are median (min–max) over repetitions. \"beyond spread\" is yes when the two runs' min–max ranges do not overlap: only then is the difference larger than either run's own variation.")
	mdTable(&b, t)
	fmt.Fprintf(&b, "%d difference(s) beyond both runs' spread.\n", exceeded)
	return b.Bytes()
}

// comparability warns about differences that make two runs' figures
// incomparable, whatever the numbers say.
func comparability(old, new *results.Results) []string {
	var w []string
	if old.Environment.CPUModel != new.Environment.CPUModel || old.Environment.Cores != new.Environment.Cores {
		w = append(w, fmt.Sprintf("different machines: %s × %d vs %s × %d", old.Environment.CPUModel, old.Environment.Cores, new.Environment.CPUModel, new.Environment.Cores))
	}
	if old.Redis.Kind != new.Redis.Kind || old.Redis.Embedded != new.Redis.Embedded {
		w = append(w, fmt.Sprintf("different Redis: %s vs %s", old.Redis.Label, new.Redis.Label))
	}
	if old.BcryptCost != new.BcryptCost {
		w = append(w, fmt.Sprintf("different bcrypt cost: %d vs %d", old.BcryptCost, new.BcryptCost))
	}
	if old.Pinning.Applied != new.Pinning.Applied {
		w = append(w, fmt.Sprintf("pinning applied in one run only (OLD %t, NEW %t)", old.Pinning.Applied, new.Pinning.Applied))
	}
	if ko, kn := kindOf(old), kindOf(new); ko != kn {
		w = append(w, fmt.Sprintf("different scenario kinds: %s vs %s", ko, kn))
	} else if _, baseline := baselineFilter(new); baseline != "" {
		w = append(w, fmt.Sprintf("%s runs: figures are compared at %s only; each run's report has the rest", kn, baseline))
	}
	oc, nc := old.Scenario, new.Scenario
	if oc.Users != nc.Users || oc.Mix != nc.Mix || oc.Duration != nc.Duration || oc.Backend.Alg != nc.Backend.Alg {
		w = append(w, "different scenarios (users, mix, step duration or JWT algorithm)")
	}
	return w
}

// CompareDirs loads OLD and NEW run folders, writes the comparison to
// NEW/compare.md and returns it.
func CompareDirs(oldDir, newDir string) ([]byte, error) {
	old, err := Load(oldDir)
	if err != nil {
		return nil, err
	}
	nw, err := Load(newDir)
	if err != nil {
		return nil, err
	}
	md := Compare(old, nw)
	if err := writeFile(filepath.Join(newDir, CompareFile), md); err != nil {
		return nil, err
	}
	return md, nil
}
