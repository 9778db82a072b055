package audit

import "fmt"

// facts are what the deployed side says of the tenant, joined once before
// any check runs: which app each deployment names, which of the app's
// certificates it signs with, and so which registered certificates are in
// use. The checks read them and never change them.
type facts struct {
	deployments []*deployment
	// deployedBy lists, for a registered certificate, the deployments
	// that sign with it (by thumbprint, or by subject when the deployment
	// matches none of the app's certificates: one side of a rotation).
	deployedBy map[*CertGroup][]*deployment
	// covered marks the objects some deployment names.
	covered map[*Object]bool
	// deployedThumbs marks the certificates a deployment signs with.
	deployedThumbs map[thumbKey]bool
	// vaultCerts are the certificates of the Key Vaults read.
	vaultCerts []*vaultCert
}

// deployment is one thing that signs as an app, joined to the tenant: a
// row of the deployed mapping, or the current version of a Key Vault
// certificate that the app has registered a version of.
type deployment struct {
	// source says where the deployment is known from, for messages: the
	// mapping row ("deployed.csv:4") or the vault certificate ("Key Vault
	// certificate kv-prod/payroll").
	source string
	// keyMismatch says why the private key deployed beside the
	// certificate is not its own; "" when it is, or is not known.
	keyMismatch string
	// vault is the vault certificate the deployment loads, nil for a
	// mapping row that names a file or a thumbprint.
	vault *vaultCert
	// objs are the application and service principals it names; nil
	// when a mapping row names none (the join warns).
	objs []*Object
	// tp are the thumbprints it signs with, completed from its
	// certificate; cert is that certificate, when known.
	tp    Thumbprints
	cert  *Certificate
	local *LocalRef
	// matched are the app's certificates tp names; when there are none
	// and the certificate is known, sameSubject are the app's certificates
	// with its subject.
	matched     []*CertGroup
	sameSubject []*CertGroup
}

// app is the object findings about the deployment name: the first the row
// resolved to.
func (d *deployment) app() *ObjectRef { return d.objs[0].Ref }

// join resolves every deployment against the index.
func (s *scan) join() {
	s.deployedBy = make(map[*CertGroup][]*deployment)
	s.covered = make(map[*Object]bool)
	s.deployedThumbs = make(map[thumbKey]bool)
	s.vaultCerts = s.vaultCertsRead()
	rows, loads := s.vaultRows()
	for i := range rows {
		row := &rows[i]
		d := &deployment{source: row.Source, tp: row.Thumbprints, local: deploymentRef(row), vault: loads[row]}
		s.deployments = append(s.deployments, d)
		objs, why := s.x.Resolve(row.App, s.complete)
		if objs == nil {
			s.r.Warnings = append(s.r.Warnings, fmt.Sprintf("%s: %s; the row was not checked", row.Source, why))
			continue
		}
		if row.Cert != nil && row.Cert.Cert != nil {
			d.cert = row.Cert.Cert
			d.tp = d.tp.Merge(d.cert.Thumbprints)
			d.keyMismatch = row.Cert.KeyMismatch
		}
		s.place(d, objs)
	}
	s.joinVaults()
}

// place joins deployment d to the app objs it names: the app is covered,
// its certificate deployed, and the app's certificates it matches (by
// thumbprint, or by subject when none does) are in use.
func (s *scan) place(d *deployment, objs []*Object) {
	d.objs = objs
	for _, o := range objs {
		s.covered[o] = true
	}
	for _, k := range thumbKeys(d.tp) {
		s.deployedThumbs[k] = true
	}
	d.matched = Matches(objs, d.tp)
	if len(d.matched) == 0 && d.cert != nil {
		d.sameSubject = WithSubject(objs, d.cert.Subject)
	}
	if len(d.matched) == 0 && d.vault != nil {
		d.sameSubject = d.vault.registeredOn(objs)
	}
	for _, g := range append(d.matched, d.sameSubject...) {
		s.deployedBy[g] = append(s.deployedBy[g], d)
	}
}

// isDeployed reports whether a deployment signs with the certificate tp
// names.
func (s *scan) isDeployed(tp Thumbprints) bool {
	for _, k := range thumbKeys(tp) {
		if s.deployedThumbs[k] {
			return true
		}
	}
	return false
}

func deploymentRef(d *Deployment) *LocalRef {
	ref := &LocalRef{Source: d.Source, App: d.App, CertPath: d.CertPath}
	tp := d.Thumbprints
	if d.Cert != nil && d.Cert.Cert != nil {
		tp = tp.Merge(d.Cert.Cert.Thumbprints)
		ref.Subject = d.Cert.Cert.Subject
		ref.NotBefore = timePtr(d.Cert.Cert.NotBefore)
		ref.NotAfter = timePtr(d.Cert.Cert.NotAfter)
		if ref.CertPath == "" {
			ref.CertPath = d.Cert.Source
		}
	}
	if tp.Known() {
		ref.Thumbprints = &tp
	}
	return ref
}

// LocalCertRef describes a local certificate for a finding.
func LocalCertRef(lc *LocalCert) *LocalRef {
	tp := lc.Cert.Thumbprints
	return &LocalRef{
		Source: lc.Source, CertPath: lc.Path, Thumbprints: &tp, Subject: lc.Cert.Subject,
		NotBefore: timePtr(lc.Cert.NotBefore), NotAfter: timePtr(lc.Cert.NotAfter),
	}
}
