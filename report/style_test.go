package report

import (
	"strings"
	"testing"

	"github.com/authbench/authbench/variants"
)

// TestVariantStyles: the report draws every variant of the registry
// with the registry's own colour and marker, and knows no other.
func TestVariantStyles(t *testing.T) {
	all := variants.All()
	for _, v := range all {
		got, ok := variantStyles[v.Name]
		if !ok {
			t.Errorf("%s: no style in report/style.go", v.Name)
			continue
		}
		if !strings.EqualFold(got.colour, v.Colour) || got.marker != v.Marker {
			t.Errorf("%s: report draws %s %s, the registry says %s %s", v.Name, got.colour, got.marker, v.Colour, v.Marker)
		}
		if _, ok := markers[v.Marker]; !ok {
			t.Errorf("%s: marker %q has no glyph", v.Name, v.Marker)
		}
	}
	if len(variantStyles) != len(all) {
		t.Errorf("report/style.go styles %d variants, the registry has %d", len(variantStyles), len(all))
	}
	if c := variantStyle("jwt").Colour; c.R != 0x00 || c.G != 0x72 || c.B != 0xB2 {
		t.Errorf("jwt colour %v, want #0072B2", c)
	}
}
