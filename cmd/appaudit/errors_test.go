package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
	"github.com/appaudit/appaudit/reports"
)

// Errors name the flag and the file or value, never the package that
// found the problem: the typed errors of audit, localfiles, graphclient,
// doctor and reports carry what the message needs. Each is one line, the
// whole of stderr, and the exit code is the reason's.
func TestErrorsNameTheFlag(t *testing.T) {
	dir := offlineTenant(t)
	snap := filepath.Join(dir, "tenant.json")
	bad := t.TempDir()
	write(t, filepath.Join(bad, "broken.json"), []byte(`{"value": [ {"appId": "x", "displayName": }`))
	write(t, filepath.Join(bad, "bad-row.csv"), []byte("app,thumbprint\nPayroll,not-a-thumbprint\n"))
	write(t, filepath.Join(bad, "ignore.yaml"), []byte("- app: Billing\n  expires: 2026-06-30\n"))
	// A report on another tenant, for --baseline.
	other := filepath.Join(bad, "other.json")
	if code, _, errOut := runCLI(t, nil, "scan", "--demo", "--fail-on", "none", "-o", "json="+other); code != exitOK {
		t.Fatalf("the demo's report: exit %d, %s", code, errOut)
	}
	sarifFile := filepath.Join(bad, "results.sarif")
	if code, _, errOut := runCLI(t, nil, "scan", "--demo", "--fail-on", "none", "-o", "sarif="+sarifFile); code != exitOK {
		t.Fatalf("the demo's SARIF: exit %d, %s", code, errOut)
	}
	tenantID := graphclientTenant(t, snap)
	const hintReport = "report --from and --baseline read the report written with -o json=FILE"
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // the whole of stderr
	}{
		{"malformed snapshot", []string{"scan", "--snapshot", filepath.Join(bad, "broken.json")}, exitUsage,
			"appaudit: --snapshot " + filepath.Join(bad, "broken.json") + ":1:43: value[0] (appId x): not valid JSON: invalid character '}' looking for beginning of value (the file is not valid JSON from here on: was it edited by hand, or cut short?)\n"},
		{"bad mapping row", []string{"scan", "--snapshot", snap, "--deployed", filepath.Join(bad, "bad-row.csv")}, exitUsage,
			"appaudit: --deployed " + filepath.Join(bad, "bad-row.csv") + `:2: thumbprint: not a certificate thumbprint: "not-a-thumbprint" decodes to 12 bytes, but a SHA-1 thumbprint is 20 bytes and a SHA-256 one 32 (write the SHA-1 or SHA-256 thumbprint in hex, as the portal shows it, or an x5t / x5t#S256 value)` + "\n"},
		{"suppression without a reason", []string{"scan", "--snapshot", snap, "--ignore", filepath.Join(bad, "ignore.yaml")}, exitUsage,
			"appaudit: --ignore " + filepath.Join(bad, "ignore.yaml") + ":1: the suppression has no reason (say why the findings are accepted, for the people who review suppressions)\n"},
		{"baseline of another tenant", []string{"scan", "--snapshot", snap, "--baseline", other}, exitUsage,
			"appaudit: --baseline " + other + ": a report on tenant d3m0d3m0-0000-4000-8000-00000000c0de, not on " + tenantID + " (give a baseline of the same tenant)\n"},
		{"a snapshot as the report", []string{"report", "--from", snap}, exitUsage,
			"appaudit: --from " + snap + ": an appaudit snapshot, not a report (scan --snapshot reads it; " + hintReport + ")\n"},
		{"a SARIF file as the baseline", []string{"scan", "--snapshot", snap, "--baseline", sarifFile}, exitUsage,
			"appaudit: --baseline " + sarifFile + ": a SARIF file, not the JSON report (" + hintReport + ", and write SARIF from it)\n"},
		{"unknown sign-in mode", []string{"snapshot", "--out", filepath.Join(bad, "t.json"), "--auth", "password"}, exitUsage,
			"appaudit: --auth password: unknown sign-in mode (want one of default, client-secret, client-certificate, managed-identity, workload-identity, azure-cli, device-code, token)\n"},
		{"no token", []string{"snapshot", "--out", filepath.Join(bad, "t.json"), "--auth", "token"}, exitUsage,
			"appaudit: --auth token: needs an access token in APPAUDIT_ACCESS_TOKEN (for example from `az account get-access-token --resource-type ms-graph --query accessToken -o tsv`)\n"},
		{"a Graph URL of another cloud", []string{"scan", "--graph-url", "https://graph.microsoft.us"}, exitUsage,
			"appaudit: --graph-url graph.microsoft.us: is the usgov cloud's Microsoft Graph, but the cloud is public, and tokens do not cross clouds (choose the usgov cloud)\n"},
		{"--old neither file nor thumbprint", []string{"preflight", "--snapshot", snap, "--app", "Payroll", "--cert", filepath.Join(dir, "certs", "payroll.pem"), "--old", "nothing"}, exitUsage,
			"appaudit: --old nothing: neither a certificate file nor a thumbprint (give a file, or a SHA-1 or SHA-256 thumbprint in hex, or an x5t value)\n"},
		{"report to a directory", []string{"scan", "--demo", "-o", "html=" + bad}, exitOutput,
			"appaudit: -o html=" + bad + ": is a directory\n"},
		{"report in a directory that is not there", []string{"scan", "--demo", "-o", "json=" + filepath.Join(bad, "no", "r.json")}, exitOutput,
			"appaudit: -o json=" + filepath.Join(bad, "no", "r.json") + ": no such directory " + filepath.Join(bad, "no") + "\n"},
		{"--output-file in a file", []string{"scan", "--demo", "-o", "json", "--output-file", filepath.Join(snap, "r.json")}, exitOutput,
			"appaudit: --output-file " + filepath.Join(snap, "r.json") + ": " + snap + " is not a directory\n"},
		{"snapshot to a directory", []string{"snapshot", "--auth", "azure-cli", "--out", bad}, exitOutput,
			"appaudit: --out " + bad + ": is a directory\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, nil, tc.args...)
			if code != tc.code || out != "" || errOut != tc.want {
				t.Errorf("exit %d, stdout %q\nstderr %q\nwant exit %d and %q", code, out, errOut, tc.code, tc.want)
			}
			if p := packagePrefix.FindString(errOut); p != "" {
				t.Errorf("stderr names a package (%q)", p)
			}
		})
	}
}

// packagePrefix is the prefix of an error of one of appaudit's packages.
var packagePrefix = regexp.MustCompile(`\b(audit|localfiles|graphclient|reports|doctor): `)

// graphclientTenant is the tenant ID of a snapshot file.
func graphclientTenant(t *testing.T, path string) string {
	t.Helper()
	tn, err := graphclient.ReadSnapshotFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return tn.TenantID
}

// Cobra's suggestion for a mistyped command, one line of text.
func TestUnknownCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"scna"}, `appaudit: unknown command "scna"; did you mean scan? (appaudit --help lists the commands)` + "\n"},
		{[]string{"docter", "--demo"}, `appaudit: unknown command "docter"; did you mean doctor? (appaudit --help lists the commands)` + "\n"},
		{[]string{"frobnicate", "--demo"}, `appaudit: unknown command "frobnicate" (appaudit --help lists the commands)` + "\n"},
		{[]string{"scan\x1b[2J"}, `appaudit: unknown command "scan\x1b[2J" (appaudit --help lists the commands)` + "\n"},
	} {
		code, out, errOut := runCLI(t, nil, tc.args...)
		if code != exitUsage || out != "" || errOut != tc.want {
			t.Errorf("%q: exit %d, stdout %q, stderr %q\nwant exit 2 and %q", tc.args, code, out, errOut, tc.want)
		}
	}
	// The commands cobra adds itself are still found.
	for _, args := range [][]string{{"help", "exit-codes"}, {"completion", "bash"}, {"__complete", "sc"}} {
		if code, out, errOut := runCLI(t, nil, args...); code != exitOK || out == "" {
			t.Errorf("%q: exit %d, stdout %.80q, stderr %q", args, code, out, errOut)
		}
	}
}

// failingWriter fails every write as a full disk does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.ENOSPC}
}

// A report that cannot be written exits 4, whether it goes to stdout or
// to a file, after every other report is written; an output failure is
// never a usage error, and an incomplete audit says so too.
func TestOutputFailureExits4(t *testing.T) {
	s, out, errOut := testStreams("")
	s.Out = failingWriter{}
	if code := run(context.Background(), []string{"scan", "--demo", "-o", "json", "--quiet"}, s); code != exitOutput ||
		errOut.String() != "appaudit: -o json: writing to stdout: no space left on device\n" || out.Len() != 0 {
		t.Errorf("stdout full: exit %d, stderr %q", code, errOut)
	}

	// A disk that is full: /dev/full is written to as it is, never
	// replaced, and the next report is still written.
	if fi, err := os.Stat("/dev/full"); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		html := filepath.Join(t.TempDir(), "r.html")
		code, _, errOut := runCLI(t, nil, "scan", "--demo", "-q", "-o", "json=/dev/full", "-o", "html="+html)
		if code != exitOutput || errOut != "appaudit: -o json=/dev/full: no space left on device\n" {
			t.Errorf("disk full: exit %d, stderr %q", code, errOut)
		}
		if fi, err := os.Stat(html); err != nil || fi.Size() == 0 {
			t.Errorf("the report after the one that failed: %v", err)
		}
		if fi, err := os.Stat("/dev/full"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
			t.Fatalf("/dev/full is no longer a device: %v", err)
		}
	}

	// A file that cannot be written once the audit has run (the path
	// became a directory after the flags were checked), and an
	// incomplete audit: both lines, and exit 4 wins over 3.
	dir := t.TempDir()
	s, _, errOut = testStreams("")
	p := &policyOptions{failOn: audit.SeverityHigh, minSeverity: audit.SeverityInfo}
	r := audit.NewResult("scan", audittest.Tenant(), audit.DefaultPolicy(), audittest.Now())
	r.Complete, r.Incomplete = false, "listing applications stopped at page 2"
	json, _ := reports.Lookup("json")
	outs := []output{{OutputSpec: reports.OutputSpec{Format: json, Path: dir}, flag: "-o", value: "json=" + dir}}
	err := finish(s, outs, p, true, r)
	if code := exitCode(err); code != exitOutput {
		t.Errorf("exit %d, want 4", code)
	}
	var lines []string
	for _, e := range errorList(err) {
		lines = append(lines, e.Error())
	}
	want := []string{"-o json=" + dir + ": is a directory", "audit incomplete: listing applications stopped at page 2"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") || errOut.Len() != 0 {
		t.Errorf("errors %q\nwant %q (and nothing on stderr with --quiet: %q)", lines, want, errOut)
	}
	var ce *cmdError
	if !errors.As(errorList(err)[0], &ce) || ce.Reason != reasonOutput || ce.Flag != "-o" {
		t.Errorf("the output failure is %#v", errorList(err)[0])
	}
}

// A snapshot that cannot be written is found before Graph is read.
func TestSnapshotOutputCheckedFirst(t *testing.T) {
	srv := serve(t, demoSnapshot(t), graphtest.Options{})
	dir := t.TempDir()
	code, _, errOut := runCLI(t, tokenEnv, "snapshot", "--auth", "token", "--graph-url", srv.URL, "--out", dir)
	if code != exitOutput || errOut != "appaudit: --out "+dir+": is a directory\n" || len(srv.Requests()) != 0 {
		t.Errorf("exit %d, stderr %q, %d requests", code, errOut, len(srv.Requests()))
	}
}

// When every report goes to a file, stderr says what was found and why
// the command exits as it does; not with --quiet, and not when a report
// goes to stdout.
func TestSummaryWhenEveryReportGoesToAFile(t *testing.T) {
	dir := offlineTenant(t)
	report := filepath.Join(t.TempDir(), "report.json")
	unknownApp := `appaudit: warning: ` + filepath.Join(dir, "deployed.csv") + `:4: no application or service principal has the appId or display name "Retired"; the row was not checked` + "\n"
	for _, tc := range []struct {
		name  string
		extra []string
		code  int
		want  string
	}{
		{"findings", []string{"-o", "json=" + report}, exitFindings, unknownApp +
			"appaudit: 2 findings: 1 critical, 1 high; report written to " + report + "\n" +
			"appaudit: exit 1: 2 findings at or above --fail-on high\n"},
		{"two reports, nothing at the threshold", []string{"-o", "json=" + report, "-o", "csv=" + report + ".csv", "--fail-on", "critical", "--min-severity", "critical"}, exitFindings, unknownApp +
			"appaudit: 2 findings: 1 critical, 1 high (1 below --min-severity not shown); 2 reports written\n" +
			"appaudit: exit 1: 1 finding at or above --fail-on critical\n"},
		{"suppressed", []string{"-o", "json=" + report, "--fail-on", "none"}, exitOK, unknownApp +
			"appaudit: 2 findings: 1 critical, 1 high; report written to " + report + "\n" +
			"appaudit: exit 0: --fail-on none\n"},
		{"quiet", []string{"-o", "json=" + report, "--quiet"}, exitFindings, ""},
		{"a report on stdout", []string{"-o", "json=" + report, "-o", "csv"}, exitFindings, unknownApp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := scanOffline(t, dir, tc.extra...)
			if code != tc.code || errOut != tc.want {
				t.Errorf("exit %d, stderr\n%s\nwant exit %d and\n%s", code, errOut, tc.code, tc.want)
			}
		})
	}
	// Below the threshold, once the Billing findings are accepted.
	ignore := filepath.Join(t.TempDir(), "ignore.yaml")
	write(t, ignore, []byte("- app: Billing\n  reason: being retired\n  expires: 2099-06-30\n"))
	code, _, errOut := scanOffline(t, dir, "-o", "json="+report, "--ignore", ignore)
	if want := unknownApp + "appaudit: 0 findings (2 suppressed by 1 --ignore entry); report written to " + report + "\n" +
		"appaudit: exit 0: nothing at or above --fail-on high\n"; code != exitOK || withoutUnexamined(errOut) != want {
		t.Errorf("exit %d, stderr\n%s\nwant\n%s", code, errOut, want)
	}
}

// --certs naming a folder without certificates warns, from localfiles.
func TestCertsFolderWithoutCertificates(t *testing.T) {
	dir := offlineTenant(t)
	empty := filepath.Join(t.TempDir(), "certs")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, nil, "scan", "--snapshot", filepath.Join(dir, "tenant.json"), "--certs", empty, "-o", "json", "--fail-on", "none")
	if want := "appaudit: warning: " + empty + ": no file in the folder: no local certificate was read from it\n"; code != exitOK || withoutUnexamined(errOut) != want {
		t.Errorf("exit %d, stderr %q\nwant %q", code, errOut, want)
	}
}

// Of the errors a command joins, the exit code is the one first in
// 2, 4, 3, 1; an error cobra makes itself is a usage error.
func TestExitCodePrecedence(t *testing.T) {
	output := &cmdError{Reason: reasonOutput, Detail: "x"}
	incomplete := incompleteErr("y")
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{silentExit(exitFindings), exitFindings},
		{incomplete, exitIncomplete},
		{errors.Join(incomplete, output), exitOutput},
		{errors.Join(output, &cmdError{Reason: reasonInput}), exitUsage},
		{errors.Join(errors.Join(output), silentExit(exitFindings)), exitOutput},
		{errors.New("unknown flag: --nope"), exitUsage},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("%v: exit %d, want %d", tc.err, got, tc.want)
		}
	}
}

// Every exit code is documented where users look it up: appaudit help
// exit-codes, the README's table, and the examples that branch on it.
func TestExitCodesAreDocumented(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(b), "\n## Exit codes\n")
	table, _, _ = strings.Cut(table, "\n## ")
	for _, code := range exitPrecedence {
		n := strconv.Itoa(code)
		if !regexp.MustCompile(`(?m)^  ` + n + `  \S`).MatchString(exitCodesHelp) {
			t.Errorf("appaudit help exit-codes does not explain %d", code)
		}
		if !strings.Contains(table, "\n| "+n+" | ") {
			t.Errorf("the README's exit code table has no row for %d", code)
		}
	}
	for _, name := range []string{"github-actions.yml", "azure-pipelines.yml", "kubernetes-cronjob.yaml"} {
		b, err := os.ReadFile(filepath.Join(examplesDir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range exitPrecedence {
			if n := strconv.Itoa(code); code != exitOK && !strings.Contains(string(b), " "+n+": ") && !strings.Contains(string(b), "("+n+")") {
				t.Errorf("%s does not say what exit %d means", name, code)
			}
		}
	}
	code, out, _ := runCLI(t, nil, "help", "exit-codes")
	if code != exitOK || !strings.Contains(out, exitCodesHelp) {
		t.Errorf("help exit-codes: exit %d, %q", code, out)
	}
}
