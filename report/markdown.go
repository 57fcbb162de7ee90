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
	if d.V1Note != "" {
		fmt.Fprintf(&b, "%s\n\n", d.V1Note)
	}
	mdVerdict(&b, d.Verdict)
	for _, w := range d.Warnings() {
		fmt.Fprintf(&b, "> **⚠ %s**\n\n", w)
	}
	if !d.Steady {
		mdTradeOff(&b, d)
		return b.Bytes()
	}
	mdSections(&b, d)
	if d.Cost != nil {
		mdCost(&b, d)
		return b.Bytes()
	}
	mdAnchor(&b, anchorAtRate)
	b.WriteString("## Headline\n\n")
	mdTable(&b, d.Headline)
	b.WriteString("## The trade-off\n\n")
	for _, p := range d.TradeOff {
		fmt.Fprintf(&b, "- %s\n", p)
	}
	b.WriteString("\n")
	mdAnchor(&b, anchorEnv)
	b.WriteString("### Where this was measured\n\n")
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
	mdDetails(&b, d)
	return b.Bytes()
}

// mdCost writes a cost-curve run: the cost headline and what explains
// it, then the at-rate figures as the steady report has them.
func mdCost(b *bytes.Buffer, d document) {
	c := d.Cost
	list := func(items []string) {
		for _, f := range items {
			fmt.Fprintf(b, "- %s\n", f)
		}
		if len(items) > 0 {
			b.WriteString("\n")
		}
	}
	mdAnchor(b, anchorCost)
	b.WriteString("## Headline\n\n")
	mdTable(b, c.Headline)
	list(c.Findings)
	if len(c.Saturation.Rows) > 0 {
		fmt.Fprintf(b, "### %s\n\n", c.SaturationTitle)
		mdTable(b, c.Saturation)
		list(c.SaturationFindings)
	}
	mdAnchor(b, anchorExplain)
	b.WriteString("### What explains the cost\n\n")
	mdTable(b, c.Explain)
	list(c.ExplainFindings)
	fmt.Fprintf(b, "### %s\n\n", c.RoutesTitle)
	mdTable(b, c.Routes)
	b.WriteString("### How the cost was measured\n\n")
	list(c.Method)
	mdAnchor(b, anchorAtRate)
	fmt.Fprintf(b, "## %s\n\n", atRateTitle)
	mdTable(b, d.Headline)
	b.WriteString("### The trade-off at the held rates\n\n")
	list(d.TradeOff)
	mdAnchor(b, anchorEnv)
	b.WriteString("## Where this was measured\n\n")
	for _, l := range d.Env {
		if l.Loud {
			fmt.Fprintf(b, "- **⚠ %s**\n", l.Text)
		} else {
			fmt.Fprintf(b, "- %s\n", l.Text)
		}
	}
	b.WriteString("\n## Charts\n\n")
	if len(d.Charts) == 0 {
		b.WriteString("No chart: nothing in this run could be drawn.\n\n")
	}
	for _, ch := range d.Charts {
		fmt.Fprintf(b, "### %s\n\n![%s](%s)\n\n", ch.Title, ch.Title, ch.File())
	}
	mdDetails(b, d)
}

// mdTradeOff writes a trade-off run: its sections first, then where it
// was measured and the details.
func mdTradeOff(b *bytes.Buffer, d document) {
	mdSections(b, d)
	mdAnchor(b, anchorEnv)
	b.WriteString("## Where this was measured\n\n")
	for _, l := range d.Env {
		if l.Loud {
			fmt.Fprintf(b, "- **⚠ %s**\n", l.Text)
		} else {
			fmt.Fprintf(b, "- %s\n", l.Text)
		}
	}
	b.WriteString("\n")
	mdDetails(b, d)
}

func mdDetails(b *bytes.Buffer, d document) {
	if len(d.Details) > 0 {
		mdAnchor(b, "details")
		b.WriteString("## Details\n\n")
	}
	for _, t := range d.Details {
		mdTable(b, t)
	}
	b.WriteString("Rendered from results.json by \"authbench report\"; re-render with `authbench report <run-dir>`.\n")
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

// mdAnchor writes an HTML anchor the verdict's links point to: GitHub
// and most renderers keep it, and its id is the same as report.html's.
func mdAnchor(b *bytes.Buffer, id string) {
	fmt.Fprintf(b, "<a id=\"%s\"></a>\n\n", id)
}

// verdictParts pairs each part of v with its heading, in order.
func verdictParts(v verdict) []struct {
	Title  string
	Claims []claim
} {
	return []struct {
		Title  string
		Claims []claim
	}{{"What each costs on this machine", v.Costs}, {"What each buys", v.Buys}, {"Which to choose", v.Choose}}
}

// mdVerdict writes the verdict block, each sentence followed by links
// to what it rests on.
func mdVerdict(b *bytes.Buffer, v verdict) {
	mdAnchor(b, anchorVerdict)
	b.WriteString("## Verdict\n\n")
	for _, p := range verdictParts(v) {
		if len(p.Claims) == 0 {
			continue
		}
		fmt.Fprintf(b, "**%s**\n\n", p.Title)
		for _, c := range p.Claims {
			fmt.Fprintf(b, "- %s", c.Text)
			var ls []string
			for _, l := range c.Links {
				ls = append(ls, "["+l.Label+"](#"+l.ID+")")
			}
			if len(ls) > 0 {
				fmt.Fprintf(b, " (%s)", strings.Join(ls, ", "))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
}

// mdSections writes the kind's sections: a trade-off run's whole
// content, a steady kind's (cluster) part before its cost and charts.
func mdSections(b *bytes.Buffer, d document) {
	for _, s := range d.Sections {
		mdAnchor(b, s.ID)
		fmt.Fprintf(b, "## %s\n\n", s.Title)
		for _, w := range s.Warnings {
			fmt.Fprintf(b, "> **⚠ %s**\n\n", w)
		}
		for _, t := range s.Tables {
			mdTable(b, t)
		}
		if len(s.Findings) > 0 {
			b.WriteString("### Findings\n\n")
			for _, f := range s.Findings {
				fmt.Fprintf(b, "- %s\n", f)
			}
			b.WriteString("\n")
		}
		for _, c := range s.Charts {
			fmt.Fprintf(b, "### %s\n\n![%s](%s)\n\n", c.Title, c.Title, c.File())
		}
	}
}
