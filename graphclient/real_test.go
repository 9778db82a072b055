package graphclient_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/graphclient"
)

// What real export tools write, kept in testdata/real with their sources
// (testdata/real/README.md), each with the verdict it must get: read,
// read with a warning, or refused with a hint that says what to run
// instead. None of them may be read wrong.
func TestRealExportShapes(t *testing.T) {
	tested := map[string]bool{}
	defer func() {
		files, _ := filepath.Glob(filepath.Join("testdata", "real", "*.json"))
		for _, f := range files {
			if !tested[filepath.Base(f)] {
				t.Errorf("%s has no verdict here", f)
			}
		}
	}()
	for _, tc := range []struct {
		file string
		// refused: substrings of the error; empty when the file is read.
		refused []string
		warn    string // a substring of the one warning; "" for none
		check   func(t *testing.T, tn *audit.Tenant)
	}{
		{file: "graph-v1-application-list.json", check: func(t *testing.T, tn *audit.Tenant) {
			if len(tn.Applications) != 1 || tn.Applications[0].DisplayName != "My app" || !tn.Complete {
				t.Errorf("%+v", tn)
			}
		}},
		{file: "graph-v1-application-list-select-id-displayname.json",
			refused: []string{"$select=id,displayName", "leaves out keyCredentials and passwordCredentials", "appaudit snapshot"}},
		{file: "az-ad-app-credential-list.json",
			refused: []string{"[0]: a credential (it has", "keyId", "not an application", "az ad app list --all"}},
		{file: "az-ad-sp-credential-list.json",
			refused: []string{"[0]: a credential", "az ad app list --all", "appaudit snapshot"}},
		{file: "az-2.36-ad-sp-credential-list.json",
			refused: []string{"[0]: a credential (it has", "az ad app credential list"}},
		{file: "az-2.36-ad-app-list.json", check: func(t *testing.T, tn *audit.Tenant) {
			if len(tn.Applications) != 1 || len(tn.ServicePrincipals) != 0 {
				t.Fatalf("%d apps, %d service principals", len(tn.Applications), len(tn.ServicePrincipals))
			}
			a := tn.Applications[0]
			if a.ObjectID != "6be4c527-2805-4cf9-afec-a3dc2753622b" || a.AppID != "5a5a5a5a-0001-4000-8000-000000000001" {
				t.Errorf("objectId not read as the object ID: %+v", a.Principal)
			}
			k := a.KeyCredentials[0]
			if !k.End.Equal(date("2017-06-22T14:15:48.786012Z")) || !k.Start.Equal(date("2016-06-22T14:15:48.786012Z")) ||
				k.Thumbprints.SHA1 != "0102030405060708090A0B0C0D0E0F1011121314" {
				t.Errorf("legacy certificate read without its dates: %+v", k)
			}
			if p := a.PasswordCredentials[0]; !p.End.Equal(date("2021-07-30T09:07:17.640971Z")) {
				t.Errorf("legacy secret: %+v", p)
			}
		}},
		{file: "aad-graph-serviceprincipal-page.json", check: func(t *testing.T, tn *audit.Tenant) {
			if len(tn.ServicePrincipals) != 1 || tn.Complete || !strings.Contains(tn.IncompleteReason, "one page of a longer listing") {
				t.Fatalf("%d service principals, complete %v (%s)", len(tn.ServicePrincipals), tn.Complete, tn.IncompleteReason)
			}
			sp := tn.ServicePrincipals[0]
			if sp.ObjectID != "3b0c2a4e-5f6d-4e7a-8b9c-0d1e2f3a4b5c" || sp.AppOwnerOrganizationID != "72f988bf-86f1-41af-91ab-2d7cd011db47" ||
				!sp.PasswordCredentials[0].End.Equal(date("2019-06-22T14:15:48.7860129Z")) {
				t.Errorf("%+v", sp)
			}
		}},
		{file: "manifest-aad-graph-2018.json", refused: []string{"a single directory object", "app manifest", "az ad app list --all"}},
		{file: "manifest-entra-docs.json", refused: []string{"a single directory object", "az ad app list --all"}},
		{file: "az-ad-app-show.json", refused: []string{"a single directory object", "az ad app show", "az ad app list --all"}},
		{file: "get-mgapplication-convertto-json.json",
			refused: []string{"[0] (application): AppId: Graph spells this member appId", "ConvertTo-Json", "appaudit snapshot"}},
		{file: "get-mgapplication-convertto-json-depth2.json",
			refused: []string{"(application): AppId: Graph spells this member appId", "ConvertTo-Json", "az ad app list --all"}},
	} {
		tested[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			s, err := graphclient.LoadSnapshotFile(filepath.Join("testdata", "real", tc.file))
			if len(tc.refused) > 0 {
				var de *graphclient.DecodeError
				if !errors.As(err, &de) || de.Hint == "" {
					t.Fatalf("want a refusal with a hint, got %v", err)
				}
				for _, w := range tc.refused {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%v\nlacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (tc.warn == "") != (len(s.Warnings) == 0) || tc.warn != "" && !strings.Contains(s.Warnings[0], tc.warn) {
				t.Errorf("warnings %q, want %q", s.Warnings, tc.warn)
			}
			tc.check(t, s.Tenant)
		})
	}
}

// Graph PowerShell's objects are refused whichever member comes first:
// the hint names ConvertTo-Json. A camelCase export cut at ConvertTo-Json's
// depth names the type where a credential should be.
func TestPowerShellShapesRefused(t *testing.T) {
	for in, want := range map[string]string{
		`[{"Id":"o","AppId":"a"}]`: "Id: Graph spells this member id",
		`[{"id":"o","keyCredentials":[{"keyId":"k","EndDateTime":"2027-01-01T00:00:00"}]}]`:               "keyCredentials[0].EndDateTime: Graph spells this member endDateTime",
		`[{"id":"o","keyCredentials":["Microsoft.Graph.PowerShell.Models.MicrosoftGraphKeyCredential"]}]`: "keyCredentials[0]: a credential written as a string",
	} {
		_, err := graphclient.ReadSnapshot(strings.NewReader(in), "ps.json")
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "ConvertTo-Json") {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}

// A credential whose end date cannot be read is never valid forever: the
// legacy names are read, and a credential with no end date at all is
// refused, naming it.
func TestNoEndDateRefused(t *testing.T) {
	for _, end := range []string{``, `"endDateTime":null,`, `"endDateTime":"",`, `"endDateTime":"0001-01-01T00:00:00Z",`} {
		in := `[{"id":"o","displayName":"Old","keyCredentials":[{"keyId":"k",` + end + `"type":"AsymmetricX509Cert"}]}]`
		_, err := graphclient.ReadSnapshot(strings.NewReader(in), "e.json")
		if err == nil || !strings.Contains(err.Error(), `[0] (application "Old"): keyCredentials[0]: no end date`) {
			t.Errorf("%s: %v", in, err)
		}
	}
	tn := read(t, "e.json", `[{"id":"o","passwordCredentials":[{"keyId":"p","endDate":"2017-01-01T00:00:00Z","value":null}]}]`)
	if !tn.Applications[0].PasswordCredentials[0].End.Equal(date("2017-01-01T00:00:00Z")) {
		t.Errorf("%+v", tn.Applications[0].PasswordCredentials)
	}
}

// An empty listing, and one of exactly the 100 objects `az ad app list`
// prints without --all, are read with a warning; 99 and 101 are not.
func TestListingWarnings(t *testing.T) {
	list := func(n int) string {
		var objs []string
		for i := range n {
			objs = append(objs, fmt.Sprintf(`{"id":"o%d","appId":"a%d"}`, i, i))
		}
		return "[" + strings.Join(objs, ",") + "]"
	}
	for n, want := range map[int]string{0: "an empty list", 99: "", 100: "exactly 100 objects", 101: ""} {
		s, err := graphclient.LoadSnapshot(strings.NewReader(list(n)), "apps.json")
		if err != nil || !s.Tenant.Complete {
			t.Fatalf("%d: %v", n, err)
		}
		if (want == "") != (len(s.Warnings) == 0) || want != "" && !strings.Contains(s.Warnings[0], want) {
			t.Errorf("%d objects: warnings %q, want %q", n, s.Warnings, want)
		}
	}
	// A page listed without one of the credential lists says what is not audited.
	s, err := graphclient.LoadSnapshot(strings.NewReader(`{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#applications(id,appId,keyCredentials)","value":[{"id":"o","appId":"a"}]}`), "p.json")
	if err != nil || len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "client secrets are not audited") {
		t.Errorf("%v %q", err, s.Warnings)
	}
}

// An element with no ID is not an application, whatever else it has.
func TestObjectsWithoutIDRefused(t *testing.T) {
	for _, in := range []string{`[{}]`, `[{"displayName":"x","keyCredentials":[]}]`, `{"value":[{"displayName":"x"}]}`} {
		_, err := graphclient.ReadSnapshot(strings.NewReader(in), "n.json")
		if err == nil || !strings.Contains(err.Error(), "neither id nor appId") {
			t.Errorf("%s: %v", in, err)
		}
	}
}
