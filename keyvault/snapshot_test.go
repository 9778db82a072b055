package keyvault_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/keyvault"
	"github.com/appaudit/appaudit/keyvault/kvtest"
)

// A vault read live, written into a snapshot and read back, is the same
// vault: versions, thumbprints, dates, public certificates, policies and
// whether it was complete. Nothing secret is written.
func TestSnapshotRoundTrip(t *testing.T) {
	s := vault(t)
	s.Fault(vaultFault())
	v := reader(t, s.Transport(), nil).Read(context.Background(), endpoint(t, s.URL))
	if v.Complete {
		t.Fatal("the fault did not leave the vault incomplete")
	}
	tenant := &audit.Tenant{TenantID: "t1", Complete: true}
	var buf bytes.Buffer
	if err := graphclient.WriteSnapshot(&buf, tenant, graphclient.SnapshotMeta{Tool: "appaudit test",
		Sections: []graphclient.SnapshotSection{{Name: keyvault.SnapshotSection, Value: keyvault.Section([]audit.Vault{v})}}}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, `{"appauditSnapshot":2,`) || strings.Contains(out, "/secrets/") || strings.Contains(out, "/keys/") || strings.Contains(out, token) {
		t.Fatalf("snapshot:\n%.400s", out)
	}
	path := filepath.Join(t.TempDir(), "snap.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	snap, err := graphclient.LoadSnapshotFile(path)
	if err != nil || snap.Tenant.TenantID != "t1" {
		t.Fatalf("%v %+v", err, snap)
	}
	back, err := keyvault.ReadSection(snap.Sections[keyvault.SnapshotSection], path)
	if err != nil || len(back) != 1 {
		t.Fatalf("%v, %d vaults", err, len(back))
	}
	w := back[0]
	if w.Name != v.Name || w.URL != v.URL || w.Complete || w.IncompleteReason != v.IncompleteReason || !w.ReadAt.Equal(v.ReadAt.Truncate(1e9)) {
		t.Errorf("vault header %+v, want %+v", w, v)
	}
	if !reflect.DeepEqual(w.Certificates, v.Certificates) {
		for i := range v.Certificates {
			if !reflect.DeepEqual(w.Certificates[i], v.Certificates[i]) {
				t.Fatalf("certificate %d:\n got %+v\nwant %+v", i, w.Certificates[i], v.Certificates[i])
			}
		}
	}
}

func vaultFault() kvtest.Fault {
	return kvtest.Fault{Path: "/certificates/app-00004/versions", Status: 500}
}

func TestSnapshotWithoutSectionsStaysVersion1(t *testing.T) {
	var buf bytes.Buffer
	if err := graphclient.WriteSnapshot(&buf, &audit.Tenant{Complete: true}, graphclient.SnapshotMeta{}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), `{"appauditSnapshot":1,`) {
		t.Errorf("%.80s", buf.String())
	}
}

func TestReadSectionErrors(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{`{"a":1}`, `"keyVaults" is not a list of vaults`},
		{`[{"vaultUri":"http://kv.vault.azure.net","complete":true,"certificates":[]}]`, "keyVaults[0]: vaultUri: vault URL http://kv.vault.azure.net: plain http"},
		{`[{"vaultUri":"https://kv.vault.azure.net","complete":true,"certificates":[{"id":"https://kv.vault.azure.net/secrets/x","versions":[]}]}]`, "keyVaults[0].certificates[0]: id"},
		{`[{"vaultUri":"https://kv.vault.azure.net","complete":true,"certificates":[{"id":"https://kv.vault.azure.net/certificates/x","versions":[{"id":"https://kv.vault.azure.net/certificates/x"}]}]}]`, "versions[0]: id"},
		{`[{"vaultUri":"https://kv.vault.azure.net","readAt":"yesterday","complete":true,"certificates":[]}]`, `readAt "yesterday"`},
	} {
		if _, err := keyvault.ReadSection([]byte(tc.raw), "snap.json"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.raw, err, tc.want)
		}
	}
	v, err := keyvault.ReadSection([]byte(`[{"vaultUri":"https://kv.vault.azure.net","certificates":[]}]`), "snap.json")
	if err != nil || v[0].Complete || !strings.Contains(v[0].IncompleteReason, `does not say whether it was read whole`) || v[0].Name != "kv" {
		t.Errorf("a vault that does not say it is complete: %+v %v", v, err)
	}
}
