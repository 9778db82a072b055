package localfiles

import (
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/appaudit/appaudit/audit"
)

// The keys of a suppression entry.
const (
	keyCheck   = "check"
	keyKeyID   = "keyid"
	keyReason  = "reason"
	keyExpires = "expires"
)

const suppressionHint = "each entry needs reason, expires (YYYY-MM-DD) and at least one of check, app and keyId"

// LoadSuppressions reads a suppression file (--ignore): a YAML list of
// entries, each with a check ID and/or an app (appId or display name)
// and/or a credential keyId, a reason and an expiry date:
//
//   - check: cert-long-lived
//     app: SAML Portal
//     reason: the IdP vendor issues three-year signing certificates (SEC-123)
//     expires: 2026-12-31
//
// An entry with an unknown key is an error rather than a warning: a
// misspelled app or keyId would otherwise widen what the entry hides.
func LoadSuppressions(path string) ([]audit.Suppression, error) {
	data, err := readLimited(path, MaxSuppressionFileSize, "suppression file")
	if err != nil {
		return nil, err
	}
	return ParseSuppressions(path, data)
}

// ParseSuppressions reads the bytes of a suppression file named path.
func ParseSuppressions(path string, data []byte) ([]audit.Suppression, error) {
	items, err := yamlList(path, data, "write a list: \"- check: ...\" then \"  reason: ...\" and \"  expires: YYYY-MM-DD\"", "the suppression file must be a list of entries")
	if err != nil {
		return nil, err
	}
	var out []audit.Suppression
	for _, item := range items {
		s, err := suppressionEntry(path, item)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func suppressionEntry(path string, item *yaml.Node) (audit.Suppression, error) {
	s := audit.Suppression{Source: path + ":" + strconv.Itoa(item.Line)}
	fields, err := yamlFields(path, item, suppressionHint)
	if err != nil {
		return s, err
	}
	var expires string
	expiresLine := item.Line
	for _, f := range fields {
		name := f.name
		if ignoredYAMLKeys[name] || name == "ticket" {
			continue
		}
		val, err := f.single(path, suppressionHint)
		if err != nil {
			return s, err
		}
		switch name {
		case keyCheck:
			if _, ok := audit.LookupCheck(val); !ok && val != "" {
				return s, errorf(path, f.node.Line, "appaudit explain lists the check IDs", "unknown check %q", clip(val))
			}
			s.Check = val
		case keyApp:
			s.App = val
		case keyKeyID:
			s.KeyID = val
		case keyReason:
			s.Reason = val
		case keyExpires:
			expires, expiresLine = val, f.node.Line
		default:
			return s, errorf(path, f.line, "the keys are check, app, keyId, reason and expires, plus owner, ticket and notes for people",
				"unknown key %q", clip(f.key))
		}
	}
	switch {
	case s.Check == "" && s.App == "" && s.KeyID == "":
		return s, errorf(path, item.Line, "an entry without check, app or keyId would hide every finding", "the suppression names no check, app or keyId")
	case s.Reason == "":
		return s, errorf(path, item.Line, "say why the findings are accepted, for the people who review suppressions", "the suppression has no reason")
	case expires == "":
		return s, errorf(path, item.Line, "suppressions must end: add expires: YYYY-MM-DD", "the suppression has no expiry date")
	}
	t, err := parseExpiry(expires)
	if err != nil {
		return s, errorf(path, expiresLine, "write a date, 2026-12-31, or an RFC 3339 time", "expires %q is not a date", clip(expires))
	}
	s.Expires = t
	return s, nil
}

// parseExpiry reads a date (the entry applies through that day, UTC) or an
// RFC 3339 instant (it applies until then).
func parseExpiry(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.AddDate(0, 0, 1), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	return t.UTC(), err
}
