package results

import "time"

// GeneratorPart is one generator of a merged run: which results it came
// from and how far its clock stood from the others'.
type GeneratorPart struct {
	// Name is the generator's name (its results' Generator field).
	Name string `json:"name"`
	// Source is the run folder its results were read from: relative to
	// the merged run's folder when beneath it, else as given.
	Source string `json:"source"`
	// RunID and Hostname are its run's.
	RunID    string `json:"run_id"`
	Hostname string `json:"hostname"`
	// Offset is the median over steps of its step's start minus the
	// earliest generator's start of the same step; MaxOffset the largest
	// such difference in absolute value. Across hosts they include the
	// difference of the hosts' clocks: what a reader needs to judge
	// whether the rates really added up at the server.
	Offset    time.Duration `json:"offset_ns"`
	MaxOffset time.Duration `json:"max_offset_ns"`
}

// StepPart is one generator's share of a merged step: its own figures,
// kept so that the merged ones can be checked against them.
type StepPart struct {
	// Generator is the part's name.
	Generator string `json:"generator"`
	// Rate is the rate this generator was asked for.
	Rate float64 `json:"rate"`
	// Started is when its attack began (its own clock); Offset is that
	// minus the earliest part's start of this step.
	Started time.Time     `json:"started"`
	Offset  time.Duration `json:"offset_ns"`
	// Requests, AchievedRate and Success are its own metrics.
	Requests     uint64  `json:"requests"`
	AchievedRate float64 `json:"achieved_rate"`
	Success      float64 `json:"success"`
	// Cost is its CPU; GeneratorBound and GeneratorBoundReason its
	// own verdict, which the merged step carries over.
	Cost                 GeneratorCost `json:"generator_cost"`
	GeneratorBound       bool          `json:"generator_bound"`
	GeneratorBoundReason string        `json:"generator_bound_reason,omitempty"`
	// RawFile is its raw results file, relative to the merged run's
	// folder when it lies beneath it, else as found.
	RawFile string `json:"raw_file,omitempty"`
}
