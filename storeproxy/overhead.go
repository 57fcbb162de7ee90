package storeproxy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/authbench/authbench/redisprov"
	"github.com/redis/go-redis/v9"
)

// overheadBatch is how many GETs MeasureOverhead issues on one path before
// switching to the other: small, so that drift in the machine's speed (CPU
// frequency, other load) lands on both paths alike.
const overheadBatch = 10

// overheadKey is the key MeasureOverhead reads. Nothing writes it, so
// every GET is a miss: about the smallest round trip Redis can make.
const overheadKey = "storeproxy:overhead-probe:absent"

// MeasureOverhead issues n sequential GETs over one go-redis connection
// directly to the proxy's upstream and n over one connection through p,
// interleaved in batches of 10 so that machine drift is shared, and
// returns the median round trip of each. Each connection is opened and
// used once before timing starts, so dialling is not counted.
//
// The proxied figure includes whatever latency p currently adds; with
// none set, proxied minus direct is what the proxy itself costs, which a
// report should state next to a "0 ms added" step.
func MeasureOverhead(ctx context.Context, p *Proxy, n int) (direct, proxied time.Duration, err error) {
	if p == nil {
		return 0, 0, errors.New("storeproxy: MeasureOverhead: proxy is nil")
	}
	if n < 1 {
		return 0, 0, fmt.Errorf("storeproxy: MeasureOverhead: n %d is not positive", n)
	}
	dc := redis.NewClient(overheadOptions(p.Upstream(), 0))
	defer dc.Close()
	pc := redis.NewClient(overheadOptions(p.Addr(), p.Latency()))
	defer pc.Close()

	for _, c := range []struct {
		name   string
		client *redis.Client
	}{{"directly to " + p.Upstream(), dc}, {"through the proxy at " + p.Addr(), pc}} {
		if err := get(ctx, c.client); err != nil {
			return 0, 0, fmt.Errorf("storeproxy: MeasureOverhead: GET %s: %w", c.name, err)
		}
	}

	dt := make([]time.Duration, 0, n)
	pt := make([]time.Duration, 0, n)
	for len(dt) < n || len(pt) < n {
		for i := 0; i < overheadBatch && len(dt) < n; i++ {
			d, err := timedGet(ctx, dc)
			if err != nil {
				return 0, 0, fmt.Errorf("storeproxy: MeasureOverhead: GET directly to %s: %w", p.Upstream(), err)
			}
			dt = append(dt, d)
		}
		for i := 0; i < overheadBatch && len(pt) < n; i++ {
			d, err := timedGet(ctx, pc)
			if err != nil {
				return 0, 0, fmt.Errorf("storeproxy: MeasureOverhead: GET through the proxy at %s: %w", p.Addr(), err)
			}
			pt = append(pt, d)
		}
	}
	return median(dt), median(pt), nil
}

// overheadOptions are redisprov's fail-fast options on one connection,
// with I/O timeouts stretched by the latency the path adds.
func overheadOptions(addr string, added time.Duration) *redis.Options {
	o := redisprov.ClientOptions(addr)
	o.PoolSize = 1
	o.MinIdleConns = 0
	o.ReadTimeout += 2 * added
	o.WriteTimeout += 2 * added
	return o
}

// get issues one GET of the probe key; a miss (the expected answer) and a
// hit are both a completed round trip.
func get(ctx context.Context, c *redis.Client) error {
	err := c.Get(ctx, overheadKey).Err()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	return err
}

func timedGet(ctx context.Context, c *redis.Client) (time.Duration, error) {
	start := time.Now()
	err := get(ctx, c)
	return time.Since(start), err
}

// median returns the middle value (the mean of the two middle values for
// an even count) of a non-empty sample; it sorts ds.
func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	m := len(ds) / 2
	if len(ds)%2 == 1 {
		return ds[m]
	}
	return (ds[m-1] + ds[m]) / 2
}
