package loadtest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench/results"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// TestProgressOverall: on a terminal the line counts the whole run's
// steps and estimates the time left from the steps done; a probe beyond
// the plan raises the total; without a terminal nothing of it is printed.
func TestProgressOverall(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	var w bytes.Buffer
	p := newProgress(&w, true)
	p.now = clk.now
	overall := func() string {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.overall()
	}
	if got := overall(); got != "" {
		t.Errorf("before plan: %q, want nothing", got)
	}
	p.plan(plannedSteps(2, 3, 4)) // 24 steps
	step := func(d time.Duration) {
		p.begin("jwt", "rate", 1, 3, 10*time.Second, 100)
		clk.advance(d)
		p.end("jwt", "rate", results.Step{})
	}
	p.begin("jwt", "warm-up", 0, 0, 5*time.Second, 100)
	clk.advance(5 * time.Second)
	p.end("jwt", "warm-up", results.Step{})

	p.begin("jwt", "rate", 1, 3, 10*time.Second, 100)
	clk.advance(4 * time.Second)
	// No step done yet: 24 steps of the current one's 10 s, less 4 s run.
	if got, want := overall(), "[step 1/24, 3m56s left] "; got != want {
		t.Errorf("first step: %q, want %q", got, want)
	}
	clk.advance(8 * time.Second)
	p.end("jwt", "rate", results.Step{}) // took 12 s
	for range 5 {
		step(12 * time.Second)
	}
	p.begin("jwt", "rate", 1, 3, 10*time.Second, 100)
	clk.advance(2 * time.Second)
	// 6 done at 12 s each: 18 left × 12 s − 2 s.
	if got, want := overall(), "[step 7/24, 3m34s left] "; got != want {
		t.Errorf("step 7: %q, want %q", got, want)
	}
	p.end("jwt", "rate", results.Step{})
	for p.done < 24 {
		step(time.Second)
	}
	p.begin("jwt", "probe", 1, 0, time.Second, 100) // beyond the plan
	if got := overall(); !strings.HasPrefix(got, "[step 25/25, ") {
		t.Errorf("a probe beyond the plan: %q, want step 25/25", got)
	}
	if strings.Contains(w.String(), "req/s for") {
		t.Errorf("a terminal got plain lines for step starts: %q", w.String())
	}

	var plain bytes.Buffer
	q := newProgress(&plain, false)
	q.now = clk.now
	q.plan(3)
	q.begin("jwt", "rate", 1, 3, time.Second, 100)
	q.end("jwt", "rate", results.Step{})
	if strings.Contains(plain.String(), "[step") || !strings.Contains(plain.String(), "loadtest: jwt step 1/3: 100 req/s for 1s\n") {
		t.Errorf("plain output %q: want the plain lines and no overall progress", plain.String())
	}
}

// TestProgressSpan: an interleaved attack begins once for its steps and
// ends each on its own line, under its own number; the run's count
// moves by one per step, and the time of the attack is spread over them.
func TestProgressSpan(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}
	var w bytes.Buffer
	p := newProgress(&w, false)
	p.now = clk.now
	p.plan(8)
	p.beginSpan("jwt", 5, 4, 8, 8*time.Second, "rates 1000/2000/4000/7000 req/s interleaved in 32 blocks of 250ms (8 per rate)")
	clk.advance(8 * time.Second)
	for i := range 4 {
		p.relabel("jwt", "rate", 5+i, 8)
		p.end("jwt", "rate", results.Step{Rate: 1000})
	}
	out := w.String()
	for _, want := range []string{
		"loadtest: jwt steps 5–8/8: rates 1000/2000/4000/7000 req/s interleaved in 32 blocks of 250ms (8 per rate), 8s\n",
		"loadtest: jwt step 5/8: 1000/s asked",
		"loadtest: jwt step 8/8: 1000/s asked",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	p.mu.Lock()
	done, spent := p.done, p.spent
	p.mu.Unlock()
	if done != 4 || spent != 8*time.Second {
		t.Errorf("done %d, spent %v; want 4 steps in 8s", done, spent)
	}
}
