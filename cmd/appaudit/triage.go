package main

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/inventory"
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
		s, err := inventory.LoadSuppressions(o.Ignore)
		if err != nil {
			return nil, inputErr(err)
		}
		t.suppressions = s
	}
	if o.Baseline != "" {
		r, err := readReport(o.Baseline)
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
			return usageErr("--baseline: %v", strings.TrimPrefix(err.Error(), "audit: "))
		}
	}
	return nil
}

// readReport reads a JSON report written by -o json.
func readReport(path string) (*audit.Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErr("reading the report %s: %v (write one with -o json=FILE)", path, pathErr(err))
	}
	defer f.Close()
	r, err := reports.ReadJSON(f, path)
	if err != nil {
		return nil, inputErr(err)
	}
	return r, nil
}

// pathErr is an os error without the path it repeats.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
