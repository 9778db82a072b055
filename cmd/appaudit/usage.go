package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/graphclient"
)

// usageOptions are the flags of the usage evidence: what Entra recorded of
// the credentials in use (each one's last sign-in, the service principal
// sign-ins that failed), read with the tenant by scan and snapshot.
type usageOptions struct {
	Usage      bool
	Days       int
	UnusedDays int

	// scan: the command audits, so --unused-days is one of its flags.
	scan bool
}

// defaultUsageDays is the window of failed sign-ins read unless told
// otherwise: all Entra keeps.
const defaultUsageDays = graphclient.MaxUsageDays

func (o *usageOptions) addFlags(cmd *cobra.Command, scan bool) {
	o.scan = scan
	f := cmd.Flags()
	f.BoolVar(&o.Usage, "usage", false, "also read what Entra recorded of the credentials in use: each one's last sign-in and the service principal sign-ins that failed (Graph beta; needs AuditLog.Read.All and Entra ID P1, see the README's Usage evidence section)")
	f.IntVar(&o.Days, "usage-days", defaultUsageDays, fmt.Sprintf("with --usage, read the failed sign-ins of the last `N` days (1 to %d: Entra keeps sign-in logs %d days)", graphclient.MaxUsageDays, graphclient.MaxUsageDays))
	if scan {
		f.IntVar(&o.UnusedDays, "unused-days", audit.DefaultUnusedDays, "with usage evidence (--usage, or a snapshot taken with it), a credential with no sign-in for `N` days counts as unused (credential-unused)")
	}
}

// validate checks the flags before anything is read; offline is true when
// the tenant comes from a snapshot or the demo.
func (o *usageOptions) validate(offline bool) error {
	switch {
	case o.Days < 1 || o.Days > graphclient.MaxUsageDays:
		return usageErr("--usage-days must be 1 to %d, got %d: Entra keeps sign-in logs %d days (7 without P1)", graphclient.MaxUsageDays, o.Days, graphclient.MaxUsageDays)
	case o.scan && o.UnusedDays < 1:
		return usageErr("--unused-days must be at least 1, got %d", o.UnusedDays)
	case offline && o.Usage:
		return usageErr("--usage reads Microsoft Graph and cannot be used with --snapshot or --demo (a snapshot taken with --usage carries its usage evidence)")
	case o.Days != defaultUsageDays && !o.Usage:
		return usageErr("--usage-days goes with --usage")
	}
	return nil
}

// read reads the usage evidence with the client that then reads the
// tenant. A read that fails is not an error to the audit: the Usage comes
// back incomplete, saying why, and the audit with it; err says why, for
// the caller to stop when signing in failed.
func (o *usageOptions) read(ctx context.Context, s *streams, c *graphclient.Client, apps []string, quiet bool) (*audit.Usage, error) {
	if s.ErrTTY && !quiet {
		// A progress line, as the tenant's: rewritten in place, then cleared.
		fmt.Fprintf(s.ErrOut, "\rappaudit: reading credential sign-in activity and %d days of failed sign-ins (Graph allows 5 report requests every 10 seconds)\x1b[K", o.Days)
		defer fmt.Fprint(s.ErrOut, "\r\x1b[K")
	}
	u, err := c.ReadUsage(ctx, graphclient.UsageOptions{Days: o.Days, AppIDs: apps})
	if u == nil { // the window was refused: validate lets none through
		u = &audit.Usage{IncompleteReason: fmt.Sprintf("the usage window of %d days was refused", o.Days)}
	}
	return u, err
}

// noteUsage adds to the Result what limits the usage evidence: a source
// not read or limited, and failed sign-ins past the cap. (audit.Run makes
// the audit incomplete when the evidence is.)
func noteUsage(r *audit.Result, u *audit.Usage) {
	if u != nil {
		r.Warnings = append(r.Warnings, usageWarnings(u)...)
	}
}

// usageWarnings are what limits complete usage evidence.
func usageWarnings(u *audit.Usage) []string {
	var w []string
	for _, src := range []struct {
		name string
		s    audit.UsageSource
	}{{"credential sign-in activity", u.Activity}, {"failed sign-ins", u.Failures}} {
		if src.s.Note != "" {
			w = append(w, "usage evidence: "+src.name+" "+src.s.Note)
		}
	}
	if u.FailedCapped {
		w = append(w, fmt.Sprintf("usage evidence: %s of %s were counted but not kept: more than %s app, error and credential groups failed (the most recent first are kept)",
			count(u.FailedDropped, "failed sign-in"), thousands(u.FailedTotal), thousands(int64(len(u.Failed)))))
	}
	return w
}

// snapshotUsage is the error and warnings of a snapshot's usage evidence,
// once the file is written: incomplete evidence exits 3.
func snapshotUsage(t *audit.Tenant, out string) (warnings []string, err error) {
	if t.Usage == nil {
		return nil, nil
	}
	if !t.Usage.Complete {
		err = incompleteErr(fmt.Sprintf("usage evidence incomplete, written to %s marked \"complete\": false: %s", out, t.Usage.IncompleteReason))
	}
	return usageWarnings(t.Usage), err
}
