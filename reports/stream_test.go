package reports_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/reports"
)

// streamResults are the Results the streaming tests render: the shared
// fixtures, an empty audit, a diagnosis without a tenant or findings, one
// with every member of the JSON report, and one large enough that every
// format writes more than its buffer holds.
func streamResults(t *testing.T) map[string]*audit.Result {
	t.Helper()
	full := fixtureResult()
	full.Command = "doctor"
	full.Complete, full.Incomplete = false, "servicePrincipals: page 4 failed after 6 attempts"
	full.Verdict = &audit.Verdict{Cause: full.Findings[0].Check, Text: "most likely cause: " + full.Findings[0].Title,
		Values: map[string]string{"x5t": "aGVsbG8", "aud": "https://login.microsoftonline.com/t/oauth2/v2.0/token"}}
	full.Source.TakenAt = fixtureNow.Add(-time.Hour)
	// Every member but complete, which is always written.
	typ := reflect.TypeFor[audit.Result]()
	for i := range typ.NumField() {
		if typ.Field(i).Type.Kind() != reflect.Bool && reflect.ValueOf(full).Elem().Field(i).IsZero() {
			t.Fatalf("the full Result leaves %s empty: give it a value, so that the streamed JSON report is held to it", typ.Field(i).Name)
		}
	}
	empty := &audit.Result{Command: "scan", Complete: true, Findings: []audit.Finding{}}
	empty.CountFindings()
	return map[string]*audit.Result{
		"fixture": fixtureResult(),
		"hostile": hostileResult(),
		"triaged": triagedResult(t),
		"full":    full,
		"empty":   empty,
		"nil":     {Command: "doctor", Complete: true, Source: audit.Source{Kind: "none"}},
		"large":   largeResult(2000),
	}
}

// firstDifference shows where got and want part.
func firstDifference(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("%d and %d bytes, first difference at byte %d:\n--- got:\n%s\n--- want:\n%s",
		len(got), len(want), i, got[from:min(len(got), i+80)], want[from:min(len(want), i+80)])
}

// The JSON report, written member by member and finding by finding, is
// byte for byte what encoding/json writes for the whole Document.
func TestJSONStreamsTheDocument(t *testing.T) {
	for name, r := range streamResults(t) {
		t.Run(name, func(t *testing.T) {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			if err := enc.Encode(reports.Document{SchemaVersion: reports.SchemaVersion, Tool: "appaudit test", Result: *r}); err != nil {
				t.Fatal(err)
			}
			if got := render(t, "json", r, testOpts); !bytes.Equal(got, want.Bytes()) {
				t.Error(firstDifference(got, want.Bytes()))
			}
		})
	}
}

// SARIF and JUnit, written result by result and suite by suite, are byte
// for byte what encoding/json and encoding/xml write for the whole
// document they decode to: no member unknown to it, none out of its
// order, the same indentation and escaping.
func TestSARIFAndJUnitStreamTheirDocument(t *testing.T) {
	for name, r := range streamResults(t) {
		for _, tc := range []struct {
			format   string
			reencode func([]byte) ([]byte, error)
		}{{"sarif", reports.ReencodeSARIF}, {"junit", reports.ReencodeJUnit}} {
			t.Run(tc.format+"/"+name, func(t *testing.T) {
				got := render(t, tc.format, r, testOpts)
				want, err := tc.reencode(got)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Error(firstDifference(got, want))
				}
			})
		}
	}
}
