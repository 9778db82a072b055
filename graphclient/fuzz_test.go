package graphclient_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/graphclient"
)

// FuzzReadSnapshot: no input panics or hangs; every failure is a
// DecodeError; whatever reads writes back into a snapshot that reads the
// same objects. Run it with go test -fuzz=FuzzReadSnapshot ./graphclient/.
func FuzzReadSnapshot(f *testing.F) {
	for _, name := range []string{"az-ad-app-list.json", "az-ad-sp-list.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	var snap bytes.Buffer
	tn := syntheticTenant(f)
	if err := graphclient.WriteSnapshot(&snap, tn, graphclient.SnapshotMeta{Tool: "fuzz"}); err != nil {
		f.Fatal(err)
	}
	f.Add(snap.Bytes())
	for _, s := range []string{
		``, `[]`, `{}`, `null`, `[{}]`, `{"value":[]}`, `{"value":[{"appId":"a"}],"@odata.nextLink":"x"}`,
		`{"appauditSnapshot":1,"complete":false,"applications":[{"keyCredentials":[{"key":"AAAA","customKeyIdentifier":"AQID"}]}],"servicePrincipals":[{"accountEnabled":false}]}`,
		`[{"appId":"a","keyCredentials":[{"keyId":"k","startDateTime":"2026-01-01T00:00:00Z","endDateTime":"2027-01-01T00:00:00.5Z"}],"passwordCredentials":[{"hint":"abc","secretText":"x"}]}]`,
		`[{"appId":"\u00e9\ud83d\ude00","displayName":"a\"b\\c"}]`, `{"error":{"code":"x","message":"y"}}`,
		`{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#servicePrincipals","value":[{"appId":"s"}]}`,
		"\xef\xbb\xbf[]", "\xff\xfe[\x00]\x00", `[{"keyCredentials":[{"key":"-----BEGIN"}]}]`, `[1,`, `{"a":`, `{"value":[{"a":[[[[[[]]]]]]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		tn, err := graphclient.ReadSnapshot(bytes.NewReader(in), "fuzz.json")
		if err != nil {
			var de *graphclient.DecodeError
			if !errors.As(err, &de) || !strings.HasPrefix(err.Error(), "graphclient: fuzz.json") {
				t.Fatalf("not a DecodeError: %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := graphclient.WriteSnapshot(&out, tn, graphclient.SnapshotMeta{}); err != nil {
			t.Fatalf("writing what was read: %v", err)
		}
		back, err := graphclient.ReadSnapshot(&out, "back.json")
		if err != nil {
			t.Fatalf("reading back what was written: %v\n%s", err, out.String())
		}
		if len(back.Applications) != len(tn.Applications) || len(back.ServicePrincipals) != len(tn.ServicePrincipals) ||
			back.Complete != tn.Complete {
			t.Fatalf("read back %d apps, %d service principals, complete %v; wrote %d, %d, %v",
				len(back.Applications), len(back.ServicePrincipals), back.Complete, len(tn.Applications), len(tn.ServicePrincipals), tn.Complete)
		}
	})
}
