package results

// Kind names a scenario's kind. The runner's registry (loadtest) maps a
// scenario to its kind and the report's registry maps a Kind to its
// sections; both key on these constants, so a kind's name is spelled
// once.
type Kind string

// The scenario kinds a results file may hold.
const (
	KindSteady       Kind = "steady"        // fixed rates, a max-rate search or a cost curve
	KindStoreLatency Kind = "store-latency" // the same, with Redis behind a latency-injecting proxy
	KindStoreOutage  Kind = "store-outage"  // Redis cut off for a window under steady load
	KindRevocation   Kind = "revocation"    // revoke, then replay the old cookies until refused
	KindScaleOut     Kind = "scale-out"     // 1, 2, 4 … server processes behind one generator
	KindRefreshStorm Kind = "refresh-storm" // every user refreshes within a short window
	KindFrontier     Kind = "frontier"      // cost curve, revocation window, memory and partition per variant
	KindCluster      Kind = "cluster"       // variants on a single Redis and a Redis Cluster; one master stopped under load
)

// Routing says how the generator spread requests over several
// instances of one variant.
type Routing string

const (
	// RoutingRoundRobin sends each request to the next instance: no
	// stickiness, as a plain load balancer.
	RoutingRoundRobin Routing = "round-robin"
	// RoutingSticky sends every request of a user to the same instance,
	// as a load balancer with session affinity.
	RoutingSticky Routing = "sticky"
)

// StepKind says what a step was run for.
type StepKind string

const (
	StepRate       StepKind = "rate"       // one of the scenario's rates
	StepProbe      StepKind = "probe"      // a max-rate search probe
	StepCapacity   StepKind = "capacity"   // a cost curve's capacity probe
	StepSaturation StepKind = "saturation" // a cost curve's closed-loop probe (Rate 0: no asked rate)
	StepOutage     StepKind = "outage"     // the cluster kind's one-master outage
)

// Routes are the request kinds a scenario sends; Step.Routes and
// Phase.Routes are keyed by them.
const (
	RouteMe      = "me"      // GET /api/me
	RouteRefresh = "refresh" // POST /auth/refresh
	RouteLogin   = "login"   // POST /auth/login
	RouteLogout  = "logout"  // POST /auth/logout
)

// Revocation actions (RevocationTrial.Action).
const (
	ActionLogout     = "logout"      // POST /auth/logout with the user's cookies
	ActionRevokeUser = "revoke-user" // POST /admin/revoke-user for the user
)
