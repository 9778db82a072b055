package audit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

func activity(appID, keyID string, last time.Time) audit.CredentialActivity {
	return audit.CredentialActivity{KeyID: keyID, KeyType: "certificate", KeyUsage: "verify", AppID: appID, Origin: "application", LastSignIn: last}
}

func readUsage(credentials []audit.CredentialActivity, failed ...audit.FailedSignIn) *audit.Usage {
	u := &audit.Usage{From: now.Add(-days(30)), To: now, Complete: true,
		Activity: audit.UsageSource{Read: true, Pages: 1}, Failures: audit.UsageSource{Read: true, Pages: 1}, Credentials: credentials}
	agg := audit.NewFailureAggregator(0)
	for _, f := range failed {
		agg.Add(f)
	}
	u.Failed, u.FailedTotal, u.FailedDropped = agg.Result()
	return u
}

// The tenant of the usage evidence's acceptance: A rotated on the
// registration side only, B fails presenting C's certificate, D's
// expiring certificate is unused, E's is used with no successor.
func TestUsageEvidence(t *testing.T) {
	aOld, aNew := cert("a.contoso.com", -355, 10), cert("a.contoso.com", -3, 362)
	bCert, cCert := cert("b.contoso.com", -30, 300), cert("c.contoso.com", -30, 300)
	dCert, eCert := cert("d.contoso.com", -355, 10), cert("e.contoso.com", -355, 10)
	const a, b, c, d, e = "00000000-0000-4000-a000-00000000000a", "00000000-0000-4000-a000-00000000000b",
		"00000000-0000-4000-a000-00000000000c", "00000000-0000-4000-a000-00000000000d", "00000000-0000-4000-a000-00000000000e"
	tenant := audittest.Tenant(
		audittest.App(a, "A", aOld.KeyCredential("a-old", audit.UsageVerify, false), aNew.KeyCredential("a-new", audit.UsageVerify, false)),
		audittest.App(b, "B", bCert.KeyCredential("b1", audit.UsageVerify, false)),
		audittest.App(c, "C", cCert.KeyCredential("c1", audit.UsageVerify, false)),
		audittest.App(d, "D", dCert.KeyCredential("d1", audit.UsageVerify, false)),
		audittest.App(e, "E", eCert.KeyCredential("e1", audit.UsageVerify, false)),
	)
	var failures []audit.FailedSignIn
	for i := range 30 {
		failures = append(failures, audit.FailedSignIn{Time: now.Add(-time.Duration(i) * time.Hour), AppID: b, ErrorCode: 700027,
			Reason: "Client assertion failed signature validation.", Thumbprint: strings.ToLower(cCert.Thumbprints().SHA1), ClientCredentialType: "clientAssertion"})
	}
	tenant.Usage = readUsage([]audit.CredentialActivity{
		activity(a, "a-old", now.Add(-time.Hour)), activity(a, "a-new", time.Time{}),
		activity(b, "b1", now.Add(-time.Hour)), activity(c, "c1", now.Add(-days(2))),
		activity(d, "d1", now.Add(-days(200))), activity(e, "e1", now.Add(-days(1))),
	}, failures...)
	r := run(t, tenant, nil)

	one(t, r, audit.CheckRotationIncomplete, audit.SeverityHigh, "ends on "+audit.Day(now.Add(days(10))), "still signs in", "has no sign-in recorded", "never switched")
	f := one(t, r, audit.CheckSignInFailing, audit.SeverityCritical, "30 sign-ins failed with AADSTS700027", `registered on "C"`, "instead")
	if f.App.DisplayName != "B" || f.LastSignIn == nil || !f.LastSignIn.Equal(now) {
		t.Errorf("signin-failing on %+v, last %v", f.App, f.LastSignIn)
	}
	unused := one(t, r, audit.CheckCredentialUnused, audit.SeverityLow, "last signed in on "+audit.Day(now.Add(-days(200))))
	if unused.App.DisplayName != "D" {
		t.Errorf("credential-unused on %s, want D", unused.App.DisplayName)
	}
	if above := atOrAbove(r, "D", audit.SeverityMedium); len(above) != 0 {
		t.Errorf("D's certificate is unused, yet: %s", above[0].Message)
	}
	var eExpiring *audit.Finding
	for i := range r.Findings {
		if f := &r.Findings[i]; f.Check == audit.CheckCertExpiring && f.App.DisplayName == "E" {
			eExpiring = f
		}
	}
	if eExpiring == nil || eExpiring.Severity < audit.SeverityHigh || !strings.Contains(eExpiring.Message, "its last sign-in was on") ||
		eExpiring.LastSignIn == nil || !eExpiring.LastSignIn.Equal(now.Add(-days(1))) {
		t.Errorf("E's expiring certificate, used yesterday with no successor: %+v", eExpiring)
	}
	if !slicesContain(r.ChecksRun, audit.CheckSignInFailing) || !r.Complete {
		t.Errorf("checks run %v, complete %v", r.ChecksRun, r.Complete)
	}

	// Without the evidence, nothing of it runs and E stays medium.
	tenant.Usage = nil
	r = run(t, tenant, nil)
	none(t, r, audit.CheckSignInFailing, audit.CheckRotationIncomplete, audit.CheckCredentialUnused)
	if slicesContain(r.ChecksRun, audit.CheckCredentialUnused) {
		t.Error("credential-unused listed as run without usage evidence")
	}
}

// What signin-failing says of the credential presented, case by case.
func TestSignInFailingNamesThePresentedCredential(t *testing.T) {
	expired, other := cert("old.contoso.com", -400, -3), cert("stray.contoso.com", -3, 300)
	const app = "00000000-0000-4000-a000-000000000001"
	tenant := audittest.Tenant(audittest.App(app, "Payroll", expired.KeyCredential("k-expired", audit.UsageVerify, false)))
	for _, tc := range []struct {
		name string
		f    audit.FailedSignIn
		want string
	}{
		{"expired on the app", audit.FailedSignIn{ErrorCode: 700027, Thumbprint: expired.Thumbprints().SHA1}, "which the app has: expired on " + audit.Day(now.Add(days(-3)))},
		{"unknown thumbprint", audit.FailedSignIn{ErrorCode: 700027, Thumbprint: other.Thumbprints().SHA1}, "registered on no app of this tenant"},
		{"removed keyId", audit.FailedSignIn{ErrorCode: 7000222, KeyID: "5E0B4C21-0000-4000-8000-000000000001", ClientCredentialType: "clientSecret"}, "no longer has: it was removed"},
		{"nothing recorded", audit.FailedSignIn{ErrorCode: 7000215, ClientCredentialType: "clientSecret"}, "a credential Entra recorded nothing of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.AppID, tc.f.Time = app, now.Add(-time.Minute)
			tenant.Usage = readUsage(nil, tc.f)
			one(t, run(t, tenant, nil), audit.CheckSignInFailing, audit.SeverityCritical, "1 sign-in failed", tc.want)
		})
	}
	// Errors that are not about the credential are not this check's.
	tenant.Usage = readUsage(nil, audit.FailedSignIn{AppID: app, Time: now, ErrorCode: 50076})
	none(t, run(t, tenant, nil), audit.CheckSignInFailing)
	// Failures of an app the tenant no longer has are still reported.
	tenant.Usage = readUsage(nil, audit.FailedSignIn{AppID: "00000000-0000-4000-a000-0000000000ff", Time: now, ErrorCode: 700016 + 11})
	one(t, run(t, tenant, nil), audit.CheckSignInFailing, audit.SeverityCritical, "no application or service principal with this appId any more")
}

func TestRotationIncompleteIsCriticalOnceTheOldEnded(t *testing.T) {
	old, nw := cert("svc", -400, -1), cert("svc", -10, 355)
	const app = "00000000-0000-4000-a000-000000000001"
	tenant := audittest.Tenant(audittest.App(app, "Svc", old.KeyCredential("old", audit.UsageVerify, false), nw.KeyCredential("new", audit.UsageVerify, false)))
	tenant.Usage = readUsage([]audit.CredentialActivity{activity(app, "old", now.Add(-2*time.Hour)), activity(app, "new", time.Time{})})
	one(t, run(t, tenant, nil), audit.CheckRotationIncomplete, audit.SeverityCritical, "ended on "+audit.Day(now.Add(days(-1))))
	// Once the newer one signs in, the switch is under way.
	tenant.Usage = readUsage([]audit.CredentialActivity{activity(app, "old", now.Add(-2*time.Hour)), activity(app, "new", now.Add(-time.Hour))})
	none(t, run(t, tenant, nil), audit.CheckRotationIncomplete)
}

func TestUsageNotReadWholeIsIncomplete(t *testing.T) {
	tenant := audittest.Tenant()
	tenant.Usage = readUsage(nil)
	tenant.Usage.Complete, tenant.Usage.IncompleteReason = false, "reading sign-in logs: Graph answered 403: the app needs AuditLog.Read.All"
	r := run(t, tenant, nil)
	if r.Complete || !strings.Contains(r.Incomplete, "AuditLog.Read.All") {
		t.Errorf("complete %v, reason %q", r.Complete, r.Incomplete)
	}
}

// A rotation of client secrets done on the registration only is reported
// like one of certificates, on the old secret, naming the new one.
func TestRotationIncompleteOfSecrets(t *testing.T) {
	const app = "00000000-0000-4000-a000-000000000001"
	a := audittest.App(app, "Svc")
	oldSecret, newSecret := audittest.Secret("s-old", now.Add(days(-170)), now.Add(days(10))), audittest.Secret("s-new", now.Add(days(-5)), now.Add(days(175)))
	newSecret.DisplayName = "rotated"
	a.PasswordCredentials = []audit.PasswordCredential{oldSecret, newSecret}
	tenant := audittest.Tenant(a)
	secretActivity := func(keyID string, last time.Time) audit.CredentialActivity {
		return audit.CredentialActivity{KeyID: keyID, KeyType: "clientSecret", AppID: app, Origin: "application", LastSignIn: last}
	}
	tenant.Usage = readUsage([]audit.CredentialActivity{secretActivity("s-old", now.Add(-2*time.Hour)), secretActivity("s-new", time.Time{})})
	f := one(t, run(t, tenant, nil), audit.CheckRotationIncomplete, audit.SeverityHigh,
		"ends on "+audit.Day(now.Add(days(10))), "still signs in (last on "+audit.Day(now.Add(-2*time.Hour))+", 2 hours ago)",
		`while the newer client secret "rotated" (keyId s-new), registered on `+audit.Day(now.Add(days(-5)))+", has no sign-in recorded")
	if f.Credential == nil || f.Credential.Kind != audit.CredentialSecret || f.Credential.KeyID != "s-old" {
		t.Errorf("credential %+v, want the old secret", f.Credential)
	}
	if f.LastSignIn == nil || !f.LastSignIn.Equal(now.Add(-2*time.Hour)) {
		t.Errorf("last sign-in %v, want the old secret's", f.LastSignIn)
	}
}
