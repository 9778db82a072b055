// Package democert makes the certificates of appaudit's demo tenant
// (package demo), and of the tests (audit/audittest), from fixed RSA keys
// committed beside it: RSA key generation cannot be made to repeat itself,
// but an RSA PKCS#1 v1.5 signature, which signs these certificates, is
// the same every time. So the same Spec always gives the same
// certificate, with the same thumbprints, and a demo made on one day can
// be the baseline of another run of it the same day.
//
// The keys in keys/ are published with appaudit's source and sign nothing
// but the demo's and the tests' certificates and assertions: never use
// them for anything else. The package reads no file at run time (the keys are embedded),
// touches no network, and returns errors rather than panicking.
package democert

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"embed"
	"encoding/pem"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/appaudit/appaudit/audit"
)

//go:embed keys/*.key.pem
var keyFiles embed.FS

// keys are the fixed keys, read once.
var keys = sync.OnceValues(func() (map[string]*rsa.PrivateKey, error) {
	m := map[string]*rsa.PrivateKey{}
	for _, name := range []string{"a", "b", "weak"} {
		path := "keys/demo-" + name + ".key.pem"
		b, err := keyFiles.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("democert: %s: %w", path, err)
		}
		block, _ := pem.Decode(b)
		if block == nil {
			return nil, fmt.Errorf("democert: %s holds no PEM block", path)
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("democert: %s: %w", path, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("democert: %s is not an RSA key", path)
		}
		m[name] = rk
	}
	return m, nil
})

func key(name string) (*rsa.PrivateKey, error) {
	m, err := keys()
	if err != nil {
		return nil, err
	}
	return m[name], nil
}

// KeyA and KeyB are two distinct RSA-2048 keys; WeakKey is an RSA-1024
// key, shorter than policy allows.
func KeyA() (*rsa.PrivateKey, error)    { return key("a") }
func KeyB() (*rsa.PrivateKey, error)    { return key("b") }
func WeakKey() (*rsa.PrivateKey, error) { return key("weak") }

// Spec describes a certificate to make.
type Spec struct {
	CommonName string
	NotBefore  time.Time
	NotAfter   time.Time
	// Key signs for the certificate's subject; nil means KeyA.
	Key crypto.Signer
	// SignatureAlgorithm of the issuer's signature; 0 lets crypto/x509
	// choose (SHA-256 with PKCS#1 v1.5 for RSA, which repeats itself).
	SignatureAlgorithm x509.SignatureAlgorithm
	IsCA               bool
	// Parent issues the certificate; nil makes it self-signed.
	Parent *Cert
	// Serial is the serial number; 0 derives one from NotBefore and the
	// common name.
	Serial int64
}

// Cert is a certificate made from a Spec, and its private key.
type Cert struct {
	DER  []byte
	X509 *x509.Certificate
	Key  crypto.Signer
}

// New makes the certificate s describes.
func New(s Spec) (*Cert, error) {
	if s.Key == nil {
		k, err := KeyA()
		if err != nil {
			return nil, err
		}
		s.Key = k
	}
	serial := s.Serial
	if serial == 0 {
		serial = s.NotBefore.UnixNano()&0xffffffff + int64(len(s.CommonName))
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: s.CommonName},
		NotBefore:             s.NotBefore,
		NotAfter:              s.NotAfter,
		SignatureAlgorithm:    s.SignatureAlgorithm,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  s.IsCA,
	}
	if s.IsCA {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	}
	parent, signer := tmpl, s.Key
	if s.Parent != nil {
		parent, signer = s.Parent.X509, s.Parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, s.Key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("democert: making certificate %q: %w", s.CommonName, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("democert: reading back certificate %q: %w", s.CommonName, err)
	}
	return &Cert{DER: der, X509: c, Key: s.Key}, nil
}

// Thumbprints of the certificate.
func (c *Cert) Thumbprints() audit.Thumbprints { return audit.ThumbprintsOf(c.DER) }

// Summary is the audit.Certificate of c.
func (c *Cert) Summary() *audit.Certificate { return audit.NewCertificate(c.X509) }

// KeyCredential registers c the way Graph reports it: type, usage, the
// certificate's dates, customKeyIdentifier = SHA-1 digest, and the body in
// key when withBody is true (list pages often omit it).
func (c *Cert) KeyCredential(keyID, usage string, withBody bool) audit.KeyCredential {
	digest := sha1.Sum(c.DER)
	k := audit.KeyCredential{
		KeyID:               keyID,
		DisplayName:         "CN=" + c.X509.Subject.CommonName,
		Type:                audit.TypeAsymmetricX509Cert,
		Usage:               usage,
		Start:               c.X509.NotBefore.UTC(),
		End:                 c.X509.NotAfter.UTC(),
		CustomKeyIdentifier: digest[:],
	}
	var body []byte
	if withBody {
		body = c.DER
	}
	k.Identify(body)
	return k
}

// CertPEM is the certificate as a PEM block.
func (c *Cert) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DER})
}

// KeyPEM is the private key as PKCS#8 PEM ("PRIVATE KEY"), or nil when
// there is none or it cannot be written so.
func (c *Cert) KeyPEM() []byte {
	b, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: b})
}

// KeyPEMPKCS1 is an RSA private key as PKCS#1 PEM ("RSA PRIVATE KEY"), or
// nil when the key is not RSA.
func (c *Cert) KeyPEMPKCS1() []byte {
	k, ok := c.Key.(*rsa.PrivateKey)
	if !ok {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

// LocalCert is c as audit/localfiles would report it, read from path with
// its own private key.
func (c *Cert) LocalCert(path string) audit.LocalCert {
	return audit.LocalCert{Source: path, Path: path, Cert: c.Summary(), HasKey: c.Key != nil}
}

// SignJWT signs header and claims with key as the golang-jwt library signs
// them, which MSAL Go (and so azidentity) uses: the algorithm named by the
// header's alg (RS256 with PKCS #1 v1.5, PS256 with PSS and a salt as long
// as the hash), the header taken whole, as MSAL Go's accesstokens.go sets
// it. The demo's client assertions are signed so.
func SignJWT(header, claims map[string]any, key crypto.Signer) (string, error) {
	alg, _ := header["alg"].(string)
	method := jwt.GetSigningMethod(alg)
	if method == nil {
		return "", fmt.Errorf("democert: golang-jwt has no signing method %q", alg)
	}
	tok := jwt.NewWithClaims(method, jwt.MapClaims(claims))
	tok.Header = header
	return tok.SignedString(key)
}
