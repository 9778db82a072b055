package reports_test

import (
	"crypto/sha1"
	"fmt"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// The shared fixture every reporter renders: a Result produced by
// audit.Run from a small tenant whose credentials are all known by
// deterministic thumbprints (no generated keys), so that golden files are
// byte-stable. It covers every kind of finding a reporter must lay out:
// an application and a service principal, certificates and secrets, a
// finding with a deployed mapping row, one about a local file alone,
// local certificate statuses and a warning.

var fixtureNow = audittest.Now()

func fixtureDays(n int) time.Time { return fixtureNow.Add(audittest.Days(n)) }

// digest is a fixed SHA-1-sized value derived from a name.
func digest(name string) []byte {
	s := sha1.Sum([]byte(name))
	return s[:]
}

func fixtureKey(keyID, cn, usage string, from, to int) audit.KeyCredential {
	k := audit.KeyCredential{
		KeyID: keyID, DisplayName: "CN=" + cn, Type: audit.TypeAsymmetricX509Cert, Usage: usage,
		Start: fixtureDays(from), End: fixtureDays(to), CustomKeyIdentifier: digest(fmt.Sprintf("%s %d %d", cn, from, to)),
	}
	k.Identify(nil)
	return k
}

func fixtureLocal(path, cn, keyName string, from, to int) audit.LocalCert {
	tp := audit.ThumbprintsFromKeyIdentifier(digest(keyName))
	tp.SHA256 = fmt.Sprintf("%X", append(digest(keyName+"/256"), digest(keyName + "/256+")[:12]...))
	return audit.LocalCert{Source: path, Path: path, HasKey: true, Cert: &audit.Certificate{
		Subject: "CN=" + cn, NotBefore: fixtureDays(from), NotAfter: fixtureDays(to), Thumbprints: tp,
		PublicKeyAlgorithm: "RSA", KeyBits: 2048, SignatureAlgorithm: "SHA256-RSA",
	}}
}

func fixtureResult() *audit.Result {
	payroll := fixtureKey("11111111-0000-4000-8000-000000000001", "payroll.contoso.com", audit.UsageVerify, -300, -3)
	payrollNext := fixtureKey("11111111-0000-4000-8000-000000000002", "payroll.contoso.com", audit.UsageVerify, -2, 20)
	reporting := fixtureKey("11111111-0000-4000-8000-000000000003", "reporting.contoso.com", audit.UsageVerify, -100, 250)

	apps := []audit.Application{
		audittest.App("00000000-0000-4000-a000-000000000001", "Payroll API", payroll, payrollNext),
		audittest.App("00000000-0000-4000-a000-000000000002", "Reporting", reporting),
		audittest.App("00000000-0000-4000-a000-000000000003", "Mailer"),
	}
	apps[2].PasswordCredentials = []audit.PasswordCredential{
		{KeyID: "22222222-0000-4000-8000-000000000001", DisplayName: "smtp", Start: fixtureDays(-170), End: fixtureDays(9)},
	}
	tenant := &audit.Tenant{TenantID: "00000000-0000-0000-0000-00000000cafe", Cloud: "public", Complete: true, Applications: apps}
	tenant.ServicePrincipals = []audit.ServicePrincipal{{Principal: audit.Principal{
		ObjectID: "sp-saml", AppID: "00000000-0000-4000-a000-000000000009", DisplayName: "SAML Portal",
		KeyCredentials: []audit.KeyCredential{
			fixtureKey("33333333-0000-4000-8000-000000000001", "Federated SSO", audit.UsageSign, -1000, -1),
			fixtureKey("33333333-0000-4000-8000-000000000002", "Federated SSO", audit.UsageVerify, -1000, -1),
		},
	}}}

	stray := fixtureLocal("certs/test-client.pem", "test-client.local", "stray", -1, 90)
	deployedReporting := fixtureLocal("certs/reporting-next.pem", "reporting.contoso.com", "reporting-next", -1, 360)
	inv := &audit.Inventory{
		Certs: []audit.LocalCert{stray, deployedReporting},
		Deployments: []audit.Deployment{
			{App: "Payroll API", Source: "deployed.csv:2", Thumbprints: payroll.Thumbprints},
			{App: "00000000-0000-4000-a000-000000000002", Source: "deployed.csv:3", CertPath: deployedReporting.Path,
				Thumbprints: deployedReporting.Cert.Thumbprints, Cert: &deployedReporting},
			{App: "Retired Service", Source: "deployed.csv:4", Thumbprints: payroll.Thumbprints},
		},
	}
	r := audit.Run(tenant, inv, audit.DefaultPolicy(), fixtureNow)
	r.Source = audit.Source{Kind: "snapshot", Path: "tenant.json", TenantID: tenant.TenantID, Cloud: tenant.Cloud}
	return r
}
