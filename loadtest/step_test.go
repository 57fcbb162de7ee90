package loadtest

import (
	"math"
	"testing"
	"time"

	"github.com/authbench/authbench/results"
)

// TestStepOf: what an attack saw becomes per-request and per-second
// costs, without any verdict (generatorBound decides separately).
func TestStepOf(t *testing.T) {
	l := load{rate: 500, du: 2 * time.Second}
	tests := []struct {
		name                 string
		obs                  observation
		genCores             int
		wantServer           bool
		wantCPUPerReq, wantU float64
		wantGenU             float64
		wantRedis            bool
	}{
		{
			name: "server and generator measured, no Redis",
			obs: observation{
				m0: mark{cpu: 0, cpuOK: true}, m1: mark{cpu: time.Second, cpuOK: true},
				wall: 2 * time.Second, genCPU: 500 * time.Millisecond,
				all: results.Metrics{Requests: 1000}, rssReset: true, peakRSS: 42,
			},
			genCores: 1, wantServer: true, wantCPUPerReq: 0.001, wantU: 0.5, wantGenU: 0.25,
		},
		{
			name: "server CPU unreadable (not Linux, or an external target)",
			obs: observation{
				m0: mark{}, m1: mark{cpu: time.Second, cpuOK: true},
				wall: 2 * time.Second, genCPU: time.Second, all: results.Metrics{Requests: 1000},
			},
			genCores: 2, wantGenU: 0.25,
		},
		{
			name: "Redis counted at both ends",
			obs: observation{
				m0: mark{cpuOK: true, redisOK: true}, m1: mark{cpu: 10 * time.Millisecond, cpuOK: true, redisOK: true},
				wall: time.Second, all: results.Metrics{Requests: 10},
			},
			genCores: 1, wantServer: true, wantCPUPerReq: 0.001, wantU: 0.01, wantRedis: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := stepOf(l, tt.obs, tt.genCores)
			if st.Rate != l.rate || st.Duration != l.du || st.GeneratorBound {
				t.Errorf("step %+v: want rate and duration of the load and no verdict", st)
			}
			if (st.Server != nil) != tt.wantServer {
				t.Fatalf("Server = %+v, want measured %v", st.Server, tt.wantServer)
			}
			if st.Server != nil {
				if math.Abs(st.Server.CPUPerRequest-tt.wantCPUPerReq) > 1e-12 || math.Abs(st.Server.Utilisation-tt.wantU) > 1e-12 {
					t.Errorf("Server = %+v, want %g s/request at utilisation %g", st.Server, tt.wantCPUPerReq, tt.wantU)
				}
				if st.Server.PeakRSSBytes != tt.obs.peakRSS || st.Server.PeakRSSReset != tt.obs.rssReset {
					t.Errorf("peak RSS %d (reset %v), want %d (%v)", st.Server.PeakRSSBytes, st.Server.PeakRSSReset, tt.obs.peakRSS, tt.obs.rssReset)
				}
			}
			if math.Abs(st.Generator.Utilisation-tt.wantGenU) > 1e-12 || st.Generator.Cores != tt.genCores {
				t.Errorf("Generator = %+v, want utilisation %g of %d cores", st.Generator, tt.wantGenU, tt.genCores)
			}
			if (st.Redis != nil) != tt.wantRedis {
				t.Errorf("Redis = %+v, want measured %v", st.Redis, tt.wantRedis)
			}
		})
	}
}
