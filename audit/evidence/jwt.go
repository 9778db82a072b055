package evidence

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/appaudit/appaudit/audit"
)

// Assertion is a client assertion (or any signed JWT) taken apart without
// trusting anything in it. The header is kept as raw JSON, since the checks
// look at parameters a JWT library would drop and at exactly how the
// thumbprints are written.
type Assertion struct {
	Header map[string]json.RawMessage
	Claims map[string]json.RawMessage
	// SigningInput is the header and claims parts as sent, which the
	// signature covers.
	SigningInput string
	Signature    []byte
	// Lax lists the encoding liberties the parts take (padding, the
	// standard base64 alphabet): readable, but not what JWS prescribes.
	Lax []string
}

// MaxAssertionSize bounds what ParseAssertion reads: client assertions are
// a few kilobytes, even with an x5c chain.
const MaxAssertionSize = 256 << 10

// ParseAssertion takes apart a compact JWS: header.claims.signature, each
// part base64url. Padding and the standard alphabet are read too, and
// recorded in Lax. The error says what is wrong in words and never quotes
// the token.
func ParseAssertion(s string) (*Assertion, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("the assertion is empty")
	}
	if len(s) > MaxAssertionSize {
		return nil, fmt.Errorf("the assertion is %d bytes long, more than the %d KiB a client assertion can be", len(s), MaxAssertionSize>>10)
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return nil, errors.New("the assertion has white space inside it: a JWT is one unbroken string (was it wrapped when it was copied?)")
	}
	parts := strings.Split(s, ".")
	switch len(parts) {
	case 3:
	case 5:
		return nil, errors.New("the token has 5 parts: it is an encrypted JWT (JWE), and a client assertion is a signed one (JWS, 3 parts)")
	default:
		return nil, fmt.Errorf("the token has %s separated by dots, and a signed JWT has 3 (header.claims.signature)", audit.Plural(len(parts), "part"))
	}
	a := &Assertion{SigningInput: parts[0] + "." + parts[1]}
	header, err := a.segment(parts[0], "header")
	if err != nil {
		return nil, err
	}
	if a.Header, err = jsonObject(header, "header"); err != nil {
		return nil, err
	}
	claims, err := a.segment(parts[1], "claims")
	if err != nil {
		return nil, err
	}
	if a.Claims, err = jsonObject(claims, "claims"); err != nil {
		return nil, err
	}
	if a.Signature, err = a.segment(parts[2], "signature"); err != nil {
		return nil, err
	}
	return a, nil
}

// segment decodes one part, noting encoding liberties.
func (a *Assertion) segment(p, name string) ([]byte, error) {
	if p == "" && name != "signature" {
		return nil, fmt.Errorf("the %s part is empty", name)
	}
	trimmed := strings.TrimRight(p, "=")
	if trimmed != p {
		a.Lax = append(a.Lax, "the "+name+" part is padded with '='")
	}
	enc := base64.RawURLEncoding
	if strings.ContainsAny(trimmed, "+/") {
		a.Lax = append(a.Lax, "the "+name+" part uses the standard base64 alphabet (+ and /), not base64url")
		enc = base64.RawStdEncoding
	}
	b, err := enc.DecodeString(trimmed)
	if err != nil {
		var ce base64.CorruptInputError
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("the %s part is not base64url (bad character or length at offset %d)", name, int64(ce))
		}
		return nil, fmt.Errorf("the %s part is not base64url", name)
	}
	return b, nil
}

func jsonObject(b []byte, name string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, fmt.Errorf("the %s part decodes to %d bytes that are not a JSON object", name, len(b))
	}
	return m, nil
}

// HeaderNames lists the header's parameters, sorted.
func (a *Assertion) HeaderNames() []string {
	names := make([]string, 0, len(a.Header))
	for k := range a.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// str reads a string member of m: its value, whether the member is
// there, and whether it is a JSON string.
func str(m map[string]json.RawMessage, name string) (value string, present, isString bool) {
	raw, ok := m[name]
	if !ok {
		return "", false, false
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		return "", true, false
	}
	return value, true, true
}

// HeaderString reads a header parameter that should be a string.
func (a *Assertion) HeaderString(name string) (value string, present, isString bool) {
	return str(a.Header, name)
}

// ClaimString reads a claim that should be a string.
func (a *Assertion) ClaimString(name string) (value string, present, isString bool) {
	return str(a.Claims, name)
}

// ErrNotNumber says a NumericDate claim is there but holds no number.
var ErrNotNumber = errors.New("not a number")

// ClaimNumber reads a NumericDate claim (seconds since 1970): its value,
// whether it is there, whether it is written as a JSON string holding the
// number rather than as a JSON number (MSAL .NET writes nbf and exp so:
// "nbf":"1718445600"), and ErrNotNumber when it holds no number at all.
func (a *Assertion) ClaimNumber(name string) (v float64, present, quoted bool, err error) {
	raw, ok := a.Claims[name]
	if !ok {
		return 0, false, false, nil
	}
	text := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if json.Unmarshal(raw, &text) != nil {
			return 0, true, true, ErrNotNumber
		}
		quoted = true
	}
	var n json.Number
	// A JSON number, or the text of one inside the string.
	if !json.Valid([]byte(text)) || json.Unmarshal([]byte(text), &n) != nil {
		return 0, true, quoted, ErrNotNumber
	}
	f, ferr := n.Float64()
	if ferr != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, true, quoted, ErrNotNumber
	}
	return f, true, quoted, nil
}

// Audiences reads aud, a string or an array of strings.
func (a *Assertion) Audiences() (auds []string, present, ok bool) {
	raw, present := a.Claims["aud"]
	if !present {
		return nil, false, false
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, true, true
	}
	if json.Unmarshal(raw, &auds) == nil && len(auds) > 0 {
		return auds, true, true
	}
	return nil, true, false
}

// UnixTime turns a NumericDate (seconds since 1970, fractions allowed)
// into a time, clamped to a sensible range.
func UnixTime(secs float64) time.Time {
	if secs > 1e12 || secs < -1e12 {
		// Out of any sensible range; keep the sign.
		return time.Unix(int64(math.Copysign(1e12, secs)), 0).UTC()
	}
	whole, frac := math.Modf(secs)
	return time.Unix(int64(whole), int64(frac*1e9)).UTC()
}

// Why a signature does not verify: Verify returns one of these.
var (
	// ErrKeyCannotSign: the key is not RSA, and RS256/PS256 need RSA.
	ErrKeyCannotSign = errors.New("the key cannot do the algorithm")
	// ErrPSSSalt: a PSS signature whose salt length is not the hash
	// length.
	ErrPSSSalt = errors.New("PSS signature with a salt length other than the hash length")
	// ErrOtherPadding: the signature verifies with the other RSA padding
	// than alg says (PKCS #1 v1.5 for PS256, or PSS for RS256).
	ErrOtherPadding = errors.New("the signature uses the other RSA padding")
	// ErrSignatureMismatch: the signature does not verify with the key.
	ErrSignatureMismatch = errors.New("the signature does not verify")
	// ErrAlgUnsupported: alg is not one appaudit verifies.
	ErrAlgUnsupported = errors.New("not an algorithm Entra takes")
)

// Verify checks the signature with pub under alg (RS256 or PS256): nil
// when it verifies as Entra verifies it, else one of the errors above.
func (a *Assertion) Verify(alg string, pub crypto.PublicKey) error {
	if alg != "RS256" && alg != "PS256" {
		return ErrAlgUnsupported
	}
	k, ok := pub.(*rsa.PublicKey)
	if !ok {
		return ErrKeyCannotSign
	}
	digest := sha256.Sum256([]byte(a.SigningInput))
	pkcs1 := func() bool { return rsa.VerifyPKCS1v15(k, crypto.SHA256, digest[:], a.Signature) == nil }
	pss := func(o *rsa.PSSOptions) bool { return rsa.VerifyPSS(k, crypto.SHA256, digest[:], a.Signature, o) == nil }
	anySalt := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto, Hash: crypto.SHA256}
	if alg == "RS256" {
		switch {
		case pkcs1():
			return nil
		case pss(anySalt):
			return ErrOtherPadding
		}
		return ErrSignatureMismatch
	}
	switch {
	// Entra verifies PS256 with a salt as long as the hash (32 bytes), as
	// RFC 7518 prescribes and MSAL signs.
	case pss(&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}):
		return nil
	case pss(anySalt):
		return ErrPSSSalt
	case pkcs1():
		return ErrOtherPadding
	}
	return ErrSignatureMismatch
}
