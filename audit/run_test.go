package audit_test

import (
	"crypto/x509"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

var now = audittest.Now()

func days(n int) time.Duration { return audittest.Days(n) }

// cert makes a certificate valid from now+from days to now+to days.
func cert(cn string, from, to int) *audittest.Cert {
	return audittest.MustCert(audittest.Spec{CommonName: cn, NotBefore: now.Add(days(from)), NotAfter: now.Add(days(to))})
}

func run(t *testing.T, tenant *audit.Tenant, inv *audit.Inventory) *audit.Result {
	t.Helper()
	return audit.Run(tenant, inv, audit.DefaultPolicy(), now)
}

// only returns the findings of one check.
func only(r *audit.Result, check string) []audit.Finding {
	var out []audit.Finding
	for _, f := range r.Findings {
		if f.Check == check {
			out = append(out, f)
		}
	}
	return out
}

// one asserts exactly one finding of check, with severity sev, whose
// message contains every fragment.
func one(t *testing.T, r *audit.Result, check string, sev audit.Severity, fragments ...string) audit.Finding {
	t.Helper()
	fs := only(r, check)
	if len(fs) != 1 {
		t.Fatalf("%s: got %d findings, want 1; all findings:\n%s", check, len(fs), dump(r))
	}
	f := fs[0]
	if f.Severity != sev {
		t.Errorf("%s: severity %s, want %s (%s)", check, f.Severity, sev, f.Message)
	}
	for _, frag := range fragments {
		if !strings.Contains(f.Message, frag) {
			t.Errorf("%s: message %q lacks %q", check, f.Message, frag)
		}
	}
	if f.Title() == "" || f.Remediation() == "" || f.Fingerprint == "" {
		t.Errorf("%s: catalogue fields not filled: %+v", check, f)
	}
	return f
}

func none(t *testing.T, r *audit.Result, checks ...string) {
	t.Helper()
	for _, c := range checks {
		if fs := only(r, c); len(fs) > 0 {
			t.Errorf("%s: want no finding, got %d: %s", c, len(fs), fs[0].Message)
		}
	}
}

func dump(r *audit.Result) string {
	var b strings.Builder
	for _, f := range r.Findings {
		b.WriteString("  " + f.Severity.String() + " " + f.Check + ": " + f.Message + "\n")
	}
	return b.String()
}

func deployed(app string, c *audittest.Cert, line int) audit.Deployment {
	lc := c.LocalCert("certs/" + c.X509.Subject.CommonName + ".pem")
	return audit.Deployment{App: app, Source: "deployed.csv:" + string(rune('0'+line)), Thumbprints: c.Thumbprints(), CertPath: lc.Path, Cert: &lc}
}

func TestRegisteredCertificateValidity(t *testing.T) {
	expired := cert("old", -400, -10)
	current := cert("new", -10, 300)
	expiring := cert("soon", -300, 12)
	future := cert("future", 5, 300)

	tests := []struct {
		name  string
		app   audit.Application
		inv   *audit.Inventory
		check string
		sev   audit.Severity
		frags []string
	}{
		{"expired alone is high", audittest.App("a1", "Payroll", expired.KeyCredential("k1", audit.UsageVerify, true)),
			nil, audit.CheckCertExpired, audit.SeverityHigh, []string{"expired on " + now.Add(days(-10)).Format("2006-01-02"), "(10 days ago)"}},
		{"expired beside a valid one is a leftover", audittest.App("a1", "Payroll", expired.KeyCredential("k1", audit.UsageVerify, true), current.KeyCredential("k2", audit.UsageVerify, true)),
			nil, audit.CheckCertExpired, audit.SeverityMedium, []string{"leftover"}},
		{"expired and deployed is critical", audittest.App("a1", "Payroll", expired.KeyCredential("k1", audit.UsageVerify, true)),
			&audit.Inventory{Deployments: []audit.Deployment{deployed("a1", expired, 2)}}, audit.CheckCertExpired, audit.SeverityCritical, []string{"deployed.csv:2 signs with it"}},
		{"expiring without successor is medium", audittest.App("a1", "Payroll", expiring.KeyCredential("k1", audit.UsageVerify, true)),
			nil, audit.CheckCertExpiring, audit.SeverityMedium, []string{"in 12 days"}},
		{"expiring with successor is low", audittest.App("a1", "Payroll", expiring.KeyCredential("k1", audit.UsageVerify, true), current.KeyCredential("k2", audit.UsageVerify, true)),
			nil, audit.CheckCertExpiring, audit.SeverityLow, []string{"successor", current.Thumbprints().SHA1}},
		{"expiring, deployed, no successor is high", audittest.App("a1", "Payroll", expiring.KeyCredential("k1", audit.UsageVerify, false)),
			&audit.Inventory{Deployments: []audit.Deployment{deployed("Payroll", expiring, 3)}}, audit.CheckCertExpiring, audit.SeverityHigh, []string{"no successor", "customKeyIdentifier"}},
		{"not yet valid", audittest.App("a1", "Payroll", future.KeyCredential("k1", audit.UsageVerify, true)),
			nil, audit.CheckCertNotYetValid, audit.SeverityMedium, []string{"in 5 days"}},
		{"not yet valid and deployed", audittest.App("a1", "Payroll", future.KeyCredential("k1", audit.UsageVerify, true)),
			&audit.Inventory{Deployments: []audit.Deployment{deployed("a1", future, 4)}}, audit.CheckCertNotYetValid, audit.SeverityHigh, []string{"deployed.csv:4"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, audittest.Tenant(tc.app), tc.inv)
			f := one(t, r, tc.check, tc.sev, tc.frags...)
			if f.App == nil || f.App.AppID != "a1" || f.Credential == nil || f.Credential.KeyID != "k1" {
				t.Errorf("finding names the wrong object or credential: %+v %+v", f.App, f.Credential)
			}
		})
	}
}

func TestBoundaries(t *testing.T) {
	// Ends exactly now: expired. Ends exactly at the warning horizon: expiring.
	endsNow := audittest.MustCert(audittest.Spec{CommonName: "edge", NotBefore: now.Add(-days(100)), NotAfter: now})
	r := run(t, audittest.Tenant(audittest.App("a", "A", endsNow.KeyCredential("k", audit.UsageVerify, true))), nil)
	one(t, r, audit.CheckCertExpired, audit.SeverityHigh)
	horizon := audittest.MustCert(audittest.Spec{CommonName: "edge", NotBefore: now.Add(-days(100)), NotAfter: now.Add(days(30))})
	r = run(t, audittest.Tenant(audittest.App("a", "A", horizon.KeyCredential("k", audit.UsageVerify, true))), nil)
	one(t, r, audit.CheckCertExpiring, audit.SeverityMedium, "in 30 days")
	beyond := audittest.MustCert(audittest.Spec{CommonName: "edge", NotBefore: now.Add(-days(100)), NotAfter: now.Add(days(31))})
	r = run(t, audittest.Tenant(audittest.App("a", "A", beyond.KeyCredential("k", audit.UsageVerify, true))), nil)
	none(t, r, audit.CheckCertExpiring, audit.CheckCertExpired)
}

func TestSignVerifyPairIsOneCertificate(t *testing.T) {
	c := cert("saml", -400, -1)
	sp := audit.ServicePrincipal{Principal: audit.Principal{ObjectID: "sp1", AppID: "a1", DisplayName: "SAML app",
		KeyCredentials: []audit.KeyCredential{c.KeyCredential("sign", audit.UsageSign, true), c.KeyCredential("verify", audit.UsageVerify, true)}}}
	tenant := audittest.Tenant()
	tenant.ServicePrincipals = []audit.ServicePrincipal{sp}
	r := run(t, tenant, nil)
	// A certificate registered for Sign is a token-signing certificate:
	// no client-assertion finding, and, with no active certificate named,
	// the SAML check says it may be the one SAML sign-ins use.
	none(t, r, audit.CheckCertExpired)
	f := one(t, r, audit.CheckSAMLCertInactiveExpired, audit.SeverityMedium, "does not say which signing certificate is active")
	if f.App.Kind != audit.KindServicePrincipal {
		t.Errorf("kind = %s, want servicePrincipal", f.App.Kind)
	}
	if f.Credential.KeyID != "verify" || len(f.Credential.PairedKeyIDs) != 1 || f.Credential.PairedKeyIDs[0] != "sign" {
		t.Errorf("pair not folded with Verify first: %+v", f.Credential)
	}
	if r.Summary.KeyCredentials != 2 || r.Summary.ServicePrincipals != 1 {
		t.Errorf("summary counts %+v", r.Summary)
	}
}

func TestDeploymentChecks(t *testing.T) {
	current := cert("svc", -30, 300)
	other := cert("unrelated", -30, 300)
	newer := cert("svc", -2, 400) // same subject, issued later
	signOnly := current.KeyCredential("k-sign", audit.UsageSign, true)

	t.Run("registered and Verify: clean", func(t *testing.T) {
		r := run(t, audittest.Tenant(audittest.App("a1", "Svc", current.KeyCredential("k1", audit.UsageVerify, false))),
			&audit.Inventory{Deployments: []audit.Deployment{deployed("a1", current, 1)}})
		if len(r.Findings) != 0 {
			t.Fatalf("want no findings:\n%s", dump(r))
		}
	})
	t.Run("wrong usage", func(t *testing.T) {
		r := run(t, audittest.Tenant(audittest.App("a1", "Svc", signOnly)),
			&audit.Inventory{Deployments: []audit.Deployment{deployed("a1", current, 1)}})
		f := one(t, r, audit.CheckCertWrongUsage, audit.SeverityCritical, "AsymmetricX509Cert/Sign")
		if f.Local == nil || f.Local.Source != "deployed.csv:1" {
			t.Errorf("local ref: %+v", f.Local)
		}
	})
	t.Run("wrong type", func(t *testing.T) {
		k := current.KeyCredential("k1", audit.UsageVerify, true)
		k.Type = audit.TypeX509CertAndPassword
		r := run(t, audittest.Tenant(audittest.App("a1", "Svc", k)),
			&audit.Inventory{Deployments: []audit.Deployment{deployed("a1", current, 1)}})
		one(t, r, audit.CheckCertWrongUsage, audit.SeverityCritical, "X509CertAndPassword/Verify")
	})
	t.Run("not registered, but on another app", func(t *testing.T) {
		r := run(t, audittest.Tenant(
			audittest.App("a1", "Svc", other.KeyCredential("k1", audit.UsageVerify, true)),
			audittest.App("a2", "Elsewhere", current.KeyCredential("k2", audit.UsageVerify, true)),
		), &audit.Inventory{Deployments: []audit.Deployment{{App: "a1", Source: "deployed.csv:7", Thumbprints: current.Thumbprints()}}})
		f := one(t, r, audit.CheckCertNotRegistered, audit.SeverityCritical, "deployed.csv:7", "the key was not found", `"Elsewhere" (a2)`)
		if f.App.AppID != "a1" {
			t.Errorf("finding is about %s, want a1", f.App.AppID)
		}
	})
	t.Run("SHA-256 thumbprint against a body-less registration is uncertain", func(t *testing.T) {
		r := run(t, audittest.Tenant(audittest.App("a1", "Svc", current.KeyCredential("k1", audit.UsageVerify, false))),
			&audit.Inventory{Deployments: []audit.Deployment{{App: "a1", Source: "d.yaml:3", Thumbprints: audit.Thumbprints{SHA256: current.Thumbprints().SHA256}}}})
		one(t, r, audit.CheckCertNotRegistered, audit.SeverityMedium, "cannot be compared", "SHA-1")
	})
	t.Run("SHA-256 thumbprint matched through a local file", func(t *testing.T) {
		r := run(t, audittest.Tenant(audittest.App("a1", "Svc", current.KeyCredential("k1", audit.UsageVerify, false))),
			&audit.Inventory{
				Certs:       []audit.LocalCert{current.LocalCert("certs/svc.pem")},
				Deployments: []audit.Deployment{{App: "a1", Source: "d.yaml:3", Thumbprints: audit.Thumbprints{SHA256: current.Thumbprints().SHA256}}}})
		if len(r.Findings) != 0 {
			t.Fatalf("want no findings:\n%s", dump(r))
		}
	})
	t.Run("rotated: deployment ahead", func(t *testing.T) {
		r := run(t, audittest.Tenant(audittest.App("a1", "Svc", current.KeyCredential("k1", audit.UsageVerify, true))),
			&audit.Inventory{Deployments: []audit.Deployment{deployed("a1", newer, 2)}})
		one(t, r, audit.CheckCertRotatedOneSide, audit.SeverityCritical, "deployment is ahead", "never uploaded", newer.Thumbprints().SHA1)
		none(t, r, audit.CheckCertNotRegistered, audit.CheckCertUnused)
	})
	t.Run("rotated: app ahead, subject from displayName only", func(t *testing.T) {
		r := run(t, audittest.Tenant(audittest.App("a1", "Svc", newer.KeyCredential("k1", audit.UsageVerify, false))),
			&audit.Inventory{Deployments: []audit.Deployment{deployed("a1", current, 2)}})
		one(t, r, audit.CheckCertRotatedOneSide, audit.SeverityCritical, "app registration is ahead", "still signs with an older one", "customKeyIdentifier")
	})
	t.Run("key mismatch", func(t *testing.T) {
		d := deployed("a1", current, 5)
		d.Cert.KeyMismatch = "the private key in certs/svc.pem belongs to another certificate"
		r := run(t, audittest.Tenant(audittest.App("a1", "Svc", current.KeyCredential("k1", audit.UsageVerify, true))),
			&audit.Inventory{Certs: []audit.LocalCert{*d.Cert}, Deployments: []audit.Deployment{d}})
		one(t, r, audit.CheckCertKeyMismatch, audit.SeverityCritical, "belongs to another certificate", "will not verify")
	})
	t.Run("unused certificate on a mapped app", func(t *testing.T) {
		r := run(t, audittest.Tenant(audittest.App("a1", "Svc", current.KeyCredential("k1", audit.UsageVerify, true), other.KeyCredential("k2", audit.UsageVerify, true))),
			&audit.Inventory{Deployments: []audit.Deployment{deployed("Svc", current, 1)}})
		f := one(t, r, audit.CheckCertUnused, audit.SeverityLow, "no row of the deployed mapping")
		if f.Credential.KeyID != "k2" {
			t.Errorf("unused names %s, want k2", f.Credential.KeyID)
		}
	})
	t.Run("unused is not reported for unmapped apps", func(t *testing.T) {
		r := run(t, audittest.Tenant(audittest.App("a1", "Svc", other.KeyCredential("k2", audit.UsageVerify, true))), nil)
		none(t, r, audit.CheckCertUnused)
	})
	t.Run("verify key on the service principal authenticates", func(t *testing.T) {
		tenant := audittest.Tenant(audittest.App("a1", "Svc"))
		tenant.ServicePrincipals = []audit.ServicePrincipal{{Principal: audit.Principal{AppID: "a1", DisplayName: "Svc",
			KeyCredentials: []audit.KeyCredential{current.KeyCredential("sp-k", audit.UsageVerify, true)}}}}
		r := run(t, tenant, &audit.Inventory{Deployments: []audit.Deployment{deployed("a1", current, 1)}})
		if len(r.Findings) != 0 {
			t.Fatalf("want no findings:\n%s", dump(r))
		}
	})
}

func TestMappingResolution(t *testing.T) {
	c := cert("svc", -30, 300)
	tenant := audittest.Tenant(
		audittest.App("11111111-aaaa-bbbb-cccc-000000000001", "Twin", c.KeyCredential("k1", audit.UsageVerify, true)),
		audittest.App("11111111-aaaa-bbbb-cccc-000000000002", "Twin"),
		audittest.App("11111111-aaaa-bbbb-cccc-000000000003", "Solo", c.KeyCredential("k3", audit.UsageVerify, true)),
	)
	inv := &audit.Inventory{Deployments: []audit.Deployment{
		{App: "Twin", Source: "m.csv:2", Thumbprints: c.Thumbprints()},
		{App: "Nobody", Source: "m.csv:3", Thumbprints: c.Thumbprints()},
		{App: "11111111-AAAA-bbbb-cccc-000000000003", Source: "m.csv:4", Thumbprints: c.Thumbprints()},
		{App: "solo", Source: "m.csv:5", Thumbprints: c.Thumbprints()},
	}}
	r := run(t, tenant, inv)
	if len(r.Warnings) != 3 || !strings.Contains(r.Warnings[0], "m.csv:2") || !strings.Contains(r.Warnings[0], "2 different apps") ||
		!strings.Contains(r.Warnings[1], "m.csv:3") || !strings.Contains(r.Warnings[1], `"Nobody"`) || strings.Contains(r.Warnings[1], "did you mean") ||
		!strings.Contains(r.Warnings[2], `"solo" (did you mean "Solo"?)`) {
		t.Errorf("warnings: %q", r.Warnings)
	}
	if len(r.Findings) != 0 {
		t.Errorf("appId match is case-insensitive and clean; got:\n%s", dump(r))
	}
}

func TestKeyStrengthAndLifetime(t *testing.T) {
	weak := audittest.MustCert(audittest.Spec{CommonName: "weak", NotBefore: now.Add(-days(10)), NotAfter: now.Add(days(200)), Key: audittest.WeakKey()})
	sha1 := audittest.MustCert(audittest.Spec{CommonName: "sha1", NotBefore: now.Add(-days(10)), NotAfter: now.Add(days(200)), SignatureAlgorithm: x509.SHA1WithRSA})
	long := cert("long", -10, 800)
	leap := cert("leap", -10, 356) // 366 days: one year across a leap day is not "long"

	r := run(t, audittest.Tenant(audittest.App("a", "A", weak.KeyCredential("k", audit.UsageVerify, true))), nil)
	one(t, r, audit.CheckCertWeakKey, audit.SeverityMedium, "RSA key of 1024 bits")

	r = run(t, audittest.Tenant(audittest.App("a", "A", sha1.KeyCredential("k", audit.UsageVerify, true))), nil)
	one(t, r, audit.CheckCertWeakKey, audit.SeverityMedium, "SHA1-RSA signature")

	// Body unknown from Graph, supplied by a local file.
	r = run(t, audittest.Tenant(audittest.App("a", "A", weak.KeyCredential("k", audit.UsageVerify, false))),
		&audit.Inventory{Certs: []audit.LocalCert{weak.LocalCert("weak.pem")}})
	f := one(t, r, audit.CheckCertWeakKey, audit.SeverityMedium, "local file")
	if f.Credential.ThumbprintSource != audit.FromLocalFile || f.Credential.Thumbprints.SHA256 == "" {
		t.Errorf("credential not completed from the local file: %+v", f.Credential)
	}
	// Body unknown and no local file: nothing can be said about strength.
	r = run(t, audittest.Tenant(audittest.App("a", "A", weak.KeyCredential("k", audit.UsageVerify, false))), nil)
	none(t, r, audit.CheckCertWeakKey)

	r = run(t, audittest.Tenant(audittest.App("a", "A", long.KeyCredential("k", audit.UsageVerify, true), leap.KeyCredential("k2", audit.UsageVerify, true))), nil)
	f = one(t, r, audit.CheckCertLongLived, audit.SeverityLow, "810 days")
	if f.Credential.KeyID != "k" {
		t.Errorf("long-lived names %s", f.Credential.KeyID)
	}
}

func TestOddKeyIdentifiers(t *testing.T) {
	c := cert("svc", -30, 300)
	hexText := c.KeyCredential("k1", audit.UsageVerify, false)
	hexText.CustomKeyIdentifier = []byte(strings.ToLower(c.Thumbprints().SHA1)) // 40 ASCII hex chars, as Graph how-tos upload
	hexText.Identify(nil)
	arbitrary := c.KeyCredential("k2", audit.UsageVerify, false)
	arbitrary.CustomKeyIdentifier = []byte("MyCert-2026")
	arbitrary.Identify(nil)

	r := run(t, audittest.Tenant(audittest.App("a1", "Hex", hexText)), &audit.Inventory{Deployments: []audit.Deployment{deployed("a1", c, 1)}})
	if len(r.Findings) != 0 {
		t.Fatalf("hex-text customKeyIdentifier should identify the cert:\n%s", dump(r))
	}
	r = run(t, audittest.Tenant(audittest.App("a2", "Odd", arbitrary)), nil)
	one(t, r, audit.CheckCertUnidentified, audit.SeverityInfo, "11 bytes")
	// A null customKeyIdentifier (Graph's JSON null) is said to be empty,
	// not "0 bytes".
	none2 := c.KeyCredential("k3", audit.UsageVerify, false)
	none2.CustomKeyIdentifier = nil
	none2.Identify(nil)
	f := one(t, run(t, audittest.Tenant(audittest.App("a3", "Nil", none2)), nil), audit.CheckCertUnidentified, audit.SeverityInfo, "its customKeyIdentifier is empty")
	if strings.Contains(f.Message, "0 bytes") {
		t.Errorf("message counts the bytes of nothing: %s", f.Message)
	}
	// With a deployment, an unidentifiable registration is matched by subject
	// only: the same subject but unknown thumbprint reads as a rotation.
	r = run(t, audittest.Tenant(audittest.App("a2", "Odd", arbitrary)), &audit.Inventory{Deployments: []audit.Deployment{deployed("a2", c, 1)}})
	one(t, r, audit.CheckCertRotatedOneSide, audit.SeverityCritical, "identified by display name only")
}

func TestSecrets(t *testing.T) {
	old := audittest.Secret("s-old", now.Add(-days(200)), now.Add(-days(20)))
	cur := audittest.Secret("s-cur", now.Add(-days(10)), now.Add(days(100)))
	soon := audittest.Secret("s-soon", now.Add(-days(100)), now.Add(days(7)))
	long := audittest.Secret("s-long", now.Add(-days(10)), now.Add(days(700)))

	app := func(ps ...audit.PasswordCredential) *audit.Tenant {
		a := audittest.App("a", "A")
		a.PasswordCredentials = ps
		return audittest.Tenant(a)
	}
	r := run(t, app(old), nil)
	one(t, r, audit.CheckSecretExpired, audit.SeverityHigh, "20 days ago")
	one(t, r, audit.CheckSecretPresent, audit.SeverityInfo, "1 client secret")
	r = run(t, app(old, cur), nil)
	one(t, r, audit.CheckSecretExpired, audit.SeverityLow, "leftover")
	one(t, r, audit.CheckSecretPresent, audit.SeverityInfo, "2 client secrets")
	r = run(t, app(soon), nil)
	one(t, r, audit.CheckSecretExpiring, audit.SeverityMedium, "in 7 days")
	r = run(t, app(soon, cur), nil)
	one(t, r, audit.CheckSecretExpiring, audit.SeverityLow, "outlives")
	r = run(t, app(long), nil)
	one(t, r, audit.CheckSecretLongLived, audit.SeverityMedium, "710 days", "allows 180")
	r = run(t, app(cur), nil)
	none(t, r, audit.CheckSecretExpired, audit.CheckSecretExpiring, audit.CheckSecretLongLived)
}

func TestLocalCertificates(t *testing.T) {
	registered := cert("svc", -30, 300)
	successor := cert("svc", -1, 400)
	stray := cert("stray", -1, 400)
	chainCA := audittest.MustCert(audittest.Spec{CommonName: "Contoso CA", NotBefore: now.Add(-days(30)), NotAfter: now.Add(days(3000)), IsCA: true, Key: audittest.KeyB()})
	mismatched := stray.LocalCert("certs/stray.pem")
	mismatched.KeyMismatch = "the private key in certs/stray.pem does not belong to its certificate"
	ca := chainCA.LocalCert("certs/bundle.pem#2")
	ca.Chain = true

	tenant := audittest.Tenant(audittest.App("a1", "Svc", registered.KeyCredential("k1", audit.UsageVerify, false)))
	r := run(t, tenant, &audit.Inventory{Certs: []audit.LocalCert{registered.LocalCert("certs/svc.pem"), successor.LocalCert("certs/svc-next.pem"), mismatched, ca}})

	if len(r.LocalCertificates) != 3 {
		t.Fatalf("local certificate statuses: %d, want 3 (chain certificates left out)", len(r.LocalCertificates))
	}
	if on := r.LocalCertificates[0].RegisteredOn; len(on) != 1 || on[0].AppID != "a1" {
		t.Errorf("svc.pem registered on %+v, want a1", on)
	}
	if on := r.LocalCertificates[1].RegisteredOn; len(on) != 0 {
		t.Errorf("svc-next.pem registered on %+v, want nowhere", on)
	}
	fs := only(r, audit.CheckLocalCertUnregistered)
	if len(fs) != 2 {
		t.Fatalf("local-cert-unregistered: %d findings:\n%s", len(fs), dump(r))
	}
	if fs[0].Severity != audit.SeverityMedium || !strings.Contains(fs[0].Message, "successor") || fs[0].App == nil {
		t.Errorf("successor not recognised: %s %s", fs[0].Severity, fs[0].Message)
	}
	if fs[1].Severity != audit.SeverityLow || fs[1].App != nil {
		t.Errorf("stray: %s %+v", fs[1].Severity, fs[1].App)
	}
	one(t, r, audit.CheckCertKeyMismatch, audit.SeverityCritical, "certs/stray.pem")
	if r.Summary.LocalCertificates != 3 {
		t.Errorf("summary local certificates = %d", r.Summary.LocalCertificates)
	}
}

func TestIncompleteTenantIsNeverClean(t *testing.T) {
	tenant := audittest.Tenant()
	tenant.Complete = false
	r := run(t, tenant, nil)
	if r.Complete || r.Incomplete == "" {
		t.Errorf("complete=%v reason=%q", r.Complete, r.Incomplete)
	}
	tenant.IncompleteReason = "applications: stopped after page 3"
	if r := run(t, tenant, nil); r.Incomplete != tenant.IncompleteReason {
		t.Errorf("reason %q", r.Incomplete)
	}
	var zero audit.Tenant
	if r := run(t, &zero, nil); r.Complete {
		t.Error("a zero Tenant must read as incomplete")
	}
}

func TestRunDoesNotModifyItsInputs(t *testing.T) {
	c := cert("svc", -400, -1)
	build := func() (*audit.Tenant, *audit.Inventory) {
		return audittest.Tenant(audittest.App("a1", "Svc", c.KeyCredential("k1", audit.UsageVerify, false))),
			&audit.Inventory{Certs: []audit.LocalCert{c.LocalCert("c.pem")}, Deployments: []audit.Deployment{deployed("a1", c, 1)}, Warnings: []string{"w"}}
	}
	tenant, inv := build()
	r := run(t, tenant, inv)
	tenant2, inv2 := build()
	// Local certificate summaries are rebuilt; compare what Run could touch.
	if !reflect.DeepEqual(tenant.Applications[0].KeyCredentials[0].Thumbprints, tenant2.Applications[0].KeyCredentials[0].Thumbprints) ||
		tenant.Applications[0].KeyCredentials[0].Cert != nil || len(inv.Warnings) != len(inv2.Warnings) {
		t.Error("Run modified its inputs")
	}
	r.Warnings[0] = "changed"
	if inv.Warnings[0] != "w" {
		t.Error("Result shares the inventory's warning slice")
	}
}

func TestFindingsAreSortedAndCounted(t *testing.T) {
	tenant := audittest.Tenant(
		audittest.App("a1", "B app", cert("x", -300, -1).KeyCredential("k1", audit.UsageVerify, true)),
		audittest.App("a2", "A app", cert("y", -10, 900).KeyCredential("k2", audit.UsageVerify, true)),
	)
	tenant.Applications[1].PasswordCredentials = []audit.PasswordCredential{audittest.Secret("s", now.Add(-days(1)), now.Add(days(50)))}
	r := run(t, tenant, nil)
	for i := 1; i < len(r.Findings); i++ {
		if r.Findings[i].Severity > r.Findings[i-1].Severity {
			t.Fatalf("not sorted worst first:\n%s", dump(r))
		}
	}
	if r.Summary.Findings != len(r.Findings) || r.Summary.BySeverity["high"] != 1 || r.Summary.BySeverity["low"] != 1 || r.Summary.BySeverity["info"] != 1 {
		t.Errorf("summary %+v\n%s", r.Summary, dump(r))
	}
	if r.Worst() != audit.SeverityHigh {
		t.Errorf("worst = %s", r.Worst())
	}
	again := run(t, tenant, nil)
	for i := range r.Findings {
		if r.Findings[i].Fingerprint != again.Findings[i].Fingerprint {
			t.Fatal("fingerprints are not stable across runs")
		}
	}
	r.FilterMinSeverity(audit.SeverityMedium)
	if len(r.Findings) != 1 || r.Summary.Hidden != 2 || r.Summary.Findings != 3 {
		t.Errorf("filter: %d shown, %d hidden, %d counted", len(r.Findings), r.Summary.Hidden, r.Summary.Findings)
	}
}

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range audit.Checks() {
		if seen[c.ID] {
			t.Errorf("duplicate check ID %s", c.ID)
		}
		seen[c.ID] = true
		if c.Title == "" || c.Description == "" || c.Remediation == "" || c.Reference == "" || !c.Severity.Valid() || c.Command == "" {
			t.Errorf("check %s is not fully declared: %+v", c.ID, c)
		}
		for _, code := range c.AADSTS {
			if !strings.HasPrefix(code, "AADSTS") {
				t.Errorf("check %s: AADSTS code %q", c.ID, code)
			}
		}
	}
	// The IDs the scan contract promises.
	for _, id := range []string{"cert-expired", "cert-expiring", "cert-not-yet-valid", "cert-wrong-usage", "cert-not-registered",
		"cert-rotated-one-side", "cert-key-mismatch", "cert-unused", "cert-weak-key", "cert-long-lived", "secret-long-lived",
		"secret-expired", "secret-expiring", "secret-present"} {
		if !seen[id] {
			t.Errorf("check %s missing from the catalogue", id)
		}
	}
}

// A mapping row whose certificate file gave no certificate (only a key,
// say) is checked by its thumbprint alone, not a panic: audit.Run takes
// inventories callers build, not only those audit/localfiles reads.
func TestDeploymentWithoutACertificate(t *testing.T) {
	c := cert("payroll.contoso.com", -10, 300)
	tenant := &audit.Tenant{Complete: true, Applications: []audit.Application{
		audittest.App("00000000-0000-4000-a000-000000000001", "Payroll", c.KeyCredential("k", audit.UsageVerify, true))}}
	inv := &audit.Inventory{Deployments: []audit.Deployment{{App: "Payroll", Source: "deployed.csv:2", Thumbprints: c.Thumbprints(),
		Cert: &audit.LocalCert{Source: "certs/payroll.key"}}}}
	r := run(t, tenant, inv)
	if !r.Complete || r.Summary.Deployments != 1 {
		t.Errorf("complete %v, %d deployments", r.Complete, r.Summary.Deployments)
	}
	for _, f := range r.Findings {
		if f.Check == audit.CheckCertNotRegistered {
			t.Errorf("the row's thumbprint is registered: %+v", f)
		}
	}
}
