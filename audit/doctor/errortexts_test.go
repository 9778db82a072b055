package doctor

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
)

// errorTexts reads testdata/errors/SOURCES: every error text users pasted
// that the doctor is held to, with where it was seen.
func errorTexts(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "errors", "SOURCES"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sources := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, source, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(source) == "" {
			t.Fatalf("SOURCES: %q names no source", line)
		}
		sources[name] = source
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join("testdata", "errors"))
	for _, e := range entries {
		if _, ok := sources[e.Name()]; !ok && e.Name() != "SOURCES" {
			t.Errorf("testdata/errors/%s has no line in SOURCES", e.Name())
		}
	}
	return sources
}

// The verdict on each error text alone follows what the text says, then
// the code's usual cause: older AADSTS50012 texts name their own cause,
// AADSTS700024 gives the lag, AADSTS50013 can be the client's key.
func TestErrorTextVerdicts(t *testing.T) {
	sources := errorTexts(t)
	tests := []struct {
		file string
		// says are parts of the verdict; not, what it must not say.
		says []string
		not  string
		app  string
	}{
		{file: "50012-time-range.json", says: []string{"AADSTS50012", "outside its valid time range when Entra read it"}, not: "aud"},
		{file: "50012-client-secret.txt", says: []string{"AADSTS50012", "the client secret is not the value of a current secret"}, not: "aud"},
		{file: "50012-audience.txt", says: []string{"AADSTS50012", "the assertion's aud is not the token endpoint"}},
		{file: "700024-hours-late.txt", says: []string{"5 hours 17 minutes after it expired", "a cached or reused assertion"}},
		{file: "700024-reused.txt", says: []string{"3 hours 33 minutes after it expired", "a cached or reused assertion"}},
		{file: "700024-minutes-late.txt", says: []string{"34 minutes after it expired", "a cached or reused assertion"}},
		{file: "700024-local-time.txt", says: []string{"55 minutes after it expired", "local time", "as if it were UTC"}},
		{file: "700024-skew.txt", says: []string{"3 minutes 27 seconds after it expired", "clock"}, not: "cached"},
		{file: "50013-key-found.txt", says: []string{"AADSTS50013", "signs with another private key"}, not: "not the problem",
			app: "00000000-0000-0000-0000-000000000000"},
		{file: "50013-signature-obo.txt", says: []string{"AADSTS50013", "signs with another private key"}, not: "not the problem"},
		{file: "500011.json", says: []string{"AADSTS500011", "user.read", "no service principal in the tenant"}},
		{file: "70011.json", says: []string{"AADSTS70011", "the scope requested is invalid"}},
		{file: "50049.txt", says: []string{"AADSTS50049", "instance discovery"}},
		{file: "7000216.txt", says: []string{"AADSTS7000216", "carries no client credential"}},
		{file: "700030-cloud-instance.txt", says: []string{"AADSTS700030", "issued in another cloud"}, not: "SNI"},
		{file: "700030-subject-name.txt", says: []string{"AADSTS700030", "subject name and issuer (SNI)"}},
		{file: "7000222.txt", says: []string{"AADSTS7000222", "has expired"}, app: "ccc25fb8-d83b-4225-b4b7-5f31bfb007be"},
		{file: "7000215.txt", says: []string{"AADSTS7000215", "its ID sent instead of its value"}, app: "4d856d1f-8648-456c-9bb2-f36273bbe4e3"},
		{file: "700027-invalid-signature-wording.txt", says: []string{"AADSTS700027", "matches no key registered on the app"},
			app: "31359c7f-bd7e-475c-86db-fdb8c937548e"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			if sources[tc.file] == "" {
				t.Fatalf("%s is not in testdata/errors/SOURCES", tc.file)
			}
			b, err := os.ReadFile(filepath.Join("testdata", "errors", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			r := diagnose(t, errorInput(string(b), nil))
			if r.Verdict.Cause != audit.CheckErrorAADSTS {
				t.Errorf("verdict %+v: with the error alone, the error is the cause", r.Verdict)
			}
			for _, s := range tc.says {
				if !strings.Contains(r.Verdict.Text, s) {
					t.Errorf("verdict %q lacks %q", r.Verdict.Text, s)
				}
			}
			if tc.not != "" && strings.Contains(r.Verdict.Text, tc.not) {
				t.Errorf("verdict %q says %q", r.Verdict.Text, tc.not)
			}
			if tc.app != "" {
				f := want(t, r, audit.CheckErrorAADSTS, audit.SeverityHigh, "for app "+tc.app)
				if f != nil && (f.App == nil || f.App.AppID != tc.app) {
					t.Errorf("finding about %+v, want app %s", f.App, tc.app)
				}
			}
		})
	}
	if len(tests) != len(sources) {
		t.Errorf("%d texts in SOURCES, %d tested", len(sources), len(tests))
	}
}
