package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/authbench/authbench"
	"github.com/authbench/authbench/results"
)

// This file writes the verdict: the block a report opens with, saying
// what each approach costs on this machine, what it buys, and which to
// choose for a few stated needs. It is split where STYLE.md says to
// split: verdictInputOf gathers the numbers from results (measuring),
// verdictOf turns numbers into sentences (deciding, pure, golden-tested
// on fixed inputs), and markdown.go / html.go render the sentences.
//
// Every sentence links to the section or figure it rests on, and says
// nothing the numbers do not: a ratio whose interval includes 1 is "no
// difference measured", a capacity the generator bounded is "≥", a
// variant the scenario asked for but the run has no figures of is said
// to be missing.

// Anchors the verdict links to; html.go and markdown.go put them on the
// sections they name.
const (
	anchorVerdict = "verdict"
	anchorCost    = "cost"
	anchorExplain = "explain"
	anchorAtRate  = "at-rate"
	anchorEnv     = "environment"
)

// link is one place a claim rests on.
type link struct {
	ID, Label string
}

// claim is one verdict sentence and what it rests on.
type claim struct {
	Text  string
	Links []link
}

// verdict is the report's opening block; a nil part is left out.
type verdict struct {
	Costs  []claim
	Buys   []claim
	Choose []claim
}

// verdictVariant is one variant's numbers, as the verdict reads them.
type verdictVariant struct {
	Name string
	// HasCost is false when the run has no cost figures for it.
	HasCost bool
	// Capacity is under the quota; CapLower means it is a lower bound,
	// CapGen that the generator, not the server, bounded it.
	Capacity         *results.Interval
	CapLower, CapGen bool
	// Marginal is the marginal server CPU per request (seconds).
	Marginal *results.Interval
	// CapRatio and CPURatio are to the reference, nil when absent.
	CapRatio, CPURatio *results.Interval
	// Trips is Redis commands per request at the top rate; HasTrips
	// false when unmeasured.
	Trips    float64
	HasTrips bool
	// Rev is how soon its revocations take effect; RevKnown false when
	// neither the run nor the report knows.
	Rev      authbench.Info
	RevKnown bool
	// RevMeasured is the largest measured logout window (revocation
	// runs); RevNever that some trial's cookie was never refused.
	RevMeasured *time.Duration
	RevNever    bool
}

// verdictInput is every number the verdict reads.
type verdictInput struct {
	Kind  results.Kind
	Level float64
	// Ref is the variant ratios are to ("" when none); WantRef is the
	// one the verdict would like (jwt).
	Ref, WantRef string
	// Quota describes what capacity was measured under.
	Quota string
	// HasCost is true for a cost-curve run.
	HasCost bool
	// AccessTTL is the JWT access lifetime the run served.
	AccessTTL time.Duration
	Variants  []verdictVariant
	// Missing are variants the scenario asked for with no figures.
	Missing []string
	// TripsAtRate is true when some Trips is the at-rate count (no cost
	// curve's breakdown).
	TripsAtRate bool
	// Section is a trade-off run's own section (ID, findings).
	Section *section
}

// logoutNeed is the "need logout within" of the verdict's first need.
const logoutNeed = time.Second

// verdictInputOf gathers the verdict's numbers from s.
func verdictInputOf(s *Summary, sections []section) verdictInput {
	r := s.R
	in := verdictInput{Kind: s.Kind, WantRef: costReferences[0], AccessTTL: time.Duration(r.Scenario.Backend.AccessTTL)}
	if len(sections) > 0 {
		in.Section = &sections[0]
	}
	ca := r.Cost
	if ca != nil {
		in.HasCost, in.Level, in.Ref, in.Quota = true, ca.Level, costRef(ca), quotaText(ca)
	}
	seen := map[string]bool{}
	for _, v := range r.Variants {
		if v.Routing == results.RoutingSticky || seen[v.Variant] {
			continue
		}
		seen[v.Variant] = true
		vv := verdictVariant{Name: v.Variant}
		vv.Rev, vv.RevKnown = revocationInfo(v)
		if w, never, ok := measuredLogout(v); ok {
			vv.RevMeasured, vv.RevNever = &w, never
		}
		if ca != nil {
			if c := costVariant(ca, v.Variant); c != nil && c.Error == "" {
				vv.HasCost = true
				if c.Capacity != nil && c.Capacity.Rate.N > 0 {
					iv := c.Capacity.Rate
					vv.Capacity, vv.CapLower, vv.CapGen = &iv, c.Capacity.LowerBound, c.Capacity.GeneratorBound
				}
				vv.Marginal = c.ServerMarginal
				if rt := ratioTo(*c, in.Ref); rt != nil {
					vv.CapRatio, vv.CPURatio = rt.Capacity, rt.Marginal
				}
				if c.Explain != nil {
					vv.Trips, vv.HasTrips = c.Explain.RedisCommands, true
				}
			}
		}
		if vs := s.Variant(v.Variant); !vv.HasTrips && vs != nil && vs.Ref != nil && vs.Ref.RedisCmds.Ok() {
			// No cost curve: the at-rate count at the reference point.
			vv.Trips, vv.HasTrips, in.TripsAtRate = vs.Ref.RedisCmds.Median, true, true
		}
		if ca != nil && !vv.HasCost {
			in.Missing = append(in.Missing, v.Variant)
		}
		in.Variants = append(in.Variants, vv)
	}
	for _, name := range r.Scenario.Variants {
		if !seen[name] {
			seen[name] = true
			in.Missing = append(in.Missing, name)
		}
	}
	return in
}

// revocationInfo is what v's server said of its revocations when the
// run began, or the report's own table for older files.
func revocationInfo(v results.VariantResult) (authbench.Info, bool) {
	if v.Info != nil {
		return *v.Info, true
	}
	f := factsOf(v)
	return authbench.Info{Name: v.Variant, Stateful: f.Stateful, Logout: f.Logout, RevokeUser: f.RevokeUser}, f.Known
}

// measuredLogout is the largest measured logout window over v's trials;
// never is true when some trial's cookie was never refused.
func measuredLogout(v results.VariantResult) (w time.Duration, never, ok bool) {
	for _, t := range v.Revocations {
		if t.Action != "logout" || t.Error != "" {
			continue
		}
		ok = true
		if t.Window < 0 {
			never = true
			continue
		}
		w = max(w, t.Window)
	}
	return w, never, ok
}

// verdictOf turns the numbers into the verdict's sentences.
func verdictOf(in verdictInput) verdict {
	return verdict{Costs: costClaims(in), Buys: buyClaims(in), Choose: chooseClaims(in)}
}

func (in verdictInput) variant(name string) *verdictVariant {
	for i := range in.Variants {
		if in.Variants[i].Name == name {
			return &in.Variants[i]
		}
	}
	return nil
}

var (
	linkCost    = link{anchorCost, "cost table"}
	linkExplain = link{anchorExplain, "what explains the cost"}
	linkAtRate  = link{anchorAtRate, "at-rate table"}
)

// costClaims: capacity and marginal CPU relative to the reference, with
// their intervals.
func costClaims(in verdictInput) []claim {
	if !in.HasCost {
		what := "This run has no cost curve"
		if in.Section != nil {
			what = "This " + string(in.Kind) + " run does not measure capacity or CPU per request"
		}
		return []claim{{Text: what + ", so no cost is stated here; a steady run with a curve block (scenarios/curve.yaml) measures it.", Links: []link{{anchorEnv, "where this was measured"}}}}
	}
	var out []claim
	lv := levelText(in.Level)
	switch {
	case in.Ref == "":
		out = append(out, claim{Text: "No reference variant (" + strings.Join(costReferences, " or ") + ") is in this run, so no variant's cost is compared with another's.", Links: []link{linkCost}})
	case in.Ref != in.WantRef:
		out = append(out, claim{Text: in.WantRef + " is missing from this run, so costs below are relative to " + in.Ref + ".", Links: []link{linkCost}})
	}
	if ref := in.variant(in.Ref); ref != nil && ref.HasCost {
		out = append(out, claim{Text: fmt.Sprintf("%s, the reference: capacity %s under %s, %s µs marginal server CPU per request.",
			ref.Name, capText(*ref), in.Quota, ivShort(ref.Marginal, 1e6, 1)), Links: []link{linkCost}})
	}
	for _, v := range in.Variants {
		if v.Name == in.Ref || !v.HasCost {
			continue
		}
		var parts []string
		if c := capRatioText(v, *in.variant(in.Ref), in.Ref, lv); c != "" {
			parts = append(parts, c)
		}
		if v.CPURatio != nil && v.CPURatio.N > 0 {
			parts = append(parts, diffText("marginal CPU per request", *v.CPURatio, in.Ref, lv))
		}
		if len(parts) == 0 {
			parts = append(parts, "capacity "+capText(v)+"; no ratio to "+in.Ref+" was computed")
		}
		out = append(out, claim{Text: v.Name + ": " + strings.Join(parts, "; ") + ".", Links: []link{linkCost}})
	}
	for _, m := range in.Missing {
		out = append(out, claim{Text: m + " is missing from this run's cost figures: nothing is said of its cost.", Links: []link{linkCost}})
	}
	return out
}

// capText is a capacity: "4125", "≥ 5918 (the generator ran out first)".
func capText(v verdictVariant) string {
	if v.Capacity == nil {
		return "not measured"
	}
	s := num(v.Capacity.Estimate, 0) + " req/s"
	if v.CapLower {
		s = "≥ " + s
	}
	if v.CapGen {
		s += " (a lower bound: the load generator ran out first)"
	}
	return s
}

// ivShort is an interval's estimate and bounds scaled by f: "24.1
// [23.7–24.6]"; "—" for none.
func ivShort(iv *results.Interval, f float64, prec int) string { return ivCell(iv, f, prec) }

// diffText says a ratio in words: "marginal CPU per request 1.59× jwt
// (95 % CI 1.59–1.60)" or "no difference in … measured (1.04×, 95 % CI
// 0.98–1.09 includes 1)".
func diffText(what string, iv results.Interval, ref, lv string) string {
	p := ratioPrec(iv)
	ci := lv + " CI " + span(iv.Lo, iv.Hi, p)
	if !iv.Excludes(1) {
		return fmt.Sprintf("no difference in %s from %s measured (%s×, %s includes 1)", what, ref, num(iv.Estimate, p), ci)
	}
	return fmt.Sprintf("%s %s× %s (%s)", what, num(iv.Estimate, p), ref, ci)
}

// capRatioText is the capacity part of a cost claim, qualified when a
// capacity is a lower bound; "" without a ratio.
func capRatioText(v, ref verdictVariant, refName, lv string) string {
	iv := v.CapRatio
	if iv == nil || iv.N == 0 {
		return ""
	}
	p := ratioPrec(*iv)
	switch {
	case v.CapLower && ref.CapLower:
		return fmt.Sprintf("capacity %s and %s's %s are both lower bounds, so their ratio says nothing", capText(v), refName, capText(ref))
	case v.CapLower:
		return fmt.Sprintf("capacity %s, so at least %s× %s (%s CI %s)", capText(v), num(iv.Estimate, p), refName, lv, span(iv.Lo, iv.Hi, p))
	case ref.CapLower:
		return fmt.Sprintf("capacity at most %s× %s (%s CI %s), %s's being a lower bound", num(iv.Estimate, p), refName, lv, span(iv.Lo, iv.Hi, p), refName)
	}
	return diffText("capacity", *iv, refName, lv)
}

// buyClaims: how soon a logout takes effect, and what the run's own
// section found (store slow or down, several servers).
func buyClaims(in verdictInput) []claim {
	var out []claim
	revLink := revocationLink(in)
	groups := map[string][]string{}
	var order []string
	for _, v := range in.Variants {
		g := logoutText(v, in.AccessTTL)
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], v.Name)
	}
	for _, g := range order {
		out = append(out, claim{Text: "Logout: " + sentence(groups[g]) + ": " + g + ".", Links: []link{revLink}})
	}
	if in.Section != nil && len(in.Section.Findings) > 0 {
		for _, f := range in.Section.Findings {
			out = append(out, claim{Text: f, Links: []link{{in.Section.ID, in.Section.Title}}})
		}
	} else {
		out = append(out, claim{Text: "How each behaves with a slow or unreachable store and on several servers is not measured in this run: the store-latency, store-outage and scale-out scenarios measure it.", Links: []link{{anchorEnv, "where this was measured"}}})
	}
	return out
}

// revocationLink is where the logout figures are shown: a revocation
// run's section, a steady run's at-rate table (its logout column), else
// the environment.
func revocationLink(in verdictInput) link {
	switch {
	case in.Kind == results.KindRevocation && in.Section != nil:
		return link{in.Section.ID, in.Section.Title}
	case in.Section == nil:
		return linkAtRate
	}
	return link{anchorEnv, "where this was measured"}
}

// logoutText says how soon v's logout takes effect on a copied
// credential, measured when the run measured it.
func logoutText(v verdictVariant, ttl time.Duration) string {
	switch {
	case v.RevMeasured != nil && v.RevNever:
		return "a copied credential was still accepted when the trial gave up"
	case v.RevMeasured != nil:
		return "a copied credential was refused within " + fmtWindow(*v.RevMeasured) + " (measured)"
	case !v.RevKnown:
		return "not recorded"
	case v.Rev.LogoutBound != nil && v.Rev.LogoutBound.Basis == "cache staleness":
		// A recorded bound says more than the enum: a cached variant's
		// revocation is "immediate" at the store but reaches a request
		// only once its cache has let go.
		return "takes effect within " + human(v.Rev.LogoutBound.Max) + " (its stated cache staleness bound)"
	case v.Rev.LogoutBound != nil && v.Rev.LogoutBound.Basis == "access TTL":
		ttl = v.Rev.LogoutBound.Max // the variant's own (jwt-short's is shorter)
	}
	switch v.Rev.Logout {
	case authbench.RevocationImmediate:
		return "takes effect on the next request"
	case authbench.RevocationAtExpiry:
		if ttl > 0 {
			return "a copied access token keeps working until it expires, up to the access TTL (" + human(ttl) + ")"
		}
		return "a copied access token keeps working until it expires"
	}
	return "cannot revoke a credential at all"
}

func fmtWindow(d time.Duration) string {
	if d == 0 {
		return "0 ms (the first replay)"
	}
	return secondsCell(statOf([]float64{d.Seconds()}))
}

// logoutWithin reports whether v's logout takes effect within need, and
// whether that is known.
func logoutWithin(v verdictVariant, ttl, need time.Duration) (ok, known bool) {
	switch {
	case v.RevMeasured != nil:
		return !v.RevNever && *v.RevMeasured <= need, true
	case !v.RevKnown:
		return false, false
	case v.Rev.LogoutBound != nil:
		b := v.Rev.LogoutBound
		return !b.Never && b.Max <= need, true
	}
	switch v.Rev.Logout {
	case authbench.RevocationImmediate:
		return true, true
	case authbench.RevocationAtExpiry:
		return ttl > 0 && ttl <= need, ttl > 0
	}
	return false, true
}

// chooseClaims: which variant fits each stated need.
func chooseClaims(in verdictInput) []claim {
	return []claim{logoutChoice(in), distanceChoice(in), serversChoice(in)}
}

func logoutChoice(in verdictInput) claim {
	var fit, unfit, unknown []string
	var fits []verdictVariant
	for _, v := range in.Variants {
		ok, known := logoutWithin(v, in.AccessTTL, logoutNeed)
		switch {
		case !known:
			unknown = append(unknown, v.Name)
		case ok:
			fit, fits = append(fit, v.Name), append(fits, v)
		default:
			unfit = append(unfit, v.Name)
		}
	}
	links := []link{revocationLink(in)}
	s := "Need logout to take effect within 1 s: "
	if len(fit) == 0 {
		s += "no variant in this run qualifies"
	} else {
		s += "choose " + orList(fit)
	}
	if len(unfit) > 0 {
		s += "; not " + orList(unfit)
	}
	if len(unknown) > 0 {
		s += "; unknown for " + sentence(unknown) + " (not recorded)"
	}
	if c := cheapest(in, fits); c != "" {
		s += ". " + c
		links = append(links, linkCost)
	}
	return claim{Text: s + ".", Links: links}
}

// verdictCand is a variant's capacity ratio to the reference.
type verdictCand struct {
	name        string
	lo, hi, est float64
}

// cheapest says which of fits has the highest capacity, when their
// capacity ratios to the reference have disjoint intervals; that none
// differs measurably otherwise.
func cheapest(in verdictInput, fits []verdictVariant) string {
	if !in.HasCost || len(fits) < 2 {
		return ""
	}
	var cs []verdictCand
	for _, v := range fits {
		switch {
		case v.Name == in.Ref:
			cs = append(cs, verdictCand{v.Name, 1, 1, 1})
		case v.CapRatio != nil && v.CapRatio.N > 0 && !v.CapLower:
			cs = append(cs, verdictCand{v.Name, v.CapRatio.Lo, v.CapRatio.Hi, v.CapRatio.Estimate})
		default:
			return "Which of them has the higher capacity is not measured: " + v.Name + "'s capacity ratio is missing or a lower bound"
		}
	}
	slices.SortFunc(cs, func(a, b verdictCand) int { return cmpFloat(b.est, a.est) })
	best := cs[0]
	for _, c := range cs[1:] {
		if c.hi >= best.lo {
			return fmt.Sprintf("Between %s and %s no capacity difference is measured (their ratios to %s overlap)", best.name, c.name, in.Ref)
		}
	}
	var rest []string
	for _, c := range cs[1:] {
		rest = append(rest, c.name)
	}
	return fmt.Sprintf("Of these, %s has the higher capacity (%s× %s, against %s for %s; the intervals are disjoint)",
		best.name, num(best.est, 2), in.Ref, ratiosOf(cs[1:]), sentence(rest))
}

func ratiosOf(cs []verdictCand) string {
	var s []string
	for _, c := range cs {
		s = append(s, num(c.est, 2)+"×")
	}
	return sentence(s)
}

// verb picks the verb form agreeing with a list of names.
func verb(names []string, one, many string) string {
	if len(names) == 1 {
		return one
	}
	return many
}

// orList is "a", "a or b", "a, b or c".
func orList(xs []string) string {
	if len(xs) < 2 {
		return sentence(xs)
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

func distanceChoice(in verdictInput) claim {
	s := "Redis is 1 ms away: "
	if in.Kind == results.KindStoreLatency && in.Section != nil {
		return claim{Text: s + "the store-latency section measures p99 and capacity per added round trip.", Links: []link{{in.Section.ID, in.Section.Title}}}
	}
	var trips, none []string
	for _, v := range in.Variants {
		switch {
		case !v.HasTrips:
		case v.Trips >= 0.005:
			trips = append(trips, fmt.Sprintf("%s makes %s Redis round trips per request (≈ +%s ms per request at 1 ms per round trip)", v.Name, num(v.Trips, 2), num(v.Trips, 1)))
		default:
			none = append(none, v.Name)
		}
	}
	if len(trips) == 0 && len(none) == 0 {
		return claim{Text: s + "this run did not count Redis round trips per request, so the verdict says nothing of it; the store-latency scenario measures it.", Links: []link{{anchorEnv, "where this was measured"}}}
	}
	var parts []string
	if len(none) > 0 {
		parts = append(parts, sentence(none)+verb(none, " makes", " make")+" no Redis round trips, so the distance adds nothing to a request")
	}
	parts = append(parts, trips...)
	l := linkExplain
	if in.TripsAtRate {
		l = link{ID: "details", Label: "Redis commands per request"}
	}
	return claim{Text: s + strings.Join(parts, "; ") + ". This is arithmetic on the counted round trips, not a measurement with added latency (the store-latency scenario measures that).", Links: []link{l}}
}

func serversChoice(in verdictInput) claim {
	s := "4 servers: "
	if in.Kind == results.KindScaleOut && in.Section != nil {
		return claim{Text: s + "the scale-out section measures each variant on 1 to 4 instances, round-robin and sticky.", Links: []link{{in.Section.ID, in.Section.Title}}}
	}
	var stateless, stateful, unknown []string
	for _, v := range in.Variants {
		switch {
		case !v.RevKnown:
			unknown = append(unknown, v.Name)
		case v.Rev.Stateful:
			stateful = append(stateful, v.Name)
		default:
			stateless = append(stateless, v.Name)
		}
	}
	var parts []string
	if len(stateless) > 0 {
		parts = append(parts, sentence(stateless)+verb(stateless, " checks", " check")+" a request from the credential alone, so any of the servers can")
	}
	if len(stateful) > 0 {
		parts = append(parts, sentence(stateful)+verb(stateful, " consults", " consult")+" a store on every request, so all servers must share it")
	}
	if len(unknown) > 0 {
		parts = append(parts, "unknown for "+sentence(unknown)+" (not recorded)")
	}
	tail := ". The scale-out scenario measures 1, 2 and 4 servers."
	if in.Section == nil {
		tail = ". This run measured one server; the scale-out scenario measures 1, 2 and 4."
	}
	return claim{Text: s + strings.Join(parts, "; ") + tail, Links: []link{{anchorEnv, "where this was measured"}}}
}
