package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/keyvault"
)

// envKeyVaultToken holds the Key Vault token of --auth token: a token has
// one audience, so the Graph token (APPAUDIT_ACCESS_TOKEN) cannot serve.
const envKeyVaultToken = "APPAUDIT_KEYVAULT_TOKEN"

// keyvaultOptions are --keyvault: the Azure Key Vaults whose
// certificates are the deployed side. They are read live, with the
// --auth sign-in, also when the tenant comes from --snapshot.
type keyvaultOptions struct {
	Vaults []string
}

func (o *keyvaultOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&o.Vaults, "keyvault", nil, "read the certificates of the Azure Key Vault named `VAULT` (or at that URL) as deployed certificates, signing in with --auth, also with --snapshot (repeatable; needs the Key Vault Reader role)")
}

func (o *keyvaultOptions) given() bool { return len(o.Vaults) > 0 }

// signInFlags are the live flags that --keyvault uses too: with
// --snapshot, they sign in to the vaults.
var signInFlags = []string{"--auth", "--tenant", "--cloud", "--client-id", "--auth-client-id", "--client-cert"}

// withoutSignIn leaves the sign-in flags out of the live flags given.
func withoutSignIn(set []string) []string {
	return slices.DeleteFunc(set, func(f string) bool { return slices.Contains(signInFlags, f) })
}

// endpoints resolves the vaults in the cloud; every problem is a usage
// error.
func (o *keyvaultOptions) endpoints(cloud string) ([]keyvault.Endpoint, error) {
	if keyvault.Suffix(cloud) == "" {
		return nil, usageErr("--cloud %q: the clouds are %s", cloud, strings.Join(graphclient.CloudNames(), ", "))
	}
	var eps []keyvault.Endpoint
	for _, v := range o.Vaults {
		ep, err := keyvault.ResolveVault(v, cloud)
		if err != nil {
			return nil, flagErr(reasonUsage, "--keyvault", "", err)
		}
		if !slices.ContainsFunc(eps, func(e keyvault.Endpoint) bool { return e.URL == ep.URL }) {
			eps = append(eps, ep)
		}
	}
	return eps, nil
}

// read reads the vaults, signing in as live says. A vault that cannot be
// read whole comes back incomplete, saying why; only what the flags
// alone show wrong is an error.
func (o *keyvaultOptions) read(ctx context.Context, s *streams, live *liveOptions, quiet bool) ([]audit.Vault, error) {
	if !o.given() {
		return nil, nil
	}
	eps, err := o.endpoints(live.Cloud)
	if err != nil {
		return nil, err
	}
	mode, _, err := live.validate()
	if err != nil {
		return nil, err
	}
	cfg := keyvault.Config{UserAgent: "appaudit/" + moduleVersion()}
	if mode == graphclient.AuthToken {
		if cfg.Credential, err = keyvault.NewTokenCredential(s.Getenv(envKeyVaultToken), envKeyVaultToken, live.Cloud, nil); err != nil {
			return nil, flagErr(reasonUsage, "", "", err)
		}
	} else {
		in, err := live.credential(s)
		if err != nil {
			return nil, err
		}
		cfg.Credential = in.cred
	}
	if s.live != nil && s.live.keyvault != nil {
		s.live.keyvault(&cfg)
	}
	r, err := keyvault.NewReader(cfg)
	if err != nil {
		return nil, flagErr(reasonUsage, "", "", err)
	}
	var vaults []audit.Vault
	for _, ep := range eps {
		if s.ErrTTY && !quiet {
			fmt.Fprintf(s.ErrOut, "\rappaudit: reading Key Vault %s\x1b[K", ep.Name)
		}
		vaults = append(vaults, r.Read(ctx, ep))
		if ctx.Err() != nil {
			return nil, incompleteErr(fmt.Sprintf("interrupted while reading Key Vault %s", ep.Name))
		}
	}
	if s.ErrTTY && !quiet {
		st := r.Stats()
		fmt.Fprintf(s.ErrOut, "\rappaudit: read %s, %s (%s)\x1b[K\n", count(int64(len(vaults)), "vault"), count(st.Certificates, "certificate"), count(st.Requests, "request"))
	}
	return vaults, nil
}

// snapshotVaults are the vaults a snapshot's keyVaults section holds.
func snapshotVaults(sections map[string][]byte, path string) ([]audit.Vault, error) {
	raw, ok := sections[keyvault.SnapshotSection]
	if !ok {
		return nil, nil
	}
	return keyvault.ReadSection(raw, path)
}

// joinVaults gives inv the vaults: those read live, and those of the
// snapshot that were not read again (audit.Run resolves the mapping rows
// that name a vault certificate against them). The demo brings its own.
func joinVaults(inv *audit.Inventory, fromSnapshot, live []audit.Vault) {
	inv.Vaults = append(inv.Vaults, live...)
	for _, v := range fromSnapshot {
		if !slices.ContainsFunc(live, func(l audit.Vault) bool { return strings.EqualFold(l.URL, v.URL) }) {
			inv.Vaults = append(inv.Vaults, v)
		}
	}
}

// markVaults makes r incomplete when a vault was not read whole: an
// audit that could not see all that is deployed never looks clean.
func markVaults(r *audit.Result, vaults []audit.Vault) {
	if why := audit.VaultsIncomplete(vaults); why != "" {
		r.MarkIncomplete(why)
	}
}

// vaultCertRef reads --cert as a Key Vault certificate (VAULT/CERTIFICATE
// or its ID URL) when vaults are read with --keyvault and no file has that
// name.
func vaultCertRef(cert string, vaults []string) (audit.VaultRef, bool) {
	if len(vaults) == 0 {
		return audit.VaultRef{}, false
	}
	if _, err := os.Stat(cert); err == nil {
		return audit.VaultRef{}, false
	}
	ref, err := audit.ParseVaultRef(cert)
	return ref, err == nil
}

// vaultCert is the certificate preflight checks when --cert names a Key
// Vault certificate: its latest version (or the version named), the one a
// workload loading the certificate by name gets once Key Vault serves it.
// Key Vault keeps the private key with the certificate, so the key is the
// certificate's own.
func vaultCert(ref audit.VaultRef, vaults []audit.Vault) (*audit.LocalCert, error) {
	v, c := audit.ResolveVaultRef(vaults, ref)
	switch {
	case v == nil:
		return nil, usageErr("--cert %s: that vault was not read (give it with --keyvault %s)", ref, ref.Vault)
	case c == nil && !v.Complete:
		return nil, incompleteErr(fmt.Sprintf("--cert %s: not found in the part of the vault that could be read: %s", ref, v.IncompleteReason))
	case c == nil:
		return nil, usageErr("--cert %s: Key Vault %s has no certificate %s", ref, v.Name, ref.Certificate)
	}
	ver := c.Latest()
	if ref.Version != "" {
		ver = nil
		for i := range c.Versions {
			if strings.EqualFold(c.Versions[i].Version, ref.Version) {
				ver = &c.Versions[i]
			}
		}
	}
	if ver == nil {
		return nil, usageErr("--cert %s: Key Vault %s has no such version of %s", ref, v.Name, c.Name)
	}
	lc := audit.VaultLocal(v, c, ver)
	return &lc, nil
}
