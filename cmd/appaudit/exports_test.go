package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// realShape is a file of graphclient/testdata/real: what an export tool
// really writes (sources in its README.md).
func realShape(name string) string {
	return filepath.Join("..", "..", "graphclient", "testdata", "real", name)
}

// What `az ad app credential list` prints is one app's credentials, not a
// tenant: refused with the command that saves a tenant, never "No
// findings" with a secret valid until 2299 in the file.
func TestScanRefusesCredentialList(t *testing.T) {
	for _, f := range []string{"az-ad-app-credential-list.json", "az-2.36-ad-sp-credential-list.json"} {
		code, out, errOut := runCLI(t, nil, "scan", "--snapshot", realShape(f), "--as-of", "2026-06-15T12:00:00Z")
		if code != 2 || !strings.Contains(errOut, "a credential") || !strings.Contains(errOut, "az ad app list --all") {
			t.Errorf("%s: exit %d\nstdout %s\nstderr %s", f, code, out, errOut)
		}
	}
}

// A legacy export (az before 2.37, Azure AD Graph's names) is read with
// its dates: the certificate that ended in 2017 is reported.
func TestScanReadsLegacyDates(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "scan", "--snapshot", realShape("az-2.36-ad-app-list.json"), "--as-of", "2026-06-15T12:00:00Z", "-o", "json")
	r := decodeReport(t, out)
	found := false
	for _, f := range r.Findings {
		found = found || f.Check == "cert-expired" && strings.Contains(f.Message, "2017-06-22")
	}
	if code != 1 || !found {
		t.Errorf("exit %d, findings %+v\n%s", code, r.Findings, errOut)
	}
}

// A listing of exactly 100 objects (az without --all) is audited, and
// says so in the report's warnings and on stderr.
func TestScanWarnsOfAzListLimit(t *testing.T) {
	var objs []string
	for i := range 100 {
		objs = append(objs, fmt.Sprintf(`{"id":"o%03d","appId":"a%03d","displayName":"App %d","keyCredentials":[],"passwordCredentials":[]}`, i, i, i))
	}
	path := filepath.Join(t.TempDir(), "apps.json")
	if err := os.WriteFile(path, []byte("["+strings.Join(objs, ",\n")+"]"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, nil, "scan", "--snapshot", path, "-o", "json")
	var rep struct {
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	const want = "exactly 100 objects"
	if code != 0 || len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], want) || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, warnings %q, stderr %q", code, rep.Warnings, errOut)
	}
}

// Every real export shape gets its verdict through scan as well: refused
// ones exit 2 with a hint, read ones are audited (exit 3 for the page
// that says it is one of several).
func TestScanRealExportShapes(t *testing.T) {
	for file, want := range map[string]struct {
		code   int
		stderr string
	}{
		"graph-v1-application-list.json":                       {0, ""},
		"graph-v1-application-list-select-id-displayname.json": {2, "leaves out keyCredentials and passwordCredentials"},
		"az-ad-app-credential-list.json":                       {2, "az ad app list --all"},
		"az-ad-sp-credential-list.json":                        {2, "az ad app list --all"},
		"az-2.36-ad-sp-credential-list.json":                   {2, "a credential"},
		"az-2.36-ad-app-list.json":                             {1, ""},
		"aad-graph-serviceprincipal-page.json":                 {3, "one page of a longer listing"},
		"manifest-aad-graph-2018.json":                         {2, "app manifest"},
		"manifest-entra-docs.json":                             {2, "app manifest"},
		"az-ad-app-show.json":                                  {2, "az ad app show"},
		"get-mgapplication-convertto-json.json":                {2, "ConvertTo-Json"},
		"get-mgapplication-convertto-json-depth2.json":         {2, "ConvertTo-Json"},
	} {
		code, _, errOut := runCLI(t, nil, "scan", "--snapshot", realShape(file), "--as-of", "2026-06-15T12:00:00Z", "--fail-on", "high")
		if code != want.code || !strings.Contains(errOut, want.stderr) {
			t.Errorf("%s: exit %d, want %d\nstderr %s", file, code, want.code, errOut)
		}
	}
}
