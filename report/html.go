package report

import (
	"bytes"
	"html/template"
)

// page is one HTML document with everything inline: styles and SVG
// charts, no script and no external resource, so it opens from disk
// with the network off and prints as it looks.
var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{{.Title}}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 75em; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f3f3; }
caption { caption-side: top; text-align: left; font-style: italic; padding: .25em 0; }
.warn { background: #fff3cd; border: 2px solid #d39e00; padding: .5em .8em; font-weight: bold; }
.note { font-size: .85em; color: #555; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
figcaption { font-weight: bold; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>{{.Subtitle}}</p>
{{if .V1Note}}<p class="note">{{.V1Note}}</p>
{{end}}<section id="verdict" class="verdict">
<h2>Verdict</h2>
{{range .VerdictParts}}{{if .Claims}}<h3>{{.Title}}</h3>
<ul>
{{range .Claims}}<li>{{.Text}}{{if .Links}} ({{range $i, $l := .Links}}{{if $i}}, {{end}}<a href="#{{$l.ID}}">{{$l.Label}}</a>{{end}}){{end}}</li>
{{end}}</ul>
{{end}}{{end}}</section>
{{range .Warnings}}<p class="warn">⚠ {{.}}</p>
{{end}}
{{if .Steady}}{{template "sections" .}}{{if .Cost}}{{template "cost" .}}{{else}}<h2 id="at-rate">Headline</h2>
{{template "table" .Headline}}
<h2>The trade-off</h2>
<ul>
{{range .TradeOff}}<li>{{.}}</li>
{{end}}</ul>
<h3 id="environment">Where this was measured</h3>
<ul>
{{range .Env}}<li{{if .Loud}} class="warn"{{end}}>{{if .Loud}}⚠ {{end}}{{.Text}}</li>
{{end}}</ul>
<h2>Charts</h2>
{{range .Charts}}<figure class="chart" id="chart-{{.Name}}">
<figcaption>{{.Title}}</figcaption>
{{.SVG}}
</figure>
{{else}}<p>No chart: nothing in this run could be drawn.</p>
{{end}}
<h2 id="details">Details</h2>
{{range .Details}}{{template "table" .}}{{end}}
{{end}}{{else}}{{template "sections" .}}<h2 id="environment">Where this was measured</h2>
<ul>
{{range .Env}}<li{{if .Loud}} class="warn"{{end}}>{{if .Loud}}⚠ {{end}}{{.Text}}</li>
{{end}}</ul>
{{if .Details}}<h2 id="details">Details</h2>
{{range .Details}}{{template "table" .}}{{end}}{{end}}
{{end}}<p class="note">Rendered from results.json by "authbench report"; re-render with <code>authbench report &lt;run-dir&gt;</code>.</p>
</body>
</html>
{{define "cost"}}<h2 id="cost">Headline</h2>
{{template "table" .Cost.Headline}}{{template "list" .Cost.Findings}}{{if .Cost.Saturation.Rows}}<h3 id="saturation">{{.Cost.SaturationTitle}}</h3>
{{template "table" .Cost.Saturation}}{{template "list" .Cost.SaturationFindings}}{{end}}<h3 id="explain">What explains the cost</h3>
{{template "table" .Cost.Explain}}{{template "list" .Cost.ExplainFindings}}<h3>{{.Cost.RoutesTitle}}</h3>
{{template "table" .Cost.Routes}}<h3>How the cost was measured</h3>
{{template "list" .Cost.Method}}<h2 id="at-rate">` + atRateTitle + `</h2>
{{template "table" .Headline}}<h3>The trade-off at the held rates</h3>
{{template "list" .TradeOff}}<h2 id="environment">Where this was measured</h2>
<ul>
{{range .Env}}<li{{if .Loud}} class="warn"{{end}}>{{if .Loud}}⚠ {{end}}{{.Text}}</li>
{{end}}</ul>
<h2>Charts</h2>
{{range .Charts}}<figure class="chart" id="chart-{{.Name}}">
<figcaption>{{.Title}}</figcaption>
{{.SVG}}
</figure>
{{else}}<p>No chart: nothing in this run could be drawn.</p>
{{end}}
<h2 id="details">Details</h2>
{{range .Details}}{{template "table" .}}{{end}}
{{end}}{{define "sections"}}{{range .Sections}}<section id="{{.ID}}">
<h2>{{.Title}}</h2>
{{range .Warnings}}<p class="warn">⚠ {{.}}</p>
{{end}}{{range .Tables}}{{template "table" .}}{{end}}{{if .Findings}}<h3>Findings</h3>
<ul>
{{range .Findings}}<li>{{.}}</li>
{{end}}</ul>
{{end}}{{range .Charts}}<figure class="chart" id="chart-{{.Name}}">
<figcaption>{{.Title}}</figcaption>
{{.SVG}}
</figure>
{{end}}</section>
{{end}}{{end}}{{define "list"}}{{if .}}<ul>
{{range .}}<li>{{.}}</li>
{{end}}</ul>
{{end}}{{end}}{{define "table"}}<table>
{{if .Caption}}<caption>{{.Caption}}</caption>
{{end}}<thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{range .Notes}}<p class="note">{{.}}</p>
{{end}}{{end}}`))

type htmlChart struct {
	Name, Title string
	SVG         template.HTML
}

type htmlSection struct {
	section
	Charts []htmlChart
}

func htmlCharts(cs []Chart) []htmlChart {
	var out []htmlChart
	for _, c := range cs {
		out = append(out, htmlChart{Name: c.Name, Title: c.Title, SVG: template.HTML(c.Inline())})
	}
	return out
}

// htmlPage renders d. The SVG comes from our own chart renderer, not
// from results.json text, which is why it may go in unescaped; every
// string that does come from results.json is escaped by the template.
func htmlPage(d document) ([]byte, error) {
	var sections []htmlSection
	for _, s := range d.Sections {
		sections = append(sections, htmlSection{s, htmlCharts(s.Charts)})
	}
	data := struct {
		document
		Warnings     []string
		Charts       []htmlChart
		Sections     []htmlSection
		VerdictParts any
	}{d, d.Warnings(), htmlCharts(d.Charts), sections, verdictParts(d.Verdict)}
	var b bytes.Buffer
	if err := page.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
