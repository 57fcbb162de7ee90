package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/authbench/authbench/results"
	"github.com/authbench/authbench/variants"
)

// Revocation measures how long a revoked credential keeps working: log
// in on one instance, revoke (logout, or revoke-user through the admin
// route), then replay the old cookies against every instance until each
// refuses them. No load runs meanwhile.
type Revocation struct {
	// Instances is the number of server processes per variant, sharing
	// Redis and keys. Default 2.
	Instances int `yaml:"instances" json:"instances"`
	// Actions are logout and/or revoke-user. Default both.
	Actions []string `yaml:"actions" json:"actions"`
	// Trials repeats each (variant, action). Default 3.
	Trials int `yaml:"trials" json:"trials"`
	// MeasureAccessTTL is the access-token lifetime the servers issue
	// during this scenario, short so that stateless jwt's window (its
	// whole remaining lifetime) can be measured; the report states the
	// window for backend.access_ttl too. Default 3s.
	MeasureAccessTTL Duration `yaml:"measure_access_ttl" json:"measure_access_ttl"`
	// Poll is the interval between replays. Default 50ms.
	Poll Duration `yaml:"poll" json:"poll"`
	// Timeout bounds the wait for a refusal. Default 3 × measure_access_ttl + 10s.
	Timeout Duration `yaml:"timeout" json:"timeout"`
}

// revocationKind revokes credentials and replays them until refused; no
// load runs.
type revocationKind struct{}

func (revocationKind) present(s *Scenario) bool { return s.Revocation != nil }
func (revocationKind) summary() terminalSummary { return terminalSummary{noSteps: true} }

func (revocationKind) defaults(s *Scenario) {
	q := s.Revocation
	if q.Instances == 0 {
		q.Instances = 2
	}
	if len(q.Actions) == 0 {
		q.Actions = []string{results.ActionLogout, results.ActionRevokeUser}
	}
	if q.Trials == 0 {
		q.Trials = 3
	}
	defaultDur(&q.MeasureAccessTTL, 3*time.Second)
	defaultDur(&q.Poll, 50*time.Millisecond)
	defaultDur(&q.Timeout, 3*q.MeasureAccessTTL.D()+10*time.Second)
}

func (revocationKind) validate(s *Scenario, bad reporter) {
	q := s.Revocation
	if q.Instances < 1 || q.Instances > 16 {
		bad("$.revocation.instances", "revocation.instances: %d: want 1..16", q.Instances)
	}
	for i, a := range q.Actions {
		if a != results.ActionLogout && a != results.ActionRevokeUser {
			bad(fmt.Sprintf("$.revocation.actions[%d]", i), "revocation.actions: %q: want logout or revoke-user", a)
		}
	}
	if q.Trials < 1 {
		bad("$.revocation.trials", "revocation.trials: %d: need at least 1", q.Trials)
	}
	if q.MeasureAccessTTL < Duration(time.Second) {
		bad("$.revocation.measure_access_ttl", "revocation.measure_access_ttl: %s: want at least 1s (JWT times have one-second resolution)", q.MeasureAccessTTL.D())
	}
	if q.Poll <= 0 {
		bad("$.revocation.poll", "revocation.poll: %s: must be positive", q.Poll.D())
	}
	if q.Timeout <= q.MeasureAccessTTL {
		bad("$.revocation.timeout", "revocation.timeout: %s: must exceed measure_access_ttl %s", q.Timeout.D(), q.MeasureAccessTTL.D())
	}
	for i, name := range s.Variants {
		// Neither a token nor a store: the baseline authenticates nobody.
		if v, err := variants.Lookup(name); err == nil && !v.JWT && v.Store == variants.NoStore {
			bad(fmt.Sprintf("$.variants[%d]", i), "variants: %s authenticates nobody, so it has nothing to revoke", name)
		}
	}
}

func (revocationKind) run(ctx context.Context, r *runner, variants []string) error {
	return r.runRevocation(ctx, variants)
}

// runRevocation measures, for every variant and action, how long a
// revoked credential keeps working on every instance.
func (r *runner) runRevocation(ctx context.Context, variants []string) error {
	q := r.sc.Revocation
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	admin := hex.EncodeToString(b)
	backend := r.sc.Backend
	backend.AccessTTL = q.MeasureAccessTTL
	r.note(fmt.Sprintf("revocation: servers issue %v access tokens so that stateless jwt's window can be measured; the report states it for the configured %v", q.MeasureAccessTTL.D(), r.sc.Backend.AccessTTL.D()))
	user := 0
	for _, v := range variants {
		if ctx.Err() != nil {
			break
		}
		lv := r.prepareVariant(ctx, passSpec{variant: v, instances: q.Instances, backend: backend, admin: admin})
		vr := &r.res.Variants[lv.vr]
		if lv.pool == nil {
			_ = lv.stop()
			continue
		}
		for _, action := range q.Actions {
			for trial := 1; trial <= q.Trials && ctx.Err() == nil; trial++ {
				t := r.revocationTrial(ctx, lv, action, trial, user%r.sc.Users, admin, backend.AccessTTL.D(), q.Poll.D(), q.Timeout.D())
				user++
				vr = &r.res.Variants[lv.vr]
				vr.Revocations = append(vr.Revocations, t)
				fmt.Fprintf(r.log, "loadtest: %s %s trial %d: status %d %s, window %v, refresh replay %d%s\n",
					v, action, trial, t.Status, t.Revocation, t.Window, t.RefreshStatus, errSuffix(t.Error))
			}
		}
		if err := lv.stop(); err != nil {
			vr.Error = "stop server: " + err.Error()
		}
		if err := r.writeResults(); err != nil {
			return err
		}
	}
	return nil
}

// revocationTrial logs user in on the first instance, revokes with
// action, replays the old refresh cookie once and the old access cookie
// against every instance every poll until each refuses it or timeout
// passes.
func (r *runner) revocationTrial(ctx context.Context, lv *liveVariant, action string, trial, userIndex int, admin string, ttl, poll, timeout time.Duration) results.RevocationTrial {
	user := userName(userIndex)
	t := results.RevocationTrial{Action: action, Trial: trial, Instances: len(lv.urls), Window: -1}
	if v, _ := variants.Lookup(r.res.Variants[lv.vr].Variant); v.JWT {
		t.AccessTTL = ttl
	}
	c := trialClient()
	defer c.CloseIdleConnections()
	do := func(method, url string, hdr http.Header, body string) (*http.Response, error) {
		return sendOnce(ctx, c, method, url, hdr, body)
	}
	issuer := lv.urls[0]
	resp, err := do(http.MethodPost, issuer+"/auth/login", http.Header{"Content-Type": {"application/json"}}, string(lv.pool.loginBody(userIndex)))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Error = fmt.Sprintf("login %s: %v", user, statusOrErr(resp, err))
		return t
	}
	loginAt := time.Now()
	v := vu{cookies: map[string]*http.Cookie{}}
	v.setCookies(resp.Cookies())
	cookie := func(path string) http.Header { return http.Header{"Cookie": {v.cookieHeader(path)}} }
	for _, u := range lv.urls {
		resp, err := do(http.MethodGet, u+"/api/me", cookie("/api/me"), "")
		t.AcceptedBefore = append(t.AcceptedBefore, err == nil && resp.StatusCode == http.StatusOK)
	}
	switch action {
	case results.ActionLogout:
		resp, err = do(http.MethodPost, issuer+"/auth/logout", cookie("/auth/logout"), "")
	case results.ActionRevokeUser:
		body, _ := json.Marshal(map[string]string{"user": user})
		resp, err = do(http.MethodPost, issuer+"/admin/revoke-user", http.Header{"Authorization": {"Bearer " + admin}, "Content-Type": {"application/json"}}, string(body))
	}
	revokedAt := time.Now()
	t.CredentialAge = revokedAt.Sub(loginAt)
	if err != nil {
		t.Error = fmt.Sprintf("%s: %v", action, err)
		return t
	}
	t.Status, t.Revocation = resp.StatusCode, resp.Header.Get("Authbench-Revocation")
	if ok := t.Status == http.StatusNoContent || (action == results.ActionRevokeUser && t.Status == http.StatusNotImplemented); !ok {
		t.Error = fmt.Sprintf("%s answered %s, want 204%s", action, resp.Status, map[bool]string{true: " or 501", false: ""}[action == results.ActionRevokeUser])
		return t
	}
	// On the issuing instance: the only one a session-memory cookie was
	// ever good on, and as good as any other for the shared variants.
	if resp, err := do(http.MethodPost, issuer+"/auth/refresh", cookie("/auth/refresh"), ""); err == nil {
		t.RefreshStatus = resp.StatusCode
	}
	t.Windows = make([]time.Duration, len(lv.urls))
	var wg sync.WaitGroup
	for i, u := range lv.urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Windows[i] = -1
			deadline := revokedAt.Add(timeout)
			for first := true; time.Now().Before(deadline) && ctx.Err() == nil; first = false {
				sent := time.Now()
				resp, err := do(http.MethodGet, u+"/api/me", cookie("/api/me"), "")
				// Only a 401 is a refusal of the credential; a 5xx says
				// nothing about it, so the replay goes on.
				if err == nil && resp.StatusCode == http.StatusUnauthorized {
					if first {
						t.Windows[i] = 0
					} else {
						t.Windows[i] = sent.Sub(revokedAt)
					}
					return
				}
				select {
				case <-ctx.Done():
				case <-time.After(poll):
				}
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Error = "interrupted"
		return t
	}
	if !slices.Contains(t.AcceptedBefore, true) {
		t.Window = -1
		t.Error = "no instance accepted the fresh cookie before revoking: nothing to measure"
		return t
	}
	t.Window = 0
	for i, w := range t.Windows {
		if !t.AcceptedBefore[i] {
			continue
		}
		if w < 0 {
			t.Window = -1
			break
		}
		t.Window = max(t.Window, w)
	}
	return t
}

// trialClient is the client of a trial's requests: its own connections,
// never a proxy, redirects returned rather than followed.
func trialClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// sendOnce sends one request and reads its body away; the response is
// for its status and headers only.
func sendOnce(ctx context.Context, c *http.Client, method, url string, hdr http.Header, body string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header = hdr
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, nil
}
