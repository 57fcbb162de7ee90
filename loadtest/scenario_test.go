package loadtest

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadScenarioShipped(t *testing.T) {
	files, err := filepath.Glob("../scenarios/*.yaml")
	if err != nil || len(files) < 3 {
		t.Fatalf("shipped scenarios: %v %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			s, err := LoadScenario(f)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Variants) == 0 || s.Users < 1 || s.Duration <= 0 {
				t.Errorf("decoded %+v", s)
			}
			if s.Backend.BcryptCost != 4 {
				t.Errorf("bcrypt_cost = %d, want 4 in a load scenario", s.Backend.BcryptCost)
			}
		})
	}
}

const validYAML = `name: t
variants: [jwt, session]
users: 10
mix: {me: 95, refresh: 4, login_logout: 1}
warmup: 1s
duration: 2s
rates: [100, 200]
backend:
  bcrypt_cost: 4
`

func TestDecodeScenario(t *testing.T) {
	tests := []struct {
		name  string
		yaml  string
		want  string // substring of the error; "" for none
		check func(t *testing.T, s *Scenario)
	}{
		{name: "valid with defaults", yaml: validYAML, check: func(t *testing.T, s *Scenario) {
			if s.Repetitions != 1 || s.Pin != "auto" || s.Backend.Alg != "HS256" || s.Timeout.D() != 10*time.Second {
				t.Errorf("defaults not applied: %+v", s)
			}
			if s.Duration.D() != 2*time.Second || len(s.Rates) != 2 || s.Mix.Me != 95 {
				t.Errorf("decoded %+v", s)
			}
		}},
		{name: "search instead of rates", yaml: strings.Replace(validYAML, "rates: [100, 200]", "search: {start: 100, bisect: 2, slo: {p99: 20ms, error_rate: 0.01}}", 1), check: func(t *testing.T, s *Scenario) {
			if s.Search == nil || s.Search.SLO.P99.D() != 20*time.Millisecond {
				t.Errorf("search %+v", s.Search)
			}
		}},
		{name: "unknown field", yaml: strings.Replace(validYAML, "rates:", "rte:", 1), want: `t.yaml:7: unknown field "rte"`},
		{name: "unknown nested field", yaml: strings.Replace(validYAML, "bcrypt_cost", "bcrypt", 1), want: `t.yaml:9: unknown field "bcrypt"`},
		{name: "bad duration", yaml: strings.Replace(validYAML, "duration: 2s", "duration: 2 seconds", 1), want: `t.yaml:6: bad duration "2 seconds"`},
		{name: "negative rate", yaml: strings.Replace(validYAML, "[100, 200]", "[100, -5]", 1), want: `t.yaml:7: rates: -5: a rate must be positive`},
		{name: "unknown variant", yaml: strings.Replace(validYAML, "[jwt, session]", "[jwt, sessions]", 1), want: `t.yaml:2: variants: unknown variant "sessions"`},
		{name: "mix not 100", yaml: strings.Replace(validYAML, "me: 95", "me: 90", 1), want: `t.yaml:4: mix: shares add up to 95`},
		{name: "no users", yaml: strings.Replace(validYAML, "users: 10", "users: 0", 1), want: `t.yaml:3: users: 0`},
		{name: "rates and search", yaml: validYAML + "search: {start: 1, slo: {p99: 1s}}\n", want: `t.yaml:10: search: give either rates or a search`},
		{name: "neither rates nor search", yaml: strings.Replace(validYAML, "rates: [100, 200]\n", "", 1), want: `t.yaml: rates: give a list`},
		{name: "bad pin", yaml: validYAML + "pin: always\n", want: `t.yaml:10: pin: "always"`},
		{name: "negative warmup", yaml: strings.Replace(validYAML, "warmup: 1s", "warmup: -1s", 1), want: `t.yaml:5: warmup: -1s must not be negative`},
		{name: "bcrypt cost too low", yaml: strings.Replace(validYAML, "bcrypt_cost: 4", "bcrypt_cost: 3", 1), want: `t.yaml:9: backend.bcrypt_cost: 3`},
		{name: "wrong type", yaml: strings.Replace(validYAML, "users: 10", "users: many", 1), want: `t.yaml:3:`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := DecodeScenario("t.yaml", []byte(tt.yaml))
			if (err != nil) != (tt.want != "") {
				t.Fatalf("err = %v, want error %q", err, tt.want)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("err = %q, want it to contain %q", err, tt.want)
				}
				if !errors.Is(err, ErrScenario) {
					t.Errorf("err %v is not ErrScenario", err)
				}
				return
			}
			if tt.check != nil {
				tt.check(t, s)
			}
		})
	}
}
