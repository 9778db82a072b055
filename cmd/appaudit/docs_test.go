package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/appaudit/appaudit/audit"
)

var update = flag.Bool("update", false, "rewrite the generated sections of README.md")

// The README's check catalogue, flag reference and examples of the table
// report are generated from the code (the examples by running the demo,
// which is the same for a given day), so they cannot drift: this test
// fails when they differ, and
// `go test ./cmd/appaudit -run TestReadmeIsGenerated -update` rewrites them.
func TestReadmeIsGenerated(t *testing.T) {
	const path = "../../README.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, _, _ := testStreams("")
	readme := string(b)
	for _, sec := range []struct{ name, body string }{
		{"checks", catalogueMarkdown()},
		{"aadsts", aadstsMarkdown()},
		{"flags", flagsMarkdown(newRootCmd(s))},
		{"demo-table", demoTableMarkdown(t)},
		{"doctor-verdict", doctorVerdictMarkdown(t)},
	} {
		re := regexp.MustCompile(`(?s)(<!-- generated:` + sec.name + ` -->\n).*?(<!-- end:` + sec.name + ` -->)`)
		if !re.MatchString(readme) {
			t.Fatalf("README.md has no <!-- generated:%s --> ... <!-- end:%s --> section", sec.name, sec.name)
		}
		readme = re.ReplaceAllLiteralString(readme, "<!-- generated:"+sec.name+" -->\n"+sec.body+"<!-- end:"+sec.name+" -->")
	}
	if readme == string(b) {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Error("README.md's generated sections are out of date: run go test ./cmd/appaudit -run TestReadmeIsGenerated -update")
}

// readmeDemoDay is the day the README's examples are made as of.
const readmeDemoDay = "2026-06-15"

// demoTableMarkdown is the start of `appaudit scan --demo` at 80 columns:
// the header, the verdict, the counts and the first two apps' findings.
func demoTableMarkdown(t *testing.T) string {
	args := []string{"scan", "--demo", "--as-of", readmeDemoDay}
	_, out, _ := runCLI(t, nil, args...)
	blocks := strings.Split(out, "\n\n")
	if len(blocks) < 7 {
		t.Fatalf("appaudit %s printed:\n%s", strings.Join(args, " "), out)
	}
	return "```text\n$ appaudit " + strings.Join(args, " ") + "\n" + strings.Join(blocks[:6], "\n\n") + "\n\n...\n```\n"
}

// doctorVerdictMarkdown is the verdict of the second case of
// `appaudit doctor --demo`.
func doctorVerdictMarkdown(t *testing.T) string {
	_, out, _ := runCLI(t, nil, "doctor", "--demo", "--as-of", readmeDemoDay)
	_, second, _ := strings.Cut(out, "Demo 2 of 7")
	i := strings.Index(second, "\nVerdict: ")
	if i < 0 {
		t.Fatalf("no verdict in the second demo case:\n%s", out)
	}
	verdict, _, _ := strings.Cut(second[i+1:], "\n\n")
	return "```text\n" + verdict + "\n```\n"
}

func catalogueMarkdown() string {
	var b strings.Builder
	b.WriteString("| check | severity | command | AADSTS | fires when |\n|---|---|---|---|---|\n")
	for _, c := range audit.Checks() {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", c.ID, c.Severity, c.Command, strings.Join(c.AADSTS, ", "), mdCell(c.Description))
	}
	return b.String()
}

func aadstsMarkdown() string {
	var b strings.Builder
	b.WriteString("| code | meaning | checks that detect a cause |\n|---|---|---|\n")
	for _, c := range audit.AADSTSCodes() {
		var ids []string
		for _, ch := range audit.ChecksFor(c.Code) {
			ids = append(ids, "`"+ch.ID+"`")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.Code, mdCell(c.Meaning), strings.Join(ids, ", "))
	}
	return b.String()
}

func flagsMarkdown(root *cobra.Command) string {
	var b strings.Builder
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			return
		}
		if c.Runnable() && c != root && c.HasAvailableLocalFlags() {
			fmt.Fprintf(&b, "#### `%s`\n\n%s\n\n| flag | default | meaning |\n|---|---|---|\n", c.CommandPath(), c.Short)
			c.LocalFlags().VisitAll(func(f *pflag.Flag) {
				if f.Hidden || f.Name == "help" {
					return
				}
				name := "`--" + f.Name + "`"
				if f.Shorthand != "" {
					name = "`-" + f.Shorthand + "`, " + name
				}
				def := f.DefValue
				if def == "[]" || def == "false" || def == "" {
					def = ""
				} else {
					def = "`" + strings.Trim(def, "[]") + "`"
				}
				_, usage := pflag.UnquoteUsage(f)
				fmt.Fprintf(&b, "| %s | %s | %s |\n", name, def, mdCell(usage))
			})
			b.WriteString("\n")
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return b.String()
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
