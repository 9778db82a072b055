package audit

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Thumbprints identifies a certificate by the digests of its DER encoding,
// as upper-case hex. Either may be unknown (empty): a thumbprint pasted from
// configuration gives one of them, a customKeyIdentifier only SHA-1.
type Thumbprints struct {
	SHA1   string `json:"sha1,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

// ThumbprintsOf computes both thumbprints of a DER-encoded certificate.
func ThumbprintsOf(der []byte) Thumbprints {
	s1 := sha1.Sum(der)
	s256 := sha256.Sum256(der)
	return Thumbprints{SHA1: strings.ToUpper(hex.EncodeToString(s1[:])), SHA256: strings.ToUpper(hex.EncodeToString(s256[:]))}
}

// Known reports whether at least one digest is known.
func (t Thumbprints) Known() bool { return t.SHA1 != "" || t.SHA256 != "" }

// Matches reports whether t and o name the same certificate: some digest
// known on both sides is equal. Unknown digests never match.
func (t Thumbprints) Matches(o Thumbprints) bool {
	return (t.SHA1 != "" && t.SHA1 == o.SHA1) || (t.SHA256 != "" && t.SHA256 == o.SHA256)
}

// Merge fills the digests t lacks from o. Call it only when t and o are
// known to be the same certificate.
func (t Thumbprints) Merge(o Thumbprints) Thumbprints {
	if t.SHA1 == "" {
		t.SHA1 = o.SHA1
	}
	if t.SHA256 == "" {
		t.SHA256 = o.SHA256
	}
	return t
}

// String renders the thumbprints for people: SHA-1 (what the portal and
// Windows show) first.
func (t Thumbprints) String() string {
	switch {
	case t.SHA1 != "" && t.SHA256 != "":
		return "SHA-1 " + t.SHA1 + ", SHA-256 " + t.SHA256
	case t.SHA1 != "":
		return "SHA-1 " + t.SHA1
	case t.SHA256 != "":
		return "SHA-256 " + t.SHA256
	}
	return "unknown thumbprint"
}

// Brief names the certificate by one digest, for messages: "SHA-1 <hex>"
// when the SHA-1 thumbprint is known (what the portal shows), else
// "SHA-256 <hex>", else "thumbprint unknown".
func (t Thumbprints) Brief() string {
	switch {
	case t.SHA1 != "":
		return "SHA-1 " + t.SHA1
	case t.SHA256 != "":
		return "SHA-256 " + t.SHA256
	}
	return "thumbprint unknown"
}

// Short is the SHA-1 thumbprint (or else the SHA-256 one) cut to 8 hex
// characters, for tables.
func (t Thumbprints) Short() string {
	s := t.SHA1
	if s == "" {
		s = t.SHA256
	}
	if len(s) > 8 {
		return s[:8]
	}
	return s
}

// X5t is the value of a client assertion's x5t header for this
// certificate: base64url, unpadded, of the SHA-1 digest. Empty when the
// SHA-1 thumbprint is unknown.
func (t Thumbprints) X5t() string { return hexToB64URL(t.SHA1) }

// X5tS256 is the value of the x5t#S256 header: base64url, unpadded, of the
// SHA-256 digest. Empty when the SHA-256 thumbprint is unknown.
func (t Thumbprints) X5tS256() string { return hexToB64URL(t.SHA256) }

func hexToB64URL(h string) string {
	if h == "" {
		return ""
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// ThumbprintEncoding says how a thumbprint string was written.
type ThumbprintEncoding string

// The renderings ParseThumbprint understands.
const (
	// EncodingHex is hex of the digest, any case, any separators.
	EncodingHex ThumbprintEncoding = "hex"
	// EncodingBase64URL is base64url of the digest, padded or not: what
	// x5t and x5t#S256 must hold.
	EncodingBase64URL ThumbprintEncoding = "base64url"
	// EncodingBase64 is standard base64 of the digest, padded or not: what
	// MSAL Go and MSAL Java send, and what Entra tolerates.
	EncodingBase64 ThumbprintEncoding = "base64"
	// EncodingBase64OfHex is base64 (either alphabet) of the hex *text* of
	// the digest: a classic bug in hand-written clients, which Entra
	// rejects in a header.
	EncodingBase64OfHex ThumbprintEncoding = "base64-of-hex-text"
)

// ParsedThumbprint is the result of ParseThumbprint.
type ParsedThumbprint struct {
	Thumbprints
	Encoding ThumbprintEncoding
}

// byteSeparators are what people put between the byte pairs of a hex
// thumbprint.
var byteSeparators = strings.NewReplacer(":", "", "-", "")

// ErrThumbprint is wrapped by every error ParseThumbprint returns.
var ErrThumbprint = errors.New("not a certificate thumbprint")

// invisible reports the characters people paste along with thumbprints:
// the left-to-right mark the Windows certificate dialog adds, other format
// characters, and white space of every kind.
func invisible(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || r == '\u00a0'
}

// ParseThumbprint reads a certificate thumbprint in any rendering people
// paste: SHA-1 or SHA-256 hex in either case, separated by spaces, colons or
// dashes, with the invisible characters the Windows certificate dialog
// copies along (U+200E and friends); or a base64url or base64 x5t/x5t#S256
// value, padded or not. Base64 of the hex text is also read, and reported as
// such in Encoding.
func ParseThumbprint(s string) (ParsedThumbprint, error) {
	var b strings.Builder
	for _, r := range s {
		if invisible(r) {
			continue
		}
		b.WriteRune(r)
	}
	raw := b.String()
	if raw == "" {
		return ParsedThumbprint{}, fmt.Errorf("%w: empty", ErrThumbprint)
	}
	// Hex, with separators between byte pairs.
	if h := byteSeparators.Replace(raw); isHex(h) && (len(h) == 40 || len(h) == 64) {
		return fromHex(h, EncodingHex), nil
	}
	if digest, enc, ok := decodeBase64Digest(raw); ok {
		switch len(digest) {
		case sha1.Size, sha256.Size:
			return fromHex(hex.EncodeToString(digest), enc), nil
		case 2 * sha1.Size, 2 * sha256.Size:
			if isHex(string(digest)) {
				return fromHex(string(digest), EncodingBase64OfHex), nil
			}
		}
		return ParsedThumbprint{}, fmt.Errorf("%w: %q decodes to %d bytes, but a SHA-1 thumbprint is 20 bytes and a SHA-256 one 32", ErrThumbprint, clip(s), len(digest))
	}
	return ParsedThumbprint{}, fmt.Errorf("%w: %q is neither 40 or 64 hex digits nor a base64 x5t value", ErrThumbprint, clip(s))
}

// decodeBase64Digest decodes a base64 or base64url string, padded or not,
// and says which alphabet it used. Header values of client assertions go
// through it.
func decodeBase64Digest(s string) ([]byte, ThumbprintEncoding, bool) {
	trimmed := strings.TrimRight(s, "=")
	if strings.ContainsAny(trimmed, "+/") {
		if b, err := base64.RawStdEncoding.DecodeString(trimmed); err == nil {
			return b, EncodingBase64, true
		}
		return nil, "", false
	}
	if b, err := base64.RawURLEncoding.DecodeString(trimmed); err == nil {
		enc := EncodingBase64URL
		if trimmed != s {
			enc = EncodingBase64 // padding is a standard-base64 habit
		}
		return b, enc, true
	}
	return nil, "", false
}

func fromHex(h string, enc ThumbprintEncoding) ParsedThumbprint {
	h = strings.ToUpper(h)
	p := ParsedThumbprint{Encoding: enc}
	if len(h) == 40 {
		p.SHA1 = h
	} else {
		p.SHA256 = h
	}
	return p
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// clip shortens s for an error message.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// ThumbprintsFromKeyIdentifier reads a keyCredential's customKeyIdentifier
// (already base64-decoded). It is usually the 20 raw bytes of the SHA-1
// digest, but Graph how-tos upload the 40-character hex text instead, and
// an uploader who put the hex text itself in the JSON had Graph read it as
// base64: then the bytes are 30 (or 48) whose base64 is the hex text. Other
// bytes (PowerShell samples upload arbitrary ones) identify nothing and give
// unknown thumbprints.
func ThumbprintsFromKeyIdentifier(b []byte) Thumbprints {
	switch {
	case len(b) == sha1.Size:
		return Thumbprints{SHA1: strings.ToUpper(hex.EncodeToString(b))}
	case len(b) == 2*sha1.Size && isHex(string(b)):
		return Thumbprints{SHA1: strings.ToUpper(string(b))}
	case len(b) == 2*sha256.Size && isHex(string(b)):
		return Thumbprints{SHA256: strings.ToUpper(string(b))}
	case len(b) == 2*sha1.Size*3/4 || len(b) == 2*sha256.Size*3/4:
		if text := base64.StdEncoding.EncodeToString(b); isHex(text) {
			return fromHex(text, EncodingHex).Thumbprints
		}
	}
	return Thumbprints{}
}
