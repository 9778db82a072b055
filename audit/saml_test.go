package audit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// samlSP is a service principal signing SAML with active, registered as
// the portal does it (a Sign and a Verify keyCredential), plus others.
func samlSP(active *audittest.Cert, others ...*audittest.Cert) audit.ServicePrincipal {
	sp := audit.ServicePrincipal{
		Principal:                          audit.Principal{ObjectID: "sp-1", AppID: "s1", DisplayName: "Expenses SAML"},
		ServicePrincipalType:               "Application",
		PreferredTokenSigningKeyThumbprint: active.Thumbprints().SHA1,
	}
	for i, c := range append([]*audittest.Cert{active}, others...) {
		id := string(rune('a' + i))
		sp.KeyCredentials = append(sp.KeyCredentials,
			c.KeyCredential("sign-"+id, audit.UsageSign, false), c.KeyCredential("verify-"+id, audit.UsageVerify, false))
	}
	return sp
}

func samlTenant(sps ...audit.ServicePrincipal) *audit.Tenant {
	t := audittest.Tenant()
	t.ServicePrincipals = sps
	return t
}

func TestSAMLSigningCertificate(t *testing.T) {
	expired := cert("Microsoft Azure Federated SSO Certificate", -1000, -3)
	expiring := cert("Microsoft Azure Federated SSO Certificate", -1000, 12)
	next := cert("Microsoft Azure Federated SSO Certificate", -2, 1000)
	disabled := func(sp audit.ServicePrincipal) audit.ServicePrincipal { sp.AccountDisabled = true; return sp }

	tests := []struct {
		name  string
		sp    audit.ServicePrincipal
		check string
		sev   audit.Severity
		frags []string
	}{
		{"expired", samlSP(expired), audit.CheckSAMLCertExpired, audit.SeverityCritical,
			[]string{"expired on " + now.Add(days(-3)).Format("2006-01-02"), "(3 days ago)", "refuse SAML sign-ins"}},
		{"expired on a disabled service principal", disabled(samlSP(expired)), audit.CheckSAMLCertExpired, audit.SeverityLow, []string{"disabled"}},
		{"expiring without a successor", samlSP(expiring), audit.CheckSAMLCertExpiring, audit.SeverityHigh,
			[]string{"in 12 days", "no other signing certificate"}},
		{"expiring with a successor registered", samlSP(expiring, next), audit.CheckSAMLCertExpiring, audit.SeverityMedium,
			[]string{"in 12 days", next.Thumbprints().SHA1, "made active"}},
		{"expiring on a disabled service principal", disabled(samlSP(expiring)), audit.CheckSAMLCertExpiring, audit.SeverityLow, []string{"disabled"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, samlTenant(tc.sp), nil)
			f := one(t, r, tc.check, tc.sev, tc.frags...)
			if f.App == nil || f.App.Kind != audit.KindServicePrincipal || f.Credential == nil || f.Credential.KeyID != "verify-a" ||
				len(f.Credential.PairedKeyIDs) != 1 || f.Credential.PairedKeyIDs[0] != "sign-a" {
				t.Errorf("finding names the wrong object or credential: %+v %+v", f.App, f.Credential)
			}
			// One certificate, one finding: the generic expiry checks stay quiet
			// about the active signing certificate.
			none(t, r, audit.CheckCertExpired, audit.CheckCertExpiring)
		})
	}
}

func TestSAMLOnlyTheActiveCertificateIsSAML(t *testing.T) {
	old := cert("Microsoft Azure Federated SSO Certificate", -1000, -30)
	active := cert("Microsoft Azure Federated SSO Certificate", -100, 900)
	sp := samlSP(active, old)
	// The thumbprint as people paste it: lower case with spaces.
	sp.PreferredTokenSigningKeyThumbprint = strings.ToLower(active.Thumbprints().SHA1[:10] + " " + active.Thumbprints().SHA1[10:])
	r := run(t, samlTenant(sp), nil)
	none(t, r, audit.CheckSAMLCertExpired, audit.CheckSAMLCertExpiring, audit.CheckCertExpired)
	f := one(t, r, audit.CheckSAMLCertInactiveExpired, audit.SeverityLow, "not the active signing certificate", "remove it")
	if f.Credential == nil || f.Credential.Thumbprints == nil || f.Credential.Thumbprints.SHA1 != old.Thumbprints().SHA1 {
		t.Errorf("the finding names %+v, not the old certificate", f.Credential)
	}
	if len(f.AADSTS()) != 0 {
		t.Errorf("a SAML signing certificate's finding names sign-in errors of client assertions: %v", f.AADSTS())
	}
	if f.Credential.KeyID != "verify-b" {
		t.Errorf("the expired leftover is reported as %s", f.Credential.KeyID)
	}
}

func TestSAMLCertificateNotAmongTheKeys(t *testing.T) {
	sp := audit.ServicePrincipal{
		Principal:                           audit.Principal{ObjectID: "sp-2", AppID: "s2", DisplayName: "Travel SAML"},
		PreferredTokenSigningKeyThumbprint:  "0102030405060708090A0B0C0D0E0F1011121314",
		PreferredTokenSigningKeyEndDateTime: now.Add(days(5)),
	}
	r := run(t, samlTenant(sp), nil)
	f := one(t, r, audit.CheckSAMLCertExpiring, audit.SeverityHigh, "0102030405060708090A0B0C0D0E0F1011121314", "in 5 days", "preferredTokenSigningKeyEndDateTime")
	if f.Credential != nil {
		t.Errorf("a credential is named though none matched: %+v", f.Credential)
	}
	sp.PreferredTokenSigningKeyEndDateTime = now.Add(-days(1))
	one(t, run(t, samlTenant(sp), nil), audit.CheckSAMLCertExpired, audit.SeverityCritical, "(1 day ago)")
	// Without a matching key or an end date there is nothing to judge.
	sp.PreferredTokenSigningKeyEndDateTime = time.Time{}
	none(t, run(t, samlTenant(sp), nil), audit.CheckSAMLCertExpired, audit.CheckSAMLCertExpiring)
}
