package merge_test

import (
	"fmt"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authbench/authbench/merge"
	"github.com/authbench/authbench/raw"
	"github.com/authbench/authbench/results"
)

// Two generators drove one server at 50/s each: one saw 1 ms answers,
// the other 9 ms. The merged step asks 100/s, and its p99 is that of
// every request together, not the average of the two p99s (5 ms).
func ExampleMerge() {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	part := func(name string, lat time.Duration, offset time.Duration) merge.Part {
		rs := make([]vegeta.Result, 50)
		for i := range rs {
			rs[i] = vegeta.Result{Attack: name, Seq: uint64(i), Code: 200, Latency: lat,
				Timestamp: t0.Add(offset + time.Duration(i)*20*time.Millisecond), URL: "http://127.0.0.1:8080/api/me?vu=1"}
		}
		all, routes := raw.Of(rs)
		res := &results.Results{Generator: name, Kind: results.KindSteady,
			Scenario: results.Scenario{Name: "s", Variants: []string{"jwt"}, Rates: []float64{50}},
			Variants: []results.VariantResult{{Variant: "jwt", Steps: []results.Step{{Kind: results.StepRate, Repetition: 1, Index: 1,
				Rate: 50, Duration: time.Second, Started: rs[0].Timestamp, All: all, Routes: routes}}}}}
		return merge.Part{Dir: name, Results: res, Raw: func(int, int) ([]vegeta.Result, error) { return rs, nil }}
	}
	m, err := merge.Merge("", []merge.Part{part("g1", time.Millisecond, 0), part("g2", 9*time.Millisecond, 3*time.Millisecond)})
	if err != nil {
		fmt.Println(err)
		return
	}
	st := m.Variants[0].Steps[0]
	fmt.Println(st.Rate, st.All.Requests, st.All.Latency.P50, st.All.Latency.P99, st.Parts[1].Offset)
	// Output: 100 100 5ms 9ms 3ms
}
