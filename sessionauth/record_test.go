package sessionauth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/authbench/authbench"
)

func TestRecordRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		rec  record
	}{
		{"typical", record{user: "user-42", created: t0.UnixNano(), lastSeen: t0.Add(time.Minute).UnixNano()}},
		{"one-byte user", record{user: "a", created: 1, lastSeen: 2}},
		{"longest user", record{user: strings.Repeat("u", MaxUserBytes), created: t0.UnixNano(), lastSeen: t0.UnixNano()}},
		{"binary user", record{user: "\x00\xff:sessions|", created: -1, lastSeen: 1 << 62}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := encodeRecord(tt.rec)
			if len(b) != recordHeaderSize+len(tt.rec.user) || cap(b) != len(b) {
				t.Errorf("encoded %d bytes (cap %d), want %d", len(b), cap(b), recordHeaderSize+len(tt.rec.user))
			}
			got, err := decodeRecord(string(b))
			if err != nil || got != tt.rec {
				t.Errorf("decodeRecord(encodeRecord(%+v)) = %+v, %v", tt.rec, got, err)
			}
		})
	}
}

// TestRecordLayout pins the byte layout the logout script relies on.
func TestRecordLayout(t *testing.T) {
	got := string(encodeRecord(record{user: "bob", created: 0x0102030405060708, lastSeen: 0x1112131415161718}))
	want := "\x01\x01\x02\x03\x04\x05\x06\x07\x08\x11\x12\x13\x14\x15\x16\x17\x18bob"
	if got != want {
		t.Errorf("encoding = %q, want %q", got, want)
	}
}

func TestDecodeRecordRejects(t *testing.T) {
	valid := string(encodeRecord(record{user: "alice", created: 1, lastSeen: 2}))
	tests := []struct {
		name  string
		value string
	}{
		{"empty", ""},
		{"header only", valid[:recordHeaderSize]},
		{"short", valid[:5]},
		{"unknown version", "\x02" + valid[1:]},
		{"gob-ish", "\x0e\xff\x81\x04\x01\x02\xff\x82\x00\x01\x10\x01\x10\x00\x00"},
		{"user too long", valid[:recordHeaderSize] + strings.Repeat("u", MaxUserBytes+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeRecord(tt.value)
			if !errors.Is(err, authbench.ErrUnauthenticated) {
				t.Errorf("decodeRecord(%q) error = %v, want ErrUnauthenticated", tt.value, err)
			}
		})
	}
}

// TestHotPathAllocations pins the allocation-free parts of Authenticate.
func TestHotPathAllocations(t *testing.T) {
	id := newID("")
	value := string(encodeRecord(record{user: "user-42", created: 1, lastSeen: 2}))
	unsigned := newIDCodec(Config{Unsigned: true})
	tests := []struct {
		name string
		f    func()
	}{
		{"validID", func() { _ = validID(id) }},
		{"unsigned decode", func() { _, _ = unsigned.decode(Cookie, id) }},
		{"unsigned decode of junk", func() { _, _ = unsigned.decode(Cookie, "junk") }},
		{"decodeRecord", func() { _, _ = decodeRecord(value) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(100, tt.f); n != 0 {
				t.Errorf("%v allocations, want 0", n)
			}
		})
	}
}
