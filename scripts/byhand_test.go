package scripts

import (
	"bufio"
	"context"
	"crypto/rand"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// byHandMarker ends the header of by-hand.sh; README's block follows it.
const byHandMarker = "# ---- README.md \"Try it by hand\", verbatim below ----\n"

// TestByHandMatchesREADME: by-hand.sh is README's "Try it by hand" block,
// so the script that TestByHand runs is what a reader pastes.
func TestByHandMatchesREADME(t *testing.T) {
	script := byHandBody(t)
	block := readmeBlock(t, "## Try it by hand")
	if script != block {
		t.Errorf("README.md's \"Try it by hand\" block and scripts/by-hand.sh (below its marker) differ; make them equal.\nREADME:\n%s\nscript:\n%s", block, script)
	}
}

// TestByHand runs by-hand.sh as a reader would paste it and checks that
// it works and cleans up: exit 0, the login, /api/me and logout answers,
// a server that shut down on SIGTERM, and afterwards no process it
// started (the server, its redis-server, curl) still running, nothing
// left in its temporary folder and no change in git status.
//
// The processes are told apart from every other authbench and
// redis-server on the machine (other packages' tests run at the same
// time; the machine's own Redis listens on 6379) by a marker variable in
// the script's environment, which every process it starts inherits.
func TestByHand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds authbench and starts a server and a redis-server")
	}
	if runtime.GOOS != "linux" {
		t.Skip("finds leftover processes through /proc")
	}
	for _, bin := range []string{"bash", "curl", "redis-server"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("no %s on PATH (.ci/run installs it)", bin)
		}
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	gitBefore, haveGit := gitStatus(t, root)

	marker := "AUTHBENCH_BY_HAND_TEST=" + rand.Text()
	tmp := t.TempDir()
	scriptTmp := filepath.Join(tmp, "tmp") // the script's TMPDIR: its mktemp -d and redis-server's folder
	if err := os.Mkdir(scriptTmp, 0o755); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)

	ctx, cancel := context.WithTimeout(t.Context(), 8*time.Minute) // a cold build cache takes minutes
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "scripts", "by-hand.sh"))
	cmd.Dir = tmp // the script changes to the repository root itself
	cmd.Env = append(withoutEnv(os.Environ(), "REDIS_ADDR", "PORT", "TMPDIR", "DOCKER_HOST"),
		marker,
		"PORT="+strconv.Itoa(port),
		"TMPDIR="+scriptTmp,
		// No Docker engine, so that serve starts a redis-server on the
		// PATH, a process this test can see, rather than a container.
		"DOCKER_HOST=unix://"+filepath.Join(tmp, "no-docker.sock"),
	)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second // a leftover child holding the output pipe must not hang the test

	// The script's processes, as a watcher sees them while it runs; the
	// cleanup kills whichever are left, also when the test fails early.
	var mu sync.Mutex
	seen := map[int]proc{}
	snapshot := func() map[int]proc {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(seen)
	}
	t.Cleanup(func() { killAll(t, snapshot()) })
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			procs := scriptProcs(marker)
			mu.Lock()
			maps.Copy(seen, procs)
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	runErr := cmd.Run()
	close(stop)
	wg.Wait()
	output := out.String()
	t.Logf("by-hand.sh output:\n%s", output)

	if runErr != nil {
		t.Errorf("by-hand.sh: %v", runErr)
	}
	for _, want := range []string{
		"HTTP/1.1 200 OK",                // login
		"Set-Cookie: session=",           // login's cookie, sent back by the next curls
		"\n204\n",                        // logout
		"authbench serve: shutting down", // the server got SIGTERM and shut down gracefully
	} {
		if !strings.Contains(output, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if n := strings.Count(output, `{"user":"user-1"}`); n != 2 {
		t.Errorf(`output has {"user":"user-1"} %d times, want 2 (login and /api/me)`, n)
	}
	m := regexp.MustCompile(`redis-server \S+ started by authbench on (127\.0\.0\.1:(\d+))`).FindStringSubmatch(output)
	if m == nil {
		t.Errorf("serve started no redis-server of its own")
	} else if m[2] == "6379" {
		t.Errorf("serve's redis-server is on 6379, the machine's own Redis")
	}
	names := map[string]bool{}
	for _, p := range snapshot() {
		names[p.name] = true
	}
	for _, name := range []string{"authbench", "redis-server"} {
		if !names[name] {
			t.Errorf("no %s process of the script's was seen while it ran (seen: %v), so the leftover check below proves nothing", name, slices.Sorted(maps.Keys(names)))
		}
	}

	// Everything the script started has gone once it has returned: serve
	// stops its redis-server before it exits, and the script waits for
	// serve. A short grace covers the kernel reaping orphans. Whatever
	// still carries the marker counts too, seen before or not.
	var left map[int]proc
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		left = stillRunning(snapshot())
		maps.Copy(left, scriptProcs(marker))
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(left) > 0 {
		t.Errorf("processes left behind: %v", left)
		mu.Lock()
		maps.Copy(seen, left) // for the cleanup's kill
		mu.Unlock()
	}
	addrs := []string{net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	if m != nil {
		addrs = append(addrs, m[1])
	}
	for _, addr := range addrs {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections", addr)
		}
	}
	if ents, err := os.ReadDir(scriptTmp); err != nil || len(ents) > 0 {
		names := []string{}
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("files left in the temporary folder: %v (%v)", names, err)
	}
	if haveGit {
		if after, _ := gitStatus(t, root); after != gitBefore {
			t.Errorf("git status changed:\nbefore:\n%s\nafter:\n%s", gitBefore, after)
		}
	}
}

// byHandBody returns by-hand.sh below its marker line.
func byHandBody(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile("by-hand.sh")
	if err != nil {
		tb.Fatal(err)
	}
	_, body, ok := strings.Cut(string(b), byHandMarker)
	if !ok {
		tb.Fatalf("by-hand.sh has no marker line %q", strings.TrimSpace(byHandMarker))
	}
	return body
}

// readmeBlock returns the first ```sh block after heading in README.md,
// without its fences, each line ending in a newline.
func readmeBlock(tb testing.TB, heading string) string {
	tb.Helper()
	f, err := os.Open(filepath.Join("..", "README.md"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	state := 0 // 0: before the heading, 1: before the fence, 2: in the block
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case state == 0 && line == heading:
			state = 1
		case state == 1 && strings.HasPrefix(line, "## "):
			tb.Fatalf("README.md: no ```sh block under %q", heading)
		case state == 1 && line == "```sh":
			state = 2
		case state == 2 && line == "```":
			return b.String()
		case state == 2:
			b.WriteString(line + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	tb.Fatalf("README.md: no complete ```sh block under %q", heading)
	return ""
}

// proc is a process of the script's: its command name, and its start
// time (clock ticks after boot), which tells a reused PID apart.
type proc struct {
	name  string
	start string
}

// scriptProcs returns the running processes that belong to the script:
// those with its marker kv in their environment and, transitively, their
// children. (redis-server overwrites its environment's memory with its
// process title, so it is found through its parent, authbench serve.)
func scriptProcs(kv string) map[int]proc {
	type entry struct {
		ppid   int
		p      proc
		marked bool
	}
	all := map[int]entry{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, p, ok := readStat(pid)
		if !ok {
			continue // gone, or a zombie: nothing left running
		}
		env, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		all[pid] = entry{ppid, p, slices.Contains(strings.Split(string(env), "\x00"), kv)}
	}
	ours := map[int]proc{}
	for changed := true; changed; {
		changed = false
		for pid, e := range all {
			if _, done := ours[pid]; done {
				continue
			}
			if _, parentOurs := ours[e.ppid]; e.marked || parentOurs {
				ours[pid] = e.p
				changed = true
			}
		}
	}
	return ours
}

// readStat reads a process's parent, name and start time from
// /proc/<pid>/stat; ok is false when it is gone or a zombie.
func readStat(pid int) (ppid int, p proc, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, proc{}, false
	}
	// pid (comm) state ppid ... starttime is field 22; comm may hold
	// spaces and parentheses, so split after its last ')'.
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return 0, proc{}, false
	}
	f := strings.Fields(s[end+1:]) // f[0] is field 3, the state
	if len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return 0, proc{}, false
	}
	ppid, _ = strconv.Atoi(f[1])
	return ppid, proc{name: s[open+1 : end], start: f[19]}, true
}

// stillRunning returns those of procs that are still running.
func stillRunning(procs map[int]proc) map[int]proc {
	left := map[int]proc{}
	for pid, p := range procs {
		if _, now, ok := readStat(pid); ok && now.start == p.start {
			left[pid] = p
		}
	}
	return left
}

// killAll kills procs that are still running, so that a failing run
// does not leave a server and a redis-server on the machine.
func killAll(tb testing.TB, procs map[int]proc) {
	for pid, p := range stillRunning(procs) {
		if err := syscall.Kill(pid, syscall.SIGKILL); err == nil {
			tb.Logf("killed leftover %s (pid %d)", p.name, pid)
		}
	}
}

// gitStatus returns "git status --porcelain" of the repository at root,
// and false when there is no git or root is not a checkout.
func gitStatus(tb testing.TB, root string) (string, bool) {
	tb.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		return "", false
	}
	out, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=all").Output()
	if err != nil {
		return "", false
	}
	return string(out), true
}

// freePort returns a loopback port that was free a moment ago.
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// withoutEnv returns env without the variables named.
func withoutEnv(env []string, names ...string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains(names, name)
	})
}

// syncBuffer collects the script's output, written by two pipes' copiers.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
