package report

import (
	"time"

	"github.com/authbench/authbench/results"
)

// kindReport is what one scenario kind adds to the plain report of a
// steady load; a zero field adds nothing. Each kind's report is in its
// own file (storelatency.go, outage.go, …), beside its section.
type kindReport struct {
	// steady means the run is a plain load: headline, trade-off, charts.
	steady bool
	// section builds the kind's own section.
	section func(*Summary) (section, error)
	// subtitle replaces the scenario sentence when ok (a run without
	// load has no mix or rate to describe).
	subtitle func(*results.Results) (s string, ok bool)
	// line describes what the kind varies, after the subtitle.
	line func(results.Scenario) string
	// servers says how the kind ran its servers; "" keeps the default.
	servers func(results.Scenario) string
	// stepsNote ends the caption of the step table.
	stepsNote string
	// dim is what the kind varies besides the rate.
	dim *dimension
}

// dimension is what a kind varies besides the rate (the added store
// latency, the instance count), and how the report shows it.
type dimension struct {
	// head is its column head.
	head string
	// value is a step's value, order sorts steps by it.
	value func(results.Step) string
	order func(results.Step) float64
	// condition describes a step's value in a sentence (" on 4 instances").
	condition func(added time.Duration, instances int) string
	// baseline picks the steps Summarise keeps and describes them.
	baseline func(*results.Results) (keep func(added time.Duration, instances int) bool, desc string)
}

// kindReports is the report's registry of kinds: the only place that
// maps a results kind to how it is reported.
var kindReports = []struct {
	kind   results.Kind
	report kindReport
}{
	{results.KindSteady, kindReport{steady: true}},
	{results.KindStoreLatency, storeLatencyReport},
	{results.KindStoreOutage, outageReport},
	{results.KindRevocation, revocationReport},
	{results.KindScaleOut, scaleOutReport},
	{results.KindRefreshStorm, stormReport},
	{results.KindFrontier, frontierReport},
	{results.KindCluster, clusterReport},
}

// lookupKindReport is the report of kind, ok false when unregistered.
func lookupKindReport(kind results.Kind) (kindReport, bool) {
	for _, k := range kindReports {
		if k.kind == kind {
			return k.report, true
		}
	}
	return kindReport{}, false
}

// kindReportOf is the report of kind; an unknown kind (Load refuses
// those) reports as nothing but its steps.
func kindReportOf(kind results.Kind) kindReport {
	k, _ := lookupKindReport(kind)
	return k
}

// kindNames lists the kinds this report renders, in registry order.
func kindNames() []results.Kind {
	var ks []results.Kind
	for _, k := range kindReports {
		ks = append(ks, k.kind)
	}
	return ks
}

// dimension names what a kind varies besides the rate, as a column
// head; "" when nothing.
func dimensionOf(kind results.Kind) string {
	if d := kindReportOf(kind).dim; d != nil {
		return d.head
	}
	return ""
}

// dimValue is st's value of its kind's dimension.
func dimValue(kind results.Kind, st results.Step) string {
	if d := kindReportOf(kind).dim; d != nil {
		return d.value(st)
	}
	return ""
}

// dimOrder sorts st by its kind's dimension.
func dimOrder(kind results.Kind, st results.Step) float64 {
	if d := kindReportOf(kind).dim; d != nil {
		return d.order(st)
	}
	return 0
}
