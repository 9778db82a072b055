// Package demo is appaudit's built-in tenant: a dozen app registrations,
// the certificates on disk and the deployed mapping of a fictional company,
// generated at run time relative to the instant the caller gives, so that
// `appaudit scan --demo` shows every scan check firing (and one healthy
// app) on any day it is run. It never touches the network or the disk.
package demo

import (
	"fmt"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// TenantID is the demo tenant's ID.
const TenantID = "d3m0d3m0-0000-4000-8000-00000000c0de"

// Scenario builds the demo tenant and what is deployed against it, as of now.
func Scenario(now time.Time) (*audit.Tenant, *audit.Inventory) {
	now = now.UTC().Truncate(time.Second)
	day := audittest.Days
	mk := func(cn string, from, to int, opts ...func(*audittest.Spec)) *audittest.Cert {
		s := audittest.Spec{CommonName: cn, NotBefore: now.Add(day(from)), NotAfter: now.Add(day(to))}
		for _, o := range opts {
			o(&s)
		}
		return audittest.MustCert(s)
	}
	withKey := func(k *audittest.Cert) func(*audittest.Spec) {
		return func(s *audittest.Spec) { s.Key = k.Key }
	}

	var (
		payroll      = mk("payroll-api.contoso.com", -60, 300)
		billing      = mk("billing-worker.contoso.com", -370, -5)
		reporting    = mk("reporting.contoso.com", -350, 12)
		reportingNxt = mk("reporting.contoso.com", -1, 360)
		syncOld      = mk("inventory-sync.contoso.com", -200, 150)
		syncNew      = mk("inventory-sync.contoso.com", 3, 360)
		legacy       = mk("legacy-integration.contoso.com", -100, 200)
		export       = mk("data-export.contoso.com", -20, 400)
		portalOld    = mk("portal-backend.contoso.com", -300, 60)
		portalNew    = mk("portal-backend.contoso.com", -2, 360)
		hrOld        = mk("hr-connector.contoso.com", -340, 20)
		hrNew        = mk("hr-connector.contoso.com", -7, 355)
		mail         = mk("mail-relay.contoso.com", -30, 330)
		analytics    = mk("analytics-ingest.contoso.com", -100, 700, func(s *audittest.Spec) { s.Key = audittest.WeakKey() })
		partner      = mk("partner-gateway.contoso.com", -50, 300)
		saml         = mk("Microsoft Azure Federated SSO Certificate", -1080, 20)
		samlExpired  = mk("Microsoft Azure Federated SSO Certificate", -1100, -4)
		samlRetired  = mk("Microsoft Azure Federated SSO Certificate", -2200, -1100)
		stray        = mk("test-client.local", -1, 90)
		orders       = mk("orders-api.contoso.com", -330, 35)
		invoiceOld   = mk("invoice.contoso.com", -200, 165)
		invoiceNew   = mk("invoice.contoso.com", -3, 362)
		scheduler    = mk("scheduler.contoso.com", -355, 10)
		sandbox      = mk("sandbox.contoso.com", -10, 355)
		ledgerOld    = mk("ledger-sync.contoso.com", -340, 12)
		ledgerNew    = mk("ledger-sync.contoso.com", -5, 360)
	)
	// The mail relay's key file holds a key of another certificate.
	mailWrongKey := mk("unrelated", -1, 1, withKey(&audittest.Cert{Key: audittest.KeyB()}))

	appID := func(n int) string { return fmt.Sprintf("00000000-0000-4000-a000-%012d", n) }
	tenant := &audit.Tenant{TenantID: TenantID, Cloud: "public", TakenAt: now, Complete: true}
	add := func(n int, name string, keys ...audit.KeyCredential) *audit.Application {
		tenant.Applications = append(tenant.Applications, audittest.App(appID(n), name, keys...))
		return &tenant.Applications[len(tenant.Applications)-1]
	}
	add(1, "Contoso Payroll API", payroll.KeyCredential("6a1f0c2e-0001-4c1e-9f00-000000000001", audit.UsageVerify, false))
	add(2, "Billing Worker", billing.KeyCredential("6a1f0c2e-0002-4c1e-9f00-000000000002", audit.UsageVerify, true))
	add(3, "Reporting Service", reporting.KeyCredential("6a1f0c2e-0003-4c1e-9f00-000000000003", audit.UsageVerify, true))
	add(4, "Inventory Sync", syncOld.KeyCredential("6a1f0c2e-0004-4c1e-9f00-000000000004", audit.UsageVerify, true),
		syncNew.KeyCredential("6a1f0c2e-0004-4c1e-9f00-000000000005", audit.UsageVerify, true))
	add(5, "Legacy Integration", legacy.KeyCredential("6a1f0c2e-0005-4c1e-9f00-000000000006", audit.UsageSign, true))
	add(6, "Data Export Job")
	add(7, "Data Import Job", export.KeyCredential("6a1f0c2e-0007-4c1e-9f00-000000000007", audit.UsageVerify, true))
	add(8, "Customer Portal Backend", portalOld.KeyCredential("6a1f0c2e-0008-4c1e-9f00-000000000008", audit.UsageVerify, true))
	add(9, "HR Connector", hrNew.KeyCredential("6a1f0c2e-0009-4c1e-9f00-000000000009", audit.UsageVerify, false))
	add(10, "Mail Relay", mail.KeyCredential("6a1f0c2e-0010-4c1e-9f00-000000000010", audit.UsageVerify, true))
	add(11, "Analytics Ingest", analytics.KeyCredential("6a1f0c2e-0011-4c1e-9f00-000000000011", audit.UsageVerify, true))
	unidentified := partner.KeyCredential("6a1f0c2e-0012-4c1e-9f00-000000000012", audit.UsageVerify, false)
	unidentified.CustomKeyIdentifier = []byte("PartnerGW-2026") // chosen by a script, not a thumbprint
	unidentified.Identify(nil)
	add(12, "Partner Gateway", unidentified)
	automation := add(13, "Old Automation Account")
	automation.PasswordCredentials = []audit.PasswordCredential{
		secret("7b2e0d3f-0013-4d2f-8a00-000000000001", "runbook 2025", now.Add(-day(400)), now.Add(-day(35))),
		secret("7b2e0d3f-0013-4d2f-8a00-000000000002", "runbook 2026", now.Add(-day(20)), now.Add(day(710))),
	}
	notify := add(14, "Notifications Service")
	notify.PasswordCredentials = []audit.PasswordCredential{
		secret("7b2e0d3f-0014-4d2f-8a00-000000000003", "smtp sender", now.Add(-day(170)), now.Add(day(9))),
	}

	samlSP := func(n int, name string, c *audittest.Cert) audit.ServicePrincipal {
		return audit.ServicePrincipal{
			Principal: audit.Principal{
				ObjectID: "sp-" + appID(n), AppID: appID(n), DisplayName: name,
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
	add(17, "Orders API", orders.KeyCredential("6a1f0c2e-0017-4c1e-9f00-000000000017", audit.UsageVerify, false))
	add(18, "Invoice Service", invoiceOld.KeyCredential("6a1f0c2e-0018-4c1e-9f00-000000000018", audit.UsageVerify, false))
	add(19, "Scheduler", scheduler.KeyCredential("6a1f0c2e-0019-4c1e-9f00-000000000019", audit.UsageVerify, false))

	// The ledger sync's new certificate was uploaded, but Entra still sees
	// it sign in with the old one, which ends in 12 days.
	add(20, "Ledger Sync", ledgerOld.KeyCredential("6a1f0c2e-0020-4c1e-9f00-000000000020", audit.UsageVerify, false),
		ledgerNew.KeyCredential("6a1f0c2e-0020-4c1e-9f00-000000000021", audit.UsageVerify, false))
	tenant.Usage = demoUsage(now, appID, export)

	// The SAML portal's signing certificate ends soon, and the one before
	// it is still registered; the expense portal's has already ended. Each
	// signing certificate comes with the password of its PFX, which has
	// its Sign key's keyId and is not a client secret.
	portal := samlSP(15, "Contoso SAML Portal", saml)
	portal.KeyCredentials = append(portal.KeyCredentials,
		samlRetired.KeyCredential("8c3f1e40-0015-4e30-9b00-000000000003", audit.UsageSign, true),
		samlRetired.KeyCredential("8c3f1e40-0015-4e30-9b00-000000000004", audit.UsageVerify, true))
	portal.PasswordCredentials = []audit.PasswordCredential{
		{KeyID: "8c3f1e40-0015-4e30-9b00-000000000001", DisplayName: "CN=Microsoft Azure Federated SSO Certificate", Start: saml.X509.NotBefore, End: saml.X509.NotAfter},
	}
	tenant.ServicePrincipals = []audit.ServicePrincipal{
		portal,
		samlSP(16, "Contoso Expenses (SAML)", samlExpired),
	}

	local := func(c *audittest.Cert, file string) audit.LocalCert { return c.LocalCert("demo/certs/" + file) }
	mailLocal := local(mail, "mail-relay.pem")
	mailLocal.KeyMismatch = "the private key in demo/certs/mail-relay.pem belongs to another certificate (" + mailWrongKey.Summary().Subject + ")"
	inv := &audit.Inventory{Certs: []audit.LocalCert{
		local(payroll, "payroll-api.pfx"),
		local(reportingNxt, "reporting-2027.pem"),
		local(stray, "test-client.pem"),
	}}
	row := 1
	deploy := func(app string, c *audit.LocalCert, thumb string) {
		row++
		d := audit.Deployment{App: app, Source: fmt.Sprintf("demo/deployed.csv:%d", row)}
		if c != nil {
			d.Cert, d.CertPath, d.Thumbprints = c, c.Path, c.Cert.Thumbprints
		} else {
			p, err := audit.ParseThumbprint(thumb)
			if err != nil {
				panic("demo: " + err.Error())
			}
			d.Thumbprints, d.ThumbprintEncoding = p.Thumbprints, p.Encoding
		}
		inv.Deployments = append(inv.Deployments, d)
	}
	lc := func(c *audittest.Cert, file string) *audit.LocalCert { l := local(c, file); return &l }
	inv.Vaults = []audit.Vault{demoVault(now, orders, invoiceOld, invoiceNew, scheduler, sandbox)}
	deploy(appID(1), &inv.Certs[0], "")
	deploy("Billing Worker", lc(billing, "billing-worker.pem"), "")
	deploy(appID(3), lc(reporting, "reporting.pem"), "")
	deploy("Inventory Sync", lc(syncNew, "inventory-sync-next.pem"), "")
	deploy(appID(5), lc(legacy, "legacy-integration.cer"), "")
	deploy("Data Export Job", nil, "\u200e"+colonHex(export.Thumbprints().SHA256)) // pasted from the Windows certificate dialog
	deploy(appID(8), lc(portalNew, "portal-backend.pfx"), "")
	deploy("HR Connector", lc(hrOld, "hr-connector.pem"), "")
	deploy(appID(10), &mailLocal, "")
	deploy("Analytics Ingest", nil, analytics.Thumbprints().X5t())
	deploy("Payments Gateway (retired)", nil, payroll.Thumbprints().SHA1)
	return tenant, inv
}

// demoUsage is what Entra recorded of the demo's credentials in the last
// 30 days: the ledger sync still signs in with its old certificate, the
// analytics ingest's certificate has not signed in for 150 days, and the data export
// job fails with AADSTS700027, presenting the import job's certificate.
func demoUsage(now time.Time, appID func(int) string, export *audittest.Cert) *audit.Usage {
	day := audittest.Days
	u := &audit.Usage{From: now.Add(-day(30)), To: now, Complete: true,
		Activity: audit.UsageSource{Read: true, Pages: 1}, Failures: audit.UsageSource{Read: true, Pages: 1}}
	activity := func(app int, keyID string, last time.Time) audit.CredentialActivity {
		return audit.CredentialActivity{KeyID: keyID, KeyType: "certificate", KeyUsage: "verify", AppID: appID(app), Origin: "application", LastSignIn: last}
	}
	u.Credentials = []audit.CredentialActivity{
		activity(20, "6a1f0c2e-0020-4c1e-9f00-000000000020", now.Add(-time.Hour)),
		activity(20, "6a1f0c2e-0020-4c1e-9f00-000000000021", time.Time{}),
		activity(11, "6a1f0c2e-0011-4c1e-9f00-000000000011", now.Add(-day(150))),
	}
	agg := audit.NewFailureAggregator(0)
	for i := 0; i < 42; i++ {
		agg.Add(audit.FailedSignIn{Time: now.Add(-time.Duration(i) * 37 * time.Minute), AppID: appID(6), ServicePrincipalID: "sp-" + appID(6),
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
func demoVault(now time.Time, orders, invoiceOld, invoiceNew, scheduler, sandbox *audittest.Cert) audit.Vault {
	const url = "https://kv-contoso-demo.vault.azure.net"
	version := func(name, v string, c *audittest.Cert) audit.VaultVersion {
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
		cert("orders-api", policy(audit.LifetimeAction{Action: audit.ActionAutoRenew, DaysBeforeExpiry: 30}), version("orders-api", "0f3c9a1e", orders)),
		cert("invoice", policy(audit.LifetimeAction{Action: audit.ActionAutoRenew, LifetimePercentage: 80}),
			version("invoice", "5b7d2e40", invoiceOld), version("invoice", "9e1a6c33", invoiceNew)),
		cert("scheduler", policy(audit.LifetimeAction{Action: audit.ActionEmailContacts, DaysBeforeExpiry: 30}), version("scheduler", "2c4e6a80", scheduler)),
		cert("sandbox", policy(audit.LifetimeAction{Action: audit.ActionAutoRenew, LifetimePercentage: 80}), version("sandbox", "7a9b0c1d", sandbox)),
	}}
}

func secret(keyID, name string, start, end time.Time) audit.PasswordCredential {
	s := audittest.Secret(keyID, start, end)
	s.DisplayName = name
	return s
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
