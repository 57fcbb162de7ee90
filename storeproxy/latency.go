package storeproxy

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Shopify/toxiproxy/v2/stream"
	"github.com/Shopify/toxiproxy/v2/toxics"
)

const (
	// latencyToxicType is the toxic type this package registers with
	// toxiproxy's registry.
	latencyToxicType = "storeproxy_latency"
	// giveUpWrite bounds how long an interrupted toxic tries to hand on
	// the chunk it holds; toxiproxy's own RemoveToxic uses the same bound
	// (and the same drop-on-timeout) when it drains a removed toxic.
	giveUpWrite = 5 * time.Second
)

func init() {
	toxics.Register(latencyToxicType, new(latencyToxic))
}

// latencyToxic is a custom toxiproxy toxic, registered with
// toxics.Register as "storeproxy_latency", that delays every chunk by a
// time.Duration. It exists because toxiproxy's built-in LatencyToxic
// (toxics/latency.go) takes whole milliseconds and the scenarios need
// 0.5 ms. Its Pipe is modelled on LatencyToxic's (hold each chunk until
// Delay after the moment it was read, so back-to-back chunks are not
// delayed one after another), without jitter, and with these changes:
//
//   - it waits with a sleeper (a timerfd on Linux), not time.After, for
//     sub-millisecond precision;
//   - Delay is read atomically for every chunk, so SetLatency changes it
//     in place without interrupting the links (toxiproxy's own update path
//     rewrites a toxic's fields while its Pipes read them, which the race
//     detector rightly flags); at 0 the chunk is forwarded at once;
//   - Pipe also ends, closing its output, when the proxy is cut or closed
//     (the control channel). toxiproxy's Stop closes the connections, and
//     a link's writer then exits on its first failed write; a stage still
//     holding a chunk for it blocks forever on the send. Being last in the
//     chain, with a buffered input, this toxic is the only stage that can
//     be in that position, and it gives up;
//   - if interrupted (toxiproxy does so to add, update or remove a toxic;
//     this package never does after Start) while handing on a chunk, it
//     gives up after giveUpWrite rather than block toxiproxy forever.
//
// Residual case: a connection whose client vanished by itself while two or
// more chunks were queued leaves this toxic's goroutine blocked until the
// next Cut or Close of the proxy.
type latencyToxic struct {
	Delay atomicDuration `json:"delay_ns"`
	// Control is the id of the proxy's control state (see control).
	Control uint64 `json:"control"`
}

// GetBufferSize makes the toxic's input buffered, as LatencyToxic's is, so
// that chunks wait here rather than stall the reader.
func (t *latencyToxic) GetBufferSize() int { return 1024 }

// Pipe delays each chunk from stub.Input by t.Delay, counted from when the
// chunk was read, and passes it to stub.Output.
//
// The wait itself cannot be interrupted (see sleeper); a Cut, Close or
// interrupt arriving meanwhile is seen as soon as it ends, at most Delay
// later.
func (t *latencyToxic) Pipe(stub *toxics.ToxicStub) {
	gone := controlChan(t.Control)
	var s sleeper
	defer s.close()
	for {
		select {
		case <-stub.Interrupt:
			return
		case <-gone:
			stub.Close()
			return
		case c := <-stub.Input:
			if c == nil {
				stub.Close()
				return
			}
			if wait := t.Delay.get() - time.Since(c.Timestamp); wait > 0 {
				s.sleep(wait)
			}
			if !t.send(stub, c, gone) {
				return
			}
		}
	}
}

// send hands c on; it reports false when the Pipe must end.
func (t *latencyToxic) send(stub *toxics.ToxicStub, c *stream.StreamChunk, gone <-chan struct{}) bool {
	select {
	case <-gone:
		stub.Close()
		return false
	default:
	}
	select {
	case stub.Output <- c:
		return true
	case <-gone:
		stub.Close()
		return false
	case <-stub.Interrupt:
		// As LatencyToxic: hand the chunk on and let the toxic go.
		_ = stub.WriteOutput(c, giveUpWrite)
		return false
	}
}

// atomicDuration is a time.Duration, in nanoseconds in JSON, that may be
// read and written concurrently.
type atomicDuration struct{ v atomic.Int64 }

func (a *atomicDuration) get() time.Duration  { return time.Duration(a.v.Load()) }
func (a *atomicDuration) set(d time.Duration) { a.v.Store(int64(d)) }

// UnmarshalJSON reads a whole number of nanoseconds.
func (a *atomicDuration) UnmarshalJSON(b []byte) error {
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("storeproxy: delay_ns %s is not a whole number of nanoseconds: %w", b, err)
	}
	if n < 0 {
		return fmt.Errorf("storeproxy: delay_ns %d is negative", n)
	}
	a.v.Store(n)
	return nil
}

// MarshalJSON writes the number of nanoseconds.
func (a *atomicDuration) MarshalJSON() ([]byte, error) {
	return json.Marshal(a.v.Load())
}

// control lets a proxy tell its latency toxics that the connections they
// serve are gone. A toxic instance is created by toxiproxy (by reflection,
// from the registered prototype) and configured only through JSON, so it
// finds its proxy's control by id in a package-level map.
type control struct {
	id uint64

	mu     sync.Mutex
	gen    chan struct{} // closed when the connections of this generation are gone
	closed bool
}

// controls maps control ids to *control for live proxies.
var controls sync.Map

// closedChan is what a toxic of an already closed proxy waits on.
var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func newControl(id uint64) *control {
	c := &control{id: id, gen: make(chan struct{})}
	controls.Store(id, c)
	return c
}

// controlChan returns the channel a toxic started now should watch: it is
// closed by the next Cut or by Close. A toxic started for a connection
// accepted just before a Cut but scheduled only after the Restore watches
// the new generation; its connection is closed all the same, and it ends
// normally unless it is in the residual case described on latencyToxic.
func controlChan(id uint64) <-chan struct{} {
	v, ok := controls.Load(id)
	if !ok {
		return closedChan
	}
	c := v.(*control)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// newGeneration releases the toxics of the connections Cut just closed.
func (c *control) newGeneration() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	close(c.gen)
	c.gen = make(chan struct{})
}

// close releases every toxic of the proxy for good.
func (c *control) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		close(c.gen)
	}
	controls.Delete(c.id)
}
