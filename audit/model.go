package audit

import (
	"fmt"
	"strings"
	"time"
)

// ObjectKind says whether credentials belong to an application object (the
// app registration) or to a service principal (the app's instance in a
// tenant). Both carry credentials, and Verify keys on either can
// authenticate the client.
type ObjectKind string

// The two kinds of directory object appaudit reads.
const (
	KindApplication      ObjectKind = "application"
	KindServicePrincipal ObjectKind = "servicePrincipal"
)

// Tenant is what was read of one Entra tenant, live or from a snapshot.
type Tenant struct {
	TenantID string    `json:"tenantId,omitempty"`
	Cloud    string    `json:"cloud,omitempty"`
	TakenAt  time.Time `json:"takenAt,omitempty"`

	// Complete is true only when every object was read. Readers set it
	// explicitly, so a Tenant built by a path that forgot to is treated as
	// incomplete, never as clean.
	Complete bool `json:"complete"`
	// IncompleteReason says where reading stopped when Complete is false.
	IncompleteReason string `json:"incompleteReason,omitempty"`

	Applications      []Application      `json:"-"`
	ServicePrincipals []ServicePrincipal `json:"-"`

	// Usage is what Entra recorded of the credentials in use (sign-in
	// activity, failed sign-ins), nil when it was not read (usage.go).
	Usage *Usage `json:"-"`
}

// Principal holds what applications and service principals have in common.
type Principal struct {
	ObjectID            string               `json:"objectId,omitempty"`
	AppID               string               `json:"appId"`
	DisplayName         string               `json:"displayName"`
	KeyCredentials      []KeyCredential      `json:"-"`
	PasswordCredentials []PasswordCredential `json:"-"`
}

// Application is an app registration (Graph application resource).
type Application struct {
	Principal
	SignInAudience string
}

// Ref is the reference findings carry to this application.
func (a *Application) Ref() ObjectRef { return a.Principal.ref(KindApplication) }

// ServicePrincipal is an enterprise application (Graph servicePrincipal
// resource). Its Sign keys sign SAML responses; the active one is named by
// PreferredTokenSigningKeyThumbprint.
type ServicePrincipal struct {
	Principal
	// AppDisplayName is the name of the application the service principal
	// is an instance of (Graph's appDisplayName).
	AppDisplayName                      string
	ServicePrincipalType                string
	AppOwnerOrganizationID              string
	PreferredTokenSigningKeyThumbprint  string
	PreferredTokenSigningKeyEndDateTime time.Time
	// AccountDisabled is true when Graph reported accountEnabled false: no
	// one can sign in as the service principal.
	AccountDisabled bool
}

// Ref is the reference findings carry to this service principal.
func (s *ServicePrincipal) Ref() ObjectRef { return s.Principal.ref(KindServicePrincipal) }

func (p *Principal) ref(k ObjectKind) ObjectRef {
	return ObjectRef{Kind: k, ObjectID: p.ObjectID, AppID: p.AppID, DisplayName: p.DisplayName}
}

// ObjectRef names the directory object a finding is about.
type ObjectRef struct {
	Kind        ObjectKind `json:"kind"`
	ObjectID    string     `json:"objectId,omitempty"`
	AppID       string     `json:"appId"`
	DisplayName string     `json:"displayName"`
}

// String renders the object for messages by what is known of it: its
// display name and app ID, as "Payroll" (1111...), and the kind when it is
// a service principal. An object known without a name (a listing with
// $select=id,keyCredentials, a file whose objects carry only an ID) is
// named by its kind and whichever ID it has, never as an empty name.
func (r ObjectRef) String() string {
	kind := "application"
	if r.Kind == KindServicePrincipal {
		kind = "service principal"
	}
	id := "appId " + r.AppID
	if r.AppID == "" {
		id = "object ID " + r.ObjectID
	}
	var s string
	switch {
	case r.DisplayName != "" && r.AppID != "":
		s = fmt.Sprintf("%q (%s)", r.DisplayName, r.AppID)
	case r.DisplayName != "" && r.ObjectID != "":
		s = fmt.Sprintf("%q (%s)", r.DisplayName, id)
	case r.DisplayName != "":
		s = fmt.Sprintf("%q", r.DisplayName)
	case r.AppID != "" || r.ObjectID != "":
		return kind + " with " + id
	default:
		return "an unnamed " + kind + " without an ID"
	}
	if r.Kind == KindServicePrincipal {
		s += " service principal"
	}
	return s
}

// Key credential types and usages as Graph spells them.
const (
	TypeAsymmetricX509Cert  = "AsymmetricX509Cert"
	TypeSymmetric           = "Symmetric"
	TypeX509CertAndPassword = "X509CertAndPassword"

	UsageVerify = "Verify"
	UsageSign   = "Sign"
)

// ThumbprintSource says where a registered credential's thumbprints come from.
type ThumbprintSource string

// Where a keyCredential's identity was learnt.
const (
	// FromCertificate: computed from the certificate body Graph returned
	// in key. Reliable.
	FromCertificate ThumbprintSource = "certificate"
	// FromKeyIdentifier: read from customKeyIdentifier because key was
	// null. Usually right, but the uploader chose those bytes.
	FromKeyIdentifier ThumbprintSource = "customKeyIdentifier"
	// FromLocalFile: the body was not returned, but a local certificate
	// with the customKeyIdentifier's thumbprint supplied it.
	FromLocalFile ThumbprintSource = "localCertificate"
	// FromNothing: key was null and customKeyIdentifier is not a digest;
	// only the displayName subject identifies the certificate.
	FromNothing ThumbprintSource = "unknown"
)

// KeyCredential is one entry of an object's keyCredentials.
type KeyCredential struct {
	KeyID               string
	DisplayName         string
	Type                string
	Usage               string
	Start               time.Time // zero when Graph gave none
	End                 time.Time // zero when Graph gave none
	CustomKeyIdentifier []byte

	// Key is the certificate body (DER) exactly as Graph returned it in
	// key, nil when Graph returned null. Kept so that a snapshot written
	// from a live read holds what was read.
	Key []byte
	// Cert is the certificate summarised from Key; nil when Key is nil or
	// not a certificate.
	Cert *Certificate
	// CertError says why a key that Graph did return could not be read as
	// a certificate.
	CertError string
	// Thumbprints identify the certificate, from Source.
	Thumbprints Thumbprints
	Source      ThumbprintSource
}

// Identify fills Cert, Thumbprints and Source from the key Graph returned
// (DER, nil when Graph returned null) and CustomKeyIdentifier. Decoders call
// it once per credential. A key that does not parse as a certificate is
// recorded in CertError, not fatal: Symmetric keys are not certificates.
func (k *KeyCredential) Identify(keyDER []byte) {
	k.Key, k.Cert, k.CertError = keyDER, nil, ""
	if len(keyDER) > 0 && k.Type != TypeSymmetric {
		c, err := ParseCertificate(keyDER)
		if err == nil {
			k.Cert = c
			k.Thumbprints = c.Thumbprints
			k.Source = FromCertificate
			return
		}
		k.CertError = "key is not a readable X.509 certificate: " + strings.TrimPrefix(err.Error(), "x509: ")
	}
	k.Thumbprints = ThumbprintsFromKeyIdentifier(k.CustomKeyIdentifier)
	k.Source = FromKeyIdentifier
	if !k.Thumbprints.Known() {
		k.Source = FromNothing
	}
}

// Subject is the certificate's subject when the body is known, otherwise
// the credential's displayName (the portal stores "CN=<subject>" there).
func (k *KeyCredential) Subject() string {
	if k.Cert != nil {
		return k.Cert.Subject
	}
	return k.DisplayName
}

// Ref describes the credential for a finding, as Graph has it: its
// window in UTC, Subject, and the thumbprint source of its Thumbprints.
// Callers that know more (a body from a local file, the completed
// thumbprints) fill it in.
func (k *KeyCredential) Ref() *CredentialRef {
	return &CredentialRef{
		Kind: CredentialCertificate, KeyID: k.KeyID, DisplayName: k.DisplayName,
		Type: k.Type, Usage: k.Usage,
		StartDateTime: timePtr(k.Start), EndDateTime: timePtr(k.End),
		Subject: k.Subject(), ThumbprintSource: k.Source,
	}
}

// IsCertificate reports whether the credential is an X.509 certificate.
func (k *KeyCredential) IsCertificate() bool {
	return k.Type == TypeAsymmetricX509Cert || k.Type == TypeX509CertAndPassword
}

// CanAuthenticateClient reports whether Entra checks client assertions
// against this credential: an AsymmetricX509Cert registered for Verify.
func (k *KeyCredential) CanAuthenticateClient() bool {
	return k.Type == TypeAsymmetricX509Cert && k.Usage == UsageVerify
}

// ValidAt reports whether now lies in the credential's registered window.
// A missing bound does not limit it.
func (k *KeyCredential) ValidAt(now time.Time) bool { return Within(k.Start, k.End, now) }

// PasswordCredential is one entry of an object's passwordCredentials. The
// secret itself is never returned by Graph after creation and appaudit
// keeps nothing of it, not even the hint.
type PasswordCredential struct {
	KeyID       string
	DisplayName string
	Start       time.Time
	End         time.Time
}

// ValidAt reports whether now lies in the secret's window.
func (p *PasswordCredential) ValidAt(now time.Time) bool { return Within(p.Start, p.End, now) }

// Within reports whether now lies in the window from start (inclusive) to
// end (exclusive). A zero bound does not limit it.
func Within(start, end, now time.Time) bool {
	if !start.IsZero() && now.Before(start) {
		return false
	}
	if !end.IsZero() && !now.Before(end) {
		return false
	}
	return true
}
