package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/keyvault"
)

// snapshotOptions are the flags of `appaudit snapshot`.
type snapshotOptions struct {
	live   liveOptions
	vaults keyvaultOptions
	usage  usageOptions
	Out    string
	Quiet  bool
}

func newSnapshotCmd(s *streams, runF func(context.Context, *snapshotOptions) error) *cobra.Command {
	opts := &snapshotOptions{}
	opts.live.keyFetch = graphclient.KeyFetchAll
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Save the tenant's applications and service principals, as read from Graph, to a file",
		Long: `Read the tenant's applications and service principals from Microsoft Graph,
as scan does, and save them (certificate bodies included, secrets never) with
the tenant ID, the cloud, when and how long the read took, and whether it is
complete, in the snapshot format scan --snapshot reads
(docs/snapshot-format.md): audits can be repeated offline and kept as
evidence. A read that fails part-way still writes the file, marked
"complete": false, and exits 3; one that reads nothing (sign-in failed)
writes none. A new snapshot file is readable by its owner only, since it
lists the tenant's app registrations; a file that exists keeps its mode.

A snapshot is evidence, and the mapping and certificates a later scan will
hold it against are not known when it is taken: so it fetches every
certificate body the listing leaves out (--key-fetch all), and a scan of it
can check every certificate's key and SHA-256 thumbprint. Graph allows 150
of these reads a minute, so this takes about a minute for every 150 objects
with certificates; once the listing is done, snapshot says how long.
--key-fetch needed (only certificates customKeyIdentifier does not
identify) or none make it quicker and the evidence thinner.`,
		Example: `  appaudit snapshot --out tenant.json
  appaudit snapshot --auth managed-identity --out /audits/$(date +%F).json --quiet
  appaudit scan --snapshot tenant.json --certs ./certs --deployed deployed.csv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return snapshotRun(cmd.Context(), s, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Out, "out", "", "write the snapshot to `FILE` (required)")
	opts.live.addFlags(cmd)
	opts.vaults.addFlags(cmd)
	opts.usage.addFlags(cmd, false)
	opts.live.usage = &opts.usage
	f.BoolVarP(&opts.Quiet, "quiet", "q", false, "print nothing on stderr but errors")
	return cmd
}

func snapshotRun(ctx context.Context, s *streams, opts *snapshotOptions) error {
	if opts.Out == "" {
		return usageErr("snapshot needs --out FILE")
	}
	if _, _, err := opts.live.validate(); err != nil {
		return err
	}
	// A snapshot that cannot be written is found before the read, which
	// may take minutes.
	if problem := unwritable(opts.Out); problem != "" {
		return &cmdError{Reason: reasonOutput, Flag: "--out", Value: opts.Out, Detail: problem}
	}
	if err := opts.usage.validate(false); err != nil {
		return err
	}
	vaults, err := opts.vaults.read(ctx, s, &opts.live, opts.Quiet)
	if err != nil {
		return err
	}
	lr, err := opts.live.read(ctx, s, opts.Quiet, nil)
	if err != nil {
		return err
	}
	t := lr.tenant
	meta := graphclient.SnapshotMeta{Tool: "appaudit " + appVersion(), ReadTime: lr.elapsed}
	if opts.vaults.given() {
		meta.Sections = []graphclient.SnapshotSection{{Name: keyvault.SnapshotSection, Value: keyvault.Section(vaults)}}
	}
	if err := writeFileAtomic(opts.Out, snapshotPerm, func(w io.Writer) error { return graphclient.WriteSnapshot(w, t, meta) }); err != nil {
		return flagErr(reasonOutput, "--out", opts.Out, err)
	}
	usageWarnings, usageIncomplete := snapshotUsage(t, opts.Out)
	if !opts.Quiet {
		s.warn(append(lr.warnings, usageWarnings...))
	}
	if !t.Complete {
		return incompleteErr(fmt.Sprintf("snapshot incomplete, written to %s marked \"complete\": false: %s", opts.Out, t.IncompleteReason))
	}
	if why := audit.VaultsIncomplete(vaults); why != "" {
		return incompleteErr(fmt.Sprintf("snapshot incomplete, written to %s with the vaults marked \"complete\": false: %s", opts.Out, why))
	}
	if usageIncomplete != nil {
		return usageIncomplete
	}
	if s.ErrTTY && !opts.Quiet {
		s.say(fmt.Sprintf("wrote %s and %s to %s", count(int64(len(t.Applications)), "application"),
			count(int64(len(t.ServicePrincipals)), "service principal"), opts.Out))
	}
	return nil
}
