// Package testclock is the injectable clock the tests of every package
// share (jwtauth, sessionauth, server, security): time moves only when a
// test says so, so expiry, idle and absolute timeouts are tested without
// sleeping. Backends take it as their Now func: Config{Now: clk.Now}.
package testclock

import (
	"sync"
	"time"
)

// Clock is a time source safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock standing at start.
func New(start time.Time) *Clock { return &Clock{t: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
