package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/localfiles"
	"github.com/appaudit/appaudit/graphclient"
)

// scanOptions are the flags of `appaudit scan`.
type scanOptions struct {
	source sourceOptions
	local  localOptions
	out    outputOptions
	policy policyOptions
	triage triageOptions
	usage  usageOptions
	Quiet  bool
}

// localOptions say what is deployed: certificate files and the mapping.
type localOptions struct {
	Certs          []string
	Deployed       string
	PFXPasswordEnv string
}

func (o *localOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&o.Certs, "certs", nil, "local certificate `PATH`: a PEM, DER or PFX file, or a folder to walk (repeatable)")
	f.StringVar(&o.Deployed, "deployed", "", "`FILE` mapping each app (appId or display name) to the cert file or thumbprint it signs with (CSV or YAML)")
	f.StringVar(&o.PFXPasswordEnv, "pfx-password-env", "APPAUDIT_PFX_PASSWORD", "environment `VARIABLE` holding the password of PFX files")
}

func (o *localOptions) given() bool { return len(o.Certs) > 0 || o.Deployed != "" }

func (o *localOptions) load(s *streams) (*audit.Inventory, error) {
	if !o.given() {
		return &audit.Inventory{}, nil
	}
	inv, err := localfiles.Load(o.Certs, o.Deployed, localfiles.Options{
		PFXPassword:    s.Getenv(o.PFXPasswordEnv),
		PFXPasswordVar: o.PFXPasswordEnv,
	})
	if err != nil {
		flag := "--certs"
		var lf *localfiles.Error
		if errors.As(err, &lf) && o.Deployed != "" && lf.Path == o.Deployed {
			flag = "--deployed"
		}
		return nil, flagErr(reasonInput, flag, "", err)
	}
	return inv, nil
}

// policyOptions are the thresholds, the exit threshold and the clock.
type policyOptions struct {
	WarnDays      int
	MaxCertDays   int
	MaxSecretDays int
	MinSeverity   string
	FailOn        string
	AsOf          string

	minSeverity audit.Severity
	failOn      audit.Severity // 0: never fail on findings
	now         time.Time
}

func (o *policyOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	d := audit.DefaultPolicy()
	f.IntVar(&o.WarnDays, "warn-days", d.WarnDays, "report credentials ending within `N` days as expiring")
	f.IntVar(&o.MaxCertDays, "max-cert-days", d.MaxCertDays, "longest acceptable certificate lifetime in `DAYS`")
	f.IntVar(&o.MaxSecretDays, "max-secret-days", d.MaxSecretDays, "longest acceptable client secret lifetime in `DAYS`")
	f.StringVar(&o.MinSeverity, "min-severity", "info", "show only findings at or above `SEVERITY` (does not change the exit code)")
	f.StringVar(&o.FailOn, "fail-on", "high", "exit 1 when a finding is at or above `SEVERITY` (critical, high, medium, low, info, or none)")
	f.StringVar(&o.AsOf, "as-of", "", "audit as of `TIME` (RFC 3339 or YYYY-MM-DD) instead of now, for reproducible reports")
}

func (o *policyOptions) validate(now time.Time) error {
	var err error
	if o.minSeverity, err = parseSeverityFlag("--min-severity", o.MinSeverity, false); err != nil {
		return err
	}
	if o.failOn, err = parseSeverityFlag("--fail-on", o.FailOn, true); err != nil {
		return err
	}
	if err := cmp.Or(nonNegative("--warn-days", o.WarnDays), nonNegative("--max-cert-days", o.MaxCertDays),
		nonNegative("--max-secret-days", o.MaxSecretDays)); err != nil {
		return err
	}
	o.now = now
	if o.AsOf != "" {
		t, ok := parseTime(o.AsOf)
		if !ok {
			return &cmdError{Reason: reasonUsage, Flag: "--as-of", Value: o.AsOf, Detail: "not a time",
				Hint: "give RFC 3339, such as 2026-01-31T12:00:00Z, or a date such as 2026-01-31"}
		}
		o.now = t
	}
	return nil
}

// parseSeverityFlag reads the severity a flag names; with none, "none"
// is one too, and is 0.
func parseSeverityFlag(flag, v string, none bool) (audit.Severity, error) {
	if none && strings.EqualFold(v, "none") {
		return 0, nil
	}
	sev, err := audit.ParseSeverity(v)
	var choice *audit.ChoiceError
	if none && errors.As(err, &choice) {
		choice.Choices = append(choice.Choices, "none")
	}
	if err != nil {
		return 0, flagErr(reasonUsage, flag, v, err)
	}
	return sev, nil
}

// nonNegative is the usage error of a count flag below 0, or nil.
func nonNegative(flag string, n int) error {
	if n < 0 {
		return &cmdError{Reason: reasonUsage, Flag: flag, Value: strconv.Itoa(n), Detail: "must not be negative"}
	}
	return nil
}

func (o *policyOptions) policy() audit.Policy {
	p := audit.DefaultPolicy()
	p.WarnDays, p.MaxCertDays, p.MaxSecretDays = o.WarnDays, o.MaxCertDays, o.MaxSecretDays
	return p
}

// parseTime reads --as-of: RFC 3339, or without the zone (UTC), or a date.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// exitFor decides the exit code from the whole Result, before any display
// filter: incomplete beats findings.
func (o *policyOptions) exitFor(r *audit.Result) int {
	if !r.Complete {
		return exitIncomplete
	}
	if o.failOn != 0 && r.Worst() >= o.failOn {
		return exitFindings
	}
	return exitOK
}

func newScanCmd(s *streams, runF func(context.Context, *scanOptions) error) *cobra.Command {
	opts := &scanOptions{}
	opts.source.live.keyFetch = graphclient.KeyFetchNeeded
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "Audit the tenant's credentials against local certificates and the deployed mapping",
		Long: `Audit every application and service principal of the tenant: expired,
expiring and not-yet-valid certificates and secrets, weak keys, lifetimes
beyond policy; and, with --certs and --deployed, the deployed certificate of
each app against what the app has registered: not registered, rotated on one
side only, wrong usage, wrong private key, unused.

The tenant is read from Microsoft Graph (sign in with --auth) unless
--snapshot or --demo gives it.`,
		Example: `  appaudit scan --demo
  appaudit scan --auth azure-cli --certs ./certs --deployed deployed.csv
  appaudit scan --snapshot tenant.json --certs ./certs --deployed deployed.csv
  appaudit scan --snapshot tenant.json -o json --output-file report.json --fail-on critical`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return scanRun(cmd.Context(), s, opts)
		},
	}
	opts.source.addFlags(cmd)
	opts.local.addFlags(cmd)
	opts.policy.addFlags(cmd)
	opts.out.addFlags(cmd)
	opts.triage.addFlags(cmd)
	opts.usage.addFlags(cmd, true)
	opts.source.live.usage = &opts.usage
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "print nothing on stderr but errors")
	return cmd
}

func scanRun(ctx context.Context, s *streams, opts *scanOptions) error {
	if err := opts.source.validate(); err != nil {
		return err
	}
	if opts.source.Demo && opts.local.given() {
		return usageErr("--demo brings its own certificates and mapping: drop --certs and --deployed")
	}
	if err := opts.policy.validate(time.Now()); err != nil {
		return err
	}
	outs, err := opts.out.parse()
	if err != nil {
		return err
	}
	if err := opts.source.validateLive(); err != nil {
		return err
	}
	if err := opts.usage.validate(opts.source.Demo || opts.source.Snapshot != ""); err != nil {
		return err
	}
	tri, err := opts.triage.load()
	if err != nil {
		return err
	}
	// The local files are read before the tenant, which may take minutes
	// to read live; the demo brings its own.
	var inv *audit.Inventory
	if !opts.source.Demo {
		if inv, err = opts.local.load(s); err != nil {
			return err
		}
	}
	// The vaults before the tenant: what they hold is known before Graph
	// is read, and with the local files it says which certificate bodies
	// the checks need.
	vaults, err := opts.source.vaults.read(ctx, s, &opts.source.live, opts.Quiet)
	if err != nil {
		return err
	}
	if inv != nil {
		opts.source.live.needs = needsOf(inv)
		opts.source.live.needs.thumbs = append(opts.source.live.needs.thumbs, audit.VaultThumbprints(vaults)...)
	}
	p := opts.policy.policy()
	p.UnusedDays = opts.usage.UnusedDays
	r, got, err := opts.source.audit(ctx, s, inv, vaults, p, opts.policy.now, opts.Quiet)
	if err != nil {
		return err
	}
	r.Source = got.source
	r.Warnings = append(append(r.Warnings, got.warnings...), unexaminedWarnings(r)...)
	noteUsage(r, got.tenant.Usage)
	if err := tri.apply(r, opts.policy.now); err != nil {
		return err
	}
	return finish(s, outs, &opts.policy, opts.Quiet, r)
}

// exitReason says why a complete audit exits with code: "exit 1: 3
// findings at or above --fail-on high".
func (o *policyOptions) exitReason(code int, r *audit.Result) string {
	if o.failOn == 0 {
		return "exit 0: --fail-on none"
	}
	n := 0
	for _, sev := range audit.Severities() {
		if sev >= o.failOn {
			n += r.Summary.BySeverity[sev.String()]
		}
	}
	if code == exitFindings {
		return fmt.Sprintf("exit 1: %s at or above --fail-on %s", count(int64(n), "finding"), o.failOn)
	}
	return "exit 0: nothing at or above --fail-on " + o.failOn.String()
}
