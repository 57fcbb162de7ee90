package loadtest

import (
	"net/url"
	"sort"
	"strconv"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authbench/authbench/results"
)

var routePaths = map[string]string{
	"/api/me":       results.RouteMe,
	"/auth/refresh": results.RouteRefresh,
	"/auth/login":   results.RouteLogin,
	"/auth/logout":  results.RouteLogout,
}

// routeOf returns the route of a result's URL and the virtual user
// index carried in its query (-1 when absent).
func routeOf(raw string) (route string, vu int) {
	u, err := url.Parse(raw)
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

// stepMetrics accumulates vegeta metrics overall and per route.
type stepMetrics struct {
	all    vegeta.Metrics
	routes map[string]*vegeta.Metrics
}

func newStepMetrics() *stepMetrics {
	return &stepMetrics{routes: map[string]*vegeta.Metrics{}}
}

// add records r; bodies are not kept (MaxBody(0)), so BytesIn is taken
// from the response's Content-Length.
func (m *stepMetrics) add(route string, r *vegeta.Result) {
	if r.BytesIn == 0 && r.Headers != nil {
		if n, err := strconv.ParseUint(r.Headers.Get("Content-Length"), 10, 64); err == nil {
			r.BytesIn = n
		}
	}
	m.all.Add(r)
	if route == "" {
		route = "other"
	}
	rm := m.routes[route]
	if rm == nil {
		rm = &vegeta.Metrics{}
		m.routes[route] = rm
	}
	rm.Add(r)
}

func (m *stepMetrics) close() (results.Metrics, map[string]results.Metrics) {
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
