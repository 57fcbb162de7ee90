// Package storeproxy puts a fault-injecting TCP proxy between the servers
// under load and their Redis.
//
// Why: the article's point about server-side sessions is that every server
// must reach the shared store on every request. On one machine with Redis
// on loopback that store is nearly free, which flatters the session
// variants. The proxy puts a network back between server and Redis: it
// adds a chosen round-trip latency (SetLatency) and can make the store
// unreachable and bring it back (Cut, Restore), so scenarios can measure
// what the store's distance and outages cost each variant.
//
// The proxy is Shopify's toxiproxy (v2.5.0) run in-process, not a
// home-made one, so its forwarding and connection handling are a known,
// widely used implementation. One toxic type is added on top, and every
// proxy has one instance in each direction from Start to Close:
//
//   - it delays chunks with microsecond resolution (toxiproxy's own
//     "latency" toxic takes whole milliseconds, and the scenarios ask for
//     0.5 ms); see SetLatency. Only the downstream one (replies) is ever
//     given a delay;
//   - it lets go of connections that Cut or Close broke. toxiproxy's own
//     pipeline stages block forever on a reply or request chunk whose
//     connection Stop closed, one leaked goroutine per busy connection per
//     outage (seen in this package's tests); this toxic, buffered behind
//     them, keeps them from blocking and itself ends when told (see
//     latencyToxic).
//
// Even with nothing added the proxy costs something (a user-space hop and
// a few goroutine hand-offs per chunk); MeasureOverhead measures it so a
// report can say what "0 ms added" really means. Scenarios should route a
// "0 ms" step through the proxy as well: since the toxics stay in place at
// 0, the steps then differ only by the delay.
//
// Toxiproxy logs nothing: it is given a disabled logger, and its
// Prometheus metrics are off.
package storeproxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/rs/zerolog"
)

// Version says what the proxy is, for results.
const Version = "toxiproxy v2.5.0 (in-process)"

// ErrClosed is returned by the methods of a Proxy after Close.
var ErrClosed = errors.New("storeproxy: proxy is closed")

// restoreRetry bounds how long Restore keeps trying to listen again on the
// proxy's address when the port is briefly taken (see Restore).
const restoreRetry = 2 * time.Second

// ids numbers proxies so their toxiproxy names, and the control state their
// latency toxic looks up, are unique within the process.
var ids atomic.Uint64

// Proxy is a running fault-injecting proxy in front of one Redis. Its
// methods are safe for concurrent use.
type Proxy struct {
	// addr and upstream never change after Start.
	addr     string
	upstream string

	ctl *control
	tp  *toxiproxy.Proxy

	// down delays replies; its Delay is the latency. (The upstream toxic
	// only ever passes chunks through; nothing needs to reach it.)
	down *latencyToxic

	mu      sync.Mutex // serialises the state changes below
	latency time.Duration
	cut     bool
	closed  bool
}

// Start listens on 127.0.0.1:0 and forwards to upstream (host:port).
//
// upstream is only checked for form, not dialled: each client connection
// dials it when it arrives (that is toxiproxy's model), so a Redis that is
// down at Start is an outage the scenario sees, not a setup error.
func Start(upstream string) (*Proxy, error) {
	if err := checkHostPort(upstream); err != nil {
		return nil, err
	}
	id := ids.Add(1)
	// A nil registry makes toxiproxy create a private one; with
	// ProxyMetrics left nil it never counts bytes (link.go checks for nil),
	// so nothing is registered globally and no per-connection metric
	// work is done.
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(nil), zerolog.Nop())
	tp := toxiproxy.NewProxy(srv, "storeproxy-"+strconv.FormatUint(id, 10), "127.0.0.1:0", upstream)
	if err := tp.Start(); err != nil {
		return nil, fmt.Errorf("storeproxy: listen on 127.0.0.1:0 for upstream %s: %w", upstream, err)
	}
	// toxiproxy replaces Listen with the address it actually bound, and
	// Start after Stop listens on Listen again; so a restored proxy comes
	// back on the same port, which servers keep dialling.
	p := &Proxy{
		addr:     tp.Listen,
		upstream: upstream,
		ctl:      newControl(id),
		tp:       tp,
	}
	// The toxics go in before anyone knows the address, so every
	// connection has them from its first byte.
	var err error
	for _, dir := range []string{"upstream", "downstream"} {
		var t *latencyToxic
		if t, err = p.addToxic(dir); err != nil {
			break
		}
		if dir == "downstream" {
			p.down = t
		}
	}
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// addToxic adds this package's toxic, with no delay, to one direction.
func (p *Proxy) addToxic(direction string) (*latencyToxic, error) {
	body := fmt.Sprintf(`{"name":"storeproxy_%s","type":%q,"stream":%q,"toxicity":1,"attributes":{"delay_ns":0,"control":%d}}`,
		direction, latencyToxicType, direction, p.ctl.id)
	w, err := p.tp.Toxics.AddToxicJson(strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("storeproxy: add the %s toxic to the proxy at %s: %w", direction, p.addr, err)
	}
	t, ok := w.Toxic.(*latencyToxic)
	if !ok {
		return nil, fmt.Errorf("storeproxy: toxic type %q is registered as %T, not storeproxy's", latencyToxicType, w.Toxic)
	}
	return t, nil
}

// checkHostPort says whether s looks like host:port with a usable port.
func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("storeproxy: upstream %q is not host:port: %w", s, err)
	}
	if strings.TrimSpace(host) == "" {
		return fmt.Errorf("storeproxy: upstream %q has no host", s)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("storeproxy: upstream %q: port %q is not a number from 1 to 65535", s, port)
	}
	return nil
}

// Addr returns the host:port servers should dial instead of Redis. It stays
// the same across Cut and Restore.
func (p *Proxy) Addr() string { return p.addr }

// Upstream returns the Redis address the proxy forwards to.
func (p *Proxy) Upstream() string { return p.upstream }

// SetLatency adds d to every round trip through the proxy, replacing any
// previous latency; 0 removes it. The delay is applied to the downstream
// direction (Redis to server), that is to replies: each chunk of a reply
// is held until d after it arrived from Redis, so a request/reply round
// trip takes at least d longer, and pipelined replies are not delayed
// one after another.
//
// toxiproxy's built-in "latency" toxic takes whole milliseconds, too coarse
// for the 0.5 ms step the scenarios use, so this package registers its own
// toxic type with toxiproxy's registry (toxics.Register), modelled on
// toxiproxy's LatencyToxic but holding a time.Duration (see latencyToxic).
// It waits on a timerfd rather than a Go timer, because the runtime rounds
// idle timer waits under 1 ms up to 1 ms (see sleeper).
//
// The round trip grows by at least d, never less, plus wake-up slack: on
// the 2-core test machine a GET took about 0.07 ms through the proxy with
// nothing added, 0.75-0.85 ms with 0.5 ms, 1.25 ms with 1 ms and 5.5 ms
// with 5 ms. Results should therefore quote measured round trips
// (MeasureOverhead at each step) next to the nominal d.
//
// The toxic stays in place at 0 (it then forwards without waiting), so
// every step goes through the same stages, and a change takes effect from
// the next chunk on open connections too, without interrupting them. A
// latency set while the proxy is cut applies once it is restored.
func (p *Proxy) SetLatency(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("storeproxy: latency %v is negative", d)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	p.down.Delay.set(d)
	p.latency = d
	return nil
}

// Latency returns the latency SetLatency last set (0 for none).
func (p *Proxy) Latency() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.latency
}

// Cut makes the store unreachable: the proxy stops listening, so new
// connections are refused, and every open connection is closed at both
// ends, so a command on a pooled connection fails. This is toxiproxy's
// Proxy.Stop, which (v2.5.0, proxy.go stop) closes the listener, waits for
// the accept loop to end and then closes every client and upstream
// connection it tracks. Cutting a cut proxy does nothing.
func (p *Proxy) Cut() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if p.cut {
		return nil
	}
	p.tp.Stop()
	// Release toxics still holding chunks for the connections just
	// closed, which no one will read any more.
	p.ctl.newGeneration()
	p.cut = true
	return nil
}

// Restore undoes Cut: the proxy listens on the same address again and
// forwards new connections, with the latency set before or during the cut.
// Restoring a proxy that is not cut does nothing.
//
// The port was free while the proxy was cut, so another socket may have
// taken it in the meantime (an outgoing connection's local port, say);
// Restore retries for up to 2 s before giving up with an error naming the
// address.
func (p *Proxy) Restore() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if !p.cut {
		return nil
	}
	deadline := time.Now().Add(restoreRetry)
	for {
		err := p.tp.Start()
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			return fmt.Errorf("storeproxy: listen again on %s: %w", p.addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if p.tp.Listen != p.addr {
		// Cannot happen with toxiproxy v2.5.0 (Start listens on Listen,
		// which holds the concrete address), but servers would silently
		// dial a dead port if it did.
		got := p.tp.Listen
		p.tp.Stop()
		return fmt.Errorf("storeproxy: restored proxy listens on %s, not on %s", got, p.addr)
	}
	p.cut = false
	return nil
}

// Close stops the proxy for good: it stops listening, closes every open
// connection and releases chunks held by its toxics. The connections'
// goroutines end on their own a moment later (at most the latency, for
// a toxic in the middle of a wait). Closing twice is safe.
func (p *Proxy) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	p.tp.Stop() // does nothing when cut
	p.ctl.close()
	return nil
}

// healTimeout bounds Heal's PING, on top of the latency set.
const healTimeout = time.Second

// Heal checks that the proxy still forwards: it sends a Redis PING through
// it on a new connection. If that fails while the proxy is not cut, it
// restarts the proxy on the same address (as Cut then Restore) and reports
// true.
//
// Why: toxiproxy's accept loop (v2.5.0, proxy.go server) returns for good
// on any Accept error, for instance EMFILE when an overloaded step leaves
// the process out of file descriptors, and nothing tells its owner. The
// proxy then keeps its listener open, so new connections are taken by the
// kernel and never served: every later step would measure a dead store.
// A runner calls Heal between steps, not during them.
func (p *Proxy) Heal() (bool, error) {
	p.mu.Lock()
	closed, cut := p.closed, p.cut
	p.mu.Unlock()
	if closed {
		return false, ErrClosed
	}
	if cut || ping(p.addr, healTimeout+p.Latency()) == nil {
		return false, nil
	}
	// Not the proxy's fault when Redis itself does not answer.
	if err := ping(p.upstream, healTimeout); err != nil {
		return false, fmt.Errorf("storeproxy: Redis at %s does not answer: %w", p.upstream, err)
	}
	if err := p.Cut(); err != nil {
		return false, err
	}
	if err := p.Restore(); err != nil {
		return true, err
	}
	return true, ping(p.addr, healTimeout+p.Latency())
}

// ping sends one Redis PING to addr on a new connection and waits for
// +PONG.
func ping(addr string, timeout time.Duration) error {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 7)
	n, err := io.ReadFull(c, buf)
	if err != nil {
		return err
	}
	if string(buf[:n]) != "+PONG\r\n" {
		return fmt.Errorf("storeproxy: PING through %s answered %q", addr, buf[:n])
	}
	return nil
}
