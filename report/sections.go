package report

import (
	"fmt"
	"image/color"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/authbench/authbench/results"
)

// section is one trade-off scenario's part of the report: what the
// article's claim looks like in this run's figures. Its warnings are
// repeated at the top of the report, so a reader who reads nothing else
// still sees them.
type section struct {
	// ID is the HTML anchor: the scenario kind.
	ID    string
	Title string
	// Warnings are loud: a figure that contradicts what the variant
	// promises, or a measurement that did not happen.
	Warnings []string
	Tables   []table
	// Findings are the figures in plain words, 2–4 sentences computed
	// from the tables' figures.
	Findings []string
	Charts   []Chart
}

// sectionsOf builds the section of s's kind; a steady run has none.
func sectionsOf(s *Summary) ([]section, error) {
	mk := kindReportOf(s.Kind).section
	if mk == nil {
		return nil, nil
	}
	sec, err := mk(s)
	if err != nil {
		return nil, fmt.Errorf("%s section: %w", s.Kind, err)
	}
	return []section{sec}, nil
}

// chartOf renders p as the chart name; a nil p (nothing to draw) gives
// no chart.
func chartOf(name, title string, p *plot.Plot, err error) ([]Chart, error) {
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", name, err)
	}
	if p == nil {
		return nil, nil
	}
	svg, err := renderSVG(p)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", name, err)
	}
	return []Chart{{Name: name, Title: title, SVG: svg}}, nil
}

// addVariantLine draws one variant's line in its colour; a sticky pass
// is dashed, so it reads as the same variant routed differently.
// variantLines draws one line per variant pass from points and readies
// the axes; it returns nil when no pass has a point (no chart at all).
// Each point carries its min–max over repetitions as whiskers.
func variantLines(p *plot.Plot, r *results.Results, points func(results.VariantResult) whiskers) (*plot.Plot, error) {
	hi, any := 0.0, false
	for _, v := range r.Variants {
		w := points(v)
		if len(w.XYs) == 0 {
			continue
		}
		for i, xy := range w.XYs {
			hi = math.Max(hi, xy.Y+w.hi[i])
		}
		if err := addVariantLine(p, v, w.XYs); err != nil {
			return nil, err
		}
		if err := addWhiskers(p, w, colorOf(v.Variant)); err != nil {
			return nil, err
		}
		any = true
	}
	if !any {
		return nil, nil
	}
	p.X.Min = 0
	legendRoom(p, hi, len(r.Variants))
	return p, nil
}

func addVariantLine(p *plot.Plot, v results.VariantResult, xys plotter.XYs) error {
	return addVariantLineDots(p, v, xys, true)
}

// addVariantLineDots is addVariantLine with or without a dot per point.
func addVariantLineDots(p *plot.Plot, v results.VariantResult, xys plotter.XYs, dots bool) error {
	l, pts, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	if !dots {
		pts.Radius = 0
	}
	st := variantStyle(v.Variant)
	l.Color, pts.Color = st.Colour, st.Colour
	l.Width = vg.Points(1.5)
	pts.Shape, pts.Radius = st.Marker, vg.Points(3)
	if v.Routing == results.RoutingSticky {
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	p.Add(l, pts)
	p.Legend.Add(v.Label(), l, pts)
	return nil
}

// legendRoom sets the Y range from 0 to a little above the highest
// point; the legend is drawn beside the plot (renderSVG), so it needs no
// room above the lines, whatever its n entries.
func legendRoom(p *plot.Plot, hi float64, n int) {
	p.Y.Min = 0
	p.Y.Max = hi * 1.1
	if hi <= 0 {
		p.Y.Max = 1 // every point at 0: an axis still needs a range
	}
}

// series is one set of bars in a grouped bar chart; Texts, when given,
// are written above the bars; Spread, when given, is each bar's min–max,
// drawn as a whisker on it.
type series struct {
	Name   string
	Color  color.Color
	Values []float64
	Texts  []string
	Spread []Stat
}

// barWhiskers draws whiskers on bars drawn with an Offset: the offset is
// a length on the page, not a data value, so YErrorBars (which has none)
// cannot place them.
type barWhiskers struct {
	w      whiskers
	offset vg.Length
}

func (b barWhiskers) Plot(c draw.Canvas, plt *plot.Plot) {
	tx, ty := plt.Transforms(&c)
	ls := draw.LineStyle{Color: whiskerGrey, Width: whiskerWidth}
	cw := vg.Points(2.5)
	for i, xy := range b.w.XYs {
		x := tx(xy.X) + b.offset
		lo, hi := ty(xy.Y-b.w.lo[i]), ty(xy.Y+b.w.hi[i])
		c.StrokeLine2(ls, x, lo, x, hi)
		c.StrokeLine2(ls, x-cw, lo, x+cw, lo)
		c.StrokeLine2(ls, x-cw, hi, x+cw, hi)
	}
}

// groupedBars draws one bar per series side by side for each group,
// named on the X axis.
func groupedBars(p *plot.Plot, groups []string, ss []series) error {
	w := vg.Points(min(36, 150/float64(max(len(ss), 1))))
	tallest := 0.0
	for i, s := range ss {
		b, err := plotter.NewBarChart(plotter.Values(s.Values), w)
		if err != nil {
			return err
		}
		b.Color, b.LineStyle.Width = s.Color, 0
		b.Offset = w * vg.Length(float64(i)-float64(len(ss)-1)/2)
		p.Add(b)
		p.Legend.Add(s.Name, b)
		if len(s.Spread) == len(s.Values) {
			var w whiskers
			for j, st := range s.Spread {
				if st.Spread() {
					w.XYs = append(w.XYs, plotter.XY{X: float64(j), Y: s.Values[j]})
					w.lo, w.hi = append(w.lo, math.Max(0, s.Values[j]-st.Min)), append(w.hi, math.Max(0, st.Max-s.Values[j]))
					tallest = math.Max(tallest, st.Max)
				}
			}
			p.Add(barWhiskers{w, b.Offset})
		}
		if len(s.Texts) == len(s.Values) {
			xys := make(plotter.XYs, len(s.Values))
			for j, v := range s.Values {
				xys[j] = plotter.XY{X: float64(j), Y: v}
			}
			l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: s.Texts})
			if err != nil {
				return err
			}
			for j := range l.TextStyle {
				l.TextStyle[j].XAlign = text.XCenter
				l.TextStyle[j].Font.Size = vg.Points(8)
			}
			l.Offset = vg.Point{X: b.Offset, Y: vg.Points(2)}
			p.Add(l)
		}
		for _, v := range s.Values {
			tallest = math.Max(tallest, v)
		}
	}
	p.NominalX(groups...)
	legendRoom(p, tallest, len(ss))
	return nil
}

// hline draws a dashed horizontal reference line at y across [x0, x1].
func hline(p *plot.Plot, label string, y, x0, x1 float64) error {
	l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}})
	if err != nil {
		return err
	}
	l.Color = color.RGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}
	l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(l)
	p.Legend.Add(label, l)
	return nil
}

// stepOf returns v's step with the given Index, or nil.
func stepOf(v results.VariantResult, index int) *results.Step {
	for i := range v.Steps {
		if v.Steps[i].Index == index {
			return &v.Steps[i]
		}
	}
	return nil
}

// phaseOf returns st's phase with the given name, or nil.
func phaseOf(st *results.Step, name string) *results.Phase {
	if st == nil {
		return nil
	}
	for i := range st.Phases {
		if st.Phases[i].Name == name {
			return &st.Phases[i]
		}
	}
	return nil
}

// heldRates is the sorted set of fixed ("rate") step rates over r.
func heldRates(r *results.Results) []float64 {
	var out []float64
	for _, v := range r.Variants {
		for _, st := range v.Steps {
			if st.Kind == "rate" && !slices.Contains(out, st.Rate) {
				out = append(out, st.Rate)
			}
		}
	}
	slices.Sort(out)
	return out
}

// ms converts a duration to milliseconds.
func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// durCell formats durations measured once per repetition or trial as
// median (min–max), in a unit fit for the largest; -1 is the runner's
// "never", counted apart and described by never ("not refused within
// 19s"). No durations at all is "—".
func durCell(ds []time.Duration, never string) string {
	var ok []float64
	nev := 0
	for _, d := range ds {
		if d < 0 {
			nev++
			continue
		}
		ok = append(ok, d.Seconds())
	}
	switch {
	case len(ds) == 0:
		return "—"
	case len(ok) == 0:
		if len(ds) == 1 {
			return never
		}
		return fmt.Sprintf("%s (all %d)", never, len(ds))
	}
	c := secondsCell(statOf(ok))
	if nev > 0 {
		c += fmt.Sprintf("; %s in %d of %d", never, nev, len(ds))
	}
	return c
}

// secondsCell formats a Stat of seconds in ms below a second, else s.
func secondsCell(st Stat) string {
	switch {
	case !st.Ok():
		return "—"
	case st.Max == 0 && st.N > 1:
		return fmt.Sprintf("0 ms (all %d)", st.N)
	case st.Max == 0:
		return "0 ms"
	case st.Max < 0.01:
		return scaled(st, 1e3, 2) + " ms"
	case st.Max < 1:
		return scaled(st, 1e3, 0) + " ms"
	case st.Max < 10:
		return scaled(st, 1, 2) + " s"
	}
	return scaled(st, 1, 1) + " s"
}

func scaled(st Stat, f float64, prec int) string {
	return Stat{Median: st.Median * f, Min: st.Min * f, Max: st.Max * f, N: st.N}.Format(prec)
}

// pct formats a ratio Stat (0..1) as percent: "49.9% (49.6–50.3)".
func pct(st Stat, prec int) string {
	if !st.Ok() {
		return "—"
	}
	s := scaled(st, 100, prec)
	if i := strings.Index(s, " ("); i >= 0 {
		return s[:i] + "%" + s[i:]
	}
	return s + "%"
}

// distinct lists values with how often each occurred, most frequent
// first: "204 immediate" or "204 immediate ×2, 500 ×1".
func distinct(vals []string) string {
	n := map[string]int{}
	for _, v := range vals {
		n[v]++
	}
	keys := slices.Sorted(maps.Keys(n))
	slices.SortStableFunc(keys, func(a, b string) int { return n[b] - n[a] })
	if len(keys) == 1 {
		return keys[0]
	}
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+" ×"+strconv.Itoa(n[k]))
	}
	return strings.Join(parts, ", ")
}

// sentence joins clauses as "a, b and c".
func sentence(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// signed formats a change with its sign: "+4.52", "-370".
func signed(v float64, prec int) string {
	s := num(v, prec)
	if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

// human writes a lifetime without Go's trailing zero units: 15m0s is
// "15m", 168h0m0s "168h", 1h30m0s "1h30m".
func human(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
