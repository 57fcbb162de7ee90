package raw

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestRoute(t *testing.T) {
	tests := []struct {
		name, url string
		route     string
		vu        int
	}{
		{"me", "http://127.0.0.1:1/api/me?vu=7", "me", 7},
		{"refresh without user", "http://127.0.0.1:1/auth/refresh", "refresh", -1},
		{"unknown path", "http://127.0.0.1:1/nope?vu=x", "", -1},
		{"not a URL", "://", "", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			route, vu := Route(tt.url)
			if route != tt.route || vu != tt.vu {
				t.Errorf("Route(%q) = %q, %d; want %q, %d", tt.url, route, vu, tt.route, tt.vu)
			}
		})
	}
}

// TestWriteRead: a raw file reads back as written; a truncated one is an
// error naming the file and the result.
func TestWriteRead(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	rs := []vegeta.Result{
		{Attack: "a", Seq: 0, Code: 200, Timestamp: t0, Latency: time.Millisecond, BytesIn: 3, Method: "GET", URL: "http://h/api/me?vu=1", Body: []byte{}},
		{Attack: "a", Seq: 1, Code: 0, Timestamp: t0.Add(time.Millisecond), Latency: 2 * time.Millisecond, Error: "timeout", Method: "POST", URL: "http://h/auth/refresh?vu=2", Body: []byte{}},
	}
	p := filepath.Join(t.TempDir(), "x.gob")
	if err := Write(p, rs); err != nil {
		t.Fatal(err)
	}
	got, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if !got[i].Equal(rs[i]) {
			t.Errorf("result %d: %+v, want %+v", i, got[i], rs[i])
		}
	}
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(p, b[:len(b)-3], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(p); err == nil {
		t.Error("truncated file read without error")
	}
	if _, err := Read(filepath.Join(t.TempDir(), "none.gob")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestSortOrder: one order for a set of results however they were
// concatenated, so percentiles (t-digest, order-dependent) agree.
func TestSortOrder(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	a := []vegeta.Result{{Attack: "g2", Seq: 0, Timestamp: t0}, {Attack: "g1", Seq: 1, Timestamp: t0}, {Attack: "g1", Seq: 0, Timestamp: t0.Add(-time.Second)}}
	b := []vegeta.Result{a[2], a[0], a[1]}
	Sort(a)
	Sort(b)
	if !reflect.DeepEqual(a, b) || a[0].Seq != 0 || a[1].Attack != "g1" || a[2].Attack != "g2" {
		t.Errorf("sorted %+v and %+v", a, b)
	}
}
