package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs appaudit with args and returns the exit code, stdout and stderr.
func runCLI(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	return runLive(t, nil, env, args...)
}

// runLive is runCLI with hooks for the live sources (nil for none).
func runLive(t *testing.T, hooks *liveHooks, env []string, args ...string) (int, string, string) {
	t.Helper()
	s, out, errOut := testStreams("", env...)
	s.live = hooks
	code := run(context.Background(), args, s)
	return code, out.String(), errOut.String()
}

// report is the part of the JSON report the command tests read.
type report struct {
	SchemaVersion string `json:"schemaVersion"`
	Complete      bool   `json:"complete"`
	Incomplete    string `json:"incompleteReason"`
	Source        struct {
		Kind string `json:"kind"`
		Path string `json:"path"`
	} `json:"source"`
	Summary struct {
		Applications int            `json:"applications"`
		Findings     int            `json:"findings"`
		BySeverity   map[string]int `json:"bySeverity"`
		Hidden       int            `json:"hiddenBelowMinSeverity"`
	} `json:"summary"`
	Findings []struct {
		Check    string `json:"check"`
		Severity string `json:"severity"`
		App      *struct {
			AppID       string `json:"appId"`
			DisplayName string `json:"displayName"`
		} `json:"app"`
		Message string `json:"message"`
	} `json:"findings"`
}

func decodeReport(t *testing.T, s string) report {
	t.Helper()
	var r report
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, s)
	}
	return r
}

func TestScanDemo(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "scan", "--demo")
	if code != exitFindings {
		t.Errorf("exit %d, want %d (the demo has critical findings)\nstderr: %s", code, exitFindings, errOut)
	}
	for _, want := range []string{"cert-expired", "cert-rotated-one-side", "Billing Worker", "Contoso SAML Portal"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour written to a non-terminal")
	}
	if !strings.Contains(errOut, "warning: demo/deployed.csv:12") {
		t.Errorf("stderr lacks the mapping warning: %q", errOut)
	}
}

func TestScanDemoJSON(t *testing.T) {
	code, out, _ := runCLI(t, nil, "scan", "--demo", "-o", "json", "--fail-on", "none")
	if code != exitOK {
		t.Errorf("exit %d with --fail-on none", code)
	}
	r := decodeReport(t, out)
	if r.SchemaVersion == "" || !r.Complete || r.Source.Kind != "demo" || r.Summary.Applications != 18 {
		t.Errorf("report header: %+v", r)
	}
	if len(r.Findings) != r.Summary.Findings || r.Summary.BySeverity["critical"] == 0 {
		t.Errorf("%d findings listed, summary %+v", len(r.Findings), r.Summary)
	}
}

func TestFailOnAndMinSeverityAreIndependent(t *testing.T) {
	code, out, _ := runCLI(t, nil, "scan", "--demo", "-o", "json", "--min-severity", "critical", "--fail-on", "high")
	if code != exitFindings {
		t.Errorf("exit %d, want 1", code)
	}
	r := decodeReport(t, out)
	for _, f := range r.Findings {
		if f.Severity != "critical" {
			t.Errorf("finding below --min-severity shown: %s %s", f.Severity, f.Check)
		}
	}
	if r.Summary.Hidden == 0 || r.Summary.Findings != len(r.Findings)+r.Summary.Hidden {
		t.Errorf("hidden findings not counted: %+v", r.Summary)
	}
	// Only info and low findings left over: not failing at high.
	code, _, _ = runCLI(t, nil, "scan", "--demo", "--as-of", "2030-01-01", "--fail-on", "critical", "-o", "json")
	if code != exitFindings {
		t.Errorf("--fail-on critical with critical findings: exit %d", code)
	}
}

func TestScanUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"scan", "--demo", "--frobnicate"}, "unknown flag"},
		{"bad severity", []string{"scan", "--demo", "--fail-on", "severe"}, "appaudit: --fail-on severe: unknown severity (want one of critical, high, medium, low, info, none)\n"},
		{"bad min severity", []string{"scan", "--demo", "--min-severity", "x"}, "appaudit: --min-severity x: unknown severity (want one of critical, high, medium, low, info)\n"},
		{"bad as-of", []string{"scan", "--demo", "--as-of", "yesterday"}, "appaudit: --as-of yesterday: not a time (give RFC 3339, such as 2026-01-31T12:00:00Z, or a date such as 2026-01-31)\n"},
		{"two sources", []string{"scan", "--demo", "--snapshot", "x.json"}, "cannot be used together"},
		{"demo with certs", []string{"scan", "--demo", "--certs", dir}, "--demo brings its own"},
		{"unknown format", []string{"scan", "--demo", "-o", "docx"}, "appaudit: -o docx: unknown format (want one of table, json, csv, markdown, html, sarif, junit, prometheus)\n"},
		{"a format with no file", []string{"scan", "--demo", "-o", "json="}, "appaudit: -o json=: names no file (write json=report.json, or json for stdout)\n"},
		{"two outputs on stdout", []string{"scan", "--demo", "-o", "json", "-o", "csv"}, "appaudit: only one report can go to stdout (give the others a file: -o json -o csv=report.csv)\n"},
		{"three outputs on stdout", []string{"scan", "--demo", "-o", "table", "-o", "html=r.html", "-o", "json", "-o", "sarif"},
			"appaudit: only one report can go to stdout (give the others a file: -o table -o html=r.html -o json=report.json -o sarif=report.sarif)\n"},
		{"two outputs on stdout and --output-file", []string{"scan", "--demo", "-o", "json", "-o", "csv", "--output-file", "out.json"},
			"appaudit: only one report can go to stdout (give the others a file: -o json -o csv=report.csv)\n"},
		{"missing snapshot", []string{"scan", "--snapshot", filepath.Join(dir, "nope.json")}, "appaudit: --snapshot " + filepath.Join(dir, "nope.json") + ": no such file\n"},
		{"snapshot is a directory", []string{"scan", "--snapshot", dir}, "appaudit: --snapshot " + dir + ": is a directory\n"},
		{"stray argument", []string{"scan", "--demo", "extra"}, "takes no arguments"},
		{"negative days", []string{"scan", "--demo", "--warn-days", "-1"}, "appaudit: --warn-days -1: must not be negative\n"},
		{"missing certs", []string{"scan", "--snapshot", filepath.Join(dir, "nope.json"), "--certs", filepath.Join(dir, "certs")},
			"appaudit: --certs " + filepath.Join(dir, "certs") + ": no such file or folder (check the path)\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, nil, tc.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.HasPrefix(errOut, "appaudit: ") || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
				t.Errorf("stderr %q: want one line mentioning %q", errOut, tc.want)
			}
			if out != "" {
				t.Errorf("stdout not empty on a usage error: %q", out)
			}
		})
	}
}

func TestOutputsToFiles(t *testing.T) {
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "report.json")
	tablePath := filepath.Join(dir, "report.txt")
	code, out, _ := runCLI(t, nil, "scan", "--demo", "-o", "json="+jsonPath, "-o", "table", "--output-file", tablePath)
	if code != exitFindings || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if r := decodeReport(t, string(b)); !r.Complete || len(r.Findings) == 0 {
		t.Errorf("json file: %+v", r)
	}
	if b, err := os.ReadFile(tablePath); err != nil || !strings.Contains(string(b), "cert-expired") {
		t.Errorf("table file: %v %q", err, b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestVersionAndExitCodesHelp(t *testing.T) {
	code, out, _ := runCLI(t, nil, "--version")
	if code != 0 || !strings.HasPrefix(out, "appaudit version ") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	code, out, _ = runCLI(t, nil, "help", "exit-codes")
	if code != 0 || !strings.Contains(out, "the audit is incomplete") {
		t.Errorf("help exit-codes: exit %d, %q", code, out)
	}
}
