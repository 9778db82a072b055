package main

import (
	"fmt"
	"strings"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/demo"
	"github.com/appaudit/appaudit/reports"
)

// runDemos writes the report of every demo case (demo.DoctorCases,
// demo.PreflightCases) to stdout, one after another, each in the table
// under a banner that says which it is, and exits with the worst exit
// code among them; diagnose makes a case's Result.
func runDemos[In any](s *streams, p *policyOptions, outs []output, cases []demo.Case[In], diagnose func(*In) (*audit.Result, error)) error {
	for _, o := range outs {
		if o.Path != "" {
			return usageErr("--demo prints its reports on stdout: drop the file from %s %s", o.flag, shellWord(o.value))
		}
	}
	table := outs[0].Format.Name == "table"
	rule := strings.Repeat("=", min(s.width(), 78))
	worst := exitOK
	for i, c := range cases {
		r, err := diagnose(&c.Input)
		if err != nil {
			return fmt.Errorf("demo case %d: %w", i+1, err) // a bug: the demo builds its own evidence
		}
		worst = max(worst, p.exitFor(r))
		r.FilterMinSeverity(p.minSeverity)
		if table {
			fmt.Fprintf(s.Out, "%s\n%s\n%s\n\n", rule, reports.Wrap(fmt.Sprintf("Demo %d of %d: %s", i+1, len(cases), c.Title), s.width(), "  "), rule)
		}
		if err := writeOutputs(s, outs, r); err != nil {
			return err
		}
		if table && i < len(cases)-1 {
			fmt.Fprintln(s.Out)
		}
	}
	return silentExit(worst)
}
