package server_test

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench/server"
)

// TestDemoPage checks the page at GET / carries the refresh interval, is
// sent with a CSP whose hash admits exactly its inline script, and that
// the catch-all 404 still answers every other path and method.
func TestDemoPage(t *testing.T) {
	users, err := server.NewUsers(1, "password", 4)
	if err != nil {
		t.Fatal(err)
	}
	h, err := server.New(server.Config{Backend: server.NoAuth{}, Users: users, RefreshInterval: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path string
		want               int
		wantType           string
	}{
		{"page", http.MethodGet, "/", http.StatusOK, "text/html; charset=utf-8"},
		{"page head", http.MethodHead, "/", http.StatusOK, "text/html; charset=utf-8"},
		{"post to root", http.MethodPost, "/", http.StatusNotFound, "application/json"},
		{"other path", http.MethodGet, "/index.html", http.StatusNotFound, "application/json"},
		{"sub path", http.MethodGet, "/x/", http.StatusNotFound, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.want || rec.Header().Get("Content-Type") != tt.wantType {
				t.Fatalf("%s %s: %d %q, want %d %q", tt.method, tt.path, rec.Code, rec.Header().Get("Content-Type"), tt.want, tt.wantType)
			}
		})
	}

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	body, _ := io.ReadAll(rec.Body)
	page := string(body)
	if !strings.Contains(page, `data-refresh-ms="1500"`) {
		t.Errorf("page does not carry the refresh interval in milliseconds:\n%s", page)
	}
	m := regexp.MustCompile(`(?s)<script>(.*)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("page has no inline script")
	}
	sum := sha256.Sum256([]byte(m[1]))
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{
		"default-src 'none'",
		"script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'",
		"connect-src 'self'",
		"frame-ancestors 'none'",
	} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("Content-Security-Policy %q allows inline or eval", csp)
	}
}

func TestNewRejectsNegativeRefreshInterval(t *testing.T) {
	users, err := server.NewUsers(1, "password", 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := server.New(server.Config{Backend: server.NoAuth{}, Users: users, RefreshInterval: -time.Second}); err == nil {
		t.Fatal("New accepted a negative RefreshInterval")
	}
}
