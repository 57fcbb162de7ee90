//go:build !linux

package storeproxy

import "time"

// sleeper waits with time.Sleep outside Linux: its precision depends on
// the platform's timers (the Linux version explains why that matters).
type sleeper struct{}

// sleep waits for d (> 0).
func (s *sleeper) sleep(d time.Duration) { time.Sleep(d) }

// close does nothing.
func (s *sleeper) close() {}
