package reports

import (
	"time"
	"unicode/utf8"

	"github.com/appaudit/appaudit/audit"
)

// The JSON report's findings and credential inventory, written without
// encoding/json: a report of 100,000 applications has 185,000 findings
// and 100,000 inventory entries, and encoding/json's reflection, its
// intermediate buffer, a time's MarshalJSON and its second pass to indent
// were most of the report's time. Each writer here writes what
// encoding/json, indenting with json.Encoder.SetIndent, writes for its
// type (audit.WireFinding, audit.AuditedObject and what they hold):
// the members in the order the struct declares them, those its
// omitempty and omitzero tags leave out left out, strings escaped as
// appendJSONString says. TestJSONWritersWriteWhatEncodingJSONWrites
// holds each to encoding/json on a value with every member set, and
// fails when a type gains a member these do not write.

// findingElement writes f as the next element of the open array.
func findingElement(s *jsonStream, f *audit.Finding) {
	elementOr(s, f, (*jsonStream).finding, func(f *audit.Finding) any { w := f.Wire(); return &w })
}

// objectElement writes o as the next element of the open array.
func objectElement(s *jsonStream, o *audit.AuditedObject) {
	elementOr(s, o, (*jsonStream).auditedObject, func(o *audit.AuditedObject) any { return o })
}

// elementOr writes v as the next element of the open array with write.
// When write cannot write it as encoding/json would (it sets unwritable),
// what it wrote is taken back and encoding/json encodes wire(v), to fail
// on it with its own error.
func elementOr[T any](s *jsonStream, v *T, write func(*jsonStream, *T), wire func(*T) any) {
	s.next()
	if s.err != nil {
		return
	}
	mark, depth := len(s.buf), s.depth
	write(s, v)
	if s.unwritable {
		s.buf, s.depth, s.first, s.unwritable = s.buf[:mark], depth, false, false
		s.value(wire(v))
	}
}

// finding writes f as its audit.WireFinding, or sets unwritable when
// encoding/json would fail on it: an invalid severity, a time RFC 3339
// cannot write.
func (s *jsonStream) finding(f *audit.Finding) {
	if !f.Severity.Valid() {
		s.unwritable = true
		return
	}
	t := f.Text()
	s.open('{')
	s.str("check", f.Check)
	s.str("severity", f.Severity.String())
	s.str("title", t.Title)
	if f.App != nil {
		s.member("app")
		s.open('{')
		s.objectRef(f.App)
		s.close('}')
	}
	if f.Credential != nil {
		s.credentialRef(f.Credential)
	}
	if f.Local != nil {
		s.localRef(f.Local)
	}
	s.str("message", f.Message)
	s.str("remediation", t.Remediation)
	s.strs("aadsts", t.AADSTS)
	s.strOmitEmpty("reference", t.Reference)
	s.optTime("lastSignIn", f.LastSignIn)
	s.str("fingerprint", f.Fingerprint)
	s.close('}')
}

// objectRef writes the members of an audit.ObjectRef.
func (s *jsonStream) objectRef(o *audit.ObjectRef) {
	s.str("kind", string(o.Kind))
	s.strOmitEmpty("objectId", o.ObjectID)
	s.str("appId", o.AppID)
	s.str("displayName", o.DisplayName)
}

// credentialRef writes the member "credential": c.
func (s *jsonStream) credentialRef(c *audit.CredentialRef) {
	s.member("credential")
	s.open('{')
	s.str("kind", c.Kind)
	s.str("keyId", c.KeyID)
	s.strOmitEmpty("displayName", c.DisplayName)
	s.strOmitEmpty("type", c.Type)
	s.strOmitEmpty("usage", c.Usage)
	s.strs("pairedKeyIds", c.PairedKeyIDs)
	s.strs("pairedUsages", c.PairedUsages)
	s.optTime("startDateTime", c.StartDateTime)
	s.optTime("endDateTime", c.EndDateTime)
	s.thumbprints(c.Thumbprints)
	s.strOmitEmpty("thumbprintSource", string(c.ThumbprintSource))
	s.strOmitEmpty("subject", c.Subject)
	s.close('}')
}

// localRef writes the member "local": l.
func (s *jsonStream) localRef(l *audit.LocalRef) {
	s.member("local")
	s.open('{')
	s.str("source", l.Source)
	s.strOmitEmpty("app", l.App)
	s.strOmitEmpty("certPath", l.CertPath)
	s.thumbprints(l.Thumbprints)
	s.strOmitEmpty("subject", l.Subject)
	s.optTime("notBefore", l.NotBefore)
	s.optTime("notAfter", l.NotAfter)
	s.close('}')
}

// thumbprints writes the member "thumbprints": t, unless t is nil.
func (s *jsonStream) thumbprints(t *audit.Thumbprints) {
	if t == nil {
		return
	}
	s.member("thumbprints")
	s.open('{')
	s.strOmitEmpty("sha1", t.SHA1)
	s.strOmitEmpty("sha256", t.SHA256)
	s.close('}')
}

// auditedObject writes o, or sets unwritable when encoding/json would
// fail on it.
func (s *jsonStream) auditedObject(o *audit.AuditedObject) {
	s.open('{')
	s.objectRef(&o.ObjectRef)
	if o.Deployed {
		s.member("deployed")
		s.buf = append(s.buf, "true"...)
	}
	s.member("credentials")
	if o.Credentials == nil {
		s.buf = append(s.buf, "null"...)
	} else {
		s.open('[')
		for i := range o.Credentials {
			c := &o.Credentials[i]
			s.sep()
			s.open('{')
			s.str("kind", c.Kind)
			s.str("keyId", c.KeyID)
			s.strOmitEmpty("displayName", c.DisplayName)
			s.strOmitEmpty("usage", c.Usage)
			if !c.Start.IsZero() {
				s.timeMember("startDateTime", c.Start)
			}
			if !c.End.IsZero() {
				s.timeMember("endDateTime", c.End)
			}
			s.close('}')
		}
		s.close(']')
	}
	s.strs("withheldChecks", o.Withheld)
	s.strs("uncheckedChecks", o.Unchecked)
	s.close('}')
}

// str writes the member name: v.
func (s *jsonStream) str(name, v string) {
	s.member(name)
	s.buf = appendJSONString(s.buf, v)
}

// strOmitEmpty writes the member name: v, unless v is empty.
func (s *jsonStream) strOmitEmpty(name, v string) {
	if v != "" {
		s.str(name, v)
	}
}

// strs writes the member name: vs, unless vs is empty (omitempty).
func (s *jsonStream) strs(name string, vs []string) {
	if len(vs) == 0 {
		return
	}
	s.member(name)
	s.open('[')
	for _, v := range vs {
		s.sep()
		s.buf = appendJSONString(s.buf, v)
	}
	s.close(']')
}

// optTime writes the member name: *t unless t is nil (omitempty), as
// timeMember does.
func (s *jsonStream) optTime(name string, t *time.Time) {
	if t != nil {
		s.timeMember(name, *t)
	}
}

// timeMember writes the member name: t as time.Time.MarshalJSON does, or
// sets unwritable when that fails: a year outside 0 to 9999, an offset of
// a day or more.
func (s *jsonStream) timeMember(name string, t time.Time) {
	s.member(name)
	b, err := t.AppendText(append(s.buf, '"'))
	if err != nil {
		s.unwritable = true
		return
	}
	s.buf = append(b, '"')
}

// jsonSafe marks the bytes below utf8.RuneSelf that encoding/json writes
// as they are when it escapes HTML, as json.Encoder does by default: the
// printable ASCII characters but for the double quote, the backslash,
// <, > and &.
var jsonSafe = func() (safe [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		safe[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return safe
}()

// appendJSONString appends s as a JSON string as encoding/json writes it:
// the double quote and the backslash escaped with a backslash, \b, \f,
// \n, \r and \t by their names, the other control characters and <, >
// and & as \u00XX, U+2028 and U+2029 as \u2028 and \u2029, and each byte
// that is not UTF-8 as \ufffd.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
