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
// (variant, step k/N, elapsed/duration, live achieved rate); elsewhere
// one log line per step start and end.
type progress struct {
	w    io.Writer
	term bool

	mu      sync.Mutex
	label   string
	du      time.Duration
	stopc   chan struct{}
	stopped chan struct{}
}

func newProgress(w io.Writer, term bool) *progress { return &progress{w: w, term: term} }

func stepLabel(variant, kind string, index, total int) string {
	switch {
	case kind == "warm-up":
		return variant + " warm-up"
	case total > 0:
		return fmt.Sprintf("%s step %d/%d", variant, index, total)
	default:
		return fmt.Sprintf("%s probe %d", variant, index)
	}
}

func (p *progress) begin(variant, kind string, index, total int, du time.Duration, rate float64) {
	p.mu.Lock()
	p.label, p.du = stepLabel(variant, kind, index, total), du
	p.mu.Unlock()
	if !p.term {
		fmt.Fprintf(p.w, "loadtest: %s: %.0f req/s for %v\n", p.label, rate, du)
	}
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
				fmt.Fprintf(p.w, "\r\x1b[K%s  %4.1fs/%4.1fs  %7.0f req/s", p.label, el.Seconds(), p.du.Seconds(), float64(count.Load())/el.Seconds())
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

func (p *progress) end(variant, kind string, st results.Step) {
	if kind == "warm-up" {
		if !p.term {
			fmt.Fprintf(p.w, "loadtest: %s done\n", stepLabel(variant, kind, 0, 0))
		}
		return
	}
	line := fmt.Sprintf("loadtest: %s: %.0f/s asked, %.0f/s achieved, p99 %v, success %.2f%%",
		p.label, st.Rate, st.All.Rate, st.All.Latency.P99.Round(time.Microsecond), 100*st.All.Success)
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
