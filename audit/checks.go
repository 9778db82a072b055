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
	// AADSTS lists the sign-in errors the problem produces.
	AADSTS      []string `json:"aadsts,omitempty"`
	Description string   `json:"description"`
	Remediation string   `json:"remediation"`
	Reference   string   `json:"reference"`
}

// Check IDs run by appaudit scan. They are a public contract.
const (
	CheckCertExpired           = "cert-expired"
	CheckCertExpiring          = "cert-expiring"
	CheckCertNotYetValid       = "cert-not-yet-valid"
	CheckCertWrongUsage        = "cert-wrong-usage"
	CheckCertNotRegistered     = "cert-not-registered"
	CheckCertRotatedOneSide    = "cert-rotated-one-side"
	CheckCertKeyMismatch       = "cert-key-mismatch"
	CheckCertUnused            = "cert-unused"
	CheckCertWeakKey           = "cert-weak-key"
	CheckCertLongLived         = "cert-long-lived"
	CheckCertUnidentified      = "cert-unidentified"
	CheckSecretExpired         = "secret-expired"
	CheckSecretExpiring        = "secret-expiring"
	CheckSecretLongLived       = "secret-long-lived"
	CheckSecretPresent         = "secret-present"
	CheckLocalCertUnregistered = "local-cert-unregistered"
	CheckSAMLCertExpired       = "saml-cert-expired"
	CheckSAMLCertExpiring      = "saml-cert-expiring"
)

// Reference pages the checks cite.
const (
	refCertCredentials = "https://learn.microsoft.com/entra/identity-platform/certificate-credentials"
	refErrorCodes      = "https://learn.microsoft.com/entra/identity-platform/reference-error-codes"
	refKeyCredential   = "https://learn.microsoft.com/graph/api/resources/keycredential"
	refPasswordCred    = "https://learn.microsoft.com/graph/api/resources/passwordcredential"
	refSCuBA           = "https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md"
	refAddCredentials  = "https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials"
	refSAMLCerts       = "https://learn.microsoft.com/entra/identity/enterprise-apps/tutorial-manage-certificates-for-federated-single-sign-on"
)

// Checks is the whole catalogue, in the order documentation lists it.
func Checks() []Check {
	return append(append(scanChecks(), doctorChecks()...), preflightChecks()...)
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

func scanChecks() []Check {
	return []Check{
		{
			ID: CheckCertExpired, Title: "Registered certificate has expired",
			Severity: SeverityHigh, Command: "scan",
			AADSTS: []string{"AADSTS700027", "AADSTS1000502"},
			Description: "A keyCredential's endDateTime has passed. Client assertions signed with it fail. " +
				"Critical when the deployed mapping says an app still signs with it; medium when another " +
				"certificate for the same purpose is valid on the same object (a leftover of a finished rotation). " +
				"A service principal's active SAML signing certificate is reported by saml-cert-expired instead.",
			Remediation: "Upload a new certificate to the app registration, switch the deployment to it, then remove the expired credential.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckCertExpiring, Title: "Registered certificate expires soon",
			Severity: SeverityMedium, Command: "scan",
			AADSTS: []string{"AADSTS700027", "AADSTS1000502"},
			Description: "A keyCredential ends within --warn-days. High when the deployed mapping says an app signs " +
				"with it and no successor is registered; low when a successor (another certificate for the same " +
				"purpose that outlives it) is already registered on the same object. A service principal's active SAML " +
				"signing certificate is reported by saml-cert-expiring instead.",
			Remediation: "Upload the successor certificate now (both can be registered at once), switch the deployment, then remove the old one.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckCertNotYetValid, Title: "Registered certificate is not valid yet",
			Severity: SeverityMedium, Command: "scan",
			AADSTS: []string{"AADSTS700027", "AADSTS1000502"},
			Description: "A keyCredential's startDateTime is still ahead. High when the deployed mapping says an app " +
				"already signs with it: sign-in fails until the start date.",
			Remediation: "Keep the deployment on the current certificate until the new one's start date, or register the new certificate with a start date that has passed.",
			Reference:   refKeyCredential,
		},
		{
			ID: CheckCertWrongUsage, Title: "Deployed certificate is registered with the wrong usage or type",
			Severity: SeverityCritical, Command: "scan",
			AADSTS: []string{"AADSTS700027"},
			Description: "The certificate a deployment signs with is registered on the app, but not as an " +
				"AsymmetricX509Cert with usage Verify. Entra checks client assertions against Verify keys only; " +
				"Sign keys (and X509CertAndPassword) are for SAML token signing.",
			Remediation: "Register the certificate again with type AsymmetricX509Cert and usage Verify (the portal's Certificates & secrets page does this), or deploy a certificate that is.",
			Reference:   refKeyCredential,
		},
		{
			ID: CheckCertNotRegistered, Title: "Deployed certificate is not registered on the app",
			Severity: SeverityCritical, Command: "scan",
			AADSTS: []string{"AADSTS700027"},
			Description: "The certificate or thumbprint a deployment signs with matches no keyCredential of that app " +
				"or its service principal: Entra answers \"the key was not found\". The finding says when the " +
				"certificate is registered on another app instead.",
			Remediation: "Upload the deployed certificate (public part only) to the app registration, or point the deployment at a certificate that is registered.",
			Reference:   refErrorCodes,
		},
		{
			ID: CheckCertRotatedOneSide, Title: "Certificate rotated on one side only",
			Severity: SeverityCritical, Command: "scan",
			AADSTS: []string{"AADSTS700027"},
			Description: "The deployed certificate and a registered one share a subject but not a thumbprint: either " +
				"the new certificate was deployed but never uploaded, or it was uploaded (and the old one " +
				"removed) while the deployment still signs with the old one. The message says which side is behind.",
			Remediation: "Bring the side that is behind up to date: upload the deployed certificate to the app, or deploy the certificate the app now has.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckCertKeyMismatch, Title: "Deployed private key does not belong to the certificate",
			Severity: SeverityCritical, Command: "scan",
			AADSTS: []string{"AADSTS7000274", "AADSTS700027"},
			Description: "The private key deployed beside the certificate is not the key of that certificate: the " +
				"assertion names one certificate and is signed by another key, so its signature does not verify.",
			Remediation: "Deploy the certificate together with its own private key (re-export the PFX from the store that created the key pair).",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckCertUnused, Title: "Registered certificate is used by no deployment",
			Severity: SeverityLow, Command: "scan",
			Description: "A Verify certificate is registered on an app that the deployed mapping covers, but no row of " +
				"the mapping signs with it. Unused credentials widen the attack surface and hide which one is live.",
			Remediation: "Remove the credential once no workload signs with it, or add the deployment that uses it to the mapping.",
			Reference:   refAddCredentials,
		},
		{
			ID: CheckCertWeakKey, Title: "Registered certificate has a weak key or signature",
			Severity: SeverityMedium, Command: "scan",
			Description: "The certificate body is known (from Graph or a matching local file) and has an RSA key shorter " +
				"than the policy's minimum (2048 bits) or a SHA-1 or MD5 signature.",
			Remediation: "Issue a replacement with an RSA key of at least 2048 bits and a SHA-256 signature, and rotate to it.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckCertLongLived, Title: "Certificate lifetime exceeds policy",
			Severity: SeverityLow, Command: "scan",
			Description: "A keyCredential is registered for longer than --max-cert-days (default 365, the CISA SCuBA baseline).",
			Remediation: "Issue certificates with a shorter lifetime and automate their rotation.",
			Reference:   refSCuBA,
		},
		{
			ID: CheckCertUnidentified, Title: "Registered certificate cannot be identified by thumbprint",
			Severity: SeverityInfo, Command: "scan",
			Description: "Graph returned no certificate body (key is null) and customKeyIdentifier is not a SHA-1 " +
				"thumbprint, so deployments can be matched to this credential by subject only. Supply the " +
				"certificate file with --certs, or fetch bodies live, to identify it.",
			Remediation: "Pass the certificate file with --certs so appaudit can identify it; when uploading certificates, let the portal or Graph set customKeyIdentifier from the certificate.",
			Reference:   refKeyCredential,
		},
		{
			ID: CheckSecretExpired, Title: "Client secret has expired",
			Severity: SeverityHigh, Command: "scan",
			AADSTS:      []string{"AADSTS7000222"},
			Description: "A passwordCredential's endDateTime has passed. Low when another secret of the same object is still valid (a leftover of a rotation).",
			Remediation: "Remove the expired secret; if a workload still uses it, move the workload to a certificate or a federated credential.",
			Reference:   refPasswordCred,
		},
		{
			ID: CheckSecretExpiring, Title: "Client secret expires soon",
			Severity: SeverityMedium, Command: "scan",
			AADSTS:      []string{"AADSTS7000222"},
			Description: "A passwordCredential ends within --warn-days. Low when another secret of the same object outlives it.",
			Remediation: "Create the replacement secret, update the workload, then remove the old one; better, move to a certificate or a federated credential.",
			Reference:   refPasswordCred,
		},
		{
			ID: CheckSecretLongLived, Title: "Client secret lifetime exceeds policy",
			Severity: SeverityMedium, Command: "scan",
			Description: "A passwordCredential is valid for longer than --max-secret-days (default 180, the CISA SCuBA baseline).",
			Remediation: "Replace it with a secret of shorter lifetime, or better with a certificate or a federated credential.",
			Reference:   refSCuBA,
		},
		{
			ID: CheckSecretPresent, Title: "App authenticates with client secrets",
			Severity: SeverityInfo, Command: "scan",
			Description: "The object holds at least one client secret. Secrets are shared strings that leak; certificates and federated credentials are preferred.",
			Remediation: "Move the workload to a certificate or a federated identity credential, then remove the secrets.",
			Reference:   refAddCredentials,
		},
		{
			ID: CheckLocalCertUnregistered, Title: "Local certificate is registered on no app",
			Severity: SeverityLow, Command: "scan",
			AADSTS: []string{"AADSTS700027"},
			Description: "A certificate from --certs matches no keyCredential in the tenant by thumbprint. Medium when " +
				"an app has a registered certificate with the same subject: this is probably its successor and has " +
				"not been uploaded yet. CA certificates that came with a chain are not reported.",
			Remediation: "Upload the certificate to the app that will sign with it before switching any deployment to it.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckSAMLCertExpired, Title: "Active SAML signing certificate has expired",
			Severity: SeverityCritical, Command: "scan",
			Description: "The certificate a service principal signs SAML responses with (the Sign keyCredential its " +
				"preferredTokenSigningKeyThumbprint names, with that key's endDateTime) has expired, so the applications " +
				"that check the signature refuse SAML sign-ins. It is reported here and not as cert-expired: one " +
				"certificate, its Sign and Verify halves included, gives one finding. Low when the service principal is disabled.",
			Remediation: "On the enterprise application's Single sign-on page, add a new SAML signing certificate, make it active, and give its certificate or the new federation metadata to the application.",
			Reference:   refSAMLCerts,
		},
		{
			ID: CheckSAMLCertExpiring, Title: "Active SAML signing certificate expires soon",
			Severity: SeverityHigh, Command: "scan",
			Description: "The active SAML signing certificate of a service principal (named by preferredTokenSigningKeyThumbprint) " +
				"ends within --warn-days. Medium when another signing certificate that outlives it is already registered " +
				"on the service principal: it still has to be made active and given to the application. It is reported " +
				"here and not as cert-expiring, so one certificate gives one finding. Low when the service principal is disabled.",
			Remediation: "Add the next SAML signing certificate now, give it (or the new federation metadata) to the application, and make it active before the current one ends.",
			Reference:   refSAMLCerts,
		},
	}
}
