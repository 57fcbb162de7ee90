package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ServerSpec is what a Launcher must serve: one variant with the
// scenario's backend options.
type ServerSpec struct {
	Variant string
	Users   int
	Backend BackendOptions
	// RedisAddr and RedisPrefix are set for the variants that use Redis.
	RedisAddr   string
	RedisPrefix string
	// RedisAddrs, instead of RedisAddr, names a Redis Cluster's nodes
	// (comma-separated, as --redis-addrs takes them).
	RedisAddrs string
	// Log receives the server's own output (stderr); nil discards it.
	Log io.Writer
	// Instance numbers the server among several of one variant (from 0).
	Instance int
	// KeyFile and SessionKeyFile hold the JWT signing key and the session
	// cookie HMAC key shared by every instance of a variant; empty means
	// the server generates its own.
	KeyFile        string
	SessionKeyFile string
	// AdminToken enables POST /admin/revoke-user; empty disables it.
	AdminToken string
	// Debug adds GET /debug/runtime (PID and goroutine count) for the
	// outage scenario's leak check.
	Debug bool
}

// Launcher starts the server under test for one variant.
type Launcher interface {
	Launch(ctx context.Context, spec ServerSpec) (Server, error)
}

// Server is a running server under test.
type Server interface {
	// URL is its base URL, "http://127.0.0.1:PORT".
	URL() string
	// PID is its process ID when it is a separate local process whose
	// CPU can be measured alone, else 0.
	PID() int
	// Stop shuts it down and waits for it.
	Stop() error
}

// ProcessLauncher runs "Exe serve" as a child process, one per variant,
// so its CPU is measured alone.
type ProcessLauncher struct {
	// Exe is the authbench binary (the CLI passes os.Executable()).
	Exe string
	// StartTimeout bounds the wait for the "listening on" line. Default 30s.
	StartTimeout time.Duration
}

// serveArgs is the command line of "authbench serve" for spec.
func serveArgs(spec ServerSpec) []string {
	b := spec.Backend
	args := []string{"serve",
		"--backend", spec.Variant,
		"--addr", "127.0.0.1:0",
		"--users", strconv.Itoa(spec.Users),
		"--password", b.Password,
		"--bcrypt-cost", strconv.Itoa(b.BcryptCost),
		"--alg", b.Alg,
		"--access-ttl", b.AccessTTL.D().String(),
		"--refresh-ttl", b.RefreshTTL.D().String(),
		"--idle-timeout", b.IdleTimeout.D().String(),
	}
	if b.RefreshTTL.D() < b.IdleTimeout.D() {
		args = append(args, "--absolute-timeout", b.IdleTimeout.D().String())
	} else {
		args = append(args, "--absolute-timeout", b.RefreshTTL.D().String())
	}
	if b.SessionUnsigned {
		args = append(args, "--session-unsigned")
	}
	if b.ShortTTL != 0 {
		args = append(args, "--short-ttl", b.ShortTTL.D().String())
	}
	if b.MaxStaleness != 0 {
		args = append(args, "--max-staleness", b.MaxStaleness.D().String())
	}
	if spec.RedisAddr != "" {
		args = append(args, "--redis-addr", spec.RedisAddr, "--redis-prefix", spec.RedisPrefix)
	}
	if spec.RedisAddrs != "" {
		args = append(args, "--redis-addrs", spec.RedisAddrs, "--redis-prefix", spec.RedisPrefix)
	}
	if spec.KeyFile != "" {
		args = append(args, "--key-file", spec.KeyFile)
	}
	if spec.SessionKeyFile != "" {
		args = append(args, "--session-key-file", spec.SessionKeyFile)
	}
	if spec.Debug {
		args = append(args, "--debug-runtime")
	}
	return args
}

// Launch starts the child and waits for its "listening on" line.
func (l ProcessLauncher) Launch(ctx context.Context, spec ServerSpec) (Server, error) {
	timeout := l.StartTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	cmd := exec.Command(l.Exe, serveArgs(spec)...)
	cmd.SysProcAttr = serverProcAttr()
	// The admin route is off unless the scenario needs it (revocation);
	// the token goes through the environment, not the command line, so
	// it does not show in ps.
	cmd.Env = append(os.Environ(), "AUTHBENCH_ADMIN_TOKEN="+spec.AdminToken)
	if spec.Log != nil {
		cmd.Stderr = spec.Log
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s serve: %w", l.Exe, err)
	}
	p := &procServer{cmd: cmd, exited: make(chan struct{})}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			if spec.Log != nil {
				fmt.Fprintln(spec.Log, line)
			}
			if _, u, ok := strings.Cut(line, "listening on "); ok && !sent {
				urlc <- strings.TrimSpace(u)
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, out)
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case u := <-urlc:
		p.url = u
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("authbench serve --backend %s exited before listening: %v", spec.Variant, p.waitErr)
	case <-t.C:
		_ = p.Stop()
		return nil, fmt.Errorf("authbench serve --backend %s: no \"listening on\" line within %v", spec.Variant, timeout)
	case <-ctx.Done():
		_ = p.Stop()
		return nil, ctx.Err()
	}
}

type procServer struct {
	cmd     *exec.Cmd
	url     string
	exited  chan struct{}
	waitErr error
}

func (p *procServer) URL() string { return p.url }
func (p *procServer) PID() int    { return p.cmd.Process.Pid }

// Exited reports whether the process has ended (crashed, or stopped).
func (p *procServer) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM (graceful shutdown), then SIGKILL after 10 s.
func (p *procServer) Stop() error {
	select {
	case <-p.exited:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return errors.New("server did not stop within 10s of SIGTERM; killed")
	}
	return nil
}
