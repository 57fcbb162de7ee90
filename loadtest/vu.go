package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/authbench/authbench/results"
)

// vu is one virtual user: the cookies it holds, as a browser would.
type vu struct {
	cookies  map[string]*http.Cookie // by name
	loggedIn bool                    // holds live credentials (or logged in to "none")
	// busy is set while a cookie-changing request (login, refresh,
	// logout) is in flight: the user sends nothing else until it lands,
	// so it never has two refreshes in flight (in jwt-blacklist reusing a
	// rotated refresh token revokes the whole family).
	busy bool
}

// pool holds the virtual users and builds each request for vegeta.
type pool struct {
	// bases are the server instances' base URLs, no trailing slash. User
	// i logs in on bases[i%n]; afterwards routing picks per request.
	bases    []string
	routing  results.Routing // RoutingRoundRobin or RoutingSticky
	password string
	mix      Mix
	// storm, when set, adds a refresh of every user during a window.
	storm *storm

	mu   sync.Mutex
	vus  []vu
	next int
	rng  *rand.Rand
	// waits counts targets that found every user busy and had to wait.
	waits uint64
	// credBytes and credReqs count the Cookie header bytes sent with
	// GET /api/me since resetCredential: the credential's cost on the
	// wire for each authenticated request, as measured, not assumed.
	credBytes, credReqs uint64
}

// resetCredential starts a new count of credential bytes (one per step).
func (p *pool) resetCredential() {
	p.mu.Lock()
	p.credBytes, p.credReqs = 0, 0
	p.mu.Unlock()
}

// credentialPerRequest is the mean Cookie header size of GET /api/me
// requests since resetCredential ("Cookie: " and CRLF excluded).
func (p *pool) credentialPerRequest() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.credReqs == 0 {
		return 0
	}
	return float64(p.credBytes) / float64(p.credReqs)
}

func newPool(bases []string, routing results.Routing, users int, password string, mix Mix, seed uint64) *pool {
	bs := make([]string, len(bases))
	for i, b := range bases {
		bs[i] = strings.TrimRight(b, "/")
	}
	if routing == "" {
		routing = results.RoutingRoundRobin
	}
	p := &pool{
		bases:    bs,
		routing:  routing,
		password: password,
		mix:      mix,
		vus:      make([]vu, users),
		rng:      rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
	}
	for i := range p.vus {
		p.vus[i].cookies = map[string]*http.Cookie{}
	}
	return p
}

// loginBody is the JSON body of user i's login.
func (p *pool) loginBody(i int) []byte {
	b, _ := json.Marshal(map[string]string{"username": userName(i), "password": p.password})
	return b
}

// userName matches server.Name without importing the server.
func userName(i int) string { return "user-" + strconv.Itoa(i) }

// loginAll logs every user in over client with at most conc logins in
// flight, before any load: the store then holds one credential per user.
func (p *pool) loginAll(ctx context.Context, client *http.Client, conc int) results.LoginPhase {
	start := time.Now()
	var (
		mu       sync.Mutex
		failures int
		first    string
	)
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i := range p.vus {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			err := p.loginOne(ctx, client, i)
			if err != nil {
				mu.Lock()
				failures++
				if first == "" {
					first = err.Error()
				}
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	return results.LoginPhase{Users: len(p.vus), Failures: failures, Duration: time.Since(start), FirstError: first}
}

func (p *pool) loginOne(ctx context.Context, client *http.Client, i int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.bases[i%len(p.bases)]+"/auth/login", strings.NewReader(string(p.loginBody(i))))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("login %s: %w", userName(i), err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("login %s: %s", userName(i), resp.Status)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.vus[i].setCookies(resp.Cookies())
	p.vus[i].loggedIn = true
	return nil
}

// setCookies applies Set-Cookie headers as a browser would: a cookie with
// Max-Age < 0 or an empty value is deleted.
func (v *vu) setCookies(cs []*http.Cookie) {
	for _, c := range cs {
		if c.MaxAge < 0 || c.Value == "" || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) {
			delete(v.cookies, c.Name)
			continue
		}
		v.cookies[c.Name] = c
	}
}

// cookieHeader is the Cookie header for path: only cookies whose Path
// matches it (RFC 6265 §5.1.4), so /api/me does not carry the refresh
// cookie (Path=/auth).
func (v *vu) cookieHeader(path string) string {
	var b strings.Builder
	for _, c := range v.cookies {
		if !pathMatch(c.Path, path) {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(c.Name + "=" + c.Value)
	}
	return b.String()
}

func pathMatch(cookiePath, path string) bool {
	if cookiePath == "" || cookiePath == "/" {
		return true
	}
	if !strings.HasPrefix(path, cookiePath) {
		return false
	}
	return len(path) == len(cookiePath) || strings.HasSuffix(cookiePath, "/") || path[len(cookiePath)] == '/'
}

// targeter returns the vegeta.Targeter of the pool: users in turn,
// skipping busy ones, each sending what the mix draws (a user logged out
// sends its login). When every user is busy it waits for one, until done
// closes.
func (p *pool) targeter(done <-chan struct{}) vegeta.Targeter {
	return func(t *vegeta.Target) error {
		p.mu.Lock()
		i, waited, stormed := -1, false, false
		if p.storm != nil {
			// The storm picks its own users, so each of its hits is a
			// refresh whatever user the turn below would reach.
			if i = p.storm.next(p.vus); i >= 0 {
				stormed = true
			}
		}
		for i < 0 {
			for range len(p.vus) {
				j := p.next
				p.next = (p.next + 1) % len(p.vus)
				if !p.vus[j].busy {
					i = j
					break
				}
			}
			if i >= 0 {
				break
			}
			p.mu.Unlock()
			if !waited {
				waited = true
			}
			select {
			case <-done:
				return vegeta.ErrNoTargets
			case <-time.After(100 * time.Microsecond):
			}
			p.mu.Lock()
		}
		if waited {
			p.waits++
		}
		v := &p.vus[i]
		q := "?vu=" + strconv.Itoa(i)
		base := p.pick(i)
		t.Header = http.Header{}
		switch {
		case stormed:
			v.busy = true
			t.Method, t.URL = http.MethodPost, base+"/auth/refresh"+q+"&storm=1"
			if c := v.cookieHeader("/auth/refresh"); c != "" {
				t.Header.Set("Cookie", c)
			}
		case !v.loggedIn:
			v.busy = true
			t.Method, t.URL, t.Body = http.MethodPost, base+"/auth/login"+q, p.loginBody(i)
			t.Header.Set("Content-Type", "application/json")
		default:
			x := p.rng.Float64() * 100
			switch {
			case x < p.mix.Me:
				t.Method, t.URL = http.MethodGet, base+"/api/me"+q
				c := v.cookieHeader("/api/me")
				if c != "" {
					t.Header.Set("Cookie", c)
				}
				p.credBytes += uint64(len(c))
				p.credReqs++
			case x < p.mix.Me+p.mix.Refresh:
				v.busy = true
				t.Method, t.URL = http.MethodPost, base+"/auth/refresh"+q
				if c := v.cookieHeader("/auth/refresh"); c != "" {
					t.Header.Set("Cookie", c)
				}
			default:
				v.busy = true
				t.Method, t.URL = http.MethodPost, base+"/auth/logout"+q
				if c := v.cookieHeader("/auth/logout"); c != "" {
					t.Header.Set("Cookie", c)
				}
			}
		}
		p.mu.Unlock()
		return nil
	}
}

// pick returns the instance user i's next request goes to. Called with
// p.mu held.
func (p *pool) pick(i int) string {
	n := len(p.bases)
	if n == 1 {
		return p.bases[0]
	}
	if p.routing == results.RoutingSticky {
		return p.bases[i%n]
	}
	// Round-robin as one user sees it: behind a balancer that rotates
	// over many interleaved clients, which instance a user's next request
	// reaches is unrelated to where its last one went, so it is drawn
	// here. Rotating a counter instead would line up with the targeter,
	// which visits the users in a fixed order: each user would meet the
	// same instance every time (or never the same twice), a stickiness
	// (or an anti-stickiness) no real balancer has.
	return p.bases[p.rng.IntN(n)]
}

// observe updates user vu's state from the response to one of its
// requests: new cookies, logged out, no longer busy.
func (p *pool) observe(route string, i int, r *vegeta.Result) {
	if i < 0 || i >= len(p.vus) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	v := &p.vus[i]
	if r.Headers != nil {
		v.setCookies((&http.Response{Header: r.Headers}).Cookies())
	}
	switch route {
	case results.RouteLogin:
		v.busy = false
		v.loggedIn = r.Code == http.StatusOK
	case results.RouteRefresh:
		v.busy = false
		if r.Code == http.StatusUnauthorized {
			v.loggedIn = false // as the article's front end: a failed refresh logs out
		}
	case results.RouteLogout:
		v.busy = false
		v.loggedIn = false
		clear(v.cookies)
	case results.RouteMe:
		if r.Code == http.StatusUnauthorized {
			v.loggedIn = false
		}
	}
}
