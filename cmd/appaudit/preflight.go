package main

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/demo"
	"github.com/appaudit/appaudit/audit/doctor"
	"github.com/appaudit/appaudit/audit/localfiles"
	"github.com/appaudit/appaudit/graphclient"
)

// preflightOptions are the flags of `appaudit preflight`.
type preflightOptions struct {
	source sourceOptions
	verdictOptions

	App  string
	Cert string
	Key  string
	Old  string
}

func newPreflightCmd(s *streams, runF func(context.Context, *preflightOptions) error) *cobra.Command {
	opts := &preflightOptions{}
	cmd := &cobra.Command{
		Use:   "preflight --app ID --cert FILE [--key FILE]",
		Short: "Check, before a rotation, that a deployment can switch to a new certificate",
		Long: `Before a deployment switches to a new certificate, check that the switch
will work: the certificate is registered on the app (or its service
principal) as an AsymmetricX509Cert with usage Verify; its registered window
is open now and for the next --warn-days; its private key belongs to it
(from --key, or the PFX or PEM file itself); the old certificate (--old)
stays registered so that both overlap during the roll-out; and which keys
remain valid after the old one ends. Prints the x5t and x5t#S256 headers a
client signing with the certificate will send.

Read live from Microsoft Graph, preflight reads only the app to switch and
its service principal when --app is an appId, not the whole tenant (so it
cannot say which other app has the certificate registered).

preflight exits 0 only when the switch is safe: no finding at or above
--fail-on, which defaults to medium, so that what appaudit could not check
(a private key it was not given) does not pass as safe.`,
		Example: `  appaudit preflight --snapshot tenant.json --app 00000000-0000-4000-a000-000000000001 --cert new.pfx --old old.pem
  appaudit preflight --snapshot tenant.json --app "Payroll API" --cert new.crt --key new.key -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return preflightRun(cmd.Context(), s, opts)
		},
	}
	addDiagnosisSource(cmd, &opts.source)
	f := cmd.Flags()
	f.StringVar(&opts.App, "app", "", "the app to switch: its appId or exact display `NAME` (required)")
	f.StringVar(&opts.Cert, "cert", "", "the new certificate `FILE`: PEM, DER or PFX; or, with --keyvault, a Key Vault certificate VAULT/CERTIFICATE (its latest version) (required)")
	f.StringVar(&opts.Key, "key", "", "the private key `FILE` the deployment will sign with, when not in the certificate file")
	f.StringVar(&opts.Old, "old", "", "the certificate the deployment signs with today: a `FILE`, or its thumbprint")
	f.IntVar(&opts.policy.WarnDays, "warn-days", audit.DefaultPolicy().WarnDays, "the new certificate's window must stay open for `N` more days")
	opts.verdictOptions.addFlags(cmd, "medium", "a finding that makes the switch unsafe is")
	return cmd
}

func preflightRun(ctx context.Context, s *streams, opts *preflightOptions) error {
	if opts.source.Demo {
		return preflightDemo(s, opts)
	}
	certPath := strings.TrimSpace(opts.Cert)
	switch {
	case strings.TrimSpace(opts.App) == "":
		return usageErr("preflight needs --app: the appId or display name of the app to switch, or try --demo")
	case certPath == "":
		return usageErr("preflight needs --cert: the new certificate file")
	}
	if err := opts.source.validate(); err != nil {
		return err
	}
	outs, err := opts.prepare()
	if err != nil {
		return err
	}
	if err := opts.source.validateLive(); err != nil {
		return err
	}
	iopts := opts.fileOptions(s)
	var warnings []string
	var cert *audit.LocalCert
	ref, fromVault := vaultCertRef(certPath, opts.source.vaults.Vaults)
	switch {
	case fromVault && opts.Key != "":
		return usageErr("--key: a Key Vault certificate keeps its own private key; drop --key with --cert %s", certPath)
	case fromVault:
		// Read below, once the vault is.
	case opts.Key != "":
		c, err := localfiles.ReadPair(certPath, opts.Key, iopts)
		if err != nil {
			flag, value := "--cert", certPath
			var lf *localfiles.Error
			if errors.As(err, &lf) && lf.Path == opts.Key {
				flag, value = "--key", opts.Key
			}
			return flagErr(reasonInput, flag, value, err)
		}
		cert = &c
	default:
		if cert, err = readLeaf("--cert", certPath, iopts, &warnings); err != nil {
			return err
		}
	}
	in := &doctor.PreflightInput{App: opts.App, WarnDays: opts.policy.WarnDays, FailOn: opts.policy.failOn, Now: opts.policy.now}
	if cert != nil {
		in.Cert = *cert
	}
	if opts.Old != "" {
		tp, src, err := readOld(opts.Old, iopts, &warnings)
		if err != nil {
			return err
		}
		in.Old, in.OldSource = &tp, src
	}
	if id := strings.TrimSpace(opts.App); graphclient.ValidAppID(id) {
		// Read live, only the app to switch is needed: read it directly
		// rather than list the whole tenant.
		opts.source.live.Apps = []string{id}
	}
	vaults, err := opts.source.vaults.read(ctx, s, &opts.source.live, opts.Quiet)
	if err != nil {
		return err
	}
	if fromVault {
		c, err := vaultCert(ref, vaults)
		if err != nil {
			return err
		}
		in.Cert = *c
	}
	in.LocalCerts = audit.VaultLocals(vaults)
	got, err := opts.source.loadTenant(ctx, s, opts.policy.now, opts.Quiet)
	if err != nil {
		return err
	}
	in.Tenant = got.tenant
	r := doctor.Preflight(in)
	markVaults(r, vaults)
	r.Source = got.source
	r.Warnings = append(append(warnings, r.Warnings...), got.warnings...)
	return opts.finish(s, outs, r)
}

// preflightDemo checks the built-in rotations, one report after another.
func preflightDemo(s *streams, opts *preflightOptions) error {
	if opts.App != "" || opts.Cert != "" || opts.Key != "" || opts.Old != "" {
		return usageErr("--demo brings its own app and certificates: drop --app, --cert, --key and --old")
	}
	if err := opts.source.validate(); err != nil {
		return err
	}
	outs, err := opts.prepare()
	if err != nil {
		return err
	}
	cases, err := demo.PreflightCases(opts.policy.now)
	if err != nil {
		return err
	}
	return runDemos(s, &opts.policy, outs, cases, func(in *doctor.PreflightInput) (*audit.Result, error) {
		in.WarnDays, in.FailOn = opts.policy.WarnDays, opts.policy.failOn
		r := doctor.Preflight(in)
		r.Source = tenantSource("demo", in.Tenant)
		return r, nil
	})
}

// readOld reads --old: a certificate file, or a thumbprint in any
// rendering.
func readOld(v string, opts localfiles.Options, warnings *[]string) (audit.Thumbprints, string, error) {
	if _, err := os.Stat(v); err == nil {
		c, err := readLeaf("--old", v, opts, warnings)
		if err != nil {
			return audit.Thumbprints{}, "", err
		}
		return c.Cert.Thumbprints, v, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return audit.Thumbprints{}, "", flagErr(reasonInput, "--old", v, err)
	}
	p, err := audit.ParseThumbprint(v)
	if err != nil {
		return audit.Thumbprints{}, "", &cmdError{Reason: reasonUsage, Flag: "--old", Value: v, Detail: "neither a certificate file nor a thumbprint",
			Hint: "give a file, or a SHA-1 or SHA-256 thumbprint in hex, or an x5t value"}
	}
	return p.Thumbprints, "--old", nil
}
