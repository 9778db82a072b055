package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/demo"
	"github.com/appaudit/appaudit/audit/doctor"
	"github.com/appaudit/appaudit/audit/localfiles"
)

// doctorOptions are the flags of `appaudit doctor`.
type doctorOptions struct {
	source sourceOptions
	verdictOptions

	Assertion string
	Request   string
	Error     string
	ClientID  string
	Cert      string
	Certs     []string

	// flags are the command's, and sourceFlags the names of those the
	// tenant source registered.
	flags       *pflag.FlagSet
	sourceFlags []string
}

// addDiagnosisSource registers the tenant source's flags as doctor and
// preflight have them, and returns their names.
func addDiagnosisSource(cmd *cobra.Command, src *sourceOptions) []string {
	src.live.forDiagnosis = true
	before := map[string]bool{}
	cmd.Flags().VisitAll(func(f *pflag.Flag) { before[f.Name] = true })
	src.addFlags(cmd)
	var names []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if !before[f.Name] {
			names = append(names, f.Name)
		}
	})
	return names
}

// evidenceFlags are the tenant source's flags that also describe the
// evidence, and --keyvault: given alone, they do not make doctor read a
// tenant.
var evidenceFlags = []string{"tenant", "cloud", "keyvault"}

// sourceGiven reports whether any tenant source flag other than
// evidenceFlags was given: only then does doctor read a tenant.
func (o *doctorOptions) sourceGiven() bool {
	for _, name := range o.sourceFlags {
		if !slices.Contains(evidenceFlags, name) && o.flags.Changed(name) {
			return true
		}
	}
	return false
}

// verdictOptions are what doctor and preflight share: the reports, the
// thresholds of the verdict and the exit code, the PFX password and
// --quiet.
type verdictOptions struct {
	out    outputOptions
	policy policyOptions
	// PFXPasswordEnv names the variable holding the password of PFX files.
	PFXPasswordEnv string
	Quiet          bool
}

// addFlags registers the shared flags; --fail-on defaults to failOn and
// failOnMeans says what reaching it means.
func (o *verdictOptions) addFlags(cmd *cobra.Command, failOn, failOnMeans string) {
	f := cmd.Flags()
	f.StringVar(&o.PFXPasswordEnv, "pfx-password-env", "APPAUDIT_PFX_PASSWORD", "environment `VARIABLE` holding the password of PFX files")
	f.StringVar(&o.policy.MinSeverity, "min-severity", "info", "show only findings at or above `SEVERITY` (does not change the exit code)")
	f.StringVar(&o.policy.FailOn, "fail-on", failOn, "exit 1 when "+failOnMeans+" at or above `SEVERITY` (critical, high, medium, low, info, or none)")
	f.StringVar(&o.policy.AsOf, "as-of", "", "judge validity as of `TIME` (RFC 3339 or YYYY-MM-DD) instead of now")
	o.out.addFlags(cmd)
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing on stderr but errors")
}

// prepare checks the thresholds and the -o flags.
func (o *verdictOptions) prepare() ([]output, error) {
	if err := o.policy.validate(time.Now()); err != nil {
		return nil, err
	}
	return o.out.parse()
}

func (o *verdictOptions) fileOptions(s *streams) localfiles.Options {
	return localfiles.Options{PFXPassword: s.Getenv(o.PFXPasswordEnv), PFXPasswordVar: o.PFXPasswordEnv}
}

// finish decides the exit code before filtering, writes the reports and
// the warnings, and returns the code.
func (o *verdictOptions) finish(s *streams, outs []output, r *audit.Result) error {
	return finish(s, outs, &o.policy, o.Quiet, r)
}

func newDoctorCmd(s *streams, runF func(context.Context, *doctorOptions) error) *cobra.Command {
	opts := &doctorOptions{}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Explain a failing sign-in from the client assertion, the token request or the AADSTS error",
		Long: `Name the cause of a failing certificate sign-in from the evidence you have:
the client assertion (--assertion), the captured token request (--request:
a form body, a raw HTTP request from a proxy, or a curl command line) and
the AADSTS error (--error: the JSON response or its error_description
text). Each can be a file or - for stdin.

The evidence is checked against what Entra accepts, and cross-checked
against the tenant (--snapshot, or a live source, read only when given)
and local certificates (--cert, the one the client signs with, and
--certs): which certificate a thumbprint is, where it is registered, and
whether its key made the signature. The report ends with the most likely
cause and, where the fix is mechanical, the corrected value.

Client secrets and other secrets in a request are never printed, nor are
tokens.`,
		Example: `  appaudit doctor --demo
  appaudit doctor --assertion assertion.jwt --cert certs/app.pem --tenant contoso.onmicrosoft.com
  appaudit doctor --error error.json --snapshot tenant.json --certs ./certs
  pbpaste | appaudit doctor --request - --snapshot tenant.json -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return doctorRun(cmd.Context(), s, opts)
		},
	}
	opts.flags, opts.sourceFlags = cmd.Flags(), addDiagnosisSource(cmd, &opts.source)
	f := cmd.Flags()
	f.StringVar(&opts.Assertion, "assertion", "", "the client assertion JWT: a `FILE`, or - for stdin")
	f.StringVar(&opts.Request, "request", "", "the captured token request: a `FILE` (form body, raw HTTP request or curl command line), or - for stdin")
	f.StringVar(&opts.Error, "error", "", "the AADSTS error response (JSON or its error_description text): a `FILE`, or - for stdin")
	f.StringVar(&opts.ClientID, "client-id", "", "the application (client) `ID` the request authenticates as")
	f.StringVar(&opts.Cert, "cert", "", "the certificate `FILE` the client signs with (PEM, DER or PFX)")
	f.StringArrayVar(&opts.Certs, "certs", nil, "other local certificates to identify thumbprints by: a `PATH` to a file or a folder to walk (repeatable)")
	opts.verdictOptions.addFlags(cmd, "high", "the most likely cause is")
	return cmd
}

func doctorRun(ctx context.Context, s *streams, opts *doctorOptions) error {
	outs, err := opts.prepare()
	if err != nil {
		return err
	}
	if opts.source.Demo {
		return doctorDemo(s, opts, outs)
	}
	readTenant := opts.sourceGiven()
	if readTenant {
		if err := opts.source.validate(); err != nil {
			return err
		}
	}
	in := &doctor.Input{ClientID: strings.TrimSpace(opts.ClientID), TenantID: strings.TrimSpace(opts.source.live.Tenant), Now: opts.policy.now}
	// --cloud defaults to public for the live sign-in; the diagnosis
	// takes it only when given, and otherwise the tenant data's cloud or
	// the request URL's.
	if c := strings.TrimSpace(opts.source.live.Cloud); c != "" && opts.flags.Changed("cloud") {
		if in.Cloud, err = doctor.ParseCloud(c); err != nil {
			return flagErr(reasonUsage, "--cloud", c, err)
		}
	}
	if readTenant {
		if err := opts.source.validateLive(); err != nil {
			return err
		}
	}
	if err := readAllEvidence(s, in, opts); err != nil {
		return err
	}
	var warnings []string
	if in.Cert, in.LocalCerts, warnings, err = opts.localCerts(s); err != nil {
		return err
	}
	vaults, err := opts.source.vaults.read(ctx, s, &opts.source.live, opts.Quiet)
	if err != nil {
		return err
	}
	// The vaults' versions name the thumbprints the evidence holds.
	in.LocalCerts = append(in.LocalCerts, audit.VaultLocals(vaults)...)
	var got loaded
	if readTenant {
		if got, err = opts.source.loadTenant(ctx, s, opts.policy.now, opts.Quiet); err != nil {
			return err
		}
		in.Tenant = got.tenant
	}
	r, err := doctor.Diagnose(in)
	if err != nil {
		return flagErr(reasonInput, "", "", err)
	}
	markVaults(r, vaults)
	if in.Tenant != nil {
		r.Source = got.source
	}
	r.Warnings = append(append(warnings, r.Warnings...), got.warnings...)
	return opts.finish(s, outs, r)
}

// readAllEvidence reads --assertion, --request and --error; at most one
// of them may be stdin.
func readAllEvidence(s *streams, in *doctor.Input, opts *doctorOptions) error {
	evidence := []struct {
		flag, path string
		into       **doctor.Evidence
	}{{"--assertion", opts.Assertion, &in.Assertion}, {"--request", opts.Request, &in.Request}, {"--error", opts.Error, &in.Error}}
	stdin := 0
	for _, e := range evidence {
		if e.path == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usageErr("only one of --assertion, --request and --error can be read from stdin (-)")
	}
	for _, e := range evidence {
		if e.path == "" {
			continue
		}
		ev, err := readEvidence(s, e.flag, e.path)
		if err != nil {
			return err
		}
		*e.into = ev
	}
	if in.Assertion == nil && in.Request == nil && in.Error == nil {
		return usageErr("doctor needs evidence: give --assertion, --request or --error (a file, or - for stdin), or try --demo")
	}
	return nil
}

// maxEvidence bounds an evidence file: a token request or an error
// response is a few kilobytes.
const maxEvidence = 1 << 20

// readEvidence reads one piece of evidence from a file or stdin.
func readEvidence(s *streams, flag, path string) (*doctor.Evidence, error) {
	const hint = "give a file, or - for stdin"
	name := path
	var rd io.Reader
	if path == "-" {
		name, rd = "stdin", s.In
	} else {
		f, err := os.Open(path)
		if err != nil {
			e := flagErr(reasonInput, flag, path, err)
			e.Hint = hint
			return nil, e
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			return nil, &cmdError{Reason: reasonInput, Flag: flag, Value: path, Detail: "is a directory", Hint: hint}
		}
		rd = f
	}
	b, err := io.ReadAll(io.LimitReader(rd, maxEvidence+1))
	switch {
	case err != nil:
		return nil, flagErr(reasonInput, flag, path, err)
	case len(b) > maxEvidence:
		return nil, &cmdError{Reason: reasonInput, Flag: flag, Value: path, Detail: fmt.Sprintf("larger than the %d KiB evidence can be", maxEvidence>>10)}
	case len(strings.TrimSpace(string(b))) == 0:
		detail := "is empty"
		if path == "-" {
			detail = "nothing came on stdin"
		}
		return nil, &cmdError{Reason: reasonInput, Flag: flag, Value: path, Detail: detail}
	}
	return &doctor.Evidence{Name: name, Data: b}, nil
}

// localCerts reads --cert (its leaf certificate) and --certs.
func (o *doctorOptions) localCerts(s *streams) (*audit.LocalCert, []audit.LocalCert, []string, error) {
	iopts := o.fileOptions(s)
	var warnings []string
	var cert *audit.LocalCert
	if path := strings.TrimSpace(o.Cert); path != "" {
		c, err := readLeaf("--cert", path, iopts, &warnings)
		if err != nil {
			return nil, nil, nil, err
		}
		cert = c
	}
	if len(o.Certs) == 0 {
		return cert, nil, warnings, nil
	}
	inv, err := localfiles.Load(o.Certs, "", iopts)
	if err != nil {
		return nil, nil, nil, flagErr(reasonInput, "--certs", "", err)
	}
	return cert, inv.Certs, append(warnings, inv.Warnings...), nil
}

// readLeaf reads the certificate a client signs with from the file flag
// names: its first certificate that is not part of a chain.
func readLeaf(flag, path string, opts localfiles.Options, warnings *[]string) (*audit.LocalCert, error) {
	opts.Warn = func(w string) { *warnings = append(*warnings, w) }
	certs, err := localfiles.ReadFile(path, opts)
	if err != nil {
		return nil, flagErr(reasonInput, flag, path, err)
	}
	for i := range certs {
		if !certs[i].Chain {
			return &certs[i], nil
		}
	}
	return &certs[0], nil
}

// doctorDemo diagnoses the built-in sign-ins, one report after another.
func doctorDemo(s *streams, opts *doctorOptions, outs []output) error {
	if opts.Assertion != "" || opts.Request != "" || opts.Error != "" || len(opts.Certs) > 0 || strings.TrimSpace(opts.Cert) != "" {
		return usageErr("--demo brings its own evidence and certificates: drop --assertion, --request, --error, --cert and --certs")
	}
	cases, err := demo.DoctorCases(opts.policy.now)
	if err != nil {
		return err
	}
	return runDemos(s, &opts.policy, outs, cases, func(in *doctor.Input) (*audit.Result, error) {
		r, err := doctor.Diagnose(in)
		if err != nil {
			return nil, err
		}
		r.Source = tenantSource("demo", in.Tenant)
		return r, nil
	})
}
