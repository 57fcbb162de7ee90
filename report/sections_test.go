package report

import (
	"bytes"
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench/results"
)

// fixture loads testdata/<name>/results.json through Load, as a run
// folder would be.
func fixture(tb testing.TB, name string) *results.Results {
	tb.Helper()
	r, err := Load(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// variant returns r's pass with the given label.
func variant(tb testing.TB, r *results.Results, label string) *results.VariantResult {
	tb.Helper()
	for i := range r.Variants {
		if r.Variants[i].Label() == label {
			return &r.Variants[i]
		}
	}
	tb.Fatalf("fixture has no variant %q", label)
	return nil
}

// TestSectionFindings checks, per kind, that the figures in results.json
// reach the reader as the findings and warnings they mean: the loud ones
// at the top of both formats, the rest in the section.
func TestSectionFindings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fixture string
		edit    func(testing.TB, *results.Results)
		// want are in report.md; loud are warnings, which must also be at
		// the top of report.md and report.html; not must be nowhere.
		want, loud, not []string
	}{
		{
			name: "store latency: stateful p99 rises per added ms, jwt flat, proxy cost stated", fixture: "store-latency",
			want: []string{
				"by itself makes a Redis GET take 118.0 µs instead of 61.0 µs (+57 µs per round trip)",
				"From +0s to +5ms added round trip, at 600 req/s: jwt p50 ",
				"ms per added ms",
				"jwt-blacklist and session paid the added round trip in their requests' latency, while jwt stayed flat: it never asks Redis.",
				"Max sustainable rate from +0s to +5ms: ",
				"| session | +5ms | ",
			},
			not: []string{"## Headline", "## The trade-off"},
		},
		{
			name: "store latency without a proxy described", fixture: "store-latency",
			edit: func(_ testing.TB, r *results.Results) { r.StoreProxy = nil },
			loud: []string{"results.json describes no store proxy"},
		},
		{
			name: "cluster: ratios to one Redis, spread over masters, outage matches the slot share", fixture: "cluster",
			want: []string{
				"session on the cluster: marginal server CPU 1.13× one Redis (95 % CI 1.12–1.13): significant.",
				"| session | 38.5 [37.4–39.6] | 43.4 [42.1–44.7] | 1.13 [1.12–1.13] |",
				"session@cluster: its 1210173 commands spread over the 3 masters, 33.0% to 33.9% each.",
				"33.8% of the users failed (338 of 1000), exactly those on it; every other user was served",
				"(338 answers were 401: the restarted master came back empty)",
				"jwt@cluster keeps nothing in Redis: with a master down, none of its 1000 users failed.",
			},
			not: []string{"reached beyond it", "the load did not spread"},
		},
		{
			name: "cluster: users elsewhere failing is loud", fixture: "cluster",
			edit: func(tb testing.TB, r *results.Results) {
				o := &variant(tb, r, "session@cluster").ShardOutages[0]
				o.UsersFailed, o.FailedElsewhere = o.UsersFailed+5, 5
			},
			loud: []string{"session@cluster: 5 users whose keys are not on the stopped master failed too"},
		},
		{
			name: "cluster: a master that served nothing", fixture: "cluster",
			edit: func(tb testing.TB, r *results.Results) {
				v := variant(tb, r, "session@cluster")
				for i := range v.Steps {
					if n := v.Steps[i].Redis; n != nil && len(n.Nodes) == 3 {
						n.Nodes[2].Commands = 0
					}
				}
			},
			want: []string{"session@cluster: a master served none of its"},
		},
		{
			name: "store outage: fail-closed, recovery, servers intact", fixture: "store-outage",
			want: []string{
				"Fail-closed: while Redis was unreachable, jwt-blacklist and session answered no request with a 2xx",
				"jwt never asks Redis, so the outage does not reach it",
				"(mostly 503)",
				"After the restore, the first 2xx came after: jwt ",
				"Every server process survived",
			},
			not: []string{"FAIL-OPEN", "did not survive"},
		},
		{
			name: "store outage: requests let through unchecked are a loud fail-open", fixture: "store-outage",
			edit: func(tb testing.TB, r *results.Results) { variant(tb, r, "session").Outages[1].Unchecked = 37 },
			loud: []string{"FAIL-OPEN: session answered 37 request(s) with a 2xx while Redis was unreachable (600 req/s, repetition 2)"},
			// jwt-blacklist still failed closed, and is still said to.
			want: []string{"FAIL-OPEN: session let requests through", "⚠ 37 FAIL-OPEN (in 1 of 2)",
				"Fail-closed: while Redis was unreachable, jwt-blacklist answered no request with a 2xx"},
			not: []string{"Fail-closed: while Redis was unreachable, jwt-blacklist and session"},
		},
		{
			name: "store outage: a dead server and a leak are loud", fixture: "store-outage",
			edit: func(tb testing.TB, r *results.Results) {
				v := variant(tb, r, "jwt-blacklist")
				v.Outages[0].Health.Alive = false
				h := &variant(tb, r, "session").Outages[0].Health
				h.GoroutinesAfter, h.Leaked = h.GoroutinesBefore+40, true
			},
			loud: []string{
				"A jwt-blacklist server process did not survive the outage step (600 req/s, repetition 1)",
				"session leaked goroutines in the outage step (600 req/s, repetition 1)",
			},
			want: []string{"⚠ NO", "⚠ YES (+40)", "Not every server came through intact"},
			not:  []string{"Every server process survived"},
		},
		{
			name: "store outage: never recovered", fixture: "store-outage",
			edit: func(tb testing.TB, r *results.Results) {
				for i := range variant(tb, r, "session").Outages {
					o := &variant(tb, r, "session").Outages[i]
					o.FirstSuccess, o.Steady = -1, -1
				}
			},
			want: []string{"session never (all 2)", "(never: not before the step ended)"},
		},
		{
			name: "revocation: jwt's window at the configured lifetimes, first in the section", fixture: "revocation",
			want: []string{
				"## Revocation: how long a revoked credential keeps working\n\nAfter revoking,",
				"| jwt | logout | 204 at-expiry | 2 of 2 | ",
				"| jwt | revoke-user | 501 (unsupported) | 2 of 2 | ",
				"up to 15m (the access TTL), and the refresh token keeps minting new ones for up to 168h",
				"With the configured lifetimes, revoking does not end a copied credential in jwt (logout, revoke-user): up to 15m",
				"Measured with 3s access tokens: jwt logout refused after ",
				"refused the old cookie at the first replay after revoking, whatever the lifetime: jwt-blacklist (logout, revoke-user), session (logout, revoke-user) and session-memory (logout, revoke-user)",
			},
		},
		{
			name: "revocation: the stated window follows the configured lifetimes", fixture: "revocation",
			edit: func(_ testing.TB, r *results.Results) {
				r.Scenario.Backend.AccessTTL = results.Duration(5 * time.Minute)
				r.Scenario.Backend.RefreshTTL = results.Duration(24 * time.Hour)
			},
			want: []string{"up to 5m (the access TTL), and the refresh token keeps minting new ones for up to 24h"},
			not:  []string{"up to 15m", "168h"},
		},
		{
			name: "revocation: session-memory's cookie lives on one instance", fixture: "revocation",
			want: []string{
				"| session-memory | logout | 204 immediate | 1 of 2 | ",
				"session-memory's cookie was accepted by 1 of 2 instances before revoking: a session held in one process's memory exists only on the instance that issued it",
			},
		},
		{
			name: "revocation: a cookie never refused is said so, and loud when the server said immediate", fixture: "revocation",
			edit: func(tb testing.TB, r *results.Results) {
				t := &variant(tb, r, "session").Revocations[0]
				t.Windows, t.Window = []time.Duration{-1, 0}, -1
			},
			want: []string{"0 ms (all 2); not refused within 19s in 1 of 3"},
			loud: []string{"session logout: the server said the revocation is immediate, yet in some trial the old cookie was not refused within 19s."},
		},
		{
			name: "revocation: a failed trial is loud", fixture: "revocation",
			edit: func(tb testing.TB, r *results.Results) {
				variant(tb, r, "jwt-blacklist").Revocations[2].Error = "login user-0002: 500 Internal Server Error"
			},
			loud: []string{"jwt-blacklist logout trial 3 did not complete: login user-0002: 500 Internal Server Error"},
		},
		{
			name: "scale-out: round-robin breaks in-memory sessions; few cores add no capacity", fixture: "scale-out",
			want: []string{
				"| session-memory | round-robin | 2 | 800 | ",
				"| session-memory (sticky) | sticky | 4 | 800 | ",
				"Behind round-robin, session-memory answered 100% (100–100) on 1 instance, 50% (50–50) on 2 instances and 25% (25–25) on 4 instances of all requests: a session held in one process's memory works only on the instance that issued the cookie",
				"with sticky routing it answered 100% (100–100) on 4 instances",
				"This machine has 2 cores: 4 server processes share them with each other and the load generator, so more processes cannot add capacity here",
				"its commands per second follow the requests (800 req/s), not the processes",
				"jwt, session-memory and session-memory (sticky) put no load on it",
			},
			not: []string{"## Headline"},
		},
		{
			name: "scale-out: on many cores the note says capacity may grow", fixture: "scale-out",
			edit: func(_ testing.TB, r *results.Results) { r.Environment.Cores = 16 },
			want: []string{"This machine has 16 cores, more than the 4 server processes"},
		},
		{
			name: "scale-out: a shared-store variant failing on more instances is loud", fixture: "scale-out",
			edit: func(tb testing.TB, r *results.Results) {
				v := variant(tb, r, "session")
				for i := range v.Steps {
					if v.Steps[i].Instances == 4 && v.Steps[i].Kind == "rate" {
						v.Steps[i].All.Success = 0.6
					}
				}
			},
			loud: []string{"session answered fewer requests successfully as instances were added"},
		},
		{
			name: "refresh storm: CPU per refresh and /api/me around it", fixture: "refresh-storm",
			want: []string{
				"Every logged-in user refreshed once within 2s: 1000 refreshes, 500 per second on top of the steady 400 req/s.",
				"GET /api/me p99 from before to during the storm: jwt ",
				"afterwards every variant's was back within a quarter of before",
				"CPU per refresh (server+Redis), costliest first: jwt-blacklist ",
			},
		},
		{
			name: "refresh storm: CPU unmeasured is absent, not zero", fixture: "refresh-storm",
			edit: func(_ testing.TB, r *results.Results) {
				for i := range r.Variants {
					for j := range r.Variants[i].Storms {
						r.Variants[i].Storms[j].CPUPerRefresh = 0
					}
				}
			},
			not: []string{"CPU per refresh (server+Redis), costliest first"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := fixture(t, tt.fixture)
			if tt.edit != nil {
				tt.edit(t, r)
			}
			out, err := Render(r)
			if err != nil {
				t.Fatal(err)
			}
			md, page := string(out.Markdown), html.UnescapeString(string(out.HTML))
			// The warnings come right after the verdict, the first section.
			_, afterVerdict, _ := strings.Cut(md, "\n## Verdict")
			top, _, _ := strings.Cut(afterVerdict, "\n## ")
			for _, w := range tt.want {
				if !strings.Contains(md, w) {
					t.Errorf("report.md lacks %q", w)
				}
			}
			for _, w := range tt.loud {
				if !strings.Contains(top, "> **⚠ "+w) {
					t.Errorf("report.md does not open with the warning %q", w)
				}
				if !strings.Contains(page, `<p class="warn">⚠ `+w) {
					t.Errorf("report.html does not show the warning %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(md, w) {
					t.Errorf("report.md says %q", w)
				}
			}
			if t.Failed() {
				t.Logf("report.md:\n%s", md)
			}
		})
	}
}

// TestSteadyKindRendersAsBefore: results written before kinds existed
// (no "kind") and a steady run that names its kind render the same
// report, the one in the golden files.
func TestSteadyKindRendersAsBefore(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("testdata", "rates", ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "golden", "rates", MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	// As a v2 run without a cost block, like the golden test (copyRunV2).
	raw["schema"] = results.Schema
	for _, kind := range []any{nil, "", results.KindSteady} {
		if kind == nil {
			delete(raw, "kind")
		} else {
			raw["kind"] = kind
		}
		nb, err := json.Marshal(raw)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, ResultsFile), nb, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := Write(dir); err != nil {
			t.Fatalf("kind %v: %v", kind, err)
		}
		got, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("kind %v: report.md differs from testdata/golden/rates/report.md", kind)
		}
	}
}

// TestTradeOffKindsKeepStepsApart checks that no table or summary of a
// store-latency or scale-out run merges steps measured under different
// conditions: Summarise keeps the baseline only, and says which.
func TestTradeOffKindsKeepStepsApart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture, baseline string
		// steps is how many fixed-rate steps one variant's baseline holds:
		// one per repetition.
		steps int
	}{
		{fixture: "store-latency", baseline: "+0s added store latency", steps: 2},
		{fixture: "scale-out", baseline: "1 instance", steps: 2},
		{fixture: "store-outage", baseline: "", steps: 2},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			s := Summarise(fixture(t, tt.fixture))
			if s.Baseline != tt.baseline {
				t.Errorf("Baseline = %q, want %q", s.Baseline, tt.baseline)
			}
			for _, v := range s.Variants {
				for _, p := range v.Held {
					if p.Steps != tt.steps {
						t.Errorf("%s at %g req/s merges %d steps, want %d", v.Name, p.Rate, p.Steps, tt.steps)
					}
				}
			}
		})
	}
}

// TestCompareTradeOffRuns warns that two trade-off runs are compared at
// their baseline only, and that runs of two kinds are not comparable.
func TestCompareTradeOffRuns(t *testing.T) {
	t.Parallel()
	sl := fixture(t, "store-latency")
	if md := string(Compare(sl, sl)); !strings.Contains(md, "store-latency runs: figures are compared at +0s added store latency only") {
		t.Errorf("Compare of two store-latency runs does not say what it compares:\n%s", md)
	}
	if md := string(Compare(fixture(t, "rates"), sl)); !strings.Contains(md, "different scenario kinds: steady vs store-latency") {
		t.Errorf("Compare of a steady and a store-latency run does not warn:\n%s", md)
	}
}

// TestSubtitleConnectionCap checks that a run whose generator capped its
// connections says so under the title (its SLO capacity depends on it),
// and that a run without the cap says nothing about connections.
func TestSubtitleConnectionCap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		max  int
		want string // "" means no mention
	}{
		{"unbounded", 0, ""},
		{"capped", 32, "at most 32 connections per server (max_connections)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fixture(t, "curve")
			r.Scenario.MaxConnections = tt.max
			got := subtitle(Summarise(r))
			if tt.want == "" && strings.Contains(got, "connections per server") {
				t.Errorf("subtitle %q mentions a connection cap the run did not have", got)
			}
			if tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("subtitle %q, want it to contain %q", got, tt.want)
			}
		})
	}
}
