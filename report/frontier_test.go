package report

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench/results"
)

// pt is a frontier point at logout window x (p99 of one trial) costing
// cpu µs with the interval [lo, hi].
func pt(name string, x time.Duration, cpu, lo, hi float64) frontierPoint {
	return frontierPoint{Variant: name, HasCPU: true, CPU: results.Interval{Estimate: cpu, Lo: lo, Hi: hi},
		Logout: windowStats{N: 1, P50: x, P99: x, Max: x}}
}

// stated is a point whose window is its stated bound.
func stated(name string, bound time.Duration, cpu float64) frontierPoint {
	p := pt(name, 0, cpu, cpu, cpu)
	p.Logout = windowStats{Stated: "bound beyond the timeout", StatedMax: bound}
	return p
}

func TestFrontierWords(t *testing.T) {
	violated := pt("jwt-epoch", time.Millisecond, 5, 4, 6)
	violated.Violation = true
	violated.Partition = &results.Partition{Bound: time.Second, LastAccepted: 1500 * time.Millisecond}
	tests := []struct {
		name string
		ps   []frontierPoint
		want []string
	}{
		{name: "cheapest within each threshold, ratio to jwt",
			ps: []frontierPoint{stated("jwt", 15*time.Minute, 10), pt("jwt-blacklist-cached", 5*time.Millisecond, 12, 11, 13), pt("session", 0, 30, 28, 32)},
			want: []string{
				"To revoke within 10ms at the lowest cost on this machine, use jwt-blacklist-cached (12.0 µs/request, 1.2x of jwt).",
				"To revoke within 1s at the lowest cost on this machine, use jwt-blacklist-cached (12.0 µs/request, 1.2x of jwt).",
				"To revoke within 1m at the lowest cost on this machine, use jwt-blacklist-cached (12.0 µs/request, 1.2x of jwt).",
			}},
		{name: "overlapping intervals are not told apart",
			ps: []frontierPoint{stated("jwt", 15*time.Minute, 10), pt("session", 0, 20, 15, 25), pt("session-cached", time.Millisecond, 22, 18, 26)},
			want: []string{
				"To revoke within 10ms at the lowest cost on this machine, use session (20.0 µs/request, 2.0x of jwt); session-cached (22.0 µs/request) is within its interval, so this run does not tell them apart.",
				"To revoke within 1s at the lowest cost on this machine, use session (20.0 µs/request, 2.0x of jwt); session-cached (22.0 µs/request) is within its interval, so this run does not tell them apart.",
				"To revoke within 1m at the lowest cost on this machine, use session (20.0 µs/request, 2.0x of jwt); session-cached (22.0 µs/request) is within its interval, so this run does not tell them apart.",
			}},
		{name: "a variant past its bound is never recommended, and is called a bug",
			ps: []frontierPoint{violated, pt("session", 0, 30, 28, 32)},
			want: []string{
				"To revoke within 10ms at the lowest cost on this machine, use session (30.0 µs/request).",
				"To revoke within 1s at the lowest cost on this machine, use session (30.0 µs/request).",
				"To revoke within 1m at the lowest cost on this machine, use session (30.0 µs/request).",
				"BUG: jwt-epoch, cut off from Redis, still accepted a revoked credential 1.5s after revoke-user, past its stated bound of 1s.",
			}},
		{name: "nothing within a threshold",
			ps: []frontierPoint{stated("jwt-short", time.Minute, 3)},
			want: []string{
				"No variant of this run revokes within 10ms (logout, p99).",
				"No variant of this run revokes within 1s (logout, p99).",
				"To revoke within 1m at the lowest cost on this machine, use jwt-short (3.0 µs/request).",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := frontierWords(tt.ps, "jwt")
			if !slices.Equal(got, tt.want) {
				t.Errorf("frontierWords =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestMarkPareto(t *testing.T) {
	never := pt("none", 0, 1, 1, 1)
	never.Logout = windowStats{Stated: "cannot", Unrevocable: true}
	ps := []frontierPoint{
		stated("jwt", 15*time.Minute, 10),
		pt("jwt-blacklist-cached", 5*time.Millisecond, 12, 11, 13),
		pt("jwt-epoch", 6*time.Millisecond, 14, 13, 15), // dominated by jwt-blacklist-cached
		pt("session", 0, 30, 28, 32),
		never, // no window: off the frontier
	}
	markPareto(ps)
	var got []string
	for _, p := range ps {
		if p.Pareto {
			got = append(got, p.Variant)
		}
	}
	if want := []string{"jwt", "jwt-blacklist-cached", "session"}; !slices.Equal(got, want) {
		t.Errorf("Pareto-optimal %v, want %v", got, want)
	}
}

// TestFrontierOf computes the points of the fixture run: every variant,
// cost from the cost analysis, measured windows for the variants with a
// store, stated ones for stateless jwt, colours from the recorded Info.
func TestFrontierOf(t *testing.T) {
	r, err := Load("testdata/frontier")
	if err != nil {
		t.Fatal(err)
	}
	ps := frontierOf(r)
	if len(ps) != 8 {
		t.Fatalf("%d points, want 8", len(ps))
	}
	for _, p := range ps {
		if p.Colour == "" || !p.HasCPU {
			t.Errorf("%s: colour %q, cpu %v", p.Variant, p.Colour, p.HasCPU)
		}
		_, hasX := p.X()
		switch p.Variant {
		case "none":
			if hasX || p.Pareto {
				t.Errorf("none: a window or on the frontier")
			}
		case "jwt", "jwt-short":
			if p.Logout.Stated == "" || !p.RevokeUser.Unrevocable || !hasX {
				t.Errorf("%s: logout %+v revoke-user %+v, want the stated TTL and never", p.Variant, p.Logout, p.RevokeUser)
			}
		default:
			if p.Logout.N == 0 || p.RevokeUser.N == 0 || p.Partition == nil {
				t.Errorf("%s: windows %+v %+v, partition %v", p.Variant, p.Logout, p.RevokeUser, p.Partition)
			}
		}
	}
}
