package report

import (
	"context"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/authbench/authbench/internal/browsertest"
)

// browserFixtures are the runs whose report.html the browser opens: one
// of each kind, so every chart the report can draw is drawn once, and a
// cost-curve run, whose page is laid out apart.
var browserFixtures = []string{"rates", "search", "store-latency", "store-outage", "revocation", "scale-out", "refresh-storm", "curve"}

// TestHTMLInBrowser opens each fixture's report.html from disk in
// headless Chromium with networking off, and checks that every chart is
// drawn with a non-zero size and that the page loaded nothing but itself.
func TestHTMLInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	chrome := browsertest.Chromium(t)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chrome),
			chromedp.NoSandbox,
			chromedp.UserDataDir(t.TempDir()),
			// Networking off: no name resolves, and any request that
			// tried would go to a proxy nothing listens on.
			chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND"),
			chromedp.Flag("proxy-server", "127.0.0.1:9"),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-quic", true),
		)...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	// The first Run starts the browser: no timeout on this context.
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: %v", chrome, err)
	}
	for _, fixture := range browserFixtures {
		t.Run(fixture, func(t *testing.T) {
			// Each page in a tab of its own, so one page's requests are
			// never counted against another.
			tab, cancelTab := chromedp.NewContext(browser)
			defer cancelTab()
			checkPage(t, tab, copyRun(t, fixture))
		})
	}
	// With raw files: the latency-over-time strips too.
	t.Run("rates with raw files", func(t *testing.T) {
		tab, cancelTab := chromedp.NewContext(browser)
		defer cancelTab()
		checkPage(t, tab, stripRun(t))
	})
}

// checkPage renders the run in dir, opens its report.html in tab and
// checks it.
func checkPage(t *testing.T, tab context.Context, dir string) {
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := render(r, dir)
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	page := (&url.URL{Scheme: "file", Path: abs}).String()

	// The first Run on a new tab creates it: no timeout on that one.
	if err := chromedp.Do(tab, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()

	var mu sync.Mutex
	var requested []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requested = append(requested, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		t.Fatalf("open %s: %v", page, err)
	}

	type size struct {
		ID string  `json:"id"`
		W  float64 `json:"w"`
		H  float64 `json:"h"`
	}
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]size](`Array.from(document.querySelectorAll("figure.chart")).map(f => {
		const s = f.querySelector("svg");
		const r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
		return {id: f.id, w: r.width, h: r.height};
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Charts) == 0 {
		t.Fatal("the fixture has no chart: nothing for the browser to check")
	}
	if got, want := len(charts), len(out.Charts); got != want {
		t.Errorf("%d charts in the page, want %d", got, want)
	}
	for i, c := range charts {
		if i < len(out.Charts) && c.ID != "chart-"+out.Charts[i].Name {
			t.Errorf("chart %d is %q, want chart-%s", i, c.ID, out.Charts[i].Name)
		}
		if c.W <= 0 || c.H <= 0 {
			t.Errorf("chart %s is %gx%g, want a non-zero size", c.ID, c.W, c.H)
		}
	}
	checkLayout(t, ctx)
	resources, err := chromedp.Run(ctx, chromedp.Evaluate[int](`performance.getEntriesByType("resource").length`))
	if err != nil {
		t.Fatal(err)
	}
	if resources != 0 {
		t.Errorf("the page loaded %d resources, want none", resources)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(requested) != 1 || requested[0] != page {
		t.Errorf("network requests %q, want only the document %s", requested, page)
	}
}

// noWhiskers are the charts without whiskers: time series of one step
// (the outage timeline, the latency strips), where a point is one slice
// of one step, not a median over repetitions. Every other chart has them.
var noWhiskers = []string{"store-outage-timeline", "latency-over-time"}

// checkLayout checks, in the page as drawn: the verdict is the first
// section; each chart has one title (its caption, none in the SVG);
// every chart but a time series has whiskers; no text of a chart overlaps its plot
// area but the in-plot value labels (8 px).
func checkLayout(t *testing.T, ctx context.Context) {
	t.Helper()
	first, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const h = document.querySelector("h2");
		return h ? (h.parentElement.id || h.textContent) : "";
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if first != "verdict" {
		t.Errorf("the first section is %q, want the verdict", first)
	}
	type chart struct {
		ID       string   `json:"id"`
		Captions int      `json:"captions"`
		Titled   bool     `json:"titled"`
		Whiskers int      `json:"whiskers"`
		Area     bool     `json:"area"`
		Overlaps []string `json:"overlaps"`
	}
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]chart](`Array.from(document.querySelectorAll("figure.chart")).map(f => {
		const caps = f.querySelectorAll("figcaption");
		const title = caps.length ? caps[0].textContent.trim() : "";
		const texts = Array.from(f.querySelectorAll("svg text"));
		const areas = Array.from(f.querySelectorAll("svg rect.plot-area")).map(r => r.getBoundingClientRect());
		const overlaps = [];
		for (const a of areas) {
			for (const t of texts) {
				if ((t.getAttribute("style") || "").includes("font-size:8px")) continue;
				const b = t.getBoundingClientRect();
				const tol = 1;
				if (b.right > a.left + tol && b.left < a.right - tol && b.bottom > a.top + tol && b.top < a.bottom - tol) {
					overlaps.push(t.textContent);
				}
			}
		}
		return {
			id: f.id,
			captions: caps.length,
			titled: texts.some(t => t.textContent.trim() === title),
			whiskers: Array.from(f.querySelectorAll("svg path")).filter(p => (p.getAttribute("style") || "").includes("stroke-width:1.1")).length,
			area: areas.length > 0,
			overlaps: overlaps,
		};
	})`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range charts {
		if c.Captions != 1 {
			t.Errorf("%s: %d captions, want 1", c.ID, c.Captions)
		}
		if c.Titled {
			t.Errorf("%s: the SVG repeats the caption as a title", c.ID)
		}
		if !c.Area {
			t.Errorf("%s: no plot-area rect to check the text against", c.ID)
		}
		if len(c.Overlaps) > 0 {
			t.Errorf("%s: text over the plot area: %q", c.ID, c.Overlaps)
		}
		if !slices.Contains(noWhiskers, strings.TrimPrefix(c.ID, "chart-")) && c.Whiskers == 0 {
			t.Errorf("%s: no whiskers", c.ID)
		}
	}
}
