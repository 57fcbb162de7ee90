package scenarios_test

import (
	"testing"
	"time"

	"github.com/authbench/authbench/loadtest"
	"github.com/authbench/authbench/results"
)

// TestFrontier runs the frontier scenario in miniature through real
// server processes and a real redis-server: a cost analysis for every
// variant, revocation trials under load on two instances (a stateless
// variant's long window stated, not waited for), memory per user, and a
// partition recorded for the variants with a store, none of which
// accepted past its bound. Figures mean nothing at this size.
func TestFrontier(t *testing.T) {
	res := miniature(t, "frontier.yaml", func(s *loadtest.Scenario) {
		s.Variants = []string{"jwt", "jwt-blacklist-cached", "session"}
		s.Users = 20
		s.Rates = []float64{50, 100, 200}
		s.Duration = loadtest.Duration(300 * time.Millisecond)
		s.Repetitions = 1
		s.Curve.Capacity.Probe = loadtest.Duration(500 * time.Millisecond)
		s.Curve.Capacity.Probes = 2
		q := s.Frontier
		q.Trials = 3
		q.Timeout = loadtest.Duration(2 * time.Second)
		q.MemoryLogins = 10
		q.PartitionHold = loadtest.Duration(1500 * time.Millisecond)
	})
	if res.Cost == nil || len(res.Cost.Variants) != 3 {
		t.Fatalf("cost analysis %+v, want 3 variants", res.Cost)
	}
	for _, v := range res.Variants {
		f := v.Frontier
		if f == nil {
			t.Fatalf("%s: no frontier result", v.Variant)
		}
		if v.Info == nil || v.Info.LogoutBound == nil || v.Info.Colour == "" {
			t.Errorf("%s: info %+v, want the registry's bound and colour", v.Variant, v.Info)
		}
		if f.Memory == nil || f.Memory.Logins != 10 || len(f.Memory.ProcessBytesPerUser) != 2 {
			t.Errorf("%s: memory %+v, want 10 logins and 2 processes", v.Variant, f.Memory)
		}
		switch v.Variant {
		case "jwt":
			if f.RefreshesPerClientHour != 8 || len(f.Trials) != 0 || f.Unmeasured[results.ActionLogout] == "" || f.Partition != nil {
				t.Errorf("jwt: refreshes/h %v, %d trials, unmeasured %v, partition %+v; want 8 (every 7.5 min), none waited for, no partition",
					f.RefreshesPerClientHour, len(f.Trials), f.Unmeasured, f.Partition)
			}
		default:
			if len(f.Trials) != 6 {
				t.Errorf("%s: %d trials, want 3 logout + 3 revoke-user", v.Variant, len(f.Trials))
			}
			for _, tr := range f.Trials {
				if tr.Error != "" || tr.Window < 0 || len(tr.Windows) != 2 {
					t.Errorf("%s %s trial %d: window %v windows %v error %q", v.Variant, tr.Action, tr.Trial, tr.Window, tr.Windows, tr.Error)
				}
			}
			p := f.Partition
			t.Logf("%s: partition %+v, memory %+v", v.Variant, p, f.Memory)
			if p == nil || p.Error != "" || p.FirstRefused < 0 || p.AcceptedPastBound {
				t.Errorf("%s: partition %+v, want a refusal and nothing accepted past the bound", v.Variant, p)
			}
			if f.Memory != nil && f.Memory.RedisBytesPerUser == nil {
				t.Errorf("%s: Redis memory per user unmeasured", v.Variant)
			}
		}
	}
}
