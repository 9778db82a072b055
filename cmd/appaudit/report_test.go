package main

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scanOffline audits the offline tenant of offlineTenant in dir with
// extra flags and returns the exit code, stdout and stderr.
func scanOffline(t *testing.T, dir string, extra ...string) (int, string, string) {
	t.Helper()
	args := append([]string{"scan", "--snapshot", filepath.Join(dir, "tenant.json"),
		"--certs", filepath.Join(dir, "certs"), "--deployed", filepath.Join(dir, "deployed.csv"), "--as-of", asOf()}, extra...)
	return runCLI(t, nil, args...)
}

func TestReportRendersASavedReport(t *testing.T) {
	dir := offlineTenant(t)
	saved := filepath.Join(dir, "report.json")
	if code, _, errOut := scanOffline(t, dir, "-o", "json="+saved); code != exitFindings {
		t.Fatalf("scan exit %d: %s", code, errOut)
	}
	htmlPath, sarifPath, junitPath := filepath.Join(dir, "r.html"), filepath.Join(dir, "r.sarif"), filepath.Join(dir, "r.xml")
	code, out, errOut := runCLI(t, nil, "report", "--from", saved, "-o", "table", "-o", "html="+htmlPath, "-o", "sarif="+sarifPath, "-o", "junit="+junitPath)
	if code != exitOK || errOut != "" {
		t.Fatalf("report: exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(out, "cert-rotated-one-side") || !strings.Contains(out, "Billing") {
		t.Errorf("table:\n%s", out)
	}
	b, _ := os.ReadFile(htmlPath)
	if !strings.Contains(string(b), "Credential expiry timeline") || !strings.Contains(string(b), "cert-rotated-one-side") {
		t.Error("the HTML report lacks the timeline or the findings")
	}
	var sarif struct {
		Runs []struct {
			Results []struct{ RuleID string } `json:"results"`
		} `json:"runs"`
	}
	b, _ = os.ReadFile(sarifPath)
	if err := json.Unmarshal(b, &sarif); err != nil || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) != 2 {
		t.Errorf("SARIF: %v %+v", err, sarif)
	}
	var junit struct {
		Failures int `xml:"failures,attr"`
	}
	b, _ = os.ReadFile(junitPath)
	if err := xml.Unmarshal(b, &junit); err != nil || junit.Failures != 2 {
		t.Errorf("JUnit: %v, %d failures", err, junit.Failures)
	}
	// Rendering JSON again gives the same report.
	code, again, _ := runCLI(t, nil, "report", "--from", saved, "-o", "json")
	first, _ := os.ReadFile(saved)
	if code != exitOK || again != string(first) {
		t.Errorf("re-rendered JSON differs from the saved report (exit %d)", code)
	}
	code, out, _ = runCLI(t, nil, "report", "--from", saved, "-o", "json", "--min-severity", "critical")
	if r := decodeReport(t, out); code != exitOK || len(r.Findings) != 1 || r.Summary.Hidden != 1 {
		t.Errorf("--min-severity: exit %d, %+v", code, r.Summary)
	}
}

func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "notes.txt")
	write(t, notJSON, []byte("hello"))
	huge := filepath.Join(dir, "huge.json")
	if err := os.WriteFile(huge, nil, 0o600); err != nil || os.Truncate(huge, maxReportSize+1) != nil {
		t.Fatal("cannot make a sparse file")
	}
	const hintReport = "report --from and --baseline read the report written with -o json=FILE"
	for _, tc := range []struct {
		name string
		args []string
		want string // the whole of stderr
	}{
		{"no --from", []string{"report", "-o", "html"}, "appaudit: report needs --from FILE, a report written with -o json=FILE\n"},
		{"missing file", []string{"report", "--from", filepath.Join(dir, "nope.json")}, "appaudit: --from " + filepath.Join(dir, "nope.json") + ": no such file\n"},
		{"a directory", []string{"report", "--from", dir}, "appaudit: --from " + dir + ": is a directory\n"},
		{"not a report", []string{"report", "--from", notJSON},
			"appaudit: --from " + notJSON + ": not JSON: invalid character 'h' looking for beginning of value at byte 1 (" + hintReport + ")\n"},
		{"bad format", []string{"report", "--from", notJSON, "-o", "docx"},
			"appaudit: -o docx: unknown format (want one of table, json, csv, markdown, html, sarif, junit, prometheus)\n"},
		{"bad severity", []string{"report", "--from", notJSON, "--min-severity", "bad"},
			"appaudit: --min-severity bad: unknown severity (want one of critical, high, medium, low, info)\n"},
		{"too large", []string{"report", "--from", huge}, "appaudit: --from " + huge + ": larger than the 1 GiB a report may be (is it a report written with -o json?)\n"},
		{"too large a baseline", []string{"scan", "--demo", "--baseline", huge}, "appaudit: --baseline " + huge + ": larger than the 1 GiB a report may be (is it a report written with -o json?)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, nil, tc.args...)
			if code != exitUsage || out != "" || errOut != tc.want {
				t.Errorf("exit %d, stdout %q, stderr %q\nwant exit 2 and stderr %q", code, out, errOut, tc.want)
			}
		})
	}
}

func TestScanIgnore(t *testing.T) {
	dir := offlineTenant(t)
	ignore := filepath.Join(dir, "ignore.yaml")
	write(t, ignore, []byte(`- check: cert-rotated-one-side
  app: Billing
  reason: the new certificate is uploaded by the release on Monday
  expires: 2026-06-30
- check: cert-expiring
  reason: an old entry
  expires: 2026-01-31
`))
	code, out, errOut := scanOffline(t, dir, "-o", "json", "--ignore", ignore)
	// The critical finding is suppressed; the high expiring one is not
	// (its entry expired), so the exit code is still 1.
	r := decodeReport(t, out)
	if code != exitFindings || len(r.Findings) != 1 || r.Findings[0].Check != "cert-expiring" {
		t.Errorf("exit %d, findings %+v", code, r.Findings)
	}
	if !strings.Contains(errOut, "ignore.yaml:5: the suppression expired on 2026-01-31") {
		t.Errorf("stderr lacks the expired entry: %q", errOut)
	}
	var full struct {
		Summary struct {
			Suppressed   int `json:"suppressed"`
			Suppressions []struct {
				Source string `json:"source"`
				Count  int    `json:"count"`
			} `json:"suppressions"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &full); err != nil || full.Summary.Suppressed != 1 || len(full.Summary.Suppressions) != 1 ||
		!strings.HasSuffix(full.Summary.Suppressions[0].Source, "ignore.yaml:1") {
		t.Errorf("summary %+v %v", full.Summary, err)
	}
	// Both suppressed: nothing left at or above high.
	write(t, ignore, []byte("- app: Billing\n  reason: being retired\n  expires: 2026-06-30\n"))
	if code, _, errOut := scanOffline(t, dir, "--ignore", ignore); code != exitOK {
		t.Errorf("exit %d with every finding suppressed: %s", code, errOut)
	}
	write(t, ignore, []byte("- app: Billing\n  expires: 2026-06-30\n"))
	if code, _, errOut := scanOffline(t, dir, "--ignore", ignore); code != exitUsage || !strings.Contains(errOut, "ignore.yaml:1: the suppression has no reason") {
		t.Errorf("entry without a reason: exit %d, %q", code, errOut)
	}
}

func TestScanBaseline(t *testing.T) {
	dir := offlineTenant(t)
	base := filepath.Join(dir, "base.json")
	if code, _, _ := scanOffline(t, dir, "-o", "json="+base); code != exitFindings {
		t.Fatalf("first scan exit %d", code)
	}
	code, out, errOut := scanOffline(t, dir, "-o", "json", "--baseline", base)
	if code != exitOK {
		t.Errorf("nothing new since the baseline: exit %d, want 0 (%s)", code, errOut)
	}
	var r struct {
		Findings []any `json:"findings"`
		Summary  struct {
			Findings int `json:"findings"`
			Baseline struct {
				New, Unchanged, Resolved int
			} `json:"baseline"`
		} `json:"summary"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Findings) != 0 || r.Summary.Findings != 0 ||
		r.Summary.Baseline.Unchanged != 2 || r.Summary.Baseline.New != 0 {
		t.Errorf("%v %+v", err, r.Summary)
	}
	// Without the mapping the deployment findings are gone (resolved)
	// and nothing is new.
	code, out, _ = runCLI(t, nil, "scan", "--snapshot", filepath.Join(dir, "tenant.json"), "--as-of", asOf(), "-o", "table", "--baseline", base)
	if code != exitOK || !strings.Contains(out, "already in baseline") || !strings.Contains(out, "resolved since") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if code, _, errOut := scanOffline(t, dir, "--baseline", filepath.Join(dir, "tenant.json")); code != exitUsage || !strings.Contains(errOut, "tenant.json") {
		t.Errorf("a snapshot as baseline: exit %d, %q", code, errOut)
	}
}
