package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/reports"
)

// explainOptions are the arguments of `appaudit explain`.
type explainOptions struct {
	// Topic is a check ID or an AADSTS code; empty lists them all.
	Topic string
}

func newExplainCmd(s *streams, runF func(*explainOptions) error) *cobra.Command {
	opts := &explainOptions{}
	cmd := &cobra.Command{
		Use:   "explain [CODE|CHECK]",
		Short: "Explain an AADSTS sign-in error or a check, offline",
		Long: `Say what an AADSTS code (AADSTS700027, 700027, or AADSTS700027: as it is
copied out of an error) or a check ID (cert-expired,
assertion-thumbprint-encoding, ...) means: for a code, its usual causes,
what the wordings Entra gives it mean, the fix and the checks that detect
it; for a check, when it fires, what to do and the sign-in errors it
predicts. Without an argument, list every check and code. Nothing is read
from the network.`,
		Example: `  appaudit explain AADSTS700027
  appaudit explain 7000274
  appaudit explain assertion-thumbprint-encoding
  appaudit explain`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErr("explain takes one code or check ID, got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Topic = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return explainRun(s, opts)
		},
	}
	return cmd
}

func explainRun(s *streams, opts *explainOptions) error {
	topic := strings.TrimSpace(opts.Topic)
	if topic == "" {
		explainAll(s.Out)
		return nil
	}
	if c, ok := audit.LookupCheck(strings.ToLower(topic)); ok {
		explainCheck(s.Out, c)
		return nil
	}
	if code, ok := audit.NormalizeAADSTS(topic); ok {
		if c, ok := audit.LookupAADSTS(code); ok {
			explainCode(s.Out, c)
			return nil
		}
		return usageErr("explain: appaudit does not know %s%s; Microsoft's page for it is https://login.microsoftonline.com/error?code=%s",
			code, didYouMean(closeCodes(code)), strings.TrimPrefix(code, "AADSTS"))
	}
	return usageErr("explain: %q is neither a check ID nor an AADSTS code%s; appaudit explain lists them all", topic, didYouMean(closeChecks(topic)))
}

func didYouMean(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return " (did you mean " + joinOr(names) + "?)"
}

// joinOr is "a", "a or b", "a, b or c".
func joinOr(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// closeChecks are the check IDs within a few edits of s, or containing it,
// closest first.
func closeChecks(s string) []string {
	s = strings.ToLower(s)
	var ids []string
	for _, c := range audit.Checks() {
		ids = append(ids, c.ID)
	}
	return closest(s, ids, 3, func(id string) bool { return len(s) >= 4 && strings.Contains(id, s) })
}

// closeCodes are the known codes that differ from code by a digit or two.
func closeCodes(code string) []string {
	var codes []string
	for _, c := range audit.AADSTSCodes() {
		codes = append(codes, c.Code)
	}
	return closest(code, codes, 2, func(string) bool { return false })
}

// closest are up to three of names within maxEdits of s (or that also
// match), closest first.
func closest(s string, names []string, maxEdits int, also func(string) bool) []string {
	type cand struct {
		name string
		dist int
	}
	var cs []cand
	for _, n := range names {
		if d := editDistance(s, n); d <= maxEdits || also(n) {
			cs = append(cs, cand{n, d})
		}
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return cmp.Compare(a.dist, b.dist) })
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

const explainWidth = 76

func explainCheck(w io.Writer, c audit.Check) {
	fmt.Fprintf(w, "%s: %s\n  run by appaudit %s; default severity %s\n\n", c.ID, c.Title, c.Command, c.Severity)
	fmt.Fprintf(w, "%s\n\n", reports.Wrap(c.Description, explainWidth, ""))
	fmt.Fprintf(w, "%s\n", reports.Wrap("What to do: "+c.Remediation, explainWidth, "  "))
	if len(c.AADSTS) > 0 {
		fmt.Fprintf(w, "\nSign-in errors it predicts:\n")
		for _, code := range c.AADSTS {
			meaning := ""
			if a, ok := audit.LookupAADSTS(code); ok {
				meaning = a.Meaning
			}
			fmt.Fprintf(w, "  %-15s %s\n", code, meaning)
		}
	}
	fmt.Fprintf(w, "\nReference: %s\n", c.Reference)
}

func explainCode(w io.Writer, c audit.AADSTSCode) {
	fmt.Fprintf(w, "%s: %s\n\nUsual causes:\n", c.Code, c.Meaning)
	for _, cause := range c.Causes {
		fmt.Fprintf(w, "  - %s\n", reports.Wrap(cause, explainWidth, "    "))
	}
	if len(c.Texts) > 0 {
		fmt.Fprintf(w, "\nWhat Entra's text says, and what it means:\n")
		for _, t := range c.Texts {
			fmt.Fprintf(w, "  - %s\n", reports.Wrap(fmt.Sprintf("%q: %s", t.Says, t.Means), explainWidth, "    "))
		}
	}
	fmt.Fprintf(w, "\n%s\n", reports.Wrap("Fix: "+c.Fix, explainWidth, "  "))
	if checks := audit.ChecksFor(c.Code); len(checks) > 0 {
		fmt.Fprintf(w, "\nChecks that detect it:\n")
		for _, ch := range checks {
			fmt.Fprintf(w, "  %-32s %-9s %s\n", ch.ID, ch.Command, ch.Title)
		}
	}
	fmt.Fprintf(w, "\nReference: %s\nMicrosoft's page for the code: https://login.microsoftonline.com/error?code=%s\n", c.Reference, strings.TrimPrefix(c.Code, "AADSTS"))
}

func explainAll(w io.Writer) {
	fmt.Fprintf(w, "Checks (appaudit explain CHECK):\n")
	for _, c := range audit.Checks() {
		fmt.Fprintf(w, "  %-32s %-9s %-8s %s\n", c.ID, c.Command, c.Severity, c.Title)
	}
	fmt.Fprintf(w, "\nAADSTS codes (appaudit explain CODE):\n")
	for _, c := range audit.AADSTSCodes() {
		fmt.Fprintf(w, "  %-15s %s\n", c.Code, c.Meaning)
	}
}
