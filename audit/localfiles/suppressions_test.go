package localfiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseSuppressions(t *testing.T) {
	data := `# accepted risks, reviewed quarterly
- check: cert-long-lived
  app: SAML Portal
  reason: the IdP vendor issues three-year signing certificates
  expires: 2026-12-31
  owner: team-identity

- keyId: 33333333-0000-4000-8000-000000000001
  reason: "being removed in change CHG-42"
  expires: 2026-07-01T00:00:00+02:00
  ticket: CHG-42
`
	got, err := ParseSuppressions("ignore.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d entries: %+v", len(got), got)
	}
	a, b := got[0], got[1]
	if a.Check != "cert-long-lived" || a.App != "SAML Portal" || a.KeyID != "" || a.Source != "ignore.yaml:2" ||
		!a.Expires.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) || !strings.HasPrefix(a.Reason, "the IdP vendor") {
		t.Errorf("first entry %+v (a date applies through that day)", a)
	}
	if b.KeyID != "33333333-0000-4000-8000-000000000001" || b.Source != "ignore.yaml:8" ||
		!b.Expires.Equal(time.Date(2026, 6, 30, 22, 0, 0, 0, time.UTC)) || b.Reason != "being removed in change CHG-42" {
		t.Errorf("second entry %+v", b)
	}
	for _, empty := range []string{"", "# nothing yet\n", "[]\n"} {
		if got, err := ParseSuppressions("ignore.yaml", []byte(empty)); err != nil || len(got) != 0 {
			t.Errorf("%q: %v %v", empty, got, err)
		}
	}
}

func TestParseSuppressionsErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"no reason", "- check: cert-expired\n  expires: 2026-12-31\n", "ignore.yaml:1: the suppression has no reason"},
		{"no expiry", "- check: cert-expired\n  reason: r\n", "ignore.yaml:1: the suppression has no expiry date (suppressions must end"},
		{"bad expiry", "- check: cert-expired\n  reason: r\n  expires: next year\n", `ignore.yaml:3: expires "next year" is not a date`},
		{"matches everything", "- reason: r\n  expires: 2026-12-31\n", "names no check, app or keyId"},
		{"unknown check", "- check: cert-expird\n  reason: r\n  expires: 2026-12-31\n", `ignore.yaml:1: unknown check "cert-expird"`},
		{"misspelled key", "- check: cert-expired\n  apps: Payroll\n  reason: r\n  expires: 2026-12-31\n", `ignore.yaml:2: unknown key "apps"`},
		{"key twice", "- check: cert-expired\n  check: cert-expiring\n", `appears twice`},
		{"not a list", "check: cert-expired\n", "ignore.yaml:1: the suppression file must be a list"},
		{"list value", "- check: [a, b]\n  reason: r\n  expires: 2026-12-31\n", "ignore.yaml:1: check must be a single value"},
		{"entry not a mapping", "- cert-expired\n", "ignore.yaml:1: an entry must be a mapping"},
		{"malformed", "- check: cert-expired\n reason: [\n", "ignore.yaml:"},
		{"two documents", "- check: a\n---\n- check: b\n", "more than one YAML document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSuppressions("ignore.yaml", []byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "localfiles: ") {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestLoadSuppressionsFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ignore.yaml")
	if err := os.WriteFile(path, []byte("- check: secret-present\n  reason: r\n  expires: 2026-12-31\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadSuppressions(path)
	if err != nil || len(got) != 1 || got[0].Source != path+":1" {
		t.Errorf("%+v %v", got, err)
	}
	if _, err := LoadSuppressions(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml: no such file") {
		t.Errorf("missing file: %v", err)
	}
}
