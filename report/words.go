package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/authbench/authbench"
)

// tradeOff writes the trade-off in words from the figures: what the
// stateful variants cost over stateless jwt, what that buys, and where
// the ordering differs from the article's prediction.
func tradeOff(s *Summary) []string {
	var out []string
	jwt := s.Variant("jwt")
	for _, name := range []string{"session", "jwt-blacklist"} {
		v := s.Variant(name)
		if v == nil || jwt == nil || v.Ref == nil || jwt.Ref == nil {
			continue
		}
		out = append(out, costOver(v, jwt))
	}
	if none, jwt := s.Variant("none"), s.Variant("jwt"); none != nil && jwt != nil && none.Ref != nil && jwt.Ref != nil {
		out = append(out, fmt.Sprintf("Checking a JWT at all (jwt over none): %s µs server CPU per request %s%s.",
			delta(jwt.Ref.ServerCPU, none.Ref.ServerCPU, 1), jwt.RefLabel, spreadNote(jwt.Ref.ServerCPU, none.Ref.ServerCPU)))
	}
	if b := buys(s); b != "" {
		out = append(out, b)
	}
	for _, v := range s.Variants {
		if v.RedisBytesPerUser.Ok() && v.Facts.Stateful {
			out = append(out, fmt.Sprintf("%s keeps %s bytes of Redis memory per logged-in user.", v.Name, num(v.RedisBytesPerUser.Median, 0)))
		}
	}
	if m := maxRates(s); m != "" {
		out = append(out, m)
	}
	out = append(out, surprises(s)...)
	return out
}

// costOver is "session: +X µs server+Redis CPU per request, +Y ms p99 at
// R req/s, N Redis commands per request over stateless jwt".
func costOver(v, base *VariantSummary) string {
	var parts []string
	a, b, what := v.Ref.TotalCPU, base.Ref.TotalCPU, "server+Redis CPU"
	if !a.Ok() || !b.Ok() {
		a, b, what = v.Ref.ServerCPU, base.Ref.ServerCPU, "server CPU (Redis CPU unmeasured)"
	}
	if a.Ok() && b.Ok() {
		parts = append(parts, fmt.Sprintf("%s µs %s per request (%s vs %s)%s", delta(a, b, 1), what, num(a.Median, 1), num(b.Median, 1), spreadNote(a, b)))
	}
	if pv, pb, ok := common(v, base); ok {
		parts = append(parts, fmt.Sprintf("%s ms p99 at %s req/s (%s vs %s)%s", delta(pv.P99, pb.P99, 2), num(pv.Rate, 0), num(pv.P99.Median, 2), num(pb.P99.Median, 2), spreadNote(pv.P99, pb.P99)))
	}
	if v.Ref.RedisCmds.Ok() {
		parts = append(parts, fmt.Sprintf("%s Redis commands per request", num(v.Ref.RedisCmds.Median, 2)))
	}
	if len(parts) == 0 {
		return v.Name + ": no per-request figures to compare with stateless jwt."
	}
	return fmt.Sprintf("%s: %s, over stateless jwt.", v.Name, strings.Join(parts, ", "))
}

// common returns two variants' points at the highest offered rate both
// were measured at with a p99 (held rates first, else probes), so
// latencies are only ever compared at the same load.
func common(a, b *VariantSummary) (Point, Point, bool) {
	for _, set := range [][2][]Point{{a.Held, b.Held}, {a.Probes, b.Probes}} {
		for i := len(set[0]) - 1; i >= 0; i-- {
			for _, q := range set[1] {
				if q.Rate == set[0][i].Rate && q.P99.Ok() && set[0][i].P99.Ok() {
					return set[0][i], q, true
				}
			}
		}
	}
	return Point{}, Point{}, false
}

// delta is the signed difference of two medians.
func delta(a, b Stat, prec int) string {
	d := a.Median - b.Median
	s := num(d, prec)
	if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

// spreadNote qualifies a difference the runs' own spread cannot tell
// from noise.
func spreadNote(a, b Stat) string {
	switch {
	case !a.Spread() || !b.Spread():
		return " (one repetition: no spread to judge by)"
	case a.Disjoint(b):
		return ""
	default:
		return " (within the run's spread)"
	}
}

// buys says what each variant's revocation is worth, from Facts.
func buys(s *Summary) string {
	ttl := time.Duration(s.R.Scenario.Backend.AccessTTL)
	var parts []string
	for _, v := range s.Variants {
		if !v.Facts.Known {
			continue
		}
		p := fmt.Sprintf("%s: logout %s, revoke-user %s", v.Name, v.Facts.revocation(true), v.Facts.revocation(false))
		// Older files state no bound: the access TTL is the bound of
		// a variant that revokes only at expiry.
		if v.Facts.LogoutBound == nil && v.Facts.Logout == authbench.RevocationAtExpiry && ttl > 0 {
			p += fmt.Sprintf(" (a copied access token stays usable for up to %s, the access TTL)", ttl)
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return ""
	}
	return "What the state buys — revocation: " + strings.Join(parts, "; ") + "."
}

func maxRates(s *Summary) string {
	var parts []string
	for _, v := range s.Variants {
		if !v.MaxRate.Ok() {
			continue
		}
		parts = append(parts, v.Name+" "+maxRateCell(v))
	}
	if len(parts) == 0 {
		return ""
	}
	slo := ""
	if q := s.R.Scenario.Search; q != nil {
		slo = fmt.Sprintf(" (p99 ≤ %s, errors ≤ %s%%)", time.Duration(q.SLO.P99), num(100*q.SLO.ErrorRate, 2))
	}
	return "Max sustainable rate under the SLO" + slo + ", req/s: " + strings.Join(parts, "; ") + "."
}

// surprises compares the measured order with the article's prediction,
// none ≤ jwt < session, jwt-blacklist, in CPU per request and p99 at the
// reference point, and in max rate (stateless ≥ stateful).
func surprises(s *Summary) []string {
	type pair struct{ lo, hi string }
	pairs := []pair{{"none", "jwt"}, {"jwt", "session"}, {"jwt", "jwt-blacklist"}}
	figure := []struct {
		what string
		prec int
		get  func(lo, hi *VariantSummary) (Stat, Stat)
	}{
		{"server+Redis CPU per request (µs)", 1, func(lo, hi *VariantSummary) (Stat, Stat) { return lo.Ref.TotalCPU, hi.Ref.TotalCPU }},
		{"p99 latency (ms)", 2, func(lo, hi *VariantSummary) (Stat, Stat) {
			a, b, ok := common(lo, hi)
			if !ok {
				return Stat{}, Stat{}
			}
			return a.P99, b.P99
		}},
	}
	var out []string
	checked := false
	for _, f := range figure {
		for _, pr := range pairs {
			lo, hi := s.Variant(pr.lo), s.Variant(pr.hi)
			if lo == nil || hi == nil || lo.Ref == nil || hi.Ref == nil {
				continue
			}
			a, b := f.get(lo, hi)
			if !a.Ok() || !b.Ok() {
				continue
			}
			checked = true
			if a.Median <= b.Median {
				continue
			}
			if a.Spread() && b.Spread() && !a.Disjoint(b) {
				out = append(out, fmt.Sprintf("No measurable order: %s of %s and %s (%s vs %s) overlap within the run's spread, where the article predicts %s below %s.", f.what, pr.hi, pr.lo, num(b.Median, f.prec), num(a.Median, f.prec), pr.lo, pr.hi))
				continue
			}
			msg := fmt.Sprintf("Surprise: %s is lower for %s than for %s (%s vs %s)", f.what, pr.hi, pr.lo, num(b.Median, f.prec), num(a.Median, f.prec))
			if a.Disjoint(b) {
				msg += ", beyond the run's spread"
			} else {
				msg += ", from a single repetition"
			}
			out = append(out, msg+"; the article predicts none ≤ jwt < session, jwt-blacklist.")
		}
	}
	for _, st := range []string{"session", "jwt-blacklist"} {
		j, v := s.Variant("jwt"), s.Variant(st)
		if j == nil || v == nil || !j.MaxRate.Ok() || !v.MaxRate.Ok() {
			continue
		}
		checked = true
		if v.MaxRate.Median > j.MaxRate.Median {
			out = append(out, fmt.Sprintf("Surprise: %s sustained a higher rate than stateless jwt (%s vs %s req/s).", st, num(v.MaxRate.Median, 0), num(j.MaxRate.Median, 0)))
		}
	}
	if sess, bl := s.Variant("session"), s.Variant("jwt-blacklist"); sess != nil && bl != nil && sess.Ref != nil && bl.Ref != nil && sess.Ref.TotalCPU.Ok() && bl.Ref.TotalCPU.Ok() {
		cheap, dear := sess, bl
		if bl.Ref.TotalCPU.Median < sess.Ref.TotalCPU.Median {
			cheap, dear = bl, sess
		}
		out = append(out, fmt.Sprintf("Of the two stateful variants, %s costs less CPU per request than %s (%s vs %s µs)%s; the article does not predict this order.",
			cheap.Name, dear.Name, num(cheap.Ref.TotalCPU.Median, 1), num(dear.Ref.TotalCPU.Median, 1), spreadNote(cheap.Ref.TotalCPU, dear.Ref.TotalCPU)))
	}
	if checked && !hasPrefix(out, "Surprise") {
		if hasPrefix(out, "No measurable order") {
			out = append(out, "Nothing beyond the run's spread contradicts the article's prediction (none ≤ jwt < session, jwt-blacklist).")
		} else {
			out = append(out, "The measured order matches the article's prediction (none ≤ jwt < session, jwt-blacklist).")
		}
	}
	return out
}

func hasPrefix(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}
