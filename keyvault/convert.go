package keyvault

import (
	"crypto/sha1"
	"encoding/hex"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azcertificates"

	"github.com/appaudit/appaudit/audit"
)

// One decoding of Key Vault's wire format serves a live read and a
// snapshot: both hold azcertificates' models (the SDK decodes the JSON),
// and these functions turn them into audit types.

// parseID splits a certificate ID, https://kv.vault.azure.net/certificates/NAME[/VERSION],
// into its name and version. ok is false for anything else. (The SDK's
// own ID.Name panics on an ID without a name, so IDs from the wire are
// read here.)
func parseID(id string) (name, version string, ok bool) {
	u, err := url.Parse(id)
	if err != nil || u.Host == "" {
		return "", "", false
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 || len(parts) > 3 || !strings.EqualFold(parts[0], "certificates") || parts[1] == "" {
		return "", "", false
	}
	if len(parts) == 3 {
		version = parts[2]
	}
	return parts[1], version, true
}

func idOf(id *azcertificates.ID) string {
	if id == nil {
		return ""
	}
	return string(*id)
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// versionOf is a version as a listing (or a snapshot) describes it: ID,
// x5t and attributes. ok is false when its ID names no version.
func versionOf(id *azcertificates.ID, x5t []byte, attrs *azcertificates.CertificateAttributes) (audit.VaultVersion, bool) {
	_, ver, ok := parseID(idOf(id))
	if !ok || ver == "" {
		return audit.VaultVersion{}, false
	}
	v := audit.VaultVersion{ID: idOf(id), Version: ver}
	if len(x5t) == sha1.Size {
		v.Thumbprints.SHA1 = strings.ToUpper(hex.EncodeToString(x5t))
	}
	if attrs != nil {
		v.Enabled = attrs.Enabled == nil || *attrs.Enabled // Key Vault's default is enabled
		v.NotBefore, v.Expires = timeOf(attrs.NotBefore), timeOf(attrs.Expires)
		v.Created, v.Updated = timeOf(attrs.Created), timeOf(attrs.Updated)
	}
	return v, true
}

// addCER gives v its public certificate. A cer whose SHA-1 is not the
// version's x5t is left out: a thumbprint is never taken from a body that
// contradicts it. The thumbprints are digests of the DER and need no
// parsing; Cert and Subject are set only when the certificate parses
// (Go refuses some old ones, such as those with a negative serial
// number, which makecert wrote).
func addCER(v *audit.VaultVersion, cer []byte) {
	if len(cer) == 0 {
		return
	}
	tp := audit.ThumbprintsOf(cer)
	if v.Thumbprints.SHA1 != "" && v.Thumbprints.SHA1 != tp.SHA1 {
		return
	}
	v.Thumbprints, v.CER = v.Thumbprints.Merge(tp), append([]byte(nil), cer...)
	if c, err := audit.ParseCertificate(cer); err == nil {
		v.Cert, v.Subject = c, c.Subject
	}
}

// policyOf is what appaudit keeps of a certificate policy.
func policyOf(p *azcertificates.CertificatePolicy) *audit.VaultPolicy {
	if p == nil {
		return nil
	}
	out := &audit.VaultPolicy{}
	if p.IssuerParameters != nil && p.IssuerParameters.Name != nil {
		out.Issuer = *p.IssuerParameters.Name
	}
	if x := p.X509CertificateProperties; x != nil {
		if x.Subject != nil {
			out.Subject = *x.Subject
		}
		if x.ValidityInMonths != nil {
			out.ValidityMonths = int(*x.ValidityInMonths)
		}
	}
	for _, a := range p.LifetimeActions {
		if a == nil || a.Action == nil || a.Action.ActionType == nil {
			continue
		}
		la := audit.LifetimeAction{Action: string(*a.Action.ActionType)}
		if t := a.Trigger; t != nil {
			if t.LifetimePercentage != nil {
				la.LifetimePercentage = int(*t.LifetimePercentage)
			}
			if t.DaysBeforeExpiry != nil {
				la.DaysBeforeExpiry = int(*t.DaysBeforeExpiry)
			}
		}
		out.LifetimeActions = append(out.LifetimeActions, la)
	}
	return out
}

// sdkPolicy writes p back in Key Vault's terms, for a snapshot.
func sdkPolicy(p *audit.VaultPolicy) *azcertificates.CertificatePolicy {
	if p == nil {
		return nil
	}
	out := &azcertificates.CertificatePolicy{
		IssuerParameters:          &azcertificates.IssuerParameters{Name: nonEmpty(p.Issuer)},
		X509CertificateProperties: &azcertificates.X509CertificateProperties{Subject: nonEmpty(p.Subject)},
		LifetimeActions:           []*azcertificates.LifetimeAction{},
	}
	if p.ValidityMonths > 0 {
		m := int32(p.ValidityMonths)
		out.X509CertificateProperties.ValidityInMonths = &m
	}
	for _, a := range p.LifetimeActions {
		kind := azcertificates.CertificatePolicyAction(a.Action)
		la := &azcertificates.LifetimeAction{Action: &azcertificates.LifetimeActionType{ActionType: &kind},
			Trigger: &azcertificates.LifetimeActionTrigger{}}
		if a.LifetimePercentage > 0 {
			n := int32(a.LifetimePercentage)
			la.Trigger.LifetimePercentage = &n
		}
		if a.DaysBeforeExpiry > 0 {
			n := int32(a.DaysBeforeExpiry)
			la.Trigger.DaysBeforeExpiry = &n
		}
		out.LifetimeActions = append(out.LifetimeActions, la)
	}
	return out
}

// sdkVersion writes v back as Key Vault describes a version (ID, x5t,
// cer, attributes), for a snapshot.
func sdkVersion(v audit.VaultVersion) *azcertificates.Certificate {
	id := azcertificates.ID(v.ID)
	enabled := v.Enabled
	c := &azcertificates.Certificate{ID: &id, CER: v.CER,
		Attributes: &azcertificates.CertificateAttributes{Enabled: &enabled,
			NotBefore: timePtr(v.NotBefore), Expires: timePtr(v.Expires), Created: timePtr(v.Created), Updated: timePtr(v.Updated)}}
	if v.Thumbprints.SHA1 != "" {
		c.X509Thumbprint, _ = hex.DecodeString(v.Thumbprints.SHA1)
	}
	return c
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
