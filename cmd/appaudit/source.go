package main

import (
	"context"
	"errors"
	"os"
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
	vaults   keyvaultOptions
}

func (o *sourceOptions) addFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.Snapshot, "snapshot", "", "read the tenant from `FILE` (a Graph page {\"value\":[...]}, a JSON array as `az ad app list --all` prints, or an appaudit snapshot) instead of Graph")
	f.BoolVar(&o.Demo, "demo", false, "use the built-in demo tenant and certificates, made relative to today")
	o.live.addFlags(cmd)
	o.vaults.addFlags(cmd)
}

func (o *sourceOptions) validate() error {
	if o.Demo && o.Snapshot != "" {
		return usageErr("--demo and --snapshot cannot be used together")
	}
	if o.Demo && o.vaults.given() {
		return usageErr("--demo brings its own deployed certificates: drop --keyvault")
	}
	set := o.live.given()
	if o.vaults.given() {
		set = withoutSignIn(set) // they sign in to the vaults
	}
	if (o.Demo || o.Snapshot != "") && len(set) > 0 {
		return usageErr("%s reads Microsoft Graph and cannot be used with --snapshot or --demo", strings.Join(set, ", "))
	}
	return nil
}

// tenantSource says where the tenant t came from: kind is demo, snapshot
// or live.
func tenantSource(kind string, t *audit.Tenant) audit.Source {
	return audit.Source{Kind: kind, TenantID: t.TenantID, Cloud: t.Cloud, TakenAt: t.TakenAt}
}

// validateLive checks the live flags, before anything is read, when the
// tenant is to be read live.
func (o *sourceOptions) validateLive() error {
	if o.Demo || o.Snapshot != "" {
		return nil
	}
	_, _, err := o.live.validate()
	return err
}

// loaded is the tenant a source gave.
type loaded struct {
	tenant *audit.Tenant
	// inv is the demo's own inventory, nil from other sources.
	inv    *audit.Inventory
	source audit.Source
	// warnings are what a live read met that leaves the tenant complete,
	// or what a snapshot file leaves uncertain (an empty listing, one cut
	// at az's 100 objects): the reports' warnings and stderr carry them.
	warnings []string
	// vaults are the Key Vaults a snapshot recorded.
	vaults []audit.Vault
}

// audit reads the tenant from the chosen source and audits it against inv
// (nil for the demo, which brings its own) and the vaults read live. A
// snapshot is audited as it is read (graphclient.StreamSnapshot,
// audit.Scanner), so that its tenant is never held whole; got.tenant is
// then its header, without its objects.
func (o *sourceOptions) audit(ctx context.Context, s *streams, inv *audit.Inventory, vaults []audit.Vault, p audit.Policy, now time.Time, quiet bool) (*audit.Result, loaded, error) {
	if o.Snapshot != "" {
		r, got, err := o.streamSnapshot(inv, vaults, p, now)
		if !errors.Is(err, graphclient.ErrLateMember) {
			return r, got, err
		}
		// Its usage evidence or sections come after its objects: read it whole.
	}
	if !o.Demo && o.Snapshot == "" {
		return o.streamLive(ctx, s, inv, vaults, p, now, quiet)
	}
	got, err := o.loadTenant(ctx, s, now, quiet)
	if err != nil {
		return nil, loaded{}, err
	}
	if got.inv != nil {
		inv = got.inv
	}
	joinVaults(inv, got.vaults, vaults)
	return audit.Run(got.tenant, inv, p, now), got, nil
}

// streamSnapshot audits --snapshot as it reads it.
func (o *sourceOptions) streamSnapshot(inv *audit.Inventory, vaults []audit.Vault, p audit.Policy, now time.Time) (*audit.Result, loaded, error) {
	f, err := os.Open(o.Snapshot)
	if err != nil {
		return nil, loaded{}, flagErr(reasonInput, "--snapshot", o.Snapshot, err)
	}
	defer f.Close()
	var sc *audit.Scanner
	start := func(head *graphclient.Snapshot) error {
		recorded, err := snapshotVaults(head.Sections, o.Snapshot)
		if err != nil {
			return err
		}
		joinVaults(inv, recorded, vaults)
		sc = audit.NewScanner(inv, head.Tenant.Usage, p, now)
		return nil
	}
	snap, err := graphclient.StreamSnapshot(f, o.Snapshot, func(head *graphclient.Snapshot) (func(graphclient.Object) error, error) {
		if err := start(head); err != nil {
			return nil, err
		}
		return func(obj graphclient.Object) error {
			scanObject(sc, &obj)
			return nil
		}, nil
	})
	if err != nil {
		if errors.Is(err, graphclient.ErrLateMember) {
			return nil, loaded{}, err
		}
		return nil, loaded{}, flagErr(reasonInput, "--snapshot", o.Snapshot, err)
	}
	if sc == nil { // a listing without objects
		if err := start(snap); err != nil {
			return nil, loaded{}, flagErr(reasonInput, "--snapshot", o.Snapshot, err)
		}
	}
	src := tenantSource("snapshot", snap.Tenant)
	src.Path = o.Snapshot
	return sc.Finish(snap.Tenant), loaded{tenant: snap.Tenant, source: src, warnings: snap.Warnings}, nil
}

// streamLive audits the tenant as Graph lists it: an object is audited
// once its certificate bodies are in, and only those the deployed side or
// the usage evidence name are kept for the join.
func (o *sourceOptions) streamLive(ctx context.Context, s *streams, inv *audit.Inventory, vaults []audit.Vault, p audit.Policy, now time.Time, quiet bool) (*audit.Result, loaded, error) {
	joinVaults(inv, nil, vaults)
	var sc *audit.Scanner
	lr, err := o.live.read(ctx, s, quiet, func(u *audit.Usage) func(graphclient.Object) {
		sc = audit.NewScanner(inv, u, p, now)
		return func(obj graphclient.Object) { scanObject(sc, &obj) }
	})
	if err != nil {
		return nil, loaded{}, err
	}
	return sc.Finish(lr.tenant), loaded{tenant: lr.tenant, source: lr.source, warnings: lr.warnings}, nil
}

// scanObject hands obj, as it is read, to the audit sc: as an
// application or as a service principal, as its Kind says.
func scanObject(sc *audit.Scanner, obj *graphclient.Object) {
	if obj.Kind == audit.KindServicePrincipal {
		sc.AddServicePrincipal(&obj.ServicePrincipal)
	} else {
		sc.AddApplication(&obj.Application)
	}
}

// loadTenant reads the tenant from the chosen source; quiet shows no
// progress of a live read.
func (o *sourceOptions) loadTenant(ctx context.Context, s *streams, now time.Time, quiet bool) (loaded, error) {
	switch {
	case o.Demo:
		t, inv, err := demo.Scenario(now)
		if err != nil {
			return loaded{}, err
		}
		return loaded{tenant: t, inv: inv, source: tenantSource("demo", t)}, nil
	case o.Snapshot != "":
		snap, err := graphclient.LoadSnapshotFile(o.Snapshot)
		if err != nil {
			return loaded{}, flagErr(reasonInput, "--snapshot", o.Snapshot, err)
		}
		vaults, err := snapshotVaults(snap.Sections, o.Snapshot)
		if err != nil {
			return loaded{}, flagErr(reasonInput, "--snapshot", o.Snapshot, err)
		}
		src := tenantSource("snapshot", snap.Tenant)
		src.Path = o.Snapshot
		return loaded{tenant: snap.Tenant, source: src, vaults: vaults, warnings: snap.Warnings}, nil
	}
	lr, err := o.live.read(ctx, s, quiet, nil)
	if err != nil {
		return loaded{}, err
	}
	return loaded{tenant: lr.tenant, source: lr.source, warnings: lr.warnings}, nil
}
