package server

import (
	"strings"
	"testing"
)

func TestNewUsersErrors(t *testing.T) {
	tests := []struct {
		name     string
		n        int
		password string
		cost     int
		want     string
	}{
		{"no users", 0, "password", 4, "at least 1 user"},
		{"empty password", 10, "", 4, "empty password"},
		{"password over 72 bytes", 10, strings.Repeat("p", 73), 4, "72-byte"},
		{"cost too low", 10, "password", 3, "bcrypt cost 3"},
		{"cost too high", 10, "password", 32, "bcrypt cost 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewUsers(tt.n, tt.password, tt.cost)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestUsersCheck(t *testing.T) {
	// A billion users cost one hash: start-up does not depend on N.
	u, err := NewUsers(1_000_000_000, "s3cret", 4)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user, password string
		want                 bool
	}{
		{"first", "user-0", "s3cret", true},
		{"last", "user-999999999", "s3cret", true},
		{"past the end", "user-1000000000", "s3cret", false},
		{"wrong password", "user-1", "S3cret", false},
		{"leading zero", "user-01", "s3cret", false},
		{"negative", "user--1", "s3cret", false},
		{"plus sign", "user-+1", "s3cret", false},
		{"no number", "user-", "s3cret", false},
		{"other name", "admin", "s3cret", false},
		{"empty", "", "s3cret", false},
		{"long password", "user-1", strings.Repeat("s", 100), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := u.Check(tt.user, tt.password); got != tt.want {
				t.Errorf("Check(%q, %q) = %v, want %v", tt.user, tt.password, got, tt.want)
			}
		})
	}
	if Name(42) != "user-42" {
		t.Errorf("Name(42) = %q", Name(42))
	}
}
