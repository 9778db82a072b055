package localfiles

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// parsedKey is a private key found in a file. The signer is kept only
// while the key is checked against the certificates it came with.
type parsedKey struct {
	signer    crypto.Signer // nil when encrypted
	encrypted bool
	path      string // the file it was read from
}

// bundle is everything one file holds, before keys are paired with
// certificates.
type bundle struct {
	path  string
	certs []*x509.Certificate
	keys  []parsedKey
	// others names the PEM block types that are neither certificates nor
	// private keys, for the hint when a file holds no certificate.
	others []string
}

// The file name extensions of certificate and key files. In a walked
// folder a file with one of these names must parse; other files are read
// only when they look like certificates.
var (
	certExts = []string{".pem", ".crt", ".cer", ".der", ".pfx", ".p12"}
	keyExts  = []string{".key"}
	pfxExts  = []string{".pfx", ".p12"}
)

func hasExt(path string, exts []string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	for _, e := range exts {
		if ext == e {
			return true
		}
	}
	return false
}

// parseBytes reads the certificates and private keys of one file: PEM, DER
// or PFX, told apart by content (and, for PFX, by name).
func parseBytes(path string, data []byte, opts Options) (*bundle, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errorf(path, 0, "", "the file is empty")
	}
	if begins := pemBegins(data); len(begins) > 0 {
		return parsePEM(path, data, begins)
	}
	if hasExt(path, pfxExts) || looksLikePFX(data) {
		return parsePFX(path, data, opts)
	}
	b := &bundle{path: path}
	if certs, err := x509.ParseCertificates(data); err == nil && len(certs) > 0 {
		b.certs = certs
		return b, nil
	}
	if k, err := parseDERKey(data); err == nil {
		signer, err := asSigner(path, 0, k)
		if err != nil {
			return nil, err
		}
		b.keys = append(b.keys, parsedKey{signer: signer, path: path})
		return b, nil
	}
	return nil, errorf(path, 0, "appaudit reads PEM, DER and PFX/P12 certificate files",
		"not a certificate file: neither PEM, nor a DER certificate or key, nor PFX")
}

// pemBegins returns the offsets of the lines that open a PEM block.
func pemBegins(data []byte) []int {
	const begin = "-----BEGIN "
	var offs []int
	for i := 0; i < len(data); {
		j := bytes.Index(data[i:], []byte(begin))
		if j < 0 {
			break
		}
		at := i + j
		if at == 0 || data[at-1] == '\n' {
			offs = append(offs, at)
		}
		i = at + len(begin)
	}
	return offs
}

// parsePEM decodes every block of a PEM file. Each block is decoded within
// its own span (up to the next BEGIN line), so that a truncated block is
// reported at its line instead of swallowing the next one.
func parsePEM(path string, data []byte, begins []int) (*bundle, error) {
	b := &bundle{path: path}
	seen := map[string]bool{}
	line, counted := 1, 0 // the line of begins[i], counted up to offset counted
	for i, off := range begins {
		end := len(data)
		if i+1 < len(begins) {
			end = begins[i+1]
		}
		line += bytes.Count(data[counted:off], []byte("\n"))
		counted = off
		block, _ := pem.Decode(data[off:end])
		if block == nil {
			name := strings.TrimSpace(string(firstLine(data[off:end])))
			return nil, errorf(path, line, "the file may be cut short: copy it again",
				"the PEM block %s is truncated or malformed", clip(name))
		}
		switch block.Type {
		case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE":
			der := block.Bytes
			if block.Type == "TRUSTED CERTIFICATE" {
				// OpenSSL's trusted form: the certificate followed by
				// trust settings.
				var raw asn1.RawValue
				if _, err := asn1.Unmarshal(der, &raw); err == nil {
					der = raw.FullBytes
				}
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, errorf(path, line, "", "the %s block is not a valid certificate: %v", block.Type, err).wrap(err)
			}
			b.certs = append(b.certs, c)
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			if strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") {
				b.keys = append(b.keys, parsedKey{encrypted: true, path: path})
				continue
			}
			k, err := parsePEMKey(block)
			if err != nil {
				return nil, errorf(path, line, "", "the %s block cannot be read: %v", block.Type, err).wrap(err)
			}
			signer, err := asSigner(path, line, k)
			if err != nil {
				return nil, err
			}
			b.keys = append(b.keys, parsedKey{signer: signer, path: path})
		case "ENCRYPTED PRIVATE KEY":
			b.keys = append(b.keys, parsedKey{encrypted: true, path: path})
		default:
			if !seen[block.Type] {
				seen[block.Type] = true
				b.others = append(b.others, block.Type)
			}
		}
	}
	sort.Strings(b.others)
	return b, nil
}

func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

func clip(s string) string {
	const max = 60
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

func parsePEMKey(block *pem.Block) (any, error) {
	switch block.Type {
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(block.Bytes)
	}
	return x509.ParsePKCS8PrivateKey(block.Bytes)
}

// parseDERKey reads a private key stored as DER: PKCS #8, PKCS #1 or SEC 1.
func parseDERKey(der []byte) (any, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	return x509.ParseECPrivateKey(der)
}

// asSigner keeps keys that can sign; X25519 and other key-agreement keys
// cannot belong to a certificate a client signs with.
func asSigner(path string, line int, k any) (crypto.Signer, error) {
	if s, ok := k.(crypto.Signer); ok {
		return s, nil
	}
	kind := fmt.Sprintf("%T", k)
	if _, ok := k.(*ecdh.PrivateKey); ok {
		kind = "X25519/ECDH"
	}
	return nil, errorf(path, line, "a client certificate needs an RSA, ECDSA or Ed25519 key", "the private key is a %s key, which cannot sign", kind)
}

// noCertError explains a file that holds no certificate.
func noCertError(b *bundle) *Error {
	switch {
	case len(b.keys) > 0:
		return errorf(b.path, 0, "pass the certificate file: a key file named after it, such as app.key beside app.crt, is read with it",
			"holds a private key but no certificate")
	case len(b.others) > 0:
		hint := ""
		for _, t := range b.others {
			switch t {
			case "PKCS7":
				hint = "a PKCS #7 bundle: convert it with openssl pkcs7 -print_certs -in FILE -out FILE.pem"
			case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
				hint = "a certificate request is not a certificate: use the certificate issued for it"
			}
		}
		return errorf(b.path, 0, hint, "holds no certificate, only PEM blocks of type %s", strings.Join(b.others, ", "))
	}
	return errorf(b.path, 0, "", "holds no certificate")
}
