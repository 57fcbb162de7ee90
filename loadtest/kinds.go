package loadtest

import (
	"fmt"
	"slices"
	"time"

	"github.com/authbench/authbench/results"
)

// StoreLatency puts Redis behind an in-process toxiproxy and repeats the
// scenario's rates and search once per added round-trip latency. The
// "0" pass goes through the proxy too, so the proxy's own cost is in
// every pass alike; results say what it is.
type StoreLatency struct {
	// Added are the round-trip latencies added between every server and
	// Redis. Default [0s, 500us, 1ms, 5ms].
	Added []Duration `yaml:"added" json:"added"`
}

// Outage cuts Redis off (through the same proxy) under steady load at
// each of the scenario's rates: Before of load, Window with Redis
// unreachable, After with it restored. The step lasts their sum.
type Outage struct {
	// Before is load before the cut. Default 5s.
	Before Duration `yaml:"before" json:"before"`
	// Window is how long Redis is unreachable. Default 5s.
	Window Duration `yaml:"window" json:"window"`
	// After is load after Redis is restored. Default 10s.
	After Duration `yaml:"after" json:"after"`
	// Bucket is the resolution of the per-time status timeline. Default 100ms.
	Bucket Duration `yaml:"bucket" json:"bucket"`
}

// Revocation measures how long a revoked credential keeps working: log
// in on one instance, revoke (logout, or revoke-user through the admin
// route), then replay the old cookies against every instance until each
// refuses them. No load runs meanwhile.
type Revocation struct {
	// Instances is the number of server processes per variant, sharing
	// Redis and keys. Default 2.
	Instances int `yaml:"instances" json:"instances"`
	// Actions are logout and/or revoke-user. Default both.
	Actions []string `yaml:"actions" json:"actions"`
	// Trials repeats each (variant, action). Default 3.
	Trials int `yaml:"trials" json:"trials"`
	// MeasureAccessTTL is the access-token lifetime the servers issue
	// during this scenario, short so that stateless jwt's window (its
	// whole remaining lifetime) can be measured; the report states the
	// window for backend.access_ttl too. Default 3s.
	MeasureAccessTTL Duration `yaml:"measure_access_ttl" json:"measure_access_ttl"`
	// Poll is the interval between replays. Default 50ms.
	Poll Duration `yaml:"poll" json:"poll"`
	// Timeout bounds the wait for a refusal. Default 3 × measure_access_ttl + 10s.
	Timeout Duration `yaml:"timeout" json:"timeout"`
}

// ScaleOut runs each variant on 1, 2, 4 … server processes at once; the
// generator spreads requests over them round-robin (no stickiness), and
// the Sticky variants run a second time with sticky routing.
type ScaleOut struct {
	// Instances are the instance counts, one pass each. Default [1, 2, 4].
	Instances []int `yaml:"instances" json:"instances"`
	// Sticky names the variants also run with sticky routing. Default
	// [session-memory] when that variant is in the scenario.
	Sticky []string `yaml:"sticky" json:"sticky"`
}

// RefreshStorm compresses the article's 10-minute refresh: on top of the
// scenario's steady load, every logged-in user refreshes once within
// Window, after Before and followed by After.
type RefreshStorm struct {
	// Before is steady load before the storm. Default 5s.
	Before Duration `yaml:"before" json:"before"`
	// Window is how long the storm lasts: users / window refreshes per
	// second are added to the steady rate. Default 3s.
	Window Duration `yaml:"window" json:"window"`
	// After is steady load after the storm. Default 5s.
	After Duration `yaml:"after" json:"after"`
}

// Kind returns which kind of scenario s is.
func (s *Scenario) Kind() results.Kind {
	switch {
	case s.StoreLatency != nil:
		return results.KindStoreLatency
	case s.Outage != nil:
		return results.KindStoreOutage
	case s.Revocation != nil:
		return results.KindRevocation
	case s.ScaleOut != nil:
		return results.KindScaleOut
	case s.RefreshStorm != nil:
		return results.KindRefreshStorm
	}
	return results.KindSteady
}

// kindBlocks counts the optional blocks present (validation wants ≤ 1).
func (s *Scenario) kindBlocks() []string {
	var b []string
	if s.StoreLatency != nil {
		b = append(b, "store_latency")
	}
	if s.Outage != nil {
		b = append(b, "outage")
	}
	if s.Revocation != nil {
		b = append(b, "revocation")
	}
	if s.ScaleOut != nil {
		b = append(b, "scale_out")
	}
	if s.RefreshStorm != nil {
		b = append(b, "refresh_storm")
	}
	return b
}

func defaultDur(d *Duration, v time.Duration) {
	if *d == 0 {
		*d = Duration(v)
	}
}

// kindDefaults fills in the defaults of the kind's block.
func (s *Scenario) kindDefaults() {
	if q := s.StoreLatency; q != nil && len(q.Added) == 0 {
		q.Added = []Duration{0, Duration(500 * time.Microsecond), Duration(time.Millisecond), Duration(5 * time.Millisecond)}
	}
	if q := s.Outage; q != nil {
		defaultDur(&q.Before, 5*time.Second)
		defaultDur(&q.Window, 5*time.Second)
		defaultDur(&q.After, 10*time.Second)
		defaultDur(&q.Bucket, 100*time.Millisecond)
		if s.Duration == 0 {
			s.Duration = q.Before + q.Window + q.After
		}
	}
	if q := s.Revocation; q != nil {
		if q.Instances == 0 {
			q.Instances = 2
		}
		if len(q.Actions) == 0 {
			q.Actions = []string{results.ActionLogout, results.ActionRevokeUser}
		}
		if q.Trials == 0 {
			q.Trials = 3
		}
		defaultDur(&q.MeasureAccessTTL, 3*time.Second)
		defaultDur(&q.Poll, 50*time.Millisecond)
		defaultDur(&q.Timeout, 3*q.MeasureAccessTTL.D()+10*time.Second)
	}
	if q := s.ScaleOut; q != nil {
		if len(q.Instances) == 0 {
			q.Instances = []int{1, 2, 4}
		}
		if q.Sticky == nil && slices.Contains(s.Variants, "session-memory") {
			q.Sticky = []string{"session-memory"}
		}
	}
	if q := s.RefreshStorm; q != nil {
		defaultDur(&q.Before, 5*time.Second)
		defaultDur(&q.Window, 3*time.Second)
		defaultDur(&q.After, 5*time.Second)
		if s.Duration == 0 {
			s.Duration = q.Before + q.Window + q.After
		}
	}
}

// validateKind checks the kind's block; bad is validate's reporter.
func (s *Scenario) validateKind(bad func(path, format string, args ...any)) {
	if b := s.kindBlocks(); len(b) > 1 {
		bad("$."+b[1], "%s: a scenario has at most one of store_latency, outage, revocation, scale_out, refresh_storm (found %v)", b[1], b)
	}
	if q := s.StoreLatency; q != nil {
		for i, d := range q.Added {
			if d < 0 {
				bad(fmt.Sprintf("$.store_latency.added[%d]", i), "store_latency.added: %s must not be negative", d.D())
			}
		}
	}
	if q := s.Outage; q != nil {
		for _, f := range []struct {
			name string
			d    Duration
		}{{"before", q.Before}, {"window", q.Window}, {"after", q.After}} {
			if f.d <= 0 {
				bad("$.outage."+f.name, "outage.%s: %s: must be positive", f.name, f.d.D())
			}
		}
		if q.Bucket < Duration(time.Millisecond) || (q.Window > 0 && q.Bucket > q.Window) {
			bad("$.outage.bucket", "outage.bucket: %s: want 1ms up to outage.window (%s)", q.Bucket.D(), q.Window.D())
		}
		if s.Duration != q.Before+q.Window+q.After {
			bad("$.duration", "duration: %s, but an outage step lasts outage.before+window+after = %s; leave duration out", s.Duration.D(), (q.Before + q.Window + q.After).D())
		}
		if s.Search != nil {
			bad("$.search", "search: an outage scenario holds fixed rates; give rates")
		}
	}
	if q := s.RefreshStorm; q != nil {
		for _, f := range []struct {
			name string
			d    Duration
		}{{"before", q.Before}, {"window", q.Window}, {"after", q.After}} {
			if f.d <= 0 {
				bad("$.refresh_storm."+f.name, "refresh_storm.%s: %s: must be positive", f.name, f.d.D())
			}
		}
		if s.Duration != q.Before+q.Window+q.After {
			bad("$.duration", "duration: %s, but a refresh-storm step lasts refresh_storm.before+window+after = %s; leave duration out", s.Duration.D(), (q.Before + q.Window + q.After).D())
		}
		if s.Search != nil {
			bad("$.search", "search: a refresh-storm scenario holds fixed rates; give rates")
		}
	}
	if q := s.Revocation; q != nil {
		if q.Instances < 1 || q.Instances > 16 {
			bad("$.revocation.instances", "revocation.instances: %d: want 1..16", q.Instances)
		}
		for i, a := range q.Actions {
			if a != results.ActionLogout && a != results.ActionRevokeUser {
				bad(fmt.Sprintf("$.revocation.actions[%d]", i), "revocation.actions: %q: want logout or revoke-user", a)
			}
		}
		if q.Trials < 1 {
			bad("$.revocation.trials", "revocation.trials: %d: need at least 1", q.Trials)
		}
		if q.MeasureAccessTTL < Duration(time.Second) {
			bad("$.revocation.measure_access_ttl", "revocation.measure_access_ttl: %s: want at least 1s (JWT times have one-second resolution)", q.MeasureAccessTTL.D())
		}
		if q.Poll <= 0 {
			bad("$.revocation.poll", "revocation.poll: %s: must be positive", q.Poll.D())
		}
		if q.Timeout <= q.MeasureAccessTTL {
			bad("$.revocation.timeout", "revocation.timeout: %s: must exceed measure_access_ttl %s", q.Timeout.D(), q.MeasureAccessTTL.D())
		}
		if slices.Contains(s.Variants, "none") {
			bad("$.variants", "variants: none authenticates nobody, so it has nothing to revoke")
		}
	}
	if q := s.ScaleOut; q != nil {
		for i, n := range q.Instances {
			if n < 1 || n > 16 {
				bad(fmt.Sprintf("$.scale_out.instances[%d]", i), "scale_out.instances: %d: want 1..16", n)
			}
		}
		for i, v := range q.Sticky {
			if !slices.Contains(s.Variants, v) {
				bad(fmt.Sprintf("$.scale_out.sticky[%d]", i), "scale_out.sticky: %q is not one of the scenario's variants", v)
			}
		}
	}
}
