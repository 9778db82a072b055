package audit

import (
	"cmp"
	"hash/fnv"
	"slices"
	"strings"
	"sync"
	"time"
)

// Usage is what Entra itself recorded about the tenant's credentials in
// use, read beside the tenant (live, or from a snapshot): when each
// credential last signed in, from the credential sign-in activity report,
// and the service principal sign-ins that failed in a window, aggregated
// per app, error code and presented credential. Nothing in it identifies a
// user: service principal sign-ins have none, and client addresses are
// counted, never kept.
//
// A Usage is used by pointer: its lookups build an index on first use.
type Usage struct {
	// From and To bound the window the failed sign-ins were read for.
	From, To time.Time

	// Activity and Failures say whether each source was read.
	Activity UsageSource
	Failures UsageSource

	// Complete is true only when every source asked for, and served in
	// the tenant's cloud, was read to its end; IncompleteReason then says
	// what is missing and why. A source a cloud does not serve leaves
	// Complete alone: its UsageSource says so.
	Complete         bool
	IncompleteReason string

	// Credentials is the activity report: one entry per credential Entra
	// lists, in the order read.
	Credentials []CredentialActivity

	// Failed is the failed sign-ins of the window, one entry per app,
	// error code and presented credential, most recent first.
	Failed []FailedSignIns
	// FailedTotal counts every failed sign-in read, those in Failed and
	// those left out of it.
	FailedTotal int64
	// FailedDropped counts the failed sign-ins left out of Failed because
	// it already held MaxFailureGroups entries; FailedCapped says the cap
	// was reached. Their sum with Failed's counts is FailedTotal.
	FailedDropped int64
	FailedCapped  bool

	once  sync.Once
	byKey map[string]int
	byApp map[string][]int
}

// UsageSource says whether one source of usage evidence was read.
type UsageSource struct {
	// Read is true when the source was read, in full or in part.
	Read bool
	// Pages counts the pages read.
	Pages int
	// Note says why the source was not read, or what limits it (a cloud
	// that does not serve it, --app), empty when there is nothing to say.
	Note string
}

// DefaultUnusedDays is how long a credential may go without signing in
// before it is reported unused, unless told otherwise.
const DefaultUnusedDays = 90

// CredentialActivity is one entry of Entra's credential sign-in activity
// report (Graph beta appCredentialSignInActivity).
type CredentialActivity struct {
	KeyID string
	// KeyType is Graph's: certificate, clientSecret (password on the
	// wire as observed), or another value Graph adds.
	KeyType string
	// KeyUsage is sign or verify, lowercase as Graph writes it.
	KeyUsage string
	AppID    string
	// AppObjectID is the application object's ID, ServicePrincipalObjectID
	// the service principal's (Graph leaves it null for credentials of
	// origin application).
	AppObjectID              string
	ServicePrincipalObjectID string
	// ResourceID is the resource the credential last signed in to.
	ResourceID string
	// Origin is application or servicePrincipal: which object holds the
	// credential.
	Origin  string
	Created time.Time
	Expires time.Time
	// LastSignIn is the credential's last sign-in, zero when Entra
	// recorded none. Entra updates it on every attempt, failed ones too.
	LastSignIn          time.Time
	LastSignInRequestID string
}

// IsCertificate reports whether the credential is a certificate.
func (a *CredentialActivity) IsCertificate() bool { return strings.EqualFold(a.KeyType, "certificate") }

// FailedSignIns is the failed sign-ins of one app with one error code and
// one presented credential, aggregated.
type FailedSignIns struct {
	AppID string
	// ServicePrincipalID is the object ID of the service principal that
	// tried to sign in.
	ServicePrincipalID string
	// ErrorCode is the AADSTS code, 700027 for AADSTS700027.
	ErrorCode int
	// Reason is Entra's failure reason of the most recent sign-in, clipped.
	Reason string
	// KeyID and Thumbprint identify the credential presented, as far as
	// Entra recorded them: KeyID lowercase, Thumbprint uppercase hex (the
	// SHA-1 Entra looked for). Both are empty when it recorded neither.
	KeyID      string
	Thumbprint string
	// ClientCredentialType is Graph's: clientAssertion, clientSecret,
	// federatedIdentityCredential, ...
	ClientCredentialType string
	Count                int64
	First, Last          time.Time
	// Resources is a sample of the resources the sign-ins asked for, at
	// most MaxSampledResources, and MoreResources says there were others.
	Resources     []string
	MoreResources bool
	// Sources counts the distinct client addresses the sign-ins came
	// from, up to MaxCountedSources (SourcesCapped: at least that many).
	// The addresses themselves are never kept.
	Sources       int
	SourcesCapped bool
}

// The bounds of the failed sign-in aggregation: memory grows with the
// distinct (app, error code, credential) groups, never with sign-ins, and
// at most MaxFailureGroups of them are kept.
const (
	MaxFailureGroups    = 10_000
	MaxSampledResources = 3
	MaxCountedSources   = 16
	maxReasonLength     = 300
)

func (u *Usage) index() {
	u.once.Do(func() {
		u.byKey = make(map[string]int, len(u.Credentials))
		for i := range u.Credentials {
			k := strings.ToLower(u.Credentials[i].KeyID)
			if j, dup := u.byKey[k]; !dup || u.Credentials[i].LastSignIn.After(u.Credentials[j].LastSignIn) {
				u.byKey[k] = i
			}
		}
		u.byApp = map[string][]int{}
		for i := range u.Failed {
			k := strings.ToLower(u.Failed[i].AppID)
			u.byApp[k] = append(u.byApp[k], i)
		}
	})
}

// ActivityOf is the activity report's entry for credential keyID; ok is
// false when the report was not read or does not list the credential.
// When Entra lists a keyId twice (for the application and for the service
// principal), the entry with the later sign-in is the one returned.
func (u *Usage) ActivityOf(keyID string) (a CredentialActivity, ok bool) {
	if u == nil || !u.Activity.Read {
		return CredentialActivity{}, false
	}
	u.index()
	i, ok := u.byKey[strings.ToLower(keyID)]
	if !ok {
		return CredentialActivity{}, false
	}
	return u.Credentials[i], true
}

// LastSignIn is when credential keyID last signed in: a zero time with ok
// true means the report lists it with no sign-in; ok is false when the
// report was not read or does not list it.
func (u *Usage) LastSignIn(keyID string) (last time.Time, ok bool) {
	a, ok := u.ActivityOf(keyID)
	return a.LastSignIn, ok
}

// FailuresOf is the failed sign-ins of the app with appID, most recent
// first; nil when there were none or they were not read.
func (u *Usage) FailuresOf(appID string) []FailedSignIns {
	if u == nil || !u.Failures.Read {
		return nil
	}
	u.index()
	var out []FailedSignIns
	for _, i := range u.byApp[strings.ToLower(appID)] {
		out = append(out, u.Failed[i])
	}
	return out
}

// Presented reports whether f's sign-ins presented the credential with
// keyID or the SHA-1 thumbprint sha1 (hex, any case): what Entra recorded
// of the credential matches either.
func (f *FailedSignIns) Presented(keyID, sha1 string) bool {
	return (f.KeyID != "" && strings.EqualFold(f.KeyID, keyID)) ||
		(f.Thumbprint != "" && strings.EqualFold(f.Thumbprint, NormalizeSignInThumbprint(sha1)))
}

// FailedSignIn is one failed sign-in, as the aggregation takes it.
type FailedSignIn struct {
	Time                 time.Time
	AppID                string
	ServicePrincipalID   string
	ErrorCode            int
	Reason               string
	KeyID                string
	Thumbprint           string
	ClientCredentialType string
	Resource             string
	// Source is the client address; it is counted, never kept.
	Source string
}

// FailureAggregator aggregates failed sign-ins into FailedSignIns, one per
// app, error code and presented credential, keeping at most MaxGroups
// groups: memory grows with the groups, never with the sign-ins. The zero
// value is not ready: use NewFailureAggregator.
type FailureAggregator struct {
	max     int
	groups  []aggregate
	byKey   map[groupKey]int
	total   int64
	dropped int64
}

type groupKey struct {
	app, keyID, thumbprint string
	code                   int
}

type aggregate struct {
	FailedSignIns
	sources []uint64 // hashes of the distinct addresses seen, at most MaxCountedSources
}

// NewFailureAggregator keeps at most max groups; 0 or less is
// MaxFailureGroups.
func NewFailureAggregator(max int) *FailureAggregator {
	if max <= 0 {
		max = MaxFailureGroups
	}
	return &FailureAggregator{max: max, byKey: map[groupKey]int{}}
}

// Add counts one failed sign-in.
func (a *FailureAggregator) Add(s FailedSignIn) {
	a.total++
	k := groupKey{app: strings.ToLower(s.AppID), keyID: strings.ToLower(strings.TrimSpace(s.KeyID)),
		thumbprint: NormalizeSignInThumbprint(s.Thumbprint), code: s.ErrorCode}
	i, ok := a.byKey[k]
	if !ok {
		if len(a.groups) >= a.max {
			a.dropped++
			return
		}
		i = len(a.groups)
		a.byKey[k] = i
		a.groups = append(a.groups, aggregate{FailedSignIns: FailedSignIns{
			AppID: k.app, ServicePrincipalID: strings.ToLower(s.ServicePrincipalID), ErrorCode: s.ErrorCode,
			KeyID: k.keyID, Thumbprint: k.thumbprint, ClientCredentialType: s.ClientCredentialType,
			First: s.Time, Last: s.Time, Reason: clipReason(s.Reason),
		}})
	}
	g := &a.groups[i]
	g.Count++
	if s.Time.Before(g.First) {
		g.First = s.Time
	}
	if s.Time.After(g.Last) {
		g.Last = s.Time
		if s.Reason != "" {
			g.Reason = clipReason(s.Reason)
		}
	}
	if g.ClientCredentialType == "" {
		g.ClientCredentialType = s.ClientCredentialType
	}
	if r := strings.TrimSpace(s.Resource); r != "" && !slices.Contains(g.Resources, r) {
		if len(g.Resources) < MaxSampledResources {
			g.Resources = append(g.Resources, r)
		} else {
			g.MoreResources = true
		}
	}
	if s.Source != "" && !g.SourcesCapped {
		h := fnv.New64a()
		h.Write([]byte(s.Source))
		if sum := h.Sum64(); !slices.Contains(g.sources, sum) {
			if len(g.sources) < MaxCountedSources {
				g.sources = append(g.sources, sum)
				g.Sources = len(g.sources)
			} else {
				g.SourcesCapped = true
			}
		}
	}
}

// Result is the groups, most recent first, with how many sign-ins were
// counted in all and how many were left out because the cap was reached.
func (a *FailureAggregator) Result() (groups []FailedSignIns, total, dropped int64) {
	groups = make([]FailedSignIns, len(a.groups))
	for i := range a.groups {
		groups[i] = a.groups[i].FailedSignIns
	}
	SortFailedSignIns(groups)
	return groups, a.total, a.dropped
}

// SortFailedSignIns orders groups most recent first, then by app, code and
// credential, so that the same sign-ins always give the same order.
func SortFailedSignIns(groups []FailedSignIns) {
	slices.SortStableFunc(groups, func(x, y FailedSignIns) int {
		return cmp.Or(y.Last.Compare(x.Last), cmp.Compare(x.AppID, y.AppID), cmp.Compare(x.ErrorCode, y.ErrorCode),
			cmp.Compare(x.KeyID, y.KeyID), cmp.Compare(x.Thumbprint, y.Thumbprint))
	})
}

// NormalizeSignInThumbprint writes a thumbprint the sign-in log recorded
// as uppercase hex without separators, as audit spells SHA-1 thumbprints;
// a value that is not hex is kept as given, trimmed.
func NormalizeSignInThumbprint(s string) string {
	s = strings.TrimSpace(s)
	h := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ':' || c == ' ' || c == '-':
		case c >= '0' && c <= '9', c >= 'A' && c <= 'F':
			h = append(h, c)
		case c >= 'a' && c <= 'f':
			h = append(h, c-'a'+'A')
		default:
			return s
		}
	}
	if len(h) == 0 || len(h)%2 != 0 {
		return s
	}
	if string(h) == s {
		return s // already as audit spells it: no new string
	}
	return string(h)
}

func clipReason(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxReasonLength {
		return s
	}
	cut := maxReasonLength
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
