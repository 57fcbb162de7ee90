package redisprov

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	tcredis "github.com/testcontainers/testcontainers-go/modules/redis"
)

const (
	// containerImage is the image run when a Docker engine answers. Redis 7
	// is what the suite's figures were taken against.
	containerImage = "redis:7"
	// dockerCheckTimeout bounds the Docker health check: a machine without
	// an engine must fall through to the next provisioning quickly.
	dockerCheckTimeout = 1500 * time.Millisecond
	// containerReadyTimeout bounds the wait for PING once the container
	// reports ready (the mapped port can lag behind).
	containerReadyTimeout = 5 * time.Second
)

// dockerState caches the answer of DockerEngine: the engine does not come
// and go during a run, and testcontainers caches the Docker host it found
// (or the error) for the life of the process anyway.
var dockerState struct {
	sync.Mutex
	known bool
	err   error
}

// DockerEngine reports whether a Docker engine answers testcontainers'
// health check (the discovery testcontainers itself uses: DOCKER_HOST,
// ~/.testcontainers.properties, the default and rootless sockets) within
// 1.5 s. It returns nil when one does, otherwise an error saying why not.
// The answer is cached for the life of the process.
//
// Tests that need Docker use it to skip with the reason:
//
//	if err := redisprov.DockerEngine(ctx); err != nil {
//		t.Skipf("no Docker engine: %v", err)
//	}
func DockerEngine(ctx context.Context) error {
	dockerState.Lock()
	defer dockerState.Unlock()
	if dockerState.known {
		return dockerState.err
	}
	err := checkDocker(ctx)
	if ctx.Err() == nil { // a cancelled caller says nothing about Docker
		dockerState.known, dockerState.err = true, err
	}
	return err
}

// checkDocker runs testcontainers' provider health check in a goroutine,
// because testcontainers panics when it finds no Docker host at all and
// its host discovery does not honour a context: an engine that accepts
// the connection and never answers would otherwise hang the caller. On
// timeout the goroutine is abandoned; it ends when the engine answers or
// its connection fails.
func checkDocker(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, dockerCheckTimeout)
	defer cancel()
	res := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				res <- fmt.Errorf("testcontainers: %v", p)
			}
		}()
		p, err := testcontainers.NewDockerProvider(testcontainers.WithLogger(tclog.NewNoopLogger()))
		if err != nil {
			res <- fmt.Errorf("testcontainers: %w", err)
			return
		}
		res <- p.Health(ctx) // Health closes the provider
	}()
	var err error
	select {
	case err = <-res:
	case <-ctx.Done():
		err = fmt.Errorf("no answer within %v", dockerCheckTimeout)
	}
	if err != nil {
		// testcontainers names only the last place it looked; say where
		// the usual settings point, which is what a user would check.
		host := os.Getenv("DOCKER_HOST")
		if host == "" {
			host = "DOCKER_HOST unset"
			if _, serr := os.Stat("/var/run/docker.sock"); serr != nil {
				host += ", no /var/run/docker.sock"
			}
		} else {
			host = "DOCKER_HOST=" + host
		}
		return fmt.Errorf("%s: %w", host, err)
	}
	return nil
}

// startContainer runs a Redis container and returns it with its address.
// The container is also removed by testcontainers' reaper (Ryuk) when the
// process exits, so a killed CLI does not leave it running.
func startContainer(ctx context.Context) (*tcredis.RedisContainer, string, serverInfo, error) {
	c, err := tcredis.Run(ctx, containerImage, testcontainers.WithLogger(tclog.NewNoopLogger()))
	if err != nil {
		if c != nil {
			_ = testcontainers.TerminateContainer(c)
		}
		return nil, "", serverInfo{}, err
	}
	addr, err := c.PortEndpoint(ctx, "6379/tcp", "")
	if err != nil {
		_ = testcontainers.TerminateContainer(c)
		return nil, "", serverInfo{}, fmt.Errorf("mapped port: %w", err)
	}
	readyCtx, cancel := context.WithTimeout(ctx, containerReadyTimeout)
	defer cancel()
	info, err := waitReady(readyCtx, addr, nil)
	if err != nil {
		_ = testcontainers.TerminateContainer(c)
		return nil, "", serverInfo{}, fmt.Errorf("container on %s does not answer PING: %w", addr, err)
	}
	return c, addr, info, nil
}

// oneLine flattens a multi-line error (testcontainers joins the errors of
// every Docker host it tried) for the single log line Start prints.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
