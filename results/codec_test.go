package results

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench"
)

func TestLoadRejectsSchema(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		json string
		want error
	}{
		{name: "current", json: `{"schema":"authbench.results/v2"}`, want: nil},
		{name: "v1 still loads", json: `{"schema":"authbench.results/v1"}`, want: nil},
		{name: "older", json: `{"schema":"authbench.results/v0"}`, want: ErrSchema},
		{name: "missing", json: `{"run_id":"x"}`, want: ErrSchema},
		{name: "unknown field", json: `{"schema":"authbench.results/v1","bogus":1}`, want: errors.New("unknown field")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, tt.name+".json")
			if err := os.WriteFile(p, []byte(tt.json), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(p)
			if (err != nil) != (tt.want != nil) {
				t.Fatalf("Load = %v, want %v", err, tt.want)
			}
			if err != nil && !errors.Is(err, tt.want) && !strings.Contains(err.Error(), tt.want.Error()) {
				t.Errorf("Load = %v, want %v", err, tt.want)
			}
			if err != nil && tt.want == ErrSchema && !strings.Contains(err.Error(), `field "schema"`) {
				t.Errorf("error %q does not name the field", err)
			}
		})
	}
}

// TestRoundTrip checks that what Write writes, Load reads back
// unchanged, including the fields added after v2 first shipped (Policy,
// a variant's Info).
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		r    Results
	}{
		{name: "empty run", r: Results{Schema: Schema, RunID: "x", Notes: []string{}, Variants: []VariantResult{}}},
		{name: "policy and info", r: Results{Schema: Schema, RunID: "y", Kind: KindScaleOut, Policy: &DefaultPolicy,
			Scenario: Scenario{Name: "s", Duration: Duration(2 * time.Second), Outage: &Outage{Bucket: Duration(time.Millisecond)}},
			Variants: []VariantResult{{Variant: "jwt", Routing: RoutingSticky,
				Info:  &authbench.Info{Name: "jwt", Logout: authbench.RevocationAtExpiry, RevokeUser: authbench.RevocationUnsupported},
				Steps: []Step{{Kind: StepRate, Rate: 10, Duration: time.Second, Routes: map[string]Metrics{RouteMe: {Requests: 3}}}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "results.json")
			if err := tt.r.Write(p); err != nil {
				t.Fatal(err)
			}
			got, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.r) {
				t.Errorf("Load(Write(r)) = %+v, want %+v", *got, tt.r)
			}
		})
	}
}

// TestApplied checks that a file without a recorded policy reads as
// judged by DefaultPolicy, and a recorded one wins.
func TestApplied(t *testing.T) {
	custom := Policy{LeakTolerance: 9}
	tests := []struct {
		name string
		r    Results
		want Policy
	}{
		{name: "none recorded", r: Results{}, want: DefaultPolicy},
		{name: "recorded", r: Results{Policy: &custom}, want: custom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.Applied(); got != tt.want {
				t.Errorf("Applied() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeNamesTheInput(t *testing.T) {
	_, err := Decode("run/results.json", bytes.NewReader([]byte(`{"schema":"nope"}`)))
	if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "run/results.json") {
		t.Errorf("Decode = %v, want ErrSchema naming run/results.json", err)
	}
}
