package results_test

import (
	"bytes"
	"fmt"

	"github.com/authbench/authbench/results"
)

// Example shows the codec: what Encode writes, Decode reads back, and a
// run written before policies were recorded reads as judged by
// DefaultPolicy.
func Example() {
	r := &results.Results{Schema: results.Schema, RunID: "2026-11-27T215012Z-quick", Kind: results.KindSteady,
		Variants: []results.VariantResult{{Variant: "session-memory", Routing: results.RoutingSticky}}}
	var buf bytes.Buffer
	if err := r.Encode(&buf); err != nil {
		fmt.Println(err)
		return
	}
	got, err := results.Decode("example", &buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.RunID, got.Kind, got.Variants[0].Label(), got.Applied().LeakTolerance)
	// Output: 2026-11-27T215012Z-quick steady session-memory (sticky) 5
}
