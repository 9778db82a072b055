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
		},
		{
			Code: "AADSTS50013", Meaning: "Assertion failed signature validation (invalid assertion)",
			Causes: []string{
				"on-behalf-of: the user assertion is not a token Entra issued for this API (a token for Microsoft Graph, one the client signed itself, an ID token)",
				"on-behalf-of: the user assertion has expired",
			},
			Fix:       "Pass as assertion the access token the caller sent to this API. The client certificate is not the problem.",
			Reference: refOnBehalfOf,
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
			Code: "AADSTS70002", Meaning: "Error validating credentials",
			Causes:    []string{"a wrapper older responses put before the specific code that follows it (AADSTS50012, AADSTS50027, ...)"},
			Fix:       "Look at the code that follows it in the same message.",
			Reference: refErrorCodes,
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
		},
		{
			Code: "AADSTS700030", Meaning: "Certificate subject not authorized (Subject Name + Issuer)",
			Causes:    []string{"an SNI app's certificate chain is not sent in x5c, or its issuer is not one Entra trusts for the app"},
			Fix:       "Send the chain in x5c and check the app's trusted subject name and issuer.",
			Reference: refErrorCodes,
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
		},
		{
			Code: "AADSTS7000274", Meaning: "Client assertion contains an invalid signature",
			Causes:    []string{"the assertion is signed with a private key that does not belong to the certificate its header names"},
			Fix:       "Deploy the certificate with its own private key, or name the certificate whose key signs.",
			Reference: refCertCredentials,
		},
	}
}

// NormalizeAADSTS reads a code as people write it ("AADSTS700027",
// "aadsts700027", "700027") and returns it as Entra writes it.
func NormalizeAADSTS(s string) (string, bool) {
	s = strings.TrimSpace(s)
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
