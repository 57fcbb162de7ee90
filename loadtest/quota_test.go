package loadtest

import (
	"math"
	"testing"
	"time"
)

// TestQuotaPeriodFor checks the CFS period the quota is expressed in:
// the shortest whose quota is the kernel's 1 ms minimum, within
// [1 ms, 1 s], so a throttled server waits as little as the kernel
// allows.
func TestQuotaPeriodFor(t *testing.T) {
	for _, c := range []struct {
		share float64
		want  time.Duration
	}{
		{1, time.Millisecond},
		{0.5, 2 * time.Millisecond},
		{0.25, 4 * time.Millisecond},
		{0.125, 8 * time.Millisecond},
		{0.3, 3333334 * time.Nanosecond},
		{0.0005, time.Second}, // 2 s would be needed: clamped, and set refuses the 0.5 ms quota
		{0, time.Second},
	} {
		got := quotaPeriodFor(c.share)
		if got != c.want {
			t.Errorf("quotaPeriodFor(%g) = %v, want %v", c.share, got, c.want)
		}
		if c.share >= 0.001 {
			if us := math.Round(c.share * float64(got.Microseconds())); us < 1000 {
				t.Errorf("quotaPeriodFor(%g) = %v: quota %v µs is under the kernel's 1 ms", c.share, got, us)
			}
		}
	}
}
