package doctor

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/evidence"
)

// OAuth values a token request uses.
const (
	clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	grantJWTBearer      = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// requestChecks runs the request-* checks on the captured token request.
func (d *diag) requestChecks() {
	r := d.req
	if r == nil {
		return
	}
	where := fmt.Sprintf("%s (%s)", d.in.Request.Name, r.Shape)
	grant, _ := r.Get("grant_type")
	d.checkParameters(where, grant)

	assertion, _ := r.Get("client_assertion")
	hasAssertion := strings.TrimSpace(assertion) != ""
	aType, hasType := r.Get("client_assertion_type")
	confidential := grant == "client_credentials" || grant == grantJWTBearer
	switch {
	case hasType && !hasAssertion:
		d.emit(audit.CheckRequestNoCredential, 0, nil, nil, "%s has a client_assertion_type but no client_assertion parameter%s: Entra answers AADSTS7000218",
			where, nearParam(r, "client_assertion"))
	case confidential && !hasAssertion && !r.HasSecret():
		d.emit(audit.CheckRequestNoCredential, 0, nil, nil, "%s (grant_type %s) carries neither client_assertion nor client_secret%s: Entra answers AADSTS7000218",
			where, grant, nearParam(r, "client_assertion"))
	}
	if hasAssertion && r.HasSecret() {
		secret := "client_secret"
		if r.BasicAuth {
			secret = "HTTP Basic client credentials"
		}
		d.emit(audit.CheckRequestSecretAndAssertion, 0, nil, nil, "%s carries a client_assertion and also %s (its value is not shown): the client must authenticate with one credential", where, secret)
	}
	if hasAssertion && aType != clientAssertionType {
		got := "no client_assertion_type"
		if hasType {
			got = fmt.Sprintf("client_assertion_type %q", evidence.Clip(aType, 80))
		}
		d.values["client_assertion_type"] = clientAssertionType
		d.emit(audit.CheckRequestAssertionType, 0, nil, nil, "%s sends its client_assertion with %s; it must be %s", where, got, clientAssertionType)
	}
	if grant == "client_credentials" {
		d.checkScope(where)
	}
	if use, _ := r.Get("requested_token_use"); grant == grantJWTBearer && use == "on_behalf_of" {
		d.checkOBO(where)
		d.checkOBOScope(where)
	}
	d.checkClientIDs(where)
}

// checkParameters reports a body Entra cannot read and missing required
// parameters.
func (d *diag) checkParameters(where, grant string) {
	r := d.req
	if r.Encoding != "form" {
		d.emit(audit.CheckRequestMissingParameter, 0, nil, nil, "%s sends its body as %s: Entra reads only application/x-www-form-urlencoded bodies, so it sees none of the parameters and answers AADSTS900144 (\"the request body must contain the following parameter: 'grant_type'\")",
			where, map[string]string{"json": "JSON", "multipart": "multipart/form-data"}[r.Encoding])
		return
	}
	var missing []string
	if grant == "" {
		missing = append(missing, "grant_type")
	}
	if id, _ := r.Get("client_id"); id == "" && r.BasicClientID == "" {
		missing = append(missing, "client_id")
	}
	if grant == "client_credentials" {
		ep, known := d.requestEndpoint()
		if known && ep.Version == "v1" {
			if v, _ := r.Get("resource"); v == "" {
				missing = append(missing, "resource (the v1 endpoint takes resource, not scope)")
			}
		} else if v, _ := r.Get("scope"); v == "" {
			missing = append(missing, "scope")
		}
	}
	if len(missing) > 0 {
		d.emit(audit.CheckRequestMissingParameter, 0, nil, nil, "%s has no %s: Entra answers AADSTS900144", where, strings.Join(missing, ", no "))
	}
}

// nearParam names a parameter that looks like a misspelling of want.
func nearParam(r *evidence.Request, want string) string {
	norm := func(s string) string { return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s)) }
	for _, p := range r.Params {
		if p.Name != want && norm(p.Name) == norm(want) {
			return fmt.Sprintf(" (it has %q, which Entra does not read as %s)", evidence.Clip(p.Name, 40), want)
		}
	}
	return ""
}

// reservedScopes are the OpenID scopes MSAL adds to every request, client
// credentials included (MSAL Go's AppendDefaultScopes, msal4j's
// addCommonScopes, early msal-node): Entra takes them beside one
// {resource}/.default.
func reservedScopes() []string { return []string{"openid", "profile", "offline_access"} }

// checkScope holds a client credentials scope to {resource}/.default.
func (d *diag) checkScope(where string) {
	scope, _ := d.req.Get("scope")
	all := strings.Fields(scope)
	if len(all) == 0 {
		return // checkParameters reported it
	}
	var scopes []string
	for _, s := range all {
		if !slices.Contains(reservedScopes(), strings.ToLower(s)) {
			scopes = append(scopes, s)
		}
	}
	var problems []string
	for _, s := range scopes {
		switch {
		case strings.HasSuffix(s, "/.default"):
		case strings.HasSuffix(s, "/default"):
			problems = append(problems, fmt.Sprintf("%q lacks the dot of /.default", evidence.Clip(s, 80)))
		default:
			problems = append(problems, fmt.Sprintf("%q is not {resource}/.default", evidence.Clip(s, 80)))
		}
	}
	switch {
	case len(scopes) == 0:
		problems = append(problems, fmt.Sprintf("it asks for only the OpenID scopes %s, which MSAL adds to every request, and names no resource", strings.Join(all, " ")))
	case len(scopes) > 1:
		problems = append(problems, fmt.Sprintf("it asks for %d resources, and a client credentials request takes one {resource}/.default (besides the OpenID scopes MSAL adds)", len(scopes)))
	}
	if len(problems) == 0 {
		return
	}
	if fix := defaultScope(scopes); fix != "" {
		d.values["scope"] = fix
	}
	d.emit(audit.CheckRequestScopeDefault, 0, nil, nil, "the client credentials scope in %s is wrong: %s; application permissions are granted to the app, and the request asks for the resource's /.default (Entra answers AADSTS1002012)",
		where, strings.Join(problems, "; "))
}

// checkOBOScope reports an on-behalf-of scope that ends in /default after
// an App ID URI or an app ID: a scope named "default" is possible, but
// almost always it is /.default with the dot missing.
func (d *diag) checkOBOScope(where string) {
	scope, _ := d.req.Get("scope")
	for _, s := range strings.Fields(scope) {
		resource, ok := strings.CutSuffix(s, "/default")
		if !ok || !(strings.Contains(resource, "://") || audit.IsGUID(resource)) {
			continue
		}
		d.values["scope"] = resource + "/.default"
		d.emit(audit.CheckRequestScopeDefault, audit.SeverityMedium, nil, nil, "the on-behalf-of scope in %s asks for %q: a delegated permission named \"default\" is possible, but this is almost always %s/.default with the dot missing (Entra reserves .default for all the permissions the API has been granted)",
			where, evidence.Clip(s, 100), evidence.Clip(resource, 80))
		return
	}
}

// defaultScope is {resource}/.default for the first scope that names a
// resource; a bare permission name ("User.Read") is Microsoft Graph's.
func defaultScope(scopes []string) string {
	for _, s := range scopes {
		switch {
		case strings.HasSuffix(s, "/.default"):
			return s
		case strings.HasSuffix(s, "/default"):
			return strings.TrimSuffix(s, "/default") + "/.default"
		case strings.Contains(s, "://"):
			scheme, rest, _ := strings.Cut(s, "://")
			host, path, _ := strings.Cut(rest, "/")
			if i := strings.LastIndex(path, "/"); i >= 0 {
				return scheme + "://" + host + "/" + path[:i] + "/.default"
			}
			return scheme + "://" + host + "/.default"
		case audit.IsGUID(s):
			return s + "/.default"
		}
	}
	for _, s := range scopes {
		if strings.Contains(s, ".") && !strings.Contains(s, "/") {
			return "https://graph.microsoft.com/.default"
		}
	}
	return ""
}

// checkOBO holds the user assertion of an on-behalf-of request to what
// Entra issues: a token from Entra, for this API, not expired.
func (d *diag) checkOBO(where string) {
	token, _ := d.req.Get("assertion")
	if strings.TrimSpace(token) == "" {
		d.emit(audit.CheckRequestOBOAssertion, 0, nil, nil, "%s is an on-behalf-of request without an assertion parameter: it must carry the access token the caller sent to this API", where)
		return
	}
	u, err := evidence.ParseAssertion(token)
	if err != nil {
		d.emit(audit.CheckRequestOBOAssertion, 0, nil, nil, "the on-behalf-of assertion in %s is not a JWT (%v): it must be the access token the caller sent to this API; the client certificate is not the problem", where, err)
		return
	}
	var problems []string
	iss, _, _ := u.ClaimString("iss")
	sub, _, _ := u.ClaimString("sub")
	_, hasX5t := u.Header["x5t"]
	_, hasX5tS256 := u.Header["x5t#S256"]
	switch {
	case iss != "" && strings.EqualFold(iss, sub) && (hasX5t || hasX5tS256) && !entraIssuer(iss):
		problems = append(problems, "it is a client assertion (iss and sub are the client ID, signed with the app's certificate), not a user's token")
	case !entraIssuer(iss):
		problems = append(problems, fmt.Sprintf("its issuer is %q, not Entra (a token Entra issues has iss https://login.microsoftonline.com/{tenant}/v2.0 or https://sts.windows.net/{tenant}/): it was signed by someone else", evidence.Clip(iss, 80)))
	}
	auds, _, _ := u.Audiences()
	for _, aud := range auds {
		switch {
		case containsFold(audit.GraphAudiences(), aud):
			problems = append(problems, "it is a token for Microsoft Graph (aud "+aud+"), which no API but Graph can use or exchange: the caller must request a token for this API")
		case d.clientID != "" && (strings.EqualFold(aud, d.clientID) || strings.EqualFold(aud, "api://"+d.clientID)):
		case d.clientID != "" && audit.IsGUID(aud):
			problems = append(problems, fmt.Sprintf("it was issued for the app %s, not for this one (%s): Entra answers AADSTS500131 or AADSTS50013", aud, d.clientID))
		case d.clientID != "":
			d.warn("the on-behalf-of assertion's audience %q may be the App ID URI of %s: appaudit cannot check App ID URIs offline", evidence.Clip(aud, 80), d.clientID)
		}
	}
	if exp, ok, _, err := u.ClaimNumber("exp"); ok && err == nil && d.at.After(evidence.UnixTime(exp).Add(clockSkew)) {
		problems = append(problems, fmt.Sprintf("it expired at %s, before %s", stamp(evidence.UnixTime(exp)), d.atText()))
	}
	if len(problems) == 0 {
		return
	}
	d.emit(audit.CheckRequestOBOAssertion, 0, nil, nil, "the on-behalf-of assertion in %s is not a token Entra issued for this API: %s; the client certificate is not the problem",
		where, strings.Join(problems, "; "))
}

// entraIssuer reports whether iss is an issuer of Entra access tokens.
func entraIssuer(iss string) bool {
	u, err := url.Parse(iss)
	if err != nil || u.Scheme != "https" {
		return false
	}
	if !audit.IsIssuerHost(u.Host) {
		return false
	}
	tenant, _, _ := strings.Cut(strings.Trim(u.Path, "/"), "/")
	return audit.IsGUID(tenant)
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// checkClientIDs compares the request's client ID with the assertion's
// and with --client-id.
func (d *diag) checkClientIDs(where string) {
	body, _ := d.req.Get("client_id")
	if body == "" {
		body = d.req.BasicClientID
	}
	if body == "" {
		return
	}
	var problems []string
	if d.a != nil {
		if iss, _, _ := d.a.ClaimString("iss"); iss != "" && !strings.EqualFold(iss, body) {
			problems = append(problems, fmt.Sprintf("the client_id in %s is %s, but the assertion's iss is %q", where, body, evidence.Clip(iss, 60)))
		}
	}
	if id := d.in.ClientID; id != "" && !strings.EqualFold(id, body) {
		problems = append(problems, fmt.Sprintf("the client_id in %s is %s, but --client-id is %s", where, body, id))
	}
	if len(problems) > 0 {
		d.emit(audit.CheckRequestClientIDMismatch, 0, nil, nil, "%s: the request authenticates one app with another app's assertion", strings.Join(problems, "; "))
	}
}
