package report

import (
	"slices"
	"strings"
	"testing"

	"github.com/authbench/authbench/results"
)

// TestSaturation: the curve fixture's closed-loop figures become a table
// (one row per variant, ≥ where a round was not saturated) and sentences
// that say how much of the open-loop marginal CPU is not the request
// itself, or that throttling cost more; a run without closed-loop probes
// gets no table and no Method sentence.
func TestSaturation(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*results.CostAnalysis)
		wantRows  int
		wantCells map[string]string // variant → text its row must contain
		want      []string          // substrings of some finding
		wantNot   []string          // substrings no finding may contain
	}{
		{
			name:      "the curve fixture",
			edit:      func(*results.CostAnalysis) {},
			wantRows:  4,
			wantCells: map[string]string{"none": "≥ ", "jwt": "1 (reference)"},
			want: []string{
				"session: server CPU per request at saturation 1.29× jwt",
				"jwt: 14.5 µs per request saturated against 24.1 µs marginal in the open loop: 40 % of the open-loop figure is the server going idle and waking up",
				"none: in 2 rounds the server used under 90 % of its quota",
				"jwt-blacklist: saturated throughput 0.97× jwt (95 % CI 0.92–1.01, includes 1): no difference measured",
			},
		},
		{
			name: "saturated above the open-loop marginal",
			edit: func(ca *results.CostAnalysis) {
				s := ca.Variants[1].Saturation.ServerCPU
				s.Estimate, s.Lo, s.Hi = 40e-6, 38e-6, 42e-6
			},
			wantRows: 4,
			want:     []string{"jwt: 40.0 µs per request saturated, above the open-loop marginal 24.1 µs"},
			wantNot:  []string{"jwt: 40.0 µs per request saturated against"},
		},
		{
			name: "no closed-loop probe",
			edit: func(ca *results.CostAnalysis) {
				for i := range ca.Variants {
					ca.Variants[i].Saturation = nil
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ca := fixture(t, "curve").Cost
			tt.edit(ca)
			tab := saturationTable(ca)
			if len(tab.Rows) != tt.wantRows {
				t.Fatalf("%d rows, want %d: %v", len(tab.Rows), tt.wantRows, tab.Rows)
			}
			for _, row := range tab.Rows {
				if w, ok := tt.wantCells[row[0]]; ok && !strings.Contains(strings.Join(row, " | "), w) {
					t.Errorf("row %v, want it to contain %q", row, w)
				}
			}
			findings := strings.Join(saturationFindings(ca), "\n")
			for _, w := range tt.want {
				if !strings.Contains(findings, w) {
					t.Errorf("findings lack %q:\n%s", w, findings)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(findings, w) {
					t.Errorf("findings contain %q:\n%s", w, findings)
				}
			}
			method := saturationMethod(ca)
			if (method != "") != (tt.wantRows > 0) {
				t.Errorf("method %q with %d rows", method, tt.wantRows)
			}
			if tt.wantRows == 0 && (findings != "" || len(saturationRoundTable(ca).Rows) != 0) {
				t.Errorf("findings %q and round rows without any closed-loop probe", findings)
			}
			if tt.wantRows > 0 && !slices.ContainsFunc(costMethod(ca), func(s string) bool { return strings.HasPrefix(s, "Saturation: ") }) {
				t.Errorf("Method %q lacks the saturation sentence", costMethod(ca))
			}
		})
	}
}
