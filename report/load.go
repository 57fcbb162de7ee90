package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/authbench/authbench/loadtest"
)

// ResultsFile is the name of a run's results inside its folder.
const ResultsFile = "results.json"

// ErrInvalid means results.json decoded but holds values no run writes;
// the error names the field.
var ErrInvalid = errors.New("invalid results")

// Load reads and checks runDir/results.json. Decoding and schema errors
// come from loadtest.Load (wrapping loadtest.ErrSchema for an older or
// missing schema); values no run could have written wrap ErrInvalid and
// name the field, so the report never renders nonsense or panics on it.
func Load(runDir string) (*loadtest.Results, error) {
	path := filepath.Join(runDir, ResultsFile)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	r, err := loadtest.Load(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if err := check(r); err != nil {
		return nil, fmt.Errorf("report: %s: %w", path, err)
	}
	return r, nil
}

// check rejects what the rendering relies on and a run never writes.
func check(r *loadtest.Results) error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("field %s: %s: %w", field, fmt.Sprintf(format, args...), ErrInvalid)
	}
	if r.RunID == "" {
		return bad("run_id", "empty")
	}
	seen := map[string]bool{}
	for i, v := range r.Variants {
		f := fmt.Sprintf("variants[%d]", i)
		switch {
		case !slices.Contains(loadtest.Variants, v.Variant):
			return bad(f+".variant", "%q is not one of %v", v.Variant, loadtest.Variants)
		case seen[v.Variant]:
			return bad(f+".variant", "%q appears twice", v.Variant)
		}
		seen[v.Variant] = true
		if m := v.RedisMemory; m != nil && (m.Bytes < 0 || m.Keys < 0 || m.BytesPerUser < 0) {
			return bad(f+".redis_memory", "negative figure")
		}
		for j, s := range v.Steps {
			g := fmt.Sprintf("%s.steps[%d]", f, j)
			switch {
			case s.Kind != "rate" && s.Kind != "probe":
				return bad(g+".kind", "%q, want rate or probe", s.Kind)
			case s.Repetition < 1:
				return bad(g+".repetition", "%d, want at least 1", s.Repetition)
			case !(s.Rate > 0):
				return bad(g+".rate", "%g, want a positive rate", s.Rate)
			case s.All.Success < 0 || s.All.Success > 1:
				return bad(g+".all.success", "%g, want 0..1", s.All.Success)
			case s.All.Latency.P50 < 0 || s.All.Latency.P99 < 0 || s.All.Latency.Max < 0:
				return bad(g+".all.latency", "negative latency")
			case s.Server != nil && s.Server.CPUPerRequest < 0:
				return bad(g+".server.cpu_seconds_per_request", "%g is negative", s.Server.CPUPerRequest)
			case s.Redis != nil && (s.Redis.CPUPerRequest < 0 || s.Redis.CommandsPerRequest < 0):
				return bad(g+".redis", "negative figure")
			}
		}
		for j, m := range v.MaxRate {
			g := fmt.Sprintf("%s.max_rate[%d]", f, j)
			if m.Rate < 0 || m.FailedAt < 0 {
				return bad(g+".rate", "negative rate")
			}
		}
	}
	return nil
}
