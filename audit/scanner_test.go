package audit_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/audit/demo"
)

// The Scanner keeps, for the join, only the objects the deployed side or
// the usage evidence touches; every other object is audited as it comes
// and dropped. That choice must change nothing: on tenants where every
// kind of deployed side and usage evidence joins the tenant, its Result is
// the one of a Scanner that keeps every object.
func TestScannerKeepsWhatTheJoinNeeds(t *testing.T) {
	type scenario struct {
		name   string
		tenant *audit.Tenant
		inv    *audit.Inventory
		at     time.Time
	}
	var scenarios []scenario
	for _, day := range []int{0, 100, 1000} {
		at := audittest.Now().Add(audittest.Days(day))
		tn, inv, err := demo.Scenario(at)
		if err != nil {
			t.Fatal(err)
		}
		scenarios = append(scenarios, scenario{fmt.Sprintf("demo, day %d", day), tn, inv, at})
	}
	kt, kinv := keyVaultTenant()
	scenarios = append(scenarios, scenario{"key vault", kt, kinv, now})
	for seed := uint64(1); seed <= 40; seed++ {
		tn, inv := randomTenant(seed)
		scenarios = append(scenarios, scenario{fmt.Sprintf("random %d", seed), tn, inv, now})
	}
	for _, sc := range scenarios {
		got := audit.Run(sc.tenant, sc.inv, audit.DefaultPolicy(), sc.at)
		want := audit.RunKeepingAll(sc.tenant, sc.inv, audit.DefaultPolicy(), sc.at)
		ja, _ := json.Marshal(got)
		jb, _ := json.Marshal(want)
		if string(ja) != string(jb) {
			t.Errorf("%s: the Scanner that keeps only what the deployed side touches audits otherwise than one that keeps every object:\n%s\n%s", sc.name, ja, jb)
		}
		if len(got.Findings) == 0 {
			t.Errorf("%s: no finding at all: the scenario tries nothing", sc.name)
		}
	}
}

// randomTenant is a tenant of applications and their service principals
// whose certificates share subjects and thumbprints with a deployed
// mapping (rows by appId, by name in any case, by thumbprint or by
// certificate), local certificates and failed sign-ins, drawn from small
// alphabets so that they meet often.
func randomTenant(seed uint64) (*audit.Tenant, *audit.Inventory) {
	rng := rand.New(rand.NewPCG(seed, seed*7))
	subjects := []string{"svc-a", "svc-b", "svc-c", "svc-d"}
	var certs []*audittest.Cert
	for i := range 8 {
		from, to := -400+rng.IntN(400), rng.IntN(500)-60
		if to <= from {
			to = from + 30
		}
		certs = append(certs, cert(subjects[i%len(subjects)], from, to))
	}
	pick := func() *audittest.Cert { return certs[rng.IntN(len(certs))] }
	tenant := audittest.Tenant()
	inv := &audit.Inventory{}
	var failed []audit.FailedSignIn
	for i := range 12 {
		appID := fmt.Sprintf("00000000-0000-4000-a000-%012d", i)
		name := fmt.Sprintf("App %d", i%9) // some names shared by two apps
		var keys []audit.KeyCredential
		for j := rng.IntN(3); j >= 0; j-- {
			usage := audit.UsageVerify
			if rng.IntN(6) == 0 {
				usage = audit.UsageSign
			}
			keys = append(keys, pick().KeyCredential(fmt.Sprintf("k-%d-%d", i, j), usage, rng.IntN(2) == 0))
		}
		app := audittest.App(appID, name, keys...)
		if rng.IntN(3) == 0 {
			app.PasswordCredentials = []audit.PasswordCredential{audittest.Secret(fmt.Sprintf("s-%d", i), now.Add(-days(rng.IntN(400))), now.Add(days(rng.IntN(400)-30)))}
		}
		tenant.Applications = append(tenant.Applications, app)
		if rng.IntN(2) == 0 {
			sp := audit.ServicePrincipal{Principal: audit.Principal{ObjectID: "sp-" + appID, AppID: appID, DisplayName: name}}
			if rng.IntN(2) == 0 {
				c := pick()
				sp.KeyCredentials = []audit.KeyCredential{c.KeyCredential("sp-k-"+appID, audit.UsageVerify, false)}
			}
			tenant.ServicePrincipals = append(tenant.ServicePrincipals, sp)
		}
		switch rng.IntN(12) {
		case 0:
			inv.Deployments = append(inv.Deployments, audit.Deployment{App: appID, Source: fmt.Sprintf("m.csv:%d", i), Thumbprints: pick().Thumbprints()})
		case 1:
			lc := pick().LocalCert(fmt.Sprintf("certs/%d.pem", i))
			inv.Deployments = append(inv.Deployments, audit.Deployment{App: strings.ToLower(name), Source: fmt.Sprintf("m.csv:%d", i), Cert: &lc, CertPath: lc.Path, Thumbprints: lc.Cert.Thumbprints})
		case 2:
			inv.Deployments = append(inv.Deployments, audit.Deployment{App: name, Source: fmt.Sprintf("m.csv:%d", i), Thumbprints: pick().Thumbprints()})
		case 3:
			failed = append(failed, audit.FailedSignIn{AppID: appID, Time: now.Add(-time.Hour), ErrorCode: 700027, Thumbprint: pick().Thumbprints().SHA1})
		}
	}
	for i := range rng.IntN(3) {
		inv.Certs = append(inv.Certs, pick().LocalCert(fmt.Sprintf("local/%d.pem", i)))
	}
	// A local certificate registered nowhere, whose subject an app has.
	next := cert(subjects[rng.IntN(len(subjects))], -1, 300)
	inv.Certs = append(inv.Certs, next.LocalCert("local/next.pem"))
	// A vault whose certificates are some of the registered ones, one
	// renewed into a version no app has.
	if seed%3 != 0 {
		return tenant, inv
	}
	vault := audit.Vault{Name: "kv-test", Complete: true}
	for i, c := range certs[:2] {
		vc := audit.VaultCertificate{Name: fmt.Sprintf("cert-%d", i), Versions: []audit.VaultVersion{vaultVersion("c", "v1", c, rng.IntN(2) == 0)},
			Policy: autoRenew(30, 0)}
		if i == 0 {
			vc.Versions = append(vc.Versions, vaultVersion("c", "v2", cert(subjects[0], -1, 364), false))
		}
		vault.Certificates = append(vault.Certificates, vc)
	}
	inv.Vaults = []audit.Vault{vault}
	if len(failed) > 0 {
		tenant.Usage = readUsage(nil, failed...)
	}
	return tenant, inv
}
