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
}

// deployment is one row of the deployed mapping joined to the tenant.
type deployment struct {
	row *Deployment
	// objs are the application and service principals the row names; nil
	// when it names none (the join warns).
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
func (d *deployment) app() *ObjectRef { return &d.objs[0].Ref }

// join resolves every deployment against the index.
func (s *scan) join() {
	s.deployedBy = make(map[*CertGroup][]*deployment)
	s.covered = make(map[*Object]bool)
	s.deployedThumbs = make(map[thumbKey]bool)
	for i := range s.inv.Deployments {
		row := &s.inv.Deployments[i]
		d := &deployment{row: row, tp: row.Thumbprints, local: deploymentRef(row)}
		s.deployments = append(s.deployments, d)
		objs, why := s.x.Resolve(row.App, s.complete)
		if objs == nil {
			s.r.Warnings = append(s.r.Warnings, fmt.Sprintf("%s: %s; the row was not checked", row.Source, why))
			continue
		}
		d.objs = objs
		for _, o := range objs {
			s.covered[o] = true
		}
		if row.Cert != nil && row.Cert.Cert != nil {
			d.cert = row.Cert.Cert
			d.tp = d.tp.Merge(d.cert.Thumbprints)
		}
		for _, k := range thumbKeys(d.tp) {
			s.deployedThumbs[k] = true
		}
		d.matched = Matches(objs, d.tp)
		if len(d.matched) == 0 && d.cert != nil {
			d.sameSubject = WithSubject(objs, d.cert.Subject)
		}
		for _, g := range append(d.matched, d.sameSubject...) {
			s.deployedBy[g] = append(s.deployedBy[g], d)
		}
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
