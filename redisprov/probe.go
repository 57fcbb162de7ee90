package redisprov

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// probeInterval is how long waitReady sleeps between attempts: short,
// because a local redis-server is usually ready within a few milliseconds
// and every start of the suite pays the wait.
const probeInterval = 10 * time.Millisecond

// serverInfo is what the suite needs to know about a Redis that answered.
type serverInfo struct {
	version string // redis_version, "unknown" when INFO is not allowed
	pid     int    // process_id, 0 when unknown
}

// probe sends one PING, then INFO server, to addr over a fresh client, so
// that a failed attempt leaves no pool state (go-redis' dial circuit
// breaker) behind to slow down the next attempt.
func probe(ctx context.Context, addr string) (serverInfo, error) {
	// A plain TCP connect first: while a server is starting, most attempts
	// fail here, and go-redis would log every failed dial to stderr.
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return serverInfo{}, err
	}
	_ = conn.Close()

	opt := ClientOptions(addr)
	opt.DialTimeout = 200 * time.Millisecond
	opt.PoolSize = 1
	opt.DisableIdentity = true // no CLIENT SETINFO: one round trip less, and no error noise from old servers
	c := redis.NewClient(opt)
	defer c.Close()
	if err := c.Ping(ctx).Err(); err != nil {
		return serverInfo{}, err
	}
	info := serverInfo{version: "unknown"}
	// INFO may be denied by ACLs on a given server; PING answering is what
	// matters, the version is only for the label.
	if s, err := c.Info(ctx, "server").Result(); err == nil {
		if v := infoField(s, "redis_version"); v != "" {
			info.version = v
		}
		info.pid, _ = strconv.Atoi(infoField(s, "process_id"))
	}
	return info, nil
}

// infoField returns the value of field in the text of an INFO reply.
func infoField(info, field string) string {
	for line := range strings.Lines(info) {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r\n"), ":")
		if ok && k == field {
			return v
		}
	}
	return ""
}

// waitReady probes addr until it answers, ctx ends, or alive (when not
// nil) reports that the process meant to answer has exited. It returns the
// last probe error on failure.
func waitReady(ctx context.Context, addr string, alive func() bool) (serverInfo, error) {
	var lastErr error
	for {
		attempt, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
		info, err := probe(attempt, addr)
		cancel()
		if err == nil {
			return info, nil
		}
		lastErr = err
		if alive != nil && !alive() {
			return serverInfo{}, fmt.Errorf("process exited: %w", lastErr)
		}
		select {
		case <-ctx.Done():
			return serverInfo{}, fmt.Errorf("%w (last attempt: %v)", ctx.Err(), lastErr)
		case <-time.After(probeInterval):
		}
	}
}
