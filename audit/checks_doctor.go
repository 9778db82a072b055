package audit

// Check IDs run by appaudit doctor, which diagnoses a failing sign-in from
// the client assertion, the token request and the AADSTS error. They are a
// public contract.
const (
	CheckAssertionMalformed          = "assertion-malformed"
	CheckAssertionAlg                = "assertion-alg"
	CheckAssertionHeaderUnsupported  = "assertion-header-unsupported"
	CheckAssertionNoThumbprint       = "assertion-no-thumbprint"
	CheckAssertionThumbprintEncoding = "assertion-thumbprint-encoding"
	CheckAssertionThumbprintUnknown  = "assertion-thumbprint-unknown"
	CheckAssertionKeyExpired         = "assertion-key-expired"
	CheckAssertionSignature          = "assertion-signature"
	CheckAssertionAudience           = "assertion-audience"
	CheckAssertionIssuerSubject      = "assertion-issuer-subject"
	CheckAssertionTime               = "assertion-time"
	CheckAssertionJTIMissing         = "assertion-jti-missing"
	CheckAppNotInTenant              = "app-not-in-tenant"
	CheckRequestMissingParameter     = "request-missing-parameter"
	CheckRequestNoCredential         = "request-no-credential"
	CheckRequestSecretAndAssertion   = "request-secret-and-assertion"
	CheckRequestAssertionType        = "request-assertion-type"
	CheckRequestScopeDefault         = "request-scope-default"
	CheckRequestOBOAssertion         = "request-obo-assertion"
	CheckRequestClientIDMismatch     = "request-client-id-mismatch"
	CheckErrorAADSTS                 = "error-aadsts"
	CheckErrorThumbprintUnknown      = "error-thumbprint-unknown"
	CheckErrorThumbprintExpired      = "error-thumbprint-expired"
)

// Check IDs run by appaudit preflight, which says whether a deployment can
// switch to a new certificate. They are a public contract.
const (
	CheckPreflightAppNotFound    = "preflight-app-not-found"
	CheckPreflightNotRegistered  = "preflight-not-registered"
	CheckPreflightWrongUsage     = "preflight-wrong-usage"
	CheckPreflightNotYetValid    = "preflight-not-yet-valid"
	CheckPreflightExpired        = "preflight-expired"
	CheckPreflightExpiring       = "preflight-expiring"
	CheckPreflightKeyMismatch    = "preflight-key-mismatch"
	CheckPreflightKeyUnchecked   = "preflight-key-unchecked"
	CheckPreflightNoOverlap      = "preflight-no-overlap"
	CheckPreflightOtherKeysValid = "preflight-other-keys-valid"
)

// More pages the doctor's checks cite.
const (
	refClientCredentials = "https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow"
	refOnBehalfOf        = "https://learn.microsoft.com/entra/identity-platform/v2-oauth2-on-behalf-of-flow"
)

func doctorChecks() []Check {
	return []Check{
		{
			ID: CheckAssertionMalformed, Title: "Client assertion is not a readable JWT",
			Severity: SeverityCritical, Command: "doctor", Stage: StageAssertion,
			AADSTS: []string{"AADSTS50027"},
			Description: "The client assertion is not a compact JWS (three base64url parts separated by dots) whose header " +
				"and claims decode to JSON objects: it was cut short, encrypted (five parts), wrapped in quotes, or is an " +
				"unexpanded variable. Medium when only the encoding is lax (padding or the standard base64 alphabet in a part).",
			Remediation: "Send the assertion exactly as the client library built it: header.claims.signature, each part base64url without padding.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckAssertionHeaderUnsupported, Title: "Client assertion header has parameters Entra rejects",
			Severity: SeverityCritical, Command: "doctor", Stage: StageHeader,
			AADSTS: []string{"AADSTS5002726"},
			Description: "The header carries parameters outside those Entra accepts (alg, typ, x5t, x5t#S256, x5c, kid, " +
				"use, enc, ctx, nonce, rh, kdf_ver), for example jku, jwk, x5u, cty or crit added by a generic JOSE library.",
			Remediation: "Build the header with alg, typ and the thumbprint (x5t#S256 or x5t) only, plus x5c for Subject Name + Issuer apps.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckAssertionAlg, Title: "Client assertion is signed with an algorithm Entra does not take",
			Severity: SeverityCritical, Command: "doctor", Stage: StageHeader,
			AADSTS: []string{"AADSTS5002738"},
			Description: "The header's alg is missing or is not RS256 or PS256, the two algorithms Entra accepts for a " +
				"certificate credential (none, HS256, ES256, RS512...). High for HS256, which signs with a shared secret " +
				"rather than the certificate.",
			Remediation: "Sign with the certificate's RSA key using PS256 (what current MSAL versions send) or RS256.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckAssertionNoThumbprint, Title: "Client assertion names no certificate",
			Severity: SeverityCritical, Command: "doctor", Stage: StageHeader,
			AADSTS: []string{"AADSTS700027", "AADSTS50027"},
			Description: "The header has neither x5t nor x5t#S256. A kid alone does not identify a key to Entra, even when " +
				"it holds the keyCredential's keyId or the thumbprint; the finding says which certificate the kid names " +
				"when it can tell.",
			Remediation: "Add x5t#S256 (base64url of the SHA-256 digest of the certificate's DER) or x5t (of the SHA-1 digest) to the header.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckAssertionThumbprintEncoding, Title: "Client assertion thumbprint is encoded wrong",
			Severity: SeverityCritical, Command: "doctor", Stage: StageHeader,
			AADSTS: []string{"AADSTS700027"},
			Description: "The x5t or x5t#S256 header does not hold the right digest in base64: it holds base64 of the hex " +
				"text of the thumbprint, the hex itself, a SHA-1 digest in the x5t#S256 slot (or SHA-256 in x5t), or " +
				"bytes of the wrong length. Standard base64 with padding of the right digest, as MSAL Go and MSAL Java " +
				"send it, is accepted and reported as info only.",
			Remediation: "Put base64url of the raw digest bytes of the certificate's DER in the header: SHA-256 in x5t#S256, SHA-1 in x5t. The verdict gives the value.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckAssertionThumbprintUnknown, Title: "Client assertion names a certificate the app does not have",
			Severity: SeverityCritical, Command: "doctor", Stage: StageRegistered,
			AADSTS: []string{"AADSTS700027"},
			Description: "The thumbprint in the header matches no AsymmetricX509Cert key with usage Verify on the app or " +
				"its service principal: Entra answers \"the key was not found\". The finding says when the certificate is " +
				"registered on another app, registered with the wrong usage, or is a local file registered nowhere. " +
				"Medium when registered certificates known only by SHA-1 cannot be compared with an x5t#S256.",
			Remediation: "Upload the certificate the client signs with to the app registration (usage Verify), or point the client at a certificate the app has.",
			Reference:   refErrorCodes,
		},
		{
			ID: CheckAssertionKeyExpired, Title: "Client assertion names a certificate outside its registered window",
			Severity: SeverityCritical, Command: "doctor", Stage: StageValid,
			AADSTS: []string{"AADSTS700027", "AADSTS1000502"},
			Description: "The thumbprint matches a Verify key of the app whose registered window (or the certificate's own " +
				"validity, which caps it) had ended, or not yet begun, at the time of the request.",
			Remediation: "Switch the client to a certificate that is registered and valid now, or wait for the new certificate's start date.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckAssertionSignature, Title: "Client assertion signature does not verify",
			Severity: SeverityCritical, Command: "doctor", Stage: StageSignature,
			AADSTS: []string{"AADSTS7000274", "AADSTS700027", "AADSTS50013", "AADSTS5002730"},
			Description: "The signature does not verify with the public key of the certificate the thumbprint names: the " +
				"client signs with another private key, or with PSS and a salt length other than the hash length, or " +
				"the key cannot do the algorithm (an EC key with RS256 or PS256).",
			Remediation: "Sign with the private key that belongs to the certificate the header names (deploy them together, as one PFX), or name the certificate whose key signs.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckAssertionIssuerSubject, Title: "Client assertion issuer or subject is not the client ID",
			Severity: SeverityCritical, Command: "doctor", Stage: StageClaims,
			AADSTS: []string{"AADSTS50048"},
			Description: "iss or sub is missing, they differ (AADSTS50048), or they are not the client ID of the app the " +
				"request authenticates as.",
			Remediation: "Set both iss and sub to the application (client) ID.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckAssertionAudience, Title: "Client assertion audience is not this tenant's token endpoint",
			Severity: SeverityCritical, Command: "doctor", Stage: StageClaims,
			AADSTS: []string{"AADSTS50012", "AADSTS900384"},
			Description: "aud is not the token endpoint of the tenant in the cloud the request goes to " +
				"(https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token, or the v1 .../oauth2/token): another " +
				"tenant, common or organizations, a national cloud's host for a public tenant or the reverse, or another " +
				"path. Medium when aud names the tenant by a domain appaudit cannot resolve offline.",
			Remediation: "Set aud to the token endpoint the request is sent to; the verdict gives the value.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckAssertionTime, Title: "Client assertion is outside its valid time range",
			Severity: SeverityCritical, Command: "doctor", Stage: StageClaims,
			AADSTS: []string{"AADSTS700024"},
			Description: "exp had passed, or nbf was still ahead, by more than the 5 minutes of clock skew commonly allowed, " +
				"at the time of the request (the error's timestamp when given, else now: then high, since the assertion " +
				"may have been captured earlier); exp is missing, holds no number, or is in milliseconds. Low when the " +
				"lifetime is far longer than the 10 minutes clients use; info when nbf or exp is a number written in a JSON " +
				"string, as MSAL .NET writes them, which Entra takes.",
			Remediation: "Build a fresh assertion for every request with nbf = now and exp = now + 10 minutes, in UTC seconds, on a clock kept in sync.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckAssertionJTIMissing, Title: "Client assertion has no jti",
			Severity: SeverityHigh, Command: "doctor", Stage: StageClaims,
			Description: "The claims have no jti (or an empty one), which Entra documents as a required claim. Low when the " +
				"jti is present but not a GUID.",
			Remediation: "Add a fresh GUID as jti to every assertion.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckAppNotInTenant, Title: "The client ID is no application in the tenant",
			Severity: SeverityCritical, Command: "doctor", Stage: StageApp,
			AADSTS: []string{"AADSTS700016"},
			Description: "The client ID the evidence names (--client-id, the request's client_id, the assertion's iss or the " +
				"error's app ID) is no application or service principal in the tenant data. Medium when the tenant data is incomplete.",
			Remediation: "Check the client ID and the tenant the request goes to; the app must be registered in, or consented to, that tenant.",
			Reference:   refErrorCodes,
		},
		{
			ID: CheckRequestMissingParameter, Title: "Token request lacks a required parameter",
			Severity: SeverityCritical, Command: "doctor", Stage: StageRequest,
			AADSTS: []string{"AADSTS900144"},
			Description: "The token request body has no grant_type, no client_id, or (client credentials on the v2 endpoint) " +
				"no scope; often because it was sent as JSON or multipart instead of application/x-www-form-urlencoded.",
			Remediation: "POST the parameters as an application/x-www-form-urlencoded body (curl -d or --data-urlencode, not -F or a JSON body).",
			Reference:   refClientCredentials,
		},
		{
			ID: CheckRequestNoCredential, Title: "Token request carries no client credential",
			Severity: SeverityCritical, Command: "doctor", Stage: StageRequest,
			AADSTS: []string{"AADSTS7000218", "AADSTS7000216"},
			Description: "A client credentials or on-behalf-of request has neither client_assertion nor client_secret (nor " +
				"HTTP Basic credentials), or a client_assertion_type without a client_assertion.",
			Remediation: "Send client_assertion (with client_assertion_type) signed with the app's certificate.",
			Reference:   refClientCredentials,
		},
		{
			ID: CheckRequestSecretAndAssertion, Title: "Token request sends both a client secret and a client assertion",
			Severity: SeverityCritical, Command: "doctor", Stage: StageRequest,
			Description: "The request carries client_secret (or HTTP Basic credentials) and client_assertion together; a " +
				"client authenticates with one credential.",
			Remediation: "Remove client_secret from the request and authenticate with the certificate alone (then remove the secret from the app, too).",
			Reference:   refClientCredentials,
		},
		{
			ID: CheckRequestAssertionType, Title: "Token request has the wrong client_assertion_type",
			Severity: SeverityCritical, Command: "doctor", Stage: StageRequest,
			Description: "client_assertion is sent with a client_assertion_type other than " +
				"urn:ietf:params:oauth:client-assertion-type:jwt-bearer, or none.",
			Remediation: "Send client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckRequestScopeDefault, Title: "Client credentials scope does not end in /.default",
			Severity: SeverityCritical, Command: "doctor", Stage: StageScope,
			AADSTS: []string{"AADSTS1002012"},
			Description: "A client credentials request asks for a scope that is not {resource}/.default: a permission by " +
				"name (https://graph.microsoft.com/User.Read), a missing dot (api://app/default), several resources, or " +
				"the OpenID scopes alone. The OpenID scopes MSAL adds to every request (openid, profile, offline_access) " +
				"are fine beside one {resource}/.default. Medium for an on-behalf-of scope that ends in /default after an " +
				"App ID URI, almost always /.default with the dot missing.",
			Remediation: "Ask for {resource}/.default, one resource per request; application permissions are granted on the app, not asked for in the request. The verdict gives the value.",
			Reference:   refClientCredentials,
		},
		{
			ID: CheckRequestOBOAssertion, Title: "On-behalf-of assertion is not a token Entra issued for this API",
			Severity: SeverityCritical, Command: "doctor", Stage: StageScope,
			AADSTS: []string{"AADSTS50013", "AADSTS500131"},
			Description: "In an on-behalf-of request the assertion parameter must be the user's access token that Entra " +
				"issued to this API. It is not: not a JWT, not issued by Entra (self-signed, or the client's own client " +
				"assertion), issued for another audience (Microsoft Graph, another app), or expired. The client " +
				"certificate is not the problem.",
			Remediation: "Pass the access token the caller sent to this API (its aud is this app's client ID or App ID URI) as assertion, not a token for Graph or one you signed.",
			Reference:   refOnBehalfOf,
		},
		{
			ID: CheckRequestClientIDMismatch, Title: "Token request client_id differs from the assertion's",
			Severity: SeverityCritical, Command: "doctor", Stage: StageApp,
			Description: "The client_id in the request body (or the --client-id given) is not the client ID in the client " +
				"assertion's iss and sub: the request authenticates one app with another app's assertion.",
			Remediation: "Use the same application (client) ID in client_id and in the assertion's iss and sub.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckErrorAADSTS, Title: "Sign-in failed with an AADSTS error",
			Severity: SeverityHigh, Command: "doctor", Stage: StageSymptom,
			Description: "The error response names an AADSTS code: the finding says what it means, what usually causes it " +
				"and what Entra's text adds (the reason, the app ID, the thumbprint of the key the client used, the time). " +
				"It is the symptom; the other findings name the cause when the evidence shows it.",
			Remediation: "See the other findings; appaudit explain CODE lists the usual causes and the checks that detect each.",
			Reference:   refErrorCodes,
		},
		{
			ID: CheckErrorThumbprintUnknown, Title: "The thumbprint in the error is not registered on the app",
			Severity: SeverityCritical, Command: "doctor", Stage: StageRegistered,
			AADSTS: []string{"AADSTS700027"},
			Description: "The \"Thumbprint of key used by client\" in the error matches no Verify key of the app the error " +
				"names: the finding says which local certificate file it is and which apps do have it registered.",
			Remediation: "Upload that certificate to the app (usage Verify), or point the client at a certificate the app has.",
			Reference:   refErrorCodes,
		},
		{
			ID: CheckErrorThumbprintExpired, Title: "The thumbprint in the error names a key outside its window",
			Severity: SeverityCritical, Command: "doctor", Stage: StageValid,
			AADSTS: []string{"AADSTS700027", "AADSTS1000502"},
			Description: "The \"Thumbprint of key used by client\" matches a Verify key of the app whose registered window " +
				"had ended, or not begun, at the error's timestamp.",
			Remediation: "Switch the client to a certificate that is registered and valid, and remove the expired one from the app.",
			Reference:   refCertCredentials,
		},
	}
}

func preflightChecks() []Check {
	return []Check{
		{
			ID: CheckPreflightAppNotFound, Title: "The app to switch is not in the tenant",
			Severity: SeverityCritical, Command: "preflight",
			AADSTS:      []string{"AADSTS700016"},
			Description: "--app names no application or service principal (by appId or exact display name) in the tenant data.",
			Remediation: "Check the app ID and that the tenant data is the tenant the deployment signs in to.",
			Reference:   refErrorCodes,
		},
		{
			ID: CheckPreflightNotRegistered, Title: "The new certificate is not registered on the app",
			Severity: SeverityCritical, Command: "preflight",
			AADSTS: []string{"AADSTS700027"},
			Description: "The certificate matches no keyCredential of the app or its service principal: after the switch, " +
				"sign-in fails with \"the key was not found\". Medium when registered certificates cannot be identified " +
				"by thumbprint, so appaudit cannot be sure.",
			Remediation: "Upload the certificate (public part only) to the app registration before switching the deployment.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckPreflightWrongUsage, Title: "The new certificate is registered with the wrong usage or type",
			Severity: SeverityCritical, Command: "preflight",
			AADSTS: []string{"AADSTS700027"},
			Description: "The certificate is registered on the app, but not as an AsymmetricX509Cert with usage Verify, the " +
				"only keys Entra checks client assertions against.",
			Remediation: "Register it again through the portal's Certificates & secrets page (AsymmetricX509Cert, Verify).",
			Reference:   refKeyCredential,
		},
		{
			ID: CheckPreflightNotYetValid, Title: "The new certificate is not valid yet",
			Severity: SeverityCritical, Command: "preflight",
			AADSTS: []string{"AADSTS700027", "AADSTS1000502"},
			Description: "The registered window (or the certificate's own notBefore) starts after now: a deployment that " +
				"switches now fails until then.",
			Remediation: "Wait for the start date before switching, or register the certificate with a start date that has passed.",
			Reference:   refKeyCredential,
		},
		{
			ID: CheckPreflightExpired, Title: "The new certificate has expired",
			Severity: SeverityCritical, Command: "preflight",
			AADSTS:      []string{"AADSTS700027", "AADSTS1000502"},
			Description: "The registered window (or the certificate's own notAfter, which caps it) has ended.",
			Remediation: "Issue and register a new certificate.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckPreflightExpiring, Title: "The new certificate expires within --warn-days",
			Severity: SeverityHigh, Command: "preflight",
			AADSTS:      []string{"AADSTS700027", "AADSTS1000502"},
			Description: "The registered window ends within --warn-days of now: the switch would work, but not for long.",
			Remediation: "Switch to a certificate with a longer validity, or plan the next rotation now.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckPreflightKeyMismatch, Title: "The private key does not belong to the new certificate",
			Severity: SeverityCritical, Command: "preflight",
			AADSTS: []string{"AADSTS7000274", "AADSTS700027"},
			Description: "The private key given (--key, or the one in the PFX or PEM) is not the key of the certificate: " +
				"assertions would name one certificate and be signed by another key.",
			Remediation: "Deploy the certificate with its own private key (export both together as one PFX).",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckPreflightKeyUnchecked, Title: "The private key was not checked",
			Severity: SeverityMedium, Command: "preflight",
			Description: "No private key came with the certificate and none was given with --key, so appaudit cannot say " +
				"that the key the deployment will sign with belongs to the certificate. Medium, so that preflight does not " +
				"call the switch safe by default (--fail-on medium) without checking it.",
			Remediation: "Give the key file with --key, or the PFX that holds both; or accept the risk with --fail-on high.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckPreflightNoOverlap, Title: "The old certificate does not overlap with the new one",
			Severity: SeverityHigh, Command: "preflight",
			AADSTS: []string{"AADSTS700027"},
			Description: "The old certificate (--old) is not registered as a valid Verify key on the app now, so instances " +
				"that have not switched yet fail during the roll-out. Info when --old is not given and no other " +
				"certificate is valid on the app: nothing overlaps, which is right for an app's first certificate.",
			Remediation: "Keep the old certificate registered until every instance signs with the new one, then remove it.",
			Reference:   refCertCredentials,
		},
		{
			ID: CheckPreflightOtherKeysValid, Title: "Other keys stay valid after the old one expires",
			Severity: SeverityInfo, Command: "preflight",
			Description: "After the old certificate's end, certificates other than the new one will still be valid on the " +
				"app, so the new certificate will not be its only valid key. Low when the new certificate ends before the " +
				"old one, which shortens the time to the next rotation.",
			Remediation: "Remove the credentials no workload signs with once the roll-out is done.",
			Reference:   refAddCredentials,
		},
	}
}
