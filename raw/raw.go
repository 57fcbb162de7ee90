package raw

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strconv"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authbench/authbench/results"
)

// routePaths maps a request path to its route in results.Step.Routes.
var routePaths = map[string]string{
	"/api/me":       results.RouteMe,
	"/auth/refresh": results.RouteRefresh,
	"/auth/login":   results.RouteLogin,
	"/auth/logout":  results.RouteLogout,
}

// RouteOther is the route of a request whose path is none of the
// scenario's routes.
const RouteOther = "other"

// Route returns the route of a result's URL ("" for an unknown path)
// and the virtual user index carried in its query (-1 when absent).
func Route(rawURL string) (route string, vu int) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", -1
	}
	vu = -1
	if s := u.Query().Get("vu"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			vu = n
		}
	}
	return routePaths[u.Path], vu
}

// Metrics accumulates vegeta's metrics over every result and per route.
// The zero value is not ready; use NewMetrics.
type Metrics struct {
	all    vegeta.Metrics
	routes map[string]*vegeta.Metrics
}

// NewMetrics returns an empty accumulator.
func NewMetrics() *Metrics {
	return &Metrics{routes: map[string]*vegeta.Metrics{}}
}

// Add records r under route ("" counts as RouteOther). Bodies are not
// kept (MaxBody(0)), so a zero BytesIn is taken from the response's
// Content-Length while headers are still there; r is updated, so a raw
// file written after Add carries it.
func (m *Metrics) Add(route string, r *vegeta.Result) {
	if r.BytesIn == 0 && r.Headers != nil {
		if n, err := strconv.ParseUint(r.Headers.Get("Content-Length"), 10, 64); err == nil {
			r.BytesIn = n
		}
	}
	m.all.Add(r)
	if route == "" {
		route = RouteOther
	}
	rm := m.routes[route]
	if rm == nil {
		rm = &vegeta.Metrics{}
		m.routes[route] = rm
	}
	rm.Add(r)
}

// Close computes the figures: over every result and per route.
func (m *Metrics) Close() (results.Metrics, map[string]results.Metrics) {
	all := convert(&m.all)
	routes := make(map[string]results.Metrics, len(m.routes))
	for k, v := range m.routes {
		routes[k] = convert(v)
	}
	return all, routes
}

// maxErrors bounds the distinct errors kept per metrics set.
const maxErrors = 10

func convert(v *vegeta.Metrics) results.Metrics {
	v.Close()
	errs := append([]string(nil), v.Errors...)
	sort.Strings(errs)
	if len(errs) > maxErrors {
		errs = errs[:maxErrors]
	}
	codes := map[string]int{}
	for k, n := range v.StatusCodes {
		codes[k] = n
	}
	return results.Metrics{
		Requests:    v.Requests,
		Rate:        v.Rate,
		Throughput:  v.Throughput,
		Success:     v.Success,
		StatusCodes: codes,
		Latency: results.Latency{
			Mean: v.Latencies.Mean, P50: v.Latencies.P50, P90: v.Latencies.P90,
			P95: v.Latencies.P95, P99: v.Latencies.P99, Max: v.Latencies.Max, Min: v.Latencies.Min,
		},
		BytesIn:  v.BytesIn.Total,
		BytesOut: v.BytesOut.Total,
		Errors:   errs,
	}
}

// Of computes the figures of rs, each under the route of its URL, in
// the order given: vegeta's percentiles are t-digest estimates, which
// depend on the order results are added, so callers comparing two sets
// give them in one canonical order (Sort).
func Of(rs []vegeta.Result) (results.Metrics, map[string]results.Metrics) {
	m := NewMetrics()
	for i := range rs {
		route, _ := Route(rs[i].URL)
		m.Add(route, &rs[i])
	}
	return m.Close()
}

// Sort orders rs by start time, then by attack name and sequence number:
// one order for the same set of results however they were concatenated.
func Sort(rs []vegeta.Result) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := &rs[i], &rs[j]
		if !a.Timestamp.Equal(b.Timestamp) {
			return a.Timestamp.Before(b.Timestamp)
		}
		if a.Attack != b.Attack {
			return a.Attack < b.Attack
		}
		return a.Seq < b.Seq
	})
}

// Read decodes every result of a raw file written with vegeta's gob
// encoder (the runner's raw/*.gob).
func Read(path string) ([]vegeta.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := vegeta.NewDecoder(f)
	var rs []vegeta.Result
	for {
		var r vegeta.Result
		err := dec.Decode(&r)
		if errors.Is(err, io.EOF) {
			return rs, nil
		}
		if err != nil {
			return rs, fmt.Errorf("%s: result %d: %w", path, len(rs)+1, err)
		}
		rs = append(rs, r)
	}
}

// Write encodes rs to path with vegeta's gob encoder, the format Read
// and "vegeta report" read.
func Write(path string, rs []vegeta.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := vegeta.NewEncoder(f)
	for i := range rs {
		if err := enc.Encode(&rs[i]); err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return f.Close()
}
