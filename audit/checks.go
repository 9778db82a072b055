package audit

import (
	"slices"
	"sync"
)

// Check is the fixed description of one check: declared once here, used by
// the checks when they report, by `appaudit explain`, and by the generated
// catalogue in the README. Runtime facts live in Finding.
type Check struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Severity is the default; a check may raise or lower it for one
	// finding, and Description says when.
	Severity Severity `json:"severity"`
	// Command is the command that runs the check: scan, doctor or preflight.
	Command string `json:"command"`
	// Scope says what a scan check examines (see Scope); empty for the
	// checks of doctor and preflight.
	Scope Scope `json:"scope,omitempty"`
	// Stage says how far Entra gets with a sign-in before the problem a
	// doctor check finds stops it (see Stage); 0 for the others.
	Stage Stage `json:"stage,omitempty"`
	// AADSTS lists the sign-in errors the problem produces.
	AADSTS      []string `json:"aadsts,omitempty"`
	Description string   `json:"description"`
	Remediation string   `json:"remediation"`
	Reference   string   `json:"reference"`
}

// Check IDs run by appaudit scan. They are a public contract.
const (
	CheckCertExpired             = "cert-expired"
	CheckCertExpiring            = "cert-expiring"
	CheckCertNotYetValid         = "cert-not-yet-valid"
	CheckCertWrongUsage          = "cert-wrong-usage"
	CheckCertNotRegistered       = "cert-not-registered"
	CheckCertRotatedOneSide      = "cert-rotated-one-side"
	CheckCertKeyMismatch         = "cert-key-mismatch"
	CheckCertUnused              = "cert-unused"
	CheckCertWeakKey             = "cert-weak-key"
	CheckCertLongLived           = "cert-long-lived"
	CheckCertUnidentified        = "cert-unidentified"
	CheckSecretExpired           = "secret-expired"
	CheckSecretExpiring          = "secret-expiring"
	CheckSecretLongLived         = "secret-long-lived"
	CheckSecretPresent           = "secret-present"
	CheckLocalCertUnregistered   = "local-cert-unregistered"
	CheckSAMLCertExpired         = "saml-cert-expired"
	CheckSAMLCertExpiring        = "saml-cert-expiring"
	CheckSAMLCertInactiveExpired = "saml-cert-inactive-expired"
	CheckKeyVaultRenewalDue      = "keyvault-renewal-due"
	CheckKeyVaultRenewalMissing  = "keyvault-renewal-missing"
	CheckSignInFailing           = "signin-failing"
	CheckRotationIncomplete      = "rotation-incomplete"
	CheckCredentialUnused        = "credential-unused"
)

// Scope says what a scan check examines, so that a report can tell a check
// that passed on an object from one that never looked at it.
type Scope string

// The scopes of scan checks.
const (
	// ScopeCertificate: every registered certificate of every object.
	ScopeCertificate Scope = "certificate"
	// ScopeSecret: every client secret of every object.
	ScopeSecret Scope = "secret"
	// ScopeSAML: the token-signing certificates of service principals.
	ScopeSAML Scope = "saml"
	// ScopeDeployment: the objects the deployed mapping names, and the
	// deployments themselves; they run only when there is a mapping (or,
	// for a check that also looks at local files, local certificates).
	ScopeDeployment Scope = "deployment"
	// ScopeLocal: local certificate files, not objects; they run only when
	// there are local certificates.
	ScopeLocal Scope = "local"
	// ScopeKeyVault: the Key Vault certificates apps load; they run only
	// when vaults were read, and examine the apps that load one.
	ScopeKeyVault Scope = "keyvault"
	// ScopeUsage: every credential, held against what Entra recorded of
	// its sign-ins; they run only when usage evidence was read.
	ScopeUsage Scope = "usage"
)

// Reference pages the checks cite.
const (
	refCertCredentials    = "https://learn.microsoft.com/entra/identity-platform/certificate-credentials"
	refErrorCodes         = "https://learn.microsoft.com/entra/identity-platform/reference-error-codes"
	refKeyCredential      = "https://learn.microsoft.com/graph/api/resources/keycredential"
	refPasswordCred       = "https://learn.microsoft.com/graph/api/resources/passwordcredential"
	refSCuBA              = "https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md"
	refAddCredentials     = "https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials"
	refSAMLCerts          = "https://learn.microsoft.com/entra/identity/enterprise-apps/tutorial-manage-certificates-for-federated-single-sign-on"
	refKeyVaultRenewal    = "https://learn.microsoft.com/azure/key-vault/certificates/overview-renew-certificate"
	refSignInLogs         = "https://learn.microsoft.com/graph/api/resources/signin"
	refCredentialActivity = "https://learn.microsoft.com/graph/api/resources/appcredentialsigninactivity"
)

// Stage is how far Entra gets with a sign-in before a problem stops it:
// it must read the request, find a credential in it, read the assertion,
// know the app, take the header, find the certificate registered and
// valid, verify the signature, then accept the claims and the scope. When
// the doctor finds several failures, the earliest stage is the most likely
// cause (within a stage, catalogue order decides); the AADSTS error itself
// comes last, as the symptom.
type Stage int

// The stages of a sign-in, in the order Entra passes them.
const (
	StageRequest    Stage = iota + 1 // a readable request with one credential of the right type
	StageAssertion                   // a readable client assertion
	StageApp                         // a client the tenant has
	StageHeader                      // a header Entra takes, naming a certificate
	StageRegistered                  // the certificate registered on the app
	StageValid                       // and valid at the time
	StageSignature                   // a signature that verifies
	StageClaims                      // the claims
	StageScope                       // the scope and the grant
	StageSymptom                     // the error Entra answered
)

var stageNames = [...]string{StageRequest: "request", StageAssertion: "assertion", StageApp: "app", StageHeader: "header",
	StageRegistered: "registered", StageValid: "valid", StageSignature: "signature", StageClaims: "claims", StageScope: "scope", StageSymptom: "symptom"}

func (s Stage) String() string {
	if s < StageRequest || s > StageSymptom {
		return ""
	}
	return stageNames[s]
}

// MarshalText writes the stage's name.
func (s Stage) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// CauseOrder ranks the checks for a verdict: by stage, then by catalogue
// order; checks without a stage come after those with one.
func CauseOrder() map[string]int {
	rank := map[string]int{}
	for i, c := range Checks() {
		stage := int(c.Stage)
		if stage == 0 {
			stage = int(StageSymptom) + 1
		}
		rank[c.ID] = stage*10000 + i
	}
	return rank
}

// Checks is the whole catalogue, in the order documentation lists it: the
// scan checks (declared beside their logic, in the checks_*.go files),
// then those of doctor and preflight.
func Checks() []Check {
	var out []Check
	for _, rl := range scanRules() {
		out = append(out, rl.Check)
	}
	return append(append(out, doctorChecks()...), preflightChecks()...)
}

// LookupCheck finds a check by ID.
func LookupCheck(id string) (Check, bool) {
	c, ok := checksByID()[id]
	if ok {
		c.AADSTS = slices.Clone(c.AADSTS) // the caller's own, as from Checks
	}
	return c, ok
}

// checksByID indexes the catalogue by ID, the first check with an ID
// winning; built once.
var checksByID = sync.OnceValue(func() map[string]Check {
	cs := Checks()
	m := make(map[string]Check, len(cs))
	for _, c := range cs {
		if _, dup := m[c.ID]; !dup {
			m[c.ID] = c
		}
	}
	return m
})
