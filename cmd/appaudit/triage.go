package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/localfiles"
	"github.com/appaudit/appaudit/reports"
)

// triageOptions are --ignore and --baseline: what to leave out of the
// report, and so out of the exit code.
type triageOptions struct {
	Ignore   string
	Baseline string
}

func (o *triageOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.Ignore, "ignore", "", "leave out the findings the suppression `FILE` (YAML: check, app, keyId, reason, expires) matches; they are counted, and do not count toward --fail-on")
	f.StringVar(&o.Baseline, "baseline", "", "report only findings that are not in the JSON report `FILE`, and count those resolved since; old findings do not count toward --fail-on")
}

// triage is what --ignore and --baseline read, loaded before the audit so
// that a bad file stops it early.
type triage struct {
	suppressions []audit.Suppression
	baseline     *audit.Result
	baselineName string
}

func (o *triageOptions) load() (*triage, error) {
	t := &triage{baselineName: o.Baseline}
	if o.Ignore != "" {
		s, err := localfiles.LoadSuppressions(o.Ignore)
		if err != nil {
			return nil, flagErr(reasonInput, "--ignore", o.Ignore, err)
		}
		t.suppressions = s
	}
	if o.Baseline != "" {
		r, err := readReport("--baseline", o.Baseline)
		if err != nil {
			return nil, err
		}
		t.baseline = r
	}
	return t, nil
}

// apply runs the triage stages on r: suppressions first, then the
// baseline, so that a suppressed finding is neither new nor resolved.
func (t *triage) apply(r *audit.Result, now time.Time) error {
	r.Suppress(t.suppressions, now)
	if t.baseline != nil {
		if err := r.Baseline(t.baseline, t.baselineName); err != nil {
			return flagErr(reasonUsage, "--baseline", t.baselineName, err)
		}
	}
	return nil
}

// maxReportSize bounds a saved report read back: it is read whole, into
// about 3.6 times its size of memory, and a report of 200,000 applications
// whose checks fire on every one (300,000 findings) is 580 MB.
const maxReportSize = 1 << 30

// readReport reads the JSON report flag names, written by -o json.
func readReport(flag, path string) (*audit.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, flagErr(reasonInput, flag, path, err)
	}
	defer f.Close()
	tooBig := &cmdError{Reason: reasonInput, Flag: flag, Value: path,
		Detail: fmt.Sprintf("larger than the %d GiB a report may be", maxReportSize>>30), Hint: "is it a report written with -o json?"}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, &cmdError{Reason: reasonInput, Flag: flag, Value: path, Detail: "is a directory"}
	} else if err == nil && fi.Size() > maxReportSize {
		return nil, tooBig
	}
	lr := &io.LimitedReader{R: f, N: maxReportSize + 1} // a pipe or a device says no size
	r, err := reports.ReadJSON(lr, path)
	if lr.N <= 0 {
		return nil, tooBig
	}
	if err != nil {
		return nil, flagErr(reasonInput, flag, path, err)
	}
	return r, nil
}
