package main

// The cluster fixture (kind cluster): the cost-curve fixture's jwt,
// jwt-blacklist and session, each also "on a cluster" (every step's
// server CPU raised and capacity lowered by an invented cluster-client
// overhead, Redis commands split over three masters), and a one-master
// outage per cluster variant. The Cost block is what
// loadtest.AnalyzeCost makes of them.

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/authbench/authbench/loadtest"
	"github.com/authbench/authbench/results"
)

// clusterOverhead is the invented server CPU factor of a cluster client.
var clusterOverhead = map[string]float64{"jwt": 1.0, "jwt-blacklist": 1.09, "session": 1.12}

var clusterNodes = []results.ClusterNode{
	{Addr: "127.0.0.1:30001", Slots: 5461}, {Addr: "127.0.0.1:30002", Slots: 5461}, {Addr: "127.0.0.1:30003", Slots: 5462},
}

func clusterRun() *results.Results {
	rng := rand.New(rand.NewPCG(14, 42))
	base := curveRun()
	sc := scenario("cluster")
	sc.Description = "synthetic cluster fixture for the report tests"
	sc.Variants = []string{"jwt", "jwt-blacklist", "session"}
	sc.Rates, sc.Repetitions = base.Scenario.Rates, base.Scenario.Repetitions
	sc.Curve = &loadtest.Curve{FitTop: 3, Seed: 1, Capacity: &loadtest.CapacitySpec{
		Quota: curveQuota, Probe: loadtest.Duration(2 * time.Second), Probes: curveProbes,
		P99: loadtest.Duration(curveP99), Timeout: loadtest.Duration(time.Second)}}
	sc.Stores = []results.Store{results.StoreSingle, results.StoreCluster}
	sc.Cluster = &loadtest.ClusterKind{Outage: loadtest.ShardOutageSpec{Node: 1, Rate: 1000,
		Before: loadtest.Duration(3 * time.Second), Window: loadtest.Duration(5 * time.Second), After: loadtest.Duration(6 * time.Second)}}
	sc.Defaults()
	r := base
	r.RunID, r.ScenarioFile, r.Scenario, r.Kind = "2026-12-01T120000Z-cluster", "scenarios/cluster.yaml", sc.Record(), results.KindCluster
	r.Cluster = &results.ClusterInfo{Label: "local Redis Cluster started by authbench: 3 masters, no replicas, redis-server 7.0.15 on 127.0.0.1:30001,127.0.0.1:30002,127.0.0.1:30003",
		Owned: true, Version: "7.0.15", Nodes: clusterNodes, Measured: true}
	rounds := map[string][]results.CapacityRound{}
	var single, cluster []results.VariantResult
	for _, v := range base.Variants {
		if v.Variant == "none" {
			continue
		}
		vc := base.Cost.Variants[indexOf(base, v.Variant)]
		// A cluster scenario has no closed-loop probe (the runner refuses
		// curve.capacity.saturate there).
		v.Steps = slices.DeleteFunc(slices.Clone(v.Steps), func(st results.Step) bool { return st.Kind == results.StepSaturation })
		if vc.Capacity != nil {
			rounds[v.Variant] = vc.Capacity.Rounds
		}
		single = append(single, v)
		c := v
		c.Store = results.StoreCluster
		c.ServerPID += 100
		c.Steps = nil
		f := clusterOverhead[v.Variant]
		for _, st := range v.Steps {
			st.Server = scaledCost(st.Server, f*(1+0.01*(2*rng.Float64()-1)))
			if st.Redis != nil {
				rc := *st.Redis
				rc.Nodes = splitNodes(rng, rc)
				st.Redis = &rc
			}
			c.Steps = append(c.Steps, st)
		}
		if vc.Capacity != nil {
			var crs []results.CapacityRound
			for _, cr := range vc.Capacity.Rounds {
				cr.Rate = float64(int(cr.Rate/f/10)) * 10
				crs = append(crs, cr)
			}
			rounds[c.Label()] = crs
		}
		// The outage step: the lowest rate's last step, 14 s long, its
		// Redis figures dropped as the runner drops them.
		out := c.Steps[0]
		for _, st := range c.Steps {
			if st.Kind == results.StepRate && st.Rate == 1000 {
				out = st
			}
		}
		out.Kind, out.Index, out.Redis, out.Duration = results.StepOutage, len(c.Steps)+1, nil, 14*time.Second
		c.Steps = append(c.Steps, out)
		c.ShardOutages = []results.ShardOutage{shardOutage(v.Variant, out.Index)}
		cluster = append(cluster, c)
	}
	r.Variants = append(single, cluster...)
	r.Notes = []string{synthetic}
	ca := loadtest.AnalyzeCost(r, rounds, map[string]int{})
	ca.Orders = base.Cost.Orders
	m := *base.Cost.Capacity
	m.Saturate, m.Connections = 0, 0
	ca.Capacity = &m
	r.Cost = ca
	return r
}

func indexOf(r *results.Results, variant string) int {
	for i, v := range r.Variants {
		if v.Variant == variant {
			return i
		}
	}
	return -1
}

func scaledCost(pc *results.ProcessCost, f float64) *results.ProcessCost {
	if pc == nil {
		return nil
	}
	c := *pc
	c.CPUSeconds *= f
	c.CPUPerRequest *= f
	c.Utilisation *= f
	return &c
}

// splitNodes spreads a step's commands over the masters about evenly.
func splitNodes(rng *rand.Rand, rc results.RedisCost) []results.NodeCost {
	out := make([]results.NodeCost, len(clusterNodes))
	left := rc.Commands
	for i, n := range clusterNodes {
		c := left
		if i < len(clusterNodes)-1 {
			c = uint64(float64(rc.Commands) * (1.0/3 + 0.03*(2*rng.Float64()-1)))
		}
		left -= c
		out[i] = results.NodeCost{Addr: n.Addr, CPUSeconds: rc.CPUSeconds / 3, Commands: c}
	}
	return out
}

// shardOutage is an invented outage of master 1: a third of the users
// fail, exactly those on it; sessions lost on the restarted master.
func shardOutage(variant string, step int) results.ShardOutage {
	o := results.ShardOutage{Step: step, Node: 1, Addr: clusterNodes[1].Addr, SlotShare: float64(clusterNodes[1].Slots) / results.ClusterSlots,
		StoppedAt: 3*time.Second + 400*time.Microsecond, RestartBegan: 8*time.Second + 300*time.Microsecond, RestartedAt: 9*time.Second + 800*time.Millisecond,
		UsersSeen: 1000, FirstSuccessOnNode: -1}
	switch variant {
	case "jwt":
		o.Elsewhere = results.WindowCount{Requests: 4990}
		o.After = results.WindowCount{Requests: 6010}
	default:
		o.Mapped, o.UsersOnNode, o.UsersFailed, o.FailedOnNode = true, 338, 338, 338
		o.OnNode = results.WindowCount{Requests: 1702, Failures: 1702}
		o.Elsewhere = results.WindowCount{Requests: 3291}
		o.After = results.WindowCount{Requests: 6004, Failures: 1012}
		o.FirstSuccessOnNode = 1620 * time.Millisecond
		if variant == "session" {
			o.After.Unauthorized = 338
		}
	}
	return o
}
