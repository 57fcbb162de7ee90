package loadtest

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/authbench/authbench/results"
)

// cpuQuota is a cgroup holding a variant's server processes, whose CPU
// bandwidth can be limited to a share of one core. It is how capacity is
// measured on a machine too small for a generator to outrun a whole
// server core: the server is held to a share the generator can exceed.
// Written here because no maintained Go library in the allowed set
// manages cgroup v1 and v2 bandwidth both; it touches only the group it
// made.
type cpuQuota struct {
	dir string
	v2  bool
	// mechanism names what is written, for the results.
	mechanism string
}

// cgroupRoots are where the cpu controller is looked for: the v1 cpu
// hierarchy, then the v2 unified hierarchy (mounted alone or beside v1).
var cgroupRoots = []struct {
	dir string
	v2  bool
}{
	{"/sys/fs/cgroup/cpu", false},
	{"/sys/fs/cgroup/cpu,cpuacct", false},
	{"/sys/fs/cgroup", true},
}

// newCPUQuota makes the group name under the first hierarchy with a
// usable cpu controller.
func newCPUQuota(name string) (*cpuQuota, error) {
	var errs []error
	for _, root := range cgroupRoots {
		if root.v2 {
			b, err := os.ReadFile(filepath.Join(root.dir, "cgroup.controllers"))
			if err != nil || !strings.Contains(" "+string(b)+" ", " cpu") {
				errs = append(errs, fmt.Errorf("%s: no cpu controller", root.dir))
				continue
			}
			// Children get the cpu controller only when it is enabled in
			// the parent's subtree_control; enabling it may fail when the
			// parent has processes of its own (the "no internal
			// processes" rule), which is then reported.
			_ = os.WriteFile(filepath.Join(root.dir, "cgroup.subtree_control"), []byte("+cpu"), 0)
		} else if _, err := os.Stat(filepath.Join(root.dir, "cpu.cfs_quota_us")); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", root.dir, err))
			continue
		}
		dir := filepath.Join(root.dir, name)
		if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			errs = append(errs, err)
			continue
		}
		q := &cpuQuota{dir: dir, v2: root.v2}
		if root.v2 {
			if _, err := os.Stat(filepath.Join(dir, "cpu.max")); err != nil {
				_ = os.Remove(dir)
				errs = append(errs, fmt.Errorf("%s: cpu controller not enabled for children: %w", root.dir, err))
				continue
			}
		}
		return q, nil
	}
	return nil, fmt.Errorf("no cgroup cpu controller to hold the server to a CPU quota (needs root and cgroup v1 cpu or v2 cpu): %w", errors.Join(errs...))
}

// add moves process pid (all its threads) into the group.
func (q *cpuQuota) add(pid int) error {
	return os.WriteFile(filepath.Join(q.dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0)
}

// quotaPeriodFor is the CFS period a quota of share of one core is
// expressed in: the shortest whose quota is still the kernel's 1 ms
// minimum, within [1 ms, 1 s]. A throttled server waits out the rest of
// its period, so a short period makes the quota behave like a slower
// core; with the kernel's default 100 ms (or the 10 ms used before),
// a quarter core spends 7.5 ms of every 10 frozen and an open-loop
// queue builds behind it long before the quota is used up: the
// capacity at a p99 SLO then measures the throttling, not the server.
func quotaPeriodFor(share float64) time.Duration {
	if share <= 0 {
		return time.Second
	}
	p := time.Duration(math.Ceil(float64(minQuota) / share))
	return min(max(p, time.Millisecond), time.Second)
}

// set limits the group to share of one core, over quotaPeriodFor(share).
func (q *cpuQuota) set(share float64) error {
	period := quotaPeriodFor(share)
	us := int(math.Round(share * float64(period.Microseconds())))
	if us < int(minQuota.Microseconds()) {
		// The kernel refuses quotas under 1 ms.
		return fmt.Errorf("quota %g of a %v period is %d µs, under the kernel's 1 ms minimum", share, period, us)
	}
	if q.v2 {
		q.mechanism = fmt.Sprintf("cgroup v2 cpu.max=%q", fmt.Sprintf("%d %d", us, period.Microseconds()))
		return os.WriteFile(filepath.Join(q.dir, "cpu.max"), []byte(fmt.Sprintf("%d %d", us, period.Microseconds())), 0)
	}
	q.mechanism = fmt.Sprintf("cgroup v1 cpu.cfs_quota_us=%d cpu.cfs_period_us=%d", us, period.Microseconds())
	// The quota first: lifted, any period is accepted.
	if err := os.WriteFile(filepath.Join(q.dir, "cpu.cfs_quota_us"), []byte("-1"), 0); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(q.dir, "cpu.cfs_period_us"), []byte(strconv.Itoa(int(period.Microseconds()))), 0); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(q.dir, "cpu.cfs_quota_us"), []byte(strconv.Itoa(us)), 0)
}

// throttling reads the group's cpu.stat: periods, throttled periods and
// time throttled (v1 throttled_time in ns, v2 throttled_usec).
func (q *cpuQuota) throttling() (results.Throttling, error) {
	b, err := os.ReadFile(filepath.Join(q.dir, "cpu.stat"))
	if err != nil {
		return results.Throttling{}, err
	}
	return parseCPUStat(string(b))
}

// parseCPUStat parses a cgroup v1 or v2 cpu.stat.
func parseCPUStat(s string) (results.Throttling, error) {
	var t results.Throttling
	seen := 0
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return t, fmt.Errorf("cpu.stat: %s: %w", k, err)
		}
		switch k {
		case "nr_periods":
			t.Periods, seen = n, seen+1
		case "nr_throttled":
			t.Throttled, seen = n, seen+1
		case "throttled_time":
			t.Time = time.Duration(n)
		case "throttled_usec":
			t.Time = time.Duration(n) * time.Microsecond
		}
	}
	if seen < 2 {
		return t, fmt.Errorf("cpu.stat: no nr_periods and nr_throttled in %q", s)
	}
	return t, nil
}

// throttledSince is the throttling between two cpu.stat readings.
func throttledSince(a, b results.Throttling) *results.Throttling {
	if b.Periods < a.Periods || b.Throttled < a.Throttled {
		return nil // the group was replaced between the readings
	}
	return &results.Throttling{Periods: b.Periods - a.Periods, Throttled: b.Throttled - a.Throttled, Time: b.Time - a.Time}
}

// clear lifts the limit.
func (q *cpuQuota) clear() error {
	if q.v2 {
		return os.WriteFile(filepath.Join(q.dir, "cpu.max"), []byte("max"), 0) // the period is left as set

	}
	return os.WriteFile(filepath.Join(q.dir, "cpu.cfs_quota_us"), []byte("-1"), 0)
}

// remove deletes the group; its processes must have exited (or been
// moved out) first.
func (q *cpuQuota) remove() error { return os.Remove(q.dir) }

// applyQuota holds lv's servers to share of one core and returns the
// share applied, 0 when none could be (noted once in the results: the
// search then runs against the whole server core and is likely to be
// generator-bound).
func (r *runner) applyQuota(lv *liveVariant, share float64) float64 {
	if len(lv.pids) == 0 {
		return 0
	}
	q := r.quotas[lv.vr]
	if q == nil {
		var err error
		q, err = newCPUQuota(fmt.Sprintf("authbench-%d-%s", os.Getpid(), safeName(r.res.Variants[lv.vr].Label())))
		if err == nil {
			for _, pid := range lv.pids {
				if err = q.add(pid); err != nil {
					break
				}
			}
			if err != nil {
				_ = q.remove()
			}
		}
		if err != nil {
			r.quotaErr(err)
			return 0
		}
		r.quotas[lv.vr] = q
	}
	if err := q.set(share); err != nil {
		r.quotaErr(err)
		return 0
	}
	r.quotaMechanism = q.mechanism
	return share
}

// quotaErr notes, once per run, why no quota was applied.
func (r *runner) quotaErr(err error) {
	if r.quotaNoted {
		return
	}
	r.quotaNoted = true
	r.quotaMechanism = "none: " + err.Error()
	r.note("capacity searched without a CPU quota (" + err.Error() + "): the generator shares the machine, so capacities are likely generator-bound lower bounds")
}

// clearQuota lifts lv's quota after its search.
func (r *runner) clearQuota(lv *liveVariant) {
	if q := r.quotas[lv.vr]; q != nil {
		if err := q.clear(); err != nil {
			r.note(fmt.Sprintf("%s: CPU quota not lifted: %v", r.res.Variants[lv.vr].Label(), err))
		}
	}
}

// removeQuota deletes lv's group once its servers stopped.
func (r *runner) removeQuota(lv *liveVariant) {
	if q := r.quotas[lv.vr]; q != nil {
		_ = q.remove()
		delete(r.quotas, lv.vr)
	}
}

// underQuota runs step with lv's servers held to quota and records the
// quota and what the kernel's throttling did over it.
func (r *runner) underQuota(lv *liveVariant, quota float64, step func() results.Step) results.Step {
	q := r.quotas[lv.vr]
	var t0 results.Throttling
	var err error
	if q != nil && quota > 0 {
		t0, err = q.throttling()
	}
	st := step()
	st.Quota = quota
	if q != nil && quota > 0 && err == nil {
		if t1, err := q.throttling(); err == nil {
			st.Throttling = throttledSince(t0, t1)
		}
	}
	return st
}

// coreLimit is the share of one core a server held to quota may use:
// the quota, or the whole core when none was applied (0).
func coreLimit(quota float64) float64 {
	if quota <= 0 {
		return 1
	}
	return quota
}
