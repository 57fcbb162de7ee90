package loadtest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
)

// sharedKeys writes, once per run, the JWT signing key (for alg) and the
// session HMAC key that every instance of a variant is given, so a
// credential issued by one instance is good on the others: what several
// servers behind one address need without sticky routing. The files are
// mode 0600 in the run folder's keys/ and removed when the run ends.
func sharedKeys(dir, alg string) (jwtFile, sessionFile string, err error) {
	kd := filepath.Join(dir, "keys")
	if err := os.MkdirAll(kd, 0o700); err != nil {
		return "", "", err
	}
	var data []byte
	switch alg {
	case "HS256":
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		data = []byte(hex.EncodeToString(b)) // 64 bytes of secret text
	default:
		var key any
		switch alg {
		case "RS256":
			key, err = rsa.GenerateKey(rand.Reader, 2048)
		case "ES256":
			key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		case "EdDSA":
			_, key, err = ed25519.GenerateKey(rand.Reader)
		default:
			return "", "", fmt.Errorf("loadtest: no shared key for alg %q", alg)
		}
		if err != nil {
			return "", "", err
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return "", "", err
		}
		data = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	jwtFile = filepath.Join(kd, "jwt-"+alg+".key")
	if err := os.WriteFile(jwtFile, data, 0o600); err != nil {
		return "", "", err
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	sessionFile = filepath.Join(kd, "session.key")
	if err := os.WriteFile(sessionFile, []byte(hex.EncodeToString(b)), 0o600); err != nil {
		return "", "", err
	}
	return jwtFile, sessionFile, nil
}
