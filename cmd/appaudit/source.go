package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/demo"
	"github.com/appaudit/appaudit/graphclient"
)

// sourceOptions say where the tenant comes from: a snapshot file, the
// built-in demo, or (by default) Microsoft Graph.
type sourceOptions struct {
	Snapshot string
	Demo     bool
	live     liveOptions
}

func (o *sourceOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.Snapshot, "snapshot", "", "read the tenant from `FILE` (a Graph page {\"value\":[...]}, a JSON array as `az ad app list --all` prints, or an appaudit snapshot) instead of Graph")
	f.BoolVar(&o.Demo, "demo", false, "use the built-in demo tenant and certificates, generated relative to now")
	o.live.addFlags(cmd)
}

func (o *sourceOptions) validate() error {
	if o.Demo && o.Snapshot != "" {
		return usageErr("--demo and --snapshot cannot be used together")
	}
	if set := o.live.given(); (o.Demo || o.Snapshot != "") && len(set) > 0 {
		return usageErr("%s reads Microsoft Graph and cannot be used with --snapshot or --demo", strings.Join(set, ", "))
	}
	return nil
}

// loadTenant reads the tenant from the chosen source. The demo also
// returns its own inventory.
func (o *sourceOptions) loadTenant(ctx context.Context, s *streams, now time.Time) (*audit.Tenant, *audit.Inventory, audit.Source, error) {
	switch {
	case o.Demo:
		t, inv := demo.Scenario(now)
		return t, inv, audit.Source{Kind: "demo", TenantID: t.TenantID, Cloud: t.Cloud, TakenAt: t.TakenAt}, nil
	case o.Snapshot != "":
		t, err := graphclient.ReadSnapshotFile(o.Snapshot)
		if err != nil {
			return nil, nil, audit.Source{}, inputErr(err)
		}
		return t, nil, audit.Source{Kind: "snapshot", Path: o.Snapshot, TenantID: t.TenantID, Cloud: t.Cloud, TakenAt: t.TakenAt}, nil
	}
	t, src, err := o.live.read(ctx, s)
	return t, nil, src, err
}
