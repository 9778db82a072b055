package audit_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
)

// A finding carries only what is its own, and takes its check's words
// from the catalogue; one read back from a report whose words differ
// (written by another appaudit, or of a check this one does not know)
// keeps them, and writes them out again.
func TestFindingTakesItsCheckWordsFromTheCatalogue(t *testing.T) {
	c, _ := audit.LookupCheck(audit.CheckCertExpired)
	f := c.Finding(0, &audit.ObjectRef{AppID: "a1", DisplayName: "App"}, nil, nil, "expired on 2026-06-12 (3 days ago)")
	if f.Title() != c.Title || f.Remediation() != c.Remediation || f.Reference() != c.Reference || strings.Join(f.AADSTS(), ",") != strings.Join(c.AADSTS, ",") {
		t.Fatalf("the finding's words are not its check's: %+v", f.Text())
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"title":"` + c.Title + `"`, `"remediation":`, `"aadsts":["AADSTS700027","AADSTS1000502"]`, `"reference":"` + c.Reference + `"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
	var back audit.Finding
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if string(again) != string(b) {
		t.Errorf("read back and written again:\n%s\n%s", again, b)
	}

	old := strings.Replace(string(b), c.Title, "Certificate expired (as an older appaudit said)", 1)
	old = strings.Replace(old, `"check":"cert-expired"`, `"check":"cert-from-the-future"`, 1)
	if err := json.Unmarshal([]byte(old), &back); err != nil {
		t.Fatal(err)
	}
	if back.Title() != "Certificate expired (as an older appaudit said)" || back.Remediation() != c.Remediation {
		t.Errorf("a report's own words were not kept: %+v", back.Text())
	}
	if again, _ := json.Marshal(back); string(again) != old {
		t.Errorf("written again:\n%s\nwant\n%s", again, old)
	}
}
