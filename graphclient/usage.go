package graphclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/appaudit/appaudit/audit"
)

// The usage evidence lives on Graph beta (docs/usage-evidence.md):
//
//	GET /beta/reports/appCredentialSignInActivities
//	GET /beta/auditLogs/signIns?$filter=signInEventTypes/any(...) and createdDateTime ... and status/errorCode ne 0
//
// msgraph-sdk-go serves v1.0 only, so the requests are built as the SDK's
// own request builders build theirs (a kiota RequestInformation on a URL
// template) and sent through the same request adapter and transport as
// every other read: the read-only guard, retries and throttling apply.
const (
	activityPath = "/reports/appCredentialSignInActivities"
	signInsPath  = "/auditLogs/signIns"
	// signInsSelect is what the aggregation reads of a sign-in; ipAddress
	// is counted (distinct client addresses per group), never kept.
	signInsSelect = "createdDateTime,appId,servicePrincipalId,servicePrincipalCredentialKeyId," +
		"servicePrincipalCredentialThumbprint,clientCredentialType,status,resourceDisplayName,ipAddress"
	// signInsPageSize is the sign-in log's largest (and default) page.
	signInsPageSize = 1000
	// MaxUsageDays is how far back the failed sign-ins are read at most:
	// Entra keeps sign-in logs 30 days with P1 or P2 (7 on Free), and
	// refuses a filter more than 90 days back.
	MaxUsageDays = 30
	// DefaultReportReadsPer10s is Graph's limit on identity and access
	// reports (sign-in logs among them): five requests every ten seconds
	// per app and tenant (throttling-limits, "Identity and access reports
	// service limits").
	DefaultReportReadsPer10s = 5
	// usageSlice is how much of the window one sign-in query covers:
	// Microsoft's guidance for the reporting APIs is to filter
	// createdDateTime into windows of a few days rather than query the
	// whole retention at once.
	usageSlice = 3 * 24 * time.Hour
)

// UsageOptions say what usage evidence to read.
type UsageOptions struct {
	// Days is the window of failed sign-ins, ending now: 1 to
	// MaxUsageDays.
	Days int
	// AppIDs, when not empty, keeps only the evidence of these apps (the
	// reports are read whole: Graph filters them by one app at a time).
	AppIDs []string
	// MaxFailureGroups bounds the aggregation; 0 is
	// audit.MaxFailureGroups.
	MaxFailureGroups int
	// ReportReadsPer10s bounds the report requests every ten seconds; 0 is
	// DefaultReportReadsPer10s, a negative value no limit (for fakes).
	ReportReadsPer10s int
}

// The permission and the licence the usage evidence needs.
const (
	hintAuditLog = "reading sign-in activity and sign-in logs needs the Microsoft Graph permission AuditLog.Read.All " +
		"(an application permission with admin consent, or a delegated one for a user in the Reports Reader or Security Reader role) " +
		"and a Microsoft Entra ID P1 or P2 licence in the tenant; see the README's Permissions section"
	hintLicence = "the tenant has no Microsoft Entra ID P1 or P2 licence, which Graph requires for sign-in logs and sign-in activity; " +
		"without one, run without --usage"
	codeNoLicence = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
	// The sign-in log's licence check has wanted Directory.Read.All too
	// (Authentication_ApplicationHasNoDirectoryReadAccess, a known issue
	// of Graph's: docs/usage-evidence.md).
	hintDirectory = "Graph's licence check for sign-in logs also wants the permission Directory.Read.All (a known issue of Graph's); grant it besides AuditLog.Read.All, or run without --usage"
)

// ReadUsage reads the credential sign-in activity report and the service
// principal sign-ins that failed in the last opts.Days days, with the
// client's sign-in and transport. It always returns a Usage: a source that
// could not be read leaves it incomplete, saying why (naming
// AuditLog.Read.All or the licence when Graph refused for want of them),
// and the error returned is the first such reason. A cloud that does not
// serve the activity report (it is served in the global cloud only) is
// noted, not an error.
func (c *Client) ReadUsage(ctx context.Context, opts UsageOptions) (*audit.Usage, error) {
	if opts.Days < 1 || opts.Days > MaxUsageDays {
		return nil, fmt.Errorf("graphclient: the window of failed sign-ins is %d days: it must be 1 to %d (Entra keeps sign-in logs %d days)", opts.Days, MaxUsageDays, MaxUsageDays)
	}
	now := c.clock.Now().UTC().Truncate(time.Second)
	u := &audit.Usage{From: now.Add(-time.Duration(opts.Days) * 24 * time.Hour), To: now, Complete: true}
	limit := opts.ReportReadsPer10s
	if limit == 0 {
		limit = DefaultReportReadsPer10s
	}
	r := &usageReader{c: c, window: newWindow(limit, 10*time.Second, c.clock, c.stats), keep: appFilter(opts.AppIDs)}
	var errs []error
	fail := func(err error) {
		errs = append(errs, err)
		u.Complete = false
	}
	if c.ep.Cloud.Name == "public" {
		if err := r.activity(ctx, u); err != nil {
			fail(err)
		}
	} else {
		u.Activity.Note = fmt.Sprintf("not read: Microsoft Graph serves the credential sign-in activity report in the global cloud only, not in %s", c.ep.Cloud.Name)
	}
	if len(errs) == 0 || !stopsUsage(errs[0]) {
		if err := r.failures(ctx, u, opts.MaxFailureGroups); err != nil {
			fail(err)
		}
	}
	if len(opts.AppIDs) > 0 {
		note := fmt.Sprintf("kept for %s only (--app)", audit.Plural(len(opts.AppIDs), "app"))
		for _, s := range []*audit.UsageSource{&u.Activity, &u.Failures} {
			if s.Read {
				s.Note = note
			}
		}
	}
	var reasons []string
	for _, e := range errs {
		reasons = append(reasons, Reason(e))
	}
	u.IncompleteReason = strings.Join(reasons, "; ")
	if len(errs) > 0 {
		return u, errs[0]
	}
	return u, nil
}

// stopsUsage reports whether err stops the other usage source too: a
// sign-in that failed, a token refused, or the caller giving up. A 403
// does not: the licence may let one source through and not the other.
func stopsUsage(err error) bool {
	return fatal(err) && statusOf(err) != http.StatusForbidden
}

// appFilter is the test of the appIds to keep; nil keeps every app.
func appFilter(ids []string) func(string) bool {
	if len(ids) == 0 {
		return nil
	}
	set := map[string]bool{}
	for _, id := range ids {
		set[strings.ToLower(id)] = true
	}
	return func(id string) bool { return set[strings.ToLower(id)] }
}

// usageReader reads the two beta sources, within Graph's limit on report
// requests.
type usageReader struct {
	c      *Client
	window *window
	keep   func(appID string) bool
}

// wireActivity is Graph beta's appCredentialSignInActivity, reduced to the
// members appaudit keeps. Graph writes null for servicePrincipalObjectId
// on credentials of origin application, and keyType password (the docs
// say clientSecret) for secrets: docs/usage-evidence.md.
type wireActivity struct {
	ID                       string `json:"id,omitempty"`
	KeyID                    string `json:"keyId"`
	KeyType                  string `json:"keyType,omitempty"`
	KeyUsage                 string `json:"keyUsage,omitempty"`
	AppID                    string `json:"appId"`
	AppObjectID              string `json:"appObjectId,omitempty"`
	ServicePrincipalObjectID string `json:"servicePrincipalObjectId,omitempty"`
	ResourceID               string `json:"resourceId,omitempty"`
	CredentialOrigin         string `json:"credentialOrigin,omitempty"`
	CreatedDateTime          string `json:"createdDateTime,omitempty"`
	ExpirationDateTime       string `json:"expirationDateTime,omitempty"`
	// ExpirationDate is how the docs' examples spell it; read, never written.
	ExpirationDate string          `json:"expirationDate,omitempty"`
	SignInActivity *wireLastSignIn `json:"signInActivity,omitempty"`
}

type wireLastSignIn struct {
	LastSignInDateTime  string `json:"lastSignInDateTime,omitempty"`
	LastSignInRequestID string `json:"lastSignInRequestId,omitempty"`
}

// wireSignIn is the part of Graph beta's signIn the aggregation reads.
type wireSignIn struct {
	CreatedDateTime      string `json:"createdDateTime"`
	AppID                string `json:"appId"`
	ServicePrincipalID   string `json:"servicePrincipalId"`
	KeyID                string `json:"servicePrincipalCredentialKeyId"`
	Thumbprint           string `json:"servicePrincipalCredentialThumbprint"`
	ClientCredentialType string `json:"clientCredentialType"`
	Status               struct {
		ErrorCode     int    `json:"errorCode"`
		FailureReason string `json:"failureReason"`
	} `json:"status"`
	ResourceDisplayName string `json:"resourceDisplayName"`
	IPAddress           string `json:"ipAddress"`
}

// usagePage is one page of either source.
type usagePage[T any] struct {
	NextLink string `json:"@odata.nextLink"`
	Value    []T    `json:"value"`
}

// credential converts an entry of the activity report; field names the
// member at fault.
func (w *wireActivity) credential() (a audit.CredentialActivity, field string, err error) {
	a = audit.CredentialActivity{KeyID: strings.ToLower(w.KeyID), KeyType: w.KeyType, KeyUsage: w.KeyUsage, AppID: strings.ToLower(w.AppID),
		AppObjectID: w.AppObjectID, ServicePrincipalObjectID: w.ServicePrincipalObjectID, ResourceID: w.ResourceID, Origin: w.CredentialOrigin}
	expires, expField := w.ExpirationDateTime, "expirationDateTime"
	if expires == "" {
		expires, expField = w.ExpirationDate, "expirationDate"
	}
	for _, d := range []struct {
		to    *time.Time
		value string
		field string
	}{{&a.Created, w.CreatedDateTime, "createdDateTime"}, {&a.Expires, expires, expField}} {
		if *d.to, err = parseUsageDate(d.value); err != nil {
			return a, d.field, err
		}
	}
	if w.SignInActivity != nil {
		a.LastSignInRequestID = w.SignInActivity.LastSignInRequestID
		if a.LastSignIn, err = parseUsageDate(w.SignInActivity.LastSignInDateTime); err != nil {
			return a, "signInActivity.lastSignInDateTime", err
		}
	}
	if a.KeyID == "" {
		return a, "keyId", errors.New("missing: every entry names its credential")
	}
	return a, "", nil
}

// wireActivityOf is the Graph JSON of an entry, for snapshots.
func wireActivityOf(a *audit.CredentialActivity) wireActivity {
	w := wireActivity{KeyID: a.KeyID, KeyType: a.KeyType, KeyUsage: a.KeyUsage, AppID: a.AppID, AppObjectID: a.AppObjectID,
		ServicePrincipalObjectID: a.ServicePrincipalObjectID, ResourceID: a.ResourceID, CredentialOrigin: a.Origin,
		CreatedDateTime: formatDate(a.Created), ExpirationDateTime: formatDate(a.Expires)}
	if !a.LastSignIn.IsZero() || a.LastSignInRequestID != "" {
		w.SignInActivity = &wireLastSignIn{LastSignInDateTime: formatDate(a.LastSignIn), LastSignInRequestID: a.LastSignInRequestID}
	}
	return w
}

// shortOffset is an offset with a one-digit hour, as the docs' examples
// write it ("2021-04-01T21:36:48-8:00"), which RFC 3339 does not allow.
var shortOffset = regexp.MustCompile(`([+-])(\d):(\d\d)$`)

// parseUsageDate reads a date of the usage sources: RFC 3339 (Graph's),
// a one-digit offset hour (the docs' examples), or no zone (UTC).
func parseUsageDate(s string) (time.Time, error) {
	t, ferr := parseDate(shortOffset.ReplaceAllString(s, "${1}0${2}:${3}"), "")
	if ferr != nil {
		return time.Time{}, errors.New(ferr.msg)
	}
	return t, nil
}

// activity reads the whole credential sign-in activity report into u.
// The report's page size is not documented, so no $top is sent: the
// pages are Graph's own, followed by @odata.nextLink.
func (r *usageReader) activity(ctx context.Context, u *audit.Usage) error {
	ri := r.c.betaRequest(activityPath, nil)
	const what = "the credential sign-in activity report"
	return readUsagePages(ctx, r, ri, what, &u.Activity, func(page int, items []wireActivity) error {
		for i := range items {
			a, field, err := items[i].credential()
			if err != nil {
				return fmt.Errorf("page %d, value[%d] (keyId %s): %s: %v", page, i, clip(items[i].KeyID), field, err)
			}
			if r.keep == nil || r.keep(a.AppID) {
				u.Credentials = append(u.Credentials, a)
			}
		}
		return nil
	})
}

// failures reads the failed service principal sign-ins of u's window,
// newest slice first, into u's aggregation.
func (r *usageReader) failures(ctx context.Context, u *audit.Usage, maxGroups int) error {
	agg := audit.NewFailureAggregator(maxGroups)
	defer func() { u.Failed, u.FailedTotal, u.FailedDropped = agg.Result(); u.FailedCapped = u.FailedDropped > 0 }()
	for to := u.To; to.After(u.From); to = to.Add(-usageSlice) {
		from := to.Add(-usageSlice)
		if from.Before(u.From) {
			from = u.From
		}
		// Sign-in times are whole seconds (docs/usage-evidence.md): a
		// slice ends a second before the next one starts, so none is
		// counted twice and none is missed.
		end := to
		if to.Before(u.To) {
			end = to.Add(-time.Second)
		}
		ri := r.c.betaRequest(signInsPath, map[string]string{
			"filter": FailedSignInsFilter(from, end),
			"select": signInsSelect,
			"top":    fmt.Sprint(signInsPageSize),
		})
		what := fmt.Sprintf("failed service principal sign-ins from %s to %s", from.Format(time.RFC3339), end.Format(time.RFC3339))
		err := readUsagePages(ctx, r, ri, what, &u.Failures, func(page int, items []wireSignIn) error {
			for i := range items {
				s := &items[i]
				if s.Status.ErrorCode == 0 || (r.keep != nil && !r.keep(s.AppID)) {
					continue // a success, had Graph not filtered it out, or another app
				}
				at, err := parseUsageDate(s.CreatedDateTime)
				if err != nil {
					return fmt.Errorf("page %d, value[%d] (appId %s): createdDateTime: %v", page, i, clip(s.AppID), err)
				}
				agg.Add(audit.FailedSignIn{Time: at, AppID: s.AppID, ServicePrincipalID: s.ServicePrincipalID, ErrorCode: s.Status.ErrorCode,
					Reason: s.Status.FailureReason, KeyID: s.KeyID, Thumbprint: s.Thumbprint, ClientCredentialType: s.ClientCredentialType,
					Resource: s.ResourceDisplayName, Source: s.IPAddress})
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// FailedSignInsFilter is the $filter appaudit sends for the failed
// service principal sign-ins from from to to, both included: what the
// fake Graph (graphtest) checks requests against.
func FailedSignInsFilter(from, to time.Time) string {
	return fmt.Sprintf("signInEventTypes/any(t: t eq 'servicePrincipal') and createdDateTime ge %s and createdDateTime le %s and status/errorCode ne 0",
		from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
}

// betaRequest is a GET of path on Graph beta with the query options
// (names without $). The request adapter sets the base URL of every
// request built on a URL template to v1.0's, so the URL is given whole,
// as the SDK's builders give a nextLink.
func (c *Client) betaRequest(path string, query map[string]string) *abs.RequestInformation {
	q := url.Values{}
	for k, v := range query {
		q.Set("$"+k, v)
	}
	link := c.ep.Root + "/beta" + path
	if len(q) > 0 {
		link += "?" + strings.ReplaceAll(q.Encode(), "+", "%20")
	}
	return nextRequest(link)
}

// nextRequest is a GET of a whole URL, such as a nextLink, as the SDK's
// builders make one.
func nextRequest(link string) *abs.RequestInformation {
	ri := abs.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(abs.GET, "{+baseurl}", map[string]string{"request-raw-url": link})
	ri.Headers.TryAdd("Accept", "application/json")
	return ri
}

// readUsagePages reads every page of a usage source from ri, handing each
// page's entries to each, within the report limit; src counts the pages
// and is marked read at the first. A page that cannot be read or decoded,
// a nextLink to another host or one seen before, end it with an error that
// says how far it got.
func readUsagePages[T any](ctx context.Context, r *usageReader, ri *abs.RequestInformation, what string, src *audit.UsageSource, each func(page int, items []T) error) error {
	seen := map[string]bool{}
	entries := 0
	stopped := func(page int, err error) error {
		return usageError(fmt.Sprintf("reading %s stopped at page %d, after %d entries", what, page, entries), err)
	}
	for page := 1; ; page++ {
		if err := r.window.takeFirst(ctx, 1); err != nil {
			return stopped(page, err)
		}
		body, err := r.c.send(ctx, ri, "")
		if err != nil {
			return stopped(page, err)
		}
		var p usagePage[T]
		if err := json.Unmarshal(body, &p); err != nil {
			return stopped(page, fmt.Errorf("the answer is not a Graph page (%v): something between appaudit and Graph, such as a proxy, may have changed it; run the audit again", err))
		}
		src.Read = true
		src.Pages++
		if err := each(page, p.Value); err != nil {
			return stopped(page, err)
		}
		entries += len(p.Value)
		if p.NextLink == "" {
			return nil
		}
		u, perr := url.Parse(p.NextLink)
		switch {
		case perr != nil || !r.c.ep.onHost(u):
			return stopped(page+1, fmt.Errorf("page %d's @odata.nextLink leads to %s, not to %s: it was not followed", page, linkHost(p.NextLink), r.c.ep.Host()))
		case seen[p.NextLink]:
			return stopped(page+1, fmt.Errorf("page %d's @odata.nextLink is one seen before: Graph's paging loops, so the read was stopped rather than run for ever", page))
		}
		seen[p.NextLink] = true
		ri = nextRequest(p.NextLink)
	}
}

// usageError says what stopped a usage read and, for Graph's refusals,
// what to do: the hint names AuditLog.Read.All, or the licence when Graph
// says the tenant has none.
func usageError(op string, err error) error {
	var ge *Error
	if errors.As(err, &ge) {
		e := *ge
		e.Op = op
		switch {
		case strings.HasPrefix(codeNoLicence, strings.TrimSuffix(e.Code, "…")) && e.Code != "":
			e.Code, e.Hint = codeNoLicence, hintLicence // the code in full: it is what users search for
		case e.Status == http.StatusForbidden && strings.Contains(e.Code, "NoDirectory"):
			e.Hint = hintDirectory
		case e.Status == http.StatusForbidden:
			e.Hint = hintAuditLog
		case e.Status == http.StatusTooManyRequests:
			e.Hint = "Graph is throttling report reads (five requests every ten seconds per app and tenant); run the audit again later, or with a shorter --usage-days"
		case e.Status == http.StatusBadRequest && strings.Contains(e.Message, "Resource not found for the segment"):
			e.Hint = "this cloud's Microsoft Graph does not serve it"
		}
		return &e
	}
	var se *SignInError
	if errors.As(err, &se) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &Error{Op: op, Message: Reason(err), Err: err}
}
