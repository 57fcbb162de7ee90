package report

import (
	"image/color"
	"strconv"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// style is how a variant is drawn in every chart: its colour and marker.
type style struct {
	Colour color.RGBA
	Marker draw.GlyphDrawer
}

// variantStyles mirrors the Colour and Marker of each entry of the
// variants registry (variants/variants.go: the Okabe–Ito palette, which
// colour-blind readers can tell apart, plus a marker as a second cue).
//
// Why a copy and not an import: the report is the far side of the seam
// and imports only results (STYLE.md), while package variants imports
// every backend, the server and go-redis; and recording the style into
// results.json would need the runner to write it, so old runs would
// still need this table. The copy cannot drift: TestVariantStyles
// checks it against variants.All(). When the runner records a style per
// variant, variantStyle is the one function to switch over to it.
var variantStyles = map[string]struct{ colour, marker string }{
	"none":                 {"#999999", "cross"},
	"jwt":                  {"#0072B2", "circle"},
	"jwt-short":            {"#56B4E9", "triangle"},
	"jwt-epoch":            {"#009E73", "square"},
	"jwt-blacklist-cached": {"#F0E442", "diamond"},
	"jwt-blacklist":        {"#E69F00", "pyramid"},
	"session-cached":       {"#CC79A7", "ring"},
	"session":              {"#D55E00", "plus"},
	"session-memory":       {"#000000", "circle-open"},
}

// markers are the registry's marker names as gonum glyphs.
var markers = map[string]draw.GlyphDrawer{
	"cross":       draw.CrossGlyph{},
	"circle":      draw.CircleGlyph{},
	"triangle":    draw.TriangleGlyph{},
	"square":      draw.SquareGlyph{},
	"diamond":     diamondGlyph{},
	"pyramid":     draw.PyramidGlyph{},
	"ring":        draw.RingGlyph{},
	"plus":        draw.PlusGlyph{},
	"circle-open": draw.RingGlyph{},
}

// variantStyle is the colour and marker of the named variant, dark grey
// dots for one the table does not know.
func variantStyle(name string) style {
	s, ok := variantStyles[name]
	if !ok {
		return style{Colour: color.RGBA{R: 0x44, G: 0x44, B: 0x44, A: 0xff}, Marker: draw.CircleGlyph{}}
	}
	return style{Colour: hexColour(s.colour), Marker: markers[s.marker]}
}

// recordedStyle is the style a results file recorded for the variant
// (its Info's colour and marker, from the registry when the run was
// made), else variantStyle's.
func recordedStyle(colour, marker, name string) style {
	st := variantStyle(name)
	if len(colour) == 7 && colour[0] == '#' {
		st.Colour = hexColour(colour)
	}
	if g, ok := markers[marker]; ok {
		st.Marker = g
	}
	return st
}

// hexColour parses "#RRGGBB"; anything else is black.
func hexColour(s string) color.RGBA {
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if len(s) != 7 || s[0] != '#' || err != nil {
		return color.RGBA{A: 0xff}
	}
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xff}
}

// colorOf is variantStyle(variant).Colour.
func colorOf(variant string) color.Color { return variantStyle(variant).Colour }

// diamondGlyph draws a filled diamond; gonum has none.
type diamondGlyph struct{}

func (diamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius * 1.2
	p := make(vg.Path, 0, 5)
	p.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	p.Close()
	c.Fill(p)
}
