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
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// The signing algorithms the package supports, one per key family. Others
// that golang-jwt knows (HS384, PS256, ...) are left out on purpose: the
// suite compares key families, not hash sizes, and every extra algorithm
// is one more configuration to get wrong.
const (
	AlgHS256 = "HS256" // HMAC-SHA256 with a shared secret of at least 32 bytes.
	AlgRS256 = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256, keys of at least 2048 bits.
	AlgES256 = "ES256" // ECDSA on P-256 with SHA-256.
	AlgEdDSA = "EdDSA" // Ed25519.
)

// MinHMACSecret is the shortest HS256 secret accepted: 32 bytes, the
// output size of SHA-256 (RFC 7518 §3.2 requires a key at least as long as
// the hash). A shorter secret is brute-forceable offline from any token.
const MinHMACSecret = 32

// minRSABits is the smallest RSA modulus accepted (RFC 7518 §3.3).
const minRSABits = 2048

// Keys is a signing key and its verification key, parsed once at start so
// that no request pays for PEM or ASN.1 decoding. The zero value is not
// usable; build one with GenerateKeys, HMACKeys or LoadKeys.
type Keys struct {
	method jwt.SigningMethod
	sign   any // []byte, *rsa.PrivateKey, *ecdsa.PrivateKey or ed25519.PrivateKey
	verify any // []byte, *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
}

// Alg returns the JWS "alg" name of the keys: HS256, RS256, ES256 or
// EdDSA; "" for nil or zero Keys.
func (k *Keys) Alg() string {
	if k == nil || k.method == nil {
		return ""
	}
	return k.method.Alg()
}

// PublicKeyPEM returns the verification key as a PKIX "PUBLIC KEY" PEM
// block, the form other services (and attackers) would get hold of. HS256
// has no public half, so it returns an error there rather than the secret.
func (k *Keys) PublicKeyPEM() ([]byte, error) {
	if k == nil || k.verify == nil {
		return nil, errors.New("jwtauth: no keys (use GenerateKeys, HMACKeys or LoadKeys)")
	}
	if _, ok := k.verify.([]byte); ok {
		return nil, fmt.Errorf("jwtauth: %s keys are a shared secret and have no public key", k.Alg())
	}
	der, err := x509.MarshalPKIXPublicKey(k.verify)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: marshal %s public key: %w", k.Alg(), err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// GenerateKeys returns fresh random keys for alg: 32 random bytes for
// HS256, a 2048-bit key for RS256, a P-256 key for ES256 and an Ed25519
// key for EdDSA. Keys made this way live as long as the process, so every
// token dies with it; use LoadKeys when tokens must survive a restart or
// be checked by several servers.
func GenerateKeys(alg string) (*Keys, error) {
	switch alg {
	case AlgHS256:
		secret := make([]byte, MinHMACSecret)
		if _, err := rand.Read(secret); err != nil {
			return nil, fmt.Errorf("jwtauth: generate HS256 secret: %w", err)
		}
		return HMACKeys(secret)
	case AlgRS256:
		priv, err := rsa.GenerateKey(rand.Reader, minRSABits)
		if err != nil {
			return nil, fmt.Errorf("jwtauth: generate RS256 key: %w", err)
		}
		return &Keys{method: jwt.SigningMethodRS256, sign: priv, verify: &priv.PublicKey}, nil
	case AlgES256:
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("jwtauth: generate ES256 key: %w", err)
		}
		return &Keys{method: jwt.SigningMethodES256, sign: priv, verify: &priv.PublicKey}, nil
	case AlgEdDSA:
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("jwtauth: generate EdDSA key: %w", err)
		}
		return &Keys{method: jwt.SigningMethodEdDSA, sign: priv, verify: pub}, nil
	default:
		return nil, unknownAlg(alg)
	}
}

// HMACKeys returns HS256 keys for secret, which must be at least
// MinHMACSecret bytes. The secret is copied, so the caller may wipe its
// slice afterwards.
func HMACKeys(secret []byte) (*Keys, error) {
	if err := checkSecret(secret); err != nil {
		return nil, fmt.Errorf("jwtauth: %w", err)
	}
	s := bytes.Clone(secret)
	return &Keys{method: jwt.SigningMethodHS256, sign: s, verify: s}, nil
}

// LoadKeys reads the signing key for alg from the file at path. For HS256
// the file holds the raw secret (at least MinHMACSecret bytes once trailing
// newlines are trimmed, so `head -c 32 /dev/urandom > key` and an editor's
// final newline both work). For the others it holds a PEM private key:
// PKCS#1 ("RSA PRIVATE KEY") or PKCS#8 ("PRIVATE KEY") for RS256, SEC1
// ("EC PRIVATE KEY", as openssl ecparam writes it, EC PARAMETERS block
// allowed before it) or PKCS#8 for ES256, PKCS#8 for EdDSA. Encrypted keys
// are refused. Every error names the file.
func LoadKeys(alg, path string) (*Keys, error) {
	switch alg {
	case AlgHS256, AlgRS256, AlgES256, AlgEdDSA:
	default:
		return nil, unknownAlg(alg)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: read %s key: %w", alg, err)
	}
	if alg == AlgHS256 {
		secret := bytes.TrimRight(data, "\r\n")
		if err := checkSecret(secret); err != nil {
			return nil, fmt.Errorf("jwtauth: %s: %w", path, err)
		}
		return &Keys{method: jwt.SigningMethodHS256, sign: secret, verify: secret}, nil
	}
	k, err := parsePrivateKeyPEM(alg, data)
	if err != nil {
		return nil, fmt.Errorf("jwtauth: %s: %w", path, err)
	}
	return k, nil
}

// checkSecret refuses HS256 secrets too short to resist brute force.
func checkSecret(secret []byte) error {
	if len(secret) < MinHMACSecret {
		return fmt.Errorf("HS256 secret is %d bytes, need at least %d", len(secret), MinHMACSecret)
	}
	return nil
}

// parsePrivateKeyPEM decodes the first private key block of data and
// checks it fits alg.
func parsePrivateKeyPEM(alg string, data []byte) (*Keys, error) {
	var block *pem.Block
	for rest := data; ; {
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("no PEM private key block found (want one for %s)", alg)
		}
		if block.Type == "ENCRYPTED PRIVATE KEY" || block.Headers["Proc-Type"] != "" {
			return nil, errors.New("encrypted private keys are not supported; decrypt it first")
		}
		if strings.HasSuffix(block.Type, "PRIVATE KEY") {
			break
		}
	}

	var (
		key any
		err error
	)
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("unsupported PEM block %q (want RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY)", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parse %q block: %w", block.Type, err)
	}
	return keysFor(alg, key)
}

// keysFor checks that a parsed private key suits alg and pairs it with its
// public half.
func keysFor(alg string, key any) (*Keys, error) {
	switch alg {
	case AlgRS256:
		k, ok := key.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%s needs an RSA private key, file holds %s", alg, keyKind(key))
		}
		if bits := k.N.BitLen(); bits < minRSABits {
			return nil, fmt.Errorf("RSA key is %d bits, %s needs at least %d", bits, alg, minRSABits)
		}
		return &Keys{method: jwt.SigningMethodRS256, sign: k, verify: &k.PublicKey}, nil
	case AlgES256:
		k, ok := key.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%s needs an ECDSA private key, file holds %s", alg, keyKind(key))
		}
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("ECDSA key is on %s, %s needs P-256", k.Curve.Params().Name, alg)
		}
		return &Keys{method: jwt.SigningMethodES256, sign: k, verify: &k.PublicKey}, nil
	case AlgEdDSA:
		k, ok := key.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%s needs an Ed25519 private key, file holds %s", alg, keyKind(key))
		}
		return &Keys{method: jwt.SigningMethodEdDSA, sign: k, verify: k.Public().(ed25519.PublicKey)}, nil
	default:
		return nil, unknownAlg(alg)
	}
}

// keyKind names a parsed private key's type for error messages.
func keyKind(key any) string {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return "an RSA key"
	case *ecdsa.PrivateKey:
		return "an ECDSA " + k.Curve.Params().Name + " key"
	case ed25519.PrivateKey:
		return "an Ed25519 key"
	case crypto.Signer:
		return fmt.Sprintf("a %T key", k)
	default:
		return fmt.Sprintf("a %T", k)
	}
}

func unknownAlg(alg string) error {
	return fmt.Errorf("jwtauth: unsupported algorithm %q (want %s, %s, %s or %s)", alg, AlgHS256, AlgRS256, AlgES256, AlgEdDSA)
}
