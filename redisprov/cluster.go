package redisprov

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// ClusterMasters is how many masters StartCluster starts: the smallest
// Redis Cluster there is, each master holding a third of the 16384 slots.
const ClusterMasters = 3

const (
	// clusterSlots is the number of hash slots of every Redis Cluster.
	clusterSlots = 16384
	// clusterBusOffset: each node also listens on its port + 10000, the
	// cluster bus (see ../shared/notes/redis-cluster.md: a port above
	// 55535 has no bus port and the node does not start).
	clusterBusOffset = 10000
	// clusterReadyTimeout bounds the wait for cluster_state:ok on every
	// node; a local cluster agrees within about a second.
	clusterReadyTimeout = 15 * time.Second
	// clusterNodeTimeout is cluster-node-timeout: how long a stopped
	// master takes to be marked failed. Short, so an outage test sees the
	// failure soon; there are no replicas to fail over to anyway.
	clusterNodeTimeout = 2 * time.Second
)

// Cluster is a local Redis Cluster of ClusterMasters masters (no
// replicas) that this package started from the redis-server binary on
// free loopback ports, each node in its own temporary folder. Its slots
// are assigned in three equal ranges and it is ready (cluster_state:ok on
// every node) when StartCluster returns. Its methods are safe for
// concurrent use; the caller must Close it.
type Cluster struct {
	// Addrs are the masters' host:port, in slot order: Addrs[0] holds
	// slots 0–5460, Addrs[1] 5461–10922, Addrs[2] 10923–16383.
	Addrs []string
	// Prefix is the per-run key prefix, as Redis.Prefix.
	Prefix string
	// Version is the redis-server version.
	Version string

	mu     sync.Mutex
	closed bool
	nodes  []*localServer // none for a given cluster
}

// EnvAddrs names a Redis Cluster by its nodes, comma-separated host:port,
// as --redis-addrs does.
const EnvAddrs = "REDIS_ADDRS"

// ParseAddrs splits a comma-separated list of host:port, refusing an
// empty list, an empty element or one that is not host:port, with an
// error naming it.
func ParseAddrs(list string) ([]string, error) {
	if strings.TrimSpace(list) == "" {
		return nil, errors.New("no address in the list")
	}
	var out []string
	for _, a := range strings.Split(list, ",") {
		a = strings.TrimSpace(a)
		if _, _, err := net.SplitHostPort(a); err != nil {
			return nil, fmt.Errorf("%q is not host:port: %w", a, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// GivenCluster checks that the Redis Cluster whose nodes include addrs
// answers with cluster_state:ok, and returns it: a cluster the user owns,
// which Close does not stop (it deletes only the keys under prefix, on
// every master). prefix "" means DefaultPrefixBase and 8 random hex
// digits.
func GivenCluster(ctx context.Context, addrs []string, prefix string) (*Cluster, error) {
	if len(addrs) == 0 {
		return nil, errors.New("redisprov: a given cluster needs at least one node address")
	}
	if prefix == "" {
		prefix = NewPrefix(DefaultPrefixBase)
	}
	ctx, cancel := context.WithTimeout(ctx, givenTimeout)
	defer cancel()
	var info string
	err := nodeDo(ctx, addrs[0], func(n *redis.Client) error {
		var err error
		info, err = n.ClusterInfo(ctx).Result()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("redisprov: given cluster node %s: CLUSTER INFO: %w (is it a cluster node? a single Redis goes in --redis-addr)", addrs[0], err)
	}
	if !strings.Contains(info, "cluster_state:ok") {
		return nil, fmt.Errorf("redisprov: given cluster node %s reports %s, not cluster_state:ok", addrs[0], strings.Fields(info)[0])
	}
	version := "unknown"
	_ = nodeDo(ctx, addrs[0], func(n *redis.Client) error {
		if srv, err := n.Info(ctx, "server").Result(); err == nil {
			if v := infoField(srv, "redis_version"); v != "" {
				version = v
			}
		}
		return nil
	})
	return &Cluster{Addrs: addrs, Prefix: prefix, Version: version}, nil
}

// StartCluster starts a local cluster from the redis-server binary on
// PATH. prefix "" means DefaultPrefixBase and 8 random hex digits.
func StartCluster(ctx context.Context, prefix string) (*Cluster, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redisprov: a local Redis Cluster needs redis-server on PATH (apt-get install redis-server): %w", err)
	}
	if prefix == "" {
		prefix = NewPrefix(DefaultPrefixBase)
	}
	c := &Cluster{Prefix: prefix}
	for range ClusterMasters {
		n, info, err := startClusterNode(ctx, bin)
		if err != nil {
			_ = c.Close()
			return nil, err
		}
		c.nodes = append(c.nodes, n)
		c.Addrs = append(c.Addrs, n.addr())
		c.Version = info.version
	}
	if err := c.form(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// startClusterNode starts one cluster-enabled redis-server on a port
// whose bus port (port + 10000) exists and is free too.
func startClusterNode(ctx context.Context, bin string) (*localServer, serverInfo, error) {
	return startLocalWith(ctx, bin, func(dir string) []string {
		return []string{
			"--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			"--cluster-node-timeout", strconv.FormatInt(clusterNodeTimeout.Milliseconds(), 10),
			// With a master down, the other masters keep serving their
			// own slots: the outage then hits only the users whose keys
			// hash to the lost slots, which is what a sharded store
			// promises.
			"--cluster-require-full-coverage", "no",
		}
	}, freeClusterPort)
}

// freeClusterPort returns a free loopback port whose bus port is free too.
func freeClusterPort() (int, error) {
	for range 50 {
		p, err := freePort()
		if err != nil {
			return 0, err
		}
		if p+clusterBusOffset > 65535 {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p+clusterBusOffset)))
		if err != nil {
			continue
		}
		_ = l.Close()
		return p, nil
	}
	return 0, errors.New("redisprov: no free loopback port with a free cluster bus port (port + 10000) after 50 tries")
}

// form assigns each node its third of the slots, joins them (CLUSTER
// MEET, the same steps redis-cli --cluster create takes, without needing
// redis-cli) and waits until every node reports cluster_state:ok and
// knows all the others.
func (c *Cluster) form(ctx context.Context) error {
	per := clusterSlots / len(c.Addrs)
	for i, addr := range c.Addrs {
		lo, hi := i*per, (i+1)*per-1
		if i == len(c.Addrs)-1 {
			hi = clusterSlots - 1
		}
		if err := nodeDo(ctx, addr, func(n *redis.Client) error {
			return n.ClusterAddSlotsRange(ctx, lo, hi).Err()
		}); err != nil {
			return fmt.Errorf("redisprov: cluster node %s: assign slots %d-%d: %w", addr, lo, hi, err)
		}
	}
	for _, addr := range c.Addrs[1:] {
		host, port, _ := net.SplitHostPort(addr)
		if err := nodeDo(ctx, c.Addrs[0], func(n *redis.Client) error {
			return n.ClusterMeet(ctx, host, port).Err()
		}); err != nil {
			return fmt.Errorf("redisprov: cluster: %s meets %s: %w", c.Addrs[0], addr, err)
		}
	}
	return c.waitReady(ctx)
}

// waitReady polls every node until it reports cluster_state:ok and
// cluster_known_nodes equal to the number of nodes.
func (c *Cluster) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, clusterReadyTimeout)
	defer cancel()
	want := "cluster_known_nodes:" + strconv.Itoa(len(c.Addrs))
	for {
		var last string
		ready := true
		for _, addr := range c.Addrs {
			err := nodeDo(ctx, addr, func(n *redis.Client) error {
				info, err := n.ClusterInfo(ctx).Result()
				if err != nil {
					return err
				}
				last = addr + ": " + strings.Join(strings.Fields(info), " ")
				if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, want) {
					ready = false
				}
				return nil
			})
			if err != nil {
				ready, last = false, addr+": "+err.Error()
			}
		}
		if ready {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("redisprov: local cluster not ready within %v (last seen %s): %w", clusterReadyTimeout, last, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// nodeDo runs f on a one-off client to the node at addr.
func nodeDo(ctx context.Context, addr string, f func(*redis.Client) error) error {
	n := redis.NewClient(ClientOptions(addr))
	defer n.Close()
	return f(n)
}

// ClusterClientOptions returns the fail-fast options of ClientOptions for
// a cluster client of addrs; go-redis still follows MOVED and ASK
// redirects (up to 3), which is how a cluster client finds a key's node.
func ClusterClientOptions(addrs []string) *redis.ClusterOptions {
	o := ClientOptions("")
	return &redis.ClusterOptions{
		Addrs:                 addrs,
		DialTimeout:           o.DialTimeout,
		DialerRetries:         o.DialerRetries,
		ReadTimeout:           o.ReadTimeout,
		WriteTimeout:          o.WriteTimeout,
		PoolTimeout:           o.PoolTimeout,
		MaxRetries:            o.MaxRetries,
		ContextTimeoutEnabled: o.ContextTimeoutEnabled,
	}
}

// Client returns a new cluster client for c with ClusterClientOptions;
// the caller closes it.
func (c *Cluster) Client() *redis.ClusterClient {
	return redis.NewClusterClient(ClusterClientOptions(c.Addrs))
}

// Label describes c for results, as Redis.Label does.
func (c *Cluster) Label() string {
	if c.nodes == nil {
		return fmt.Sprintf("given Redis Cluster %s (redis %s)", strings.Join(c.Addrs, ","), c.Version)
	}
	return fmt.Sprintf("local Redis Cluster started by authbench: %d masters, no replicas, redis-server %s on %s",
		len(c.Addrs), c.Version, strings.Join(c.Addrs, ","))
}

// node returns master i of a cluster this package started; the caller
// holds c.mu.
func (c *Cluster) node(i int) (*localServer, error) {
	switch {
	case c.closed:
		return nil, ErrClosed
	case c.nodes == nil:
		return nil, ErrNotOwned
	case i < 0 || i >= len(c.nodes):
		return nil, fmt.Errorf("redisprov: cluster has no node %d (0..%d)", i, len(c.nodes)-1)
	}
	return c.nodes[i], nil
}

// StopNode stops master i (SIGTERM), keeping its port and folder so
// StartNode can bring it back with its slots: the outage of one shard.
func (c *Cluster) StopNode(i int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.node(i)
	if err != nil {
		return err
	}
	n.stop()
	return nil
}

// StartNode restarts master i after StopNode; it rejoins with the slots
// its nodes.conf records, and StartNode waits until the cluster is ok.
func (c *Cluster) StartNode(ctx context.Context, i int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.node(i)
	if err != nil {
		return err
	}
	if _, err := n.restart(ctx); err != nil {
		return err
	}
	return c.waitReady(ctx)
}

// Close stops every node and removes their folders; for a given cluster
// it deletes only the keys under c.Prefix, on every master.
func (c *Cluster) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	if c.nodes == nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		cc := c.Client()
		defer cc.Close()
		_, err := DeleteClusterPrefix(ctx, cc, c.Prefix)
		return err
	}
	var errs []error
	for _, n := range c.nodes {
		if err := n.close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// DeleteClusterPrefix deletes every key under prefix on every master of
// cc, as DeletePrefix does on one Redis. Keys are unlinked one per
// command (pipelined): on a cluster a multi-key UNLINK must stay within
// one hash slot, and keys under a prefix are spread over all of them.
func DeleteClusterPrefix(ctx context.Context, cc *redis.ClusterClient, prefix string) (int64, error) {
	if prefix == "" {
		return 0, errors.New("redisprov: refusing to delete keys under an empty prefix (that is every key)")
	}
	var mu sync.Mutex
	var deleted int64
	err := cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
		match := escapeGlob(prefix) + "*"
		var cursor uint64
		for {
			keys, next, err := n.Scan(ctx, cursor, match, scanBatch).Result()
			if err != nil {
				return fmt.Errorf("%s: scan %q: %w", n.Options().Addr, match, err)
			}
			if len(keys) > 0 {
				cmds, err := n.Pipelined(ctx, func(p redis.Pipeliner) error {
					for _, k := range keys {
						p.Unlink(ctx, k)
					}
					return nil
				})
				if err != nil {
					return fmt.Errorf("%s: unlink: %w", n.Options().Addr, err)
				}
				mu.Lock()
				for _, c := range cmds {
					deleted += c.(*redis.IntCmd).Val()
				}
				mu.Unlock()
			}
			if cursor = next; cursor == 0 {
				return nil
			}
		}
	})
	if err != nil {
		return deleted, fmt.Errorf("redisprov: delete cluster keys under %q: %w", prefix, err)
	}
	return deleted, nil
}
