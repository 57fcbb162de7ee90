package loadtest

import (
	"context"
	"strings"
	"time"

	"github.com/authbench/authbench/results"
)

// scenarioKind is what one kind of scenario adds to a steady load. A
// scenario's kind follows from which optional block it holds (at most
// one); each kind lives in its own file (kind_*.go) and kinds lists
// them: the only place that maps a kind's name to its behaviour.
type scenarioKind interface {
	// present says whether s holds the kind's block.
	present(s *Scenario) bool
	// defaults fills in the zero fields of the kind's block (and of s
	// where the kind decides them, such as a step's duration).
	defaults(s *Scenario)
	// validate reports through bad what is wrong with the kind's block.
	validate(s *Scenario, bad reporter)
	// run drives the whole run over variants.
	run(ctx context.Context, r *runner, variants []string) error
	// summary says how the terminal summary shows the kind's steps.
	summary() terminalSummary
}

// reporter is validate's way of reporting a problem at a YAML path.
type reporter func(path, format string, args ...any)

// kindEntry registers a kind: its name in results, the YAML block that
// selects it ("" for the default) and its behaviour.
type kindEntry struct {
	name  results.Kind
	block string
	kind  scenarioKind
}

// kinds is the registry of scenario kinds, in the order the blocks are
// named in errors; steady, which has no block, is last and the default.
var kinds = []kindEntry{
	{results.KindStoreLatency, "store_latency", storeLatencyKind{}},
	{results.KindStoreOutage, "outage", outageKind{}},
	{results.KindRevocation, "revocation", revocationKind{}},
	{results.KindScaleOut, "scale_out", scaleOutKind{}},
	{results.KindRefreshStorm, "refresh_storm", refreshStormKind{}},
	{results.KindFrontier, "frontier", frontierKind{}},
	{results.KindCluster, "cluster", clusterKind{}},
	{results.KindSteady, "", steadyKind{}},
}

// kindEntryOf is the registered kind of s: the first whose block s
// holds, else steady.
func kindEntryOf(s *Scenario) kindEntry {
	for _, k := range kinds {
		if k.block != "" && k.kind.present(s) {
			return k
		}
	}
	return kinds[len(kinds)-1]
}

// kindNamed is the registered kind called name; steady when none is
// (results written before kinds existed).
func kindNamed(name results.Kind) scenarioKind {
	for _, k := range kinds {
		if k.name == name {
			return k.kind
		}
	}
	return kinds[len(kinds)-1].kind
}

// Kind returns which kind of scenario s is.
func (s *Scenario) Kind() results.Kind { return kindEntryOf(s).name }

// kindBlocks lists the kind blocks s holds (validation wants at most one).
func (s *Scenario) kindBlocks() []string {
	var b []string
	for _, k := range kinds {
		if k.block != "" && k.kind.present(s) {
			b = append(b, k.block)
		}
	}
	return b
}

func defaultDur(d *Duration, v time.Duration) {
	if *d == 0 {
		*d = Duration(v)
	}
}

// kindDefaults fills in the defaults of every kind block s holds (more
// than one is an error validation reports, after defaults).
func (s *Scenario) kindDefaults() {
	for _, k := range kinds {
		if k.block != "" && k.kind.present(s) {
			k.kind.defaults(s)
		}
	}
}

// validateKind checks the kind's block; bad is validate's reporter.
func (s *Scenario) validateKind(bad reporter) {
	if b := s.kindBlocks(); len(b) > 1 {
		var all []string
		for _, k := range kinds {
			if k.block != "" {
				all = append(all, k.block)
			}
		}
		bad("$."+b[1], "%s: a scenario has at most one of %s (found %v)", b[1], strings.Join(all, ", "), b)
	}
	for _, k := range kinds {
		if k.block != "" && k.kind.present(s) {
			k.kind.validate(s, bad)
		}
	}
}

// positivePhases checks the phases (before, window, after) of a kind
// whose step is split in time; block names the kind's YAML block.
func positivePhases(bad reporter, block string, before, window, after Duration) {
	for _, f := range []struct {
		name string
		d    Duration
	}{{"before", before}, {"window", window}, {"after", after}} {
		if f.d <= 0 {
			bad("$."+block+"."+f.name, "%s.%s: %s: must be positive", block, f.name, f.d.D())
		}
	}
}

// phasedStep checks that such a kind's phases sum to the step's
// duration and that it holds fixed rates; kind is how errors name it
// ("an outage").
func phasedStep(s *Scenario, bad reporter, block, kind string, before, window, after Duration) {
	if s.Duration != before+window+after {
		bad("$.duration", "duration: %s, but %s step lasts %s.before+window+after = %s; leave duration out", s.Duration.D(), kind, block, (before + window + after).D())
	}
	if s.Search != nil {
		bad("$.search", "search: %s scenario holds fixed rates; give rates", kind)
	}
}

// terminalSummary is how the terminal summary (Summary) shows a kind.
type terminalSummary struct {
	// column is what the kind varies besides the rate; nil when nothing.
	column *summaryColumn
	// noSteps is set for a kind that runs no load steps (revocation):
	// the summary then has no step table.
	noSteps bool
}

// summaryColumn is a kind's own column in the terminal summary.
type summaryColumn struct {
	head string                       // column head
	cell func(results.Step) string    // a step's value
	at   func(results.MaxRate) string // a max-rate result's condition: " at store +5ms"
}

// plainRepetitions is a repetition that runs every live variant's
// rates and search once.
func (r *runner) plainRepetitions(ctx context.Context) func(int, []*liveVariant) {
	return func(rep int, live []*liveVariant) {
		for _, lv := range live {
			r.runRepetition(ctx, lv, rep)
		}
	}
}

// passesOf is one single-instance pass per variant; debug adds the
// servers' GET /debug/runtime.
func (r *runner) passesOf(variants []string, debug bool) []passSpec {
	passes := make([]passSpec, 0, len(variants))
	for _, v := range variants {
		passes = append(passes, passSpec{variant: v, instances: 1, backend: r.sc.Backend, debug: debug})
	}
	return r.passesOnStores(passes)
}
