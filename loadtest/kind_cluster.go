package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/authbench/authbench/redisprov"
	"github.com/authbench/authbench/results"
)

// ClusterKind runs the variants on one Redis and on a Redis Cluster in
// the same run (stores, default [single, cluster]): their fixed rates or
// cost curve on each store, every cluster step split by master, and last,
// on every variant on the cluster, one master stopped under steady load
// and restarted (Outage).
type ClusterKind struct {
	// Outage is the one-master outage.
	Outage ShardOutageSpec `yaml:"outage" json:"outage"`
}

// ShardOutageSpec is when and where one master is stopped. The step
// lasts Before+Window+After at Rate; it is not a curve step, so its
// figures stay out of the cost analysis.
type ShardOutageSpec struct {
	// Node is the master to stop, by its place in slot order (0 holds the
	// lowest slots). Default 0.
	Node int `yaml:"node" json:"node"`
	// Rate is the steady load (requests per second). Default: the lowest
	// of the scenario's rates.
	Rate float64 `yaml:"rate" json:"rate"`
	// Before is load before the stop. Default 3s.
	Before Duration `yaml:"before" json:"before"`
	// Window is how long the master stays down. Default 5s.
	Window Duration `yaml:"window" json:"window"`
	// After is load after the restart began (the restart returns once
	// every node reports cluster_state:ok, a second or two later).
	// Default 6s.
	After Duration `yaml:"after" json:"after"`
}

// clusterKind is the registry entry of the cluster block.
type clusterKind struct{}

func (clusterKind) present(s *Scenario) bool { return s.Cluster != nil }
func (clusterKind) summary() terminalSummary { return terminalSummary{} }

func (clusterKind) defaults(s *Scenario) {
	o := &s.Cluster.Outage
	defaultDur(&o.Before, 3*time.Second)
	defaultDur(&o.Window, 5*time.Second)
	defaultDur(&o.After, 6*time.Second)
	if o.Rate == 0 && len(s.Rates) > 0 {
		o.Rate = s.Rates[0]
		for _, r := range s.Rates {
			o.Rate = min(o.Rate, r)
		}
	}
	if s.Store == "" && len(s.Stores) == 0 {
		s.Stores = []results.Store{results.StoreSingle, results.StoreCluster}
	}
}

func (clusterKind) validate(s *Scenario, bad reporter) {
	o := s.Cluster.Outage
	positivePhases(bad, "cluster.outage", o.Before, o.Window, o.After)
	if o.Node < 0 || o.Node >= redisprov.ClusterMasters {
		bad("$.cluster.outage.node", "cluster.outage.node: %d: want a master 0..%d", o.Node, redisprov.ClusterMasters-1)
	}
	if o.Rate <= 0 {
		bad("$.cluster.outage.rate", "cluster.outage.rate: %g: must be positive", o.Rate)
	}
	if !s.usesCluster() {
		bad("$.cluster", "cluster: a cluster scenario needs store cluster among its stores")
	}
	if s.Search != nil {
		bad("$.search", "search: a cluster scenario holds fixed rates or a curve; give rates")
	}
}

// run runs every variant×store's rounds (a curve's, or plain rates);
// after the last one, the one-master outage on each variant on the
// cluster.
func (clusterKind) run(ctx context.Context, r *runner, variants []string) error {
	body := r.plainRepetitions(ctx)
	if r.sc.Curve != nil {
		body = r.curveRound(ctx)
	}
	return r.runLive(ctx, r.passesOf(variants, false), func(rep int, live []*liveVariant) {
		body(rep, live)
		if rep != r.sc.Repetitions {
			return
		}
		// Users are mapped to masters before the first outage: a
		// restarted master comes back empty (no persistence), so after
		// one outage its users' keys are gone until they log in again.
		userNodes := map[*liveVariant]map[int]int{}
		for _, lv := range live {
			if lv.store != results.StoreCluster {
				continue
			}
			m, err := r.usersByNode(ctx, lv.prefix)
			if err != nil {
				r.note(fmt.Sprintf("%s: users not mapped to masters: %v", lv.label(r), err))
			}
			userNodes[lv] = m
		}
		for _, lv := range live {
			if lv.store == results.StoreCluster && ctx.Err() == nil {
				r.shardOutageStep(ctx, lv, rep, userNodes[lv])
			}
		}
	})
}

// shardOutageStep holds the outage rate on lv's servers while one master
// is stopped, then restarted, and records which users failed against
// where their keys are (userNode: virtual user to master).
func (r *runner) shardOutageStep(ctx context.Context, lv *liveVariant, rep int, userNode map[int]int) {
	o := r.sc.Cluster.Outage
	vr := func() *results.VariantResult { return &r.res.Variants[lv.vr] }
	so := results.ShardOutage{Node: o.Node, FirstSuccessOnNode: -1}
	if ci := r.res.Cluster; ci != nil && o.Node < len(ci.Nodes) {
		so.Addr = ci.Nodes[o.Node].Addr
		so.SlotShare = float64(ci.Nodes[o.Node].Slots) / results.ClusterSlots
	}
	if ci := r.res.Cluster; ci == nil || !ci.Owned {
		so.Error = "the cluster was given (--redis-addrs): its masters are not the run's to stop"
		vr().ShardOutages = append(vr().ShardOutages, so)
		return
	}
	r.warm(ctx, lv, o.Rate)
	c := r.cluster.c
	var stopErr, startErr error
	restartCtx := context.WithoutCancel(ctx) // never leave a master down
	stop := &mark{at: o.Before.D(), do: func() { stopErr = c.StopNode(o.Node) }}
	restart := &mark{at: (o.Before + o.Window).D(), do: func() { startErr = c.StartNode(restartCtx, o.Node) }}
	var ks []kept
	opts := &attackOpts{du: (o.Before + o.Window + o.After).D(), marks: []*mark{stop, restart}, onResult: keepResults(&ks)}
	opts.progIndex = 1
	st := r.step(ctx, lv, results.StepOutage, rep, len(vr().Steps)+1, 1, o.Rate, opts)
	if stop.happened && !restart.happened {
		startErr = c.StartNode(restartCtx, o.Node)
	}
	// A restarted master counts its commands from zero again: the step's
	// Redis figures would be differences of unrelated counters.
	st.Redis = nil
	vr().Steps = append(vr().Steps, st)
	out := shardOutageOf(ks, stepStart(st, stop), stop, restart, userNode, o.Node)
	out.Step, out.Node, out.Addr, out.SlotShare = st.Index, so.Node, so.Addr, so.SlotShare
	if stopErr != nil || startErr != nil || !stop.happened {
		out.Error = fmt.Sprintf("outage not applied cleanly: stop: %v, restart: %v", stopErr, startErr)
		r.note(fmt.Sprintf("%s: %s", lv.label(r), out.Error))
	}
	vr().ShardOutages = append(vr().ShardOutages, out)
	fmt.Fprintf(r.log, "loadtest: %s: master %d (%s, %.0f%% of slots) stopped: %d of %d users failed (%d of them on it, %d elsewhere)\n",
		lv.label(r), o.Node, out.Addr, 100*out.SlotShare, out.UsersFailed, out.UsersSeen, out.FailedOnNode, out.FailedElsewhere)
}

// userInKey finds the virtual user a key belongs to: every stateful
// variant's keys name their user (the session index
// user:{tag}user-7:sessions, the blacklist's {u:user-7}:…).
var userInKey = regexp.MustCompile(`(?:^|[^A-Za-z0-9])user-([0-9]+)(?:[^0-9]|$)`)

// usersByNode maps each virtual user to the master holding its keys, by
// scanning every master for keys under prefix; nil for a variant that
// keeps nothing in Redis.
func (r *runner) usersByNode(ctx context.Context, prefix string) (map[int]int, error) {
	if prefix == "" {
		return nil, nil
	}
	out := map[int]int{}
	for i, n := range r.cluster.nodes {
		iter := n.Scan(ctx, 0, escapeGlob(prefix)+"*", 1000).Iterator()
		for iter.Next(ctx) {
			m := userInKey.FindStringSubmatch(iter.Val()[len(prefix):])
			if m == nil {
				continue
			}
			vu, err := strconv.Atoi(m[1])
			if err != nil {
				continue
			}
			if j, ok := out[vu]; ok && j != i {
				return nil, fmt.Errorf("user-%d has keys on masters %d and %d: its keys do not share a hash slot", vu, j, i)
			}
			out[vu] = i
		}
		if err := iter.Err(); err != nil {
			return nil, fmt.Errorf("%s: SCAN: %w", n.Options().Addr, err)
		}
	}
	return out, nil
}

// shardOutageOf analyses an outage step's kept results: in the window
// (requests started after the stop returned and answered before the
// restart began) who was seen, who failed, and where their keys are;
// from the restart's start, how requests fared (the restart itself waits
// for cluster_state:ok, which takes a second or two). userNode maps a virtual user to
// its master (nil: not mapped), node is the stopped one.
func shardOutageOf(ks []kept, t0 time.Time, stop, restart *mark, userNode map[int]int, node int) results.ShardOutage {
	out := results.ShardOutage{Mapped: len(userNode) > 0, FirstSuccessOnNode: -1,
		StoppedAt: stop.applied, RestartBegan: restart.began, RestartedAt: restart.applied}
	if !stop.happened {
		return out
	}
	seen, failed := map[int]bool{}, map[int]bool{}
	for _, k := range ks {
		_, vu := routeOf(k.res.URL)
		start := k.res.Timestamp.Sub(t0)
		end := start + k.res.Latency
		code := k.res.Code
		fail := code == 0 || code >= 500
		n, mapped := userNode[vu]
		onNode := mapped && n == node
		count := func(w *results.WindowCount) {
			w.Requests++
			if fail {
				w.Failures++
			}
			if code == http.StatusUnauthorized {
				w.Unauthorized++
			}
		}
		switch {
		case start >= stop.applied && (!restart.happened || end <= restart.began):
			seen[vu] = true
			if fail {
				failed[vu] = true
			}
			if onNode {
				count(&out.OnNode)
			} else {
				count(&out.Elsewhere)
			}
		case restart.happened && start >= restart.began:
			count(&out.After)
			if onNode && code >= 200 && code < 300 {
				if d := end - restart.began; out.FirstSuccessOnNode < 0 || d < out.FirstSuccessOnNode {
					out.FirstSuccessOnNode = d
				}
			}
		}
	}
	out.UsersSeen, out.UsersFailed = len(seen), len(failed)
	for vu := range seen {
		n, ok := userNode[vu]
		on := ok && n == node
		if on {
			out.UsersOnNode++
		}
		switch {
		case failed[vu] && on:
			out.FailedOnNode++
		case failed[vu]:
			out.FailedElsewhere++
		}
	}
	return out
}
