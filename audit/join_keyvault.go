package audit

import (
	"strings"
)

// vaultCert is a Key Vault certificate joined to the tenant: the version a
// workload loading it by name signs with now, and the apps that have one
// of its versions registered (or that a mapping row says load it).
type vaultCert struct {
	vault   *Vault
	cert    *VaultCertificate
	current *VaultVersion
	// apps are the apps that use the certificate, each as its application
	// and service principals.
	apps [][]*Object
}

// String names the certificate as people write it: kv-prod/payroll.
func (v *vaultCert) String() string { return v.vault.Name + "/" + v.cert.Name }

// registeredOn lists the certificates of objs that are a version of v.
func (v *vaultCert) registeredOn(objs []*Object) []*CertGroup {
	var out []*CertGroup
	for _, o := range objs {
		for _, g := range o.Groups {
			if v.cert.Version(g.Thumbprints) != nil {
				out = append(out, g)
			}
		}
	}
	return out
}

// localRef describes the version a workload loads, for a finding: the
// vault, the certificate and the version (its ID).
func (v *vaultCert) localRef() *LocalRef {
	ref := &LocalRef{Source: "Key Vault certificate " + v.String()}
	if c := v.current; c != nil {
		ref.CertPath = c.ID
		ref.Subject = c.Subject
		ref.NotBefore, ref.NotAfter = timePtr(c.NotBefore), timePtr(c.Expires)
		if tp := c.Thumbprints; tp.Known() {
			ref.Thumbprints = &tp
		}
	}
	return ref
}

// vaultRows gives the mapping rows that name a Key Vault certificate the
// thumbprints of the version they sign with (ResolveVaultDeployments: a
// row that cannot be resolved is left out with a warning), and says which
// joined vault certificate (s.vaultCerts) each row loads.
func (s *scan) vaultRows() ([]Deployment, map[*Deployment]*vaultCert) {
	rows, warnings := ResolveVaultDeployments(s.inv.Deployments, s.inv.Vaults, s.now)
	s.r.Warnings = append(s.r.Warnings, warnings...)
	joined := make(map[*VaultCertificate]*vaultCert, len(s.vaultCerts))
	for _, vc := range s.vaultCerts {
		joined[vc.cert] = vc
	}
	loads := map[*Deployment]*vaultCert{}
	for i := range rows {
		if ref := rows[i].KeyVault; ref != nil {
			if _, c := ResolveVaultRef(s.inv.Vaults, *ref); c != nil {
				loads[&rows[i]] = joined[c]
			}
		}
	}
	return rows, loads
}

// vaultCertsRead lists every certificate of the vaults read, with its
// current version. A vault that was not read whole makes the audit
// incomplete.
func (s *scan) vaultCertsRead() []*vaultCert {
	if why := VaultsIncomplete(s.inv.Vaults); why != "" {
		s.r.MarkIncomplete(why)
	}
	var out []*vaultCert
	for i := range s.inv.Vaults {
		v := &s.inv.Vaults[i]
		for j := range v.Certificates {
			c := &v.Certificates[j]
			out = append(out, &vaultCert{vault: v, cert: c, current: c.Current(s.now)})
		}
	}
	return out
}

// joinVaults joins every certificate of the vaults read: the apps that
// have one of its versions registered are taken to load it, as its
// current version, unless a mapping row already says how they use it.
func (s *scan) joinVaults() {
	for _, d := range s.deployments {
		if d.vault != nil && d.objs != nil {
			d.vault.apps = append(d.vault.apps, d.objs)
		}
	}
	for _, vc := range s.vaultCerts {
		if vc.current == nil {
			continue // nothing a workload could load
		}
		for _, objs := range s.appsWithVersion(vc.cert) {
			if vc.usedBy(objs) {
				continue // a mapping row says how
			}
			vc.apps = append(vc.apps, objs)
			d := &deployment{source: "Key Vault certificate " + vc.String(), vault: vc,
				tp: vc.current.Thumbprints, cert: vc.current.Cert, local: vc.localRef()}
			s.deployments = append(s.deployments, d)
			s.place(d, objs)
		}
	}
}

// usedBy reports whether the app objs is already known to use v.
func (v *vaultCert) usedBy(objs []*Object) bool {
	for _, app := range v.apps {
		if containsObject(app, objs[0]) {
			return true
		}
	}
	return false
}

// appsWithVersion lists the apps (each app's application and service
// principals) that have a version of c registered, in the order the
// tenant lists them.
func (s *scan) appsWithVersion(c *VaultCertificate) [][]*Object {
	var apps [][]*Object
	seen := map[string]bool{}
	for i := range c.Versions {
		for _, g := range s.x.Lookup(c.Versions[i].Thumbprints) {
			id := strings.ToLower(g.Obj.P.AppID)
			if seen[id] && id != "" {
				continue
			}
			seen[id] = true
			objs := s.x.App(id)
			if id == "" {
				objs = []*Object{g.Obj}
			}
			apps = append(apps, objs)
		}
	}
	return apps
}

// vaultStatus lists every vault certificate's current version with the
// objects it is registered on, beside the local certificates: a vault
// certificate registered on no app is listed, not reported.
func (s *scan) vaultStatus() {
	for _, vc := range s.vaultCerts {
		cur := vc.current
		if cur == nil {
			continue
		}
		var on []ObjectRef
		seen := map[*Object]bool{}
		for i := range vc.cert.Versions {
			for _, g := range s.x.Lookup(vc.cert.Versions[i].Thumbprints) {
				if !seen[g.Obj] {
					seen[g.Obj] = true
					on = append(on, *g.Obj.Ref)
				}
			}
		}
		s.r.LocalCertificates = append(s.r.LocalCertificates, LocalCertStatus{
			Source: VaultVersionName(vc.vault, vc.cert, cur), Subject: vc.cert.subjectOf(cur),
			Thumbprints: cur.Thumbprints, NotAfter: cur.Expires, HasKey: true, RegisteredOn: nonNil(on),
		})
	}
}
