// Package demo is appaudit's built-in tenant: twenty app registrations,
// the certificates on disk and the deployed mapping of a fictional
// company, made relative to the day the caller gives, so that
// `appaudit scan --demo` shows every scan check firing (and one healthy
// app) on any day it is run; and the sign-ins and rotations that
// `appaudit doctor --demo` and `appaudit preflight --demo` diagnose
// against that tenant.
//
// The demo is the same all day long: its certificates are made by
// democert from fixed keys, with dates counted from the start of the day
// (UTC), so two runs on one day give the same thumbprints and findings,
// and one can be the --baseline of the other. It never touches the
// network or the disk, and reports a failure to build it as an error.
package demo

import (
	"crypto/rsa"
	"fmt"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/demo/democert"
)

// TenantID is the demo tenant's ID.
const TenantID = "d3m0d3m0-0000-4000-8000-00000000c0de"

// AppID is the appId of the demo's n-th app.
func AppID(n int) string { return fmt.Sprintf("00000000-0000-4000-a000-%012d", n) }

// Day is the instant the demo's dates are counted from: the start of the
// UTC day of now.
func Day(now time.Time) time.Time { return now.UTC().Truncate(24 * time.Hour) }

// Scenario builds the demo tenant and what is deployed against it, as of
// now.
func Scenario(now time.Time) (*audit.Tenant, *audit.Inventory, error) {
	s, err := build(now)
	if err != nil {
		return nil, nil, err
	}
	return s.tenant, s.inv, nil
}

// scenario is the demo tenant, what is deployed against it, and the
// certificates they were made from, for the doctor's and preflight's
// cases.
type scenario struct {
	tenant *audit.Tenant
	inv    *audit.Inventory
	certs  map[string]*democert.Cert
}

// certSpec is one of the demo's certificates: its subject, its validity
// in days from the demo's day, and its key ("" for KeyA).
type certSpec struct {
	name, cn string
	from, to int
	key      string
}

var demoCerts = []certSpec{
	{"payroll", "payroll-api.contoso.com", -60, 300, ""},
	{"billing", "billing-worker.contoso.com", -370, -5, ""},
	{"reporting", "reporting.contoso.com", -350, 12, ""},
	{"reportingNext", "reporting.contoso.com", -1, 360, ""},
	{"syncOld", "inventory-sync.contoso.com", -200, 150, ""},
	{"syncNew", "inventory-sync.contoso.com", 3, 360, ""},
	{"legacy", "legacy-integration.contoso.com", -100, 200, ""},
	{"export", "data-export.contoso.com", -20, 400, ""},
	{"portalOld", "portal-backend.contoso.com", -300, 60, ""},
	{"portalNew", "portal-backend.contoso.com", -2, 360, ""},
	{"hrOld", "hr-connector.contoso.com", -340, 20, ""},
	{"hrNew", "hr-connector.contoso.com", -7, 355, ""},
	{"mail", "mail-relay.contoso.com", -30, 330, ""},
	{"analytics", "analytics-ingest.contoso.com", -100, 700, "weak"},
	{"partner", "partner-gateway.contoso.com", -50, 300, ""},
	{"saml", "Microsoft Azure Federated SSO Certificate", -1080, 20, ""},
	{"samlExpired", "Microsoft Azure Federated SSO Certificate", -1100, -4, ""},
	{"samlRetired", "Microsoft Azure Federated SSO Certificate", -2200, -1100, ""},
	{"stray", "test-client.local", -1, 90, ""},
	{"orders", "orders-api.contoso.com", -330, 35, ""},
	{"invoiceOld", "invoice.contoso.com", -200, 165, ""},
	{"invoiceNew", "invoice.contoso.com", -3, 362, ""},
	{"scheduler", "scheduler.contoso.com", -355, 10, ""},
	{"sandbox", "sandbox.contoso.com", -10, 355, ""},
	{"ledgerOld", "ledger-sync.contoso.com", -340, 12, ""},
	{"ledgerNew", "ledger-sync.contoso.com", -5, 360, ""},
	// The mail relay's key file holds the key of another certificate.
	{"unrelated", "unrelated", -1, 1, "b"},
}

func build(now time.Time) (*scenario, error) {
	now = now.UTC().Truncate(time.Second)
	day := Day(now)
	days := func(n int) time.Time { return day.Add(time.Duration(n) * 24 * time.Hour) }
	keys := map[string]func() (*rsa.PrivateKey, error){"": democert.KeyA, "b": democert.KeyB, "weak": democert.WeakKey}
	s := &scenario{certs: map[string]*democert.Cert{}}
	for _, cs := range demoCerts {
		k, err := keys[cs.key]()
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		c, err := democert.New(democert.Spec{CommonName: cs.cn, NotBefore: days(cs.from), NotAfter: days(cs.to), Key: k})
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		s.certs[cs.name] = c
	}
	c := s.certs

	tenant := &audit.Tenant{TenantID: TenantID, Cloud: "public", TakenAt: now, Complete: true}
	add := func(n int, name string, keys ...audit.KeyCredential) *audit.Application {
		tenant.Applications = append(tenant.Applications, audit.Application{Principal: audit.Principal{
			ObjectID: "obj-" + AppID(n), AppID: AppID(n), DisplayName: name, KeyCredentials: keys}})
		return &tenant.Applications[len(tenant.Applications)-1]
	}
	add(1, "Contoso Payroll API", c["payroll"].KeyCredential("6a1f0c2e-0001-4c1e-9f00-000000000001", audit.UsageVerify, false))
	add(2, "Billing Worker", c["billing"].KeyCredential("6a1f0c2e-0002-4c1e-9f00-000000000002", audit.UsageVerify, true))
	add(3, "Reporting Service", c["reporting"].KeyCredential("6a1f0c2e-0003-4c1e-9f00-000000000003", audit.UsageVerify, true))
	add(4, "Inventory Sync", c["syncOld"].KeyCredential("6a1f0c2e-0004-4c1e-9f00-000000000004", audit.UsageVerify, true),
		c["syncNew"].KeyCredential("6a1f0c2e-0004-4c1e-9f00-000000000005", audit.UsageVerify, true))
	add(5, "Legacy Integration", c["legacy"].KeyCredential("6a1f0c2e-0005-4c1e-9f00-000000000006", audit.UsageSign, true))
	add(6, "Data Export Job")
	add(7, "Data Import Job", c["export"].KeyCredential("6a1f0c2e-0007-4c1e-9f00-000000000007", audit.UsageVerify, true))
	add(8, "Customer Portal Backend", c["portalOld"].KeyCredential("6a1f0c2e-0008-4c1e-9f00-000000000008", audit.UsageVerify, true))
	add(9, "HR Connector", c["hrNew"].KeyCredential("6a1f0c2e-0009-4c1e-9f00-000000000009", audit.UsageVerify, false))
	add(10, "Mail Relay", c["mail"].KeyCredential("6a1f0c2e-0010-4c1e-9f00-000000000010", audit.UsageVerify, true))
	add(11, "Analytics Ingest", c["analytics"].KeyCredential("6a1f0c2e-0011-4c1e-9f00-000000000011", audit.UsageVerify, true))
	unidentified := c["partner"].KeyCredential("6a1f0c2e-0012-4c1e-9f00-000000000012", audit.UsageVerify, false)
	unidentified.CustomKeyIdentifier = []byte("PartnerGW-2026") // chosen by a script, not a thumbprint
	unidentified.Identify(nil)
	add(12, "Partner Gateway", unidentified)
	automation := add(13, "Old Automation Account")
	automation.PasswordCredentials = []audit.PasswordCredential{
		secret("7b2e0d3f-0013-4d2f-8a00-000000000001", "runbook 2025", days(-400), days(-35)),
		secret("7b2e0d3f-0013-4d2f-8a00-000000000002", "runbook 2026", days(-20), days(710)),
	}
	notify := add(14, "Notifications Service")
	notify.PasswordCredentials = []audit.PasswordCredential{
		secret("7b2e0d3f-0014-4d2f-8a00-000000000003", "smtp sender", days(-170), days(9)),
	}

	samlSP := func(n int, name string, c *democert.Cert) audit.ServicePrincipal {
		return audit.ServicePrincipal{
			Principal: audit.Principal{
				ObjectID: "sp-" + AppID(n), AppID: AppID(n), DisplayName: name,
				KeyCredentials: []audit.KeyCredential{
					c.KeyCredential(fmt.Sprintf("8c3f1e40-%04d-4e30-9b00-000000000001", n), audit.UsageSign, true),
					c.KeyCredential(fmt.Sprintf("8c3f1e40-%04d-4e30-9b00-000000000002", n), audit.UsageVerify, true),
				},
			},
			ServicePrincipalType:                "Application",
			PreferredTokenSigningKeyThumbprint:  c.Thumbprints().SHA1,
			PreferredTokenSigningKeyEndDateTime: c.X509.NotAfter.UTC(),
		}
	}
	// Three apps load their certificates from Key Vault: the orders API's
	// renews in a few days, the invoice service's was renewed in the vault
	// and not uploaded, the scheduler's ends and nothing renews it.
	add(17, "Orders API", c["orders"].KeyCredential("6a1f0c2e-0017-4c1e-9f00-000000000017", audit.UsageVerify, false))
	add(18, "Invoice Service", c["invoiceOld"].KeyCredential("6a1f0c2e-0018-4c1e-9f00-000000000018", audit.UsageVerify, false))
	add(19, "Scheduler", c["scheduler"].KeyCredential("6a1f0c2e-0019-4c1e-9f00-000000000019", audit.UsageVerify, false))

	// The ledger sync's new certificate was uploaded, but Entra still sees
	// it sign in with the old one, which ends in 12 days.
	add(20, "Ledger Sync", c["ledgerOld"].KeyCredential("6a1f0c2e-0020-4c1e-9f00-000000000020", audit.UsageVerify, false),
		c["ledgerNew"].KeyCredential("6a1f0c2e-0020-4c1e-9f00-000000000021", audit.UsageVerify, false))
	tenant.Usage = demoUsage(now, c["export"])

	// The SAML portal's signing certificate ends soon, and the one before
	// it is still registered; the expense portal's has already ended. Each
	// signing certificate comes with the password of its PFX, which has
	// its Sign key's keyId and is not a client secret.
	portal := samlSP(15, "Contoso SAML Portal", c["saml"])
	portal.KeyCredentials = append(portal.KeyCredentials,
		c["samlRetired"].KeyCredential("8c3f1e40-0015-4e30-9b00-000000000003", audit.UsageSign, true),
		c["samlRetired"].KeyCredential("8c3f1e40-0015-4e30-9b00-000000000004", audit.UsageVerify, true))
	portal.PasswordCredentials = []audit.PasswordCredential{
		{KeyID: "8c3f1e40-0015-4e30-9b00-000000000001", DisplayName: "CN=Microsoft Azure Federated SSO Certificate",
			Start: c["saml"].X509.NotBefore, End: c["saml"].X509.NotAfter},
	}
	tenant.ServicePrincipals = []audit.ServicePrincipal{
		portal,
		samlSP(16, "Contoso Expenses (SAML)", c["samlExpired"]),
	}

	local := func(name, file string) audit.LocalCert { return c[name].LocalCert("demo/certs/" + file) }
	inv := &audit.Inventory{Certs: []audit.LocalCert{
		local("payroll", "payroll-api.pfx"),
		local("reportingNext", "reporting-2027.pem"),
		local("stray", "test-client.pem"),
	}}
	row := 1
	deployCert := func(app string, lc audit.LocalCert) {
		row++
		inv.Deployments = append(inv.Deployments, audit.Deployment{App: app, Source: fmt.Sprintf("demo/deployed.csv:%d", row),
			Cert: &lc, CertPath: lc.Path, Thumbprints: lc.Cert.Thumbprints})
	}
	deployThumbprint := func(app, thumb string) error {
		row++
		p, err := audit.ParseThumbprint(thumb)
		if err != nil {
			return fmt.Errorf("demo: deployed.csv:%d: %w", row, err)
		}
		inv.Deployments = append(inv.Deployments, audit.Deployment{App: app, Source: fmt.Sprintf("demo/deployed.csv:%d", row),
			Thumbprints: p.Thumbprints, ThumbprintEncoding: p.Encoding})
		return nil
	}
	inv.Vaults = []audit.Vault{demoVault(now, c)}
	deployCert(AppID(1), inv.Certs[0])
	deployCert("Billing Worker", local("billing", "billing-worker.pem"))
	deployCert(AppID(3), local("reporting", "reporting.pem"))
	deployCert("Inventory Sync", local("syncNew", "inventory-sync-next.pem"))
	deployCert(AppID(5), local("legacy", "legacy-integration.cer"))
	// pasted from the Windows certificate dialog
	if err := deployThumbprint("Data Export Job", "\u200e"+colonHex(c["export"].Thumbprints().SHA256)); err != nil {
		return nil, err
	}
	deployCert(AppID(8), local("portalNew", "portal-backend.pfx"))
	deployCert("HR Connector", local("hrOld", "hr-connector.pem"))
	deployCert(AppID(10), s.mailRelayPEM())
	for _, d := range []struct{ app, thumb string }{
		{"Analytics Ingest", c["analytics"].Thumbprints().X5t()},
		{"Payments Gateway (retired)", c["payroll"].Thumbprints().SHA1},
	} {
		if err := deployThumbprint(d.app, d.thumb); err != nil {
			return nil, err
		}
	}
	s.tenant, s.inv = tenant, inv
	return s, nil
}

// mailRelayPEM is demo/certs/mail-relay.pem as audit/localfiles reads
// it: the mail relay's certificate, whose key file holds the key of
// another certificate.
func (s *scenario) mailRelayPEM() audit.LocalCert {
	lc := s.certs["mail"].LocalCert("demo/certs/mail-relay.pem")
	lc.KeyMismatch = "the private key in " + lc.Path + " belongs to another certificate (" + s.certs["unrelated"].Summary().Subject + ")"
	return lc
}

// demoUsage is what Entra recorded of the demo's credentials in the last
// 30 days: the ledger sync still signs in with its old certificate, the
// analytics ingest's certificate has not signed in for 150 days, and the
// data export job fails with AADSTS700027, presenting the import job's
// certificate.
func demoUsage(now time.Time, export *democert.Cert) *audit.Usage {
	day := func(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }
	u := &audit.Usage{From: now.Add(-day(30)), To: now, Complete: true,
		Activity: audit.UsageSource{Read: true, Pages: 1}, Failures: audit.UsageSource{Read: true, Pages: 1}}
	activity := func(app int, keyID string, last time.Time) audit.CredentialActivity {
		return audit.CredentialActivity{KeyID: keyID, KeyType: "certificate", KeyUsage: "verify", AppID: AppID(app), Origin: "application", LastSignIn: last}
	}
	u.Credentials = []audit.CredentialActivity{
		activity(20, "6a1f0c2e-0020-4c1e-9f00-000000000020", now.Add(-time.Hour)),
		activity(20, "6a1f0c2e-0020-4c1e-9f00-000000000021", time.Time{}),
		activity(11, "6a1f0c2e-0011-4c1e-9f00-000000000011", now.Add(-day(150))),
	}
	agg := audit.NewFailureAggregator(0)
	for i := 0; i < 42; i++ {
		agg.Add(audit.FailedSignIn{Time: now.Add(-time.Duration(i) * 37 * time.Minute), AppID: AppID(6), ServicePrincipalID: "sp-" + AppID(6),
			ErrorCode: 700027, Reason: "Client assertion failed signature validation.", Thumbprint: export.Thumbprints().SHA1,
			ClientCredentialType: "clientAssertion", Resource: "Microsoft Graph"})
	}
	u.Failed, u.FailedTotal, u.FailedDropped = agg.Result()
	return u
}

// demoVault is the company's Key Vault: the certificates of the orders
// API (AutoRenew 30 days before expiry), the invoice service (renewed,
// version 2 current), the scheduler (an EmailContacts action only) and a
// sandbox certificate no app has registered.
func demoVault(now time.Time, c map[string]*democert.Cert) audit.Vault {
	const url = "https://kv-contoso-demo.vault.azure.net"
	version := func(name, v string, c *democert.Cert) audit.VaultVersion {
		return audit.VaultVersion{ID: url + "/certificates/" + name + "/" + v, Version: v, Thumbprints: c.Thumbprints(),
			Enabled: true, NotBefore: c.X509.NotBefore.UTC(), Expires: c.X509.NotAfter.UTC(), Created: c.X509.NotBefore.UTC(),
			Subject: c.Summary().Subject, Cert: c.Summary()}
	}
	policy := func(a audit.LifetimeAction) *audit.VaultPolicy {
		return &audit.VaultPolicy{Issuer: "Self", ValidityMonths: 12, LifetimeActions: []audit.LifetimeAction{a}}
	}
	cert := func(name string, p *audit.VaultPolicy, vs ...audit.VaultVersion) audit.VaultCertificate {
		return audit.VaultCertificate{Name: name, ID: url + "/certificates/" + name, Versions: vs, Policy: p}
	}
	return audit.Vault{Name: "kv-contoso-demo", URL: url, ReadAt: now, Complete: true, Certificates: []audit.VaultCertificate{
		cert("orders-api", policy(audit.LifetimeAction{Action: audit.ActionAutoRenew, DaysBeforeExpiry: 30}), version("orders-api", "0f3c9a1e", c["orders"])),
		cert("invoice", policy(audit.LifetimeAction{Action: audit.ActionAutoRenew, LifetimePercentage: 80}),
			version("invoice", "5b7d2e40", c["invoiceOld"]), version("invoice", "9e1a6c33", c["invoiceNew"])),
		cert("scheduler", policy(audit.LifetimeAction{Action: audit.ActionEmailContacts, DaysBeforeExpiry: 30}), version("scheduler", "2c4e6a80", c["scheduler"])),
		cert("sandbox", policy(audit.LifetimeAction{Action: audit.ActionAutoRenew, LifetimePercentage: 80}), version("sandbox", "7a9b0c1d", c["sandbox"])),
	}}
}

func secret(keyID, name string, start, end time.Time) audit.PasswordCredential {
	return audit.PasswordCredential{KeyID: keyID, DisplayName: name, Start: start, End: end}
}

func colonHex(h string) string {
	out := make([]byte, 0, len(h)*3/2)
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, h[i], h[i+1])
	}
	return string(out)
}
