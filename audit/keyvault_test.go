package audit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// version is a vault version created at created, valid from nbf to exp.
func version(name string, created, nbf, exp time.Time, enabled bool) audit.VaultVersion {
	return audit.VaultVersion{ID: "https://kv-prod.vault.azure.net/certificates/payroll/" + name, Version: name,
		Thumbprints: audit.Thumbprints{SHA1: strings.Repeat(strings.ToUpper(name[:1]), 40)},
		Enabled:     enabled, Created: created, NotBefore: nbf, Expires: exp}
}

func TestCurrentAndLatest(t *testing.T) {
	now := audittest.Now()
	d := audittest.Days
	old := version("aaa", now.Add(-d(300)), now.Add(-d(300)), now.Add(d(65)), true)
	renewed := version("bbb", now.Add(-d(10)), now.Add(-d(10)), now.Add(d(355)), true)
	future := version("ccc", now.Add(-d(1)), now.Add(d(2)), now.Add(d(400)), true)
	disabled := version("ddd", now.Add(-d(2)), now.Add(-d(2)), now.Add(d(400)), false)

	for _, tc := range []struct {
		name            string
		versions        []audit.VaultVersion
		current, latest string // "" for nil
	}{
		{"one version", []audit.VaultVersion{old}, "aaa", "aaa"},
		{"renewed: the newer one is current, whatever the listing order", []audit.VaultVersion{renewed, old}, "bbb", "bbb"},
		{"listed oldest first", []audit.VaultVersion{old, renewed}, "bbb", "bbb"},
		{"newest not valid yet: the one before is current", []audit.VaultVersion{old, future, renewed}, "bbb", "ccc"},
		{"newest disabled", []audit.VaultVersion{old, disabled}, "aaa", "ddd"},
		{"nothing enabled", []audit.VaultVersion{disabled}, "", "ddd"},
		{"no versions", nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := audit.VaultCertificate{Name: "payroll", Versions: tc.versions}
			if got := name(c.Current(now)); got != tc.current {
				t.Errorf("Current = %q, want %q", got, tc.current)
			}
			if got := name(c.Latest()); got != tc.latest {
				t.Errorf("Latest = %q, want %q", got, tc.latest)
			}
		})
	}
}

func name(v *audit.VaultVersion) string {
	if v == nil {
		return ""
	}
	return v.Version
}

func TestCurrentTakesAZeroNotBeforeAsPassed(t *testing.T) {
	now := audittest.Now()
	v := version("aaa", now.Add(-time.Hour), time.Time{}, now.Add(time.Hour), true)
	c := audit.VaultCertificate{Versions: []audit.VaultVersion{v}}
	if c.Current(now) == nil {
		t.Fatal("a version without nbf is not current")
	}
}

func TestSortVersionsNewestFirst(t *testing.T) {
	now := audittest.Now()
	c := audit.VaultCertificate{Versions: []audit.VaultVersion{
		version("aaa", now.Add(-3*time.Hour), now, now, true),
		version("ccc", now.Add(-1*time.Hour), now, now, true),
		version("bbb", now.Add(-2*time.Hour), now, now, true),
	}}
	c.SortVersions()
	var got []string
	for _, v := range c.Versions {
		got = append(got, v.Version)
	}
	if strings.Join(got, ",") != "ccc,bbb,aaa" {
		t.Errorf("order %v, want ccc,bbb,aaa", got)
	}
}

// The trigger semantics are Key Vault's (docs/keyvault.md):
// lifetime_percentage is that share of nbf..exp after nbf,
// days_before_expiry is counted back from exp.
func TestRenewalAt(t *testing.T) {
	nbf := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	exp := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) // 365 days
	for _, tc := range []struct {
		a    audit.LifetimeAction
		want time.Time
		ok   bool
	}{
		{audit.LifetimeAction{Action: "AutoRenew", LifetimePercentage: 80}, nbf.Add(292 * 24 * time.Hour), true},
		{audit.LifetimeAction{Action: "AutoRenew", LifetimePercentage: 1}, nbf.Add(365 * 24 * time.Hour / 100), true},
		{audit.LifetimeAction{Action: "AutoRenew", DaysBeforeExpiry: 30}, time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC), true},
		{audit.LifetimeAction{Action: "AutoRenew"}, time.Time{}, false},
		{audit.LifetimeAction{Action: "AutoRenew", LifetimePercentage: 100}, time.Time{}, false},
	} {
		got, ok := audit.RenewalAt(tc.a, nbf, exp)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("RenewalAt(%v) = %v %v, want %v %v", tc.a, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := audit.RenewalAt(audit.LifetimeAction{LifetimePercentage: 80}, time.Time{}, exp); ok {
		t.Error("a trigger was placed without a not-before")
	}
	if _, ok := audit.RenewalAt(audit.LifetimeAction{LifetimePercentage: 80}, exp, nbf); ok {
		t.Error("a trigger was placed on a version that expires before it starts")
	}
}

func TestNextRenewal(t *testing.T) {
	now := audittest.Now()
	d := audittest.Days
	// Valid for 100 days, 60 of them gone.
	cur := version("aaa", now.Add(-d(60)), now.Add(-d(60)), now.Add(d(40)), true)
	policy := func(issuer string, actions ...audit.LifetimeAction) *audit.VaultPolicy {
		return &audit.VaultPolicy{Issuer: issuer, Subject: "CN=payroll", ValidityMonths: 12, LifetimeActions: actions}
	}
	auto80 := audit.LifetimeAction{Action: audit.ActionAutoRenew, LifetimePercentage: 80}
	auto50 := audit.LifetimeAction{Action: audit.ActionAutoRenew, LifetimePercentage: 50}
	email := audit.LifetimeAction{Action: audit.ActionEmailContacts, DaysBeforeExpiry: 30}
	auto10d := audit.LifetimeAction{Action: audit.ActionAutoRenew, DaysBeforeExpiry: 10}

	for _, tc := range []struct {
		name    string
		policy  *audit.VaultPolicy
		ok      bool
		at      time.Time
		overdue bool
	}{
		{"AutoRenew at 80%: day 80 of 100", policy("Self", auto80), true, now.Add(d(20)), false},
		{"AutoRenew 10 days before expiry", policy("DigiCertIssuer", auto10d), true, now.Add(d(30)), false},
		{"AutoRenew at 50% has passed: overdue", policy("Self", auto50), true, now.Add(-d(10)), true},
		{"the earliest AutoRenew wins", policy("Self", auto80, auto10d), true, now.Add(d(20)), false},
		{"EmailContacts only: no renewal", policy("Self", email), false, time.Time{}, false},
		{"issuer Unknown cannot renew", policy("Unknown", auto80), false, time.Time{}, false},
		{"no policy read", nil, false, time.Time{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := audit.VaultCertificate{Name: "payroll", Versions: []audit.VaultVersion{cur}, Policy: tc.policy}
			r, ok := c.NextRenewal(now)
			if ok != tc.ok || !r.At.Equal(tc.at) || r.Overdue != tc.overdue {
				t.Errorf("NextRenewal = %+v %v, want at %v overdue %v ok %v", r, ok, tc.at, tc.overdue, tc.ok)
			}
		})
	}

	none := audit.VaultCertificate{Versions: []audit.VaultVersion{version("bbb", now, now.Add(d(1)), now.Add(d(9)), true)}, Policy: policy("Self", auto80)}
	if _, ok := none.NextRenewal(now); ok {
		t.Error("a renewal was placed on a certificate with no current version")
	}
}

func TestLookupByThumbprint(t *testing.T) {
	cert := audittest.Valid("payroll.contoso.com", audittest.Now(), audittest.Days(10), audittest.Days(300))
	tp := cert.Thumbprints()
	v := audit.Vault{Name: "kv-prod", Certificates: []audit.VaultCertificate{
		{Name: "other", Versions: []audit.VaultVersion{{Version: "o1", Thumbprints: audit.Thumbprints{SHA1: strings.Repeat("0", 40)}}}},
		{Name: "payroll", Versions: []audit.VaultVersion{{Version: "p1", Thumbprints: audit.Thumbprints{SHA1: tp.SHA1}}}},
	}}
	// Known by SHA-1 in the vault (x5t), asked by both digests.
	c, ver := v.Lookup(tp)
	if c == nil || c.Name != "payroll" || ver.Version != "p1" {
		t.Fatalf("Lookup = %v %v", c, ver)
	}
	// Asked by SHA-256 only: the vault knows SHA-1 only, so no match.
	if c, _ := v.Lookup(audit.Thumbprints{SHA256: tp.SHA256}); c != nil {
		t.Errorf("matched on a digest the vault does not know: %v", c.Name)
	}
	if v.Certificate("PAYROLL") == nil {
		t.Error("certificate names are not case sensitive in Key Vault")
	}
}

func TestParseVaultRef(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want audit.VaultRef
	}{
		{"kv-prod/payroll", audit.VaultRef{Vault: "kv-prod", Certificate: "payroll"}},
		{" KV-Prod/payroll/0a1b2c ", audit.VaultRef{Vault: "kv-prod", Certificate: "payroll", Version: "0a1b2c"}},
		{"https://kv-prod.vault.azure.net/certificates/payroll", audit.VaultRef{Vault: "kv-prod", Host: "kv-prod.vault.azure.net", Certificate: "payroll"}},
		{"https://kv-gov.vault.usgovcloudapi.net/certificates/payroll/f60f2a4f8ae442cfb41ca2090bd4b769/",
			audit.VaultRef{Vault: "kv-gov", Host: "kv-gov.vault.usgovcloudapi.net", Certificate: "payroll", Version: "f60f2a4f8ae442cfb41ca2090bd4b769"}},
	} {
		got, err := audit.ParseVaultRef(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseVaultRef(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "kv-prod", "kv/payroll", "kv-prod/pay roll", "kv-prod/payroll/v1/extra",
		"http://kv-prod.vault.azure.net/certificates/payroll", "https://kv-prod.vault.azure.net/secrets/payroll",
		"https://kv-prod.vault.azure.net/certificates/payroll?api-version=7.5"} {
		if _, err := audit.ParseVaultRef(bad); err == nil {
			t.Errorf("ParseVaultRef(%q) accepted it", bad)
		} else if !strings.Contains(err.Error(), "VAULT/CERTIFICATE") {
			t.Errorf("ParseVaultRef(%q): the error gives no hint: %v", bad, err)
		}
	}
}

func TestResolveVaultDeployments(t *testing.T) {
	now := audittest.Now()
	d := audittest.Days
	cert := audittest.Valid("payroll.contoso.com", now, d(10), d(300))
	cur := audit.VaultVersion{ID: "https://kv-prod.vault.azure.net/certificates/payroll/new", Version: "new", Enabled: true,
		Thumbprints: cert.Thumbprints(), Created: now.Add(-d(10)), NotBefore: now.Add(-d(10)), Expires: now.Add(d(300)), Cert: cert.Summary()}
	old := version("old", now.Add(-d(400)), now.Add(-d(400)), now.Add(-d(35)), true)
	vaults := []audit.Vault{
		{Name: "kv-prod", URL: "https://kv-prod.vault.azure.net", Complete: true,
			Certificates: []audit.VaultCertificate{{Name: "payroll", Versions: []audit.VaultVersion{old, cur}}}},
		{Name: "kv-half", URL: "https://kv-half.vault.azure.net", Complete: false, IncompleteReason: "page 2 failed"},
	}
	ref := func(s string) *audit.VaultRef {
		r, err := audit.ParseVaultRef(s)
		if err != nil {
			t.Fatal(err)
		}
		return &r
	}
	deps := []audit.Deployment{
		{App: "a1", Source: "deployed.csv:2", KeyVault: ref("kv-prod/payroll")},
		{App: "a2", Source: "deployed.csv:3", KeyVault: ref("https://kv-prod.vault.azure.net/certificates/payroll/old")},
		{App: "a3", Source: "deployed.csv:4", KeyVault: ref("kv-test/payroll")},
		{App: "a4", Source: "deployed.csv:5", KeyVault: ref("kv-prod/missing")},
		{App: "a5", Source: "deployed.csv:6", KeyVault: ref("kv-half/payroll")},
		{App: "a6", Source: "deployed.csv:7", Thumbprints: audit.Thumbprints{SHA1: strings.Repeat("A", 40)}},
	}
	got, warnings := audit.ResolveVaultDeployments(deps, vaults, now)
	if len(got) != 3 {
		t.Fatalf("kept %d rows, want 3: %+v", len(got), got)
	}
	if got[0].Thumbprints != cert.Thumbprints() || got[0].Cert == nil || got[0].Cert.Cert.Subject != cert.Summary().Subject || got[0].CertPath != cur.ID {
		t.Errorf("the current version was not resolved: %+v", got[0])
	}
	if got[1].Thumbprints != old.Thumbprints || got[1].Cert != nil {
		t.Errorf("the named version was not resolved: %+v", got[1])
	}
	if got[2].App != "a6" {
		t.Errorf("a thumbprint row was changed: %+v", got[2])
	}
	want := []string{"deployed.csv:4: Key Vault certificate kv-test/payroll is in a vault that was not read (give it with --keyvault kv-test)",
		"deployed.csv:5: Key Vault certificate kv-prod/missing does not exist in the vault",
		"deployed.csv:6: Key Vault certificate kv-half/payroll was not found in the part of the vault that could be read"}
	if len(warnings) != len(want) {
		t.Fatalf("warnings %q", warnings)
	}
	for i := range want {
		if !strings.HasPrefix(warnings[i], want[i]) {
			t.Errorf("warning %d = %q, want it to start %q", i, warnings[i], want[i])
		}
	}
	if deps[0].Thumbprints.Known() {
		t.Error("ResolveVaultDeployments changed its input")
	}
}

func TestVaultsIncompleteAndThumbprints(t *testing.T) {
	vaults := []audit.Vault{
		{Name: "a", Complete: true, Certificates: []audit.VaultCertificate{{Versions: []audit.VaultVersion{{Thumbprints: audit.Thumbprints{SHA1: "AB"}}, {}}}}},
		{Name: "b", Complete: false, IncompleteReason: "Key Vault answered 403"},
	}
	if got := audit.VaultsIncomplete(vaults); got != "Key Vault b: Key Vault answered 403" {
		t.Errorf("VaultsIncomplete = %q", got)
	}
	if got := audit.VaultsIncomplete(vaults[:1]); got != "" {
		t.Errorf("a complete vault is incomplete: %q", got)
	}
	if got := audit.VaultThumbprints(vaults); len(got) != 1 || got[0].SHA1 != "AB" {
		t.Errorf("VaultThumbprints = %v", got)
	}
}
