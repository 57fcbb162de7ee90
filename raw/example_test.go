package raw_test

import (
	"fmt"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authbench/authbench/raw"
)

// The figures of a set of raw results, overall and per route, as the
// runner reports a step.
func ExampleOf() {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var rs []vegeta.Result
	for i := range 10 {
		url := "http://127.0.0.1:8080/api/me?vu=1"
		if i == 9 {
			url = "http://127.0.0.1:8080/auth/refresh?vu=1"
		}
		rs = append(rs, vegeta.Result{Code: 200, Timestamp: t0.Add(time.Duration(i) * 100 * time.Millisecond),
			Latency: time.Duration(i+1) * time.Millisecond, URL: url})
	}
	all, routes := raw.Of(rs)
	fmt.Println(all.Requests, all.Success, all.Latency.Max, routes["me"].Requests, routes["refresh"].Requests)
	// Output: 10 1 10ms 9 1
}
