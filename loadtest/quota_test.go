package loadtest

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench/results"
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

func TestParseCPUStat(t *testing.T) {
	tests := []struct {
		name, in string
		want     results.Throttling
		err      string
	}{
		{name: "cgroup v1", in: "nr_periods 1250\nnr_throttled 661\nthrottled_time 1984000000\nnr_bursts 0\nburst_time 0\n",
			want: results.Throttling{Periods: 1250, Throttled: 661, Time: 1984 * time.Millisecond}},
		{name: "cgroup v2", in: "usage_usec 812\nuser_usec 700\nsystem_usec 112\nnr_periods 40\nnr_throttled 3\nthrottled_usec 9000\n",
			want: results.Throttling{Periods: 40, Throttled: 3, Time: 9 * time.Millisecond}},
		{name: "no bandwidth lines", in: "usage_usec 812\n", err: "no nr_periods"},
		{name: "bad number", in: "nr_periods many\nnr_throttled 1\n", err: "nr_periods"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCPUStat(tt.in)
			if (err != nil) != (tt.err != "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
			if err == nil && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestThrottledSince(t *testing.T) {
	a := results.Throttling{Periods: 100, Throttled: 10, Time: time.Second}
	b := results.Throttling{Periods: 350, Throttled: 60, Time: 2 * time.Second}
	if got := throttledSince(a, b); got == nil || *got != (results.Throttling{Periods: 250, Throttled: 50, Time: time.Second}) || got.Share() != 0.2 {
		t.Errorf("throttledSince = %+v", got)
	}
	if got := throttledSince(b, a); got != nil {
		t.Errorf("counters that went back (a new group): %+v, want nil", got)
	}
	if (*results.Throttling)(nil).Share() != 0 || (&results.Throttling{}).Share() != 0 {
		t.Error("Share of nothing should be 0")
	}
}
