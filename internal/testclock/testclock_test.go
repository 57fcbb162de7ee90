package testclock_test

import (
	"testing"
	"time"

	"github.com/authbench/authbench/internal/testclock"
)

func TestClock(t *testing.T) {
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	c := testclock.New(start)
	if got := c.Now(); !got.Equal(start) {
		t.Fatalf("Now = %v, want %v", got, start)
	}
	c.Advance(15 * time.Minute)
	if got, want := c.Now(), start.Add(15*time.Minute); !got.Equal(want) {
		t.Errorf("after Advance: %v, want %v", got, want)
	}
	c.Set(start)
	if got := c.Now(); !got.Equal(start) {
		t.Errorf("after Set: %v, want %v", got, start)
	}
}
