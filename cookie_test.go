package authbench_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench"
)

func TestReadCookie(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		want    string
		wantErr error
	}{
		{"one cookie", []string{"a=1"}, "1", nil},
		{"among others", []string{"x=0; a=1; b=2"}, "1", nil},
		{"second header line", []string{"x=0", "a=1"}, "1", nil},
		{"quoted", []string{`a="1"`}, "1", nil},
		{"spaces", []string{"x=0 ;  a=1  "}, "1", nil},
		{"prefix of another name", []string{"ab=1"}, "", authbench.ErrUnauthenticated},
		{"name as value", []string{"x=a=1"}, "", authbench.ErrUnauthenticated},
		{"missing", []string{"x=1"}, "", authbench.ErrUnauthenticated},
		{"no header", nil, "", authbench.ErrUnauthenticated},
		{"empty", []string{"a="}, "", authbench.ErrUnauthenticated},
		{"duplicate", []string{"a=1; a=1"}, "", authbench.ErrUnauthenticated},
		{"duplicate across lines", []string{"a=1", "a=2"}, "", authbench.ErrUnauthenticated},
		{"at the cap", []string{"a=" + strings.Repeat("v", authbench.MaxCookieBytes)}, strings.Repeat("v", authbench.MaxCookieBytes), nil},
		{"over the cap", []string{"a=" + strings.Repeat("v", authbench.MaxCookieBytes+1)}, "", authbench.ErrUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "/", nil)
			for _, h := range tt.headers {
				r.Header.Add("Cookie", h)
			}
			got, err := authbench.ReadCookie(r, "a")
			if (err != nil) != (tt.wantErr != nil) || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("value = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadCookieAllocs(t *testing.T) {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Cookie", "x=0; accessToken=abc.def.ghi; refreshToken=zzz")
	if n := testing.AllocsPerRun(100, func() { _, _ = authbench.ReadCookie(r, "accessToken") }); n != 0 {
		t.Errorf("ReadCookie allocates %v times on the hot path, want 0", n)
	}
}

func TestNewCookie(t *testing.T) {
	c := authbench.NewCookie("accessToken", "v", "/", 15*time.Minute)
	want := "accessToken=v; Path=/; Max-Age=900; HttpOnly; Secure; SameSite=Strict"
	if got := c.String(); got != want {
		t.Errorf("cookie %q, want %q", got, want)
	}
	c = authbench.NewCookie("refreshToken", "v", "/auth", 0)
	want = "refreshToken=; Path=/auth; Max-Age=0; HttpOnly; Secure; SameSite=Strict"
	if got := c.String(); got != want {
		t.Errorf("deleting cookie %q, want %q", got, want)
	}
}

func TestRevocationWords(t *testing.T) {
	for r, want := range map[authbench.Revocation]string{
		authbench.RevocationUnsupported: "unsupported",
		authbench.RevocationAtExpiry:    "only at expiry",
		authbench.RevocationImmediate:   "immediate",
	} {
		if got, _ := r.MarshalText(); string(got) != want {
			t.Errorf("%d: %q, want %q", r, got, want)
		}
	}
}
