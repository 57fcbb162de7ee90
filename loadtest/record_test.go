package loadtest

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"
)

// TestRecordKeepsEveryField checks that the recorded copy of a scenario
// says in JSON exactly what the scenario itself does: a field added to
// Scenario but not to Record (or results.Scenario) fails here.
func TestRecordKeepsEveryField(t *testing.T) {
	d := Duration(time.Second)
	every := Scenario{Name: "all", Description: "every block", Variants: []string{"jwt"}, Users: 3,
		Mix: Mix{Me: 90, Refresh: 5, LoginLogout: 5}, Warmup: d, Duration: d, Rates: []float64{1, 2},
		Search: &Search{Start: 1, Max: 2, Bisect: 3, SLO: SLO{P99: d, ErrorRate: 0.1}}, Repetitions: 2, Pin: "off",
		LoginConcurrency: 4, Timeout: d, MaxWorkers: 5, MaxConnections: 6,
		Backend:      BackendOptions{Alg: "RS256", AccessTTL: d, RefreshTTL: d, IdleTimeout: d, SessionUnsigned: true, BcryptCost: 4, Password: "p"},
		Curve:        &Curve{FitTop: 2, Seed: 7, Capacity: &CapacitySpec{Quota: 0.5, Probe: d, Probes: 3, P99: d, Timeout: d, KeepAwake: true}},
		StoreLatency: &StoreLatency{Added: []Duration{0, d}}, Outage: &Outage{Before: d, Window: d, After: d, Bucket: d},
		Revocation: &Revocation{Instances: 2, Actions: []string{"logout"}, Trials: 1, MeasureAccessTTL: d, Poll: d, Timeout: d},
		ScaleOut:   &ScaleOut{Instances: []int{1, 2}, Sticky: []string{"jwt"}}, RefreshStorm: &RefreshStorm{Before: d, Window: d, After: d}}
	tests := []struct {
		name string
		sc   func(t *testing.T) *Scenario
	}{{name: "every block set", sc: func(*testing.T) *Scenario { return &every }}}
	files, err := filepath.Glob("../scenarios/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, f := range files {
		tests = append(tests, struct {
			name string
			sc   func(t *testing.T) *Scenario
		}{name: filepath.Base(f), sc: func(t *testing.T) *Scenario {
			sc, err := LoadScenario(f)
			if err != nil {
				t.Fatal(err)
			}
			return sc
		}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := tt.sc(t)
			want, err := json.Marshal(sc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(sc.Record())
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("Record() = %s\nwant       %s", got, want)
			}
		})
	}
}
