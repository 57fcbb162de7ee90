package loadtest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/authbench/authbench/results"
)

// clockTicks is sysconf(_SC_CLK_TCK), the unit of utime and stime in
// /proc/<pid>/stat. It is 100 on every Linux architecture Go supports
// (USER_HZ is fixed by the kernel ABI), and Go has no sysconf.
const clockTicks = 100

// procCPU returns the CPU time of process pid, all threads included.
//
// It prefers the sum of /proc/pid/task/*/schedstat (on-CPU time in
// nanoseconds, kept by the scheduler) over utime+stime of /proc/pid/stat,
// which the kernel reports in 10 ms ticks: a 4-second step at 400 req/s
// costs the server only a few dozen ticks, so tick rounding alone would
// add several percent of spread to CPU per request. The schedstat sum
// misses threads that exited between two readings; a Go server keeps its
// threads for its lifetime, and when schedstat is unavailable the tick
// figure is used.
func procCPU(pid int) (time.Duration, error) {
	if d, err := schedCPU(pid); err == nil {
		return d, nil
	}
	return statCPU(pid)
}

// schedCPU sums the first field of every thread's schedstat.
func schedCPU(pid int) (time.Duration, error) {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/" + t.Name() + "/schedstat")
		if err != nil {
			if os.IsNotExist(err) {
				continue // the thread exited while we listed them
			}
			return 0, err
		}
		f := strings.Fields(string(b))
		if len(f) < 1 {
			return 0, fmt.Errorf("%s/%s/schedstat: empty", dir, t.Name())
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s/%s/schedstat: %w", dir, t.Name(), err)
		}
		total += ns
	}
	return time.Duration(total), nil
}

// statCPU returns user+sys CPU time of process pid from /proc/pid/stat,
// all threads included, in 10 ms ticks.
func statCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces and parentheses: fields
	// are counted from the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no ')'", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	// After ')': state(3) ppid(4) … utime(14) stime(15): indexes 11, 12.
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad utime/stime %q %q", pid, f[11], f[12])
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// peakRSS returns VmHWM of pid in bytes.
func peakRSS(pid int) (int64, error) { return statusBytes(pid, "VmHWM") }

// currentRSS returns VmRSS of pid in bytes.
func currentRSS(pid int) (int64, error) { return statusBytes(pid, "VmRSS") }

// statusBytes reads field (a size in kB) of /proc/<pid>/status.
func statusBytes(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/status: %s %q", pid, field, v)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, field)
}

// resetPeakRSS resets VmHWM to the current RSS (clear_refs 5); it
// reports whether the kernel allowed it.
func resetPeakRSS(pid int) bool {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
}

// procCounters reads pid's cumulative system-call and byte counters
// from /proc/<pid>/io and sums the context switches of its threads from
// /proc/<pid>/task/*/status (the process's own status counts only its
// main thread).
func procCounters(pid int) (results.ProcCounters, error) {
	var c results.ProcCounters
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return c, err
	}
	eachCounter(b, func(k string, n uint64) {
		switch k {
		case "syscr":
			c.ReadSyscalls = n
		case "syscw":
			c.WriteSyscalls = n
		case "rchar":
			c.BytesRead = n
		case "wchar":
			c.BytesWritten = n
		}
	})
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return c, err
	}
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/" + t.Name() + "/status")
		if err != nil {
			continue // the thread exited while we listed them
		}
		c.ThreadsObserved++
		eachCounter(b, func(k string, n uint64) {
			switch k {
			case "voluntary_ctxt_switches":
				c.VoluntarySw += n
			case "nonvoluntary_ctxt_switches":
				c.InvoluntarySw += n
			}
		})
	}
	return c, nil
}

// eachCounter calls f for every "name: number" line of a /proc file;
// other lines are skipped.
func eachCounter(b []byte, f func(name string, n uint64)) {
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil {
			f(k, n)
		}
	}
}

// sumCounters is procCounters summed over pids.
func sumCounters(pids []int) (results.ProcCounters, error) {
	var t results.ProcCounters
	for _, pid := range pids {
		c, err := procCounters(pid)
		if err != nil {
			return t, err
		}
		t.Add(c)
	}
	return t, nil
}
