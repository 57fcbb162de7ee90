package redisprov

import (
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/testcontainers/testcontainers-go"
	tcredis "github.com/testcontainers/testcontainers-go/modules/redis"
)

// Kind says where a Redis came from. It is part of every printed result,
// because figures from an in-process store or a container are not
// comparable with those from a native server.
type Kind string

// The kinds of Redis Start provides, in the order it tries them.
const (
	// KindGiven is a Redis at an address the user gave (Options.Addr). It
	// belongs to the user: Close deletes only keys under the run's prefix.
	KindGiven Kind = "given"
	// KindContainer is a Redis container started with testcontainers.
	KindContainer Kind = "testcontainers"
	// KindLocal is a redis-server binary from PATH started by this package
	// on a free loopback port.
	KindLocal Kind = "redis-server"
	// KindEmbedded is an in-process miniredis: a last resort, because it is
	// not Redis and runs inside the measuring process.
	KindEmbedded Kind = "embedded"
)

// DefaultPrefixBase is the start of the key prefix Start picks when
// Options.Prefix is empty; 8 random hex digits and a colon follow it.
const DefaultPrefixBase = "authbench:"

// givenTimeout is how long a given address has to answer PING. A user who
// names a Redis wants that one: it is an error, never a reason to quietly
// measure something else.
const givenTimeout = 2 * time.Second

// closeTimeout bounds the prefix cleanup Close runs on a given Redis.
const closeTimeout = 10 * time.Second

// Options says which Redis Start may provide. The zero value tries every
// kind after the first: containers, then redis-server, then embedded.
type Options struct {
	// Addr is the host:port of a Redis the user provides. When set, it is
	// the only candidate: if it does not answer PING within 2 s, Start
	// fails. The CLI fills it from --redis-addr or AddrFromEnv.
	Addr string

	// NoContainers skips testcontainers even when a Docker engine answers.
	NoContainers bool
	// NoLocal skips a redis-server binary on PATH.
	NoLocal bool
	// NoEmbedded refuses the in-process miniredis, for runs whose figures
	// must come from a real Redis over the network stack (benchmarks).
	NoEmbedded bool

	// Log receives the one line saying which Redis was chosen and why the
	// earlier candidates were skipped. Nil discards it.
	Log io.Writer

	// Prefix is the key prefix of this run. Empty means DefaultPrefixBase
	// followed by 8 random hex digits and a colon.
	Prefix string
}

// Redis is a running Redis and what the suite needs to know about it.
// Its exported fields are set by Start and not changed afterwards. The
// methods are safe for concurrent use.
type Redis struct {
	// Addr is host:port, ready for ClientOptions.
	Addr string
	// Kind says where this Redis came from.
	Kind Kind
	// Prefix is the per-run key prefix; everything the suite writes goes
	// under it, so runs sharing a server stay apart and cleanup is exact.
	Prefix string
	// Version is redis_version from INFO server, "miniredis" for the
	// embedded store, "unknown" when INFO is not allowed.
	Version string

	mu     sync.Mutex
	closed bool
	local  *localServer            // KindLocal
	mini   *miniredis.Miniredis    // KindEmbedded
	ctr    *tcredis.RedisContainer // KindContainer
	image  string                  // KindContainer
}

// Start provides a Redis, trying in order: opts.Addr when set (and then
// nothing else), a testcontainers container when a Docker engine answers,
// a redis-server binary on PATH, and the embedded miniredis. It writes
// one line to opts.Log naming the choice and why earlier candidates were
// skipped. The caller must Close the result.
//
// ctx bounds provisioning only (a container image pull can take a while);
// the Redis keeps running after ctx ends.
func Start(ctx context.Context, opts Options) (*Redis, error) {
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	prefix := opts.Prefix
	if prefix == "" {
		prefix = NewPrefix(DefaultPrefixBase)
	}

	if opts.Addr != "" {
		r, err := startGiven(ctx, opts.Addr, prefix)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(logw, "redis: using %s\n", r.Label())
		return r, nil
	}

	var skipped []string
	done := func(r *Redis) (*Redis, error) {
		if len(skipped) == 0 {
			fmt.Fprintf(logw, "redis: using %s\n", r.Label())
		} else {
			fmt.Fprintf(logw, "redis: %s; using %s\n", strings.Join(skipped, "; "), r.Label())
		}
		return r, nil
	}

	if opts.NoContainers {
		skipped = append(skipped, "containers disabled")
	} else if err := DockerEngine(ctx); err != nil {
		skipped = append(skipped, "no Docker engine ("+oneLine(err)+")")
	} else {
		c, addr, info, err := startContainer(ctx)
		if err == nil {
			return done(&Redis{Addr: addr, Kind: KindContainer, Prefix: prefix, Version: info.version, ctr: c, image: containerImage})
		}
		skipped = append(skipped, "testcontainers failed ("+oneLine(err)+")")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("redisprov: %s: %w", strings.Join(skipped, "; "), err)
	}

	if opts.NoLocal {
		skipped = append(skipped, "redis-server disabled")
	} else if bin, err := exec.LookPath("redis-server"); err != nil {
		skipped = append(skipped, "no redis-server on PATH")
	} else {
		s, info, err := startLocal(ctx, bin)
		if err == nil {
			return done(&Redis{Addr: s.addr(), Kind: KindLocal, Prefix: prefix, Version: info.version, local: s})
		}
		// A binary that exists but fails is worth reporting in full: the
		// error carries redis-server's own log.
		skipped = append(skipped, "redis-server failed ("+oneLine(err)+")")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("redisprov: %s: %w", strings.Join(skipped, "; "), err)
	}

	if opts.NoEmbedded {
		skipped = append(skipped, "embedded store disabled")
	} else {
		m, err := startEmbedded()
		if err == nil {
			return done(&Redis{Addr: m.Addr(), Kind: KindEmbedded, Prefix: prefix, Version: "miniredis", mini: m})
		}
		skipped = append(skipped, oneLine(err))
	}
	return nil, fmt.Errorf("redisprov: no Redis available: %s", strings.Join(skipped, "; "))
}

// startGiven checks that the user's address answers PING.
func startGiven(ctx context.Context, addr, prefix string) (*Redis, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("redisprov: given address %q is not host:port: %w", addr, err)
	}
	ctx, cancel := context.WithTimeout(ctx, givenTimeout)
	defer cancel()
	info, err := waitReady(ctx, addr, nil)
	if err != nil {
		return nil, fmt.Errorf("redisprov: given address %s does not answer PING within %v: %w", addr, givenTimeout, err)
	}
	return &Redis{Addr: addr, Kind: KindGiven, Prefix: prefix, Version: info.version}, nil
}

// Label describes r for humans; it is printed wherever results are, so a
// reader knows what the figures were measured against.
func (r *Redis) Label() string {
	switch r.Kind {
	case KindGiven:
		return fmt.Sprintf("given address %s (redis %s)", r.Addr, r.Version)
	case KindContainer:
		return fmt.Sprintf("redis %s in a testcontainers container (%s) on %s", r.Version, r.image, r.Addr)
	case KindLocal:
		return fmt.Sprintf("redis-server %s started by authbench on %s", r.Version, r.Addr)
	case KindEmbedded:
		return fmt.Sprintf("EMBEDDED miniredis on %s (in-process; figures are not a network store's)", r.Addr)
	default:
		return fmt.Sprintf("%s redis on %s", r.Kind, r.Addr)
	}
}

// Stop injects an outage: it stops the redis-server this package started
// (SIGTERM, then SIGKILL after 2 s) or closes the embedded store, keeping
// the port and the temporary folder so Start can bring it back. Clients
// get connection errors until then. It returns ErrNotOwned for a given
// address or a container, and is a no-op when already stopped.
func (r *Redis) Stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	switch {
	case r.local != nil:
		r.local.stop()
	case r.mini != nil:
		r.mini.Close()
	default:
		return fmt.Errorf("stop %s redis on %s: %w", r.Kind, r.Addr, ErrNotOwned)
	}
	return nil
}

// Start ends an outage begun by Stop: it restarts the server on the same
// port and returns once it answers PING. A restarted redis-server is empty
// (persistence is off, as a store that lost its memory would be); the
// embedded store keeps its data. It is a no-op when already running.
func (r *Redis) Start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	switch {
	case r.local != nil:
		ctx, cancel := context.WithTimeout(context.Background(), localReadyTimeout+localRebindTimeout)
		defer cancel()
		_, err := r.local.restart(ctx)
		return err
	case r.mini != nil:
		if err := r.mini.Restart(); err != nil && !alreadyRunning(r.mini) {
			return fmt.Errorf("redisprov: restart embedded miniredis on %s: %w", r.Addr, err)
		}
		return nil
	default:
		return fmt.Errorf("start %s redis on %s: %w", r.Kind, r.Addr, ErrNotOwned)
	}
}

// alreadyRunning reports whether m answers, which makes a failed Restart
// of a running miniredis a no-op, like the Start method of a running
// redis-server.
func alreadyRunning(m *miniredis.Miniredis) bool {
	c, err := m.Dial()
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

// Close releases r. For a given address it deletes only the keys under
// r.Prefix (SCAN MATCH and UNLINK; it never flushes a Redis it does not
// own). For a Redis it started, it stops the server or container and
// removes its temporary files. Calls after the first return nil.
func (r *Redis) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	switch {
	case r.local != nil:
		return r.local.close()
	case r.mini != nil:
		r.mini.Close()
		return nil
	case r.ctr != nil:
		if err := testcontainers.TerminateContainer(r.ctr); err != nil {
			return fmt.Errorf("redisprov: remove redis container: %w", err)
		}
		return nil
	default:
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		c := r.Client()
		defer c.Close()
		if _, err := deletePrefix(ctx, c, r.Prefix); err != nil {
			return fmt.Errorf("redisprov: close given redis on %s: %w", r.Addr, err)
		}
		return nil
	}
}
