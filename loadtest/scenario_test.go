package loadtest

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench/results"
)

func TestLoadScenarioShipped(t *testing.T) {
	files, err := filepath.Glob("../scenarios/*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("shipped scenarios: %v %v", files, err)
	}
	kinds := map[string]results.Kind{
		"quick.yaml": results.KindSteady, "full.yaml": results.KindSteady, "smoke.yaml": results.KindSteady,
		"me-only.yaml": results.KindSteady, "profile.yaml": results.KindSteady,
		"store-latency.yaml": results.KindStoreLatency, "store-outage.yaml": results.KindStoreOutage,
		"revocation.yaml": results.KindRevocation, "scale-out.yaml": results.KindScaleOut,
		"refresh-storm.yaml": results.KindRefreshStorm, "frontier.yaml": results.KindFrontier, "cluster.yaml": results.KindCluster,
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, err := LoadScenario(f)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Variants) == 0 || s.Users < 1 || (s.Duration <= 0 && s.Kind() != results.KindRevocation) {
				t.Errorf("decoded %+v", s)
			}
			if want, ok := kinds[filepath.Base(f)]; !ok || s.Kind() != want {
				t.Errorf("kind %q, want %q (a new scenario file belongs in this table)", s.Kind(), want)
			}
			if s.Backend.BcryptCost != 4 {
				t.Errorf("bcrypt_cost = %d, want 4 in a load scenario", s.Backend.BcryptCost)
			}
		})
	}
}

const validYAML = `name: t
variants: [jwt, session]
users: 10
mix: {me: 95, refresh: 4, login_logout: 1}
warmup: 1s
duration: 2s
rates: [100, 200]
backend:
  bcrypt_cost: 4
`

// frontierYAML is validYAML as a frontier: three rates for the curve's
// fit and a capacity search.
var frontierYAML = strings.Replace(validYAML, "rates: [100, 200]", "rates: [100, 200, 300]", 1) + "curve: {capacity: {}}\nfrontier: {}\n"

func TestDecodeScenario(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		want  string // substring of the error; "" for none
		check func(t *testing.T, s *Scenario)
	}{
		{name: "valid with defaults", yaml: validYAML, check: func(t *testing.T, s *Scenario) {
			if s.Repetitions != 1 || s.Pin != "auto" || s.Backend.Alg != "HS256" || s.Timeout.D() != 10*time.Second {
				t.Errorf("defaults not applied: %+v", s)
			}
			if s.Duration.D() != 2*time.Second || len(s.Rates) != 2 || s.Mix.Me != 95 {
				t.Errorf("decoded %+v", s)
			}
		}},
		{name: "search instead of rates", yaml: strings.Replace(validYAML, "rates: [100, 200]", "search: {start: 100, bisect: 2, slo: {p99: 20ms, error_rate: 0.01}}", 1), check: func(t *testing.T, s *Scenario) {
			if s.Search == nil || s.Search.SLO.P99.D() != 20*time.Millisecond {
				t.Errorf("search %+v", s.Search)
			}
		}},
		{name: "unknown field", yaml: strings.Replace(validYAML, "rates:", "rte:", 1), want: `t.yaml:7: unknown field "rte"`},
		{name: "unknown nested field", yaml: strings.Replace(validYAML, "bcrypt_cost", "bcrypt", 1), want: `t.yaml:9: unknown field "bcrypt"`},
		{name: "bad duration", yaml: strings.Replace(validYAML, "duration: 2s", "duration: 2 seconds", 1), want: `t.yaml:6: bad duration "2 seconds"`},
		{name: "negative rate", yaml: strings.Replace(validYAML, "[100, 200]", "[100, -5]", 1), want: `t.yaml:7: rates: -5: a rate must be positive`},
		{name: "frontier defaults", yaml: frontierYAML, check: func(t *testing.T, s *Scenario) {
			q := s.Frontier
			if s.Kind() != results.KindFrontier || q.Instances != 2 || q.Trials != 20 || q.Poll.D() != time.Millisecond || q.LoadShare != 0.5 {
				t.Errorf("kind %s, frontier %+v", s.Kind(), q)
			}
		}},
		{name: "frontier on one instance", yaml: strings.Replace(frontierYAML, "frontier: {}", "frontier: {instances: 1}", 1), want: `frontier.instances: 1: want 2..16`},
		{name: "frontier without a capacity search", yaml: strings.Replace(frontierYAML, "curve: {capacity: {}}\n", "", 1), want: `curve: a frontier scenario needs a cost curve`},
		{name: "frontier partition within the staleness", yaml: strings.Replace(frontierYAML, "frontier: {}", "frontier: {partition_hold: 500ms}", 1), want: `frontier.partition_hold: 500ms: must exceed`},
		{name: "scenario short TTL under a second", yaml: strings.Replace(validYAML, "bcrypt_cost: 4", "bcrypt_cost: 4\n  short_ttl: 500ms", 1), want: `backend.short_ttl: 500ms: want at least 1s`},
		{name: "new registry variant", yaml: strings.Replace(validYAML, "[jwt, session]", "[jwt-epoch, session-cached]", 1), check: func(t *testing.T, s *Scenario) {
			if len(s.Variants) != 2 {
				t.Errorf("variants %v", s.Variants)
			}
		}},
		{name: "unknown variant", yaml: strings.Replace(validYAML, "[jwt, session]", "[jwt, sessions]", 1), want: `t.yaml:2: variants: unknown variant "sessions"`},
		{name: "mix not 100", yaml: strings.Replace(validYAML, "me: 95", "me: 90", 1), want: `t.yaml:4: mix: shares add up to 95`},
		{name: "no users", yaml: strings.Replace(validYAML, "users: 10", "users: 0", 1), want: `t.yaml:3: users: 0`},
		{name: "two kinds", yaml: validYAML + "outage: {}\nrefresh_storm: {}\n", want: `refresh_storm: a scenario has at most one of`},
		{name: "rates and search", yaml: validYAML + "search: {start: 1, slo: {p99: 1s}}\n", check: func(t *testing.T, s *Scenario) {
			if len(s.Rates) != 2 || s.Search == nil || s.Kind() != results.KindSteady {
				t.Errorf("rates %v search %+v kind %s", s.Rates, s.Search, s.Kind())
			}
		}},
		{name: "store latency defaults", yaml: validYAML + "store_latency: {}\n", check: func(t *testing.T, s *Scenario) {
			if s.Kind() != results.KindStoreLatency || len(s.StoreLatency.Added) != 4 || s.StoreLatency.Added[1].D() != 500*time.Microsecond {
				t.Errorf("kind %s, added %v", s.Kind(), s.StoreLatency.Added)
			}
		}},
		{name: "negative store latency", yaml: validYAML + "store_latency: {added: [0s, -1ms]}\n", want: `t.yaml:10: store_latency.added: -1ms must not be negative`},
		{name: "outage defaults", yaml: strings.Replace(validYAML, "duration: 2s\n", "", 1) + "outage: {}\n", check: func(t *testing.T, s *Scenario) {
			if o := s.Outage; s.Kind() != results.KindStoreOutage || o.Window.D() != 5*time.Second || s.Duration.D() != 20*time.Second || o.Bucket.D() != 100*time.Millisecond {
				t.Errorf("kind %s, outage %+v, duration %v", s.Kind(), o, s.Duration.D())
			}
		}},
		{name: "outage with duration", yaml: validYAML + "outage: {window: 1s}\n", want: `t.yaml:6: duration: 2s, but an outage step lasts`},
		{name: "store cluster", yaml: validYAML + "store: cluster\n", check: func(t *testing.T, s *Scenario) {
			if got := s.stores(); len(got) != 1 || got[0] != results.StoreCluster || s.Kind() != results.KindSteady {
				t.Errorf("stores %v, kind %s", got, s.Kind())
			}
		}},
		{name: "no store is one Redis", yaml: validYAML, check: func(t *testing.T, s *Scenario) {
			if got := s.stores(); len(got) != 1 || got[0] != results.StoreSingle || s.usesCluster() {
				t.Errorf("stores %v", got)
			}
		}},
		{name: "store and stores", yaml: validYAML + "store: cluster\nstores: [single, cluster]\n", want: `stores: give store (one) or stores (several), not both`},
		{name: "unknown store", yaml: validYAML + "store: shard\n", want: `t.yaml:10: store: "shard": want single or cluster`},
		{name: "store twice", yaml: validYAML + "stores: [cluster, cluster]\n", want: `stores: "cluster" named twice`},
		{name: "store latency on a cluster", yaml: validYAML + "store: cluster\nstore_latency: {}\n", want: `store: cluster: a store-latency scenario puts its proxy in front of one Redis`},
		{name: "refresh storm on a cluster", yaml: strings.Replace(validYAML, "duration: 2s\n", "", 1) + "store: cluster\nrefresh_storm: {}\n", want: `store: cluster: a refresh-storm scenario runs on store single only`},
		{name: "cluster defaults", yaml: validYAML + "cluster: {}\n", check: func(t *testing.T, s *Scenario) {
			o := s.Cluster.Outage
			if s.Kind() != results.KindCluster || len(s.Stores) != 2 || s.Stores[1] != results.StoreCluster || o.Rate != 100 || o.Node != 0 || o.After.D() != 6*time.Second {
				t.Errorf("kind %s, stores %v, outage %+v", s.Kind(), s.Stores, o)
			}
		}},
		{name: "cluster on one Redis", yaml: validYAML + "store: single\ncluster: {}\n", want: `cluster: a cluster scenario needs store cluster among its stores`},
		{name: "cluster outage node", yaml: validYAML + "cluster: {outage: {node: 3}}\n", want: `cluster.outage.node: 3: want a master 0..2`},
		{name: "cluster with a curve", yaml: strings.Replace(validYAML, "[100, 200]", "[100, 200, 300]", 1) + "curve: {}\ncluster: {}\n", check: func(t *testing.T, s *Scenario) {
			if s.Kind() != results.KindCluster || s.Curve == nil {
				t.Errorf("kind %s, curve %+v", s.Kind(), s.Curve)
			}
		}},
		{name: "outage with search", yaml: strings.Replace(strings.Replace(validYAML, "duration: 2s\n", "", 1), "rates: [100, 200]", "search: {start: 1, slo: {p99: 1s}}", 1) + "outage: {}\n", want: `search: an outage scenario holds fixed rates`},
		{name: "storm defaults", yaml: strings.Replace(validYAML, "duration: 2s\n", "", 1) + "refresh_storm: {window: 1s}\n", check: func(t *testing.T, s *Scenario) {
			if q := s.RefreshStorm; s.Kind() != results.KindRefreshStorm || q.Before.D() != 5*time.Second || s.Duration.D() != 11*time.Second {
				t.Errorf("kind %s, storm %+v, duration %v", s.Kind(), q, s.Duration.D())
			}
		}},
		{name: "revocation needs no rates", yaml: "variants: [jwt, session]\nusers: 4\nrevocation: {}\nbackend: {bcrypt_cost: 4}\n", check: func(t *testing.T, s *Scenario) {
			q := s.Revocation
			if s.Kind() != results.KindRevocation || q.Instances != 2 || len(q.Actions) != 2 || q.Trials != 3 || q.MeasureAccessTTL.D() != 3*time.Second || q.Timeout.D() != 19*time.Second || s.Mix.Me != 100 {
				t.Errorf("kind %s, revocation %+v, mix %+v", s.Kind(), q, s.Mix)
			}
		}},
		{name: "revocation of none", yaml: "variants: [none, jwt]\nusers: 4\nrevocation: {}\n", want: `variants: none authenticates nobody`},
		{name: "revocation bad action", yaml: "variants: [jwt]\nusers: 4\nrevocation: {actions: [logout, ban]}\n", want: `t.yaml:3: revocation.actions: "ban": want logout or revoke-user`},
		{name: "revocation sub-second ttl", yaml: "variants: [jwt]\nusers: 4\nrevocation: {measure_access_ttl: 500ms}\n", want: `revocation.measure_access_ttl: 500ms: want at least 1s`},
		{name: "scale-out defaults", yaml: strings.Replace(validYAML, "[jwt, session]", "[jwt, session-memory]", 1) + "scale_out: {}\n", check: func(t *testing.T, s *Scenario) {
			if q := s.ScaleOut; s.Kind() != results.KindScaleOut || len(q.Instances) != 3 || len(q.Sticky) != 1 || q.Sticky[0] != "session-memory" {
				t.Errorf("kind %s, scale-out %+v", s.Kind(), q)
			}
		}},
		{name: "scale-out sticky unknown", yaml: validYAML + "scale_out: {sticky: [session-memory]}\n", want: `scale_out.sticky: "session-memory" is not one of the scenario's variants`},
		{name: "scale-out zero instances", yaml: validYAML + "scale_out: {instances: [1, 0]}\n", want: `t.yaml:10: scale_out.instances: 0: want 1..16`},
		{name: "neither rates nor search", yaml: strings.Replace(validYAML, "rates: [100, 200]\n", "", 1), want: `t.yaml: rates: give a list`},
		{name: "bad pin", yaml: validYAML + "pin: always\n", want: `t.yaml:10: pin: "always"`},
		{name: "negative warmup", yaml: strings.Replace(validYAML, "warmup: 1s", "warmup: -1s", 1), want: `t.yaml:5: warmup: -1s must not be negative`},
		{name: "bcrypt cost too low", yaml: strings.Replace(validYAML, "bcrypt_cost: 4", "bcrypt_cost: 3", 1), want: `t.yaml:9: backend.bcrypt_cost: 3`},
		{name: "wrong type", yaml: strings.Replace(validYAML, "users: 10", "users: many", 1), want: `t.yaml:3:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := DecodeScenario("t.yaml", []byte(tt.yaml))
			if (err != nil) != (tt.want != "") {
				t.Fatalf("err = %v, want error %q", err, tt.want)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("err = %q, want it to contain %q", err, tt.want)
				}
				if !errors.Is(err, ErrScenario) {
					t.Errorf("err %v is not ErrScenario", err)
				}
				return
			}
			if tt.check != nil {
				tt.check(t, s)
			}
		})
	}
}

// TestClusterCapable: a variant reading Redis through go-redis's
// client-side cache is refused on a cluster with an error naming it; the
// others pass.
func TestClusterCapable(t *testing.T) {
	tests := []struct {
		variant string
		refused bool
	}{
		{"session", false}, {"jwt-blacklist", false}, {"jwt", false}, {"session-memory", false},
		{"session-cached", true}, {"jwt-blacklist-cached", true}, {"jwt-epoch", true},
	}
	for _, tt := range tests {
		t.Run(tt.variant, func(t *testing.T) {
			err := clusterCapable(tt.variant)
			if (err != nil) != tt.refused {
				t.Fatalf("clusterCapable(%q) = %v, refused want %v", tt.variant, err, tt.refused)
			}
			if err != nil && !strings.Contains(err.Error(), `"`+tt.variant+`" reads Redis through go-redis's client-side cache`) {
				t.Errorf("error does not name the variant and why: %v", err)
			}
		})
	}
}
