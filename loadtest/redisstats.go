package loadtest

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/authbench/authbench/results"
)

// redisSnapshot is Redis's own account of its CPU and commands.
type redisSnapshot struct {
	cpu   float64           // used_cpu_user + used_cpu_sys, seconds
	calls map[string]uint64 // commandstats calls by command
}

// takeRedisSnapshot reads INFO cpu and INFO commandstats.
func takeRedisSnapshot(ctx context.Context, c *redis.Client) (redisSnapshot, error) {
	s := redisSnapshot{calls: map[string]uint64{}}
	cpu, err := c.Info(ctx, "cpu").Result()
	if err != nil {
		return s, fmt.Errorf("INFO cpu: %w", err)
	}
	var found int
	for _, line := range strings.Split(cpu, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || (k != "used_cpu_user" && k != "used_cpu_sys") {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return s, fmt.Errorf("INFO cpu: %s=%q", k, v)
		}
		s.cpu += f
		found++
	}
	if found != 2 {
		return s, fmt.Errorf("INFO cpu: no used_cpu_user/used_cpu_sys")
	}
	cs, err := c.Info(ctx, "commandstats").Result()
	if err != nil {
		return s, fmt.Errorf("INFO commandstats: %w", err)
	}
	for _, line := range strings.Split(cs, "\n") {
		// cmdstat_get:calls=12,usec=34,usec_per_call=2.83,...
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		for _, kv := range strings.Split(rest, ",") {
			if v, ok := strings.CutPrefix(kv, "calls="); ok {
				n, err := strconv.ParseUint(v, 10, 64)
				if err != nil {
					return s, fmt.Errorf("INFO commandstats: %s calls=%q", name, v)
				}
				s.calls[strings.TrimPrefix(name, "cmdstat_")] = n
			}
		}
	}
	return s, nil
}

// measurementCommands are what the measuring process itself sends; the
// server under test never does, so they are left out of the deltas.
var measurementCommands = map[string]bool{"info": true}

// redisCost is the cost between two snapshots, per request.
func redisCost(before, after redisSnapshot, requests uint64) *results.RedisCost {
	rc := &results.RedisCost{CPUSeconds: after.cpu - before.cpu, ByCommand: map[string]uint64{}}
	for cmd, n := range after.calls {
		if measurementCommands[cmd] || n <= before.calls[cmd] {
			continue
		}
		d := n - before.calls[cmd]
		rc.ByCommand[cmd] = d
		rc.Commands += d
	}
	if requests > 0 {
		rc.CPUPerRequest = rc.CPUSeconds / float64(requests)
		rc.CommandsPerRequest = float64(rc.Commands) / float64(requests)
	}
	return rc
}

// redisMemory sums MEMORY USAGE over the keys under prefix.
func redisMemory(ctx context.Context, c *redis.Client, prefix string, users int) (*results.RedisMemory, error) {
	m := &results.RedisMemory{}
	iter := c.Scan(ctx, 0, escapeGlob(prefix)+"*", 1000).Iterator()
	for iter.Next(ctx) {
		n, err := c.MemoryUsage(ctx, iter.Val()).Result()
		if err == redis.Nil {
			continue // expired between SCAN and MEMORY USAGE
		}
		if err != nil {
			return nil, fmt.Errorf("MEMORY USAGE %s: %w", iter.Val(), err)
		}
		m.Keys++
		m.Bytes += n
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("SCAN %s*: %w", prefix, err)
	}
	if users > 0 {
		m.BytesPerUser = float64(m.Bytes) / float64(users)
	}
	return m, nil
}

// escapeGlob escapes the glob characters of a SCAN MATCH pattern.
func escapeGlob(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`)
	return r.Replace(s)
}
