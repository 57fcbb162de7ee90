package results

import (
	"strings"
	"time"
)

// Scenario is the scenario a run ran, as recorded after defaults were
// filled in. It is a copy of the runner's input, not the YAML decoder's
// type: the scenario format may grow or rename fields without changing
// what an old results file means. Field meanings are documented on the
// runner's scenario types (loadtest.Scenario) and in scenarios/README.
type Scenario struct {
	Name             string         `json:"name"`
	Description      string         `json:"description,omitempty"`
	Variants         []string       `json:"variants"`
	Users            int            `json:"users"`
	Mix              Mix            `json:"mix"`
	Warmup           Duration       `json:"warmup"`
	Duration         Duration       `json:"duration"`
	Rates            []float64      `json:"rates,omitempty"`
	Search           *Search        `json:"search,omitempty"`
	Repetitions      int            `json:"repetitions"`
	Pin              string         `json:"pin"`
	LoginConcurrency int            `json:"login_concurrency"`
	Timeout          Duration       `json:"timeout"`
	MaxWorkers       uint64         `json:"max_workers,omitempty"`
	MaxConnections   int            `json:"max_connections,omitempty"`
	Backend          BackendOptions `json:"backend"`
	Curve            *Curve         `json:"curve,omitempty"`
	StoreLatency     *StoreLatency  `json:"store_latency,omitempty"`
	Outage           *Outage        `json:"outage,omitempty"`
	Revocation       *Revocation    `json:"revocation,omitempty"`
	ScaleOut         *ScaleOut      `json:"scale_out,omitempty"`
	RefreshStorm     *RefreshStorm  `json:"refresh_storm,omitempty"`
	Generators       int            `json:"generators,omitempty"`
	Frontier         *FrontierSpec  `json:"frontier,omitempty"`
	// Store or Stores are the Redis setups every variant ran on, in
	// order; neither (one Redis) in files written before stores existed.
	Store   Store            `json:"store,omitempty"`
	Stores  []Store          `json:"stores,omitempty"`
	Cluster *ClusterScenario `json:"cluster,omitempty"`
}

// Mix is the share of each kind of request, in percent.
type Mix struct {
	Me          float64 `json:"me"`
	Refresh     float64 `json:"refresh"`
	LoginLogout float64 `json:"login_logout"`
}

// Search is a max-rate search and the SLO its probes had to meet.
type Search struct {
	Start  float64 `json:"start"`
	Max    float64 `json:"max,omitempty"`
	Bisect int     `json:"bisect"`
	SLO    SLO     `json:"slo"`
}

// SLO is the service level a max-rate probe had to meet.
type SLO struct {
	P99       Duration `json:"p99"`
	ErrorRate float64  `json:"error_rate"`
}

// BackendOptions are what every "authbench serve" of the run was given.
type BackendOptions struct {
	Alg             string   `json:"alg"`
	AccessTTL       Duration `json:"access_ttl"`
	RefreshTTL      Duration `json:"refresh_ttl"`
	IdleTimeout     Duration `json:"idle_timeout"`
	SessionUnsigned bool     `json:"session_unsigned"`
	BcryptCost      int      `json:"bcrypt_cost"`
	Password        string   `json:"password"`
	ShortTTL        Duration `json:"short_ttl,omitempty"`
	MaxStaleness    Duration `json:"max_staleness,omitempty"`
}

// Curve is a cost curve's fit and capacity search settings.
type Curve struct {
	FitTop    int    `json:"fit_top"`
	Seed      uint64 `json:"seed"`
	Calibrate bool   `json:"calibrate"`
	// Interleave is the block length when the rates of a round ran
	// interleaved in one attack; 0: one step after another.
	Interleave Duration      `json:"interleave,omitempty"`
	Capacity   *CapacitySpec `json:"capacity,omitempty"`
}

// CapacitySpec is the per-round capacity search of a curve.
type CapacitySpec struct {
	Quota   float64  `json:"quota"`
	Probe   Duration `json:"probe"`
	Probes  int      `json:"probes"`
	P99     Duration `json:"p99"`
	Timeout Duration `json:"timeout"`
	// Saturate is the closed-loop probe's duration (0: none) and
	// Connections its requests in flight.
	Saturate    Duration `json:"saturate,omitempty"`
	Connections int      `json:"connections,omitempty"`
	// KeepAwake: the server's CPU was to be kept from halting under the
	// quota (curve.capacity.keep_awake).
	KeepAwake bool `json:"keep_awake,omitempty"`
}

// StoreLatency lists the round trips added in front of Redis, one pass each.
type StoreLatency struct {
	Added []Duration `json:"added"`
}

// Outage is a store-outage step's schedule and timeline resolution.
type Outage struct {
	Before Duration `json:"before"`
	Window Duration `json:"window"`
	After  Duration `json:"after"`
	Bucket Duration `json:"bucket"`
}

// Revocation is a revocation scenario's trials.
type Revocation struct {
	Instances        int      `json:"instances"`
	Actions          []string `json:"actions"`
	Trials           int      `json:"trials"`
	MeasureAccessTTL Duration `json:"measure_access_ttl"`
	Poll             Duration `json:"poll"`
	Timeout          Duration `json:"timeout"`
}

// ScaleOut is a scale-out scenario's instance counts and sticky variants.
type ScaleOut struct {
	Instances []int    `json:"instances"`
	Sticky    []string `json:"sticky"`
}

// RefreshStorm is a refresh-storm step's schedule.
type RefreshStorm struct {
	Before Duration `json:"before"`
	Window Duration `json:"window"`
	After  Duration `json:"after"`
}

// Duration is a time.Duration written as "10s" in JSON, as scenarios
// write it.
type Duration time.Duration

// MarshalJSON writes the duration as "10s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Duration(d).String() + `"`), nil
}

// UnmarshalJSON reads a duration written by MarshalJSON.
func (d *Duration) UnmarshalJSON(b []byte) error {
	v, err := time.ParseDuration(strings.Trim(string(b), `"`))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// ClusterScenario is the cluster kind's block: the one-master outage run
// after the other steps on every variant on the cluster.
type ClusterScenario struct {
	Outage ShardOutageSpec `json:"outage"`
}

// ShardOutageSpec is when and where one master is stopped.
type ShardOutageSpec struct {
	Node   int      `json:"node"`
	Rate   float64  `json:"rate"`
	Before Duration `json:"before"`
	Window Duration `json:"window"`
	After  Duration `json:"after"`
}
