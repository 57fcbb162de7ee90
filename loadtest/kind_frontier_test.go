package loadtest

import (
	"math"
	"testing"
	"time"
)

// TestFrontierMix: a JWT client refreshes every half access TTL, and
// those refreshes move out of the GET /api/me share of that variant's
// mix; a session variant keeps the scenario's mix.
func TestFrontierMix(t *testing.T) {
	tests := []struct {
		name        string
		variant     string
		shortTTL    time.Duration
		wantPerHour float64
	}{
		{name: "jwt, 15 min TTL", variant: "jwt", wantPerHour: 8},
		{name: "jwt-short, default 1 min", variant: "jwt-short", wantPerHour: 120},
		{name: "jwt-short, 30 s", variant: "jwt-short", shortTTL: 30 * time.Second, wantPerHour: 240},
		{name: "jwt-epoch has the access TTL", variant: "jwt-epoch", wantPerHour: 8},
		{name: "session refreshes nothing", variant: "session", wantPerHour: 0},
		{name: "none refreshes nothing", variant: "none", wantPerHour: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := &Scenario{Mix: Mix{Me: 100}, Frontier: &Frontier{ClientRate: 1},
				Backend: BackendOptions{AccessTTL: Duration(15 * time.Minute), ShortTTL: Duration(tt.shortTTL)}}
			if got := refreshesPerHour(tt.variant, sc.Backend); got != tt.wantPerHour {
				t.Errorf("refreshesPerHour = %v, want %v", got, tt.wantPerHour)
			}
			m := (&runner{sc: sc}).frontierMix(tt.variant)
			want := 100 * tt.wantPerHour / (tt.wantPerHour + 3600)
			if math.Abs(m.Refresh-want) > 1e-9 || math.Abs(m.Me+m.Refresh-100) > 1e-9 {
				t.Errorf("mix %+v, want refresh %.3f %% and the rest GET /api/me", m, want)
			}
		})
	}
}
