package audit

import (
	"cmp"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Vault is one Azure Key Vault as appaudit read it (package keyvault, or
// the keyVaults section of a snapshot): its certificates, each with its
// versions and its policy. A Vault that could not be read whole says so:
// Complete is false and IncompleteReason says where reading stopped. It
// never holds a secret: only what the certificates endpoints return
// (x5t, dates, the public certificate, the policy).
type Vault struct {
	// Name is the vault's name, the first label of its host: kv-prod.
	Name string
	// URL is the vault's URL: https://kv-prod.vault.azure.net.
	URL string
	// ReadAt is when the read started.
	ReadAt time.Time
	// Complete is true only when every listing was read to its end.
	Complete         bool
	IncompleteReason string
	Certificates     []VaultCertificate
}

// VaultCertificate is one certificate of a vault: a name, its versions
// (each renewal or import makes one), and the policy that says how Key
// Vault renews it.
type VaultCertificate struct {
	Name string
	// ID is the certificate's ID without a version:
	// https://kv-prod.vault.azure.net/certificates/payroll.
	ID       string
	Versions []VaultVersion
	// Policy is nil when it was not read.
	Policy *VaultPolicy
}

// VaultVersion is one version of a vault certificate.
type VaultVersion struct {
	// ID is the version's ID: .../certificates/payroll/<version>.
	ID      string
	Version string
	// Thumbprints: SHA-1 from the x5t Key Vault lists; SHA-256 too when
	// the public certificate (cer) was read.
	Thumbprints Thumbprints
	Enabled     bool
	// NotBefore and Expires are the X.509 validity Key Vault reports (nbf
	// and exp); Created and Updated when the version was made and last
	// changed. Each is zero when Key Vault did not give it.
	NotBefore time.Time
	Expires   time.Time
	Created   time.Time
	Updated   time.Time
	// Subject is the certificate's subject when cer was read, else "".
	Subject string
	// Cert is the public certificate, when cer was read, and CER its DER
	// encoding as Key Vault gave it (for a snapshot to keep).
	Cert *Certificate
	CER  []byte
}

// VaultPolicy is what a certificate's policy says about its next
// version: who issues it, for whom, for how long, and what Key Vault does
// as the current version ages.
type VaultPolicy struct {
	// Issuer is "Self" (self-signed), "Unknown" (a CA Key Vault is not
	// integrated with: renewal is by hand) or the name of an issuer object
	// (an integrated CA such as DigiCert or GlobalSign).
	Issuer          string
	Subject         string
	ValidityMonths  int
	LifetimeActions []LifetimeAction
}

// The lifetime action types of a certificate policy (Key Vault REST API,
// LifetimeAction.action.action_type).
const (
	ActionAutoRenew     = "AutoRenew"
	ActionEmailContacts = "EmailContacts"
)

// LifetimeAction is one action of a policy and its trigger: exactly one
// of LifetimePercentage (1 to 99) and DaysBeforeExpiry is set.
type LifetimeAction struct {
	Action             string
	LifetimePercentage int
	DaysBeforeExpiry   int
}

// String is how people say it: "AutoRenew at 80% of the lifetime",
// "EmailContacts 30 days before expiry".
func (a LifetimeAction) String() string {
	switch {
	case a.LifetimePercentage > 0:
		return fmt.Sprintf("%s at %d%% of the lifetime", a.Action, a.LifetimePercentage)
	case a.DaysBeforeExpiry > 0:
		return fmt.Sprintf("%s %d days before expiry", a.Action, a.DaysBeforeExpiry)
	}
	return a.Action + " with no trigger"
}

// newer orders versions newest first: by creation, then by not-before,
// then by version string, so that the order never depends on how Key
// Vault listed them.
func newer(a, b *VaultVersion) int {
	return cmp.Or(b.Created.Compare(a.Created), b.NotBefore.Compare(a.NotBefore), strings.Compare(b.Version, a.Version))
}

// SortVersions puts the certificate's versions newest first.
func (c *VaultCertificate) SortVersions() {
	slices.SortStableFunc(c.Versions, func(a, b VaultVersion) int { return newer(&a, &b) })
}

// Latest is the most recently created version: what Key Vault returns
// for the certificate's name without a version, and so what a workload
// that loads the certificate (or its secret) by name asks for. nil when
// there is no version.
func (c *VaultCertificate) Latest() *VaultVersion {
	var best *VaultVersion
	for i := range c.Versions {
		if v := &c.Versions[i]; best == nil || newer(v, best) < 0 {
			best = v
		}
	}
	return best
}

// Current is the newest version that is enabled and whose not-before has
// passed at now (a zero NotBefore counts as passed): the version a
// workload loading the certificate by name signs with. nil when there is
// none.
//
// Key Vault serves the latest version by name and refuses it while it is
// disabled or outside its nbf..exp window (docs/keyvault.md); it does not
// fall back to an older one. So when Current is not Latest, a workload
// that loads the certificate now gets an error, and one that loaded it
// earlier still signs with Current.
func (c *VaultCertificate) Current(now time.Time) *VaultVersion {
	var best *VaultVersion
	for i := range c.Versions {
		v := &c.Versions[i]
		if !v.Enabled || v.NotBefore.After(now) {
			continue
		}
		if best == nil || newer(v, best) < 0 {
			best = v
		}
	}
	return best
}

// Version is the version with the thumbprints tp (some digest known on
// both sides equal), nil when none has them.
func (c *VaultCertificate) Version(tp Thumbprints) *VaultVersion {
	for i := range c.Versions {
		if c.Versions[i].Thumbprints.Matches(tp) {
			return &c.Versions[i]
		}
	}
	return nil
}

// Lookup finds the certificate and version of the vault with the
// thumbprints tp; both are nil when none has them.
func (v *Vault) Lookup(tp Thumbprints) (*VaultCertificate, *VaultVersion) {
	for i := range v.Certificates {
		if ver := v.Certificates[i].Version(tp); ver != nil {
			return &v.Certificates[i], ver
		}
	}
	return nil, nil
}

// Certificate is the certificate named name (Key Vault names are not case
// sensitive), nil when the vault has none.
func (v *Vault) Certificate(name string) *VaultCertificate {
	for i := range v.Certificates {
		if strings.EqualFold(v.Certificates[i].Name, name) {
			return &v.Certificates[i]
		}
	}
	return nil
}

// Renewal is when Key Vault will make the next version of a certificate
// by itself.
type Renewal struct {
	// At is the moment the AutoRenew trigger is reached, computed from the
	// current version's dates.
	At time.Time
	// Action is the lifetime action that fires.
	Action LifetimeAction
	// Overdue is true when At had passed at now: the renewal is due and
	// has not made a newer version yet (Key Vault renews asynchronously;
	// a renewal that keeps failing stays overdue).
	Overdue bool
}

// RenewalAt is when the trigger of action a is reached for a version
// valid from notBefore to expires: lifetime_percentage is that share of
// the validity after notBefore, days_before_expiry that many days before
// expires. ok is false for a trigger it cannot place (no dates, no
// trigger).
func RenewalAt(a LifetimeAction, notBefore, expires time.Time) (time.Time, bool) {
	if notBefore.IsZero() || expires.IsZero() || !expires.After(notBefore) {
		return time.Time{}, false
	}
	switch {
	case a.LifetimePercentage > 0 && a.LifetimePercentage < 100:
		life := expires.Sub(notBefore)
		return notBefore.Add(life / 100 * time.Duration(a.LifetimePercentage)).Add(life % 100 * time.Duration(a.LifetimePercentage) / 100), true
	case a.DaysBeforeExpiry > 0:
		return expires.AddDate(0, 0, -a.DaysBeforeExpiry), true
	}
	return time.Time{}, false
}

// NextRenewal says when Key Vault will renew the certificate by itself:
// the earliest AutoRenew trigger of its policy, placed on the current
// version's dates (see RenewalAt). ok is false when it will not: no
// policy read, no AutoRenew action, an issuer Key Vault cannot renew
// with ("Unknown": a CA it is not integrated with, which only emails the
// contacts), or no current version to place the trigger on.
func (c *VaultCertificate) NextRenewal(now time.Time) (Renewal, bool) {
	p := c.Policy
	cur := c.Current(now)
	if p == nil || cur == nil || strings.EqualFold(p.Issuer, "Unknown") {
		return Renewal{}, false
	}
	var best Renewal
	found := false
	for _, a := range p.LifetimeActions {
		if !strings.EqualFold(a.Action, ActionAutoRenew) {
			continue
		}
		at, ok := RenewalAt(a, cur.NotBefore, cur.Expires)
		if !ok || (found && !at.Before(best.At)) {
			continue
		}
		best, found = Renewal{At: at, Action: a}, true
	}
	best.Overdue = found && !best.At.After(now)
	return best, found
}

// VaultRef is a deployed mapping's reference to a vault certificate (its
// keyvault column): the vault by name, or by host when the reference was
// a URL, the certificate, and a version when one was named.
type VaultRef struct {
	// Vault is the vault's name (the first label of its host).
	Vault string
	// Host is the vault's host when the reference was a URL, else "".
	Host        string
	Certificate string
	Version     string
}

// String writes the reference back as VAULT/CERTIFICATE[/VERSION].
func (r VaultRef) String() string {
	s := r.Vault + "/" + r.Certificate
	if r.Version != "" {
		s += "/" + r.Version
	}
	return s
}

// Key Vault names: vaults 3 to 24 letters, digits and hyphens, starting
// with a letter; certificates 1 to 127 letters, digits and hyphens.
var (
	vaultNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$`)
	objectRE    = regexp.MustCompile(`^[A-Za-z0-9-]{1,127}$`)
	versionRE   = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)
)

// ValidVaultName reports whether s can be a Key Vault's name.
func ValidVaultName(s string) bool { return vaultNameRE.MatchString(s) }

// ParseVaultRef reads a reference to a vault certificate:
// VAULT/CERTIFICATE, VAULT/CERTIFICATE/VERSION, or the certificate's ID
// URL (https://kv-prod.vault.azure.net/certificates/payroll, with or
// without a version).
func ParseVaultRef(s string) (VaultRef, error) {
	s = strings.TrimSpace(s)
	const hint = "write VAULT/CERTIFICATE (kv-prod/payroll) or the certificate's ID (https://kv-prod.vault.azure.net/certificates/payroll)"
	var ref VaultRef
	var parts []string
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "https" || u.Hostname() == "" || u.RawQuery != "" || u.User != nil {
			return VaultRef{}, fmt.Errorf("%q is not a Key Vault certificate ID: %s", clip(s), hint)
		}
		ref.Host = strings.ToLower(u.Host)
		ref.Vault = strings.ToLower(strings.Split(u.Hostname(), ".")[0])
		path := strings.Split(strings.Trim(u.Path, "/"), "/")
		if len(path) < 2 || !strings.EqualFold(path[0], "certificates") {
			return VaultRef{}, fmt.Errorf("%q is not a certificate's ID (its path must be /certificates/NAME): %s", clip(s), hint)
		}
		parts = path[1:]
	} else {
		p := strings.Split(s, "/")
		if len(p) < 2 {
			return VaultRef{}, fmt.Errorf("%q names no certificate: %s", clip(s), hint)
		}
		if !ValidVaultName(p[0]) {
			return VaultRef{}, fmt.Errorf("%q is not a vault name (3 to 24 letters, digits and hyphens, starting with a letter): %s", clip(p[0]), hint)
		}
		ref.Vault = strings.ToLower(p[0])
		parts = p[1:]
	}
	if len(parts) > 2 {
		return VaultRef{}, fmt.Errorf("%q has more parts than a certificate and a version: %s", clip(s), hint)
	}
	if !objectRE.MatchString(parts[0]) {
		return VaultRef{}, fmt.Errorf("%q is not a certificate name (letters, digits and hyphens): %s", clip(parts[0]), hint)
	}
	ref.Certificate = parts[0]
	if len(parts) == 2 {
		if !versionRE.MatchString(parts[1]) {
			return VaultRef{}, fmt.Errorf("%q is not a certificate version: %s", clip(parts[1]), hint)
		}
		ref.Version = parts[1]
	}
	return ref, nil
}

// ResolveVaultRef finds the vault and certificate ref names among
// vaults: the vault by host when ref has one, else by name (not case
// sensitive), and the certificate by name. Either is nil when not found.
func ResolveVaultRef(vaults []Vault, ref VaultRef) (*Vault, *VaultCertificate) {
	for i := range vaults {
		v := &vaults[i]
		if ref.Host != "" {
			u, err := url.Parse(v.URL)
			if err != nil || !strings.EqualFold(u.Host, ref.Host) {
				continue
			}
		} else if !strings.EqualFold(v.Name, ref.Vault) {
			continue
		}
		return v, v.Certificate(ref.Certificate)
	}
	return nil, nil
}

// VaultsIncomplete says why the vaults are not all complete ("" when they
// are): an audit that read an incomplete vault is incomplete too.
func VaultsIncomplete(vaults []Vault) string {
	var why []string
	for _, v := range vaults {
		if !v.Complete {
			reason := v.IncompleteReason
			if reason == "" {
				reason = "not read whole"
			}
			why = append(why, "Key Vault "+v.Name+": "+reason)
		}
	}
	return strings.Join(why, "; ")
}

// VaultThumbprints lists the thumbprints of every version of every
// certificate in vaults, for a reader that wants to know which
// registered certificates a vault holds.
func VaultThumbprints(vaults []Vault) []Thumbprints {
	var out []Thumbprints
	eachVaultVersion(vaults, func(_ *Vault, _ *VaultCertificate, ver *VaultVersion) {
		if ver.Thumbprints.Known() {
			out = append(out, ver.Thumbprints)
		}
	})
	return out
}

// eachVaultVersion calls f with every version of every certificate of
// vaults, in order.
func eachVaultVersion(vaults []Vault, f func(*Vault, *VaultCertificate, *VaultVersion)) {
	for i := range vaults {
		v := &vaults[i]
		for j := range v.Certificates {
			c := &v.Certificates[j]
			for k := range c.Versions {
				f(v, c, &c.Versions[k])
			}
		}
	}
}

// ResolveVaultDeployments gives each deployment that names a vault
// certificate (Deployment.KeyVault) the certificate it signs with: the
// version the reference names, else the certificate's Current version at
// now, its thumbprints and (when its cer was read) its public certificate,
// with CertPath the version's ID. A row whose reference cannot be
// resolved (its vault was not read, or holds no such certificate or
// version, or no version is current) is left out, with a warning that
// says why, so that no check judges a deployment whose certificate is not
// known.
func ResolveVaultDeployments(deps []Deployment, vaults []Vault, now time.Time) ([]Deployment, []string) {
	out := deps[:0:0]
	var warnings []string
	for _, d := range deps {
		if d.KeyVault == nil {
			out = append(out, d)
			continue
		}
		ver, why := resolveVersion(vaults, *d.KeyVault, now)
		if ver == nil {
			warnings = append(warnings, fmt.Sprintf("%s: Key Vault certificate %s %s; the row was not checked", d.Source, d.KeyVault, why))
			continue
		}
		d.Thumbprints = ver.Thumbprints
		d.CertPath = ver.ID
		if ver.Cert != nil {
			d.Cert = &LocalCert{Source: ver.ID, Cert: ver.Cert}
		}
		out = append(out, d)
	}
	return out, warnings
}

// resolveVersion finds the version ref stands for: the one it names, or
// the current one. why says what is missing when it is nil.
func resolveVersion(vaults []Vault, ref VaultRef, now time.Time) (*VaultVersion, string) {
	v, c := ResolveVaultRef(vaults, ref)
	switch {
	case v == nil:
		return nil, "is in a vault that was not read (give it with --keyvault " + ref.Vault + ")"
	case c == nil && !v.Complete:
		return nil, "was not found in the part of the vault that could be read"
	case c == nil:
		return nil, "does not exist in the vault"
	case ref.Version != "":
		for i := range c.Versions {
			if strings.EqualFold(c.Versions[i].Version, ref.Version) {
				return &c.Versions[i], ""
			}
		}
		return nil, "has no such version"
	}
	if cur := c.Current(now); cur != nil {
		return cur, ""
	}
	return nil, "has no version that is enabled and valid now"
}

// VaultLocals gives every version of the vaults' certificates as a local
// certificate, for the doctor and preflight to name what a thumbprint is
// ("version v2 of kv-prod/payroll"): Source says the vault, certificate and
// version, Path is the version's ID, and HasKey is true, since Key Vault
// keeps every certificate's private key beside it. A version whose public
// certificate was not read is known by its thumbprints and dates only.
func VaultLocals(vaults []Vault) []LocalCert {
	var out []LocalCert
	eachVaultVersion(vaults, func(v *Vault, c *VaultCertificate, ver *VaultVersion) {
		if ver.Thumbprints.Known() {
			out = append(out, VaultLocal(v, c, ver))
		}
	})
	return out
}

// VaultLocal is one version of a vault certificate as a local certificate
// (see VaultLocals).
func VaultLocal(v *Vault, c *VaultCertificate, ver *VaultVersion) LocalCert {
	cert := ver.Cert
	if cert == nil {
		cert = &Certificate{Subject: c.subjectOf(ver), NotBefore: ver.NotBefore, NotAfter: ver.Expires, Thumbprints: ver.Thumbprints}
	}
	return LocalCert{Source: VaultVersionName(v, c, ver), Path: ver.ID, Cert: cert, HasKey: true}
}

// subjectOf is the subject of version ver: its own when its cer was read,
// else the one the certificate's policy gives its versions; "" when
// neither is known.
func (c *VaultCertificate) subjectOf(ver *VaultVersion) string {
	if ver.Subject == "" && c.Policy != nil {
		return c.Policy.Subject
	}
	return ver.Subject
}

// VaultVersionName names a version for messages: "Key Vault
// kv-prod/payroll (version 5b7d2e40)".
func VaultVersionName(v *Vault, c *VaultCertificate, ver *VaultVersion) string {
	return fmt.Sprintf("Key Vault %s/%s (version %s)", v.Name, c.Name, ver.Version)
}
