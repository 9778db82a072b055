package audit_test

import (
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
)

// FuzzParseThumbprint: any string either parses into exactly one known
// digest of the right length, or fails with ErrThumbprint; never a panic.
func FuzzParseThumbprint(f *testing.F) {
	for _, seed := range []string{
		"1DAEBE672DF6547D0015251835 01C6C952F1B08F", "\u200e1d ae be 67 2d f6 54 7d 00 15 25 18 35 01 c6 c9 52 f1 b0 8f",
		"HaS+Zy32VH0AFSUYNQHGyVLxsI8=", "HaS-Zy32VH0AFSUYNQHGyVLxsI8", "MURBRUJFNjcyREY2NTQ3RDAwMTUyNTE4MzUwMUM2Qzk1MkYxQjA4Rg",
		"", "==", ":::", "AA-BB", strings.Repeat("f", 64), strings.Repeat("A", 43),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := audit.ParseThumbprint(s)
		if err != nil {
			return
		}
		switch {
		case p.SHA1 != "" && p.SHA256 == "" && len(p.SHA1) == 40:
		case p.SHA256 != "" && p.SHA1 == "" && len(p.SHA256) == 64:
		default:
			t.Fatalf("%q parsed into %+v", s, p.Thumbprints)
		}
		if strings.ToUpper(p.SHA1+p.SHA256) != p.SHA1+p.SHA256 {
			t.Fatalf("%q: thumbprint not upper-case: %+v", s, p.Thumbprints)
		}
	})
}

// FuzzKeyIdentifier: customKeyIdentifier bytes from the tenant never
// panic and give at most one digest of the right length.
func FuzzKeyIdentifier(f *testing.F) {
	f.Add([]byte("MyCert-2026"))
	f.Add([]byte(strings.Repeat("a", 40)))
	f.Add(make([]byte, 20))
	f.Add(make([]byte, 30))
	f.Fuzz(func(t *testing.T, b []byte) {
		tp := audit.ThumbprintsFromKeyIdentifier(b)
		if (tp.SHA1 != "" && len(tp.SHA1) != 40) || (tp.SHA256 != "" && len(tp.SHA256) != 64) || (tp.SHA1 != "" && tp.SHA256 != "") {
			t.Fatalf("%x gave %+v", b, tp)
		}
	})
}
