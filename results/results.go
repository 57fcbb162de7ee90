package results

import (
	"time"

	"github.com/authbench/authbench"
)

// Results is everything one run measured: the content of results.json.
// The report renders from these types, so fields are only ever added.
type Results struct {
	// Schema is always the Schema constant; Load checks it first.
	Schema string `json:"schema"`
	// RunID names the run and its folder: "2026-11-27T215012Z-quick".
	RunID string `json:"run_id"`
	// Started and Finished bound the whole run (wall clock, UTC).
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Interrupted is true when the run was stopped (Ctrl-C) before the
	// end; what was measured until then is still here.
	Interrupted bool `json:"interrupted"`
	// Error is the error that ended the run early, if any.
	Error string `json:"error,omitempty"`
	// ScenarioFile is the scenario path as given on the command line.
	ScenarioFile string `json:"scenario_file"`
	// Scenario is the decoded scenario with defaults filled in, as
	// recorded: a copy, so the YAML decoder's types can change without
	// changing this schema.
	Scenario Scenario `json:"scenario"`
	// Environment describes the machine and the build.
	Environment Environment `json:"environment"`
	// Redis says which Redis the stateful variants used.
	Redis RedisInfo `json:"redis"`
	// Target says where the server under test ran and whether its CPU
	// could be measured.
	Target TargetInfo `json:"target"`
	// BcryptCost is the password-hash cost every login paid; load
	// scenarios lower it (4) so logins do not dominate.
	BcryptCost int `json:"bcrypt_cost"`
	// Pinning says which CPUs the server and the generator were held to.
	Pinning Pinning `json:"pinning"`
	// Variants holds one entry per variant run, in scenario order.
	Variants []VariantResult `json:"variants"`
	// Kind is the scenario's kind: steady, store-latency, store-outage,
	// revocation, scale-out or refresh-storm.
	Kind Kind `json:"kind"`
	// StoreProxy describes the proxy between the servers and Redis in
	// store-latency and store-outage runs; nil when there was none.
	StoreProxy *StoreProxyInfo `json:"store_proxy,omitempty"`
	// Notes are caveats a reader of any figure must see (embedded Redis,
	// lowered bcrypt cost, unmeasured server CPU, …).
	Notes []string `json:"notes"`
	// Cost is the cost-curve analysis (v2, scenarios with a curve
	// block): marginal CPU with CIs, idle CPU, capacity, ratios.
	Cost *CostAnalysis `json:"cost,omitempty"`
	// Cluster is the Redis Cluster of the variants run on store cluster;
	// nil when none was.
	Cluster *ClusterInfo `json:"cluster,omitempty"`
	// Policy holds the thresholds the runner judged with (v2, added
	// later; nil in older files, which were judged by DefaultPolicy):
	// recorded so that a re-rendered old run states what was applied,
	// not what today's code would apply.
	Policy *Policy `json:"policy,omitempty"`
	// Generator names the load generator that wrote this file
	// (loadtest --generator); empty for a run with one generator. The
	// name tells the parts of a merge apart.
	Generator string `json:"generator,omitempty"`
	// Generators lists the parts a merged run (report --merge, or a
	// scenario's generators: N) was made of; nil for a run of one.
	Generators []GeneratorPart `json:"generators,omitempty"`
}

// StoreProxyInfo is the latency-injecting proxy in front of Redis.
type StoreProxyInfo struct {
	// Version names it: "toxiproxy v2.5.0 (in-process)".
	Version string `json:"version"`
	// Addr is where the servers reached Redis.
	Addr string `json:"addr"`
	// DirectRTT and ProxiedRTT are the median round trip of a Redis GET
	// without and through the proxy with nothing added, measured before
	// the load: what the proxy itself costs every pass, "0" included.
	DirectRTT  time.Duration `json:"direct_rtt_ns"`
	ProxiedRTT time.Duration `json:"proxied_rtt_ns"`
	// RTTs are the median Redis GET round trips through the proxy with
	// each added latency set, measured when the pass began (store-latency):
	// the latency actually added, which timer resolution can make a little
	// more than the setting.
	RTTs []ProxyRTT `json:"rtts,omitempty"`
}

// ProxyRTT is the measured round trip at one added latency.
type ProxyRTT struct {
	Added      time.Duration `json:"added_ns"`
	ProxiedRTT time.Duration `json:"proxied_rtt_ns"`
	DirectRTT  time.Duration `json:"direct_rtt_ns"`
}

// Environment is where the figures were measured.
type Environment struct {
	CPUModel   string `json:"cpu_model"`  // /proc/cpuinfo "model name"
	Cores      int    `json:"cores"`      // runtime.NumCPU of the generator process
	GOMAXPROCS int    `json:"gomaxprocs"` // of the generator process
	GoVersion  string `json:"go_version"` // runtime.Version
	OS         string `json:"os"`         // runtime.GOOS/GOARCH
	Kernel     string `json:"kernel"`     // uname release
	// CPUIdle is the kernel's cpuidle driver and governor, with the
	// guest halt-polling window where the haltpoll driver runs (a VM):
	// "haltpoll/haltpoll, guest_halt_poll_ns=0". A server that sleeps
	// between requests pays for every wake-up, and on a VM whose idle
	// CPU halts at once each one is a VM exit: the per-request CPU of
	// an open-loop run depends on it (README, "What holds across
	// machines"). Empty where unknown.
	CPUIdle   string `json:"cpu_idle,omitempty"`
	Hostname  string `json:"hostname"`
	GitCommit string `json:"git_commit"` // git rev-parse --short HEAD, or "unknown"
}

// RedisInfo describes the Redis the stateful variants used.
type RedisInfo struct {
	// Label is redisprov's human description, printed with every result.
	Label string `json:"label"`
	// Kind is where it came from: given, testcontainers, redis-server,
	// embedded; "none" when no variant needed one.
	Kind string `json:"kind"`
	// Version is redis_version, "miniredis" when embedded.
	Version string `json:"version"`
	// Addr is host:port.
	Addr string `json:"addr,omitempty"`
	// Embedded is true when it was the in-process miniredis: such figures
	// are not a network store's and must never pass as one.
	Embedded bool `json:"embedded"`
	// Measured is false when INFO cpu/commandstats was unavailable, so
	// every Redis figure is absent.
	Measured bool `json:"measured"`
}

// TargetInfo says where the server under test ran.
type TargetInfo struct {
	// Mode is "process" (one "authbench serve" child per variant),
	// "in-process" (tests) or "external" (--target).
	Mode string `json:"mode"`
	// URL is the external target's base URL (external mode only).
	URL string `json:"url,omitempty"`
	// ServerCPUMeasured is false when the server is not a separate local
	// process, so server CPU and RSS are absent.
	ServerCPUMeasured bool `json:"server_cpu_measured"`
}

// Pinning records CPU affinity.
type Pinning struct {
	// Mode is the scenario's pin field: auto or off.
	Mode string `json:"mode"`
	// Applied is true when CPUs were actually pinned.
	Applied bool `json:"applied"`
	// ServerCPUs and GeneratorCPUs are the CPU numbers each was held to.
	ServerCPUs    []int `json:"server_cpus,omitempty"`
	GeneratorCPUs []int `json:"generator_cpus,omitempty"`
	// Note explains a pin not applied or partly applied.
	Note string `json:"note,omitempty"`
}

// VariantResult is everything measured for one variant.
type VariantResult struct {
	// Variant is none, jwt, jwt-blacklist or session.
	Variant string `json:"variant"`
	// Info is what the server said of its variant (GET /healthz) when
	// the run began: revocation semantics, statefulness. Nil in older
	// files and when the server did not say.
	Info *authbench.Info `json:"info,omitempty"`
	// ServerPID is the server process (0 when not a local process).
	ServerPID int `json:"server_pid,omitempty"`
	// Logins is the phase logging every virtual user in.
	Logins LoginPhase `json:"logins"`
	// RedisMemory is what the logged-in users occupy in Redis; nil for
	// variants that store nothing or when unmeasured.
	RedisMemory *RedisMemory `json:"redis_memory,omitempty"`
	// Frontier is what a frontier scenario measured of the variant
	// besides its cost curve; nil in other kinds.
	Frontier *Frontier `json:"frontier,omitempty"`
	// Steps are the measured steps, in the order run (warm-up excluded).
	Steps []Step `json:"steps"`
	// MaxRate holds one max-rate search result per repetition.
	MaxRate []MaxRate `json:"max_rate,omitempty"`
	// Routing is how requests were spread over several instances:
	// round-robin or sticky (scale-out; empty for one instance).
	Routing Routing `json:"routing,omitempty"`
	// ServerPIDs lists every instance's process when there were several.
	ServerPIDs []int `json:"server_pids,omitempty"`
	// Outages holds one entry per outage step (store-outage), in the
	// order of Steps.
	Outages []OutageResult `json:"outages,omitempty"`
	// Storms holds one entry per refresh-storm step, in the order of Steps.
	Storms []StormResult `json:"storms,omitempty"`
	// Revocations holds one entry per revocation trial.
	Revocations []RevocationTrial `json:"revocations,omitempty"`
	// Error is why this variant stopped early, if it did.
	Error string `json:"error,omitempty"`
	// Store is the Redis the servers used; "" (single) for every variant
	// of a run without stores.
	Store Store `json:"store,omitempty"`
	// ShardOutages are the cluster kind's one-master outages.
	ShardOutages []ShardOutage `json:"shard_outages,omitempty"`
}

// Label is the variant's name as shown: "session-memory (sticky)" for a
// sticky pass, "session@cluster" on a Redis Cluster, else the variant.
func (v VariantResult) Label() string {
	l := v.Variant
	if v.Routing == RoutingSticky {
		l += " (sticky)"
	}
	if v.Store == StoreCluster {
		l += "@cluster"
	}
	return l
}

// Phase is one time slice of a step (before / outage / after, or
// before / storm / after), its requests chosen by their start time.
type Phase struct {
	// Name is before, outage, storm or after.
	Name string `json:"name"`
	// Start and End are offsets from the step's start.
	Start time.Duration `json:"start_ns"`
	End   time.Duration `json:"end_ns"`
	// All and Routes are vegeta's metrics over the phase's requests.
	All    Metrics            `json:"all"`
	Routes map[string]Metrics `json:"routes"`
	// Server and Redis are the costs over the phase, from snapshots taken
	// at its bounds; nil when unmeasured.
	Server *ProcessCost `json:"server,omitempty"`
	Redis  *RedisCost   `json:"redis,omitempty"`
}

// Bucket is one slice of a step's timeline, requests counted by start time.
type Bucket struct {
	// Offset is the slice's start from the step's start.
	Offset time.Duration `json:"offset_ns"`
	// Requests is every request started in the slice; OK the 2xx/3xx,
	// Unauthorized the 401, Unavailable the 503, Errors those without a
	// response (code 0), Other every other status.
	Requests     uint64 `json:"requests"`
	OK           uint64 `json:"ok"`
	Unauthorized uint64 `json:"unauthorized"`
	Unavailable  uint64 `json:"unavailable"`
	Errors       uint64 `json:"errors"`
	Other        uint64 `json:"other"`
}

// OutageResult is what one outage step showed.
type OutageResult struct {
	// Step is the Index of the step in the variant's Steps.
	Step int `json:"step"`
	// CutAt and RestoredAt are offsets from the step's start at which
	// Redis was cut and restored (as applied, after the proxy returned).
	CutAt      time.Duration `json:"cut_at_ns"`
	RestoredAt time.Duration `json:"restored_at_ns"`
	// UsesStore is true for variants whose server needs Redis.
	UsesStore bool `json:"uses_store"`
	// Unchecked counts requests started after the cut and answered before
	// the restore with a 2xx by a variant that needs Redis: a request let
	// through without its store check. Fail-closed means 0.
	Unchecked uint64 `json:"unchecked"`
	// FirstSuccess is the time from restore to the first 2xx of a request
	// started after it; -1 when none came.
	FirstSuccess time.Duration `json:"first_success_ns"`
	// Steady is the time from restore after which no request failed with
	// a 5xx or without a response until the step's end; -1 when never.
	Steady time.Duration `json:"steady_ns"`
	// Timeline is the step in Bucket slices.
	Timeline []Bucket `json:"timeline"`
	// Health is the server processes' state before and after.
	Health ServerHealth `json:"health"`
}

// ServerHealth says whether the server processes survived a step intact.
type ServerHealth struct {
	// Measured is false when the servers are not local processes with
	// the debug endpoint (external target, in-process tests).
	Measured bool `json:"measured"`
	// Alive is true when every process was still running afterwards.
	Alive bool `json:"alive"`
	// Restarted is true when an instance answered with another PID.
	Restarted bool `json:"restarted"`
	// GoroutinesBefore and GoroutinesAfter are summed over the instances,
	// taken with the generator's idle connections closed and the servers
	// quiet, before the step and after it.
	GoroutinesBefore int `json:"goroutines_before"`
	GoroutinesAfter  int `json:"goroutines_after"`
	// Leaked is true when GoroutinesAfter exceeds GoroutinesBefore by
	// more than Policy.LeakTolerance.
	Leaked bool `json:"leaked"`
	// Note explains what could not be checked.
	Note string `json:"note,omitempty"`
}

// StormResult is what one refresh-storm step showed.
type StormResult struct {
	// Step is the Index of the step in the variant's Steps.
	Step int `json:"step"`
	// Refreshes is the storm's refreshes sent (one per logged-in user).
	Refreshes uint64 `json:"refreshes"`
	// InWindow is how many of them were sent within the window; the rest
	// went out just after it (users busy when their turn came).
	InWindow uint64 `json:"in_window"`
	// StormRate is the refresh rate added during the window (per second).
	StormRate float64 `json:"storm_rate"`
	// CPUPerRefresh is the server+Redis CPU the storm added per refresh:
	// (CPU during the storm − the before phase's CPU rate × the storm's
	// wall time) / the refreshes sent within the window. Absent (0) when
	// CPU was not measured.
	CPUPerRefresh float64 `json:"cpu_seconds_per_refresh"`
}

// RevocationTrial is one revoke-and-replay.
type RevocationTrial struct {
	// Action is logout or revoke-user; Trial counts from 1.
	Action string `json:"action"`
	Trial  int    `json:"trial"`
	// Instances is the number of server processes replayed against.
	Instances int `json:"instances"`
	// Status is the revoking request's status (204 logout, 204 or 501
	// revoke-user); Revocation is its Authbench-Revocation header
	// ("immediate", "at-expiry", or empty).
	Status     int    `json:"status"`
	Revocation string `json:"revocation,omitempty"`
	// AcceptedBefore says, per instance, whether the cookie was accepted
	// there before revoking (session-memory: only where it was issued).
	AcceptedBefore []bool `json:"accepted_before"`
	// Windows is, per instance, the time from the revoking response until
	// the replayed access cookie was first refused there; -1 when it was
	// still accepted at Timeout, 0 when refused at the first replay.
	Windows []time.Duration `json:"windows_ns"`
	// Window is the largest of Windows over instances that accepted the
	// cookie before (-1 when any never refused it).
	Window time.Duration `json:"window_ns"`
	// CredentialAge is how old the access credential was when revoked;
	// AccessTTL the lifetime it was issued with (0 for sessions).
	CredentialAge time.Duration `json:"credential_age_ns"`
	AccessTTL     time.Duration `json:"access_ttl_ns"`
	// RefreshStatus is the status of replaying the old refresh cookie
	// (POST /auth/refresh) right after revoking: 200 means it still
	// mints new credentials.
	RefreshStatus int `json:"refresh_status"`
	// Error is what went wrong with the trial, if anything.
	Error string `json:"error,omitempty"`
}

// LoginPhase is the concurrent login of every virtual user.
type LoginPhase struct {
	Users    int           `json:"users"`    // virtual users logged in
	Failures int           `json:"failures"` // logins that did not answer 200
	Duration time.Duration `json:"duration_ns"`
	// FirstError is the first failure, for diagnosis.
	FirstError string `json:"first_error,omitempty"`
}

// RedisMemory is the variant's key space after the logins.
type RedisMemory struct {
	Keys  int64 `json:"keys"`  // keys under the variant's prefix
	Bytes int64 `json:"bytes"` // sum of MEMORY USAGE over them
	// BytesPerUser is Bytes divided by logged-in users.
	BytesPerUser float64 `json:"bytes_per_user"`
}

// Throttling is what a CPU quota did to the server over a step, from
// its cgroup's cpu.stat: of Periods CFS periods, the server used up its
// quota and was frozen until the next in Throttled of them, for Time in
// all. A server throttled in many periods ran out of its share in
// bursts even when its mean use sits below the quota: under a quota,
// that is the server's limit, not the generator's or an unexplained one.
type Throttling struct {
	Periods   uint64        `json:"periods"`
	Throttled uint64        `json:"throttled"`
	Time      time.Duration `json:"throttled_ns"`
}

// Share is the fraction of periods in which the server was throttled
// (0 when no period elapsed).
func (t *Throttling) Share() float64 {
	if t == nil || t.Periods == 0 {
		return 0
	}
	return float64(t.Throttled) / float64(t.Periods)
}

// Step is one constant-rate attack and what it cost.
type Step struct {
	// Kind is "rate" (a scenario rate), "probe" (a max-rate search step),
	// "capacity" (a capacity probe of a cost curve) or "saturation" (its
	// closed-loop probe, which asks no rate: Rate is 0).
	Kind StepKind `json:"kind"`
	// Repetition counts from 1.
	Repetition int `json:"repetition"`
	// Index counts the variant's steps from 1.
	Index int `json:"index"`
	// Rate is the asked rate, requests per second.
	Rate float64 `json:"rate"`
	// Duration is the asked duration.
	Duration time.Duration `json:"duration_ns"`
	// Started is when the attack began.
	Started time.Time `json:"started"`
	// Wall is the measured interval over which CPU deltas were taken.
	Wall time.Duration `json:"wall_ns"`
	// Interrupted is true when the step was cut short.
	Interrupted bool `json:"interrupted,omitempty"`
	// All is vegeta's metrics over every request of the step.
	All Metrics `json:"all"`
	// Routes is the same per route: me, refresh, login, logout.
	Routes map[string]Metrics `json:"routes"`
	// Server is the server process's cost; nil when not measurable.
	Server *ProcessCost `json:"server,omitempty"`
	// Redis is the store's cost; nil when not measurable.
	Redis *RedisCost `json:"redis,omitempty"`
	// Generator is the load generator's own cost.
	Generator GeneratorCost `json:"generator"`
	// GeneratorBound is true when the generator, not the server, limited
	// the step; GeneratorBoundReason says why.
	GeneratorBound       bool   `json:"generator_bound"`
	GeneratorBoundReason string `json:"generator_bound_reason,omitempty"`
	// SLO is the max-rate verdict (probes only).
	SLO *SLOVerdict `json:"slo,omitempty"`
	// CredentialBytes is the mean size in bytes of the Cookie header the
	// virtual users sent with GET /api/me during the step (the value after
	// "Cookie: "): what the credential costs on the wire per authenticated
	// request. Only cookies whose Path matches are sent, as a browser
	// would, so the JWT refresh token (Path=/auth) is not counted. 0 for
	// none, which sends no credential.
	CredentialBytes float64 `json:"credential_bytes_per_request"`
	// AddedLatency is the round trip added in front of Redis
	// (store-latency; Results.StoreProxy says a proxy was in the path).
	AddedLatency time.Duration `json:"added_store_latency_ns,omitempty"`
	// Instances is the number of server processes served (scale-out; 0
	// means one).
	Instances int `json:"instances,omitempty"`
	// Phases split the step in time (store-outage, refresh-storm).
	Phases []Phase `json:"phases,omitempty"`
	// Quota is the share of one core the server was held to during the
	// step (capacity probes); 0 means none.
	Quota float64 `json:"cpu_quota,omitempty"`
	// Throttling is the kernel's account of the quota over the step
	// (nil: no quota, or its cgroup's cpu.stat unreadable).
	Throttling *Throttling `json:"throttling,omitempty"`
	// RawFile is the vegeta gob file of this step's results, relative to
	// the run folder.
	RawFile string `json:"raw_file,omitempty"`
	// Parts are the generators' own view of a merged step, one per
	// generator in Results.Generators order; nil for a step of one.
	Parts []StepPart `json:"parts,omitempty"`
}

// Metrics are vegeta's figures for a set of results.
type Metrics struct {
	Requests uint64 `json:"requests"`
	// Rate is the achieved request rate (requests/s sent).
	Rate float64 `json:"rate"`
	// Throughput is successful requests per second.
	Throughput float64 `json:"throughput"`
	// Success is the ratio of responses with status 2xx/3xx, 0..1.
	Success float64 `json:"success"`
	// StatusCodes counts responses by status ("0" = no response).
	StatusCodes map[string]int `json:"status_codes"`
	// Latency percentiles (vegeta's t-digest estimates).
	Latency Latency `json:"latency"`
	// BytesIn and BytesOut are body bytes; BytesIn is taken from
	// Content-Length since bodies are not kept.
	BytesIn  uint64 `json:"bytes_in"`
	BytesOut uint64 `json:"bytes_out"`
	// Errors are the distinct errors seen (at most 10).
	Errors []string `json:"errors,omitempty"`
}

// Latency is a latency distribution, in nanoseconds.
type Latency struct {
	Mean time.Duration `json:"mean_ns"`
	P50  time.Duration `json:"p50_ns"`
	P90  time.Duration `json:"p90_ns"`
	P95  time.Duration `json:"p95_ns"`
	P99  time.Duration `json:"p99_ns"`
	Max  time.Duration `json:"max_ns"`
	Min  time.Duration `json:"min_ns"`
}

// ProcessCost is what the server process spent during a step.
type ProcessCost struct {
	// CPUSeconds is the process's on-CPU time over the step, summed over
	// its threads from /proc/<pid>/task/*/schedstat (ns resolution), or
	// user+sys from /proc/<pid>/stat (10 ms ticks) where schedstat is absent.
	CPUSeconds float64 `json:"cpu_seconds"`
	// CPUPerRequest is CPUSeconds divided by the step's requests.
	CPUPerRequest float64 `json:"cpu_seconds_per_request"`
	// Utilisation is CPUSeconds over the step's wall time (1 = one core).
	Utilisation float64 `json:"utilisation"`
	// PeakRSSBytes is VmHWM at the end of the step.
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
	// PeakRSSReset is true when VmHWM was reset at the start of the step
	// (clear_refs permitted); false means it is the process's lifetime peak.
	PeakRSSReset bool `json:"peak_rss_reset"`
	// Counters are the deltas of the process's system counters over the
	// step (v2); nil when unreadable.
	Counters *ProcCounters `json:"counters,omitempty"`
}

// RedisCost is what Redis spent during a step, from its own INFO.
type RedisCost struct {
	// CPUSeconds is the delta of used_cpu_user+used_cpu_sys.
	CPUSeconds float64 `json:"cpu_seconds"`
	// CPUPerRequest is CPUSeconds per HTTP request of the step.
	CPUPerRequest float64 `json:"cpu_seconds_per_request"`
	// Commands is the delta of commandstats calls, excluding INFO (the
	// measurement's own; the server under test never sends it).
	Commands uint64 `json:"commands"`
	// CommandsPerRequest is Commands per HTTP request of the step.
	CommandsPerRequest float64 `json:"commands_per_request"`
	// ByCommand is the per-command breakdown of Commands.
	ByCommand map[string]uint64 `json:"by_command,omitempty"`
	// Nodes splits the cost by cluster master (store cluster only): the
	// fields above are their sums.
	Nodes []NodeCost `json:"nodes,omitempty"`
}

// GeneratorCost is what the load generator (this process) spent.
type GeneratorCost struct {
	// CPUSeconds is the getrusage(RUSAGE_SELF) user+sys delta.
	CPUSeconds float64 `json:"cpu_seconds"`
	// Cores is how many CPUs the generator may use.
	Cores int `json:"cores"`
	// Utilisation is CPUSeconds / (wall × Cores), 0..1.
	Utilisation float64 `json:"utilisation"`
}

// SLOVerdict is a probe's pass or fail.
type SLOVerdict struct {
	Pass   bool   `json:"pass"`
	Reason string `json:"reason,omitempty"` // why it failed
}

// MaxRate is a max-rate search result.
type MaxRate struct {
	Repetition int `json:"repetition"`
	// Rate is the highest probed rate that met the SLO (0: none did).
	Rate float64 `json:"rate"`
	// FailedAt is the lowest probed rate that failed (0: none failed
	// before search.max).
	FailedAt float64 `json:"failed_at,omitempty"`
	// GeneratorBound is true when the first failing probe was
	// generator-bound: Rate is then the generator's limit, not
	// necessarily the server's.
	GeneratorBound bool `json:"generator_bound"`
	// Probes counts the probe steps (all recorded in Steps).
	Probes int `json:"probes"`
	// AddedLatency and Instances are the search's store latency and
	// instance count, as in Step.
	AddedLatency time.Duration `json:"added_store_latency_ns,omitempty"`
	Instances    int           `json:"instances,omitempty"`
}
