package results

import "time"

// FrontierSpec is a frontier scenario's block as run.
type FrontierSpec struct {
	Instances     int      `json:"instances"`
	Trials        int      `json:"trials"`
	Poll          Duration `json:"poll"`
	Timeout       Duration `json:"timeout"`
	LoadShare     float64  `json:"load_share"`
	ClientRate    float64  `json:"client_rate"`
	MemoryLogins  int      `json:"memory_logins"`
	PartitionHold Duration `json:"partition_hold"`
}

// Frontier is what a frontier scenario measured of one variant besides
// its cost curve (Results.Cost): how its clients refresh, how long a
// revoked credential lived under load, what a logged-in user costs in
// memory, and what an instance cut off from Redis answered.
type Frontier struct {
	// RefreshesPerClientHour is how often a client of the variant
	// refreshes (once per half access TTL; 0 for sessions), and
	// RefreshShare the share of the cost curve's requests that were
	// refreshes because of it, at the scenario's client rate.
	RefreshesPerClientHour float64 `json:"refreshes_per_client_hour"`
	RefreshShare           float64 `json:"refresh_share"`
	// LoadRate is the background load (requests per second) the trials
	// ran under: LoadShare of the capacity the curve measured.
	LoadRate float64 `json:"load_rate"`
	// Trials are the revocation trials under that load: one instance
	// revokes, every instance is asked every Poll.
	Trials []RevocationTrial `json:"trials,omitempty"`
	// Unmeasured says, per action, why no trial ran (a window longer
	// than the trials' timeout is stated by the variant's bound instead).
	Unmeasured map[string]string `json:"unmeasured,omitempty"`
	// Memory is what a logged-in user occupies; nil when unmeasured.
	Memory *FrontierMemory `json:"memory,omitempty"`
	// Partition is the partition trial; nil when not run.
	Partition *Partition `json:"partition,omitempty"`
}

// FrontierMemory is memory per logged-in user: the change over Logins
// fresh logins (each followed by one GET /api/me on every instance, so a
// cache holds its entry), divided by Logins.
type FrontierMemory struct {
	Logins int `json:"logins"`
	// RedisBytesPerUser is from INFO memory used_memory; nil without a
	// measured Redis.
	RedisBytesPerUser *float64 `json:"redis_bytes_per_user,omitempty"`
	// ProcessBytesPerUser is each instance's RSS change (VmRSS); nil
	// where unmeasured.
	ProcessBytesPerUser []float64 `json:"process_bytes_per_user,omitempty"`
	// Error says what could not be measured.
	Error string `json:"error,omitempty"`
}

// Partition is one instance's Redis connection cut while another
// instance revokes a user: what the cut instance answered for that
// user's credential, asked every Poll for Hold.
type Partition struct {
	// Bound is the revocation bound the variant states (Info).
	Bound time.Duration `json:"bound_ns"`
	// Hold is how long the cut instance was asked.
	Hold time.Duration `json:"hold_ns"`
	// Statuses counts the cut instance's answers by status ("0" for a
	// transport error).
	Statuses map[string]int `json:"statuses"`
	// LastAccepted is, from the revocation, when the last request the
	// cut instance answered 200 was sent; -1 when none was.
	LastAccepted time.Duration `json:"last_accepted_ns"`
	// FirstRefused is when the first 401 or 503 was sent; -1 when none.
	FirstRefused time.Duration `json:"first_refused_ns"`
	// FirstStatus is that first refusal's status.
	FirstStatus int `json:"first_status"`
	// AcceptedPastBound is true when a request sent later than Bound
	// after the revocation was accepted: a broken guarantee.
	AcceptedPastBound bool `json:"accepted_past_bound"`
	// Error is what went wrong with the trial, if anything.
	Error string `json:"error,omitempty"`
}
