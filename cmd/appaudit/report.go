package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/appaudit/appaudit/audit"
)

// reportOptions are the flags of `appaudit report`.
type reportOptions struct {
	From        string
	MinSeverity string
	out         outputOptions
}

func newReportCmd(s *streams, runF func(context.Context, *reportOptions) error) *cobra.Command {
	opts := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Render a saved JSON report again, in any format, without reading the tenant",
		Long: `Read a report written by "appaudit scan -o json=FILE" and write it in other
formats: the findings, counts and completeness are the saved report's, so
the same audit can be filed as HTML, uploaded as SARIF or kept as JUnit
long after it ran. The exit code says whether rendering worked (0), the
file could not be read (2) or a report could not be written (4); the saved
report's verdict is in the reports.`,
		Example: `  appaudit report --from report.json -o html=report.html
  appaudit report --from report.json -o sarif=results.sarif -o junit=results.xml -o markdown`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return reportRun(s, opts)
		},
	}
	cmd.Flags().StringVar(&opts.From, "from", "", "the JSON report `FILE` to render (required)")
	cmd.Flags().StringVar(&opts.MinSeverity, "min-severity", "", "show only findings at or above `SEVERITY` (the saved report may already leave some out)")
	opts.out.addFlags(cmd)
	return cmd
}

func reportRun(s *streams, opts *reportOptions) error {
	if opts.From == "" {
		return usageErr("report needs --from FILE, a report written with -o json=FILE")
	}
	var min audit.Severity
	if opts.MinSeverity != "" {
		var err error
		if min, err = parseSeverityFlag("--min-severity", opts.MinSeverity, false); err != nil {
			return err
		}
	}
	outs, err := opts.out.parse()
	if err != nil {
		return err
	}
	r, err := readReport("--from", opts.From)
	if err != nil {
		return err
	}
	if min != 0 {
		r.FilterMinSeverity(min)
	}
	return writeOutputs(s, outs, r)
}
