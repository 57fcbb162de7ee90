package loadtest

import (
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authbench/authbench/raw"
	"github.com/authbench/authbench/results"
)

// routeOf returns the route of a result's URL and the virtual user
// index carried in its query (-1 when absent).
func routeOf(u string) (route string, vu int) { return raw.Route(u) }

// stepMetrics accumulates vegeta metrics overall and per route; the
// conversion lives in raw, so a merge of several generators' raw files
// computes a step's figures exactly as the runner did.
type stepMetrics struct{ m *raw.Metrics }

func newStepMetrics() *stepMetrics { return &stepMetrics{raw.NewMetrics()} }

// add records r; see raw.Metrics.Add.
func (m *stepMetrics) add(route string, r *vegeta.Result) { m.m.Add(route, r) }

func (m *stepMetrics) close() (results.Metrics, map[string]results.Metrics) { return m.m.Close() }
