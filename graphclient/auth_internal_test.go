package graphclient

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// A token endpoint, or a proxy in front of it, may quote the request back
// in its error: the secret, the client assertion and tokens are taken out.
func TestSignInErrorsHoldNoSecret(t *testing.T) {
	const secret = "Qx8~s3cret/with+odd=chars"
	const assertion = "eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL2xvZ2luIn0.c2lnbmF0dXJlLW9mLXRoZS1hc3NlcnRpb24"
	for _, quoted := range []string{
		"client_id=app&client_secret=Qx8~s3cret%2Fwith%2Bodd%3Dchars&grant_type=client_credentials",
		"client_id=app&client_secret=" + secret + "&grant_type=client_credentials",
		`{"client_id":"app","client_secret":"` + secret + `"}`,
		"client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=" + assertion,
		"the secret is " + secret + " and the token " + assertion,
		"password=hunter2&refresh_token=0.AAAA-refresh",
	} {
		e := signInError(AuthClientSecret, errors.New("AADSTS7000215: Invalid client secret provided. Request: "+quoted), secret)
		msg := e.Error()
		for _, leak := range []string{secret, "Qx8~s3cret%2F", "c2lnbmF0dXJl", "eyJhdWQi", "hunter2", "0.AAAA-refresh"} {
			if strings.Contains(msg, leak) {
				t.Errorf("%q: the message holds %q: %s", quoted, leak, msg)
			}
		}
		if e.Code != "AADSTS7000215" || !strings.Contains(msg, "[redacted]") || !strings.Contains(msg, "client secret is wrong") {
			t.Errorf("%q: %s", quoted, msg)
		}
	}
	// What is not a credential stays.
	if got := redact("AADSTS700016: Application with identifier 'app' was not found; error_codes=[700016]"); !strings.Contains(got, "'app' was not found") || strings.Contains(got, "redacted") {
		t.Errorf("redact changed an error with no secret: %s", got)
	}
}

// failing is a credential that fails as the Azure SDK's do.
type failing struct{ err error }

func (f failing) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, f.err
}

// A sign-in that fails is one line, and "run az login" is the hint only
// when the Azure CLI is on the PATH; otherwise the hint says how to
// install it or which --auth to use. The failures are the texts azidentity
// produces (testdata/signin/README.md).
func TestSignInHintsLookForTheAzureCLI(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", "signin", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	installed := func(string) (string, error) { return "/usr/bin/az", nil }
	missing := func(f string) (string, error) { return "", &exec.Error{Name: f, Err: exec.ErrNotFound} }
	for _, tc := range []struct {
		mode        AuthMode
		file        string
		unavailable bool // credentialUnavailableError, as azidentity makes it; else AuthenticationFailedError
		look        func(string) (string, error)
		want        []string
		not         []string
	}{
		{AuthAzureCLI, "azure-cli-not-installed.txt", true, missing,
			[]string{"executable not found on path", "not on the PATH", "install-azure-cli", "--auth device-code"}, []string{"run az login ("}},
		{AuthAzureCLI, "azure-cli-not-signed-in.txt", false, installed,
			[]string{"Please run 'az login' to setup account. (run az login (with --tenant for another tenant) first)"}, []string{"install", "To troubleshoot"}},
		{AuthDefault, "default-no-az.txt", true, missing,
			[]string{"DefaultAzureCredential: failed to acquire a token.", "AZURE_CLIENT_SECRET", "--auth device-code", "install-azure-cli"}, []string{": run az login"}},
		{AuthDefault, "default-az-not-signed-in.txt", true, installed,
			[]string{"DefaultAzureCredential", "run az login, set AZURE_TENANT_ID"}, []string{"install", "To troubleshoot"}},
		{AuthDefault, "default-older-sdk.txt", true, missing,
			[]string{"IMDS token request timed out", "install-azure-cli"}, []string{": run az login", "\r"}},
	} {
		var err error
		if tc.unavailable {
			err = azidentity.NewCredentialUnavailableError(read(tc.file))
		} else {
			err = errors.New(read(tc.file))
		}
		c := &Credential{mode: tc.mode, cred: failing{err}, lookPath: tc.look}
		_, got := c.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}})
		var se *SignInError
		if !errors.As(got, &se) {
			t.Fatalf("%s: %T %v", tc.file, got, got)
		}
		msg := se.Error()
		if strings.ContainsAny(msg, "\r\n\t") || !strings.HasPrefix(msg, "graphclient: sign-in with "+string(tc.mode)+" failed: ") {
			t.Errorf("%s: not one line: %q", tc.file, msg)
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q lacks %q", tc.file, msg, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(msg, w) {
				t.Errorf("%s: %q has %q", tc.file, msg, w)
			}
		}
	}
}
