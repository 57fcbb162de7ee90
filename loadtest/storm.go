package loadtest

import (
	"time"
)

// storm makes every logged-in user refresh once within a window, on top
// of the steady traffic: the article's front end refreshes every 10
// minutes, and this compresses all of those refreshes into seconds.
// stormPacer adds users/window hits per second, and for each hit the
// pool's targeter asks next for a user to refresh: one is given while
// the storm is behind its schedule, so the extra hits become the storm's
// refreshes and the steady ones stay steady. Called with the pool's lock
// held.
type storm struct {
	start, end time.Time // zero until begin
	window     time.Duration
	users      int
	done       []bool
	sent       int
	cursor     int
	now        func() time.Time
}

func newStorm(users int, window time.Duration) *storm {
	return &storm{window: window, users: users, done: make([]bool, users), now: time.Now}
}

// begin starts the storm now. The step's mark calls it, so every storm
// refresh starts after the mark's time and falls in the storm phase.
func (s *storm) begin() {
	s.start = s.now()
	s.end = s.start.Add(s.window)
}

// next returns a user due a storm refresh now, or -1: while the storm is
// behind its schedule (users × elapsed/window, all of them once the
// window is over), the next user from the storm's own cursor that has
// not refreshed yet, is logged in and has nothing in flight.
func (s *storm) next(vus []vu) int {
	if s.start.IsZero() || s.sent >= s.users {
		return -1
	}
	want := s.users
	if now := s.now(); now.Before(s.end) {
		want = int(float64(s.users)*float64(now.Sub(s.start))/float64(s.end.Sub(s.start))) + 1
	}
	if s.sent >= want {
		return -1
	}
	for range len(vus) {
		i := s.cursor
		s.cursor = (s.cursor + 1) % len(vus)
		if i < len(s.done) && !s.done[i] && vus[i].loggedIn && !vus[i].busy {
			s.done[i] = true
			s.sent++
			return i
		}
	}
	return -1
}

// stormPacer is a vegeta.Pacer holding base hits per second, plus extra
// per second between start and end (offsets from the attack's start).
type stormPacer struct {
	base, extra float64
	start, end  time.Duration
}

// hits is how many hits should have been sent by t.
func (p stormPacer) hits(t time.Duration) float64 {
	in := min(max(t-p.start, 0), p.end-p.start)
	return p.base*t.Seconds() + p.extra*in.Seconds()
}

// at is the inverse of hits: when the n-th hit is due.
func (p stormPacer) at(n float64) time.Duration {
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	if h := p.hits(p.start); n <= h {
		return sec(n / p.base)
	}
	if h := p.hits(p.end); n <= h {
		return p.start + sec((n-p.hits(p.start))/(p.base+p.extra))
	} else {
		return p.end + sec((n-h)/p.base)
	}
}

// Pace implements vegeta.Pacer.
func (p stormPacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if float64(hits) < p.hits(elapsed) {
		return 0, false
	}
	return max(p.at(float64(hits+1))-elapsed, 0), false
}

// Rate implements vegeta.Pacer.
func (p stormPacer) Rate(elapsed time.Duration) float64 {
	if elapsed >= p.start && elapsed < p.end {
		return p.base + p.extra
	}
	return p.base
}
