package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart is one rendered chart.
type Chart struct {
	// Name is the file stem: the chart is written as chart-<Name>.svg
	// beside report.md.
	Name string
	// Title is the chart's caption.
	Title string
	// SVG is the standalone SVG document.
	SVG []byte
}

// File is the chart's file name in the run folder.
func (c Chart) File() string { return "chart-" + c.Name + ".svg" }

// Inline is the SVG without its XML prologue, for embedding in HTML.
func (c Chart) Inline() string {
	s := string(c.SVG)
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return strings.TrimSpace(s)
}

var (
	serverColor = color.RGBA{R: 0x00, G: 0x72, B: 0xB2, A: 0xff} // Okabe–Ito blue
	redisColor  = color.RGBA{R: 0xD5, G: 0x5E, B: 0x00, A: 0xff} // Okabe–Ito vermilion
	whiskerGrey = color.RGBA{R: 0x33, G: 0x33, B: 0x33, A: 0xff}
)

func init() {
	// The page's font: charts are measured in Liberation Sans and drawn
	// in the page's sans-serif (renderSVG rewrites the family).
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
}

const chartW, chartH = 16 * vg.Centimeter, 9 * vg.Centimeter

// Charts renders a steady run's charts as SVG. A chart with nothing to
// show (no Redis measured, say) is left out rather than drawn empty. The
// other kinds draw their own charts in their sections (sections.go).
func Charts(s *Summary) ([]Chart, error) {
	var out []Chart
	for _, mk := range []func(*Summary) (string, string, *plot.Plot, error){
		percentileChart, rateChart, cpuChart, commandsChart,
	} {
		name, title, p, err := mk(s)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", name, err)
		}
		if p == nil {
			continue
		}
		svg, err := renderSVG(p)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", name, err)
		}
		out = append(out, Chart{Name: name, Title: title, SVG: svg})
	}
	return out, nil
}

// renderSVG draws p with one title only (the page's caption: p's own
// title is dropped), its legend in a strip right of the plot, never over
// the data, and the page's font. The data area is marked by an invisible
// <rect class="plot-area">, which the browser test checks every text
// against. gonum panics on some degenerate inputs (a log axis over
// non-positive values), which becomes an error here.
func renderSVG(p *plot.Plot) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("render: %v", r)
		}
	}()
	p.Title.Text = ""
	leg := p.Legend
	leg.TextStyle.Font.Size = vg.Points(10)
	p.Legend = plot.NewLegend()
	// The legend's width is measured on a scratch canvas; the chart is
	// then that much wider, so the plot keeps chartW whatever the legend.
	var legW vg.Length
	if r := leg.Rectangle(draw.New(vgsvg.New(chartW, chartH))); r.Size().X > 0 {
		// The page draws in its own sans-serif, a little wider than the
		// Liberation Sans the text was measured in: room for that.
		legW = r.Size().X*1.2 + vg.Points(16)
	}
	c := vgsvg.New(chartW+legW, chartH)
	dc := draw.New(c)
	area := draw.Crop(dc, 0, -legW, 0, 0)
	p.Draw(area)
	if legW > 0 {
		leg.Top, leg.Left, leg.XOffs, leg.YOffs = true, true, 0, 0
		leg.Draw(draw.Crop(dc, chartW+vg.Points(8), 0, 0, -vg.Points(6)))
	}
	data := p.DataCanvas(area)
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return finishSVG(buf.Bytes(), []string{plotAreaRect(data, chartH)}), nil
}

// plotAreaRect marks the data area d of an SVG of height h with an
// invisible rect (SVG's y axis points down, gonum's up).
func plotAreaRect(d draw.Canvas, h vg.Length) string {
	return fmt.Sprintf(`<rect class="plot-area" x="%.2f" y="%.2f" width="%.2f" height="%.2f" fill="none" stroke="none"/>`,
		d.Min.X.Points(), (h - d.Max.Y).Points(), d.Size().X.Points(), d.Size().Y.Points())
}

// finishSVG sets the page's font family on gonum's SVG and adds rects
// before its end.
func finishSVG(svg []byte, rects []string) []byte {
	out := fontFamily.ReplaceAll(svg, []byte("font-family:system-ui, sans-serif;"))
	if i := bytes.LastIndex(out, []byte("</svg>")); i >= 0 {
		out = append(out[:i:i], []byte(strings.Join(rects, "\n")+"\n</svg>\n")...)
	}
	return out
}

// fontFamily is gonum's font-family declaration in the SVG it writes.
var fontFamily = regexp.MustCompile(`font-family:[^;"]*;`)

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	return p
}

// logY puts p's Y axis on a log scale over [lo, hi], widened to the
// nearest 1-2-5 steps, with a labelled tick at every 1-2-5 step, so a
// sub-millisecond figure (0.2, 0.5) can be read.
func logY(p *plot.Plot, lo, hi float64) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.TickerFunc(ticks125)
	p.Y.Min, p.Y.Max = step125(lo, false), step125(hi, true)
	if p.Y.Max <= p.Y.Min {
		p.Y.Max = step125(p.Y.Min*1.01, true)
	}
}

// step125 is the nearest 1-2-5 step at or below v (up: at or above).
func step125(v float64, up bool) float64 {
	if v <= 0 {
		return 1
	}
	e := math.Floor(math.Log10(v))
	var steps []float64 // ascending
	for k := e - 1; k <= e+1; k++ {
		for _, m := range []float64{1, 2, 5} {
			steps = append(steps, m*math.Pow(10, k))
		}
	}
	if up {
		for _, st := range steps {
			if st >= v*(1-1e-9) {
				return st
			}
		}
		return steps[len(steps)-1]
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i] <= v*(1+1e-9) {
			return steps[i]
		}
	}
	return steps[0]
}

// ticks125 labels every 1-2-5 step in [lo, hi] and marks the other
// integer multiples of each decade as minor ticks.
func ticks125(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	if lo <= 0 || hi <= lo {
		return out
	}
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for m := 1.0; m <= 9; m++ {
			v := m * math.Pow(10, e)
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				prec := 0
				if e < 0 {
					prec = int(-e)
				}
				t.Label = strconv.FormatFloat(v, 'f', prec, 64)
			}
			out = append(out, t)
		}
	}
	return out
}

// whiskerWidth is the whiskers' line width: one no other line in a chart
// has, so the browser test can find them in the SVG (stroke-width:1.1).
const whiskerWidth = vg.Length(1.1)

// whiskers are a Stat's min–max drawn around points.
type whiskers struct {
	plotter.XYs
	lo, hi []float64
}

func (w whiskers) YError(i int) (float64, float64) { return w.lo[i], w.hi[i] }

// add appends a point at (x, st.Median) with st's range.
func (w *whiskers) add(x float64, st Stat) {
	w.XYs = append(w.XYs, plotter.XY{X: x, Y: st.Median})
	w.lo, w.hi = append(w.lo, st.Median-st.Min), append(w.hi, st.Max-st.Median)
}

// addWhiskers draws w's ranges in c; nothing for no points.
func addWhiskers(p *plot.Plot, w whiskers, c color.Color) error {
	if len(w.XYs) == 0 {
		return nil
	}
	e, err := plotter.NewYErrorBars(w)
	if err != nil {
		return err
	}
	e.Color, e.Width, e.CapWidth = c, whiskerWidth, vg.Points(5)
	p.Add(e)
	return nil
}

func addLine(p *plot.Plot, variant, label string, xys plotter.XYs) error {
	l, pts, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	st := variantStyle(variant)
	l.Color, pts.Color = st.Colour, st.Colour
	l.Width = vg.Points(1.5)
	pts.Shape, pts.Radius = st.Marker, vg.Points(3)
	p.Add(l, pts)
	p.Legend.Add(label, l, pts)
	return nil
}

// headroom sets the Y range from 0 to a little above the tallest bar, so
// no bar is cut off and the legend has room above them.
func headroom(p *plot.Plot, tallest float64) {
	p.Y.Min = 0
	if tallest > 0 {
		p.Y.Max = tallest * 1.25
	}
}

// percentileChart: each variant's latency distribution at its reference
// point, p50 to max, on a log axis, each point with its min–max over
// repetitions. Variants sit a little apart on each percentile so their
// whiskers do not hide each other.
func percentileChart(s *Summary) (string, string, *plot.Plot, error) {
	const name = "latency-percentiles"
	title := "Latency percentiles per variant (median over repetitions; whiskers: min–max)"
	p := newPlot(title, "percentile", "latency (ms, log scale)")
	lo, hi, n := math.Inf(1), 0.0, 0
	for _, v := range s.Variants {
		if v.Ref != nil {
			n++
		}
	}
	i := 0
	for _, v := range s.Variants {
		if v.Ref == nil {
			continue
		}
		off := 0.3 * (float64(i) - float64(n-1)/2) / float64(max(n, 1))
		i++
		var xys plotter.XYs
		var w whiskers
		for j, st := range []Stat{v.Ref.P50, v.Ref.P90, v.Ref.P95, v.Ref.P99, v.Ref.Max} {
			if st.Ok() && st.Median > 0 && st.Min > 0 {
				xys = append(xys, plotter.XY{X: float64(j) + off, Y: st.Median})
				w.add(float64(j)+off, st)
				lo, hi = math.Min(lo, st.Min), math.Max(hi, st.Max)
			}
		}
		if len(xys) == 0 {
			continue
		}
		if err := addLine(p, v.Name, v.Name, xys); err != nil {
			return name, title, nil, err
		}
		if err := addWhiskers(p, w, colorOf(v.Name)); err != nil {
			return name, title, nil, err
		}
	}
	if hi == 0 {
		return name, title, nil, nil
	}
	p.NominalX("p50", "p90", "p95", "p99", "max")
	logY(p, lo, hi)
	return name, title, p, nil
}

// rateChart: p99 against offered rate, where each variant's knee shows;
// the rate axis starts just below the lowest rate, not at 0, and each
// point has its min–max over repetitions.
func rateChart(s *Summary) (string, string, *plot.Plot, error) {
	const name = "latency-vs-rate"
	title := "p99 latency against offered rate (median over repetitions; whiskers: min–max)"
	p := newPlot(title, "offered rate (requests/s)", "p99 latency (ms, log scale)")
	lo, hi := math.Inf(1), 0.0
	xlo, xhi := math.Inf(1), math.Inf(-1)
	for _, v := range s.Variants {
		for _, pt := range append(append([]Point(nil), v.Held...), v.Probes...) {
			xlo, xhi = math.Min(xlo, pt.Rate), math.Max(xhi, pt.Rate)
		}
	}
	n := len(s.Variants)
	for i, v := range s.Variants {
		// A small offset per variant keeps coinciding points apart.
		off := 0.012 * (xhi - xlo) * (float64(i) - float64(n-1)/2)
		pts := append(append([]Point(nil), v.Held...), v.Probes...)
		var xys plotter.XYs
		var w whiskers
		for _, pt := range sortPoints(pts) {
			if pt.P99.Ok() && pt.P99.Median > 0 && pt.P99.Min > 0 {
				xys = append(xys, plotter.XY{X: pt.Rate + off, Y: pt.P99.Median})
				w.add(pt.Rate+off, pt.P99)
				lo, hi = math.Min(lo, pt.P99.Min), math.Max(hi, pt.P99.Max)
			}
		}
		if len(xys) == 0 {
			continue
		}
		if err := addLine(p, v.Name, v.Name, xys); err != nil {
			return name, title, nil, err
		}
		if err := addWhiskers(p, w, colorOf(v.Name)); err != nil {
			return name, title, nil, err
		}
	}
	if hi == 0 {
		return name, title, nil, nil
	}
	pad := math.Max(0.05*(xhi-xlo), 0.05*xlo)
	p.X.Min, p.X.Max = math.Max(0, xlo-pad), xhi+pad
	logY(p, lo, hi)
	return name, title, p, nil
}

// sortPoints orders points by rate, merging nothing: a run has either
// held rates or probes, so rates do not repeat.
func sortPoints(ps []Point) []Point {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Rate < ps[j-1].Rate; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
	return ps
}

// cpuChart: CPU per request, server and Redis stacked, the whisker on
// top the min–max of their sum (of the server's alone where Redis was
// not measured).
func cpuChart(s *Summary) (string, string, *plot.Plot, error) {
	const name = "cpu-per-request"
	title := "CPU per request: server + Redis (µs, median; whiskers: min–max of the sum)"
	var names []string
	var srv, rds plotter.Values
	var w whiskers
	for _, v := range s.Variants {
		if v.Ref == nil || !v.Ref.ServerCPU.Ok() {
			continue
		}
		x := float64(len(names))
		names = append(names, v.Name)
		srv = append(srv, v.Ref.ServerCPU.Median)
		rds = append(rds, v.Ref.RedisCPU.Median) // 0 when unmeasured
		spread := v.Ref.TotalCPU
		if !spread.Ok() {
			spread = v.Ref.ServerCPU
		}
		top := v.Ref.ServerCPU.Median + v.Ref.RedisCPU.Median
		w.XYs = append(w.XYs, plotter.XY{X: x, Y: top})
		w.lo, w.hi = append(w.lo, math.Max(0, spread.Median-spread.Min)), append(w.hi, math.Max(0, spread.Max-spread.Median))
	}
	if len(names) == 0 {
		return name, title, nil, nil
	}
	p := newPlot(title, "", "CPU µs per request")
	wd := vg.Points(36)
	b1, err := plotter.NewBarChart(srv, wd)
	if err != nil {
		return name, title, nil, err
	}
	b1.Color, b1.LineStyle.Width = serverColor, 0
	b2, err := plotter.NewBarChart(rds, wd)
	if err != nil {
		return name, title, nil, err
	}
	b2.Color, b2.LineStyle.Width = redisColor, 0
	b2.StackOn(b1)
	p.Add(b1, b2)
	p.Legend.Add("server", b1)
	p.Legend.Add("Redis", b2)
	if err := addWhiskers(p, w, whiskerGrey); err != nil {
		return name, title, nil, err
	}
	p.NominalX(names...)
	tallest := 0.0
	for i := range w.XYs {
		tallest = math.Max(tallest, w.XYs[i].Y+w.hi[i])
	}
	headroom(p, tallest)
	return name, title, p, nil
}

// commandsChart: Redis commands per request; drawn only when Redis was
// measured for some variant.
func commandsChart(s *Summary) (string, string, *plot.Plot, error) {
	const name = "redis-commands"
	title := "Redis commands per HTTP request (median; whiskers: min–max)"
	var names []string
	var vals plotter.Values
	var w whiskers
	for _, v := range s.Variants {
		if v.Ref == nil || !v.Ref.RedisCmds.Ok() {
			continue
		}
		w.add(float64(len(names)), v.Ref.RedisCmds)
		names = append(names, v.Name)
		vals = append(vals, v.Ref.RedisCmds.Median)
	}
	if len(names) == 0 {
		return name, title, nil, nil
	}
	p := newPlot(title, "", "Redis commands per request")
	b, err := plotter.NewBarChart(vals, vg.Points(36))
	if err != nil {
		return name, title, nil, err
	}
	b.Color, b.LineStyle.Width = redisColor, 0
	p.Add(b)
	if err := addWhiskers(p, w, whiskerGrey); err != nil {
		return name, title, nil, err
	}
	p.NominalX(names...)
	tallest := 0.0
	for i := range w.XYs {
		tallest = math.Max(tallest, w.XYs[i].Y+w.hi[i])
	}
	headroom(p, tallest)
	return name, title, p, nil
}
