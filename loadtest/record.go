package loadtest

import "github.com/authbench/authbench/results"

// Record returns the scenario as results record it: a copy in the
// results package's own types, so results.json does not change shape
// when the YAML format does. A field added to Scenario must be added
// here and to results.Scenario (TestRecordKeepsEveryField checks).
func (s *Scenario) Record() results.Scenario {
	b := s.Backend
	rs := results.Scenario{
		Name: s.Name, Description: s.Description, Variants: s.Variants, Users: s.Users,
		Mix:    results.Mix{Me: s.Mix.Me, Refresh: s.Mix.Refresh, LoginLogout: s.Mix.LoginLogout},
		Warmup: rd(s.Warmup), Duration: rd(s.Duration), Rates: s.Rates, Repetitions: s.Repetitions,
		Pin: s.Pin, LoginConcurrency: s.LoginConcurrency, Timeout: rd(s.Timeout), MaxWorkers: s.MaxWorkers,
		MaxConnections: s.MaxConnections,
		Backend: results.BackendOptions{Alg: b.Alg, AccessTTL: rd(b.AccessTTL), RefreshTTL: rd(b.RefreshTTL),
			IdleTimeout: rd(b.IdleTimeout), SessionUnsigned: b.SessionUnsigned, BcryptCost: b.BcryptCost, Password: b.Password,
			ShortTTL: rd(b.ShortTTL), MaxStaleness: rd(b.MaxStaleness)},
	}
	if s.Generators > 1 {
		rs.Generators = s.Generators
	}
	if q := s.Search; q != nil {
		rs.Search = &results.Search{Start: q.Start, Max: q.Max, Bisect: q.Bisect,
			SLO: results.SLO{P99: rd(q.SLO.P99), ErrorRate: q.SLO.ErrorRate}}
	}
	if c := s.Curve; c != nil {
		rs.Curve = &results.Curve{FitTop: c.FitTop, Seed: c.Seed, Calibrate: c.Calibrate, Interleave: rd(c.Interleave)}
		if q := c.Capacity; q != nil {
			rs.Curve.Capacity = &results.CapacitySpec{Quota: q.Quota, Probe: rd(q.Probe), Probes: q.Probes, P99: rd(q.P99), Timeout: rd(q.Timeout),
				Saturate: rd(q.Saturate), Connections: q.Connections, KeepAwake: q.KeepAwake}
		}
	}
	if q := s.StoreLatency; q != nil {
		rs.StoreLatency = &results.StoreLatency{Added: make([]results.Duration, len(q.Added))}
		for i, d := range q.Added {
			rs.StoreLatency.Added[i] = rd(d)
		}
	}
	if q := s.Outage; q != nil {
		rs.Outage = &results.Outage{Before: rd(q.Before), Window: rd(q.Window), After: rd(q.After), Bucket: rd(q.Bucket)}
	}
	if q := s.Revocation; q != nil {
		rs.Revocation = &results.Revocation{Instances: q.Instances, Actions: q.Actions, Trials: q.Trials,
			MeasureAccessTTL: rd(q.MeasureAccessTTL), Poll: rd(q.Poll), Timeout: rd(q.Timeout)}
	}
	if q := s.ScaleOut; q != nil {
		rs.ScaleOut = &results.ScaleOut{Instances: q.Instances, Sticky: q.Sticky}
	}
	if q := s.Frontier; q != nil {
		rs.Frontier = &results.FrontierSpec{Instances: q.Instances, Trials: q.Trials, Poll: rd(q.Poll), Timeout: rd(q.Timeout),
			LoadShare: q.LoadShare, ClientRate: q.ClientRate, MemoryLogins: q.MemoryLogins, PartitionHold: rd(q.PartitionHold)}
	}
	if q := s.RefreshStorm; q != nil {
		rs.RefreshStorm = &results.RefreshStorm{Before: rd(q.Before), Window: rd(q.Window), After: rd(q.After)}
	}
	rs.Store, rs.Stores = s.Store, s.Stores
	if q := s.Cluster; q != nil {
		o := q.Outage
		rs.Cluster = &results.ClusterScenario{Outage: results.ShardOutageSpec{Node: o.Node, Rate: o.Rate, Before: rd(o.Before), Window: rd(o.Window), After: rd(o.After)}}
	}
	return rs
}

// rd converts a scenario duration to its recorded form.
func rd(d Duration) results.Duration { return results.Duration(d) }
