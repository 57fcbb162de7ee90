package loadtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/results"
	"github.com/authbench/authbench/variants"
)

// This file runs variants on a Redis Cluster as well as on one Redis: a
// scenario's store (or stores, to run each variant on several in one
// run), the cluster the runner starts or is given, and its per-node
// measurement (every step on the cluster splits its Redis commands by
// master).

// stores is the scenario's stores in order: stores, else store alone,
// else one Redis (the default, left unwritten so older scenarios record
// as they did).
func (s *Scenario) stores() []results.Store {
	switch {
	case len(s.Stores) > 0:
		return s.Stores
	case s.Store != "":
		return []results.Store{s.Store}
	}
	return []results.Store{results.StoreSingle}
}

// usesCluster says whether any variant runs on the cluster.
func (s *Scenario) usesCluster() bool { return slices.Contains(s.stores(), results.StoreCluster) }

// usesSingle says whether any variant runs on one Redis.
func (s *Scenario) usesSingle() bool { return slices.Contains(s.stores(), results.StoreSingle) }

func (s *Scenario) validateStores(bad reporter) {
	if s.Store != "" && len(s.Stores) > 0 {
		bad("$.stores", "stores: give store (one) or stores (several), not both")
	}
	seen := map[results.Store]bool{}
	for i, st := range s.stores() {
		p := "$.store"
		if len(s.Stores) > 0 {
			p = fmt.Sprintf("$.stores[%d]", i)
		}
		switch {
		case st != results.StoreSingle && st != results.StoreCluster:
			bad(p, "store: %q: want single or cluster", st)
		case seen[st]:
			bad(p, "stores: %q named twice", st)
		}
		seen[st] = true
	}
	if !s.usesCluster() {
		return
	}
	switch k := s.Kind(); k {
	case results.KindSteady, results.KindCluster:
	case results.KindStoreLatency, results.KindStoreOutage:
		bad("$.store", "store: cluster: a %s scenario puts its proxy in front of one Redis; a cluster's clients follow redirects around it, so run it on store single", k)
	default:
		bad("$.store", "store: cluster: a %s scenario runs on store single only (steady and cluster scenarios run on a cluster)", k)
	}
	for i, v := range s.Variants {
		if err := clusterCapable(v); err != nil {
			bad(fmt.Sprintf("$.variants[%d]", i), "variants: %v", err)
		}
	}
}

// clusterCapable refuses a variant that cannot run on a cluster: those
// reading Redis through go-redis's client-side cache, which works on a
// standalone Redis only.
func clusterCapable(variant string) error {
	v, err := variants.Lookup(variant)
	if err != nil {
		return nil // an unknown name is reported by the variants check
	}
	if v.Store == variants.CachedRedisStore {
		return fmt.Errorf("%q reads Redis through go-redis's client-side cache, which works on a single Redis only, not on a Redis Cluster: run it with store single, or leave it out of a scenario with store cluster", variant)
	}
	return nil
}

// clusterState is the cluster a run uses and one measurement client per
// master.
type clusterState struct {
	c     *redisprov.Cluster
	nodes []*redis.Client // in ClusterInfo.Nodes order
}

func (cs *clusterState) close() error {
	var errs []error
	for _, n := range cs.nodes {
		errs = append(errs, n.Close())
	}
	errs = append(errs, cs.c.Close())
	return errors.Join(errs...)
}

// startCluster starts a local 3-master cluster, or checks the one given
// in Config.ClusterAddrs, and records it with each master's slots.
func (r *runner) startCluster(ctx context.Context) error {
	var c *redisprov.Cluster
	var err error
	if len(r.cfg.ClusterAddrs) > 0 {
		c, err = redisprov.GivenCluster(ctx, r.cfg.ClusterAddrs, "")
	} else {
		c, err = redisprov.StartCluster(ctx, "")
	}
	if err != nil {
		return fmt.Errorf("loadtest: store cluster: %w", err)
	}
	r.cluster = &clusterState{c: c}
	info := &results.ClusterInfo{Label: c.Label(), Owned: len(r.cfg.ClusterAddrs) == 0, Version: c.Version}
	r.res.Cluster = info
	fmt.Fprintf(r.log, "loadtest: redis cluster: %s\n", c.Label())
	cc := c.Client()
	defer cc.Close()
	nodes, err := masterSlots(ctx, cc)
	if err != nil {
		r.note("Redis Cluster commands per master unavailable: " + err.Error())
		return nil
	}
	info.Nodes = nodes
	for _, n := range nodes {
		o := redisprov.ClientOptions(n.Addr)
		o.PoolSize, o.MinIdleConns = 1, 1
		r.cluster.nodes = append(r.cluster.nodes, redis.NewClient(o))
	}
	if _, err := r.clusterSnapshot(ctx); err != nil {
		r.note("Redis Cluster CPU and command counts unavailable: " + err.Error())
	} else {
		info.Measured = true
	}
	return nil
}

// masterSlots lists the cluster's masters with how many slots each
// holds, ordered by their lowest slot (for a local cluster: its Addrs).
func masterSlots(ctx context.Context, cc *redis.ClusterClient) ([]results.ClusterNode, error) {
	slots, err := cc.ClusterSlots(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("CLUSTER SLOTS: %w", err)
	}
	sort.Slice(slots, func(i, j int) bool { return slots[i].Start < slots[j].Start })
	var out []results.ClusterNode
	at := map[string]int{}
	for _, s := range slots {
		if len(s.Nodes) == 0 {
			continue
		}
		addr := s.Nodes[0].Addr // the master comes first
		i, ok := at[addr]
		if !ok {
			i = len(out)
			at[addr] = i
			out = append(out, results.ClusterNode{Addr: addr})
		}
		out[i].Slots += s.End - s.Start + 1
	}
	if len(out) == 0 {
		return nil, errors.New("CLUSTER SLOTS: no slot assigned")
	}
	return out, nil
}

// clusterSnapshot reads every master's INFO; the first field is their
// sum, the second each master's.
func (r *runner) clusterSnapshot(ctx context.Context) ([]redisSnapshot, error) {
	out := make([]redisSnapshot, len(r.cluster.nodes))
	for i, n := range r.cluster.nodes {
		s, err := takeRedisSnapshot(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.Options().Addr, err)
		}
		out[i] = s
	}
	return out, nil
}

// sumSnapshots adds the masters' snapshots into one, as if one Redis.
func sumSnapshots(ns []redisSnapshot) redisSnapshot {
	sum := redisSnapshot{calls: map[string]uint64{}}
	for _, n := range ns {
		sum.cpu += n.cpu
		for k, v := range n.calls {
			sum.calls[k] += v
		}
	}
	return sum
}

// nodeCosts splits a step's Redis cost by master; nil unless both marks
// read every master (a stopped or restarted master has no usable delta).
func nodeCosts(addrs []results.ClusterNode, a, b []redisSnapshot) []results.NodeCost {
	if len(a) != len(addrs) || len(b) != len(addrs) {
		return nil
	}
	out := make([]results.NodeCost, len(addrs))
	for i, n := range addrs {
		c := redisCost(a[i], b[i], 0)
		out[i] = results.NodeCost{Addr: n.Addr, CPUSeconds: c.CPUSeconds, Commands: c.Commands, ByCommand: c.ByCommand}
	}
	return out
}

// clusterMemory sums MEMORY USAGE over the keys under prefix on every
// master.
func (r *runner) clusterMemory(ctx context.Context, prefix string, users int) (*results.RedisMemory, error) {
	m := &results.RedisMemory{}
	for _, n := range r.cluster.nodes {
		nm, err := redisMemory(ctx, n, prefix, 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n.Options().Addr, err)
		}
		m.Keys += nm.Keys
		m.Bytes += nm.Bytes
	}
	if users > 0 {
		m.BytesPerUser = float64(m.Bytes) / float64(users)
	}
	return m, nil
}

// storeSuffix names a pass's files apart by store: "" on one Redis.
func storeSuffix(s results.Store) string {
	if s == results.StoreCluster {
		return "-cluster"
	}
	return ""
}

// passesOnStores repeats passes once per store of the scenario, in the
// order stores are named: each variant×store is its own entry.
func (r *runner) passesOnStores(passes []passSpec) []passSpec {
	var out []passSpec
	for _, st := range r.sc.stores() {
		for _, p := range passes {
			p.store = st
			out = append(out, p)
		}
	}
	return out
}

// clusterAddrList is the cluster's nodes as --redis-addrs takes them.
func (r *runner) clusterAddrList() string { return strings.Join(r.cluster.c.Addrs, ",") }

// redisMeasured says whether store's Redis answers INFO, so steps on it
// are costed.
func (r *runner) redisMeasured(store results.Store) bool {
	if store == results.StoreCluster {
		return r.res.Cluster != nil && r.res.Cluster.Measured
	}
	return r.res.Redis.Measured
}

// memoryOf is what the keys under prefix take on store's Redis.
func (r *runner) memoryOf(ctx context.Context, store results.Store, prefix string, users int) (*results.RedisMemory, error) {
	if store == results.StoreCluster {
		return r.clusterMemory(ctx, prefix, users)
	}
	return redisMemory(ctx, r.rc, prefix, users)
}

// storeRatios adds to each variant on the cluster its ratio to the same
// variant on one Redis (capacity and marginal CPU, paired over rounds):
// what the cluster client's slot lookup and redirects cost. ca.Variants
// is in res.Variants' order.
func storeRatios(res *results.Results, ca *results.CostAnalysis, seed uint64) {
	for i, v := range res.Variants {
		if v.Store != results.StoreCluster || i >= len(ca.Variants) {
			continue
		}
		j := slices.IndexFunc(res.Variants, func(x results.VariantResult) bool {
			return x.Variant == v.Variant && x.Routing == v.Routing && x.Store == ""
		})
		if j < 0 || j >= len(ca.Variants) {
			continue
		}
		to := ca.Variants[j].Variant
		if slices.ContainsFunc(ca.Variants[i].Ratios, func(r results.Ratio) bool { return r.To == to }) {
			continue // already there as a reference (jwt@cluster to jwt)
		}
		ca.Variants[i].Ratios = append(ca.Variants[i].Ratios, ratioOf(ca.Variants[i], ca.Variants[j], seed+2))
	}
}
