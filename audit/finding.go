package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"
)

// Finding is one problem found by one check. Every check, in scan, doctor
// and preflight alike, reports through this type. Its JSON form (see
// MarshalJSON) is part of the report schema (docs/json-schema.md): never
// rename its members.
//
// A finding carries only what is its own; what its check says of every
// finding (title, remediation, AADSTS codes, reference) it takes from the
// catalogue when a report asks (Title, Remediation, AADSTS, Reference): a
// large tenant has hundreds of thousands of findings, and those words are
// the same for all of a check's.
type Finding struct {
	Check    string
	Severity Severity

	// App is the application or service principal concerned; nil for
	// findings about a local file alone.
	App *ObjectRef
	// Credential is the registered credential concerned, if any.
	Credential *CredentialRef
	// Local is the deployed certificate or thumbprint concerned, if any.
	Local *LocalRef

	Message string

	// LastSignIn is when Entra last recorded a sign-in with the
	// credential concerned (usage evidence, scan --usage); nil when
	// usage evidence was not read, does not list the credential, or lists
	// no sign-in with it (the message then says so).
	LastSignIn *time.Time

	// Fingerprint identifies the finding across runs: it is derived from
	// the check, the object, the credential and the local input, never from
	// the message text, so that baselines and suppressions survive wording
	// changes.
	Fingerprint string

	// saved is what a report read back said of the finding's check, when
	// this appaudit's catalogue does not say the same; nil otherwise.
	saved *CheckText
}

// CheckText is what a check says of each of its findings.
type CheckText struct {
	Title       string
	Remediation string
	AADSTS      []string
	Reference   string
}

// Text is what f's check says of it: from the catalogue, or from the
// report f was read back from when that said otherwise.
func (f *Finding) Text() CheckText {
	if f.saved != nil {
		return *f.saved
	}
	c := checksByID()[f.Check]
	return CheckText{Title: c.Title, Remediation: c.Remediation, AADSTS: c.AADSTS, Reference: c.Reference}
}

// Title is the title of f's check.
func (f *Finding) Title() string { return f.Text().Title }

// Remediation is what to do about f's check's findings.
func (f *Finding) Remediation() string { return f.Text().Remediation }

// AADSTS lists the sign-in errors f's check predicts; the caller must not
// change it.
func (f *Finding) AADSTS() []string { return f.Text().AADSTS }

// Reference is the documentation f's check rests on.
func (f *Finding) Reference() string { return f.Text().Reference }

// WireFinding is a Finding as the JSON report writes and reads it, with
// its check's words; its tags are the report schema's.
type WireFinding struct {
	Check       string         `json:"check"`
	Severity    Severity       `json:"severity"`
	Title       string         `json:"title"`
	App         *ObjectRef     `json:"app,omitempty"`
	Credential  *CredentialRef `json:"credential,omitempty"`
	Local       *LocalRef      `json:"local,omitempty"`
	Message     string         `json:"message"`
	Remediation string         `json:"remediation"`
	AADSTS      []string       `json:"aadsts,omitempty"`
	Reference   string         `json:"reference,omitempty"`
	LastSignIn  *time.Time     `json:"lastSignIn,omitempty"`
	Fingerprint string         `json:"fingerprint"`
}

// Wire is the finding as the JSON report writes it, with its check's
// words.
func (f *Finding) Wire() WireFinding {
	t := f.Text()
	return WireFinding{Check: f.Check, Severity: f.Severity, Title: t.Title, App: f.App, Credential: f.Credential,
		Local: f.Local, Message: f.Message, Remediation: t.Remediation, AADSTS: t.AADSTS, Reference: t.Reference,
		LastSignIn: f.LastSignIn, Fingerprint: f.Fingerprint}
}

// MarshalJSON writes the finding with its check's words.
func (f Finding) MarshalJSON() ([]byte, error) { return json.Marshal(f.Wire()) }

// UnmarshalJSON reads a finding a report wrote, keeping its check's words
// when they are not the catalogue's.
func (f *Finding) UnmarshalJSON(b []byte) error {
	var j WireFinding
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*f = Finding{Check: j.Check, Severity: j.Severity, App: j.App, Credential: j.Credential, Local: j.Local,
		Message: j.Message, LastSignIn: j.LastSignIn, Fingerprint: j.Fingerprint}
	saved := CheckText{Title: j.Title, Remediation: j.Remediation, AADSTS: j.AADSTS, Reference: j.Reference}
	if c, ok := checksByID()[j.Check]; !ok || c.Title != saved.Title || c.Remediation != saved.Remediation ||
		c.Reference != saved.Reference || !slices.Equal(c.AADSTS, saved.AADSTS) {
		f.saved = &saved
	}
	return nil
}

// Finding is a finding of check c; sev 0 is c's default severity.
// Result.FinishFindings sets the fingerprint.
func (c Check) Finding(sev Severity, app *ObjectRef, cred *CredentialRef, local *LocalRef, message string) Finding {
	if sev == 0 {
		sev = c.Severity
	}
	return Finding{Check: c.ID, Severity: sev, App: app, Credential: cred, Local: local, Message: message}
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
