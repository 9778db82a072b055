package audit_test

import (
	"slices"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

func TestChecksRunDependOnInputs(t *testing.T) {
	c := cert("svc.contoso.com", -10, 200)
	tenant := audittest.Tenant(audittest.App("a1", "Svc", c.KeyCredential("k1", audit.UsageVerify, true)))

	bare := run(t, tenant, nil)
	for _, id := range []string{"cert-expired", "secret-expired", "cert-long-lived"} {
		if !slices.Contains(bare.ChecksRun, id) {
			t.Errorf("without local input, %s did not run: %v", id, bare.ChecksRun)
		}
	}
	for _, id := range []string{"cert-not-registered", "cert-unused", "local-cert-unregistered", "cert-key-mismatch"} {
		if slices.Contains(bare.ChecksRun, id) {
			t.Errorf("without local input, %s is said to have run", id)
		}
	}

	lc := c.LocalCert("certs/svc.pem")
	withCerts := run(t, tenant, &audit.Inventory{Certs: []audit.LocalCert{lc}})
	if !slices.Contains(withCerts.ChecksRun, "local-cert-unregistered") || slices.Contains(withCerts.ChecksRun, "cert-unused") {
		t.Errorf("with --certs only: %v", withCerts.ChecksRun)
	}
	withMap := run(t, tenant, &audit.Inventory{Deployments: []audit.Deployment{deployed("a1", c, 2)}})
	if !slices.Contains(withMap.ChecksRun, "cert-not-registered") || !slices.Contains(withMap.ChecksRun, "cert-unused") {
		t.Errorf("with --deployed: %v", withMap.ChecksRun)
	}
	// Catalogue order.
	var order []string
	for _, ch := range audit.Checks() {
		if slices.Contains(withMap.ChecksRun, ch.ID) {
			order = append(order, ch.ID)
		}
	}
	if !slices.Equal(order, withMap.ChecksRun) {
		t.Errorf("checks run %v, not in catalogue order", withMap.ChecksRun)
	}
}

func TestObjectsListTheCredentialInventory(t *testing.T) {
	pair := cert("sso.contoso.com", -100, 200)
	tenant := audittest.Tenant(
		audittest.App("a1", "Svc", cert("svc.contoso.com", -10, 200).KeyCredential("k1", audit.UsageVerify, true)),
		audittest.App("a2", "No credentials"),
		audittest.App("a3", "Mailer"),
	)
	tenant.Applications[2].PasswordCredentials = []audit.PasswordCredential{audittest.Secret("s1", now.Add(-days(10)), now.Add(days(20)))}
	tenant.Applications[0].KeyCredentials = append(tenant.Applications[0].KeyCredentials,
		audit.KeyCredential{KeyID: "sym", Type: audit.TypeSymmetric, Usage: audit.UsageVerify})
	tenant.ServicePrincipals = []audit.ServicePrincipal{{Principal: audit.Principal{ObjectID: "sp1", AppID: "a9", DisplayName: "SSO",
		KeyCredentials: []audit.KeyCredential{pair.KeyCredential("p-sign", audit.UsageSign, true), pair.KeyCredential("p-verify", audit.UsageVerify, true)}}}}

	r := run(t, tenant, &audit.Inventory{Deployments: []audit.Deployment{deployed("a1", cert("other", -1, 100), 2)}})
	if len(r.Objects) != 3 {
		t.Fatalf("%d objects listed, want 3 (the app without credentials left out): %+v", len(r.Objects), r.Objects)
	}
	svc, mailer, sso := r.Objects[0], r.Objects[1], r.Objects[2]
	if svc.AppID != "a1" || !svc.Deployed || len(svc.Credentials) != 1 || svc.Credentials[0].KeyID != "k1" || svc.Credentials[0].End.IsZero() {
		t.Errorf("Svc: %+v (the Symmetric key is no certificate and is left out)", svc)
	}
	if mailer.Deployed || len(mailer.Credentials) != 1 || mailer.Credentials[0].Kind != audit.CredentialSecret {
		t.Errorf("Mailer: %+v", mailer)
	}
	if sso.Kind != audit.KindServicePrincipal || len(sso.Credentials) != 2 {
		t.Errorf("SSO: %+v (a Sign/Verify pair is two registrations)", sso)
	}

	on := func(o audit.AuditedObject) []string { return o.ChecksOn(r.ChecksRun) }
	if got := on(svc); !slices.Contains(got, "cert-expired") || !slices.Contains(got, "cert-unused") || slices.Contains(got, "secret-expired") {
		t.Errorf("checks on Svc: %v", got)
	}
	if got := on(mailer); !slices.Contains(got, "secret-expired") || slices.Contains(got, "cert-expired") || slices.Contains(got, "cert-unused") {
		t.Errorf("checks on Mailer: %v", got)
	}
}

// A certificate whose body is known neither from Graph nor from a local
// file cannot be checked for a weak key: the check did not examine the
// object, and no report may show it as passed there.
func TestWeakKeyIsUncheckedWithoutTheBody(t *testing.T) {
	c := cert("svc.contoso.com", -10, 200)
	other := cert("other.contoso.com", -10, 200)
	tenant := audittest.Tenant(
		audittest.App("a1", "With body", c.KeyCredential("k1", audit.UsageVerify, true)),
		audittest.App("a2", "Without body", c.KeyCredential("k2", audit.UsageVerify, false)),
		audittest.App("a3", "One of two without body", other.KeyCredential("k3", audit.UsageVerify, true), other.KeyCredential("k4", audit.UsageVerify, false)),
		audittest.App("a4", "Two without body", c.KeyCredential("k5", audit.UsageVerify, false), other.KeyCredential("k6", audit.UsageVerify, false)),
	)
	for _, tc := range []struct {
		name  string
		inv   *audit.Inventory
		bodyA []bool // per app: cert-weak-key examined it
		// unexamined counts the certificates it did not examine.
		unexamined int
	}{
		{"from Graph alone", nil, []bool{true, false, true, false}, 3},
		{"with the certificate as a local file", &audit.Inventory{Certs: []audit.LocalCert{c.LocalCert("certs/svc.pem")}}, []bool{true, true, true, false}, 1},
	} {
		r := run(t, tenant, tc.inv)
		if got := r.Summary.Unexamined[audit.CheckCertWeakKey]; got != tc.unexamined || len(r.Summary.Unexamined) != 1 {
			t.Errorf("%s: %v certificates unexamined, want %d by cert-weak-key", tc.name, r.Summary.Unexamined, tc.unexamined)
		}
		for i, o := range r.Objects {
			on := o.ChecksOn(r.ChecksRun)
			if got := slices.Contains(on, audit.CheckCertWeakKey); got != tc.bodyA[i] || slices.Contains(o.Unchecked, audit.CheckCertWeakKey) == got {
				t.Errorf("%s: %s: cert-weak-key examined %v (unchecked %v), want %v", tc.name, o.DisplayName, got, o.Unchecked, tc.bodyA[i])
			}
			if !slices.Contains(on, audit.CheckCertExpired) {
				t.Errorf("%s: %s: the other certificate checks examined it: %v", tc.name, o.DisplayName, on)
			}
		}
	}
}

func TestFilterMarksWithheldChecks(t *testing.T) {
	tenant := audittest.Tenant(audittest.App("a1", "Svc", cert("svc.contoso.com", -400, 20).KeyCredential("k1", audit.UsageVerify, true)))
	r := run(t, tenant, nil)
	if len(only(r, "cert-long-lived")) != 1 || len(only(r, "cert-expiring")) != 1 {
		t.Fatalf("fixture findings:\n%s", dump(r))
	}
	r.FilterMinSeverity(audit.SeverityMedium)
	if w := r.Objects[0].Withheld; !slices.Equal(w, []string{"cert-long-lived"}) {
		t.Errorf("withheld %v, want the low cert-long-lived only", w)
	}
}
