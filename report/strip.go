package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/authbench/authbench/results"
)

// This file draws the latency-over-time strips: for one step per variant
// (the highest held rate, its first repetition), p50 and p99 in short
// slices of the step, one strip per variant, so drift and hiccups that a
// step's percentiles average away are visible. The figures come from the
// step's raw results file (vegeta's own encoding of every request, which
// results.json names as Step.RawFile); a run folder without its raw
// files (results/example keeps none) simply has no strips.

// stripStep is the step a variant's strip shows.
type stripStep struct {
	label string
	step  results.Step
}

// stripSteps picks each variant's first step at the highest held rate
// that has a raw file.
func stripSteps(r *results.Results) []stripStep {
	rates := heldRates(r)
	if len(rates) == 0 {
		return nil
	}
	top := rates[len(rates)-1]
	var out []stripStep
	for _, v := range r.Variants {
		for _, st := range v.Steps {
			if st.Kind == "rate" && st.Rate == top && st.RawFile != "" {
				out = append(out, stripStep{v.Label(), st})
				break
			}
		}
	}
	return out
}

// latencySlices reads a raw file and returns, per slice of width w from
// origin (zero: the first request's start), the p50 and p99 latency in
// ms (NaN for an empty slice).
func latencySlices(path string, w time.Duration, origin time.Time) (p50, p99 []float64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	dec := vegeta.NewDecoder(f)
	type req struct {
		at  time.Time
		lat time.Duration
	}
	var reqs []req
	for {
		var res vegeta.Result
		if err := dec.Decode(&res); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		reqs = append(reqs, req{res.Timestamp, res.Latency})
	}
	if len(reqs) == 0 {
		return nil, nil, nil
	}
	t0 := slices.MinFunc(reqs, func(a, b req) int { return a.at.Compare(b.at) }).at
	if !origin.IsZero() && !origin.After(t0) {
		t0 = origin
	}
	var by [][]float64
	for _, q := range reqs {
		i := int(q.at.Sub(t0) / w)
		for len(by) <= i {
			by = append(by, nil)
		}
		by[i] = append(by[i], ms(q.lat))
	}
	for _, xs := range by {
		if len(xs) == 0 {
			p50, p99 = append(p50, math.NaN()), append(p99, math.NaN())
			continue
		}
		slices.Sort(xs)
		p50 = append(p50, xs[(len(xs)-1)/2])
		p99 = append(p99, xs[int(math.Ceil(0.99*float64(len(xs))))-1])
	}
	return p50, p99, nil
}

// stripWidth is the slice width for a step of length du: about 40 slices,
// never under 50 ms.
func stripWidth(du time.Duration) time.Duration {
	return max((du / 40).Round(10*time.Millisecond), 50*time.Millisecond)
}

// latencyStrips draws the strips of the run in dir; no chart when no
// step has its raw file there.
func latencyStrips(dir string, r *results.Results) ([]Chart, error) {
	const name = "latency-over-time"
	steps := stripSteps(r)
	var plots []*plot.Plot
	lo, hi := math.Inf(1), 0.0
	var w time.Duration
	rate := 0.0
	// An interleaved curve's step is its rate's blocks, spread over one
	// attack of every rate: its strip spans the attack, with gaps where
	// the other rates ran.
	span := time.Duration(r.Scenario.Duration)
	interleaved := r.Scenario.Curve != nil && r.Scenario.Curve.Interleave > 0
	if interleaved {
		span *= time.Duration(len(r.Scenario.Rates))
	}
	for _, s := range steps {
		path := filepath.Join(dir, s.step.RawFile)
		if _, err := os.Stat(path); err != nil {
			continue // raw files not kept
		}
		w = stripWidth(span)
		if interleaved {
			w = min(w, time.Duration(r.Scenario.Curve.Interleave)/5)
		}
		var origin time.Time
		if interleaved {
			origin = s.step.Started
		}
		p50, p99, err := latencySlices(path, w, origin)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", name, err)
		}
		if len(p50) == 0 {
			continue
		}
		p := plot.New()
		p.Add(plotter.NewGrid())
		p.Y.Label.Text = s.label
		st := variantStyle(r.Variants[slices.IndexFunc(r.Variants, func(v results.VariantResult) bool { return v.Label() == s.label })].Variant)
		for k, ys := range [][]float64{p50, p99} {
			// One line per run of non-empty slices: a gap is not drawn
			// across.
			var segs []plotter.XYs
			var xys plotter.XYs
			for i, y := range ys {
				if math.IsNaN(y) || y <= 0 {
					if len(xys) > 0 {
						segs, xys = append(segs, xys), nil
					}
					continue
				}
				xys = append(xys, plotter.XY{X: (time.Duration(i)*w + w/2).Seconds(), Y: y})
				lo, hi = math.Min(lo, y), math.Max(hi, y)
			}
			if len(xys) > 0 {
				segs = append(segs, xys)
			}
			for _, seg := range segs {
				l, err := plotter.NewLine(seg)
				if err != nil {
					return nil, fmt.Errorf("chart %s: %w", name, err)
				}
				l.Color, l.Width = st.Colour, vg.Points(1.2)
				if k == 1 {
					l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
				}
				p.Add(l)
			}
		}
		rate = s.step.Rate
		plots = append(plots, p)
	}
	if len(plots) == 0 || hi == 0 {
		return nil, nil
	}
	for i, p := range plots {
		logY(p, lo, hi)
		// A strip is short: label the decades only.
		p.Y.Tick.Marker = plot.TickerFunc(func(min, max float64) []plot.Tick {
			ts := ticks125(min, max)
			for j := range ts {
				if v := math.Log10(ts[j].Value); math.Abs(v-math.Round(v)) > 1e-9 {
					ts[j].Label = ""
				}
			}
			return ts
		})
		p.X.Min, p.X.Max = 0, span.Seconds()
		if i == len(plots)-1 {
			p.X.Label.Text = "seconds into the step"
			if interleaved {
				p.X.Label.Text = "seconds into the interleaved attack"
			}
		} else {
			// One labelled axis, under the last strip.
			p.X.Tick.Marker = plot.TickerFunc(func(min, max float64) []plot.Tick {
				var out []plot.Tick
				for _, t := range (plot.DefaultTicks{}).Ticks(min, max) {
					t.Label = ""
					out = append(out, t)
				}
				return out
			})
		}
	}
	svg, err := renderStrips(plots)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", name, err)
	}
	title := fmt.Sprintf("Latency over one step at %s req/s, per variant (ms, log scale; p50 solid, p99 dashed, per %v slice)", num(rate, 0), w)
	if interleaved {
		title = fmt.Sprintf("Latency over the %s req/s blocks of one interleaved attack, per variant (ms, log scale; p50 solid, p99 dashed, per %v slice; gaps: the other rates' blocks)", num(rate, 0), w)
	}
	return []Chart{{Name: name, Title: title, SVG: svg}}, nil
}

// renderStrips draws plots one above the other, their data areas
// aligned, each marked like renderSVG's.
func renderStrips(plots []*plot.Plot) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("render: %v", r)
		}
	}()
	stripH := 2.6 * vg.Centimeter
	h := stripH*vg.Length(len(plots)) + vg.Centimeter
	c := vgsvg.New(chartW, h)
	dc := draw.New(c)
	rows := make([][]*plot.Plot, len(plots))
	for i, p := range plots {
		rows[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadY: vg.Points(4), PadTop: vg.Points(4), PadRight: vg.Points(8)}
	canvases := plot.Align(rows, tiles, dc)
	var rects []string
	for i, p := range plots {
		p.Draw(canvases[i][0])
		d := p.DataCanvas(canvases[i][0])
		rects = append(rects, plotAreaRect(d, h))
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	return finishSVG(buf.Bytes(), rects), nil
}
