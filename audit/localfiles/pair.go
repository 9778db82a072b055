package localfiles

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/appaudit/appaudit/audit"
)

// entry is one certificate of a file after its keys were paired.
type entry struct {
	cert  *x509.Certificate
	chain bool
	// signer is the private key that belongs to the certificate.
	signer crypto.Signer
	// wrongKey is a key meant for the certificate (it came with it) that
	// belongs to another one.
	wrongKey *parsedKey
	// encryptedKey is a key meant for the certificate that could not be
	// read, so not checked.
	encryptedKey *parsedKey
}

func (e *entry) hasKey() bool { return e.signer != nil || e.wrongKey != nil || e.encryptedKey != nil }

// fileResult is a certificate file read and paired.
type fileResult struct {
	path    string
	entries []entry
}

// samePublicKey compares public keys of any kind the x509 package parses.
func samePublicKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// issued reports whether parent signed child. A self-signed child is never
// counted as issued by another certificate (a renewal with the same key
// would otherwise look like its own CA).
func issued(parent, child *x509.Certificate) bool {
	if bytes.Equal(parent.Raw, child.Raw) || !bytes.Equal(child.RawIssuer, parent.RawSubject) {
		return false
	}
	if bytes.Equal(child.RawIssuer, child.RawSubject) && checkSig(child, child) {
		return false
	}
	return checkSig(parent, child)
}

func checkSig(parent, child *x509.Certificate) bool {
	err := parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature)
	var insecure x509.InsecureAlgorithmError
	// SHA-1 chains are still chains: crypto/x509 refuses to verify them.
	return err == nil || errors.As(err, &insecure)
}

// pair matches the keys found with certificates to them by public key and
// tells the leaves from the chain:
//   - a certificate a key belongs to is a leaf;
//   - otherwise CA certificates and certificates that issued another one in
//     the same file are chain, the rest leaves;
//   - when that leaves no leaf and no key matched (a self-signed
//     certificate with CA:TRUE, as `openssl req -x509` makes by default),
//     the certificates that issued none of the others are the leaves.
//
// A readable key that belongs to none of the certificates is given to the
// first leaf without a key, as its wrong key; an encrypted key likewise, as
// an unchecked one. Keys left over are returned.
func pair(certs []*x509.Certificate, keys []parsedKey) (entries []entry, stray []parsedKey) {
	entries = make([]entry, len(certs))
	for i, c := range certs {
		entries[i].cert = c
	}
	var unmatched, encrypted []parsedKey
	for _, k := range keys {
		if k.encrypted {
			encrypted = append(encrypted, k)
			continue
		}
		found := false
		for i := range entries {
			if samePublicKey(entries[i].cert.PublicKey, k.signer.Public()) {
				entries[i].signer = k.signer
				found = true
			}
		}
		if !found {
			unmatched = append(unmatched, k)
		}
	}

	issuedOther := make([]bool, len(certs))
	for i := range certs {
		for j := range certs {
			if i != j && issued(certs[i], certs[j]) {
				issuedOther[i] = true
				break
			}
		}
	}
	leaves := 0
	for i := range entries {
		e := &entries[i]
		e.chain = e.signer == nil && (e.cert.IsCA || issuedOther[i])
		if !e.chain {
			leaves++
		}
	}
	if leaves == 0 {
		for i := range entries {
			entries[i].chain = issuedOther[i]
			if !entries[i].chain {
				leaves++
			}
		}
		if leaves == 0 { // certificates that all issued each other
			for i := range entries {
				entries[i].chain = false
			}
		}
	}

	give := func(ks []parsedKey, set func(*entry, *parsedKey)) {
		for _, k := range ks {
			given := false
			for i := range entries {
				e := &entries[i]
				if !e.chain && !e.hasKey() {
					set(e, &k)
					given = true
					break
				}
			}
			if !given {
				stray = append(stray, k)
			}
		}
	}
	give(unmatched, func(e *entry, k *parsedKey) { e.wrongKey = k })
	give(encrypted, func(e *entry, k *parsedKey) { e.encryptedKey = k })
	return entries, stray
}

// keyOwners finds, by public key, the certificates read so far, to say
// whom a wrong private key belongs to.
type keyOwners map[string]string

func pubKeyID(pub crypto.PublicKey) (string, bool) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	return string(der), err == nil
}

func (o keyOwners) add(f *fileResult) {
	for i, e := range f.entries {
		if id, ok := pubKeyID(e.cert.PublicKey); ok {
			if _, dup := o[id]; !dup {
				o[id] = fmt.Sprintf("%s, %s", describe(e.cert), sourceOf(f, i))
			}
		}
	}
}

func sourceOf(f *fileResult, i int) string {
	if len(f.entries) > 1 {
		return f.path + "#" + strconv.Itoa(i+1)
	}
	return f.path
}

func describe(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return "CN=" + c.Subject.CommonName
	}
	return c.Subject.String()
}

// mismatch explains a private key that does not belong to its certificate.
func (o keyOwners) mismatch(k *parsedKey, c *x509.Certificate) string {
	if id, ok := pubKeyID(k.signer.Public()); ok {
		if owner, ok := o[id]; ok {
			return fmt.Sprintf("the private key in %s belongs to another certificate (%s)", k.path, owner)
		}
	}
	msg := fmt.Sprintf("the private key in %s does not belong to its certificate (%s)", k.path, describe(c))
	if kk, ck := keyKind(k.signer.Public()), keyKind(c.PublicKey); kk != ck {
		msg += fmt.Sprintf(": it is an %s key, the certificate's is %s", kk, ck)
	}
	return msg
}

func keyKind(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "ECDSA"
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return "unknown"
}

// localCerts turns a paired file into the audit's view of it.
func (o keyOwners) localCerts(f *fileResult) []audit.LocalCert {
	out := make([]audit.LocalCert, len(f.entries))
	for i := range f.entries {
		out[i] = o.localCert(f, i)
	}
	return out
}

func (o keyOwners) localCert(f *fileResult, i int) audit.LocalCert {
	e := &f.entries[i]
	lc := audit.LocalCert{
		Source: sourceOf(f, i),
		Path:   f.path,
		Cert:   audit.NewCertificate(e.cert),
		Chain:  e.chain,
		HasKey: e.hasKey(),
	}
	if e.wrongKey != nil {
		lc.KeyMismatch = o.mismatch(e.wrongKey, e.cert)
	}
	return lc
}

// leaf picks the certificate a file is about: its only leaf, or, among
// several, the only one with its own key.
func (f *fileResult) leaf() (int, *Error) {
	var leaves, keyed []int
	for i, e := range f.entries {
		if !e.chain {
			leaves = append(leaves, i)
			if e.signer != nil {
				keyed = append(keyed, i)
			}
		}
	}
	switch {
	case len(leaves) == 1:
		return leaves[0], nil
	case len(keyed) == 1:
		return keyed[0], nil
	}
	names := make([]string, len(leaves))
	for i, l := range leaves {
		names[i] = describe(f.entries[l].cert)
	}
	return 0, errorf(f.path, 0, "name a file that holds one certificate (and its chain)",
		"holds %d certificates that could each be the one in use (%s)", len(leaves), strings.Join(names, "; "))
}

// strayWarnings describes keys that belong to no certificate of a file.
func strayWarnings(path string, stray []parsedKey) []string {
	var out []string
	for _, k := range stray {
		if k.encrypted {
			out = append(out, fmt.Sprintf("%s: an encrypted private key in %s was not checked against any certificate", path, k.path))
		} else {
			out = append(out, fmt.Sprintf("%s: the private key in %s belongs to none of its certificates", path, k.path))
		}
	}
	return out
}

// encryptedWarnings says which certificates have a key that could not be
// checked.
func encryptedWarnings(f *fileResult) []string {
	var out []string
	for i, e := range f.entries {
		if e.encryptedKey != nil {
			out = append(out, fmt.Sprintf("%s: the private key in %s is encrypted, so it was not checked against the certificate (%s); to have it checked, give an unencrypted key (openssl pkey -in KEY -out KEY.plain) or a PFX",
				sourceOf(f, i), e.encryptedKey.path, describe(e.cert)))
		}
	}
	return out
}
