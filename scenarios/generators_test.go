package scenarios_test

import (
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench/loadtest"
)

// TestGenerators runs a steady scenario with generators: 2 in miniature:
// for each variant two "authbench loadtest --target" processes shared the
// load, each asked for half of every rate, and their runs were merged
// into the variant's steps: asked rates and requests add up over the
// parts, each part is stated with its offset, and the run says its load
// was split.
func TestGenerators(t *testing.T) {
	res := miniature(t, "smoke.yaml", func(s *loadtest.Scenario) {
		s.Variants = []string{"jwt", "session"}
		s.Users = 10
		s.Rates = []float64{40, 80}
		s.Duration = loadtest.Duration(500 * time.Millisecond)
		s.Warmup = loadtest.Duration(200 * time.Millisecond)
		s.Generators = 2
	})
	if res.Scenario.Generators != 2 || len(res.Generators) != 2*2 {
		t.Fatalf("scenario generators %d, %d generator parts recorded, want 2 and 2 per variant", res.Scenario.Generators, len(res.Generators))
	}
	for _, v := range res.Variants {
		if len(v.Steps) != 2 {
			t.Fatalf("%s: %d steps, want one per rate", v.Variant, len(v.Steps))
		}
		if v.Logins.Users != 2*10 {
			t.Errorf("%s: %d users logged in, want each generator's 10", v.Variant, v.Logins.Users)
		}
		for i, st := range v.Steps {
			if st.Index != i+1 || st.Rate != res.Scenario.Rates[i] || len(st.Parts) != 2 {
				t.Errorf("%s step %d: index %d rate %v, %d parts; want rate %v over 2 parts", v.Variant, i+1, st.Index, st.Rate, len(st.Parts), res.Scenario.Rates[i])
				continue
			}
			var reqs uint64
			for _, p := range st.Parts {
				reqs += p.Requests
				if p.Rate != st.Rate/2 || p.RawFile == "" || p.Offset < 0 {
					t.Errorf("%s step %d part %s: rate %v raw %q offset %v, want half the rate and its raw file", v.Variant, st.Index, p.Generator, p.Rate, p.RawFile, p.Offset)
				}
			}
			if st.All.Requests == 0 || st.All.Requests != reqs || st.All.Latency.P99 <= 0 {
				t.Errorf("%s step %d: %d requests (parts %d), p99 %v", v.Variant, st.Index, st.All.Requests, reqs, st.All.Latency.P99)
			}
			// The server's CPU and Redis's commands come from the
			// runner's samples within the generators' step.
			if st.Server == nil || st.Server.CPUSeconds <= 0 || st.Redis == nil {
				t.Errorf("%s step %d: server %+v redis %+v, want both sampled", v.Variant, st.Index, st.Server, st.Redis)
			} else if v.Variant == "session" && st.Redis.Commands == 0 {
				t.Errorf("session step %d: no Redis commands sampled", st.Index)
			}
		}
	}
	if notes := strings.Join(res.Notes, "\n"); !strings.Contains(notes, "load split over 2 generator processes") || !strings.Contains(notes, "step starts after the earliest") {
		t.Errorf("notes do not say the load was split and the offsets:\n%s", notes)
	}
}
