package main

import (
	"slices"
	"testing"
)

// A SAML service principal as Graph returns it (a Sign and a Verify
// keyCredential and the password of the signing certificate's PFX, with
// the Sign key's keyId: testdata/real/README.md says where the shape comes
// from) gets one SAML certificate finding when its certificate has ended,
// and no secret finding: the password is not a client secret, and the
// signing certificate is not a client-assertion key.
func TestSAMLServicePrincipalAsGraphReturnsIt(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "scan", "--snapshot", "testdata/real/saml-service-principals.json",
		"--as-of", "2026-06-15", "-o", "json", "--fail-on", "critical")
	if code != exitFindings {
		t.Fatalf("exit %d, want %d (the active signing certificate has ended)\n%s", code, exitFindings, errOut)
	}
	r := decodeReport(t, out)
	var got []string
	for _, f := range r.Findings {
		got = append(got, f.App.DisplayName+": "+f.Check+"/"+f.Severity)
	}
	want := []string{"AWS Contoso: saml-cert-expired/critical", "awsAPI: saml-cert-inactive-expired/low"}
	if !slices.Equal(got, want) {
		t.Fatalf("findings %q, want %q", got, want)
	}
}
