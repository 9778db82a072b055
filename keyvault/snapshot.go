package keyvault

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"

	"github.com/appaudit/appaudit/audit"
)

// SnapshotSection is the name of the member of an appaudit snapshot that
// holds the vaults read with the tenant (docs/snapshot-format.md).
const SnapshotSection = "keyVaults"

// snapVault is one vault in a snapshot. Its versions and policy are in
// Key Vault's own JSON (a version as GET /certificates/{name}/{version}
// returns it, less the key and secret IDs; the policy as GET
// .../policy returns it, less what appaudit does not read), so that the
// same decoder reads them as a live read.
type snapVault struct {
	URL              string     `json:"vaultUri"`
	Name             string     `json:"name"`
	ReadAt           string     `json:"readAt,omitempty"`
	Complete         *bool      `json:"complete"`
	IncompleteReason string     `json:"incompleteReason,omitempty"`
	Certificates     []snapCert `json:"certificates"`
}

type snapCert struct {
	ID       string                            `json:"id"`
	Policy   *azcertificates.CertificatePolicy `json:"policy,omitempty"`
	Versions []*azcertificates.Certificate     `json:"versions"`
}

// Section is the value of a snapshot's keyVaults member for vaults: what
// was read, and nothing secret (IDs, x5t, dates, public certificates,
// policies).
func Section(vaults []audit.Vault) any {
	out := make([]snapVault, 0, len(vaults))
	for _, v := range vaults {
		complete := v.Complete
		sv := snapVault{URL: v.URL, Name: v.Name, Complete: &complete, Certificates: []snapCert{}}
		if !v.ReadAt.IsZero() {
			sv.ReadAt = v.ReadAt.UTC().Format(time.RFC3339)
		}
		if !v.Complete {
			sv.IncompleteReason = v.IncompleteReason
		}
		for _, c := range v.Certificates {
			sc := snapCert{ID: c.ID, Policy: sdkPolicy(c.Policy), Versions: []*azcertificates.Certificate{}}
			for _, ver := range c.Versions {
				sc.Versions = append(sc.Versions, sdkVersion(ver))
			}
			sv.Certificates = append(sv.Certificates, sc)
		}
		out = append(out, sv)
	}
	return out
}

// ReadSection reads the value of a snapshot's keyVaults member; name is
// the snapshot's name, for messages. A vault that does not say whether it
// was read whole is incomplete.
func ReadSection(raw []byte, name string) ([]audit.Vault, error) {
	var in []snapVault
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, fmt.Errorf("keyvault: %s: %q is not a list of vaults as appaudit snapshot writes it: %v", name, SnapshotSection, err)
	}
	vaults := make([]audit.Vault, 0, len(in))
	for i, sv := range in {
		at := fmt.Sprintf("%s: %s[%d]", name, SnapshotSection, i)
		ep, err := ResolveVault(sv.URL, "public")
		if err != nil {
			msg := err.Error()
			var ce *ConfigError
			if errors.As(err, &ce) {
				msg = ce.Msg
			}
			return nil, fmt.Errorf("keyvault: %s: vaultUri: %s", at, msg)
		}
		v := audit.Vault{Name: sv.Name, URL: ep.URL, IncompleteReason: sv.IncompleteReason}
		if v.Name == "" {
			v.Name = ep.Name
		}
		switch {
		case sv.Complete == nil:
			v.IncompleteReason = "the snapshot does not say whether it was read whole (no \"complete\")"
		case *sv.Complete:
			v.Complete, v.IncompleteReason = true, ""
		case v.IncompleteReason == "":
			v.IncompleteReason = "the snapshot says it was not read whole"
		}
		if sv.ReadAt != "" {
			if v.ReadAt, err = time.Parse(time.RFC3339, sv.ReadAt); err != nil {
				return nil, fmt.Errorf("keyvault: %s: readAt %q is not an RFC 3339 time", at, clip(sv.ReadAt))
			}
		}
		for j, sc := range sv.Certificates {
			cname, _, ok := parseID(sc.ID)
			if !ok {
				return nil, fmt.Errorf("keyvault: %s.certificates[%d]: id %q is not a certificate ID (https://VAULT.vault.azure.net/certificates/NAME)", at, j, clip(sc.ID))
			}
			c := audit.VaultCertificate{Name: cname, ID: sc.ID, Policy: policyOf(sc.Policy)}
			for k, sver := range sc.Versions {
				if sver == nil {
					continue
				}
				ver, ok := versionOf(sver.ID, sver.X509Thumbprint, sver.Attributes)
				if !ok {
					return nil, fmt.Errorf("keyvault: %s.certificates[%d].versions[%d]: id %q names no version", at, j, k, clip(idOf(sver.ID)))
				}
				addCER(&ver, sver.CER)
				c.Versions = append(c.Versions, ver)
			}
			c.SortVersions()
			v.Certificates = append(v.Certificates, c)
		}
		vaults = append(vaults, v)
	}
	return vaults, nil
}
