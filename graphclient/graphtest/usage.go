package graphtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// UsageLog is the usage evidence the fake serves on Graph beta, as Graph
// does (docs/usage-evidence.md gives the sources):
//
//   - GET /beta/reports/appCredentialSignInActivities lists Activities in
//     pages of ActivityPageSize (or $top), $filter on appId or keyId;
//   - GET /beta/auditLogs/signIns lists the sign-in log most recent first,
//     1,000 a page (or $top, at most 1,000), with $select and $filter:
//     signInEventTypes/any(t: t eq '...'), createdDateTime ge/le/gt/lt,
//     status/errorCode eq/ne and appId eq, joined by "and"; anything else,
//     or a date more than 90 days back, is Graph's 400 "Invalid filter
//     clause", and without a signInEventTypes clause only interactive user
//     sign-ins are listed, as Graph does;
//   - Forbidden and Unlicensed answer both with the 403 Graph gives
//     without AuditLog.Read.All and without a P1 licence;
//     ActivityUnavailable answers the activity report with the 400 a
//     cloud that does not serve it gives.
//
// Both lists come from functions, so that a log of millions of sign-ins
// costs the fake no memory; faults match them by the path below the
// version ("/auditLogs/signIns") and by page.
type UsageLog struct {
	Activities int
	Activity   func(i int) Activity
	// ActivityPageSize is the activity report's page without $top; 0 is
	// 1,000 (Graph does not document its own).
	ActivityPageSize int
	// SignIns is the length of the sign-in log, SignIn its entries, the
	// most recent (i = 0) first: Created must never increase with i.
	SignIns int
	SignIn  func(i int) SignIn
	// Now is the fake's time, for the 90-day limit on filters; zero is
	// the clock's.
	Now                 time.Time
	Forbidden           bool
	Unlicensed          bool
	ActivityUnavailable bool
}

// Activity is one entry of the credential sign-in activity report.
type Activity struct {
	ID, KeyID, KeyType, KeyUsage, AppID, AppObjectID, ServicePrincipalObjectID, ResourceID, CredentialOrigin string
	Created, Expires, LastSignIn                                                                             time.Time
	LastSignInRequestID                                                                                      string
}

// SignIn is one entry of the sign-in log.
type SignIn struct {
	ID      string
	Created time.Time
	// EventType is servicePrincipal, interactiveUser, nonInteractiveUser
	// or managedIdentity.
	EventType                                  string
	AppID, AppDisplayName                      string
	ServicePrincipalID, ServicePrincipalName   string
	KeyID, Thumbprint, ClientCredentialType    string
	ErrorCode                                  int
	FailureReason                              string
	ResourceDisplayName, ResourceID, IPAddress string
	// User sign-ins only.
	UserPrincipalName, UserID, UserDisplayName string
}

// StaticUsage serves the given entries; the sign-ins are put most recent
// first.
func StaticUsage(activity []Activity, signIns []SignIn) *UsageLog {
	signIns = slices.Clone(signIns)
	slices.SortStableFunc(signIns, func(a, b SignIn) int { return b.Created.Compare(a.Created) })
	return &UsageLog{
		Activities: len(activity), Activity: func(i int) Activity { return activity[i] },
		SignIns: len(signIns), SignIn: func(i int) SignIn { return signIns[i] },
	}
}

// The paths of the two sources below /beta.
const (
	activityRel = "/reports/appCredentialSignInActivities"
	signInsRel  = "/auditLogs/signIns"
)

// usageRoute is the path below /beta and the page a request to one of the
// two sources asks for.
func usageRoute(u *url.URL) (rel string, page int, ok bool) {
	rel, ok = strings.CutPrefix(u.Path, "/beta")
	if !ok {
		return "", 0, false
	}
	_, page, _ = parseUsageSkip(u.Query().Get("$skiptoken"), rel)
	return rel, page, true
}

// usageErr is a Graph error answer with its own code.
func usageErr(status int, code, msg string) answer {
	return answer{status: status, body: graphError(code, msg)}
}

func invalidFilter() answer {
	return usageErr(http.StatusBadRequest, "BadRequest", "Invalid filter clause")
}

// readUsage answers a GET below /beta.
func (h *Handler) readUsage(root string, u *url.URL) answer {
	rel, _, _ := usageRoute(u)
	l := h.opts.Usage
	segment := rel[strings.LastIndexByte(rel, '/')+1:]
	notFound := usageErr(http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+segment+"'.")
	switch {
	case l == nil || (rel != activityRel && rel != signInsRel):
		return notFound
	case l.Forbidden:
		return usageErr(http.StatusForbidden, "Authentication_MSGraphPermissionMissing", "Calling principal does not have required MSGraph permissions AuditLog.Read.All")
	case l.Unlicensed:
		return usageErr(http.StatusForbidden, "Authentication_RequestFromNonPremiumTenantOrB2CTenant", "Neither tenant is B2C or tenant doesn't have premium license")
	case rel == activityRel && l.ActivityUnavailable:
		return notFound
	}
	q := u.Query()
	off, page, ok := parseUsageSkip(q.Get("$skiptoken"), rel)
	if !ok {
		return usageErr(http.StatusBadRequest, "BadRequest", "Invalid $skiptoken.")
	}
	props, name := signInProperties, "signIn"
	if rel == activityRel {
		props, name = activityProperties, "appCredentialSignInActivity"
	}
	sel, a, ok := selection(q.Get("$select"), props, name, "BadRequest")
	if !ok {
		return a
	}
	max, def := 1000, 1000
	if rel == activityRel && l.ActivityPageSize > 0 {
		def = l.ActivityPageSize
	}
	top := def
	if t := q.Get("$top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > max {
			return usageErr(http.StatusBadRequest, "BadRequest", "Invalid page size specified: '"+t+"'. Must be between 1 and "+strconv.Itoa(max)+" inclusive.")
		}
		top = n
	}
	f, ok := parseUsageFilter(q.Get("$filter"), rel, cmpOr(l.Now, time.Now()))
	if !ok {
		return invalidFilter()
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"@odata.context":%q`, root+"/beta/$metadata#"+strings.TrimPrefix(rel, "/"))
	body := bytes.Buffer{}
	n, next := 0, -1
	write := func(render func(*bytes.Buffer)) {
		if n > 0 {
			body.WriteByte(',')
		}
		render(&body)
		n++
	}
	if rel == activityRel {
		for i := off; i < l.Activities; i++ {
			a := l.Activity(i)
			if !f.matchActivity(&a) {
				continue
			}
			if n == top {
				next = i
				break
			}
			write(func(b *bytes.Buffer) { a.render(b, sel) })
		}
	} else {
		// The log is newest first: start at the newest entry the filter
		// allows, and stop at the first one older than it allows.
		if off == 0 && !f.before.IsZero() {
			off = sort.Search(l.SignIns, func(i int) bool { return !l.SignIn(i).Created.After(f.before) })
		}
		for i := off; i < l.SignIns; i++ {
			s := l.SignIn(i)
			if !f.after.IsZero() && s.Created.Before(f.after) {
				break
			}
			if !f.matchSignIn(&s) {
				continue
			}
			if n == top {
				next = i
				break
			}
			write(func(b *bytes.Buffer) { s.render(b, sel) })
		}
	}
	if next >= 0 {
		fmt.Fprintf(&b, `,"@odata.nextLink":%q`, usageLink(root, u, rel, next, page+1))
	}
	b.WriteString(`,"value":[`)
	b.Write(body.Bytes())
	b.WriteString("]}")
	return answer{status: http.StatusOK, body: b.Bytes()}
}

func cmpOr(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

// usageLink is the nextLink that resumes at entry off, page page: the
// request's query options and a $skiptoken.
func usageLink(root string, u *url.URL, rel string, off, page int) string {
	q := u.Query()
	q.Del("$skiptoken")
	q.Set("$skiptoken", base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%s:%d:%d", rel, off, page))))
	return root + u.Path + "?" + strings.ReplaceAll(q.Encode(), "+", "%20")
}

// parseUsageSkip reads a $skiptoken usageLink wrote: the entry to resume
// at and the page; none is page 1.
func parseUsageSkip(tok, rel string) (off, page int, ok bool) {
	if tok == "" {
		return 0, 1, true
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, 0, false
	}
	rest, ok := strings.CutPrefix(string(b), rel+":")
	if !ok {
		return 0, 0, false
	}
	o, p, _ := strings.Cut(rest, ":")
	off, err1 := strconv.Atoi(o)
	page, err2 := strconv.Atoi(p)
	return off, page, err1 == nil && err2 == nil && off >= 0 && page > 1
}

// The properties of the two resources, as Graph beta documents them
// (resources/signin.md, resources/appcredentialsigninactivity.md); $select
// of any other is a 400.
var (
	signInProperties = strings.Fields(`agent appDisplayName appId appliedConditionalAccessPolicies appliedEventListeners
		appTokenProtectionStatus authenticationAppDeviceDetails authenticationAppPolicyEvaluationDetails
		authenticationContextClassReferences authenticationDetails authenticationMethodsUsed authenticationProcessingDetails
		authenticationProtocol authenticationRequirement authenticationRequirementPolicies autonomousSystemNumber azureResourceId
		clientAppUsed clientCredentialType conditionalAccessAudiences conditionalAccessStatus correlationId createdDateTime
		crossTenantAccessType deviceDetail federatedCredentialId flaggedForReview globalSecureAccessIpAddress homeTenantId
		homeTenantName id incomingTokenType ipAddress ipAddressFromResourceProvider isInteractive isTenantRestricted
		isThroughGlobalSecureAccess location managedServiceIdentity mfaDetail networkLocationDetails originalRequestId
		originalTransferMethod privateLinkDetails processingTimeInMilliseconds resourceDisplayName resourceId
		resourceServicePrincipalId resourceTenantId riskDetail riskEventTypes_v2 riskLevelAggregated riskLevelDuringSignIn
		riskState servicePrincipalCredentialKeyId servicePrincipalCredentialThumbprint servicePrincipalId servicePrincipalName
		sessionId sessionLifetimePolicies signInEventTypes signInIdentifier signInIdentifierType signInTokenProtectionStatus
		status tokenIssuerName tokenIssuerType uniqueTokenIdentifier userAgent userDisplayName userId userPrincipalName userType`)
	activityProperties = strings.Fields(`appId appObjectId createdDateTime credentialOrigin expirationDateTime id keyId keyType
		keyUsage resourceId servicePrincipalObjectId signInActivity`)
)

// usageFilter is a parsed $filter of either source.
type usageFilter struct {
	eventType     string
	typed         bool
	after, before time.Time // inclusive bounds, zero for none
	code          *int
	codeNot       bool
	appID, keyID  string
}

var (
	anyClause  = regexp.MustCompile(`^signInEventTypes/any\((\w+):\s*(\w+) eq '(\w+)'\)$`)
	dateClause = regexp.MustCompile(`^createdDateTime (ge|le|gt|lt) (\S+)$`)
	codeClause = regexp.MustCompile(`^status/errorCode (eq|ne) (-?\d+)$`)
	idClause   = regexp.MustCompile(`^(appId|keyId) eq '([0-9A-Fa-f-]+)'$`)
)

// parseUsageFilter reads the clauses the fake knows, joined by " and ";
// ok is false for anything else, as Graph answers "Invalid filter clause".
func parseUsageFilter(s, rel string, now time.Time) (f usageFilter, ok bool) {
	if strings.TrimSpace(s) == "" {
		return f, true
	}
	for _, c := range strings.Split(s, " and ") {
		c = strings.TrimSpace(c)
		if rel == activityRel {
			m := idClause.FindStringSubmatch(c)
			if m == nil {
				return f, false
			}
			if m[1] == "appId" {
				f.appID = m[2]
			} else {
				f.keyID = m[2]
			}
			continue
		}
		if m := anyClause.FindStringSubmatch(c); m != nil && m[1] == m[2] {
			f.eventType, f.typed = m[3], true
			continue
		}
		if m := dateClause.FindStringSubmatch(c); m != nil {
			t, err := time.Parse(time.RFC3339Nano, m[2])
			if err != nil || t.Before(now.Add(-90*24*time.Hour)) {
				return f, false // Graph refuses dates more than 90 days back
			}
			switch m[1] {
			case "ge":
				f.after = t
			case "gt":
				f.after = t.Add(time.Nanosecond)
			case "le":
				f.before = t
			case "lt":
				f.before = t.Add(-time.Nanosecond)
			}
			continue
		}
		if m := codeClause.FindStringSubmatch(c); m != nil {
			n, _ := strconv.Atoi(m[2])
			f.code, f.codeNot = &n, m[1] == "ne"
			continue
		}
		if m := idClause.FindStringSubmatch(c); m != nil && m[1] == "appId" {
			f.appID = m[2]
			continue
		}
		return f, false
	}
	return f, true
}

func (f *usageFilter) matchActivity(a *Activity) bool {
	return (f.appID == "" || strings.EqualFold(f.appID, a.AppID)) && (f.keyID == "" || strings.EqualFold(f.keyID, a.KeyID))
}

func (f *usageFilter) matchSignIn(s *SignIn) bool {
	switch {
	case f.typed && s.EventType != f.eventType, !f.typed && s.EventType != "interactiveUser":
		return false
	case !f.after.IsZero() && s.Created.Before(f.after), !f.before.IsZero() && s.Created.After(f.before):
		return false
	case f.code != nil && (s.ErrorCode == *f.code) == f.codeNot:
		return false
	}
	return f.appID == "" || strings.EqualFold(f.appID, s.AppID)
}

// jsonMembers writes the members of an object, those selected (all when
// sel is nil), each value JSON-encoded.
func jsonMembers(b *bytes.Buffer, sel []string, members []usageMember) {
	b.WriteByte('{')
	n := 0
	for _, m := range members {
		if sel != nil && !slices.Contains(sel, m.name) {
			continue
		}
		memberName(b, &n, m.name)
		writeJSON(b, m.value)
	}
	b.WriteByte('}')
}

// writeJSON writes v as JSON: plain strings, numbers, booleans and null
// directly (a log of millions of sign-ins is rendered member by member),
// anything else through encoding/json.
func writeJSON(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case string:
		if !strings.ContainsFunc(v, func(r rune) bool {
			return r < 0x20 || r == '"' || r == '\\' || r > 0x7e || r == '<' || r == '>' || r == '&'
		}) {
			b.WriteByte('"')
			b.WriteString(v)
			b.WriteByte('"')
			return
		}
		j, _ := json.Marshal(v)
		b.Write(j)
	default:
		j, _ := json.Marshal(v)
		b.Write(j)
	}
}

type usageMember struct {
	name  string
	value any
}

// orNull is s, or JSON null when it is empty.
func orNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func dateOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.999Z")
}

// render writes the entry as Graph writes it: every member, null where
// Graph writes null (servicePrincipalObjectId of an application's
// credential, the sign-in of a credential never used).
func (a *Activity) render(b *bytes.Buffer, sel []string) {
	var last any
	if !a.LastSignIn.IsZero() {
		last = map[string]any{"lastSignInDateTime": dateOrNull(a.LastSignIn), "lastSignInRequestId": orNull(a.LastSignInRequestID)}
	} else {
		last = map[string]any{"lastSignInDateTime": nil, "lastSignInRequestId": nil}
	}
	jsonMembers(b, sel, []usageMember{
		{"appId", a.AppID}, {"appObjectId", orNull(a.AppObjectID)}, {"createdDateTime", dateOrNull(a.Created)},
		{"credentialOrigin", a.CredentialOrigin}, {"expirationDateTime", dateOrNull(a.Expires)}, {"id", a.ID},
		{"keyId", a.KeyID}, {"keyType", a.KeyType}, {"keyUsage", a.KeyUsage}, {"resourceId", orNull(a.ResourceID)},
		{"servicePrincipalObjectId", orNull(a.ServicePrincipalObjectID)}, {"signInActivity", last},
	})
}

// render writes the sign-in as Graph does, with the members appaudit and
// the common tools read (a real sign-in has more): whole-second times,
// and a user's members empty on a service principal sign-in.
func (s *SignIn) render(b *bytes.Buffer, sel []string) {
	jsonMembers(b, sel, []usageMember{
		{"id", s.ID}, {"createdDateTime", s.Created.UTC().Format(time.RFC3339)},
		{"userDisplayName", orNull(s.UserDisplayName)}, {"userPrincipalName", orNull(s.UserPrincipalName)}, {"userId", s.UserID},
		{"appId", s.AppID}, {"appDisplayName", s.AppDisplayName}, {"ipAddress", s.IPAddress},
		{"clientCredentialType", s.ClientCredentialType}, {"isInteractive", s.EventType == "interactiveUser"},
		{"resourceDisplayName", s.ResourceDisplayName}, {"resourceId", s.ResourceID},
		{"servicePrincipalName", s.ServicePrincipalName}, {"signInEventTypes", []string{s.EventType}},
		{"servicePrincipalId", s.ServicePrincipalID}, {"servicePrincipalCredentialKeyId", orNull(s.KeyID)},
		{"servicePrincipalCredentialThumbprint", s.Thumbprint},
		{"status", map[string]any{"errorCode": s.ErrorCode, "failureReason": s.FailureReason, "additionalDetails": nil}},
	})
}
