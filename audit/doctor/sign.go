package doctor

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// keyKind names a public key for messages.
func keyKind(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("an RSA-%d key", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "an EC " + k.Curve.Params().Name + " key"
	case ed25519.PublicKey:
		return "an Ed25519 key"
	}
	return "a key of an unknown kind"
}

// sign makes a compact JWS of header and claims with key, RS256 (PKCS #1
// v1.5) or PS256 (PSS, salt length = hash length) as header's alg says,
// the way MSAL signs: for the demo's assertions and the tests.
func sign(header, claims map[string]any, key crypto.Signer) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	switch header["alg"] {
	case "RS256":
		sig, err = key.Sign(rand.Reader, digest[:], crypto.SHA256)
	case "PS256":
		sig, err = key.Sign(rand.Reader, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256})
	default:
		return "", fmt.Errorf("cannot sign with alg %v", header["alg"])
	}
	if err != nil {
		return "", err
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}
