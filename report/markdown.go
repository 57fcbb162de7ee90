package report

import (
	"bytes"
	"fmt"
	"strings"
)

// markdown renders d as GitHub-flavoured Markdown; charts are linked as
// the SVG files written beside report.md.
func markdown(d document) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", d.Title, d.Subtitle)
	for _, l := range d.Env {
		if l.Loud {
			fmt.Fprintf(&b, "> **⚠ %s**\n\n", l.Text)
		}
	}
	b.WriteString("## Headline\n\n")
	mdTable(&b, d.Headline)
	b.WriteString("## The trade-off\n\n")
	for _, p := range d.TradeOff {
		fmt.Fprintf(&b, "- %s\n", p)
	}
	b.WriteString("\n### Where this was measured\n\n")
	for _, l := range d.Env {
		if l.Loud {
			fmt.Fprintf(&b, "- **⚠ %s**\n", l.Text)
		} else {
			fmt.Fprintf(&b, "- %s\n", l.Text)
		}
	}
	b.WriteString("\n## Charts\n\n")
	if len(d.Charts) == 0 {
		b.WriteString("No chart: nothing in this run could be drawn.\n\n")
	}
	for _, c := range d.Charts {
		fmt.Fprintf(&b, "### %s\n\n![%s](%s)\n\n", c.Title, c.Title, c.File())
	}
	b.WriteString("## Details\n\n")
	for _, t := range d.Details {
		mdTable(&b, t)
	}
	b.WriteString("Rendered from results.json by \"authbench report\"; re-render with `authbench report <run-dir>`.\n")
	return b.Bytes()
}

func mdTable(b *bytes.Buffer, t table) {
	if t.Caption != "" {
		fmt.Fprintf(b, "%s\n\n", t.Caption)
	}
	row := func(cells []string) {
		esc := make([]string, len(cells))
		for i, c := range cells {
			esc[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		fmt.Fprintf(b, "| %s |\n", strings.Join(esc, " | "))
	}
	row(t.Head)
	sep := make([]string, len(t.Head))
	for i := range sep {
		sep[i] = "---"
	}
	fmt.Fprintf(b, "|%s|\n", strings.Join(sep, "|"))
	for _, r := range t.Rows {
		row(r)
	}
	b.WriteString("\n")
	for _, n := range t.Notes {
		fmt.Fprintf(b, "%s\n\n", n)
	}
}
