package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/authbench/authbench/results"
)

// clusterReport is the cluster kind's report: a steady run (headline,
// cost curve, charts) with its variants on two stores, plus a section
// comparing the stores, splitting commands by master and showing the
// one-master outage.
var clusterReport = kindReport{steady: true, section: clusterSection,
	line: func(sc results.Scenario) string {
		if q := sc.Cluster; q != nil {
			o := q.Outage
			return fmt.Sprintf(" Every variant on %s; last, on the cluster, master %d stopped for %s under %s req/s (after %s of load) and restarted.",
				storesText(sc), o.Node, time.Duration(o.Window), num(o.Rate, 0), time.Duration(o.Before))
		}
		return ""
	}}

// storesText is "one Redis and a Redis Cluster".
func storesText(sc results.Scenario) string {
	ss := sc.Stores
	if len(ss) == 0 && sc.Store != "" {
		ss = []results.Store{sc.Store}
	}
	var out []string
	for _, s := range ss {
		if s == results.StoreCluster {
			out = append(out, "a Redis Cluster")
		} else {
			out = append(out, "one Redis")
		}
	}
	if len(out) == 0 {
		return "one Redis"
	}
	return strings.Join(out, " and ")
}

// storePair is one variant measured on both stores.
type storePair struct {
	variant         string
	single, cluster *results.VariantCost
	// ratio is cluster/single, paired over rounds; nil when not paired.
	ratio *results.Ratio
}

// shardSplit is one cluster variant's commands per master over its rate
// steps.
type shardSplit struct {
	label    string
	addrs    []string
	commands []uint64
	total    uint64
}

// share is master i's share of the variant's commands.
func (s shardSplit) share(i int) float64 {
	if s.total == 0 {
		return 0
	}
	return float64(s.commands[i]) / float64(s.total)
}

// clusterFigures is what the cluster section shows, computed from the
// results alone; clusterSection renders it.
type clusterFigures struct {
	level   float64
	pairs   []storePair
	shards  []shardSplit
	outages []labelledOutage
	info    *results.ClusterInfo
}

type labelledOutage struct {
	label string
	o     results.ShardOutage
}

// costOfLabel is the cost entry labelled label, nil when none.
func costOfLabel(ca *results.CostAnalysis, label string) *results.VariantCost {
	if ca == nil {
		return nil
	}
	for i := range ca.Variants {
		if ca.Variants[i].Variant == label {
			return &ca.Variants[i]
		}
	}
	return nil
}

// computeCluster gathers the section's figures from r.
func computeCluster(r *results.Results) clusterFigures {
	f := clusterFigures{info: r.Cluster, level: 0.95}
	if r.Cost != nil && r.Cost.Level > 0 {
		f.level = r.Cost.Level
	}
	for _, v := range r.Variants {
		if v.Store != results.StoreCluster {
			continue
		}
		single := results.VariantResult{Variant: v.Variant, Routing: v.Routing}
		p := storePair{variant: v.Variant, single: costOfLabel(r.Cost, single.Label()), cluster: costOfLabel(r.Cost, v.Label())}
		if p.cluster != nil {
			for i := range p.cluster.Ratios {
				if p.cluster.Ratios[i].To == single.Label() {
					p.ratio = &p.cluster.Ratios[i]
				}
			}
		}
		f.pairs = append(f.pairs, p)
		s := shardSplit{label: v.Label()}
		for _, st := range v.Steps {
			if st.Kind != results.StepRate || st.Redis == nil || len(st.Redis.Nodes) == 0 {
				continue
			}
			if s.addrs == nil {
				for _, n := range st.Redis.Nodes {
					s.addrs = append(s.addrs, n.Addr)
				}
				s.commands = make([]uint64, len(s.addrs))
			}
			for i, n := range st.Redis.Nodes {
				if i < len(s.commands) {
					s.commands[i] += n.Commands
					s.total += n.Commands
				}
			}
		}
		if s.addrs != nil {
			f.shards = append(f.shards, s)
		}
		for _, o := range v.ShardOutages {
			f.outages = append(f.outages, labelledOutage{label: v.Label(), o: o})
		}
	}
	return f
}

// clusterSection renders the cluster figures.
func clusterSection(s *Summary) (section, error) {
	f := computeCluster(s.R)
	sec := section{ID: string(results.KindCluster), Title: "Redis Cluster: the same variants on one Redis and on a sharded store"}
	if f.info != nil {
		sec.Findings = append(sec.Findings, "Cluster: "+f.info.Label+".")
	} else {
		sec.Warnings = append(sec.Warnings, "results.json describes no Redis Cluster: no variant ran on one")
	}
	sec.Tables = append(sec.Tables, storeTable(f))
	sec.Findings = append(sec.Findings, storeFindings(f)...)
	if t, words := shardTable(f); len(t.Rows) > 0 {
		sec.Tables = append(sec.Tables, t)
		sec.Findings = append(sec.Findings, words...)
	}
	if len(f.outages) > 0 {
		t, words, warns := outageTableOf(f)
		sec.Tables = append(sec.Tables, t)
		sec.Findings = append(sec.Findings, words...)
		sec.Warnings = append(sec.Warnings, warns...)
	}
	return sec, nil
}

// storeTable: cost and capacity per variant on each store, and the
// ratio cluster/single.
func storeTable(f clusterFigures) table {
	t := table{
		Caption: fmt.Sprintf("Cost and capacity on one Redis and on the cluster (%s confidence intervals; ratios cluster/single paired over rounds).", levelText(f.level)),
		Head:    []string{"variant", "server µs/req single", "server µs/req cluster", "ratio", "capacity req/s single", "capacity req/s cluster", "ratio"},
		Notes:   []string{"server µs/req: marginal server CPU per request (slope of CPU over rate at the fitted rates). capacity: highest rate meeting the capacity SLO under the CPU quota. — when the run had no cost curve."},
	}
	for _, p := range f.pairs {
		row := []string{p.variant, marginalCell(p.single), marginalCell(p.cluster), "—", capCell(p.single), capCell(p.cluster), "—"}
		if p.ratio != nil {
			row[3], row[6] = ratioCell(p.ratio.Marginal), ratioCell(p.ratio.Capacity)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func marginalCell(c *results.VariantCost) string {
	if c == nil {
		return "—"
	}
	return ivCell(c.ServerMarginal, 1e6, 1)
}

func capCell(c *results.VariantCost) string {
	if c == nil || c.Capacity == nil {
		return "—"
	}
	return capacityCell(c.Capacity, c.Capacity.Rate)
}

// storeFindings says, per variant, what the cluster cost against one
// Redis, from the ratios' intervals.
func storeFindings(f clusterFigures) []string {
	var out []string
	for _, p := range f.pairs {
		if p.ratio == nil {
			continue
		}
		if iv := p.ratio.Marginal; iv != nil && iv.N > 0 {
			out = append(out, ratioSentence(p.variant+" on the cluster", "marginal server CPU", "one Redis", *iv, f.level)+".")
		}
		if iv := p.ratio.Capacity; iv != nil && iv.N > 0 {
			out = append(out, ratioSentence(p.variant+" on the cluster", "capacity", "one Redis", *iv, f.level)+".")
		}
	}
	return out
}

// shardTable: each cluster variant's Redis commands per master over its
// rate steps, and the words for how evenly they spread.
func shardTable(f clusterFigures) (table, []string) {
	t := table{
		Caption: "Redis commands per master, summed over each variant's rate steps on the cluster (INFO commandstats before and after every step).",
		Head:    []string{"variant"},
	}
	var slotsOf []string
	if f.info != nil {
		for _, n := range f.info.Nodes {
			slotsOf = append(slotsOf, fmt.Sprintf("%s (%s of slots)", n.Addr, pctText(float64(n.Slots)/results.ClusterSlots)))
		}
	}
	var words []string
	for _, s := range f.shards {
		if len(t.Head) == 1 {
			for i, a := range s.addrs {
				h := "master " + a
				if i < len(slotsOf) {
					h = "master " + slotsOf[i]
				}
				t.Head = append(t.Head, h)
			}
			t.Head = append(t.Head, "total")
		}
		row := []string{s.label}
		lo, hi := 1.0, 0.0
		for i, c := range s.commands {
			row = append(row, fmt.Sprintf("%d (%s)", c, pctText(s.share(i))))
			lo, hi = min(lo, s.share(i)), max(hi, s.share(i))
		}
		row = append(row, fmt.Sprint(s.total))
		t.Rows = append(t.Rows, row)
		switch {
		case s.total == 0:
			words = append(words, s.label+" sent no command to the cluster: it keeps nothing in Redis.")
		case lo == 0:
			words = append(words, fmt.Sprintf("%s: a master served none of its %d commands: the load did not spread.", s.label, s.total))
		default:
			words = append(words, fmt.Sprintf("%s: its %d commands spread over the %d masters, %s to %s each.", s.label, s.total, len(s.commands), pctText(lo), pctText(hi)))
		}
	}
	return t, words
}

// pctText is a share as "33.3%".
func pctText(v float64) string { return num(100*v, 1) + "%" }

// outageTableOf: per cluster variant, the share of slots on the stopped
// master against the share of users who failed, and the recovery.
func outageTableOf(f clusterFigures) (table, []string, []string) {
	t := table{
		Caption: "One master stopped under load, then restarted. Users in the window: those with a request started after the stop and answered before the restart.",
		Head: []string{"variant", "stopped master (share of slots)", "users in window", "users on it", "users failed",
			"failed elsewhere", "requests failed on it / elsewhere", "after restart: requests, failed, 401", "restart to cluster_state:ok", "first 2xx of its users, from the restart's start"},
		Notes: []string{
			"users on it: users whose keys (found by SCAN before the step) are on the stopped master; every key of a user shares the user's hash slot, so a user is on exactly one master.",
			"The masters run without persistence: a restarted master comes back empty, so the sessions it held are gone (401, then a new login) and a blacklist's marks on it are lost.",
		},
	}
	var words, warns []string
	for _, lo := range f.outages {
		o := lo.o
		if o.Error != "" && o.UsersSeen == 0 {
			t.Rows = append(t.Rows, []string{lo.label, o.Addr, "—", "—", "—", "—", "—", "—", "—", "not run: " + o.Error})
			continue
		}
		first := "never"
		if !o.Mapped {
			first = "—"
		} else if o.FirstSuccessOnNode >= 0 {
			first = secondsCell(statOf([]float64{o.FirstSuccessOnNode.Seconds()}))
		}
		onNode, failed := "—", fmt.Sprintf("%d (%s)", o.UsersFailed, shareOf(o.UsersFailed, o.UsersSeen))
		if o.Mapped {
			onNode = fmt.Sprintf("%d (%s)", o.UsersOnNode, shareOf(o.UsersOnNode, o.UsersSeen))
		}
		t.Rows = append(t.Rows, []string{lo.label, fmt.Sprintf("%s (%s)", o.Addr, pctText(o.SlotShare)), fmt.Sprint(o.UsersSeen), onNode, failed,
			fmt.Sprint(o.FailedElsewhere),
			fmt.Sprintf("%d of %d / %d of %d", o.OnNode.Failures, o.OnNode.Requests, o.Elsewhere.Failures, o.Elsewhere.Requests),
			fmt.Sprintf("%d, %d, %d", o.After.Requests, o.After.Failures, o.After.Unauthorized),
			secondsCell(statOf([]float64{(o.RestartedAt - o.RestartBegan).Seconds()})), first})
		if o.Error != "" {
			warns = append(warns, lo.label+": "+o.Error)
		}
		words = append(words, outageWords(lo.label, o))
		if o.FailedElsewhere > 0 {
			warns = append(warns, fmt.Sprintf("%s: %d users whose keys are not on the stopped master failed too: the outage of one shard reached beyond it", lo.label, o.FailedElsewhere))
		}
	}
	return t, words, warns
}

// shareOf is n/of as a percentage; "—" when of is 0.
func shareOf(n, of int) string {
	if of == 0 {
		return "—"
	}
	return pctText(float64(n) / float64(of))
}

// outageWords says what the users of one variant got.
func outageWords(label string, o results.ShardOutage) string {
	switch {
	case o.UsersFailed == 0 && !o.Mapped:
		return fmt.Sprintf("%s keeps nothing in Redis: with a master down, none of its %d users failed.", label, o.UsersSeen)
	case !o.Mapped:
		return fmt.Sprintf("%s: %d of %d users failed (%s) with a master holding %s of the slots down; which master each user's keys are on was not found.",
			label, o.UsersFailed, o.UsersSeen, shareOf(o.UsersFailed, o.UsersSeen), pctText(o.SlotShare))
	}
	s := fmt.Sprintf("%s: the stopped master held %s of the slots and the keys of %s of the users in the window; %s of the users failed (%d of %d)",
		label, pctText(o.SlotShare), shareOf(o.UsersOnNode, o.UsersSeen), shareOf(o.UsersFailed, o.UsersSeen), o.UsersFailed, o.UsersSeen)
	if o.FailedElsewhere == 0 && o.FailedOnNode == o.UsersOnNode {
		s += ", exactly those on it; every other user was served"
	} else {
		s += fmt.Sprintf(": %d of the %d on it and %d elsewhere", o.FailedOnNode, o.UsersOnNode, o.FailedElsewhere)
	}
	if o.FirstSuccessOnNode >= 0 {
		s += fmt.Sprintf(". Its users were served again within %s of the restart's start", secondsCell(statOf([]float64{o.FirstSuccessOnNode.Seconds()})))
	} else {
		s += ". After the restart its users were never served again in the step"
	}
	if o.After.Unauthorized > 0 {
		s += fmt.Sprintf(" (%d answers were 401: the restarted master came back empty)", o.After.Unauthorized)
	}
	return s + "."
}
