package audit

import (
	"slices"
	"strconv"
	"strings"
)

// AADSTSCode is what appaudit knows of one sign-in error code: what it
// means, what usually causes it and how to fix it. The checks that detect
// it are not listed here but derived from the checks' AADSTS lists (see
// ChecksFor), so that the two cannot disagree.
type AADSTSCode struct {
	// Code is the code as Entra writes it: "AADSTS700027".
	Code    string `json:"code"`
	Meaning string `json:"meaning"`
	// Causes are the usual causes, most common first.
	Causes    []string `json:"causes"`
	Fix       string   `json:"fix"`
	Reference string   `json:"reference"`
	// Texts are wordings Entra gives the code and the cause each names:
	// the doctor's verdict follows what the error's own text says before
	// the code's usual cause.
	Texts []AADSTSText `json:"texts,omitempty"`
}

// AADSTSText is one wording of an AADSTS error and what it says went
// wrong.
type AADSTSText struct {
	// Says is a phrase of the error text (the message after the code, or
	// the [Reason - ...]), matched without regard to case.
	Says string `json:"says"`
	// Means is the cause it names, for people.
	Means string `json:"means"`
	// Like is the code whose checks detect that cause, when it is not the
	// code itself: older AADSTS50012 texts that mean AADSTS700024 or
	// AADSTS7000215.
	Like string `json:"like,omitempty"`
	// Seen is where the wording was seen (an issue thread, a library's
	// test data, Microsoft's documentation).
	Seen string `json:"seen"`
}

// Describe finds the text of c that the error says: the first of c.Texts
// whose phrase is in said.
func (c AADSTSCode) Describe(said string) (AADSTSText, bool) {
	said = strings.ToLower(said)
	for _, t := range c.Texts {
		if strings.Contains(said, strings.ToLower(t.Says)) {
			return t, true
		}
	}
	return AADSTSText{}, false
}

// AADSTSCodes is the table of sign-in errors appaudit explains, in code
// order. The meanings follow Microsoft's error code reference; where that
// is silent, the texts Entra returns in public issue threads.
func AADSTSCodes() []AADSTSCode {
	return []AADSTSCode{
		{
			Code: "AADSTS50012", Meaning: "Invalid client assertion, or certificate not authorized",
			Causes: []string{
				"the assertion's aud is not the tenant's token endpoint (older responses: \"client assertion audience claim does not match Realm issuer\")",
				"a Subject Name + Issuer app sends no x5c, or a chain Entra does not trust",
			},
			Fix:       "Set aud to https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token for the tenant and cloud the request goes to; for SNI apps send x5c.",
			Reference: refErrorCodes,
			Texts: []AADSTSText{
				{Says: "audience claim does not match Realm issuer", Means: "the assertion's aud is not the token endpoint of the tenant the request went to",
					Seen: "AzureAD/azure-activedirectory-library-for-python#79"},
				{Says: "not within its valid time range", Means: "the client assertion was outside its valid time range when Entra read it (the older wording of AADSTS700024)",
					Like: "AADSTS700024", Seen: "AzureAD/azure-activedirectory-library-for-java#46"},
				{Says: "Invalid client secret", Means: "the client secret is not the value of a current secret of the app (the older wording of AADSTS7000215)",
					Like: "AADSTS7000215", Seen: "AzureAD/microsoft-authentication-library-for-dotnet#544"},
			},
		},
		{
			Code: "AADSTS50013", Meaning: "Assertion failed signature validation (invalid assertion)",
			Causes: []string{
				"the client assertion names a certificate the app has registered, but is signed with another private key (\"Key was found, but use of the key to verify the signature failed\", with the thumbprint of the key the client used): in client credentials and on-behalf-of alike",
				"on-behalf-of: the user assertion is not a token Entra issued for this API (a token for Microsoft Graph, one the client signed itself, an ID token)",
				"on-behalf-of: the user assertion has expired",
			},
			Fix: "When Entra names the thumbprint of the client's key, deploy that certificate with its own private key (one PFX) or name the certificate whose key signs. " +
				"In on-behalf-of, pass as assertion the access token the caller sent to this API.",
			Reference: refCertCredentials,
			Texts:     signatureFailedTexts(),
		},
		{
			Code: "AADSTS50027", Meaning: "Invalid JWT token",
			Causes: []string{
				"no certificate thumbprint (x5t or x5t#S256) in the assertion's header",
				"the assertion is not a well-formed JWT",
			},
			Fix:       "Send a compact JWS whose header has alg and x5t#S256 (or x5t).",
			Reference: refErrorCodes,
		},
		{
			Code: "AADSTS50048", Meaning: "Subject mismatches issuer in the client assertion",
			Causes:    []string{"the assertion's sub differs from its iss"},
			Fix:       "Set both iss and sub to the application (client) ID.",
			Reference: refErrorCodes,
		},
		{
			Code: "AADSTS50049", Meaning: "Unknown or invalid instance",
			Causes: []string{
				"the authority host is not an Entra sign-in host, so the client library's instance discovery fails: a mistyped or test authority, or a national cloud's host without that cloud's settings",
			},
			Fix:       "Sign in at the authority of the tenant's cloud (https://login.microsoftonline.com/{tenant}, or the .us or .cn host of a national cloud); for a custom authority, turn the library's instance discovery off.",
			Reference: refErrorCodes,
			Texts: []AADSTSText{
				{Says: "Unknown or invalid instance", Means: "the authority host is not one Entra's instance discovery knows: a mistyped, test or custom authority URL",
					Seen: "AzureAD/microsoft-authentication-library-for-go#438"},
			},
		},
		{
			Code: "AADSTS70002", Meaning: "Error validating credentials",
			Causes:    []string{"a wrapper older responses put before the specific code that follows it (AADSTS50012, AADSTS50027, ...)"},
			Fix:       "Look at the code that follows it in the same message.",
			Reference: refErrorCodes,
		},
		{
			Code: "AADSTS70011", Meaning: "The scope requested is invalid",
			Causes: []string{
				"the scope names a permission or resource that does not exist, or is written wrong",
				"a client credentials request names a permission instead of {resource}/.default",
			},
			Fix:       "Ask for {resource}/.default with the resource's exact App ID URI or app ID in a client credentials request; a delegated permission by its full name otherwise.",
			Reference: refErrorCodes,
		},
		{
			Code: "AADSTS500011", Meaning: "The resource principal was not found in the tenant",
			Causes: []string{
				"the scope names a resource (an App ID URI or app ID) that has no service principal in the tenant: mistyped, or an API never provisioned or consented to there",
				"the request went to another tenant than the one the API lives in",
			},
			Fix:       "Check the resource part of the scope against the API's App ID URI, and that the API has a service principal in the tenant the request goes to (admin consent creates it).",
			Reference: refErrorCodes,
			Texts: []AADSTSText{
				{Says: "resource principal named", Means: "the resource the scope names has no service principal in the tenant: a mistyped scope or App ID URI, or an API never provisioned in this tenant",
					Seen: "AzureAD/microsoft-authentication-library-for-dotnet src/client/Microsoft.Identity.Lab.Api/Http/MockHelpers.cs"},
			},
		},
		{
			Code: "AADSTS500131", Meaning: "Assertion audience does not match the client app presenting the assertion",
			Causes:    []string{"on-behalf-of: the user assertion was issued for another app or API than the one making the request"},
			Fix:       "The caller must request a token for this API (its client ID or App ID URI) and pass that token as the assertion.",
			Reference: refOnBehalfOf,
		},
		{
			Code: "AADSTS700016", Meaning: "Application not found in the directory",
			Causes: []string{
				"a wrong client ID",
				"the request goes to a tenant where the app is neither registered nor consented to",
			},
			Fix:       "Check the client ID and the tenant in the token endpoint URL.",
			Reference: refErrorCodes,
		},
		{
			Code: "AADSTS700024", Meaning: "Client assertion is not within its valid time range",
			Causes: []string{
				"a stale or reused assertion (built once and cached past its exp)",
				"clock skew on the client",
				"local time written as if it were UTC, or exp in milliseconds",
			},
			Fix:       "Build a fresh assertion per request, nbf = now and exp = now + 10 minutes in UTC seconds, on a synchronised clock.",
			Reference: refCertCredentials,
		},
		{
			Code: "AADSTS700027", Meaning: "Client assertion failed signature validation",
			Causes: []string{
				"the thumbprint in the header matches no valid Verify key of the app (\"the key was not found\"): not uploaded, uploaded to another app, rotated on one side only, or registered with usage Sign",
				"the x5t or x5t#S256 header is encoded wrong (base64 of the hex text, raw hex, the wrong digest)",
				"the key it names is expired or not yet valid (\"the key used is expired\")",
				"the signature does not verify with the key it names (wrong private key)",
			},
			Fix:       "Compare the thumbprint Entra reports with the app's certificates (appaudit doctor --error), upload the certificate the client signs with, or fix the header.",
			Reference: refErrorCodes,
			Texts: append([]AADSTSText{
				{Says: "The key was not found", Means: "the thumbprint in the assertion's header matches no key registered on the app",
					Seen: "pnp/cli-microsoft365#1621"},
				{Says: "The key used is expired", Means: "the certificate the assertion names is registered on the app, but its registration had expired",
					Seen: "the wording in the doctor's tests since its first version; no public thread with it was found"},
			}, signatureFailedTexts()...),
		},
		{
			Code: "AADSTS700030", Meaning: "Invalid certificate: subject name not authorized, or issued in another cloud",
			Causes: []string{
				"an SNI app's certificate chain is not sent in x5c, or its subject or issuer is not one the app trusts (\"subject name in certificate isn't authorized\")",
				"the certificate was issued in another cloud than the tenant's: a public-cloud certificate sent to a national-cloud tenant, or the reverse (\"the issuer of the certificate is from a different cloud instance\")",
			},
			Fix:       "For SNI, send the chain in x5c and check the app's trusted subject name and issuer; across clouds, sign with a certificate of the tenant's own cloud.",
			Reference: refErrorCodes,
			Texts: []AADSTSText{
				{Says: "from a different cloud instance", Means: "the certificate was issued in another cloud than the tenant's: a public-cloud certificate sent to a national-cloud tenant, or the reverse",
					Seen: "pogorman/code-apps-tech-series-gcc MEMORY.md"},
				{Says: "subject name in certificate", Means: "the app trusts certificates by subject name and issuer (SNI), and this certificate's subject or chain is not one it trusts",
					Seen: "MicrosoftDocs/entra-docs docs/identity-platform/reference-error-codes.md"},
			},
		},
		{
			Code: "AADSTS900144", Meaning: "The request body must contain a required parameter",
			Causes: []string{
				"the body was sent as JSON or multipart/form-data instead of application/x-www-form-urlencoded",
				"grant_type, client_id or scope is missing",
			},
			Fix:       "POST the parameters form-encoded (curl -d or --data-urlencode).",
			Reference: refClientCredentials,
		},
		{
			Code: "AADSTS900384", Meaning: "JWT token failed signature validation",
			Causes:    []string{"a cross-cloud mismatch: a national-cloud tenant or assertion against the public authority, or the reverse"},
			Fix:       "Use the authority host of the tenant's cloud, and the same host in the assertion's aud.",
			Reference: refErrorCodes,
		},
		{
			Code: "AADSTS1000502", Meaning: "Certificate is not within its validity window",
			Causes:    []string{"the certificate (or its registered window) has expired, or starts later"},
			Fix:       "Switch to a certificate that is valid now and registered on the app.",
			Reference: refCertCredentials,
		},
		{
			Code: "AADSTS1002012", Meaning: "The scope is not valid for client credentials",
			Causes: []string{
				"a client credentials request names a permission (https://graph.microsoft.com/User.Read) instead of {resource}/.default",
				"a missing dot: api://app/default",
			},
			Fix:       "Ask for {resource}/.default.",
			Reference: refClientCredentials,
		},
		{
			Code: "AADSTS5002726", Meaning: "Unsupported token header",
			Causes:    []string{"header parameters Entra does not accept (jku, jwk, x5u, cty, crit, ...)"},
			Fix:       "Send alg, typ and x5t#S256 (or x5t) only, plus x5c for SNI apps.",
			Reference: refCertCredentials,
		},
		{
			Code: "AADSTS5002730", Meaning: "Unsupported key for the algorithm",
			Causes:    []string{"the certificate's key cannot do the algorithm, for example an EC key with RS256 or PS256"},
			Fix:       "Use an RSA certificate with RS256 or PS256.",
			Reference: refCertCredentials,
		},
		{
			Code: "AADSTS5002738", Meaning: "Unsupported signature algorithm",
			Causes:    []string{"alg is ES256, RS384 or another algorithm Entra does not take for client assertions"},
			Fix:       "Sign with PS256 or RS256.",
			Reference: refCertCredentials,
		},
		{
			Code: "AADSTS7000215", Meaning: "Invalid client secret",
			Causes:    []string{"the secret's ID was sent instead of its value", "a mistyped or rotated secret"},
			Fix:       "Send the secret's value (shown once at creation), or better, move to a certificate.",
			Reference: refPasswordCred,
			Texts: []AADSTSText{
				{Says: "Invalid client secret", Means: "the client secret is not the value of a current secret of the app: its ID sent instead of its value, a mistyped one, or one that was replaced",
					Seen: "Azure/sap-automation#418"},
			},
		},
		{
			Code: "AADSTS7000216", Meaning: "client_assertion, client_secret or request is required for the client_credentials grant",
			Causes: []string{
				"a client credentials request carries no client credential",
				"the credential is sent under another parameter name, or dropped on the way",
			},
			Fix:       "Send client_assertion with client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer (or client_secret).",
			Reference: refClientCredentials,
		},
		{
			Code: "AADSTS7000218", Meaning: "The request must contain client_assertion or client_secret",
			Causes:    []string{"a confidential client sent no credential", "client_assertion sent under another parameter name"},
			Fix:       "Send client_assertion with client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer.",
			Reference: refClientCredentials,
		},
		{
			Code: "AADSTS7000222", Meaning: "The client secret has expired",
			Causes:    []string{"the passwordCredential's endDateTime has passed"},
			Fix:       "Create a new secret and update the workload, or move it to a certificate.",
			Reference: refPasswordCred,
			Texts: []AADSTSText{
				{Says: "client secret keys", Means: "the client secret the request sent has expired on the app", Seen: "dotnet/sign#849"},
			},
		},
		{
			Code: "AADSTS7000274", Meaning: "Client assertion contains an invalid signature",
			Causes:    []string{"the assertion is signed with a private key that does not belong to the certificate its header names"},
			Fix:       "Deploy the certificate with its own private key, or name the certificate whose key signs.",
			Reference: refCertCredentials,
		},
	}
}

// signatureFailedTexts are the wordings of a client assertion whose
// thumbprint names a registered certificate and whose signature that
// certificate's key does not verify, which Entra gives under AADSTS50013
// (client credentials and on-behalf-of alike) and AADSTS700027.
func signatureFailedTexts() []AADSTSText {
	const means = "the assertion names a certificate the app has registered, but its signature does not verify with that certificate's key: the client signs with another private key"
	return []AADSTSText{
		{Says: "Key was found, but use of the key to verify the signature failed", Like: "AADSTS7000274", Means: means, Seen: "microsoftgraph/msgraph-sdk-php#1585"},
		{Says: "The provided signature value did not match the expected signature value", Like: "AADSTS7000274", Means: means, Seen: "Azure/azure-sdk-for-java#25109"},
	}
}

// NormalizeAADSTS reads a code as people write it ("AADSTS700027",
// "aadsts700027", "700027", or "AADSTS700027:" as it is copied out of an
// error text) and returns it as Entra writes it.
func NormalizeAADSTS(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, ":") && !strings.HasSuffix(s, "::") {
		s = strings.TrimSpace(strings.TrimSuffix(s, ":"))
	}
	if len(s) >= 6 && strings.EqualFold(s[:6], "AADSTS") {
		s = s[6:]
	}
	s = strings.TrimLeft(strings.TrimSpace(strings.TrimPrefix(s, ":")), "0")
	if s == "" || len(s) > 9 {
		return "", false
	}
	if _, err := strconv.ParseUint(s, 10, 32); err != nil {
		return "", false
	}
	return "AADSTS" + s, true
}

// LookupAADSTS finds a code in the table, in any form NormalizeAADSTS reads.
func LookupAADSTS(code string) (AADSTSCode, bool) {
	norm, ok := NormalizeAADSTS(code)
	if !ok {
		return AADSTSCode{}, false
	}
	for _, c := range AADSTSCodes() {
		if c.Code == norm {
			return c, true
		}
	}
	return AADSTSCode{}, false
}

// ChecksFor lists the checks that detect a cause of code: those whose
// AADSTS list names it, in catalogue order.
func ChecksFor(code string) []Check {
	norm, ok := NormalizeAADSTS(code)
	if !ok {
		return nil
	}
	var out []Check
	for _, c := range Checks() {
		if slices.Contains(c.AADSTS, norm) {
			out = append(out, c)
		}
	}
	return out
}
