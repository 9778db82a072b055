package audit

import "strings"

// interest is what the deployed side and the usage evidence can join to
// the tenant: the app IDs and display names the mapping and the sign-in
// log name, the thumbprints of every certificate deployed, kept locally,
// in a vault or presented in a failed sign-in, and the common names of
// the certificates deployed or kept locally. An object none of them
// touches takes no part in the join (Scanner).
type interest struct {
	appIDs   map[string]bool // lower case
	names    map[string]bool // as written, and lower case for suggestions
	thumbs   map[thumbKey]bool
	subjects map[string]bool // lower-case common names
}

func newInterest(inv *Inventory, usage *Usage) interest {
	in := interest{appIDs: map[string]bool{}, names: map[string]bool{}, thumbs: map[thumbKey]bool{}, subjects: map[string]bool{}}
	thumbs := func(tp Thumbprints) {
		for _, k := range thumbKeys(tp) {
			in.thumbs[k] = true
		}
	}
	subject := func(c *Certificate) {
		if c != nil {
			if cn := strings.ToLower(CommonName(c.Subject)); cn != "" {
				in.subjects[cn] = true
			}
		}
	}
	for _, d := range inv.Deployments {
		app := strings.TrimSpace(d.App)
		in.appIDs[strings.ToLower(app)] = true
		in.names[app], in.names[strings.ToLower(app)] = true, true
		thumbs(d.Thumbprints)
		if d.Cert != nil && d.Cert.Cert != nil {
			thumbs(d.Cert.Cert.Thumbprints)
			subject(d.Cert.Cert)
		}
	}
	for _, lc := range inv.Certs {
		if lc.Cert != nil {
			thumbs(lc.Cert.Thumbprints)
			subject(lc.Cert)
		}
	}
	eachVaultVersion(inv.Vaults, func(_ *Vault, _ *VaultCertificate, ver *VaultVersion) {
		thumbs(ver.Thumbprints)
		subject(ver.Cert)
	})
	if usage != nil {
		for _, f := range usage.Failed {
			in.appIDs[strings.ToLower(f.AppID)] = true
			if p, err := ParseThumbprint(f.Thumbprint); err == nil {
				thumbs(p.Thumbprints)
			}
		}
	}
	return in
}

// touches reports whether the deployed side or the usage evidence can
// join o: its app ID or display name is named, or one of its certificates
// has a thumbprint or a common name they hold.
func (in interest) touches(o *Object) bool {
	if in.appIDs[strings.ToLower(o.P.AppID)] || in.names[o.P.DisplayName] || in.names[strings.ToLower(o.P.DisplayName)] {
		return true
	}
	for _, g := range o.Groups {
		for _, k := range thumbKeys(g.Thumbprints) {
			if in.thumbs[k] {
				return true
			}
		}
		if len(in.subjects) > 0 && in.subjects[strings.ToLower(CommonName(g.Subject()))] {
			return true
		}
	}
	return false
}

// keep records that o is kept: the objects of the same app that come
// after it are kept too.
func (in interest) keep(o *Object) {
	if o.P.AppID != "" {
		in.appIDs[strings.ToLower(o.P.AppID)] = true
	}
}
