package redisprov

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	// localReadyTimeout bounds the wait for a started redis-server to
	// answer PING; it normally answers within milliseconds.
	localReadyTimeout = 5 * time.Second
	// localStopGrace is how long Stop waits after SIGTERM before SIGKILL.
	// With persistence off redis-server has nothing to write and exits at
	// once, so the grace only matters for a wedged process.
	localStopGrace = 2 * time.Second
	// localPortAttempts is how many free ports Start tries: the port is
	// chosen by binding :0 and closing, so another process can take it
	// before redis-server binds it.
	localPortAttempts = 5
	// localRebindTimeout is how long the Start method keeps trying to get
	// the old port back after Stop.
	localRebindTimeout = 2 * time.Second
	// logTail is how much of redis-server's own log is kept for error
	// messages.
	logTail = 8 << 10
	// tempDirPrefix names the temporary folders given to redis-server as
	// --dir; the creating process' PID follows so that leftovers of
	// processes that died without Close can be recognised and removed.
	tempDirPrefix = "authbench-redis-"
)

// errPortInUse means redis-server could not have the port it was given.
var errPortInUse = errors.New("port already in use")

// localServer is a redis-server process this package started and owns.
type localServer struct {
	bin   string
	dir   string
	port  int
	log   *tailBuffer
	extra []string // more redis-server arguments (a cluster node's)

	cmd  *exec.Cmd
	done chan struct{} // closed once cmd has been reaped
}

func (s *localServer) addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// startLocal starts bin on a free loopback port in a new temporary folder.
func startLocal(ctx context.Context, bin string) (*localServer, serverInfo, error) {
	return startLocalWith(ctx, bin, nil, freePort)
}

// startLocalWith is startLocal with more redis-server arguments, built
// from the server's folder (a cluster node's nodes.conf lives there), and
// a port picker: a free port is chosen by binding :0 and closing, so
// another process can take it before redis-server binds it, and the
// start is retried on a new port.
func startLocalWith(ctx context.Context, bin string, extra func(dir string) []string, pickPort func() (int, error)) (*localServer, serverInfo, error) {
	sweepOnce.Do(sweepStaleDirs)
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-*", tempDirPrefix, os.Getpid()))
	if err != nil {
		return nil, serverInfo{}, fmt.Errorf("redisprov: temporary folder for redis-server: %w", err)
	}
	s := &localServer{bin: bin, dir: dir}
	if extra != nil {
		s.extra = extra(dir)
	}
	for range localPortAttempts {
		if s.port, err = pickPort(); err != nil {
			break
		}
		var info serverInfo
		info, err = s.launch(ctx)
		if err == nil {
			return s, info, nil
		}
		if !errors.Is(err, errPortInUse) {
			break
		}
	}
	_ = os.RemoveAll(dir)
	return nil, serverInfo{}, err
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("redisprov: find a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// launch runs redis-server on s.port and waits until it answers PING.
func (s *localServer) launch(ctx context.Context) (serverInfo, error) {
	s.log = newTailBuffer(logTail)
	cmd := exec.Command(s.bin,
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		// Persistence off: the suite's data is throwaway, and a
		// restarted server must come back empty, like a store that lost
		// its memory; no fsync noise in the measurements either.
		"--save", "",
		"--appendonly", "no",
		// Private folder, so that a stray SAVE or BGSAVE cannot drop a
		// dump.rdb into the caller's working directory.
		"--dir", s.dir,
		"--daemonize", "no",
	)
	cmd.Args = append(cmd.Args, s.extra...)
	cmd.Dir = s.dir
	cmd.Stdout = s.log
	cmd.Stderr = s.log
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return serverInfo{}, fmt.Errorf("redisprov: start %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	s.cmd, s.done = cmd, done

	readyCtx, cancel := context.WithTimeout(ctx, localReadyTimeout)
	defer cancel()
	info, err := waitReady(readyCtx, s.addr(), func() bool {
		select {
		case <-done:
			return false
		default:
			return true
		}
	})
	if err == nil && info.pid != 0 && info.pid != cmd.Process.Pid {
		// Another Redis took the port between freePort and our bind, and
		// it answered for ours (which is failing to bind). Never use
		// somebody else's server.
		err = fmt.Errorf("%w: 127.0.0.1:%d is answered by process %d, not by the redis-server started (%d)",
			errPortInUse, s.port, info.pid, cmd.Process.Pid)
	}
	if err != nil {
		s.kill()
		if strings.Contains(s.log.String(), "Address already in use") {
			err = fmt.Errorf("%w: %v", errPortInUse, err)
		}
		return serverInfo{}, fmt.Errorf("redisprov: %s on 127.0.0.1:%d did not answer PING: %w\nredis-server log:\n%s",
			s.bin, s.port, err, s.log.String())
	}
	return info, nil
}

// stop asks redis-server to exit (SIGTERM), waits, then kills it. It is a
// no-op when the server is not running.
func (s *localServer) stop() {
	if s.cmd == nil {
		return
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.kill() // no SIGTERM on this platform, or already gone
		return
	}
	select {
	case <-s.done:
	case <-time.After(localStopGrace):
		s.kill()
	}
	s.cmd, s.done = nil, nil
}

// kill ends redis-server at once and waits until it has been reaped.
func (s *localServer) kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd, s.done = nil, nil
}

// restart launches redis-server again on its old port. The port may be
// held briefly by someone else after a stop, so bind failures are retried
// for a short while before giving up.
func (s *localServer) restart(ctx context.Context) (serverInfo, error) {
	if s.cmd != nil {
		return serverInfo{}, nil
	}
	deadline := time.Now().Add(localRebindTimeout)
	for {
		info, err := s.launch(ctx)
		if err == nil || !errors.Is(err, errPortInUse) || time.Now().After(deadline) {
			return info, err
		}
		select {
		case <-ctx.Done():
			return serverInfo{}, fmt.Errorf("redisprov: restart redis-server on port %d: %w", s.port, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// close stops redis-server and removes its temporary folder.
func (s *localServer) close() error {
	s.stop()
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("redisprov: remove redis-server folder: %w", err)
	}
	return nil
}

// sweepOnce makes sure stale folders are looked for once per process.
var sweepOnce sync.Once

// sweepStaleDirs removes temporary folders left by processes that died
// without calling Close: a test binary that used redistest.Shared (its
// server is killed by the parent-death signal, and nothing else runs at
// exit), or a CLI that was killed. A folder is removed only when its
// owner's PID no longer exists.
func sweepStaleDirs() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), tempDirPrefix+"*-*"))
	for _, m := range matches {
		rest := strings.TrimPrefix(filepath.Base(m), tempDirPrefix)
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || pid == os.Getpid() || !processGone(pid) {
			continue
		}
		_ = os.RemoveAll(m)
	}
}

// tailBuffer keeps the last max bytes written to it. redis-server writes
// its log to it, so that errors can show why the server did not start.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
