package main

import (
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"explain", "AADSTS700027"}, exitOK, []string{"AADSTS700027: Client assertion failed signature validation", "Usual causes:", "assertion-thumbprint-unknown", "cert-not-registered", "error?code=700027"}},
		{[]string{"explain", "7000274"}, exitOK, []string{"AADSTS7000274: Client assertion contains an invalid signature", "assertion-signature", "cert-key-mismatch"}},
		{[]string{"explain", "aadsts50013"}, exitOK, []string{"on-behalf-of", "request-obo-assertion",
			// Certificate client credentials meet it too, when the key
			// does not verify the signature (microsoftgraph/msgraph-sdk-php#1585).
			"Key was found, but use of the key to verify the signature failed", "signed with another private key", "assertion-signature"}},
		{[]string{"explain", "AADSTS700027:"}, exitOK, []string{"AADSTS700027: Client assertion failed signature validation", "\"The key was not found\""}},
		{[]string{"explain", "AADSTS50012"}, exitOK, []string{"\"not within its valid time range\":", "the older wording of", "AADSTS700024", "assertion-audience"}},
		{[]string{"explain", "500011"}, exitOK, []string{"AADSTS500011: The resource principal was not found in the tenant"}},
		{[]string{"explain", "70011"}, exitOK, []string{"AADSTS70011: The scope requested is invalid"}},
		{[]string{"explain", "50049"}, exitOK, []string{"AADSTS50049: Unknown or invalid instance", "instance discovery"}},
		{[]string{"explain", "7000216"}, exitOK, []string{"AADSTS7000216", "request-no-credential"}},
		{[]string{"explain", "700030"}, exitOK, []string{"different cloud instance", "subject name"}},
		{[]string{"explain", "assertion-thumbprint-encoding"}, exitOK, []string{"run by appaudit doctor; default severity critical", "MSAL Go", "What to do:", "AADSTS700027"}},
		{[]string{"explain", "Cert-Expired"}, exitOK, []string{"cert-expired: Registered certificate has expired", "AADSTS1000502"}},
		{[]string{"explain"}, exitOK, []string{"Checks (appaudit explain CHECK):", "preflight-no-overlap", "AADSTS codes (appaudit explain CODE):", "AADSTS900144"}},
	}
	for _, tc := range tests {
		code, out, errOut := runCLI(t, nil, tc.args...)
		if code != tc.code || errOut != "" {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errOut)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: stdout lacks %q:\n%s", tc.args, w, out)
			}
		}
		if strings.Contains(out, "not the problem") && tc.args[len(tc.args)-1] == "aadsts50013" {
			t.Errorf("explain 50013 rules the client certificate out, but Entra answers 50013 to a client key that does not verify:\n%s", out)
		}
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"explain", "cert-expird"}, `"cert-expird" is neither a check ID nor an AADSTS code (did you mean cert-expired`},
		{[]string{"explain", "700028"}, "does not know AADSTS700028 (did you mean"},
		{[]string{"explain", "AADSTS123456"}, "error?code=123456"},
		{[]string{"explain", "a", "b"}, "takes one code or check ID"},
	} {
		usageError(t, bad.want, bad.args...)
	}
}

// usageError runs appaudit with args and checks that it failed as a usage
// error: exit 2, nothing on stdout, one line on stderr mentioning want.
func usageError(t *testing.T, want string, args ...string) {
	t.Helper()
	code, out, errOut := runCLI(t, nil, args...)
	if code != exitUsage || out != "" {
		t.Errorf("exit %d, stdout %q; want 2 and nothing", code, out)
	}
	if !strings.HasPrefix(errOut, "appaudit: ") || !strings.Contains(errOut, want) || strings.Count(errOut, "\n") != 1 {
		t.Errorf("stderr %q: want one line mentioning %q", errOut, want)
	}
}
