package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
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

// variantColors keeps each variant's colour the same on every chart.
var variantColors = map[string]color.RGBA{
	"none":           {R: 0x88, G: 0x88, B: 0x88, A: 0xff},
	"jwt":            {R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	"jwt-blacklist":  {R: 0x9d, G: 0x4e, B: 0xdd, A: 0xff},
	"session":        {R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	"session-memory": {R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
}

var (
	serverColor = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	redisColor  = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
)

func colorOf(variant string) color.Color {
	if c, ok := variantColors[variant]; ok {
		return c
	}
	return color.Black
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

// renderSVG draws p; gonum panics on some degenerate inputs (a log axis
// over non-positive values), which becomes an error here.
func renderSVG(p *plot.Plot) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("render: %v", r)
		}
	}()
	w, err := p.WriterTo(chartW, chartH, "svg")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	return p
}

// logY puts p's Y axis on a log scale over [lo, hi], widened to whole
// decades so the ticks (powers of ten) are always visible.
func logY(p *plot.Plot, lo, hi float64) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Y.Min = math.Pow(10, math.Floor(math.Log10(lo)))
	p.Y.Max = math.Pow(10, math.Ceil(math.Log10(hi)))
	if p.Y.Max <= p.Y.Min {
		p.Y.Max = p.Y.Min * 10
	}
}

func addLine(p *plot.Plot, variant, label string, xys plotter.XYs) error {
	l, pts, err := plotter.NewLinePoints(xys)
	if err != nil {
		return err
	}
	l.Color, pts.Color = colorOf(variant), colorOf(variant)
	l.Width = vg.Points(1.5)
	pts.Shape = draw.CircleGlyph{}
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
// point, p50 to max, on a log axis.
func percentileChart(s *Summary) (string, string, *plot.Plot, error) {
	const name = "latency-percentiles"
	title := "Latency percentiles per variant (median over repetitions)"
	p := newPlot(title, "percentile", "latency (ms, log scale)")
	lo, hi, any := math.Inf(1), 0.0, false
	for _, v := range s.Variants {
		if v.Ref == nil {
			continue
		}
		var xys plotter.XYs
		for i, st := range []Stat{v.Ref.P50, v.Ref.P90, v.Ref.P95, v.Ref.P99, v.Ref.Max} {
			if st.Ok() && st.Median > 0 {
				xys = append(xys, plotter.XY{X: float64(i), Y: st.Median})
				lo, hi = math.Min(lo, st.Median), math.Max(hi, st.Median)
			}
		}
		if len(xys) == 0 {
			continue
		}
		if err := addLine(p, v.Name, v.Name+" "+v.RefLabel, xys); err != nil {
			return name, title, nil, err
		}
		any = true
	}
	if !any {
		return name, title, nil, nil
	}
	p.NominalX("p50", "p90", "p95", "p99", "max")
	logY(p, lo, hi)
	return name, title, p, nil
}

// rateChart: p99 against offered rate, where each variant's knee shows.
func rateChart(s *Summary) (string, string, *plot.Plot, error) {
	const name = "latency-vs-rate"
	title := "p99 latency against offered rate (median over repetitions)"
	p := newPlot(title, "offered rate (requests/s)", "p99 latency (ms, log scale)")
	lo, hi, any := math.Inf(1), 0.0, false
	for _, v := range s.Variants {
		pts := append(append([]Point(nil), v.Held...), v.Probes...)
		var xys plotter.XYs
		for _, pt := range sortPoints(pts) {
			if pt.P99.Ok() && pt.P99.Median > 0 {
				xys = append(xys, plotter.XY{X: pt.Rate, Y: pt.P99.Median})
				lo, hi = math.Min(lo, pt.P99.Median), math.Max(hi, pt.P99.Median)
			}
		}
		if len(xys) == 0 {
			continue
		}
		if err := addLine(p, v.Name, v.Name, xys); err != nil {
			return name, title, nil, err
		}
		any = true
	}
	if !any {
		return name, title, nil, nil
	}
	p.X.Min = 0
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

// cpuChart: CPU per request, server and Redis stacked.
func cpuChart(s *Summary) (string, string, *plot.Plot, error) {
	const name = "cpu-per-request"
	title := "CPU per request: server + Redis (µs, median)"
	var names []string
	var srv, rds plotter.Values
	for _, v := range s.Variants {
		if v.Ref == nil || !v.Ref.ServerCPU.Ok() {
			continue
		}
		names = append(names, v.Name)
		srv = append(srv, v.Ref.ServerCPU.Median)
		rds = append(rds, v.Ref.RedisCPU.Median) // 0 when unmeasured
	}
	if len(names) == 0 {
		return name, title, nil, nil
	}
	p := newPlot(title, "", "CPU µs per request")
	w := vg.Points(36)
	b1, err := plotter.NewBarChart(srv, w)
	if err != nil {
		return name, title, nil, err
	}
	b1.Color, b1.LineStyle.Width = serverColor, 0
	b2, err := plotter.NewBarChart(rds, w)
	if err != nil {
		return name, title, nil, err
	}
	b2.Color, b2.LineStyle.Width = redisColor, 0
	b2.StackOn(b1)
	p.Add(b1, b2)
	p.Legend.Add("server", b1)
	p.Legend.Add("Redis", b2)
	p.NominalX(names...)
	tallest := 0.0
	for i := range srv {
		tallest = math.Max(tallest, srv[i]+rds[i])
	}
	headroom(p, tallest)
	return name, title, p, nil
}

// commandsChart: Redis commands per request; drawn only when Redis was
// measured for some variant.
func commandsChart(s *Summary) (string, string, *plot.Plot, error) {
	const name = "redis-commands"
	title := "Redis commands per HTTP request (median)"
	var names []string
	var vals plotter.Values
	for _, v := range s.Variants {
		if v.Ref == nil || !v.Ref.RedisCmds.Ok() {
			continue
		}
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
	p.NominalX(names...)
	tallest := 0.0
	for _, v := range vals {
		tallest = math.Max(tallest, v)
	}
	headroom(p, tallest)
	return name, title, p, nil
}
