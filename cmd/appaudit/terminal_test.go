package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/clipperhouse/displaywidth"
)

// The width appaudit lays out to: COLUMNS, else the terminal's, else 80.
func TestWidth(t *testing.T) {
	for _, tc := range []struct {
		name    string
		columns string
		term    int
		want    int
	}{
		{"neither", "", 0, 80},
		{"a terminal", "", 132, 132},
		{"COLUMNS", "100", 0, 100},
		{"COLUMNS over the terminal", "90", 132, 90},
		{"COLUMNS not a number", "wide", 132, 132},
		{"COLUMNS zero", "0", 0, 80},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _, _ := testStreams("", "COLUMNS="+tc.columns)
			if tc.term > 0 {
				s.OutWidth = func() int { return tc.term }
			}
			if got := s.width(); got != tc.want {
				t.Errorf("width %d, want %d", got, tc.want)
			}
		})
	}
}

// widest is the widest line of out, in columns, but for a verdict's
// exact values ("  x5t#S256               VALUE"), which are never wrapped
// so that they can be copied.
func widest(out string) (int, string) {
	n, widest := 0, ""
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 2 && strings.HasPrefix(line, "  "+f[0]+" ") && len(f[1]) > 20 {
			continue
		}
		if w := displaywidth.String(line); w > n {
			n, widest = w, line
		}
	}
	return n, widest
}

// Every command's default output keeps to the width: the scan, the
// doctor's and preflight's demos, and with --wide the findings are whole.
func TestOutputFollowsTheWidth(t *testing.T) {
	for _, args := range [][]string{{"scan", "--demo"}, {"doctor", "--demo"}, {"preflight", "--demo"}} {
		for _, width := range []string{"", "60", "120"} {
			_, out, _ := runCLI(t, []string{"COLUMNS=" + width}, args...)
			limit := map[string]int{"": 80, "60": 60, "120": 120}[width]
			n, line := widest(out)
			if n > limit {
				t.Errorf("%s at COLUMNS=%q: a line of %d columns: %q", strings.Join(args, " "), width, n, line)
			}
		}
	}
	_, narrow, _ := runCLI(t, nil, "scan", "--demo")
	_, table, _ := runCLI(t, []string{"COLUMNS=120"}, "scan", "--demo")
	_, wide, _ := runCLI(t, []string{"COLUMNS=120"}, "scan", "--demo", "--wide")
	if strings.Contains(narrow, "| SEVERITY | CHECK ") || !strings.Contains(table, "\n| SEVERITY | CHECK ") {
		t.Error("not stacked at 80 columns, or not a table at 120")
	}
	if n, _ := widest(wide); n <= 120 {
		t.Errorf("--wide kept to %d columns", n)
	}
	if !strings.Contains(table, "…") || strings.Contains(wide, "…") {
		t.Error("the table at 120 columns cuts no message, or --wide cuts one")
	}
}

// --help and the usage keep to the width too.
func TestHelpFollowsTheWidth(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"scan", "--help"}, {"doctor", "--help"}, {"preflight", "--help"}, {"report", "--help"},
		{"snapshot", "--help"}, {"explain", "--help"}, {"help", "exit-codes"}} {
		for _, width := range []int{60, 80, 100} {
			code, out, _ := runCLI(t, []string{"COLUMNS=" + strconv.Itoa(width)}, args...)
			if code != exitOK || !strings.Contains(out, "appaudit") {
				t.Fatalf("%v: exit %d\n%s", args, code, out)
			}
			if n, line := widest(out); n > width {
				t.Errorf("%s at %d columns: a line of %d: %q", strings.Join(args, " "), width, n, line)
			}
		}
	}
	// An example longer than a line is continued, still a command line.
	_, out, _ := runCLI(t, []string{"COLUMNS=80"}, "preflight", "--help")
	if !strings.Contains(out, "  appaudit preflight --snapshot tenant.json \\\n      --app 00000000-0000-4000-a000-000000000001") {
		t.Errorf("the long example is not continued:\n%s", out)
	}
	// A flag's description wraps beside it.
	if !strings.Contains(out, "      --old FILE                the certificate the deployment signs with today:\n"+
		"                                a FILE, or its thumbprint\n") {
		t.Errorf("flag descriptions are not laid out in a column:\n%s", out)
	}
}

// The demo is the same all day, so a run can be the baseline of another:
// nothing new, nothing resolved.
func TestScanDemoBaseline(t *testing.T) {
	base := filepath.Join(t.TempDir(), "baseline.json")
	if code, _, errOut := runCLI(t, nil, "scan", "--demo", "--as-of", "2026-06-15T00:30:00Z", "-o", "json="+base, "-q"); code != exitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, out, errOut := runCLI(t, nil, "scan", "--demo", "--as-of", "2026-06-15T23:30:00Z", "--baseline", base, "-o", "json")
	if code != exitOK {
		t.Errorf("exit %d, want 0: nothing is new\n%s", code, errOut)
	}
	type report struct {
		Findings []json.RawMessage `json:"findings"`
		Summary  struct {
			Baseline struct{ New, Unchanged, Resolved int } `json:"baseline"`
		} `json:"summary"`
	}
	var first, r report
	b, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &first); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if b := r.Summary.Baseline; b.New != 0 || b.Resolved != 0 || b.Unchanged != len(first.Findings) || len(first.Findings) == 0 || len(r.Findings) != 0 {
		t.Errorf("the same day's demo against its baseline of %d findings: %+v, %d findings", len(first.Findings), b, len(r.Findings))
	}
}

// preflight --demo checks the built-in rotations as doctor --demo
// diagnoses its sign-ins: on stdout, one report each.
func TestPreflightDemo(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "preflight", "--demo")
	if code != exitFindings {
		t.Errorf("exit %d, want 1 (most demo switches are not safe)\nstderr: %s", code, errOut)
	}
	for _, want := range []string{"Demo 1 of 5", "Demo 5 of 5", "Verdict: safe to switch", "preflight-not-yet-valid",
		"preflight-not-registered", "preflight-wrong-usage", "preflight-key-mismatch", "x5t#S256   "} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q", want)
		}
	}
	code, out, _ = runCLI(t, nil, "preflight", "--demo", "-o", "json", "--fail-on", "none")
	if code != exitOK {
		t.Errorf("--fail-on none: exit %d", code)
	}
	var commands []string
	for dec := json.NewDecoder(strings.NewReader(out)); dec.More(); {
		var doc struct {
			Command string `json:"command"`
		}
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("document %d: %v", len(commands)+1, err)
		}
		commands = append(commands, doc.Command)
	}
	if strings.Join(commands, " ") != strings.TrimSpace(strings.Repeat("preflight ", 5)) {
		t.Errorf("JSON documents of %q, want 5 of preflight", commands)
	}
}

// The binary links no test helper of this module: the demo builds its
// certificates without audit/audittest, and nothing reaches graphtest.
func TestBinaryLinksNoTestHelpers(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on the PATH")
	}
	out, err := exec.Command(gobin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	module := 0
	for _, pkg := range strings.Fields(string(out)) {
		if !strings.HasPrefix(pkg, "github.com/appaudit/appaudit/") {
			continue
		}
		module++
		if strings.HasSuffix(path.Base(pkg), "test") {
			t.Errorf("appaudit links %s", pkg)
		}
	}
	if module < 5 {
		t.Errorf("go list found %d packages of the module: %s", module, out)
	}
}
