package results

import (
	"math"
	"slices"
	"time"
)

// This file holds the figures schema v2 added: the cost curve of every
// variant (marginal CPU per request with its confidence interval, idle
// CPU, capacity under a CPU quota, ratios to the reference variants) and
// what explains the cost (system calls, context switches, bytes).

// CostAnalysis is the analysis of a cost-curve run: randomized
// interleaved trials (RMIT) of every variant over a set of rates, and a
// capacity search per variant and round. Nil in v1 files and in runs
// without a curve block.
type CostAnalysis struct {
	// Method says how the trials were run, in words the report quotes.
	Method string `json:"method"`
	// Rounds is the number of rounds; in each, every variant ran once,
	// the variant order and each variant's rate order shuffled.
	Rounds int `json:"rounds"`
	// Seed is the seed of the shuffles and of the bootstrap: the same
	// seed re-analyses the same run identically.
	Seed uint64 `json:"seed"`
	// Orders is the variant order of each round, as run.
	Orders [][]string `json:"orders"`
	// FitRates are the asked rates the slope was fitted over (the upper
	// rates of the curve, where idle wake-ups no longer dominate).
	FitRates []float64 `json:"fit_rates"`
	// Level is the confidence level of every interval (0.95).
	Level float64 `json:"level"`
	// Resamples is the bootstrap's resample count.
	Resamples int `json:"resamples"`
	// Capacity describes how capacity was searched; nil without a search.
	Capacity *CapacityMethod `json:"capacity,omitempty"`
	// Variants holds one entry per variant, in scenario order.
	Variants []VariantCost `json:"variants"`
	// Notes are caveats about the analysis (a bending curve, a quota
	// that could not be applied, a generator that ran out).
	Notes []string `json:"notes,omitempty"`
	// Calibration is how the curve's rates were fitted to this machine
	// before the first round; nil when the scenario's rates ran as
	// written.
	Calibration *RateCalibration `json:"calibration,omitempty"`
}

// RateCalibration records how a curve's rates were scaled to the machine
// it ran on: the scenario's rates are the most the curve offers, and a
// slower machine gets them all scaled by one factor, so that the top
// rate stays below where any variant's server, the generator or Redis
// runs out and the fitted slope is the cost of a request, not of a
// queue.
type RateCalibration struct {
	// Asked are the scenario's rates; Rates the rates that ran
	// (Asked × Factor, rounded to 10 req/s).
	Asked  []float64 `json:"asked"`
	Rates  []float64 `json:"rates"`
	Factor float64   `json:"factor"`
	// Probes are the calibration probes, in the order they ran.
	Probes []CalibrationProbe `json:"probes"`
}

// Decider is the probe that set the rates: the last failing probe above
// the final top rate (rates only go down, so every failure above it
// lowered them; a failure at it was a tail-only one, probed again and
// passed). ok is false when no probe lowered the rates.
func (c *RateCalibration) Decider() (p CalibrationProbe, ok bool) {
	top := math.Inf(1)
	if len(c.Rates) > 0 {
		top = slices.Max(c.Rates)
	}
	for i := len(c.Probes) - 1; i >= 0; i-- {
		if p := c.Probes[i]; !p.Pass && p.Rate > top {
			return p, true
		}
	}
	return CalibrationProbe{}, false
}

// CalibrationProbe is one calibration probe: a variant at one rate,
// unthrottled, and whether the machine kept up with it.
type CalibrationProbe struct {
	Variant string  `json:"variant"`
	Rate    float64 `json:"rate"`
	Pass    bool    `json:"pass"`
	// Reason says what failed ("server 91 % of its core"); "" on a pass.
	Reason string `json:"reason,omitempty"`
}

// CapacityMethod is how the capacity search ran: the server held to a
// share of one core so that the generator, sharing the machine, can
// outrun it; the SLO a probe must meet.
type CapacityMethod struct {
	// Quota is the share of one core the server could use during the
	// search (0.125 = an eighth); 0 when no quota could be applied, and
	// the search then ran against the whole server core.
	Quota float64 `json:"quota"`
	// QuotaMechanism names how the quota was applied ("cgroup v1
	// cpu.cfs_quota_us=1000 cpu.cfs_period_us=8000"), or why not.
	QuotaMechanism string `json:"quota_mechanism"`
	// Probe is each probe's duration.
	Probe time.Duration `json:"probe_ns"`
	// P99 is the highest GET /api/me p99 a passing probe may have;
	// MinSuccess the lowest success ratio (0.999); MinAchieved the
	// lowest achieved/offered ratio (0.99).
	P99         time.Duration `json:"p99_ns"`
	MinSuccess  float64       `json:"min_success"`
	MinAchieved float64       `json:"min_achieved"`
	// Saturate is the closed-loop probe's duration each round, before
	// the search; Connections the requests it keeps in flight. Zero
	// when the run had no such probe.
	Saturate    time.Duration `json:"saturate_ns,omitempty"`
	Connections int           `json:"connections,omitempty"`
	// KeepAwake says how the server's CPUs were kept from halting while
	// the quota held it ("the server's CPU 1 kept from halting by an
	// idle-priority (SCHED_IDLE) busy loop while the quota applied"), or
	// why not ("not kept awake: ..."); empty in a run that did not ask
	// (curve.capacity.keep_awake: false, or written before it existed).
	KeepAwake string `json:"keep_awake,omitempty"`
}

// Interval is an estimate with its confidence interval at
// CostAnalysis.Level. N is the number of observations behind it.
type Interval struct {
	Estimate float64 `json:"estimate"`
	Lo       float64 `json:"lo"`
	Hi       float64 `json:"hi"`
	N        int     `json:"n"`
}

// Excludes reports whether v lies outside the interval: for a ratio,
// Excludes(1) means a significant difference.
func (i Interval) Excludes(v float64) bool { return i.N > 0 && (v < i.Lo || v > i.Hi) }

// HalfWidthRel is the interval's half-width relative to its estimate.
func (i Interval) HalfWidthRel() float64 {
	if i.Estimate == 0 {
		return 0
	}
	w := (i.Hi - i.Lo) / 2 / i.Estimate
	if w < 0 {
		w = -w
	}
	return w
}

// VariantCost is one variant's cost curve, capacity and explanation.
type VariantCost struct {
	Variant string `json:"variant"`
	// ServerMarginal is the slope of the server's CPU-seconds per second
	// against the achieved rate over FitRates: CPU seconds per extra
	// request. ServerIdle is the intercept: CPU seconds per second the
	// server spends at no load on this curve's scale.
	ServerMarginal *Interval `json:"server_marginal_cpu_s,omitempty"`
	ServerIdle     *Interval `json:"server_idle_cpu_s_per_s,omitempty"`
	// RedisMarginal is the same for Redis's CPU (nil when unmeasured).
	RedisMarginal *Interval `json:"redis_marginal_cpu_s,omitempty"`
	// Fit describes the server fit: points, R², whether it bends.
	Fit *FitInfo `json:"fit,omitempty"`
	// RoundMarginal is the server's marginal CPU per request fitted on
	// each round's points alone (what the ratios pair).
	RoundMarginal []float64 `json:"round_marginal_cpu_s,omitempty"`
	// Capacity is the capacity search's outcome; nil without a search.
	Capacity *CapacityResult `json:"capacity,omitempty"`
	// Saturation is the closed-loop probe's outcome under the same
	// quota; nil in runs without one (and in files written before it).
	Saturation *SaturationResult `json:"saturation,omitempty"`
	// Me is the GET /api/me latency at the curve's top rate, median
	// over rounds; Routes the same for every route.
	Me     *Latency           `json:"me_latency,omitempty"`
	Routes map[string]Latency `json:"routes_latency,omitempty"`
	// TopRate is the asked rate Me and Explain were measured at.
	TopRate float64 `json:"top_rate"`
	// Explain breaks the cost down at TopRate; nil when unmeasured.
	Explain *Explain `json:"explain,omitempty"`
	// Ratios are this variant's capacity and marginal CPU relative to a
	// reference variant ("jwt", "none"), paired by round.
	Ratios []Ratio `json:"ratios,omitempty"`
	// Error is why this variant has no analysis, if it has none.
	Error string `json:"error,omitempty"`
}

// FitInfo describes a least-squares fit of CPU/s over rate.
type FitInfo struct {
	// N is the number of points (steps) fitted.
	N  int     `json:"n"`
	R2 float64 `json:"r2"`
	// Bends is true when a quadratic term is significant (p < 0.05): the
	// slope is then an average over the fitted range, not one constant.
	Bends bool `json:"bends"`
	// Curvature is the change of the local slope across the fitted range
	// as a share of the slope (negative: the curve flattens).
	Curvature float64 `json:"curvature"`
}

// CapacityResult is the highest rate meeting the SLO, per round and
// overall.
type CapacityResult struct {
	// Rounds holds each round's search outcome, in round order.
	Rounds []CapacityRound `json:"rounds"`
	// Rate is the median over rounds of the highest passing rate under
	// the quota, with its bootstrap CI; PerCore is Rate / quota (the
	// same with no quota), the figure to compare with a closed-loop
	// tool on one whole core.
	Rate    Interval `json:"rate"`
	PerCore Interval `json:"per_core"`
	// LowerBound is true when some round's highest probe passed, or a
	// failure was the generator's: the capacity is at least Rate.
	LowerBound bool `json:"lower_bound"`
	// GeneratorBound is true when a failing probe ran out of generator,
	// not server: capacity is then a lower bound.
	GeneratorBound bool `json:"generator_bound"`
	// Unexplained counts failing probes whose tail broke while neither
	// the server nor the generator was busy: not a server limit.
	Unexplained int `json:"unexplained"`
	// NotFound counts rounds whose search found no passing rate within
	// its probes: they are left out of Rate (a capacity of 0 is not what
	// they showed) and the report says so.
	NotFound int `json:"not_found,omitempty"`
	// QuotaUse is the server's CPU as a share of its quota at each
	// round's capacity (the passing probe at the round's Rate), mean over
	// rounds with its t interval; nil without a quota or readings. Below
	// 1 because open-loop work arrives unevenly and the quota runs out in
	// bursts first (Bursts).
	QuotaUse *Interval `json:"quota_use,omitempty"`
	// Failed counts the failing probes; Bursts those of them whose server
	// was throttled in at least BurstThrottled of its quota periods while
	// below 85 % of its quota on average and the generator was not the
	// limit: the quota's limit, reached in bursts.
	Failed int `json:"failed,omitempty"`
	Bursts int `json:"bursts,omitempty"`
}

// BurstThrottled is the share of its quota periods in which a server must
// have been throttled for a failed capacity probe to be the quota's limit
// whatever its mean use (loadtest's verdict and CapacityResult.Bursts).
// Open-loop work arrives unevenly, so a server at 70 % of its quota on
// average can still run out of it in one period in two; each time, what
// arrived waits out the period, and a queue that carries into the next
// period grows into the tail. Measured on a 2-core Intel VM (vegeta CLI
// at 1500 req/s against jwt-blacklist under a quarter core, 5 s each):
// p99 1.3 ms with 2 % of periods throttled, 7 ms at 9 %, 23 ms at 53 %.
const BurstThrottled = 0.10

// CapacityRound is one round's search.
type CapacityRound struct {
	Round int `json:"round"`
	// Rate is the highest probed rate that passed (0: none did);
	// FailedAt the lowest that failed above it (0: none failed).
	Rate     float64 `json:"rate"`
	FailedAt float64 `json:"failed_at,omitempty"`
	// Probes counts the probes (recorded in the variant's Steps, kind
	// "capacity").
	Probes int `json:"probes"`
	// GeneratorBound is true when the failure bounding Rate was the
	// generator's.
	GeneratorBound bool `json:"generator_bound"`
}

// SaturationResult is what a variant's server did when it never ran
// out of work: a closed loop (Connections requests always in flight, as
// wrk drives it) against the server held to the capacity quota. Its CPU
// per request is the cost of a request with no idle wake-ups in it: the
// server sleeps only when the quota throttles it, not between requests.
// Its throughput is the most the quota serves with no latency bound,
// an upper end for the SLO capacity.
type SaturationResult struct {
	Connections int               `json:"connections"`
	Rounds      []SaturationRound `json:"rounds"`
	// Throughput is completed requests per second under the quota, mean
	// over rounds with its t interval; PerCore is Throughput / quota.
	Throughput Interval `json:"throughput"`
	PerCore    Interval `json:"per_core"`
	// ServerCPU and RedisCPU are CPU seconds per completed request,
	// mean over rounds with their t intervals (Redis nil when
	// unmeasured or when the variant sends it nothing).
	ServerCPU *Interval `json:"server_cpu_s,omitempty"`
	RedisCPU  *Interval `json:"redis_cpu_s,omitempty"`
	// Unsaturated counts rounds in which the server used less than
	// SaturatedShare of its quota: something else (the generator) ran
	// out first, so that round's throughput is a lower bound and its CPU
	// per request may still hold idle time.
	Unsaturated int `json:"unsaturated,omitempty"`
}

// SaturatedShare is the share of its quota a server must use in a
// closed-loop probe for the probe to count as saturating it.
const SaturatedShare = 0.9

// SaturationRound is one round's closed-loop probe.
type SaturationRound struct {
	Round int `json:"round"`
	// Throughput is completed requests per second; Success their share
	// of 2xx/3xx answers.
	Throughput float64 `json:"throughput"`
	Success    float64 `json:"success"`
	// ServerCPU and RedisCPU are CPU seconds per completed request
	// (RedisCPU 0: unmeasured).
	ServerCPU float64 `json:"server_cpu_s"`
	RedisCPU  float64 `json:"redis_cpu_s,omitempty"`
	// QuotaShare is the server's CPU as a share of its quota (of one
	// core without a quota); Generator the generator's CPU as a share of
	// its cores.
	QuotaShare float64 `json:"quota_share"`
	Generator  float64 `json:"generator"`
	// Sleeps is the server's voluntary context switches per completed
	// request (0: unmeasured): how often it ran out of work and slept,
	// waiting for Redis or for the generator's next request. A closed
	// loop does not make it 0: under a quarter-core quota wrk's 32
	// connections left the server sleeping 0.01 times per request for
	// none and jwt and 0.03–0.08 for the stateful variants, this suite's
	// own loop 0.16–0.18, 0.10–0.14 and 0.17–0.32 (2-core Intel VM,
	// 2026-12-03). It is a diagnostic, not a cost: jwt's throughput and
	// CPU per request agreed with wrk's within 1 % all the same.
	Sleeps float64 `json:"server_sleeps,omitempty"`
}

// Saturated reports whether the server used at least SaturatedShare of
// its quota in this round.
func (s SaturationRound) Saturated() bool { return s.QuotaShare >= SaturatedShare }

// Explain is what one request costs in system terms, per request at one
// rate, from /proc/<pid>/io and the tasks' status, and Redis INFO.
type Explain struct {
	Rate float64 `json:"rate"`
	// ReadSyscalls and WriteSyscalls are the server's read and write
	// system calls (syscr, syscw) per request.
	ReadSyscalls  float64 `json:"read_syscalls"`
	WriteSyscalls float64 `json:"write_syscalls"`
	// ContextSwitches is the server's voluntary + involuntary context
	// switches per request, summed over its threads.
	ContextSwitches float64 `json:"context_switches"`
	// RedisCommands is Redis commands per request (round trips: every
	// backend sends one command or one script per round trip).
	RedisCommands float64 `json:"redis_commands"`
	// ServerBytes is bytes the server read and wrote through system
	// calls (rchar + wchar: HTTP and Redis traffic) per request.
	ServerBytes float64 `json:"server_bytes"`
	// CredentialBytes is the Cookie header's size per GET /api/me.
	CredentialBytes float64 `json:"credential_bytes"`
}

// Ratio compares a variant with a reference variant.
type Ratio struct {
	// To is the reference variant.
	To string `json:"to"`
	// Capacity is capacity(variant) / capacity(reference); Marginal is
	// marginal server CPU(variant) / marginal server CPU(reference).
	// Nil when either side is missing.
	Capacity *Interval `json:"capacity,omitempty"`
	Marginal *Interval `json:"marginal,omitempty"`
	// Saturation is saturated throughput(variant) / (reference);
	// SaturatedCPU the same for CPU per request at saturation.
	Saturation   *Interval `json:"saturation,omitempty"`
	SaturatedCPU *Interval `json:"saturated_cpu,omitempty"`
}

// ProcCounters are a process's cumulative system counters, read at the
// bounds of a step: /proc/<pid>/io and the status of every task.
type ProcCounters struct {
	ReadSyscalls    uint64 `json:"read_syscalls"`
	WriteSyscalls   uint64 `json:"write_syscalls"`
	BytesRead       uint64 `json:"bytes_read"`
	BytesWritten    uint64 `json:"bytes_written"`
	VoluntarySw     uint64 `json:"voluntary_switches"`
	InvoluntarySw   uint64 `json:"involuntary_switches"`
	ThreadsObserved int    `json:"threads"`
}

// Add sums o into c.
func (c *ProcCounters) Add(o ProcCounters) {
	c.ReadSyscalls += o.ReadSyscalls
	c.WriteSyscalls += o.WriteSyscalls
	c.BytesRead += o.BytesRead
	c.BytesWritten += o.BytesWritten
	c.VoluntarySw += o.VoluntarySw
	c.InvoluntarySw += o.InvoluntarySw
	c.ThreadsObserved += o.ThreadsObserved
}

// Minus is the delta c − a of two readings; a counter that went down (a
// thread exited between them) counts 0.
func (c ProcCounters) Minus(a ProcCounters) ProcCounters {
	sub := func(x, y uint64) uint64 {
		if x < y {
			return 0
		}
		return x - y
	}
	return ProcCounters{
		ReadSyscalls:    sub(c.ReadSyscalls, a.ReadSyscalls),
		WriteSyscalls:   sub(c.WriteSyscalls, a.WriteSyscalls),
		BytesRead:       sub(c.BytesRead, a.BytesRead),
		BytesWritten:    sub(c.BytesWritten, a.BytesWritten),
		VoluntarySw:     sub(c.VoluntarySw, a.VoluntarySw),
		InvoluntarySw:   sub(c.InvoluntarySw, a.InvoluntarySw),
		ThreadsObserved: c.ThreadsObserved,
	}
}
