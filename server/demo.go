package server

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"time"
)

// DefaultRefreshInterval is how often the demo page refreshes its
// credentials when Config.RefreshInterval is zero: the article's
// setInterval of 10 minutes, well inside the 15-minute access token.
const DefaultRefreshInterval = 10 * time.Minute

//go:embed demo/index.html demo/demo.js
var demoFiles embed.FS

// demoPage is the rendered page of one Server and the headers it is sent
// with. The page only depends on the configuration, so it is rendered
// once in New rather than per request.
type demoPage struct {
	html []byte
	csp  string
}

// newDemoPage renders the demo page for a backend and refresh interval.
//
// The script is inline and allowed by its SHA-256 hash alone: the
// Content-Security-Policy admits no other script, no inline event
// handlers, no eval, no plug-ins, no framing and no form or fetch target
// but this origin, so an injected <script> or attribute would not run.
// A hash rather than a per-request nonce because the script never
// changes; the interval reaches it through a data attribute.
func newDemoPage(backend string, interval time.Duration) (*demoPage, error) {
	if interval <= 0 {
		return nil, fmt.Errorf("server: Config.RefreshInterval %v must be positive", interval)
	}
	script, err := demoFiles.ReadFile("demo/demo.js")
	if err != nil {
		return nil, fmt.Errorf("server: demo script: %w", err)
	}
	tmpl, err := template.ParseFS(demoFiles, "demo/index.html")
	if err != nil {
		return nil, fmt.Errorf("server: demo page: %w", err)
	}
	var buf bytes.Buffer
	err = tmpl.Execute(&buf, struct {
		Backend         string
		RefreshMillis   int64
		RefreshInterval string
		Script          template.JS
	}{backend, interval.Milliseconds(), interval.String(), template.JS(script)})
	if err != nil {
		return nil, fmt.Errorf("server: render demo page: %w", err)
	}
	// Hash exactly what the browser will see between the script tags.
	if !bytes.Contains(buf.Bytes(), append(append([]byte("<script>"), script...), "</script>"...)) {
		return nil, fmt.Errorf("server: demo script was altered by the template; its CSP hash would not match")
	}
	sum := sha256.Sum256(script)
	csp := "default-src 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	return &demoPage{html: buf.Bytes(), csp: csp}, nil
}

// ServeHTTP serves GET / (and HEAD /): the demo page.
func (p *demoPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", p.csp)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(p.html)
	}
}
