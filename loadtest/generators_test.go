package loadtest

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench/results"
)

// TestGeneratorsOption: generators: N is a count for fixed-rate steady
// scenarios only; the error names the option's line.
func TestGeneratorsOption(t *testing.T) {
	tests := []struct {
		name string
		add  string
		want string // substring of the error; "" for none
	}{
		{"default", "", ""},
		{"two", "generators: 2\n", ""},
		{"negative", "generators: -1\n", "t.yaml:10: generators: -1: want 1 or more"},
		{"a search", "generators: 2\nsearch: {start: 10, slo: {p99: 50ms}}\n", "generators: 2: a max-rate search"},
		{"a curve", "generators: 2\nrates: [10, 20, 30]\ncurve: {fit_top: 3}\n", "leave out curve"},
		{"another kind", "generators: 2\noutage: {before: 1s, window: 1s, after: 1s}\nduration: 3s\n", "this is a store-outage scenario"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// validYAML's duration and rates, unless the case gives its own
			y := strings.Replace(strings.Replace(validYAML, "duration: 2s\n", "", 1), "rates: [100, 200]\n", "", 1)
			for _, f := range []string{"duration: 2s\n", "rates: [100, 200]\n"} {
				if !strings.Contains(tt.add, strings.SplitN(f, ":", 2)[0]+":") {
					y += f
				}
			}
			_, err := DecodeScenario("t.yaml", []byte(y+tt.add))
			if (err != nil) != (tt.want != "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// TestGeneratorShare: a generator of several driving a --target sends
// 1/N of every rate and says so; every other run keeps its scenario.
func TestGeneratorShare(t *testing.T) {
	sc, err := DecodeScenario("t.yaml", []byte(validYAML+"generators: 4\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, note := generatorShare(Config{Scenario: sc, Target: "http://127.0.0.1:1", Generator: "g2"})
	if !slices.Equal(got.Rates, []float64{25, 50}) || !slices.Equal(sc.Rates, []float64{100, 200}) {
		t.Errorf("share rates %v (scenario now %v), want 25, 50 and the scenario unchanged", got.Rates, sc.Rates)
	}
	if !strings.Contains(note, "g2 is one of 4 generators") {
		t.Errorf("note %q", note)
	}
	if got, note := generatorShare(Config{Scenario: sc}); got != sc || note != "" {
		t.Errorf("without --target: %v %q, want the scenario as is", got.Rates, note)
	}
}

// TestScenarioJSONIsYAML: the generators read the runner's scenario
// written as JSON; it decodes back to the same scenario.
func TestScenarioJSONIsYAML(t *testing.T) {
	sc, err := DecodeScenario("t.yaml", []byte(validYAML+"generators: 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeScenario("scenario.yaml", b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if !reflect.DeepEqual(back.Record(), sc.Record()) {
		t.Errorf("decoded %+v\nwant    %+v", back.Record(), sc.Record())
	}
}

// TestCostFromSamples: a generators' step is costed over the samples
// inside its bounds, its requests counted in proportion to that span;
// a step with fewer than two samples inside it stays uncosted.
func TestCostFromSamples(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var samples []sample
	for k := range 10 { // every 50ms, 1ms of server CPU and 10 Redis GETs each
		samples = append(samples, sample{at: t0.Add(time.Duration(k) * 50 * time.Millisecond), m: mark{
			cpu: time.Duration(k) * time.Millisecond, cpuOK: true,
			redis: redisSnapshot{calls: map[string]uint64{"get": uint64(10 * k)}}, redisOK: true}})
	}
	tests := []struct {
		name     string
		start    time.Duration
		wall     time.Duration
		wantCPU  float64 // seconds; 0: uncosted
		wantReqs float64 // requests the span is charged with
	}{
		{"inner span", 10 * time.Millisecond, 200 * time.Millisecond, 0.003, 300},
		{"exact bounds", 0, 450 * time.Millisecond, 0.009, 400},
		{"one sample inside", 60 * time.Millisecond, 50 * time.Millisecond, 0, 0},
		{"after the samples", time.Second, time.Second, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := results.Step{Started: t0.Add(tt.start), Wall: tt.wall, All: results.Metrics{Requests: 400}}
			costFromSamples(&st, samples)
			if tt.wantCPU == 0 {
				if st.Server != nil || st.Redis != nil {
					t.Errorf("costed %+v %+v, want uncosted", st.Server, st.Redis)
				}
				return
			}
			if st.Server == nil || math.Abs(st.Server.CPUSeconds-tt.wantCPU) > 1e-12 || math.Abs(st.Server.CPUPerRequest-tt.wantCPU/tt.wantReqs) > 1e-12 {
				t.Fatalf("server %+v, want %v s over %v requests", st.Server, tt.wantCPU, tt.wantReqs)
			}
			if st.Redis == nil || st.Redis.Commands != uint64(10*tt.wantCPU*1000) {
				t.Errorf("redis %+v", st.Redis)
			}
		})
	}
}
