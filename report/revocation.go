package report

import (
	"fmt"
	"image/color"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"

	"github.com/authbench/authbench/results"
)

// revocationGroup is one variant's trials of one action.
type revocationGroup struct {
	v      results.VariantResult
	action string
	// trials are those that ran to the end; failed those with an Error.
	trials, failed []results.RevocationTrial
}

// bounded reports whether the server said the credential outlives the
// revocation: an "at-expiry" revocation, or none at all (501).
func (g revocationGroup) bounded() bool {
	for _, t := range g.trials {
		if t.Revocation == "at-expiry" || t.Status == http.StatusNotImplemented {
			return true
		}
	}
	return false
}

// immediate reports whether every trial's server said "immediate".
func (g revocationGroup) immediate() bool {
	for _, t := range g.trials {
		if t.Revocation != "immediate" {
			return false
		}
	}
	return len(g.trials) > 0
}

// refreshMints reports whether any trial's old refresh cookie still
// minted a new credential after the revocation.
func (g revocationGroup) refreshMints() bool {
	for _, t := range g.trials {
		if t.RefreshStatus == http.StatusOK {
			return true
		}
	}
	return false
}

// tokens reports whether the variant issues expiring access tokens (the
// runner records their lifetime; sessions have none).
func (g revocationGroup) tokens() bool {
	for _, t := range g.trials {
		if t.AccessTTL > 0 {
			return true
		}
	}
	return false
}

// windows are the measured windows over the trials (-1: never refused).
func (g revocationGroup) windows() []time.Duration {
	var out []time.Duration
	for _, t := range g.trials {
		out = append(out, t.Window)
	}
	return out
}

// revocationGroups groups trials by variant and action, actions in the
// scenario's order.
func revocationGroups(r *results.Results) []revocationGroup {
	var actions []string
	if q := r.Scenario.Revocation; q != nil {
		actions = slices.Clone(q.Actions)
	}
	for _, v := range r.Variants {
		for _, t := range v.Revocations {
			if !slices.Contains(actions, t.Action) {
				actions = append(actions, t.Action)
			}
		}
	}
	var out []revocationGroup
	for _, v := range r.Variants {
		for _, a := range actions {
			g := revocationGroup{v: v, action: a}
			for _, t := range v.Revocations {
				switch {
				case t.Action != a:
				case t.Error != "":
					g.failed = append(g.failed, t)
				default:
					g.trials = append(g.trials, t)
				}
			}
			if len(g.trials)+len(g.failed) > 0 {
				out = append(out, g)
			}
		}
	}
	return out
}

// revocationSection: how long a revoked credential keeps working, as
// measured and as it would be with the configured lifetimes.
func revocationSection(s *Summary) (section, error) {
	r := s.R
	b := r.Scenario.Backend
	accessTTL, refreshTTL := time.Duration(b.AccessTTL), time.Duration(b.RefreshTTL)
	sec := section{ID: string(results.KindRevocation), Title: "Revocation: how long a revoked credential keeps working"}
	timeout, measureTTL := time.Duration(0), time.Duration(0)
	if q := r.Scenario.Revocation; q != nil {
		timeout, measureTTL = time.Duration(q.Timeout), time.Duration(q.MeasureAccessTTL)
	}
	never := "not refused within the timeout"
	if timeout > 0 {
		never = "not refused within " + timeout.String()
	}
	groups := revocationGroups(r)
	t := table{
		Caption: fmt.Sprintf("After revoking, how long the copied access cookie was still accepted, and how long it would be with the configured lifetimes (access TTL %s, refresh TTL %s). Measured: median (min–max) over trials.", human(accessTTL), human(refreshTTL)),
		Head:    []string{"variant", "action", "revoking request", "accepted before, instances", "measured window", "refresh replay", "window at the configured lifetimes"},
	}
	type partialAccept struct{ variant, text string }
	var partial []partialAccept
	// What the findings say, keyed so that a variant's actions with the
	// same outcome read as one clause.
	var boundedKeys, atOnce, soon []string
	boundedActions := map[string][]string{}
	atOnceActions := map[string][]string{}
	for _, g := range groups {
		label := g.v.Label()
		for _, f := range g.failed {
			sec.Warnings = append(sec.Warnings, fmt.Sprintf("%s %s trial %d did not complete: %s", label, g.action, f.Trial, f.Error))
		}
		if len(g.trials) == 0 {
			t.Rows = append(t.Rows, []string{label, g.action, "—", "—", "no trial completed", "—", "—"})
			continue
		}
		var status, accepted, refresh []string
		for _, tr := range g.trials {
			st := strconv.Itoa(tr.Status)
			switch {
			case tr.Status == http.StatusNotImplemented:
				st += " (unsupported)"
			case tr.Revocation != "":
				st += " " + tr.Revocation
			}
			status = append(status, st)
			n := 0
			for _, ok := range tr.AcceptedBefore {
				if ok {
					n++
				}
			}
			accepted = append(accepted, fmt.Sprintf("%d of %d", n, tr.Instances))
			if pa := (partialAccept{g.v.Variant, fmt.Sprintf("%s's cookie was accepted by %d of %d instances", label, n, tr.Instances)}); n < tr.Instances && !slices.Contains(partial, pa) {
				partial = append(partial, pa)
			}
			rs := strconv.Itoa(tr.RefreshStatus)
			switch {
			case tr.RefreshStatus == 0:
				rs = "no answer"
			case tr.RefreshStatus == http.StatusOK:
				rs += ": still mints new tokens"
			case tr.RefreshStatus == http.StatusUnauthorized:
				rs += ": refused"
			}
			refresh = append(refresh, rs)
		}
		ws := g.windows()
		stated := statedWindow(g, accessTTL, refreshTTL)
		t.Rows = append(t.Rows, []string{label, g.action, distinct(status), distinct(accepted), durCell(ws, never), distinct(refresh), stated})

		switch {
		case g.bounded():
			k := label + ": " + stated
			if _, ok := boundedActions[k]; !ok {
				boundedKeys = append(boundedKeys, k)
			}
			boundedActions[k] = append(boundedActions[k], g.action)
		case g.immediate() && !slices.ContainsFunc(ws, func(w time.Duration) bool { return w != 0 }):
			if _, ok := atOnceActions[label]; !ok {
				atOnce = append(atOnce, label)
			}
			atOnceActions[label] = append(atOnceActions[label], g.action)
		case g.immediate():
			soon = append(soon, fmt.Sprintf("%s %s after %s", label, g.action, durCell(ws, never)))
		}
		if g.immediate() && slices.Contains(ws, -1) {
			sec.Warnings = append(sec.Warnings, fmt.Sprintf("%s %s: the server said the revocation is immediate, yet in some trial the old cookie was %s.", label, g.action, never))
		}
	}
	t.Notes = append(t.Notes,
		"revoking request: its status and Authbench-Revocation header (immediate, at-expiry); 501 means the variant cannot do it.",
		"measured window: from the revoking response until the old access cookie was first refused on every instance that had accepted it; 0 means refused at the first replay.",
		"refresh replay: the old refresh cookie sent once right after revoking; 200 means it still mints new credentials.")
	if measureTTL > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("While measuring, the servers issued %s access tokens so that a window bounded by expiry could be waited out; the last column states it for the configured %s.", measureTTL, human(accessTTL)))
	}
	sec.Tables = append(sec.Tables, t)

	if len(boundedKeys) > 0 {
		var parts []string
		for _, k := range boundedKeys {
			label, stated, _ := strings.Cut(k, ": ")
			parts = append(parts, fmt.Sprintf("%s (%s): %s", label, strings.Join(boundedActions[k], ", "), stated))
		}
		sec.Findings = append(sec.Findings, fmt.Sprintf("With the configured lifetimes, revoking does not end a copied credential in %s.", strings.Join(parts, "; ")))
	}
	if len(atOnce)+len(soon) > 0 {
		var parts []string
		for _, label := range atOnce {
			parts = append(parts, fmt.Sprintf("%s (%s)", label, strings.Join(atOnceActions[label], ", ")))
		}
		f := ""
		if len(parts) > 0 {
			f = fmt.Sprintf("refused the old cookie at the first replay after revoking, whatever the lifetime: %s", sentence(parts))
		}
		if len(soon) > 0 {
			if f != "" {
				f += "; "
			}
			f += "said immediate and refused it within the replay interval: " + sentence(soon)
		}
		sec.Findings = append(sec.Findings, "On every instance that had accepted it, the variants that revoke immediately "+f+".")
	}
	if f := remainingFinding(groups, measureTTL); f != "" {
		sec.Findings = append(sec.Findings, f)
	}
	for _, p := range partial {
		if factsNamed(r, p.variant).perProcess(p.variant) {
			sec.Findings = append(sec.Findings, p.text+" before revoking: a session held in one process's memory exists only on the instance that issued it, so it is revoked there alone and the others never knew it.")
		} else {
			sec.Warnings = append(sec.Warnings, p.text+" before revoking: its instances share keys and store, so every one should have.")
		}
	}

	p, err := revocationChart(groups, timeout, measureTTL)
	cs, err := chartOf("revocation-window", "Measured revocation window per variant and action (median over trials)", p, err)
	if err != nil {
		return sec, err
	}
	sec.Charts = cs
	return sec, nil
}

func appendOnce(xs []string, x string) []string {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

// statedWindow is the window with the configured lifetimes: for a
// variant whose server said the credential lives until it expires (or
// that cannot revoke at all), the access TTL, and the refresh TTL when
// the old refresh cookie still minted new ones.
func statedWindow(g revocationGroup, accessTTL, refreshTTL time.Duration) string {
	mints := ""
	if g.refreshMints() {
		if g.tokens() {
			mints = fmt.Sprintf(", and the refresh token keeps minting new ones for up to %s", human(refreshTTL))
		} else {
			mints = ", and the old cookie still refreshed (200)"
		}
	}
	switch {
	case g.bounded() && !g.tokens():
		// No access token to expire: a session lives until it idles out.
		return "until the session expires (not stated by this run)" + mints
	case g.bounded():
		return fmt.Sprintf("up to %s (the access TTL)%s", human(accessTTL), mints)
	case g.immediate() && mints != "":
		return "the measured window for the access cookie, but" + strings.TrimPrefix(mints, ", and")
	case g.immediate():
		return "the measured window: it does not depend on the lifetime"
	}
	return "not stated by the server (no Authbench-Revocation header)"
}

// remainingFinding compares the measured window of the variants bounded
// by expiry with what was left of their tokens' lifetime when revoked.
func remainingFinding(groups []revocationGroup, measureTTL time.Duration) string {
	var parts []string
	for _, g := range groups {
		if !g.bounded() || !g.tokens() {
			continue
		}
		var left []float64
		for _, t := range g.trials {
			if t.AccessTTL > 0 {
				left = append(left, (t.AccessTTL - t.CredentialAge).Seconds())
			}
		}
		parts = append(parts, fmt.Sprintf("%s %s refused after %s, against %s of lifetime left when revoked", g.v.Label(), g.action, durCell(g.windows(), "never"), secondsCell(statOf(left))))
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("Measured with %s access tokens: %s (JWT expiry has one-second resolution).", measureTTL, strings.Join(parts, "; "))
}

var actionColors = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
}

// revocationChart: grouped bars of the median measured window per
// variant, one bar per action; a never-refused cookie is drawn at the
// timeout, and the measuring access TTL is marked.
func revocationChart(groups []revocationGroup, timeout, measureTTL time.Duration) (*plot.Plot, error) {
	var labels, actions []string
	for _, g := range groups {
		if len(g.trials) == 0 {
			continue
		}
		labels = appendOnce(labels, g.v.Label())
		actions = appendOnce(actions, g.action)
	}
	if len(labels) == 0 {
		return nil, nil
	}
	p := newPlot("Measured revocation window (median over trials)", "", "seconds until refused")
	var ss []series
	for i, a := range actions {
		neverDrawn := false
		s := series{Name: a, Color: actionColors[i%len(actionColors)], Values: make([]float64, len(labels)), Texts: make([]string, len(labels)), Spread: make([]Stat, len(labels))}
		for _, g := range groups {
			if g.action != a || len(g.trials) == 0 {
				continue
			}
			var ok []float64
			for _, w := range g.windows() {
				if w >= 0 {
					ok = append(ok, w.Seconds())
				}
			}
			st := statOf(ok)
			v := st.Median
			text := secondsCell(Stat{Median: v, Min: v, Max: v, N: 1})
			if len(ok) == 0 {
				v, neverDrawn, text = timeout.Seconds(), true, "never"
			}
			i := slices.Index(labels, g.v.Label())
			s.Values[i], s.Texts[i] = v, text
			if len(ok) == len(g.trials) {
				s.Spread[i] = st // a never-refused trial has no range to draw
			}
		}
		if neverDrawn {
			s.Name += " (never refused: drawn at the " + timeout.String() + " timeout)"
		}
		ss = append(ss, s)
	}
	if err := groupedBars(p, labels, ss); err != nil {
		return nil, err
	}
	p.Legend.Left = false // the immediate variants' bars, on the right, are low
	if measureTTL > 0 {
		if err := hline(p, "access TTL while measuring ("+measureTTL.String()+")", measureTTL.Seconds(), -0.5, float64(len(labels))-0.5); err != nil {
			return nil, err
		}
		p.Y.Max = max(p.Y.Max, measureTTL.Seconds()*1.25)
	}
	return p, nil
}

// revocationReport is how a revocation run is reported: no load runs,
// so the subtitle describes the trials instead.
var revocationReport = kindReport{
	section: revocationSection,
	subtitle: func(r *results.Results) (string, bool) {
		sc := r.Scenario
		q := sc.Revocation
		if q == nil {
			return "", false
		}
		return fmt.Sprintf("Scenario %q (%s): revocation window, %s per variant and action (%s) on %s per variant, the old cookie replayed every %s for up to %s; no load runs meanwhile.",
			sc.Name, r.ScenarioFile, plural(q.Trials, "trial"), strings.Join(q.Actions, ", "), plural(q.Instances, "instance"), time.Duration(q.Poll), time.Duration(q.Timeout)), true
	},
	servers: func(q results.Scenario) string {
		if q.Revocation == nil {
			return ""
		}
		return fmt.Sprintf("%d \"authbench serve\" processes per variant, sharing keys and Redis, issuing %s access tokens while measuring", q.Revocation.Instances, time.Duration(q.Revocation.MeasureAccessTTL))
	},
}
