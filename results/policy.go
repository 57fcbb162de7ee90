package results

// Policy is the set of thresholds a run's verdicts were reached with.
// The SLOs are recorded where they apply (Scenario.Search.SLO for a
// max-rate search, CostAnalysis.Capacity for a capacity search); Policy
// holds the rest, which the scenario does not set.
type Policy struct {
	// LeakTolerance is how many goroutines more after a step than before
	// still counted as no leak (ServerHealth.Leaked): runtime and pool
	// goroutines come and go.
	LeakTolerance int `json:"leak_tolerance"`
	// GeneratorMinSent is the share of the asked requests (and of the
	// asked rate) below which a step was flagged generator-bound.
	GeneratorMinSent float64 `json:"generator_min_sent"`
	// GeneratorBusy is the generator's CPU utilisation (of its cores)
	// from which a step was flagged generator-bound.
	GeneratorBusy float64 `json:"generator_busy"`
	// NeitherBusy is the utilisation below which both server and
	// generator counted as idle when a probe failed: such a failure is
	// not the server's limit.
	NeitherBusy float64 `json:"neither_busy"`
}

// DefaultPolicy is what every run before Policy was recorded applied.
var DefaultPolicy = Policy{LeakTolerance: 5, GeneratorMinSent: 0.95, GeneratorBusy: 0.9, NeitherBusy: 0.85}

// Applied returns the policy r was judged by: the recorded one, or
// DefaultPolicy for a file written before policies were recorded.
func (r *Results) Applied() Policy {
	if r.Policy != nil {
		return *r.Policy
	}
	return DefaultPolicy
}
