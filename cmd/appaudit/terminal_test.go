package main

import (
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

// The scan's table keeps to the width, and with --wide its findings are
// whole.
func TestOutputFollowsTheWidth(t *testing.T) {
	for _, width := range []string{"", "60", "120"} {
		_, out, _ := runCLI(t, []string{"COLUMNS=" + width}, "scan", "--demo")
		limit := map[string]int{"": 80, "60": 60, "120": 120}[width]
		if n, line := widest(out); n > limit {
			t.Errorf("scan --demo at COLUMNS=%q: a line of %d columns: %q", width, n, line)
		}
	}
	_, narrow, _ := runCLI(t, nil, "scan", "--demo")
	_, table, _ := runCLI(t, []string{"COLUMNS=120"}, "scan", "--demo")
	_, wide, _ := runCLI(t, []string{"COLUMNS=120"}, "scan", "--demo", "--wide")
	if strings.Contains(narrow, "SEVERITY  CHECK") || !strings.Contains(table, "  SEVERITY  CHECK") {
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
