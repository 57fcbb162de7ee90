package loadtest

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/authbench/authbench/results"
)

// environment describes this machine and build for the results.
func environment() results.Environment {
	e := results.Environment{
		CPUModel:   cpuModel(),
		Cores:      runtime.NumCPU(),
		GOMAXPROCS: runtime.GOMAXPROCS(0),
		GoVersion:  runtime.Version(),
		OS:         runtime.GOOS + "/" + runtime.GOARCH,
		Kernel:     "unknown",
		GitCommit:  "unknown",
	}
	e.Hostname, _ = os.Hostname()
	e.CPUIdle = cpuIdle()
	if k := kernelRelease(); k != "" {
		e.Kernel = k
	}
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		e.GitCommit = strings.TrimSpace(string(out))
	}
	return e
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// cpuIdle reads the cpuidle driver and governor from sysfs, and the
// haltpoll driver's polling window where it is loaded; "" where sysfs
// has none of them (not Linux, or no cpuidle).
func cpuIdle() string {
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(b))
	}
	const dir = "/sys/devices/system/cpu/cpuidle/"
	drv, gov := read(dir+"current_driver"), read(dir+"current_governor")
	if drv == "" && gov == "" {
		return ""
	}
	s := drv + "/" + gov
	if ns := read("/sys/module/haltpoll/parameters/guest_halt_poll_ns"); ns != "" && drv == "haltpoll" {
		s += ", guest_halt_poll_ns=" + ns
	}
	return s
}
