package graphclient

import (
	"errors"
	"strings"
	"testing"
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
