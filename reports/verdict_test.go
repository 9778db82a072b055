package reports_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/reports"
)

// The table ends with the verdict and its values, one a line; the JSON
// report carries it and reads it back.
func TestVerdict(t *testing.T) {
	r := fixtureResult()
	r.Command = "doctor"
	r.Verdict = &audit.Verdict{
		Cause: "assertion-thumbprint-encoding",
		Text:  "most likely cause: client assertion thumbprint is encoded wrong (assertion-thumbprint-encoding)\x1b[31m",
		Values: map[string]string{
			"x5t#S256": "d755VgwO2UrrO5s-KLla1dVkK-MPoU8twxONtBmlCik",
			"aud":      "https://login.microsoftonline.com/00000000-0000-0000-0000-00000000cafe/oauth2/v2.0/token",
		},
	}
	table := string(render(t, "table", r, reports.Options{}))
	i := strings.Index(table, "\nVerdict: most likely cause: client assertion thumbprint is encoded wrong")
	if i < 0 {
		t.Fatalf("no verdict in the table:\n%s", table)
	}
	rest := table[i:]
	aud := strings.Index(rest, "\n  aud                    https://login.microsoftonline.com/00000000-0000-0000-0000-00000000cafe/oauth2/v2.0/token\n")
	x5t := strings.Index(rest, "\n  x5t#S256               d755VgwO2UrrO5s-KLla1dVkK-MPoU8twxONtBmlCik\n")
	if aud < 0 || x5t < aud {
		t.Errorf("values missing or out of order:\n%s", rest)
	}
	if f := strings.Index(table, "\nPayroll API ("); f < i {
		t.Errorf("the verdict does not lead: it is at %d, the first finding at %d", i, f)
	}
	if strings.Contains(table, "\x1b[") {
		t.Error("a control character from the verdict reached the terminal")
	}
	colour := string(render(t, "table", r, reports.Options{Color: true}))
	if !strings.Contains(colour, "\x1b[31mVerdict: ") {
		t.Error("a verdict with a cause is not coloured")
	}

	back, err := reports.ReadJSON(bytes.NewReader(render(t, "json", r, reports.Options{})), "report.json")
	if err != nil {
		t.Fatal(err)
	}
	if back.Verdict == nil || back.Verdict.Cause != r.Verdict.Cause || back.Verdict.Values["aud"] != r.Verdict.Values["aud"] {
		t.Errorf("verdict read back as %+v", back.Verdict)
	}
	// A scan has no verdict, and its table says none.
	if strings.Contains(string(render(t, "table", fixtureResult(), reports.Options{})), "Verdict:") {
		t.Error("a scan table prints a verdict")
	}
}
