package scenarios_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/authbench/authbench/loadtest"
	"github.com/authbench/authbench/results"
)

func d(v time.Duration) loadtest.Duration { return loadtest.Duration(v) }

// TestStoreLatency: with 5 ms added in front of Redis every session
// request takes at least 5 ms (it waits for its store round trip), while
// jwt sends nothing to Redis, so the proxy cannot touch it.
func TestStoreLatency(t *testing.T) {
	res := miniature(t, "store-latency.yaml", func(s *loadtest.Scenario) {
		s.Variants = []string{"jwt", "session"}
		s.Users, s.Duration, s.Rates, s.Search, s.Repetitions = 40, d(time.Second), []float64{100}, nil, 1
		s.StoreLatency.Added = []loadtest.Duration{0, d(5 * time.Millisecond)}
	})
	if res.StoreProxy == nil || res.StoreProxy.ProxiedRTT <= 0 {
		t.Errorf("store proxy not described: %+v", res.StoreProxy)
	}
	byLatency := func(v results.VariantResult, added time.Duration) results.Step {
		for _, st := range v.Steps {
			if st.AddedLatency == added {
				return st
			}
		}
		t.Fatalf("%s: no step at +%v", v.Variant, added)
		return results.Step{}
	}
	sess, jwt := variant(t, res, "session"), variant(t, res, "jwt")
	if st := byLatency(sess, 5*time.Millisecond); st.Routes["me"].Latency.P50 < 5*time.Millisecond || st.All.Success < 1 {
		t.Errorf("session at +5ms: me p50 %v (want >= 5ms), success %.3f", st.Routes["me"].Latency.P50, st.All.Success)
	}
	for _, added := range []time.Duration{0, 5 * time.Millisecond} {
		st := byLatency(jwt, added)
		if st.Redis == nil || st.Redis.Commands != 0 || st.All.Success < 1 {
			t.Errorf("jwt at +%v: redis %+v, success %.3f: stateless jwt must not touch the store", added, st.Redis, st.All.Success)
		}
	}
}

// TestStoreOutage: while Redis is cut off, session and jwt-blacklist
// answer 503 and let nothing through; jwt answers 200 throughout; the
// stateful ones recover without a restart, and no server dies or leaks
// goroutines.
func TestStoreOutage(t *testing.T) {
	res := miniature(t, "store-outage.yaml", func(s *loadtest.Scenario) {
		s.Users, s.Rates, s.Repetitions = 40, []float64{150}, 1
		s.Outage.Before, s.Outage.Window, s.Outage.After = d(time.Second), d(1500*time.Millisecond), d(2*time.Second)
		s.Duration = s.Outage.Before + s.Outage.Window + s.Outage.After
	})
	for _, v := range res.Variants {
		if len(v.Outages) != 1 || len(v.Steps) != 1 || len(v.Steps[0].Phases) != 3 {
			t.Fatalf("%s: %d outages, %d steps", v.Variant, len(v.Outages), len(v.Steps))
		}
		o, during := v.Outages[0], v.Steps[0].Phases[1]
		if during.Name != "outage" || during.All.Requests == 0 {
			t.Fatalf("%s: outage phase %+v", v.Variant, during)
		}
		h := o.Health
		if !h.Measured || !h.Alive || h.Restarted || h.Leaked {
			t.Errorf("%s: server health %+v", v.Variant, h)
		}
		switch v.Variant {
		case "jwt":
			if during.All.Success != 1 {
				t.Errorf("jwt during the outage: success %.3f, codes %v; stateless jwt must not notice", during.All.Success, during.All.StatusCodes)
			}
		default:
			if o.Unchecked != 0 {
				t.Errorf("%s: %d requests answered 2xx while the store was unreachable: not fail-closed", v.Variant, o.Unchecked)
			}
			if during.All.StatusCodes["503"] == 0 {
				t.Errorf("%s during the outage: codes %v, want 503s", v.Variant, during.All.StatusCodes)
			}
			for code := range during.All.StatusCodes {
				if code != "200" && code != "503" && code != "401" {
					t.Errorf("%s during the outage: status %s (codes %v); want 503 (or a 401 the protocol owes)", v.Variant, code, during.All.StatusCodes)
				}
			}
			if o.FirstSuccess < 0 || o.Steady < 0 {
				t.Errorf("%s did not recover: first success %v, steady %v", v.Variant, o.FirstSuccess, o.Steady)
			}
		}
	}
}

// TestRevocation: after logout or revoke-user, session and jwt-blacklist
// refuse the old cookie at once on every instance, and its refresh token
// too; stateless jwt keeps accepting it until it expires (revoke-user is
// 501) and its refresh token still mints new ones; session-memory's
// cookie was only ever good on the instance that issued it.
func TestRevocation(t *testing.T) {
	res := miniature(t, "revocation.yaml", func(s *loadtest.Scenario) {
		s.Users = 10
		s.Revocation.Trials = 1
		s.Revocation.MeasureAccessTTL = d(2 * time.Second)
		s.Revocation.Timeout = d(8 * time.Second)
	})
	for _, v := range res.Variants {
		if len(v.Revocations) != 2 {
			t.Fatalf("%s: %d trials, want logout and revoke-user", v.Variant, len(v.Revocations))
		}
		for _, tr := range v.Revocations {
			if tr.Error != "" {
				t.Fatalf("%s %s: %s", v.Variant, tr.Action, tr.Error)
			}
			name := v.Variant + " " + tr.Action
			switch v.Variant {
			case "jwt":
				if tr.Window <= 0 || tr.Window > 3*time.Second {
					t.Errorf("%s: window %v, want the token's remaining lifetime (0 < w <= 3s)", name, tr.Window)
				}
				if tr.RefreshStatus != http.StatusOK {
					t.Errorf("%s: refresh replay %d, want 200 (nothing stops a stateless refresh token)", name, tr.RefreshStatus)
				}
				if tr.Action == results.ActionRevokeUser && tr.Status != http.StatusNotImplemented {
					t.Errorf("%s: status %d, want 501", name, tr.Status)
				}
				if tr.Action == results.ActionLogout && tr.Revocation != "at-expiry" {
					t.Errorf("%s: Authbench-Revocation %q, want at-expiry", name, tr.Revocation)
				}
			default:
				if tr.Window != 0 || tr.RefreshStatus != http.StatusUnauthorized {
					t.Errorf("%s: window %v, refresh replay %d; want refused at once (0, 401)", name, tr.Window, tr.RefreshStatus)
				}
				if tr.Status != http.StatusNoContent || tr.Revocation != "immediate" {
					t.Errorf("%s: status %d, Authbench-Revocation %q; want 204 immediate", name, tr.Status, tr.Revocation)
				}
			}
			want := []bool{true, true}
			if v.Variant == "session-memory" {
				want = []bool{true, false}
			}
			if len(tr.AcceptedBefore) != 2 || tr.AcceptedBefore[0] != want[0] || tr.AcceptedBefore[1] != want[1] {
				t.Errorf("%s: accepted before revoking on instances %v, want %v", name, tr.AcceptedBefore, want)
			}
		}
	}
}

// TestScaleOut: behind round-robin routing over 2 instances a cookie
// from one instance works on the other for jwt, jwt-blacklist and
// session; session-memory's does not (401s), unless routing is sticky.
func TestScaleOut(t *testing.T) {
	res := miniature(t, "scale-out.yaml", func(s *loadtest.Scenario) {
		s.Users, s.Duration, s.Rates, s.Repetitions = 40, d(time.Second), []float64{120}, 1
		s.ScaleOut.Instances = []int{2}
	})
	for _, label := range []string{"jwt", "jwt-blacklist", "session", "session-memory", "session-memory (sticky)"} {
		v := variant(t, res, label)
		if len(v.Steps) != 1 || v.Steps[0].Instances != 2 || len(v.ServerPIDs) != 2 {
			t.Fatalf("%s: steps %d, pids %v", label, len(v.Steps), v.ServerPIDs)
		}
		me := v.Steps[0].Routes["me"]
		unauth := me.StatusCodes["401"]
		switch label {
		case "session-memory":
			if unauth == 0 {
				t.Errorf("%s round-robin: no 401 in %d requests (codes %v); a cookie must not work on an instance that did not issue it", label, me.Requests, me.StatusCodes)
			}
		default:
			if unauth != 0 || me.Success != 1 {
				t.Errorf("%s: me codes %v; want every request accepted on either instance", label, me.StatusCodes)
			}
		}
	}
}

// TestRefreshStorm: every logged-in user refreshes once within the
// window, on top of the steady /api/me traffic, and the before phase
// has no refresh at all.
func TestRefreshStorm(t *testing.T) {
	res := miniature(t, "refresh-storm.yaml", func(s *loadtest.Scenario) {
		s.Variants = []string{"jwt", "session"}
		s.Users, s.Rates, s.Repetitions = 60, []float64{100}, 1
		s.RefreshStorm.Before, s.RefreshStorm.Window, s.RefreshStorm.After = d(time.Second), d(time.Second), d(time.Second)
		s.Duration = s.RefreshStorm.Before + s.RefreshStorm.Window + s.RefreshStorm.After
	})
	for _, v := range res.Variants {
		if len(v.Storms) != 1 || len(v.Steps[0].Phases) != 3 {
			t.Fatalf("%s: %d storms", v.Variant, len(v.Storms))
		}
		s, ph := v.Storms[0], v.Steps[0].Phases
		if s.Refreshes != 60 || s.InWindow < 54 {
			t.Errorf("%s: %d storm refreshes, %d within the window; want one per user (60), nearly all (>= 90%%) within it", v.Variant, s.Refreshes, s.InWindow)
		}
		if n := ph[0].Routes["refresh"].Requests; n != 0 {
			t.Errorf("%s: %d refreshes before the storm", v.Variant, n)
		}
		got := ph[1].Routes["refresh"].Requests + ph[2].Routes["refresh"].Requests
		if got != 60 || ph[1].Routes["refresh"].Success != 1 {
			t.Errorf("%s: %d refreshes in storm+after (storm success %.3f), want 60 all accepted", v.Variant, got, ph[1].Routes["refresh"].Success)
		}
		if ph[1].Routes["me"].Requests == 0 {
			t.Errorf("%s: no steady traffic during the storm", v.Variant)
		}
	}
}
