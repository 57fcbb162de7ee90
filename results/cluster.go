package results

import "time"

// Store says which Redis a variant's servers used: a single Redis or a
// Redis Cluster. A scenario may run the same variant on both in one run
// (stores: [single, cluster]); each variant×store is then its own
// VariantResult, labelled "session@cluster".
type Store string

const (
	// StoreSingle is one Redis (the default; "" in files written before
	// stores existed means the same).
	StoreSingle Store = "single"
	// StoreCluster is a Redis Cluster: the servers get --redis-addrs.
	StoreCluster Store = "cluster"
)

// ClusterInfo describes the Redis Cluster a run used, beside RedisInfo
// (the single Redis).
type ClusterInfo struct {
	// Label is redisprov's human description.
	Label string `json:"label"`
	// Owned is true for a cluster the run started itself (and stopped);
	// false for one given with --redis-addrs or $REDIS_ADDRS, whose nodes
	// the run can neither stop nor restart.
	Owned bool `json:"owned"`
	// Version is the redis-server version.
	Version string `json:"version"`
	// Nodes are the masters, in slot order, with the slots each holds.
	Nodes []ClusterNode `json:"nodes"`
	// Measured is true when every node answered INFO, so steps carry
	// per-node command counts.
	Measured bool `json:"measured"`
}

// ClusterNode is one master of the cluster.
type ClusterNode struct {
	Addr string `json:"addr"`
	// Slots is how many of the 16384 hash slots it holds.
	Slots int `json:"slots"`
}

// ClusterSlots is the number of hash slots of every Redis Cluster.
const ClusterSlots = 16384

// NodeCost is one cluster node's share of a step's Redis cost.
type NodeCost struct {
	Addr       string            `json:"addr"`
	CPUSeconds float64           `json:"cpu_seconds"`
	Commands   uint64            `json:"commands"`
	ByCommand  map[string]uint64 `json:"by_command,omitempty"`
}

// ShardOutage is one master stopped under steady load on a cluster
// variant, then restarted. Users are told apart by the virtual user each
// request carries; a user's keys all share one hash slot, so a user is
// on exactly one master.
type ShardOutage struct {
	// Step is the Index of the step it ran in.
	Step int `json:"step"`
	// Node is the stopped master's index in ClusterInfo.Nodes, Addr its
	// address, SlotShare the share of the 16384 slots it holds.
	Node      int     `json:"node"`
	Addr      string  `json:"addr"`
	SlotShare float64 `json:"slot_share"`
	// StoppedAt and RestartedAt are offsets from the step's start at
	// which the stop returned and the restart (which waits for
	// cluster_state:ok) returned; RestartBegan when it was called.
	StoppedAt    time.Duration `json:"stopped_at_ns"`
	RestartBegan time.Duration `json:"restart_began_ns"`
	RestartedAt  time.Duration `json:"restarted_at_ns"`
	// UsersSeen is how many users sent at least one request that started
	// after the stop and ended before the restart began; UsersOnNode how
	// many of them have their keys on the stopped master (found in the
	// store by SCAN before the step), UsersFailed how many of them got at
	// least one failure (5xx or no answer) in that window.
	UsersSeen   int `json:"users_seen"`
	UsersOnNode int `json:"users_on_node"`
	UsersFailed int `json:"users_failed"`
	// FailedOnNode and FailedElsewhere split UsersFailed by where the
	// user's keys are: a sharded store promises FailedElsewhere == 0.
	FailedOnNode    int `json:"failed_on_node"`
	FailedElsewhere int `json:"failed_elsewhere"`
	// Requests in the window, to users on the stopped master and to the
	// others, and how many of each failed.
	OnNode    WindowCount `json:"on_node"`
	Elsewhere WindowCount `json:"elsewhere"`
	// After counts the requests started after the restart began.
	After WindowCount `json:"after"`
	// FirstSuccessOnNode is from the restart's start to the first
	// success of a user on the stopped master (the end of its request);
	// -1 when none.
	FirstSuccessOnNode time.Duration `json:"first_success_on_node_ns"`
	// Mapped is false when the users' masters could not be found (no
	// key of the variant names its user, e.g. jwt keeps nothing): the
	// on-node/elsewhere split is then empty.
	Mapped bool `json:"mapped"`
	// Error says why the outage was not applied (a given cluster, a
	// failed stop or restart); "" when it was.
	Error string `json:"error,omitempty"`
}

// WindowCount is requests and failures in a window.
type WindowCount struct {
	Requests uint64 `json:"requests"`
	Failures uint64 `json:"failures"` // 5xx or no answer
	// Unauthorized counts 401s: after a restart, a master without
	// persistence has lost the sessions it held.
	Unauthorized uint64 `json:"unauthorized"`
}
