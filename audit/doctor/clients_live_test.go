package doctor

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// captureEntra answers what azidentity asks Entra in process, never on the
// network: the tenant's OpenID metadata, and the token endpoint, whose
// requests it keeps.
type captureEntra struct {
	mu    sync.Mutex
	forms []url.Values
}

func (c *captureEntra) Do(r *http.Request) (*http.Response, error) {
	answer := func(status int, body string) (*http.Response, error) {
		return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	}
	base := "https://" + r.URL.Host + "/" + testTenant
	switch {
	case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration"):
		return answer(http.StatusOK, `{"token_endpoint":"`+base+`/oauth2/v2.0/token","authorization_endpoint":"`+base+`/oauth2/v2.0/authorize","issuer":"https://login.microsoftonline.com/`+testTenant+`/v2.0"}`)
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token"):
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		form, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.forms = append(c.forms, form)
		c.mu.Unlock()
		return answer(http.StatusOK, `{"token_type":"Bearer","expires_in":3599,"access_token":"captured"}`)
	}
	return answer(http.StatusNotFound, `{}`)
}

func (c *captureEntra) form(t *testing.T) url.Values {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.forms) != 1 {
		t.Fatalf("azidentity sent %d token requests, want 1", len(c.forms))
	}
	return c.forms[0]
}

// The corpus's MSAL Go files are what azidentity, the version appaudit
// builds with, really sends: azidentity is run here against an Entra
// answered in process, and its request is held to the file. If an upgrade
// of azidentity changes what it sends, this fails and the corpus must
// change with it.
func TestAzidentitySendsWhatTheCorpusSays(t *testing.T) {
	w := newWorld()
	files := map[string]clientFile{}
	for _, f := range readClientFiles(t) {
		files[f.name] = f
	}
	scopes := policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}}
	corpus := func(name string) url.Values {
		f := files[name]
		_, body, _ := strings.Cut(fill(t, name, f.template, maps(clientValues(w.payroll), map[string]string{"assertion": "ASSERTION"})), "\n\n")
		v, err := url.ParseQuery(strings.TrimSpace(body))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	sameParams := func(got, want url.Values, except ...string) {
		t.Helper()
		var gk, wk []string
		for k := range got {
			gk = append(gk, k)
		}
		for k := range want {
			wk = append(wk, k)
		}
		slices.Sort(gk)
		slices.Sort(wk)
		if !slices.Equal(gk, wk) {
			t.Errorf("azidentity sends %v, the corpus %v", gk, wk)
		}
		for k := range want {
			if !slices.Contains(except, k) && got.Get(k) != want.Get(k) {
				t.Errorf("%s: azidentity sends %q, the corpus %q", k, got.Get(k), want.Get(k))
			}
		}
	}

	t.Run("certificate", func(t *testing.T) {
		entra := &captureEntra{}
		cred, err := azidentity.NewClientCertificateCredential(testTenant, payrollID, []*x509.Certificate{w.payroll.X509}, w.payroll.Key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: azcore.ClientOptions{Transport: entra}, DisableInstanceDiscovery: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cred.GetToken(context.Background(), scopes); err != nil {
			t.Fatal(err)
		}
		got := entra.form(t)
		sameParams(got, corpus("msal-go-1.10.1-cert.http"), "client_assertion")

		// The assertion's header is the file's, byte for byte; its claims
		// have the file's names, and times as JSON numbers.
		f := files["msal-go-1.10.1-cert.http"]
		parts := strings.Split(got.Get("client_assertion"), ".")
		if len(parts) != 3 {
			t.Fatalf("the assertion has %d parts", len(parts))
		}
		header, _ := base64.RawURLEncoding.DecodeString(parts[0])
		if want := fill(t, f.name, f.header, clientValues(w.payroll)); string(header) != want {
			t.Errorf("header\n%s\nthe corpus\n%s", header, want)
		}
		claims, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var gotClaims, wantClaims map[string]any
		if err := json.Unmarshal(claims, &gotClaims); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(fill(t, f.name, f.claims, clientValues(w.payroll))), &wantClaims); err != nil {
			t.Fatal(err)
		}
		for k, v := range wantClaims {
			g, ok := gotClaims[k]
			switch {
			case !ok:
				t.Errorf("claim %s: azidentity sends none", k)
			case k == "jti" || k == "exp" || k == "nbf":
				if _, same := g.(string); same != isString(v) {
					t.Errorf("claim %s: azidentity sends %T, the corpus %T", k, g, v)
				}
			case g != v:
				t.Errorf("claim %s: azidentity sends %v, the corpus %v", k, g, v)
			}
		}
		if len(gotClaims) != len(wantClaims) {
			t.Errorf("claims %v, the corpus %v", gotClaims, wantClaims)
		}
	})

	t.Run("secret", func(t *testing.T) {
		entra := &captureEntra{}
		secret := clientValues(w.payroll)["secret"]
		cred, err := azidentity.NewClientSecretCredential(testTenant, payrollID, secret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: azcore.ClientOptions{Transport: entra}, DisableInstanceDiscovery: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cred.GetToken(context.Background(), scopes); err != nil {
			t.Fatal(err)
		}
		sameParams(entra.form(t), corpus("msal-go-1.10.1-secret.http"))
	})
}

func isString(v any) bool { _, ok := v.(string); return ok }
