package loadtest

import (
	"slices"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authbench/authbench/results"
)

// TestStormPacer: the pacer adds extra hits per second inside the window
// only, and at is the inverse of hits, so Pace never stalls or bursts.
func TestStormPacer(t *testing.T) {
	p := stormPacer{base: 100, extra: 500, start: 2 * time.Second, end: 4 * time.Second}
	tests := []struct {
		at   time.Duration
		hits float64
		rate float64
	}{
		{0, 0, 100},
		{time.Second, 100, 100},
		{2 * time.Second, 200, 600},
		{3 * time.Second, 800, 600},
		{4 * time.Second, 1400, 100},
		{5 * time.Second, 1500, 100},
	}
	for _, tt := range tests {
		if got := p.hits(tt.at); got < tt.hits-1e-6 || got > tt.hits+1e-6 {
			t.Errorf("hits(%v) = %v, want %v", tt.at, got, tt.hits)
		}
		if got := p.Rate(tt.at); got != tt.rate {
			t.Errorf("Rate(%v) = %v, want %v", tt.at, got, tt.rate)
		}
		if tt.hits > 0 {
			if got := p.at(tt.hits); got < tt.at-time.Microsecond || got > tt.at+time.Microsecond {
				t.Errorf("at(%v) = %v, want %v", tt.hits, got, tt.at)
			}
		}
	}
	if w, stop := p.Pace(3*time.Second, 100); w != 0 || stop {
		t.Errorf("behind schedule: wait %v stop %v, want 0", w, stop)
	}
	if w, _ := p.Pace(3*time.Second, 800); w <= 0 || w > 2*time.Millisecond {
		t.Errorf("on schedule in the storm: wait %v, want one hit at 600/s (~1.7ms)", w)
	}
}

// TestStormNext: each user refreshes once, never ahead of the schedule,
// and busy or logged-out users are passed over until they are free.
func TestStormNext(t *testing.T) {
	t0 := time.Unix(1000, 0)
	now := t0
	vus := make([]vu, 10)
	for i := range vus {
		vus[i].loggedIn = true
	}
	vus[3].busy = true
	s := newStorm(10, 2*time.Second)
	s.now = func() time.Time { return now }
	if s.next(vus) >= 0 {
		t.Fatal("a refresh before the storm")
	}
	now = t0.Add(time.Second)
	s.begin() // storm start: one refresh allowed
	if i := s.next(vus); i != 0 || s.next(vus) >= 0 {
		t.Fatalf("want exactly user 0 at the storm's start, got %d", i)
	}
	now = t0.Add(2 * time.Second) // half way: 6 allowed in all
	var got []int
	for i := s.next(vus); i >= 0; i = s.next(vus) {
		got = append(got, i)
	}
	if want := []int{1, 2, 4, 5, 6}; !slices.Equal(got, want) {
		t.Fatalf("half way: users %v, want %v (3 is busy)", got, want)
	}
	vus[3].busy = false
	now = t0.Add(10 * time.Second) // after the window: everyone left
	for i := s.next(vus); i >= 0; i = s.next(vus) {
	}
	if s.sent != 10 || s.next(vus) >= 0 {
		t.Fatalf("sent %d, want one per user and no more", s.sent)
	}
}

// TestOutageResult analyses a synthetic outage step.
func TestOutageResult(t *testing.T) {
	t0 := time.Unix(2000, 0)
	ms := time.Millisecond
	res := func(start time.Duration, lat time.Duration, code uint16) kept {
		return kept{route: results.RouteMe, res: vegeta.Result{Timestamp: t0.Add(start), Latency: lat, Code: code}}
	}
	cut := &mark{began: 1000 * ms, applied: 1001 * ms, happened: true}
	restore := &mark{began: 2000 * ms, applied: 2002 * ms, happened: true}
	st := results.Step{Index: 1, Started: t0, Wall: 4000 * ms}
	ks := []kept{
		res(100*ms, ms, 200),
		res(999*ms, 5*ms, 200),   // started before the cut: not unchecked
		res(1500*ms, ms, 503),    // refused during the outage
		res(1600*ms, ms, 200),    // let through during the outage: unchecked
		res(1990*ms, 20*ms, 200), // ends after the restore began: not counted
		res(2100*ms, 3*ms, 503),  // a failure after the restore
		res(2200*ms, 2*ms, 200),  // first success: 200ms after restore (+2ms)
		res(3000*ms, ms, 200),
	}
	o := outageResult(st, ks, cut, restore, 500*ms, true)
	if o.Unchecked != 1 {
		t.Errorf("unchecked %d, want 1", o.Unchecked)
	}
	if want := 200 * ms; o.FirstSuccess != want {
		t.Errorf("first success %v, want %v", o.FirstSuccess, want)
	}
	if want := 101 * ms; o.Steady != want {
		t.Errorf("steady %v, want %v (end of the last failure after restore)", o.Steady, want)
	}
	if len(o.Timeline) != 9 || o.Timeline[3].Unavailable != 1 || o.Timeline[3].OK != 2 || o.Timeline[0].Requests != 1 || o.Timeline[1].Requests != 1 {
		t.Errorf("timeline %+v", o.Timeline)
	}
	o = outageResult(st, ks, cut, restore, 500*ms, false)
	if o.Unchecked != 0 {
		t.Errorf("a variant without a store has nothing unchecked, got %d", o.Unchecked)
	}
	late := append(ks, res(3900*ms, ms, 503))
	if o := outageResult(st, late, cut, restore, 500*ms, true); o.Steady != -1 {
		t.Errorf("failures into the last tenth: steady %v, want -1 (never)", o.Steady)
	}
}
