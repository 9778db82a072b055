package graphclient

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/appaudit/appaudit/audit"
)

// wireRead is what the object decoder read of one directory object: the
// members appaudit's checks need, in the audit's own types.
type wireRead struct {
	// odataType is @odata.type, or failing it the legacy Azure AD Graph
	// odata.type or objectType, turned into Graph's spelling.
	odataType string
	p         audit.Principal
	// hasID: the object has an id, objectId or appId: what every
	// application and service principal has.
	hasID bool
	// credentialKeys are the credential members (keyId, endDateTime, ...)
	// the object has at its top level: an object with them and no ID is
	// a credential, not an application.
	credentialKeys []string

	signInAudience string

	// Service principals only.
	appDisplayName, spType, appOwnerOrg, prefThumb string
	prefEnd                                        time.Time
	accountEnabled, accountDisabled                bool
}

// servicePrincipalOnly reports whether the object carries a member only
// service principals have: how an object without @odata.type, in an array
// that does not say what it holds, is told apart from an application.
func (o *wireRead) servicePrincipalOnly() bool {
	return o.spType != "" || o.appOwnerOrg != "" || o.appDisplayName != "" || o.prefThumb != "" ||
		!o.prefEnd.IsZero() || o.accountEnabled || o.accountDisabled
}

// object is the Object o describes, as kind.
func (o *wireRead) object(kind audit.ObjectKind) Object {
	if kind == audit.KindServicePrincipal {
		return Object{Kind: kind, ServicePrincipal: audit.ServicePrincipal{
			Principal:                           o.p,
			AppDisplayName:                      o.appDisplayName,
			ServicePrincipalType:                o.spType,
			AppOwnerOrganizationID:              o.appOwnerOrg,
			PreferredTokenSigningKeyThumbprint:  o.prefThumb,
			PreferredTokenSigningKeyEndDateTime: o.prefEnd,
			AccountDisabled:                     o.accountDisabled,
		}}
	}
	return Object{Kind: kind, Application: audit.Application{Principal: o.p, SignInAudience: o.signInAudience}}
}

// The members of an application or a service principal appaudit reads, by
// their name in Graph. A member spelt otherwise (KeyCredentials, APPID) is
// refused: encoding/json would have read it, but the files that spell
// Graph's names in PascalCase are PowerShell objects converted with
// ConvertTo-Json, whose dates and byte values are not Graph's.
var objectMembers = []string{"id", "appId", "displayName", "signInAudience", "keyCredentials", "passwordCredentials",
	"appDisplayName", "servicePrincipalType", "appOwnerOrganizationId", "preferredTokenSigningKeyThumbprint",
	"preferredTokenSigningKeyEndDateTime", "accountEnabled"}

var credentialMembers = []string{"keyId", "displayName", "type", "usage", "startDateTime", "endDateTime", "customKeyIdentifier", "key", "hint", "secretText"}

const hintPowerShell = "this looks like Microsoft Graph PowerShell objects passed through ConvertTo-Json, " +
	"whose dates and byte arrays are not Graph's JSON; save Graph's own JSON instead: `az ad app list --all > apps.json` or `appaudit snapshot`"

// misspelt returns the name in names that name matches but for case.
func misspelt(name []byte, names []string) (string, bool) {
	for _, n := range names {
		if len(n) == len(name) && string(name) != n && strings.EqualFold(string(name), n) {
			return n, true
		}
	}
	return "", false
}

// scratch is where the object decoder reads credential lists before it
// copies them into slices of their exact length, so that the tenant holds
// no spare capacity; it is kept from one object to the next.
type scratch struct {
	keys      []audit.KeyCredential
	passwords []audit.PasswordCredential
}

// decodeWire reads the directory object raw holds, which the input has
// delimited but not validated, into o.
func decodeWire(raw []byte, o *wireRead, s *scratch) *fieldError {
	l := lexer{b: raw}
	var legacyType, objectType, objectID string
	if err := l.open(); err != nil {
		return err
	}
	for n := 0; ; n++ {
		name, escaped, more, err := l.member(n)
		if err != nil || !more {
			if err == nil {
				break
			}
			return err
		}
		if escaped {
			name = []byte(unquote(name, true))
		}
		// Member names are compared in place: string(name) in a switch
		// allocates nothing.
		switch string(name) {
		case "id":
			err = l.stringInto(&o.p.ObjectID, "id")
			o.hasID = o.hasID || o.p.ObjectID != ""
		case "appId":
			err = l.stringInto(&o.p.AppID, "appId")
			o.hasID = o.hasID || o.p.AppID != ""
		case "displayName":
			err = l.stringInto(&o.p.DisplayName, "displayName")
		case "@odata.type":
			err = l.stringInto(&o.odataType, "@odata.type")
		case "signInAudience":
			err = l.enum(&o.signInAudience, "signInAudience", "AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount")
		case "keyCredentials":
			o.p.KeyCredentials, err = readList(&l, "keyCredentials", &s.keys, keyCredential)
		case "passwordCredentials":
			o.p.PasswordCredentials, err = readList(&l, "passwordCredentials", &s.passwords, passwordCredential)
		case "appDisplayName":
			err = l.stringInto(&o.appDisplayName, "appDisplayName")
		case "servicePrincipalType":
			err = l.enum(&o.spType, "servicePrincipalType", "Application", "ManagedIdentity", "Legacy", "SocialIdp")
		case "appOwnerOrganizationId", "appOwnerTenantId": // the second is Azure AD Graph's name
			err = l.stringInto(&o.appOwnerOrg, string(name))
		case "preferredTokenSigningKeyThumbprint":
			err = l.stringInto(&o.prefThumb, "preferredTokenSigningKeyThumbprint")
		case "preferredTokenSigningKeyEndDateTime":
			o.prefEnd, err = l.date("preferredTokenSigningKeyEndDateTime")
		case "accountEnabled":
			var v, set bool
			if v, set, err = l.boolean("accountEnabled"); err == nil {
				o.accountEnabled, o.accountDisabled = set && v, set && !v
			}
		// Azure AD Graph, as `az` before 2.37 printed it.
		case "objectId":
			err = l.stringInto(&objectID, "objectId")
			o.hasID = o.hasID || objectID != ""
		case "odata.type":
			err = l.stringInto(&legacyType, "odata.type")
		case "objectType":
			err = l.stringInto(&objectType, "objectType")
		default:
			if m, ok := misspelt(name, objectMembers); ok {
				return &fieldError{path: []any{string(name)}, at: l.i, msg: fmt.Sprintf("Graph spells this member %s", m), hint: hintPowerShell}
			}
			for _, m := range credentialMembers {
				if string(name) == m {
					o.credentialKeys = append(o.credentialKeys, m)
				}
			}
			if serr := l.skip(); serr != nil {
				return &fieldError{syntax: serr}
			}
		}
		if err != nil {
			return err
		}
	}
	if o.p.ObjectID == "" {
		o.p.ObjectID = objectID
	}
	if o.odataType == "" {
		o.odataType = legacyKind(legacyType, objectType)
	}
	return nil
}

// legacyKind turns Azure AD Graph's odata.type
// (Microsoft.DirectoryServices.Application) or objectType (Application)
// into Graph's @odata.type; another type is kept as it is, to be refused.
func legacyKind(odataType, objectType string) string {
	t := odataType
	if t == "" {
		t = objectType
	}
	switch strings.TrimPrefix(t, "Microsoft.DirectoryServices.") {
	case "":
		return ""
	case "Application":
		return odataApplication
	case "ServicePrincipal":
		return odataServicePrincipal
	}
	return t
}

// stringInto reads a string (or null, which is empty) into s.
func (l *lexer) stringInto(s *string, member string) *fieldError {
	switch l.peek() {
	case '"':
		raw, escaped, err := l.str()
		if err != nil {
			return &fieldError{syntax: err}
		}
		*s = unquote(raw, escaped)
		return nil
	case 'n':
		*s = ""
		return l.null()
	}
	return l.typeError(member, "a string")
}

// null reads a null the lexer is at; anything else starting with n is a
// syntax error.
func (l *lexer) null() *fieldError {
	if err := l.literal(); err != nil {
		return &fieldError{syntax: err}
	}
	return nil
}

// typeError is a member whose value is of the wrong JSON type.
func (l *lexer) typeError(member, want string) *fieldError {
	at := l.i
	found := l.kindAt()
	if err := l.skip(); err != nil { // a value that is not even JSON is a syntax error first
		return &fieldError{syntax: err}
	}
	var path []any
	if member != "" {
		path = []any{member}
	}
	return &fieldError{path: path, at: at, msg: fmt.Sprintf("expected %s, found %s", want, found),
		hint: "Graph writes " + want + " here; see docs/snapshot-format.md"}
}

// boolean reads true, false or null (set false).
func (l *lexer) boolean(member string) (v, set bool, err *fieldError) {
	switch c := l.peek(); c {
	case 't', 'f', 'n':
		if serr := l.literal(); serr != nil {
			return false, false, &fieldError{syntax: serr}
		}
		return c == 't', c != 'n', nil
	}
	return false, false, l.typeError(member, "true or false")
}

// date reads a date member: RFC 3339 as Graph writes it, or null (zero).
func (l *lexer) date(member string) (time.Time, *fieldError) {
	switch l.peek() {
	case '"':
		at := l.i
		raw, escaped, err := l.str()
		if err != nil {
			return time.Time{}, &fieldError{syntax: err}
		}
		if t, ok := parseRFC3339(raw); ok && !escaped {
			return t, nil
		}
		t, ferr := parseDate(unquote(raw, escaped), member)
		if ferr != nil {
			ferr.at = at
		}
		return t, ferr
	case 'n':
		return time.Time{}, l.null()
	}
	return time.Time{}, l.typeError(member, "a string")
}

// binary reads an Edm.Binary member: base64, or null (nil).
func (l *lexer) binary(member string) ([]byte, string, *fieldError) {
	switch l.peek() {
	case '"':
		at := l.i
		raw, escaped, err := l.str()
		if err != nil {
			return nil, "", &fieldError{syntax: err}
		}
		if escaped { // Graph never escapes base64, but "\/" is still a /
			raw = []byte(unquote(raw, true))
		}
		if len(raw) == 0 {
			return nil, "", nil
		}
		b := make([]byte, base64.StdEncoding.DecodedLen(len(raw)))
		n, e := base64.StdEncoding.Decode(b, raw)
		if e == nil {
			return b[:n], "", nil
		}
		b, e2 := decodeBinary(string(raw))
		if e2 != nil {
			return nil, string(raw[:min(len(raw), 16)]), &fieldError{path: []any{member}, at: at, msg: "not base64: " + e2.Error()}
		}
		return b, "", nil
	case 'n':
		return nil, "", l.null()
	}
	return nil, "", l.typeError(member, "a string")
}

// readList reads a credential list (or null, which is empty) of member,
// each element with one, into buf, and returns a copy of exactly its
// length.
func readList[C any](l *lexer, member string, buf *[]C, one func(*lexer, *C) *fieldError) ([]C, *fieldError) {
	out := (*buf)[:0]
	defer func() { *buf = out[:0] }()
	switch l.peek() {
	case 'n':
		return nil, l.null()
	case '[':
	default:
		return nil, l.typeError(member, "an array")
	}
	l.i++
	if l.peek() == ']' {
		l.i++
		return nil, nil
	}
	for i := 0; ; i++ {
		if len(out) == MaxCredentials { // tooManyCredentials refuses most before; this bounds the rest
			return nil, &fieldError{path: []any{member}, msg: fmt.Sprintf("holds more than %d credentials", MaxCredentials),
				hint: "an Entra object holds at most about 1,000 items across its lists: is the file damaged?"}
		}
		var zero C
		out = append(out, zero)
		if err := one(l, &out[i]); err != nil {
			if err.syntax == nil {
				err.path = append([]any{member, i}, err.path...)
			}
			return nil, err
		}
		switch l.peek() {
		case ',':
			l.i++
		case ']':
			l.i++
			return append([]C(nil), out...), nil
		default:
			return nil, &fieldError{syntax: l.fail("after array element")}
		}
	}
}

// credential is what a keyCredential and a passwordCredential share.
type credential struct {
	keyID, displayName string
	start, end         time.Time
	// Azure AD Graph's names, read where Graph's are absent.
	legacyStart, legacyEnd time.Time
}

// read reads a credential object, the members they share into c and the
// others with other, which reports whether it knew the member (and then
// consumed its value); it checks that the credential has an end date.
func (c *credential) read(l *lexer, other func(l *lexer, name []byte) (bool, *fieldError)) *fieldError {
	at := l.i
	switch l.peek() {
	case '{':
	case '"':
		// ConvertTo-Json writes an object past its -Depth as the name of its type.
		return &fieldError{at: l.i, msg: "a credential written as a string, not an object",
			hint: "ConvertTo-Json writes objects deeper than its -Depth (2 by default) as their type's name; " + hintPowerShell}
	default:
		return l.typeError("", "an object")
	}
	_ = l.open()
	for n := 0; ; n++ {
		name, escaped, more, err := l.member(n)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		if escaped {
			name = []byte(unquote(name, true))
		}
		switch string(name) {
		case "keyId":
			err = l.stringInto(&c.keyID, "keyId")
		case "displayName":
			err = l.stringInto(&c.displayName, "displayName")
		case "startDateTime":
			c.start, err = l.date("startDateTime")
		case "endDateTime":
			c.end, err = l.date("endDateTime")
		case "startDate":
			c.legacyStart, err = l.date("startDate")
		case "endDate":
			c.legacyEnd, err = l.date("endDate")
		default:
			var known bool
			if known, err = other(l, name); known {
				break
			}
			if m, ok := misspelt(name, credentialMembers); ok {
				return &fieldError{path: []any{string(name)}, at: l.i, msg: fmt.Sprintf("Graph spells this member %s", m), hint: hintPowerShell}
			}
			if serr := l.skip(); serr != nil {
				return &fieldError{syntax: serr}
			}
		}
		if err != nil {
			return err
		}
	}
	if c.start.IsZero() {
		c.start = c.legacyStart
	}
	if c.end.IsZero() {
		c.end = c.legacyEnd
	}
	if c.end.IsZero() {
		return &fieldError{at: at, msg: "no end date (endDateTime)",
			hint: "Entra gives every credential an end date; without one appaudit cannot tell when it stops working: was the file edited?"}
	}
	return nil
}

// keyCredential reads one element of keyCredentials.
func keyCredential(l *lexer, k *audit.KeyCredential) *fieldError {
	var c credential
	var cki, der, legacyValue []byte
	err := c.read(l, func(l *lexer, name []byte) (bool, *fieldError) {
		var err *fieldError
		switch string(name) {
		case "type":
			err = l.enum(&k.Type, "type", audit.TypeAsymmetricX509Cert, audit.TypeSymmetric, audit.TypeX509CertAndPassword)
		case "usage":
			err = l.enum(&k.Usage, "usage", audit.UsageVerify, audit.UsageSign)
		case "customKeyIdentifier":
			cki, _, err = l.binary("customKeyIdentifier")
			if err != nil && err.syntax == nil && err.hint == "" {
				err.hint = "Graph writes the identifier's bytes in base64 (for a SHA-1 thumbprint, base64 of its 20 bytes); write that, or null"
			}
		case "key", "value": // value is Azure AD Graph's name for the body
			member := string(name)
			b, head, berr := l.binary(member)
			if berr != nil && berr.syntax == nil && berr.hint == "" {
				berr.hint = member + " is the certificate's DER in base64, as Graph returns it, or null"
				if strings.HasPrefix(strings.TrimSpace(head), "-----BEGIN") {
					berr.hint = member + " holds PEM; write only the base64 between the BEGIN and END lines, or null"
				}
			}
			if member == "key" {
				der = b
			} else {
				legacyValue = b
			}
			err = berr
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return err
	}
	if der == nil {
		der = legacyValue
	}
	k.KeyID, k.DisplayName, k.Start, k.End, k.CustomKeyIdentifier = c.keyID, c.displayName, c.start, c.end, cki
	identify(k, der)
	return nil
}

// passwordCredential reads one element of passwordCredentials: its ID,
// name and dates. hint, secretText and Azure AD Graph's value (the
// secret) are skipped unread.
func passwordCredential(l *lexer, p *audit.PasswordCredential) *fieldError {
	var c credential
	if err := c.read(l, func(*lexer, []byte) (bool, *fieldError) { return false, nil }); err != nil {
		return err
	}
	*p = audit.PasswordCredential{KeyID: c.keyID, DisplayName: c.displayName, Start: c.start, End: c.end}
	return nil
}

// enum reads a string that is usually one of known, sharing the known
// string rather than allocating a copy of it.
func (l *lexer) enum(s *string, member string, known ...string) *fieldError {
	if l.peek() == '"' {
		save := l.i
		raw, escaped, err := l.str()
		if err != nil {
			return &fieldError{syntax: err}
		}
		if !escaped {
			for _, k := range known {
				if string(raw) == k {
					*s = k
					return nil
				}
			}
		}
		l.i = save
	}
	return l.stringInto(s, member)
}

// parseRFC3339 reads the dates Graph writes, 2026-01-31T12:00:00Z with up
// to nine fractional digits and Z or an offset, without allocating; ok is
// false for anything else, which parseDate then reads or refuses.
func parseRFC3339(b []byte) (t time.Time, ok bool) {
	num := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := num(b[0:4])
	month, ok2 := num(b[5:7])
	day, ok3 := num(b[8:10])
	hour, ok4 := num(b[11:13])
	minute, ok5 := num(b[14:16])
	sec, ok6 := num(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	i, nsec := 19, 0
	if b[i] == '.' {
		i++
		scale, digits := 100_000_000, 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if digits == 9 {
				return time.Time{}, false
			}
			nsec += int(b[i]-'0') * scale
			scale /= 10
			digits++
			i++
		}
		if digits == 0 {
			return time.Time{}, false
		}
	}
	var offset int
	switch {
	case i == len(b)-1 && b[i] == 'Z':
	case i == len(b)-6 && (b[i] == '+' || b[i] == '-') && b[i+3] == ':':
		h, okh := num(b[i+1 : i+3])
		m, okm := num(b[i+4 : i+6])
		if !okh || !okm || h > 23 || m > 59 {
			return time.Time{}, false
		}
		offset = (h*60 + m) * 60
		if b[i] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	if day > daysIn(time.Month(month), year) {
		return time.Time{}, false
	}
	t = time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC).Add(-time.Duration(offset) * time.Second)
	if t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
