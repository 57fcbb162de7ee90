package report

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench/results"
)

func TestLoadErrors(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "rates", ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	edit := func(old, new string) string {
		if !strings.Contains(string(good), old) {
			t.Fatalf("fixture lacks %q", old)
		}
		return strings.Replace(string(good), old, new, 1)
	}
	tests := []struct {
		name     string
		content  string // "" means no file at all
		wantErr  error
		wantText string // the field the error must name
	}{
		{name: "valid fixture", content: string(good)},
		{name: "no results.json", wantErr: os.ErrNotExist, wantText: ResultsFile},
		{name: "older schema", content: edit(`"schema": "authbench.results/v1"`, `"schema": "authbench.results/v0"`), wantErr: results.ErrSchema, wantText: `"schema"`},
		{name: "schema missing", content: edit(`"schema": "authbench.results/v1",`, ``), wantErr: results.ErrSchema, wantText: `"schema"`},
		{name: "not JSON", content: "{\"schema\": ", wantText: ResultsFile},
		{name: "unknown field", content: edit(`"run_id"`, `"run_idd"`), wantText: `run_idd`},
		{name: "wrong type", content: edit(`"rate": 200,`, `"rate": "200",`), wantText: "rate"},
		{name: "empty run id", content: edit(`"run_id": "2026-11-27T215012Z-quick"`, `"run_id": ""`), wantErr: ErrInvalid, wantText: "run_id"},
		// A variant today's runner does not know still renders: an old run
		// re-renders after a variant is renamed or dropped.
		{name: "unknown variant renders", content: edit(`"variant": "jwt-blacklist"`, `"variant": "paseto"`)},
		{name: "empty variant", content: edit(`"variant": "jwt-blacklist"`, `"variant": ""`), wantErr: ErrInvalid, wantText: "variants[2].variant"},
		{name: "bad step kind", content: edit(`"kind": "rate"`, `"kind": "ramp"`), wantErr: ErrInvalid, wantText: "variants[0].steps[0].kind"},
		{name: "success out of range", content: edit(`"success": 1,`, `"success": 3,`), wantErr: ErrInvalid, wantText: "all.success"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.content != "" {
				if err := os.WriteFile(filepath.Join(dir, ResultsFile), []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load(dir)
			wantErr := tt.wantErr != nil || tt.wantText != ""
			if (err != nil) != wantErr {
				t.Fatalf("Load: err = %v, want error %v", err, wantErr)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Load: err = %v, want errors.Is %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Load: err = %q, want it to name %q", err, tt.wantText)
			}
			if err != nil && tt.content != "" && !strings.Contains(err.Error(), dir) {
				t.Errorf("Load: err = %q, want it to name the file", err)
			}
			// Write must fail the same way, never half-render.
			if werr := Write(dir); (werr != nil) != wantErr {
				t.Errorf("Write: err = %v, want error %v", werr, wantErr)
			}
		})
	}
}

func TestStatFormat(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		prec int
		want string
	}{
		{name: "unmeasured", xs: nil, prec: 1, want: "—"},
		{name: "one repetition", xs: []float64{1.25}, prec: 1, want: "1.2"},
		{name: "odd count", xs: []float64{3, 1, 2}, prec: 1, want: "2.0 (1.0–3.0)"},
		{name: "even count takes mean of middle two", xs: []float64{4, 1, 2, 3}, prec: 2, want: "2.50 (1.00–4.00)"},
		{name: "negative zero", xs: []float64{-0.0001}, prec: 2, want: "0.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := statOf(tt.xs).Format(tt.prec); got != tt.want {
				t.Errorf("statOf(%v).Format(%d) = %q, want %q", tt.xs, tt.prec, got, tt.want)
			}
		})
	}
}

func TestDisjoint(t *testing.T) {
	tests := []struct {
		name string
		a, b []float64
		want bool
	}{
		{name: "separate ranges", a: []float64{1, 2, 3}, b: []float64{4, 5, 6}, want: true},
		{name: "overlapping ranges", a: []float64{1, 2, 4}, b: []float64{3, 5, 6}, want: false},
		{name: "single measurement has no spread", a: []float64{1}, b: []float64{9, 10}, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := statOf(tt.a).Disjoint(statOf(tt.b)); got != tt.want {
				t.Errorf("Disjoint = %t, want %t", got, tt.want)
			}
		})
	}
}

// TestLoadKindErrors: the trade-off kinds' fields a run never writes are
// refused with the field named, before any section misreads them.
func TestLoadKindErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fixture  string
		edit     func(*results.Results)
		wantText string // "" means the edited results load
	}{
		{name: "unknown kind", fixture: "rates", edit: func(r *results.Results) { r.Kind = "soak" }, wantText: "field kind"},
		{name: "a sticky pass beside its round-robin one", fixture: "scale-out", edit: func(*results.Results) {}},
		{name: "the same pass twice", fixture: "scale-out", edit: func(r *results.Results) { r.Variants[3].Routing = results.RoutingRoundRobin },
			wantText: "variants[3].variant"},
		{name: "unknown routing", fixture: "scale-out", edit: func(r *results.Results) { r.Variants[0].Routing = "random" },
			wantText: "variants[0].routing"},
		{name: "outage of no recorded step", fixture: "store-outage", edit: func(r *results.Results) { r.Variants[1].Outages[0].Step = 99 },
			wantText: "variants[1].outages[0].step"},
		{name: "timeline counts that do not add up", fixture: "store-outage", edit: func(r *results.Results) { r.Variants[0].Outages[1].Timeline[3].OK++ },
			wantText: "variants[0].outages[1].timeline[3]"},
		{name: "restored before cut", fixture: "store-outage", edit: func(r *results.Results) { r.Variants[2].Outages[0].RestoredAt = time.Second },
			wantText: "variants[2].outages[0].restored_at_ns"},
		{name: "storm of no recorded step", fixture: "refresh-storm", edit: func(r *results.Results) { r.Variants[0].Storms[2].Step = 0 },
			wantText: "variants[0].storms[2].step"},
		{name: "window below never", fixture: "revocation", edit: func(r *results.Results) { r.Variants[0].Revocations[0].Window = -5 },
			wantText: "variants[0].revocations[0].window_ns"},
		{name: "negative added latency", fixture: "store-latency", edit: func(r *results.Results) { r.Variants[0].Steps[0].AddedLatency = -1 },
			wantText: "variants[0].steps[0].added_store_latency_ns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := Load(filepath.Join("testdata", tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			tt.edit(r)
			dir := t.TempDir()
			if err := r.Write(filepath.Join(dir, ResultsFile)); err != nil {
				t.Fatal(err)
			}
			_, err = Load(dir)
			switch {
			case tt.wantText == "" && err != nil:
				t.Fatalf("Load: %v, want it to load", err)
			case tt.wantText == "":
			case !errors.Is(err, ErrInvalid):
				t.Fatalf("Load: err = %v, want ErrInvalid", err)
			case !strings.Contains(err.Error(), tt.wantText):
				t.Errorf("Load: err = %q, want it to name %q", err, tt.wantText)
			}
		})
	}
}
