package reports_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/reports"
)

// FuzzReadJSON: a saved JSON report, read back by `appaudit report
// --from` and --baseline, may have been edited by hand. It either fails
// with an error naming the file, or gives a Result that every format
// renders, that serves as a baseline, and that reads back the same once
// written again.
func FuzzReadJSON(f *testing.F) {
	f.Add(render(f, "json", fixtureResult(), testOpts))
	f.Add(render(f, "json", hostileResult(), testOpts))
	for _, s := range []string{
		`{"schemaVersion":"1.0","complete":true,"findings":[]}`,
		`{"schemaVersion":"1.0","complete":false,"incompleteReason":"x","findings":[{"check":"cert-expired","severity":"critical"}]}`,
		`{"schemaVersion":"1.0","findings":[{"check":"no-such-check","severity":"severe","app":null,"credential":{}}]}`,
		`{"schemaVersion":"1.0","summary":{"bySeverity":{"critical":-1}},"findings":null}`,
		`{"schemaVersion":"2.0"}`, `{"schemaVersion":""}`, `[]`, ``, `{"schemaVersion":"1.0"} trailing`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := reports.ReadJSON(bytes.NewReader(data), "saved.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "reports: saved.json") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		for _, format := range reports.Formats() {
			if err := format.New(testOpts).Write(io.Discard, r); err != nil {
				t.Fatalf("%s: %v", format.Name, err)
			}
		}
		once := render(t, "json", r, testOpts)
		back, err := reports.ReadJSON(bytes.NewReader(once), "once.json")
		if err != nil {
			t.Fatalf("the report written from a saved one does not read: %v\n%s", err, once)
		}
		if twice := render(t, "json", back, testOpts); !bytes.Equal(once, twice) {
			t.Fatalf("written twice, the report changed:\n%s\n%s", once, twice)
		}
		now := fixtureResult()
		if err := now.Baseline(back, "saved.json"); err == nil && now.Summary.Baseline == nil {
			t.Fatal("no baseline summary")
		}
	})
}
