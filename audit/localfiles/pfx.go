package localfiles

import (
	"crypto"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"strings"

	"software.sslmate.com/src/go-pkcs12"
)

// The PKCS #12 structures this package needs to look at itself (RFC 7292):
// the outer PFX and its MAC.
type pfxPDU struct {
	Version  int
	AuthSafe pfxContentInfo
	MacData  asn1.RawValue `asn1:"optional"`
}

type pfxContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
}

type pfxMacData struct {
	Mac struct {
		Algorithm pkix.AlgorithmIdentifier
		Digest    []byte
	}
	MacSalt    []byte
	Iterations int
}

type pbkdf2Params struct {
	Salt       []byte
	Iterations int
	KeyLength  int
	Prf        pkix.AlgorithmIdentifier
}

type pbmac1Params struct {
	Kdf    pkix.AlgorithmIdentifier
	MacAlg pkix.AlgorithmIdentifier
}

type pfxSafeBag struct {
	ID    asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"tag:0,explicit"`
}

var (
	oidData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidKeyBag         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 1}
	oidPBMAC1         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14}
	oidPBKDF2         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHmacWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
)

// looksLikePFX reports whether data starts like a PKCS #12 file: a
// SEQUENCE holding version 3 and a ContentInfo.
func looksLikePFX(data []byte) bool {
	var p pfxPDU
	_, err := asn1.Unmarshal(data, &p)
	return err == nil && p.Version == 3
}

// go-pkcs12 reports a PFX without a private key with this message (and no
// exported error value); it is returned only after the MAC was verified
// with the password and every bag decrypted.
const pkcs12NoKey = "pkcs12: private key missing"

// parsePFX decodes a PFX file with the password of opts, then, when that
// fails for want of the right password, with the empty password (folders
// often mix protected and unprotected files).
func parsePFX(path string, data []byte, opts Options) (*bundle, error) {
	if n := pfxIterations(data); n > maxPFXIterations {
		return nil, errorf(path, 0, "re-export it with the usual settings (OpenSSL and Windows use about 2,000)",
			"the PFX file asks for %d key-derivation iterations, more than the %d appaudit allows", n, maxPFXIterations)
	}
	passwords := []string{opts.PFXPassword}
	if opts.PFXPassword != "" {
		passwords = append(passwords, "")
	}
	for _, pw := range passwords {
		certs, key, err := decodePFX(data, pw)
		if errors.Is(err, ErrWrongPassword) {
			continue
		}
		if err != nil {
			return nil, pfxError(path, err)
		}
		b := &bundle{path: path, certs: certs}
		if key != nil {
			b.keys = []parsedKey{{signer: key, path: path}}
		}
		return b, nil
	}
	return nil, wrongPasswordError(path, opts)
}

func wrongPasswordError(path string, opts Options) *Error {
	hint := "give the file's password in the environment variable --pfx-password-env names"
	if opts.PFXPasswordVar != "" {
		hint = "set " + opts.PFXPasswordVar + " to the file's password"
	}
	msg := "wrong PFX password"
	if opts.PFXPassword == "" {
		msg = "the PFX file needs a password, and none was given"
	}
	return errorf(path, 0, hint, "%s", msg).wrap(ErrWrongPassword)
}

// pfxError words a go-pkcs12 error for people. Its messages name
// structures and algorithms, never the password.
func pfxError(path string, err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "pkcs12: ")
	hint := "re-export it, or convert it to PEM with openssl pkcs12 -in FILE -out FILE.pem"
	switch {
	case strings.Contains(msg, "certificate missing"):
		return errorf(path, 0, "export the certificate together with its key", "the PFX file holds a private key but no certificate").wrap(err)
	case strings.Contains(msg, "cannot be encoded in UCS-2"):
		return errorf(path, 0, "PKCS #12 passwords cannot hold characters beyond the Basic Multilingual Plane", "the PFX password cannot be used").wrap(err)
	}
	return errorf(path, 0, hint, "not a PFX file appaudit can read: %s", msg).wrap(err)
}

// decodePFX returns every certificate of a PFX file and its private key
// (nil when it has none). A password that does not open the file gives
// ErrWrongPassword.
func decodePFX(data []byte, password string) ([]*x509.Certificate, crypto.Signer, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	switch {
	case err == nil:
	case errors.Is(err, pkcs12.ErrIncorrectPassword), errors.Is(err, pkcs12.ErrDecryption),
		err.Error() == "pkcs12: no MAC in data":
		return nil, nil, ErrWrongPassword
	case err.Error() == pkcs12NoKey:
		certs, err := decodeKeylessPFX(data, password)
		return certs, nil, err
	default:
		return nil, nil, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, nil, errors.New("pkcs12: the private key cannot sign")
	}
	return append([]*x509.Certificate{leaf}, cas...), signer, nil
}

// decodeKeylessPFX reads the certificates of a PFX file that holds no
// private key: a trust store, or what `openssl pkcs12 -export -nokeys`
// writes. go-pkcs12 decodes such files only when every certificate carries
// Java's trust attribute, so the file is handed to it with a throw-away
// key added in a clear bag of its own, under a fresh MAC made with the same
// password. It is called only after go-pkcs12 verified the file's own MAC
// with that password, so it opens nothing the password would not.
func decodeKeylessPFX(data []byte, password string) ([]*x509.Certificate, error) {
	var pfx pfxPDU
	if rest, err := asn1.Unmarshal(data, &pfx); err != nil || len(rest) > 0 || !pfx.AuthSafe.ContentType.Equal(oidData) {
		return nil, errors.New("pkcs12: unexpected structure of a PFX file without a private key")
	}
	var authSafe []byte
	if _, err := asn1.Unmarshal(pfx.AuthSafe.Content.Bytes, &authSafe); err != nil {
		return nil, errors.New("pkcs12: unexpected structure of a PFX file without a private key")
	}
	var safes []asn1.RawValue
	if _, err := asn1.Unmarshal(authSafe, &safes); err != nil {
		return nil, errors.New("pkcs12: unexpected structure of a PFX file without a private key")
	}

	dummy := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	pkcs8, err := x509.MarshalPKCS8PrivateKey(dummy)
	if err != nil {
		return nil, err
	}
	bags, err := asn1.Marshal([]pfxSafeBag{{ID: oidKeyBag, Value: asn1.RawValue{FullBytes: explicit0(pkcs8)}}})
	if err != nil {
		return nil, err
	}
	bagsOctets, err := asn1.Marshal(bags)
	if err != nil {
		return nil, err
	}
	keySafe, err := asn1.Marshal(pfxContentInfo{ContentType: oidData, Content: asn1.RawValue{FullBytes: explicit0(bagsOctets)}})
	if err != nil {
		return nil, err
	}
	safes = append(safes, asn1.RawValue{FullBytes: keySafe})
	newAuthSafe, err := asn1.Marshal(safes)
	if err != nil {
		return nil, err
	}
	octets, err := asn1.Marshal(newAuthSafe)
	if err != nil {
		return nil, err
	}
	out := pfxPDU{Version: 3, AuthSafe: pfxContentInfo{ContentType: oidData, Content: asn1.RawValue{FullBytes: explicit0(octets)}}}
	if len(pfx.MacData.FullBytes) > 0 {
		mac, err := pbmac1(newAuthSafe, password)
		if err != nil {
			return nil, err
		}
		out.MacData = asn1.RawValue{FullBytes: mac}
	}
	rebuilt, err := asn1.Marshal(out)
	if err != nil {
		return nil, err
	}
	key, leaf, cas, err := pkcs12.DecodeChain(rebuilt, password)
	if err != nil {
		return nil, err
	}
	if k, ok := key.(ed25519.PrivateKey); !ok || !k.Equal(dummy) {
		return nil, errors.New("pkcs12: unexpected private key in a PFX file without one")
	}
	return append([]*x509.Certificate{leaf}, cas...), nil
}

// explicit0 wraps DER in a [0] EXPLICIT tag.
func explicit0(der []byte) []byte {
	b, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: der})
	return b
}

// pbmac1 makes a PBMAC1 MacData (RFC 9579) over content with HMAC-SHA-256.
func pbmac1(content []byte, password string) ([]byte, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	const iterations = 1
	kdf, err := asn1.Marshal(pbkdf2Params{Salt: salt, Iterations: iterations, KeyLength: sha256.Size,
		Prf: pkix.AlgorithmIdentifier{Algorithm: oidHmacWithSHA256, Parameters: asn1.NullRawValue}})
	if err != nil {
		return nil, err
	}
	params, err := asn1.Marshal(pbmac1Params{
		Kdf:    pkix.AlgorithmIdentifier{Algorithm: oidPBKDF2, Parameters: asn1.RawValue{FullBytes: kdf}},
		MacAlg: pkix.AlgorithmIdentifier{Algorithm: oidHmacWithSHA256, Parameters: asn1.NullRawValue},
	})
	if err != nil {
		return nil, err
	}
	key, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		return nil, err
	}
	h := hmac.New(sha256.New, key)
	h.Write(content)
	var md pfxMacData
	md.Mac.Algorithm = pkix.AlgorithmIdentifier{Algorithm: oidPBMAC1, Parameters: asn1.RawValue{FullBytes: params}}
	md.Mac.Digest = h.Sum(nil)
	md.MacSalt = salt
	md.Iterations = iterations
	return asn1.Marshal(md)
}

// maxPFXIterations bounds the key-derivation work one PFX file may ask
// for, summed over its MAC and its encrypted parts: OpenSSL and Windows
// write about 2,000 per part, the most cautious tools some hundred
// thousand. A file asking for more (a damaged or hostile one) would keep
// appaudit busy for minutes.
const maxPFXIterations = 4_000_000

// pfxIterations adds up the iteration counts a PFX file declares in the
// clear: its MAC's, and those of every password-based encryption or key
// derivation (PKCS #12 PBE, PBKDF2) whose parameters can be read without
// the password. A count too large to parse counts as over the limit.
func pfxIterations(data []byte) int {
	var pfx pfxPDU
	if _, err := asn1.Unmarshal(data, &pfx); err != nil {
		return 0
	}
	total := 0
	add := func(n int) {
		if total += n; total > maxPFXIterations || n < 0 {
			total = maxPFXIterations + 1
		}
	}
	if len(pfx.MacData.FullBytes) > 0 {
		add(nthInt(pfx.MacData.Bytes, 2, 1))
	}
	var walk func(b []byte, depth int)
	walk = func(b []byte, depth int) {
		for len(b) > 0 && depth < 32 && total <= maxPFXIterations {
			var v asn1.RawValue
			rest, err := asn1.Unmarshal(b, &v)
			if err != nil {
				return
			}
			b = rest
			switch {
			case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagSequence:
				var oid asn1.ObjectIdentifier
				if params, err := asn1.Unmarshal(v.Bytes, &oid); err == nil && isPBE(oid) {
					var p asn1.RawValue
					if _, err := asn1.Unmarshal(params, &p); err == nil {
						add(nthInt(p.Bytes, 1, 0))
					}
				}
				walk(v.Bytes, depth+1)
			case v.IsCompound:
				walk(v.Bytes, depth+1)
			case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagOctetString:
				walk(v.Bytes, depth+1)
			}
		}
	}
	walk(pfx.AuthSafe.Content.Bytes, 0)
	return total
}

// isPBE reports the algorithms whose parameters hold an iteration count
// right after the salt: pbeWithSHAAnd* (PKCS #12) and PBKDF2 (PBES2 and
// PBMAC1 wrap it).
func isPBE(oid asn1.ObjectIdentifier) bool {
	pkcs12PBE := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1}
	return oid.Equal(oidPBKDF2) || (len(oid) == len(pkcs12PBE)+1 && oid[:len(pkcs12PBE)].Equal(pkcs12PBE))
}

// nthInt reads the i-th element (0-based) of the contents of a SEQUENCE as
// an integer: def when there is no such element, -1 when it is not a
// small integer.
func nthInt(contents []byte, i, def int) int {
	for ; ; i-- {
		if len(contents) == 0 {
			return def
		}
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(contents, &v)
		if err != nil {
			return -1
		}
		if i == 0 {
			var n int
			if _, err := asn1.Unmarshal(v.FullBytes, &n); err != nil {
				return -1
			}
			return n
		}
		contents = rest
	}
}
