package audit

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"strings"
	"time"
)

// Certificate is what the checks need to know of an X.509 certificate,
// whether it came from the tenant (a keyCredential's key) or from a local
// file. It keeps the public key so that a private key or a signature can be
// checked against it, and nothing else of the body.
type Certificate struct {
	Subject            string      `json:"subject"`
	Issuer             string      `json:"issuer,omitempty"`
	SerialNumber       string      `json:"serialNumber,omitempty"`
	NotBefore          time.Time   `json:"notBefore"`
	NotAfter           time.Time   `json:"notAfter"`
	Thumbprints        Thumbprints `json:"thumbprints"`
	PublicKeyAlgorithm string      `json:"publicKeyAlgorithm,omitempty"`
	KeyBits            int         `json:"keyBits,omitempty"`
	SignatureAlgorithm string      `json:"signatureAlgorithm,omitempty"`
	IsCA               bool        `json:"isCA,omitempty"`

	PublicKey crypto.PublicKey `json:"-"`
}

// NewCertificate summarises a parsed certificate.
func NewCertificate(c *x509.Certificate) *Certificate {
	out := &Certificate{
		Subject:            c.Subject.String(),
		Issuer:             c.Issuer.String(),
		NotBefore:          c.NotBefore.UTC(),
		NotAfter:           c.NotAfter.UTC(),
		Thumbprints:        ThumbprintsOf(c.Raw),
		PublicKeyAlgorithm: c.PublicKeyAlgorithm.String(),
		SignatureAlgorithm: c.SignatureAlgorithm.String(),
		IsCA:               c.IsCA,
		PublicKey:          c.PublicKey,
	}
	if c.SerialNumber != nil {
		out.SerialNumber = strings.ToUpper(c.SerialNumber.Text(16))
	}
	out.KeyBits = keyBits(c.PublicKey)
	return out
}

// ParseCertificate parses one DER certificate and summarises it.
func ParseCertificate(der []byte) (*Certificate, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return NewCertificate(c), nil
}

func keyBits(pub crypto.PublicKey) int {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return k.N.BitLen()
	case *ecdsa.PublicKey:
		return k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return 256
	}
	return 0
}

// WeakSignature reports whether the certificate is signed with SHA-1 or
// MD5, which no client should still rely on.
func (c *Certificate) WeakSignature() bool {
	s := strings.ToUpper(c.SignatureAlgorithm)
	return strings.HasPrefix(s, "SHA1") || strings.HasPrefix(s, "MD5") || strings.HasPrefix(s, "MD2") || strings.Contains(s, "-SHA1")
}

// CommonName is the CN of the certificate's subject, or the whole subject
// when it has no CN.
func (c *Certificate) CommonName() string { return CommonName(c.Subject) }

// CommonName extracts the CN from a distinguished name written in either
// order ("CN=app,O=Contoso" as Go prints it, "CN=app, O=Contoso" as the
// portal stores a credential's displayName), or returns the name itself,
// trimmed, when it has no CN.
func CommonName(dn string) string {
	dn = strings.TrimSpace(dn)
	for _, part := range splitDN(dn) {
		k, v, ok := strings.Cut(part, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "CN") {
			return strings.TrimSpace(v)
		}
	}
	return dn
}

// splitDN splits a distinguished name on unescaped commas and semicolons.
func splitDN(dn string) []string {
	var parts []string
	start, esc := 0, false
	for i := 0; i < len(dn); i++ {
		switch {
		case esc:
			esc = false
		case dn[i] == '\\':
			esc = true
		case dn[i] == ',' || dn[i] == ';':
			parts = append(parts, dn[start:i])
			start = i + 1
		}
	}
	return append(parts, dn[start:])
}

// SameSubject reports whether two subjects name the same holder, compared
// by common name without regard to case: a keyCredential's displayName holds
// only "CN=<subject>" when the body is not known.
func SameSubject(a, b string) bool {
	ca, cb := CommonName(a), CommonName(b)
	return ca != "" && strings.EqualFold(ca, cb)
}
