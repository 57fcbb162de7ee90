package loadtest

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/authbench/authbench/results"
)

// progress shows where a run is: on a terminal one line redrawn with \r
// (the whole run's "[step 7/24, 1m10s left]", then variant, step k/N,
// elapsed/duration, live achieved rate); elsewhere one log line per step
// start and end.
type progress struct {
	w    io.Writer
	term bool
	// now is the clock the time left is estimated with (tests fake it).
	now func() time.Time

	mu      sync.Mutex
	label   string
	du      time.Duration
	stopc   chan struct{}
	stopped chan struct{}

	// The whole run: total steps planned (a search's probes, unknown in
	// advance, raise it as they come), done steps and the time they took,
	// and when the current step began.
	total, done int
	spent       time.Duration
	stepStart   time.Time
}

func newProgress(w io.Writer, term bool) *progress {
	return &progress{w: w, term: term, now: time.Now}
}

// plan sets how many steps the whole run has, over every variant.
func (p *progress) plan(total int) {
	p.mu.Lock()
	p.total = total
	p.mu.Unlock()
}

// plannedSteps counts a scenario's fixed-rate steps over its variants and
// repetitions: what the overall progress counts to before any probe.
func plannedSteps(variants, rates, repetitions int) int {
	return variants * rates * max(repetitions, 1)
}

// overall is "[step 7/24, 1m10s left]": the current step of the whole
// run and the time left, from the mean duration of the steps done (the
// current step's own duration before any is), less what the current
// step has run. Called with mu held; "" before plan.
func (p *progress) overall() string {
	if p.total == 0 {
		return ""
	}
	cur := min(p.done+1, p.total)
	per := p.du
	if p.done > 0 {
		per = p.spent / time.Duration(p.done)
	}
	left := per*time.Duration(p.total-p.done) - p.now().Sub(p.stepStart)
	left = max(left, 0).Round(time.Second)
	return fmt.Sprintf("[step %d/%d, %v left] ", cur, p.total, left)
}

func stepLabel(variant, kind string, index, total int) string {
	switch {
	case kind == "warm-up":
		return variant + " warm-up"
	case total > 0:
		return fmt.Sprintf("%s step %d/%d", variant, index, total)
	case kind == string(results.StepSaturation):
		return fmt.Sprintf("%s saturation probe %d", variant, index)
	default:
		return fmt.Sprintf("%s probe %d", variant, index)
	}
}

func (p *progress) begin(variant, kind string, index, total int, du time.Duration, rate float64) {
	p.mu.Lock()
	p.label, p.du = stepLabel(variant, kind, index, total), du
	if kind != "warm-up" {
		p.stepStart = p.now()
		if p.total > 0 && p.done >= p.total {
			p.total = p.done + 1 // a probe beyond the plan
		}
	}
	p.mu.Unlock()
	if !p.term {
		fmt.Fprintf(p.w, "loadtest: %s: %s for %v\n", p.label, askedText(rate), du)
	}
}

// askedText is what a step asks: "4000 req/s", or "closed loop" for a
// step that asks no rate (a saturation probe).
func askedText(rate float64) string {
	if rate == 0 {
		return "closed loop"
	}
	return fmt.Sprintf("%.0f req/s", rate)
}

// track redraws the line every 200 ms from count until untrack.
func (p *progress) track(count *atomic.Uint64, t0 time.Time) {
	if !p.term {
		return
	}
	p.stopc, p.stopped = make(chan struct{}), make(chan struct{})
	go func(stopc, stopped chan struct{}) {
		defer close(stopped)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopc:
				fmt.Fprint(p.w, "\r\x1b[K")
				return
			case <-t.C:
				el := time.Since(t0)
				p.mu.Lock()
				fmt.Fprintf(p.w, "\r\x1b[K%s%s  %4.1fs/%4.1fs  %7.0f req/s", p.overall(), p.label, el.Seconds(), p.du.Seconds(), float64(count.Load())/el.Seconds())
				p.mu.Unlock()
			}
		}
	}(p.stopc, p.stopped)
}

func (p *progress) untrack() {
	if p.stopc != nil {
		close(p.stopc)
		<-p.stopped
		p.stopc = nil
	}
}

// beginSpan starts steps first … first+n-1 of total, run as one attack
// of du (an interleaved curve's rates; what says what it runs). Each
// step then ends on its own, after relabel.
func (p *progress) beginSpan(variant string, first, n, total int, du time.Duration, what string) {
	p.mu.Lock()
	p.label, p.du = fmt.Sprintf("%s steps %d–%d/%d", variant, first, first+n-1, total), du
	p.stepStart = p.now()
	if p.total > 0 && p.done >= p.total {
		p.total = p.done + n
	}
	p.mu.Unlock()
	if !p.term {
		fmt.Fprintf(p.w, "loadtest: %s: %s, %v\n", p.label, what, du)
	}
}

// relabel names the current step anew without starting it: the steps an
// interleaved attack yields all end at once, after one beginSpan.
func (p *progress) relabel(variant, kind string, index, total int) {
	p.mu.Lock()
	p.label = stepLabel(variant, kind, index, total)
	p.mu.Unlock()
}

func (p *progress) end(variant, kind string, st results.Step) {
	if kind != "warm-up" {
		p.mu.Lock()
		p.done++
		p.spent += p.now().Sub(p.stepStart)
		p.stepStart = p.now() // the next step of a span starts here
		p.mu.Unlock()
	}
	if kind == "warm-up" {
		if !p.term {
			fmt.Fprintf(p.w, "loadtest: %s done\n", stepLabel(variant, kind, 0, 0))
		}
		return
	}
	asked := fmt.Sprintf("%.0f/s asked", st.Rate)
	if st.Rate == 0 {
		asked = "closed loop"
	}
	line := fmt.Sprintf("loadtest: %s: %s, %.0f/s achieved, p99 %v, success %.2f%%",
		p.label, asked, st.All.Rate, st.All.Latency.P99.Round(time.Microsecond), 100*st.All.Success)
	if st.Server != nil {
		line += fmt.Sprintf(", server %.1f µs/req", st.Server.CPUPerRequest*1e6)
	}
	if st.GeneratorBound {
		line += " [GENERATOR-BOUND: " + st.GeneratorBoundReason + "]"
	}
	if st.Interrupted {
		line += " [interrupted]"
	}
	fmt.Fprintln(p.w, line)
}

func (p *progress) verdict(st results.Step) {
	if st.SLO == nil {
		return
	}
	if st.SLO.Pass {
		fmt.Fprintf(p.w, "loadtest:   SLO met at %.0f/s\n", st.Rate)
	} else {
		fmt.Fprintf(p.w, "loadtest:   SLO failed at %.0f/s: %s\n", st.Rate, st.SLO.Reason)
	}
}
