package audit_test

import (
	"testing"

	"github.com/appaudit/appaudit/audit"
)

// TestIndexLocal holds Index.Local to what a walk over the local
// certificates finds: the first one that shares a known digest with tp.
func TestIndexLocal(t *testing.T) {
	cert := func(sha1, sha256 string) audit.LocalCert {
		return audit.LocalCert{Source: sha1 + "/" + sha256, Cert: &audit.Certificate{Thumbprints: audit.Thumbprints{SHA1: sha1, SHA256: sha256}}}
	}
	locals := []audit.LocalCert{
		{Source: "no body"},
		cert("", "s0"),
		cert("a1", "s1"),
		cert("a1", "s2"), // a1 again: the earlier one wins
		cert("a3", ""),
	}
	walk := func(tp audit.Thumbprints) *audit.LocalCert {
		for i := range locals {
			if lc := &locals[i]; lc.Cert != nil && lc.Cert.Thumbprints.Matches(tp) {
				return lc
			}
		}
		return nil
	}
	x := audit.NewIndex(locals)
	for _, tp := range []audit.Thumbprints{
		{}, {SHA1: "a1"}, {SHA256: "s2"}, {SHA1: "a3", SHA256: "s0"}, {SHA1: "a3", SHA256: "s1"},
		{SHA1: "a1", SHA256: "s0"}, {SHA1: "zz"}, {SHA256: "s0"}, {SHA1: "a3"},
	} {
		if got, want := x.Local(tp), walk(tp); got != want {
			t.Errorf("Local(%+v) = %v, want %v", tp, got, want)
		}
	}
}
