package audit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// vaultVersion is version name of a vault certificate, made of c: created
// when c's validity starts unless created is given, with its public
// certificate read when withCer.
func vaultVersion(cert, name string, c *audittest.Cert, withCer bool) audit.VaultVersion {
	v := audit.VaultVersion{
		ID:      "https://kv-prod.vault.azure.net/certificates/" + cert + "/" + name,
		Version: name, Thumbprints: audit.Thumbprints{SHA1: c.Thumbprints().SHA1}, Enabled: true,
		NotBefore: c.X509.NotBefore.UTC(), Expires: c.X509.NotAfter.UTC(), Created: c.X509.NotBefore.UTC(),
	}
	if withCer {
		v.Thumbprints, v.Subject, v.Cert = c.Thumbprints(), c.Summary().Subject, c.Summary()
	}
	return v
}

func autoRenew(daysBefore, percent int) *audit.VaultPolicy {
	return &audit.VaultPolicy{Issuer: "Self", LifetimeActions: []audit.LifetimeAction{
		{Action: audit.ActionAutoRenew, DaysBeforeExpiry: daysBefore, LifetimePercentage: percent}}}
}

// keyVaultTenant is a tenant and a vault where payroll's newest version is
// not registered, billing renews within the window, reporting is healthy,
// and mailer is named by a mapping row for an app that registers another
// certificate.
func keyVaultTenant() (*audit.Tenant, *audit.Inventory) {
	payrollOld, payrollNew := cert("payroll.contoso.com", -100, 265), cert("payroll.contoso.com", -2, 363)
	billing := cert("billing.contoso.com", -315, 50)
	reporting := cert("reporting.contoso.com", -30, 335)
	mailerReg, mailerVault := cert("mailer.contoso.com", -30, 300), cert("mailer.contoso.com", -5, 360)

	tenant := audittest.Tenant(
		audittest.App("00000000-0000-4000-a000-000000000001", "Payroll", payrollOld.KeyCredential("p1", audit.UsageVerify, false)),
		audittest.App("00000000-0000-4000-a000-000000000002", "Billing", billing.KeyCredential("b1", audit.UsageVerify, false)),
		audittest.App("00000000-0000-4000-a000-000000000003", "Reporting", reporting.KeyCredential("r1", audit.UsageVerify, false)),
		audittest.App("00000000-0000-4000-a000-000000000004", "Mailer", mailerReg.KeyCredential("m1", audit.UsageVerify, true)),
	)
	ref, _ := audit.ParseVaultRef("kv-prod/mailer")
	inv := &audit.Inventory{
		Vaults: []audit.Vault{{Name: "kv-prod", URL: "https://kv-prod.vault.azure.net", Complete: true, Certificates: []audit.VaultCertificate{
			{Name: "payroll", Versions: []audit.VaultVersion{vaultVersion("payroll", "v1", payrollOld, false), vaultVersion("payroll", "v2", payrollNew, false)},
				Policy: autoRenew(0, 80)},
			{Name: "billing", Versions: []audit.VaultVersion{vaultVersion("billing", "v1", billing, false)}, Policy: autoRenew(30, 0)},
			{Name: "reporting", Versions: []audit.VaultVersion{vaultVersion("reporting", "v1", reporting, false)}, Policy: autoRenew(0, 80)},
			{Name: "mailer", Versions: []audit.VaultVersion{vaultVersion("mailer", "v1", mailerVault, true)}, Policy: autoRenew(0, 80)},
		}}},
		Deployments: []audit.Deployment{{App: "Mailer", Source: "deployed.csv:2", KeyVault: &ref}},
	}
	return tenant, inv
}

// atOrAbove lists the findings about app at or above sev.
func atOrAbove(r *audit.Result, app string, sev audit.Severity) []audit.Finding {
	var out []audit.Finding
	for _, f := range r.Findings {
		if f.App != nil && f.App.DisplayName == app && f.Severity >= sev {
			out = append(out, f)
		}
	}
	return out
}

func TestKeyVaultAsTheDeployedSide(t *testing.T) {
	tenant, inv := keyVaultTenant()
	r := run(t, tenant, inv)

	payroll := atOrAbove(r, "Payroll", audit.SeverityMedium)
	if len(payroll) != 1 || payroll[0].Check != audit.CheckCertRotatedOneSide || payroll[0].Severity != audit.SeverityCritical {
		t.Fatalf("Payroll: want one critical cert-rotated-one-side, got:\n%s", dump(r))
	}
	f := payroll[0]
	for _, frag := range []string{"Key Vault is ahead", "version v2 of kv-prod/payroll", "created on " + audit.Day(now.Add(days(-2))), "not registered on the app"} {
		if !strings.Contains(f.Message, frag) {
			t.Errorf("Payroll: message %q lacks %q", f.Message, frag)
		}
	}
	if f.Local == nil || !strings.HasSuffix(f.Local.CertPath, "/certificates/payroll/v2") || !strings.Contains(f.Local.Source, "kv-prod/payroll") {
		t.Errorf("Payroll: the finding's local does not name the vault, certificate and version: %+v", f.Local)
	}

	billing := atOrAbove(r, "Billing", audit.SeverityMedium)
	if len(billing) != 1 || billing[0].Check != audit.CheckKeyVaultRenewalDue {
		t.Fatalf("Billing: want one keyvault-renewal-due, got:\n%s", dump(r))
	}
	renewal := now.Add(days(50)).AddDate(0, 0, -30)
	for _, frag := range []string{"will renew kv-prod/billing on " + audit.Day(renewal), ", in 20 days (", "AutoRenew 30 days before expiry", "uploaded to the app that day"} {
		if !strings.Contains(billing[0].Message, frag) {
			t.Errorf("Billing: message %q lacks %q", billing[0].Message, frag)
		}
	}
	if billing[0].Credential == nil || billing[0].Credential.KeyID != "b1" {
		t.Errorf("Billing: the renewal names the registered version as %+v", billing[0].Credential)
	}

	if hs := atOrAbove(r, "Reporting", audit.SeverityMedium); len(hs) != 0 {
		t.Errorf("Reporting is healthy, got:\n%s", dump(r))
	}

	mailer := atOrAbove(r, "Mailer", audit.SeverityMedium)
	if len(mailer) != 1 || mailer[0].Check != audit.CheckCertNotRegistered || mailer[0].Local.Source != "deployed.csv:2" {
		t.Fatalf("Mailer: want cert-not-registered from the mapping row, got:\n%s", dump(r))
	}

	// Every vault certificate is listed with where it is registered.
	listed := map[string]int{}
	for _, lc := range r.LocalCertificates {
		listed[lc.Source] = len(lc.RegisteredOn)
	}
	if len(listed) != 4 || listed["Key Vault kv-prod/reporting (version v1)"] != 1 || listed["Key Vault kv-prod/mailer (version v1)"] != 0 {
		t.Errorf("vault certificates listed as %v", listed)
	}
	if !slicesContain(r.ChecksRun, audit.CheckKeyVaultRenewalDue) || !r.Complete {
		t.Errorf("checks run %v, complete %v", r.ChecksRun, r.Complete)
	}
}

func slicesContain(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestKeyVaultRenewalMissing(t *testing.T) {
	c := cert("legacy.contoso.com", -350, 12)
	v := vaultVersion("legacy", "v7", c, false)
	for _, tc := range []struct {
		name   string
		policy *audit.VaultPolicy
		sev    audit.Severity
		why    string
	}{
		{"emails only", &audit.VaultPolicy{Issuer: "Self", LifetimeActions: []audit.LifetimeAction{{Action: audit.ActionEmailContacts, DaysBeforeExpiry: 30}}},
			audit.SeverityHigh, "no AutoRenew action (only EmailContacts 30 days before expiry)"},
		{"issuer unknown", &audit.VaultPolicy{Issuer: "Unknown", LifetimeActions: []audit.LifetimeAction{{Action: audit.ActionAutoRenew, LifetimePercentage: 80}}},
			audit.SeverityHigh, "issuer is Unknown"},
		{"policy not read", nil, audit.SeverityMedium, "could not be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tenant := audittest.Tenant(audittest.App("00000000-0000-4000-a000-000000000009", "Legacy", c.KeyCredential("l1", audit.UsageVerify, false)))
			inv := &audit.Inventory{Vaults: []audit.Vault{{Name: "kv-prod", Complete: true, Certificates: []audit.VaultCertificate{
				{Name: "legacy", Versions: []audit.VaultVersion{v}, Policy: tc.policy}}}}}
			r := run(t, tenant, inv)
			one(t, r, audit.CheckKeyVaultRenewalMissing, tc.sev, "version v7 of Key Vault certificate kv-prod/legacy", "ends on "+audit.Day(now.Add(days(12))), tc.why)
			none(t, r, audit.CheckKeyVaultRenewalDue)
			// The registered certificate the vault holds is in use: expiring
			// with no successor is high.
			one(t, r, audit.CheckCertExpiring, audit.SeverityHigh, "Key Vault certificate kv-prod/legacy signs with it")
		})
	}
	// A newer version already in the vault is a rotation under way.
	next := vaultVersion("legacy", "v8", cert("legacy.contoso.com", 1, 400), false)
	next.Created = now.Add(-time.Hour)
	tenant := audittest.Tenant(audittest.App("00000000-0000-4000-a000-000000000009", "Legacy", c.KeyCredential("l1", audit.UsageVerify, false)))
	inv := &audit.Inventory{Vaults: []audit.Vault{{Name: "kv-prod", Complete: true, Certificates: []audit.VaultCertificate{
		{Name: "legacy", Versions: []audit.VaultVersion{v, next}, Policy: nil}}}}}
	none(t, run(t, tenant, inv), audit.CheckKeyVaultRenewalMissing)
}

func TestIncompleteVaultIsNeverClean(t *testing.T) {
	tenant, inv := keyVaultTenant()
	inv.Vaults[0].Complete, inv.Vaults[0].IncompleteReason = false, "listing certificates stopped at page 3: connection reset"
	r := run(t, tenant, inv)
	if r.Complete || !strings.Contains(r.Incomplete, "Key Vault kv-prod: listing certificates stopped at page 3") {
		t.Errorf("complete %v, reason %q", r.Complete, r.Incomplete)
	}
}
