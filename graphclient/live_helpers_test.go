package graphclient_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// testClock never sleeps: Sleep moves its time on and records the wait.
type testClock = graphtest.Clock

func newTestClock() *testClock { return graphtest.NewClock(audittest.Now()) }

// liveTenant is what the fake serves: n applications, each with a
// certificate (body included, as a single-object GET returns it) and every
// other with a secret, and a SAML service principal for every third.
func liveTenant(n int) *audit.Tenant {
	certs := []*audittest.Cert{
		audittest.Valid("alpha.contoso.com", now, days(30), days(300)),
		audittest.Valid("beta.contoso.com", now, days(300), days(10)),
		audittest.Valid("gamma.contoso.com", now, days(400), days(-5)),
	}
	t := &audit.Tenant{TenantID: "00000000-0000-0000-0000-00000000cafe", Cloud: "public", TakenAt: now, Complete: true}
	for i := range n {
		appID := fmt.Sprintf("%08d-0000-4000-8000-000000000000", i+1)
		c := certs[i%len(certs)]
		a := audittest.App(appID, fmt.Sprintf("App %02d", i+1), c.KeyCredential(fmt.Sprintf("k-%d", i), audit.UsageVerify, true))
		if i%2 == 0 {
			a.PasswordCredentials = []audit.PasswordCredential{audittest.Secret(fmt.Sprintf("s-%d", i), now.Add(-days(10)), now.Add(days(100)))}
		}
		t.Applications = append(t.Applications, a)
		if i%3 == 0 {
			saml := certs[(i+1)%len(certs)]
			t.ServicePrincipals = append(t.ServicePrincipals, audit.ServicePrincipal{
				Principal: audit.Principal{ObjectID: "sp-" + appID, AppID: appID, DisplayName: a.DisplayName,
					KeyCredentials: []audit.KeyCredential{
						saml.KeyCredential(fmt.Sprintf("sign-%d", i), audit.UsageSign, true),
						saml.KeyCredential(fmt.Sprintf("verify-%d", i), audit.UsageVerify, true),
					}},
				AppDisplayName: a.DisplayName, ServicePrincipalType: "Application",
				PreferredTokenSigningKeyThumbprint: saml.Thumbprints().SHA1,
			})
		}
	}
	return t
}

const testToken = "test-token-not-a-secret"

func fake(t *testing.T, tenant *audit.Tenant, opts graphtest.Options) *graphtest.Server {
	t.Helper()
	return fakeOn(t, tenant, opts, graphtest.NewServer)
}

// fakePipe is fake for a test run in a testing/synctest bubble: the fake
// answers on in-memory connections (graphtest.NewPipeServer), which a
// client reaches with onPipe, and every wait, timeout and slow answer is
// measured by the bubble's clock, not by how fast the machine runs.
func fakePipe(t *testing.T, tenant *audit.Tenant, opts graphtest.Options) *graphtest.Server {
	t.Helper()
	return fakeOn(t, tenant, opts, graphtest.NewPipeServer)
}

func fakeOn(t *testing.T, tenant *audit.Tenant, opts graphtest.Options, start func(*audit.Tenant, graphtest.Options) (*graphtest.Server, error)) *graphtest.Server {
	t.Helper()
	if opts.Token == "" {
		opts.Token = testToken
	}
	srv, err := start(tenant, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// onPipe is a client edit that reaches srv, a fakePipe.
func onPipe(srv *graphtest.Server) func(*graphclient.Config) {
	return func(c *graphclient.Config) { c.Transport = srv.Transport() }
}

// newSleepingClock is newTestClock for a test run in a bubble: its waits
// take the bubble's time, none of the machine's.
func newSleepingClock() *testClock { return graphtest.NewSleepingClock(audittest.Now()) }

// client reads the fake at url with the test token, two objects a page,
// no limit on keyCredentials reads and a clock that does not sleep; edit
// changes the config.
func client(t *testing.T, url string, clock *testClock, edit ...func(*graphclient.Config)) *graphclient.Client {
	t.Helper()
	ep, err := graphclient.ResolveEndpoint("public", url)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := graphclient.NewCredential(graphclient.AuthOptions{Mode: graphclient.AuthToken, AccessToken: testToken, Cloud: ep.Cloud})
	if err != nil {
		t.Fatal(err)
	}
	cfg := graphclient.Config{Endpoint: ep, Credential: cred, PageSize: 2, KeyReadsPerMinute: -1, Clock: clock,
		TenantID: "00000000-0000-0000-0000-00000000cafe",
		Retry:    graphclient.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Second, MaxDelay: 8 * time.Second, Timeout: 2 * time.Second}}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := graphclient.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// recorder wraps a transport and keeps every request that leaves it.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var b []byte
	if req.Body != nil {
		b, _ = readBody(req)
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.body = append(r.body, b)
	r.mu.Unlock()
	return r.base.RoundTrip(req)
}
