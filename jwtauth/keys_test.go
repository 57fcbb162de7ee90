package jwtauth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/authbench/authbench"
)

func writeFile(tb testing.TB, name string, data []byte) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func pkcs8(tb testing.TB, key any) []byte {
	tb.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return pemBlock("PRIVATE KEY", der)
}

func TestLoadKeys(t *testing.T) {
	rsaKey := testKeys(t, AlgRS256).sign.(*rsa.PrivateKey)
	ecKey := testKeys(t, AlgES256).sign.(*ecdsa.PrivateKey)
	edKey := testKeys(t, AlgEdDSA).sign.(ed25519.PrivateKey)
	ecDER, err := x509.MarshalECPrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	secret := bytes.Repeat([]byte("k"), MinHMACSecret)

	tests := []struct {
		name    string
		alg     string
		data    []byte
		wantPub any    // public key the loaded keys must verify with
		wantErr string // substring of the error; "" means success
	}{
		{name: "RS256 PKCS#1", alg: AlgRS256, data: pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), wantPub: &rsaKey.PublicKey},
		{name: "RS256 PKCS#8", alg: AlgRS256, data: pkcs8(t, rsaKey), wantPub: &rsaKey.PublicKey},
		{name: "ES256 SEC1", alg: AlgES256, data: pemBlock("EC PRIVATE KEY", ecDER), wantPub: &ecKey.PublicKey},
		{name: "ES256 SEC1 after EC PARAMETERS (openssl ecparam -genkey)", alg: AlgES256,
			data: append(pemBlock("EC PARAMETERS", []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}), pemBlock("EC PRIVATE KEY", ecDER)...), wantPub: &ecKey.PublicKey},
		{name: "ES256 PKCS#8", alg: AlgES256, data: pkcs8(t, ecKey), wantPub: &ecKey.PublicKey},
		{name: "EdDSA PKCS#8", alg: AlgEdDSA, data: pkcs8(t, edKey), wantPub: edKey.Public()},
		{name: "HS256 raw", alg: AlgHS256, data: secret, wantPub: secret},
		{name: "HS256 trailing newline trimmed", alg: AlgHS256, data: append(bytes.Clone(secret), '\n'), wantPub: secret},
		{name: "HS256 trailing CRLF trimmed", alg: AlgHS256, data: append(bytes.Clone(secret), "\r\n"...), wantPub: secret},

		{name: "HS256 31 bytes", alg: AlgHS256, data: secret[:31], wantErr: "31 bytes"},
		{name: "HS256 31 bytes plus newline", alg: AlgHS256, data: append(bytes.Clone(secret[:31]), '\n'), wantErr: "31 bytes"},
		{name: "empty file", alg: AlgRS256, data: nil, wantErr: "no PEM private key"},
		{name: "not PEM", alg: AlgES256, data: []byte("hello"), wantErr: "no PEM private key"},
		{name: "public key only", alg: AlgRS256, data: mustPublicPEM(t, AlgRS256), wantErr: "no PEM private key"},
		{name: "EC key for RS256", alg: AlgRS256, data: pkcs8(t, ecKey), wantErr: "needs an RSA private key"},
		{name: "RSA key for ES256", alg: AlgES256, data: pkcs8(t, rsaKey), wantErr: "needs an ECDSA private key"},
		{name: "RSA key for EdDSA", alg: AlgEdDSA, data: pkcs8(t, rsaKey), wantErr: "needs an Ed25519 private key"},
		{name: "P-384 key for ES256", alg: AlgES256, data: pkcs8(t, p384), wantErr: "needs P-256"},
		{name: "encrypted PKCS#8", alg: AlgRS256, data: pemBlock("ENCRYPTED PRIVATE KEY", []byte{1, 2, 3}), wantErr: "encrypted"},
		{name: "corrupt DER", alg: AlgRS256, data: pemBlock("RSA PRIVATE KEY", []byte{1, 2, 3}), wantErr: "parse"},
		{name: "unknown block type", alg: AlgRS256, data: pemBlock("OPENSSH PRIVATE KEY", []byte{1}), wantErr: "unsupported PEM block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "key", tt.data)
			k, err := LoadKeys(tt.alg, path)
			if (err != nil) != (tt.wantErr != "") {
				t.Fatalf("LoadKeys: error = %v, want one containing %q", err, tt.wantErr)
			}
			if err != nil {
				if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
					t.Errorf("LoadKeys: error %q should contain %q and the path %s", err, tt.wantErr, path)
				}
				return
			}
			if k.Alg() != tt.alg {
				t.Errorf("Alg() = %q, want %q", k.Alg(), tt.alg)
			}
			type equaler interface{ Equal(crypto.PublicKey) bool }
			switch want := tt.wantPub.(type) {
			case []byte:
				if !bytes.Equal(k.verify.([]byte), want) {
					t.Errorf("secret = %q, want %q", k.verify, want)
				}
			case equaler:
				if !want.Equal(k.verify) {
					t.Errorf("loaded public key differs from the file's")
				}
			}
			// The loaded keys work end to end.
			clk := newClock()
			b := newTestBackend(t, "jwt", k, clk, nil)
			cr := login(t, b, "alice")
			checkErr(t, "Authenticate", authenticate(b, cr.access.Value), nil)
		})
	}
}

func TestLoadKeysErrorsWithoutAFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.pem")
	tests := []struct {
		name    string
		alg     string
		path    string
		wantErr string
	}{
		{name: "missing file", alg: AlgRS256, path: missing, wantErr: missing},
		{name: "unknown algorithm", alg: "HS512", path: missing, wantErr: `"HS512"`},
		{name: "alg none", alg: "none", path: missing, wantErr: `"none"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadKeys(tt.alg, tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("LoadKeys(%q, %q): error = %v, want one containing %q", tt.alg, tt.path, err, tt.wantErr)
			}
		})
	}
}

func mustPublicPEM(tb testing.TB, alg string) []byte {
	tb.Helper()
	p, err := testKeys(tb, alg).PublicKeyPEM()
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestHMACKeys(t *testing.T) {
	tests := []struct {
		name    string
		secret  []byte
		wantErr bool
	}{
		{name: "nil", secret: nil, wantErr: true},
		{name: "31 bytes", secret: make([]byte, 31), wantErr: true},
		{name: "32 bytes", secret: make([]byte, 32)},
		{name: "64 bytes", secret: make([]byte, 64)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := HMACKeys(tt.secret)
			if (err != nil) != tt.wantErr {
				t.Fatalf("HMACKeys(%d bytes): error = %v, wantErr %t", len(tt.secret), err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "at least 32") {
				t.Errorf("error %q does not say the minimum", err)
			}
			if err == nil && k.Alg() != AlgHS256 {
				t.Errorf("Alg() = %q", k.Alg())
			}
		})
	}

	// The secret is copied: wiping the caller's slice changes nothing.
	secret := bytes.Repeat([]byte{7}, 32)
	k, err := HMACKeys(secret)
	if err != nil {
		t.Fatal(err)
	}
	clear(secret)
	if k.sign.([]byte)[0] != 7 {
		t.Error("HMACKeys kept the caller's slice")
	}
}

func TestGenerateKeys(t *testing.T) {
	for _, alg := range append(algs, "HS512", "none", "") {
		t.Run(alg, func(t *testing.T) {
			k, err := GenerateKeys(alg)
			known := alg == AlgHS256 || alg == AlgRS256 || alg == AlgES256 || alg == AlgEdDSA
			if (err == nil) != known {
				t.Fatalf("GenerateKeys(%q): error = %v", alg, err)
			}
			if !known {
				return
			}
			if k.Alg() != alg {
				t.Errorf("Alg() = %q", k.Alg())
			}
			pub, err := k.PublicKeyPEM()
			if alg == AlgHS256 {
				if err == nil {
					t.Error("PublicKeyPEM for HS256 succeeded; it must not leak the secret")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			block, _ := pem.Decode(pub)
			if block == nil || block.Type != "PUBLIC KEY" {
				t.Fatalf("PublicKeyPEM = %q", pub)
			}
			if _, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil {
				t.Errorf("PublicKeyPEM does not parse: %v", err)
			}
		})
	}
}

func TestZeroKeys(t *testing.T) {
	for _, k := range []*Keys{nil, {}} {
		if got := k.Alg(); got != "" {
			t.Errorf("Alg() of %v = %q, want \"\"", k, got)
		}
		if _, err := k.PublicKeyPEM(); err == nil {
			t.Errorf("PublicKeyPEM() of %v succeeded", k)
		}
	}
}

// TestKeysOfAnotherBackend checks two deployments with different keys
// refuse each other's tokens, whatever the algorithm.
func TestKeysOfAnotherBackend(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			other, err := GenerateKeys(alg)
			if err != nil {
				t.Fatal(err)
			}
			clk := newClock()
			mine := newTestBackend(t, "jwt", testKeys(t, alg), clk, nil)
			theirs := newTestBackend(t, "jwt", other, clk, nil)
			cr := login(t, theirs, "alice")
			checkErr(t, "Authenticate", authenticate(mine, cr.access.Value), authbench.ErrUnauthenticated)
		})
	}
}
