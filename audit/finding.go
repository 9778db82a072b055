package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Finding is one problem found by one check. Every check, in scan, doctor
// and preflight alike, reports through this type. Its JSON tags are part of
// the report schema (docs/json-schema.md): never rename them.
type Finding struct {
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`

	// App is the application or service principal concerned; nil for
	// findings about a local file alone.
	App *ObjectRef `json:"app,omitempty"`
	// Credential is the registered credential concerned, if any.
	Credential *CredentialRef `json:"credential,omitempty"`
	// Local is the deployed certificate or thumbprint concerned, if any.
	Local *LocalRef `json:"local,omitempty"`

	Message     string   `json:"message"`
	Remediation string   `json:"remediation"`
	AADSTS      []string `json:"aadsts,omitempty"`
	Reference   string   `json:"reference,omitempty"`

	// LastSignIn is when Entra last recorded a sign-in with the
	// credential concerned (usage evidence, scan --usage); nil when
	// usage evidence was not read, does not list the credential, or lists
	// no sign-in with it (the message then says so).
	LastSignIn *time.Time `json:"lastSignIn,omitempty"`

	// Fingerprint identifies the finding across runs: it is derived from
	// the check, the object, the credential and the local input, never from
	// the message text, so that baselines and suppressions survive wording
	// changes.
	Fingerprint string `json:"fingerprint"`
}

// Finding is a finding of check c with the catalogue's fixed fields: its
// title, remediation, AADSTS codes and reference; sev 0 is c's default
// severity. Result.FinishFindings sets the fingerprint.
func (c Check) Finding(sev Severity, app *ObjectRef, cred *CredentialRef, local *LocalRef, message string) Finding {
	if sev == 0 {
		sev = c.Severity
	}
	return Finding{
		Check: c.ID, Severity: sev, Title: c.Title,
		App: app, Credential: cred, Local: local,
		Message:     message,
		Remediation: c.Remediation,
		AADSTS:      c.AADSTS,
		Reference:   c.Reference,
	}
}

// CredentialRef describes a registered credential in a finding.
type CredentialRef struct {
	// Kind is "certificate" or "secret".
	Kind        string `json:"kind"`
	KeyID       string `json:"keyId"`
	DisplayName string `json:"displayName,omitempty"`
	Type        string `json:"type,omitempty"`
	Usage       string `json:"usage,omitempty"`
	// PairedKeyIDs are the other registrations of the same certificate on
	// the same object (the Sign half of a SAML Sign/Verify pair).
	PairedKeyIDs     []string         `json:"pairedKeyIds,omitempty"`
	PairedUsages     []string         `json:"pairedUsages,omitempty"`
	StartDateTime    *time.Time       `json:"startDateTime,omitempty"`
	EndDateTime      *time.Time       `json:"endDateTime,omitempty"`
	Thumbprints      *Thumbprints     `json:"thumbprints,omitempty"`
	ThumbprintSource ThumbprintSource `json:"thumbprintSource,omitempty"`
	Subject          string           `json:"subject,omitempty"`
}

// Credential kinds in CredentialRef.Kind.
const (
	CredentialCertificate = "certificate"
	CredentialSecret      = "secret"
)

// LocalRef describes the local side of a finding: a deployed mapping row
// and/or a local certificate file.
type LocalRef struct {
	// Source is the mapping row ("deployed.csv:4") or the certificate file.
	Source string `json:"source"`
	// App is the app as the mapping row names it.
	App         string       `json:"app,omitempty"`
	CertPath    string       `json:"certPath,omitempty"`
	Thumbprints *Thumbprints `json:"thumbprints,omitempty"`
	Subject     string       `json:"subject,omitempty"`
	NotBefore   *time.Time   `json:"notBefore,omitempty"`
	NotAfter    *time.Time   `json:"notAfter,omitempty"`
}

// SetFingerprint derives f.Fingerprint from what the finding is about.
func (f *Finding) SetFingerprint() {
	h := sha256.New()
	part := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	part(f.Check)
	if f.App != nil {
		part(string(f.App.Kind))
		part(f.App.AppID)
		part(f.App.ObjectID)
	}
	if f.Credential != nil {
		part(f.Credential.KeyID)
	}
	if f.Local != nil {
		part(f.Local.App)
		if f.Local.Thumbprints != nil {
			part(f.Local.Thumbprints.SHA1 + f.Local.Thumbprints.SHA256)
		} else {
			part(f.Local.Source)
		}
	}
	f.Fingerprint = hex.EncodeToString(h.Sum(nil)[:12])
}

// utc is t in UTC; the zero time stays zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
