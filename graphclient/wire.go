package graphclient

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/appaudit/appaudit/audit"
)

// The @odata.type values of the two kinds of object appaudit reads.
const (
	odataApplication      = "#microsoft.graph.application"
	odataServicePrincipal = "#microsoft.graph.servicePrincipal"
)

// wireObject is an application or a service principal as Graph's JSON
// spells it, reduced to the members appaudit's checks need: what
// WriteSnapshot and Object.MarshalJSON write. A passwordCredential has no
// hint or secretText here, so none can be written. (Reading is
// wireread.go's, which skips those members unread.)
type wireObject struct {
	ODataType           string         `json:"@odata.type,omitempty"`
	ID                  string         `json:"id"`
	AppID               string         `json:"appId"`
	DisplayName         string         `json:"displayName"`
	SignInAudience      string         `json:"signInAudience,omitempty"`
	KeyCredentials      []wireKey      `json:"keyCredentials"`
	PasswordCredentials []wirePassword `json:"passwordCredentials"`

	// Service principals only.
	AppDisplayName                      string `json:"appDisplayName,omitempty"`
	ServicePrincipalType                string `json:"servicePrincipalType,omitempty"`
	AppOwnerOrganizationID              string `json:"appOwnerOrganizationId,omitempty"`
	PreferredTokenSigningKeyThumbprint  string `json:"preferredTokenSigningKeyThumbprint,omitempty"`
	PreferredTokenSigningKeyEndDateTime string `json:"preferredTokenSigningKeyEndDateTime,omitempty"`
	AccountEnabled                      *bool  `json:"accountEnabled,omitempty"`
}

// wireKey is Graph's keyCredential. customKeyIdentifier and key are
// Edm.Binary: base64 strings, or null.
type wireKey struct {
	KeyID               string `json:"keyId"`
	DisplayName         string `json:"displayName,omitempty"`
	Type                string `json:"type"`
	Usage               string `json:"usage"`
	StartDateTime       string `json:"startDateTime,omitempty"`
	EndDateTime         string `json:"endDateTime,omitempty"`
	CustomKeyIdentifier string `json:"customKeyIdentifier,omitempty"`
	Key                 string `json:"key,omitempty"`
}

// wirePassword is Graph's passwordCredential without hint and secretText,
// which appaudit never reads.
type wirePassword struct {
	KeyID         string `json:"keyId"`
	DisplayName   string `json:"displayName,omitempty"`
	StartDateTime string `json:"startDateTime,omitempty"`
	EndDateTime   string `json:"endDateTime,omitempty"`
}

// fieldError is a member of one object that could not be converted. path
// leads from the object to the member: names and array indexes.
type fieldError struct {
	path []any
	// at is where the fault is in the object's JSON; 0 when not known
	// (the path then finds it).
	at   int
	msg  string
	hint string
	// syntax, when set, is invalid JSON: nothing else of the error counts.
	syntax *syntaxError
}

// pathString renders a path of member names and array indexes:
// keyCredentials[1].key. The names come from the input, so a name that
// is not a plain word is quoted and clipped, and a deep path keeps only
// its last maxPathParts steps: an error names a place, it never repeats
// the input.
func pathString(path []any) string {
	const maxPathParts = 8
	var b strings.Builder
	if len(path) > maxPathParts {
		b.WriteString("…")
		path = path[len(path)-maxPathParts:]
	}
	for _, p := range path {
		switch p := p.(type) {
		case int:
			b.WriteString("[" + strconv.Itoa(p) + "]")
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			if plainMember(p) {
				b.WriteString(p)
			} else {
				b.WriteString(strconv.Quote(clip(p)))
			}
		}
	}
	return b.String()
}

// plainMember reports whether a member name can be printed bare: a short
// word of the letters, digits and marks Graph's own names use
// (keyCredentials, @odata.nextLink).
func plainMember(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@._#$-", r)) {
			return false
		}
	}
	return true
}

// identify fills k's certificate and thumbprints from the body Graph
// returned. The body is kept (for snapshots) only when it cannot be secret:
// a Symmetric credential's key is the shared secret itself, and a key that
// parses as a private key or a PKCS#12 file holds one, so neither is kept.
func identify(k *audit.KeyCredential, der []byte) {
	if k.Type == audit.TypeSymmetric {
		der = nil
	}
	k.Identify(der)
	if k.Cert == nil && len(der) > 0 && holdsPrivateKey(der) {
		k.Key = nil
		k.CertError = "key holds private key material, not a certificate; appaudit keeps none of it"
	}
}

// holdsPrivateKey reports whether der is a private key (PKCS#8, PKCS#1,
// SEC 1) or a PKCS#12 file, which may hold one.
func holdsPrivateKey(der []byte) bool {
	if _, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return true
	}
	if _, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return true
	}
	if _, err := x509.ParseECPrivateKey(der); err == nil {
		return true
	}
	var pfx struct {
		Version  int
		AuthSafe asn1.RawValue
	}
	_, err := asn1.Unmarshal(der, &pfx)
	return err == nil && pfx.Version == 3
}

// decodeBinary decodes an Edm.Binary value. Graph writes standard base64
// with padding; unpadded and URL-safe renderings of the same bytes are
// read too, since they cannot mean anything else. Empty means null.
func decodeBinary(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err == nil {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, e := enc.DecodeString(s); e == nil {
			return b, nil
		}
	}
	return nil, err
}

func encodeBinary(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return base64.StdEncoding.EncodeToString(b)
}

// Graph writes DateTimeOffset values as RFC 3339 in UTC, with or without
// fractional seconds; a value without a zone is read as UTC, which is what
// Graph means by it.
const dateNoZone = "2006-01-02T15:04:05.999999999"

// parseDate reads a date member; empty (null or absent) is the zero time.
func parseDate(s, member string) (time.Time, *fieldError) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse(dateNoZone, s)
	}
	if t = t.UTC(); err != nil || t.Year() < 1 || t.Year() > 9999 {
		// Years outside 1 to 9999 could not be written back in RFC 3339.
		return time.Time{}, &fieldError{path: []any{member}, msg: fmt.Sprintf("%q is not a date", clip(s)),
			hint: "write RFC 3339 in UTC, as Graph does: 2026-01-31T12:00:00Z"}
	}
	return t, nil
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// clip shortens an input value quoted in a message.
func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut-- // never split a character
	}
	return s[:cut] + "…"
}

// wireApplication is a's Graph JSON.
func wireApplication(a *audit.Application) wireObject {
	o := wirePrincipal(&a.Principal)
	o.SignInAudience = a.SignInAudience
	return o
}

// wireServicePrincipal is s's Graph JSON.
func wireServicePrincipal(s *audit.ServicePrincipal) wireObject {
	o := wirePrincipal(&s.Principal)
	o.AppDisplayName = s.AppDisplayName
	o.ServicePrincipalType = s.ServicePrincipalType
	o.AppOwnerOrganizationID = s.AppOwnerOrganizationID
	o.PreferredTokenSigningKeyThumbprint = s.PreferredTokenSigningKeyThumbprint
	o.PreferredTokenSigningKeyEndDateTime = formatDate(s.PreferredTokenSigningKeyEndDateTime)
	if s.AccountDisabled {
		o.AccountEnabled = new(bool)
	}
	return o
}

func wirePrincipal(p *audit.Principal) wireObject {
	o := wireObject{
		ID: p.ObjectID, AppID: p.AppID, DisplayName: p.DisplayName,
		KeyCredentials:      make([]wireKey, len(p.KeyCredentials)),
		PasswordCredentials: make([]wirePassword, len(p.PasswordCredentials)),
	}
	for i := range p.KeyCredentials {
		k := &p.KeyCredentials[i]
		o.KeyCredentials[i] = wireKey{
			KeyID: k.KeyID, DisplayName: k.DisplayName, Type: k.Type, Usage: k.Usage,
			StartDateTime: formatDate(k.Start), EndDateTime: formatDate(k.End),
			CustomKeyIdentifier: encodeBinary(k.CustomKeyIdentifier), Key: encodeBinary(k.Key),
		}
	}
	for i := range p.PasswordCredentials {
		s := &p.PasswordCredentials[i]
		o.PasswordCredentials[i] = wirePassword{KeyID: s.KeyID, DisplayName: s.DisplayName,
			StartDateTime: formatDate(s.Start), EndDateTime: formatDate(s.End)}
	}
	return o
}

// MarshalJSON writes the object as Graph writes it: camelCase members,
// Edm.Binary in base64, dates in RFC 3339, certificate bodies in key, and
// nothing of a secret but its ID, name and dates.
func (o Object) MarshalJSON() ([]byte, error) {
	var w wireObject
	if o.Kind == audit.KindServicePrincipal {
		w = wireServicePrincipal(&o.ServicePrincipal)
	} else {
		w = wireApplication(&o.Application)
	}
	return json.Marshal(w)
}
