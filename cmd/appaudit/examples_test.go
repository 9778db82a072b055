package main

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"github.com/appaudit/appaudit/audit/localfiles"
	"github.com/appaudit/appaudit/reports"
)

const examplesDir = "../../examples"

// readYAML decodes every document of an example file.
func readYAML(t *testing.T, name string) []any {
	t.Helper()
	f, err := os.Open(filepath.Join(examplesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	var docs []any
	for {
		var doc any
		if err := dec.Decode(&doc); err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("%s does not parse as YAML: %v", name, err)
		}
		docs = append(docs, doc)
	}
	return docs
}

// invocations finds every appaudit command line in a YAML document: shell
// lines in string values (run:, script:, inlineScript:) that start with
// appaudit, and container specs whose command is appaudit with args.
func invocations(doc any) [][]string {
	var out [][]string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if cmd, ok := v["command"].([]any); ok && len(cmd) > 0 && isAppaudit(cmd[0]) {
				var args []string
				for _, a := range append(cmd[1:], listOf(v["args"])...) {
					args = append(args, toString(a))
				}
				out = append(out, args)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case string:
			out = append(out, shellInvocations(v)...)
		}
	}
	walk(doc)
	return out
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}

func isAppaudit(v any) bool {
	s, ok := v.(string)
	return ok && path.Base(s) == "appaudit"
}

// shellInvocations reads the appaudit commands of a shell script: lines
// (joined across backslash continuations) whose first word is appaudit or
// a path to it, up to the first shell operator.
func shellInvocations(script string) [][]string {
	script = strings.ReplaceAll(script, "\\\n", " ")
	var out [][]string
	for _, line := range strings.Split(script, "\n") {
		words := shellWords(line)
		// A lone word is a name (name: appaudit), not a command.
		if len(words) < 2 || !isAppaudit(words[0]) {
			continue
		}
		var args []string
		for _, w := range words[1:] {
			if w == "|" || w == "||" || w == "&&" || w == ";" || strings.HasPrefix(w, ">") || strings.HasPrefix(w, "#") {
				break
			}
			args = append(args, w)
		}
		out = append(out, args)
	}
	return out
}

// shellWords splits a line into words the way a shell does for quotes:
// '...' and "..." group, and the quotes go; a command substitution,
// $(...), stays within its word.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	in, quote, depth := false, byte(0), 0
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case depth > 0:
			cur.WriteByte(c)
			if c == '(' {
				depth++
			} else if c == ')' {
				depth--
			}
		case quote == 0 && c == '$' && i+1 < len(line) && line[i+1] == '(':
			cur.WriteString("$(")
			i++
			depth, in = 1, true
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// checkInvocation looks every flag of an appaudit command line up in the
// command tree, and every -o value up in the formats. It returns the flags
// that do not exist, and other problems.
func checkInvocation(root *cobra.Command, args []string) (missing, problems []string) {
	if len(args) == 0 {
		return nil, []string{"appaudit run with no command"}
	}
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == root {
		return nil, []string{"appaudit " + args[0] + ": no such command"}
	}
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if !strings.HasPrefix(a, "-") {
			problems = append(problems, fmt.Sprintf("appaudit %s: stray argument %q", cmd.Name(), a))
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		var f *pflag.Flag
		if strings.HasPrefix(a, "--") {
			f = cmd.Flags().Lookup(name)
			if f == nil {
				f = cmd.InheritedFlags().Lookup(name)
			}
		} else {
			f = cmd.Flags().ShorthandLookup(name)
		}
		if f == nil {
			missing = append(missing, cmd.Name()+" "+a)
			if !hasValue && i+1 < len(rest) && !strings.HasPrefix(rest[i+1], "-") {
				i++ // its value
			}
			continue
		}
		if f.Value.Type() != "bool" && !hasValue {
			if i+1 >= len(rest) {
				problems = append(problems, fmt.Sprintf("appaudit %s %s: no value", cmd.Name(), a))
				continue
			}
			i++
			value = rest[i]
		}
		if f.Name == "output" {
			if _, err := reports.ParseOutputSpec(value); err != nil {
				problems = append(problems, fmt.Sprintf("appaudit %s -o %s: %v", cmd.Name(), value, err))
			}
		}
	}
	return missing, problems
}

// The checker itself finds what it is there to find.
func TestCheckInvocation(t *testing.T) {
	s, _, _ := testStreams("")
	root := newRootCmd(s)
	missing, problems := checkInvocation(root, []string{"scan", "--nope", "x", "-o", "docx", "--fail-on", "high", "--quiet", "-q", "stray"})
	if !slices.Equal(missing, []string{"scan --nope"}) || len(problems) != 2 || !strings.Contains(problems[0], "docx") || !strings.Contains(problems[1], "stray") {
		t.Errorf("missing %v, problems %v", missing, problems)
	}
	if _, problems := checkInvocation(root, []string{"frobnicate"}); len(problems) != 1 {
		t.Errorf("unknown command: %v", problems)
	}
	if m, p := checkInvocation(root, shellInvocations("set +e\n\"$(go env GOPATH)/bin/appaudit\" report \\\n  --from r.json -o html=r.html | tee log\n")[0]); len(m)+len(p) != 0 {
		t.Errorf("a good command line: %v %v", m, p)
	}
}

// Every example parses, holds the structure its platform needs, and runs
// appaudit only with commands, flags and formats appaudit has.
func TestExamples(t *testing.T) {
	s, _, _ := testStreams("")
	root := newRootCmd(s)
	files := map[string][]any{}
	entries, err := os.ReadDir(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, e := range entries {
		name := e.Name()
		if ext := filepath.Ext(name); ext != ".yml" && ext != ".yaml" {
			continue
		}
		docs := readYAML(t, name)
		files[name] = docs
		if name == "appaudit-ignore.yaml" {
			continue
		}
		n := 0
		for _, doc := range docs {
			for _, inv := range invocations(doc) {
				n++
				m, problems := checkInvocation(root, inv)
				missing = append(missing, m...)
				for _, p := range problems {
					t.Errorf("%s: %s", name, p)
				}
			}
		}
		if n == 0 {
			t.Errorf("%s runs no appaudit command", name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		t.Errorf("the examples use flags appaudit does not have: %s", strings.Join(slices.Compact(missing), ", "))
	}

	gha := docMap(t, files["github-actions.yml"], 0)
	if cron := dig(gha, "on", "schedule", 0, "cron"); cron == nil {
		t.Error("github-actions.yml: no nightly schedule")
	}
	if dig(gha, "permissions", "id-token") != "write" || dig(gha, "permissions", "security-events") != "write" {
		t.Error("github-actions.yml: needs id-token: write (OIDC) and security-events: write (SARIF upload)")
	}
	var uses []string
	for _, step := range listOf(dig(gha, "jobs", "audit", "steps")) {
		if u, ok := step.(map[string]any)["uses"].(string); ok {
			uses = append(uses, u)
			if strings.HasPrefix(u, "azure/login") {
				with, _ := step.(map[string]any)["with"].(map[string]any)
				if with["client-id"] == nil || with["creds"] != nil || with["client-secret"] != nil {
					t.Errorf("github-actions.yml: azure/login must use federation (client-id, no secret): %v", with)
				}
			}
		}
	}
	for _, want := range []string{"azure/login@", "github/codeql-action/upload-sarif@"} {
		if !slices.ContainsFunc(uses, func(u string) bool { return strings.HasPrefix(u, want) }) {
			t.Errorf("github-actions.yml does not use %s", want)
		}
	}

	ado := docMap(t, files["azure-pipelines.yml"], 0)
	if dig(ado, "schedules", 0, "cron") == nil {
		t.Error("azure-pipelines.yml: no schedule")
	}

	var sa, cron map[string]any
	for i := range files["kubernetes-cronjob.yaml"] {
		d := docMap(t, files["kubernetes-cronjob.yaml"], i)
		switch d["kind"] {
		case "ServiceAccount":
			sa = d
		case "CronJob":
			cron = d
		}
	}
	if sa == nil || dig(sa, "metadata", "annotations", "azure.workload.identity/client-id") == nil {
		t.Error("kubernetes-cronjob.yaml: no service account with azure.workload.identity/client-id")
	}
	if cron == nil || cron["apiVersion"] != "batch/v1" || dig(cron, "spec", "schedule") == nil ||
		dig(cron, "spec", "jobTemplate", "spec", "template", "metadata", "labels", "azure.workload.identity/use") != "true" ||
		dig(cron, "spec", "jobTemplate", "spec", "template", "spec", "serviceAccountName") != dig(sa, "metadata", "name") {
		t.Error("kubernetes-cronjob.yaml: a batch/v1 CronJob whose pods use workload identity through the service account")
	}

	if _, err := localfiles.LoadSuppressions(filepath.Join(examplesDir, "appaudit-ignore.yaml")); err != nil {
		t.Errorf("the example suppression file: %v", err)
	}
}

func docMap(t *testing.T, docs []any, i int) map[string]any {
	t.Helper()
	if i >= len(docs) {
		t.Fatalf("document %d missing", i)
	}
	m, ok := docs[i].(map[string]any)
	if !ok {
		t.Fatalf("document %d is not a mapping", i)
	}
	return m
}

// dig follows keys (strings) and indexes (ints) into decoded YAML.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// Every appaudit command line in the shell blocks of the README and of
// docs/ uses commands, flags and formats appaudit has. (Arguments that
// are not flags are the commands' own: explain's codes.)
func TestDocumentedCommands(t *testing.T) {
	s, _, _ := testStreams("")
	root := newRootCmd(s)
	files, _ := filepath.Glob("../../docs/*.md")
	files = append(files, "../../README.md")
	n := 0
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, block := range shellBlocks(string(b)) {
			for _, args := range shellInvocations(block) {
				n++
				args = slices.DeleteFunc(args, func(a string) bool { return a == "..." }) // a placeholder
				if len(args) == 1 && strings.HasPrefix(args[0], "-") {
					// cobra adds --version at run time, when Version is set.
					if f := strings.TrimLeft(args[0], "-"); root.Flags().Lookup(f) == nil && !(f == "version" && root.Version != "") {
						t.Errorf("%s: appaudit %s: no such flag", filepath.Base(name), args[0])
					}
					continue
				}
				missing, problems := checkInvocation(root, args)
				for _, p := range problems {
					if !strings.Contains(p, "stray argument") || !positional(root, args) {
						t.Errorf("%s: %s", filepath.Base(name), p)
					}
				}
				for _, m := range missing {
					t.Errorf("%s: appaudit %s: no such flag", filepath.Base(name), m)
				}
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d appaudit command lines found in the docs", n)
	}
}

// shellBlocks are the fenced sh, bash and shell blocks of a Markdown text.
func shellBlocks(md string) []string {
	var out []string
	var cur []string
	in := false
	for _, line := range strings.Split(md, "\n") {
		switch {
		case !in && (line == "```sh" || line == "```bash" || line == "```shell"):
			in, cur = true, nil
		case in && line == "```":
			in = false
			out = append(out, strings.Join(cur, "\n"))
		case in:
			cur = append(cur, line)
		}
	}
	return out
}

// positional reports whether the command args name takes arguments that
// are not flags.
func positional(root *cobra.Command, args []string) bool {
	cmd, _, err := root.Find(args)
	return err == nil && cmd.Args != nil && cmd.Args(cmd, []string{"x"}) == nil
}
