package reports

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
)

// wholeTimeline is how the timeline picked its rows when it listed every
// credential of the tenant and sorted them all: the reference the
// bounded pick (selectTimeline) is held to.
func wholeTimeline(r *audit.Result, start, end time.Time) (rows []string, sel timelineRowsOf) {
	type cred struct {
		obj    *audit.AuditedObject
		c      *audit.CredentialStatus
		usages []string
		class  string
	}
	type key struct {
		obj audit.ObjectRef
		id  string
	}
	wrongUsage := map[key]bool{}
	for _, f := range r.Findings {
		if f.App != nil && f.Credential != nil && f.Check == audit.CheckCertWrongUsage {
			for _, id := range append([]string{f.Credential.KeyID}, f.Credential.PairedKeyIDs...) {
				wrongUsage[key{*f.App, strings.ToLower(id)}] = true
			}
		}
	}
	warn := time.Duration(r.Policy.WarnDays) * 24 * time.Hour
	var all []cred
	for i := range r.Objects {
		o := &r.Objects[i]
		type half struct {
			name       string
			start, end time.Time
		}
		index := map[half]int{}
		for j := range o.Credentials {
			c := &o.Credentials[j]
			if c.End.IsZero() {
				continue
			}
			wrong := wrongUsage[key{o.ObjectRef, strings.ToLower(c.KeyID)}]
			if c.Kind == audit.CredentialCertificate {
				h := half{c.DisplayName, c.Start, c.End}
				if k, ok := index[h]; ok {
					if c.Usage != "" && !slices.Contains(all[k].usages, c.Usage) {
						all[k].usages = append(all[k].usages, c.Usage)
					}
					if wrong && all[k].class != "gone" {
						all[k].class = "bad"
					}
					continue
				}
				index[h] = len(all)
			}
			tc := cred{obj: o, c: c, class: "ok"}
			if c.Usage != "" {
				tc.usages = []string{c.Usage}
			}
			switch {
			case !r.AsOf.Before(c.End):
				tc.class = "gone"
			case wrong || c.Start.After(r.AsOf):
				tc.class = "bad"
			case c.End.Sub(r.AsOf) <= warn:
				tc.class = "soon"
			}
			all = append(all, tc)
		}
	}
	var bad, upcoming, ended []cred
	for _, tc := range all {
		switch {
		case tc.class == "bad":
			bad = append(bad, tc)
		case tc.c.End.Before(start):
			sel.before++
		case tc.c.End.After(end):
			sel.after++
		case tc.class == "gone":
			ended = append(ended, tc)
		default:
			upcoming = append(upcoming, tc)
		}
	}
	sel.total = len(bad) + len(upcoming) + len(ended)
	byEnd := func(a, b cred) int {
		if c := a.c.End.Compare(b.c.End); c != 0 {
			return c
		}
		return cmp.Compare(a.obj.DisplayName, b.obj.DisplayName)
	}
	slices.SortStableFunc(bad, byEnd)
	slices.SortStableFunc(upcoming, byEnd)
	slices.SortStableFunc(ended, func(a, b cred) int { return byEnd(b, a) })
	bad = bad[:min(len(bad), timelineRows)]
	room := timelineRows - len(bad)
	sel.nBad = len(bad)
	sel.nEnded = min(len(ended), max(room/3, room-len(upcoming)))
	sel.nUpcoming = min(len(upcoming), room-sel.nEnded)
	shown := slices.Concat(bad, upcoming[:sel.nUpcoming], ended[:sel.nEnded])
	slices.SortStableFunc(shown, byEnd)
	for _, tc := range shown {
		rows = append(rows, fmt.Sprintf("%s/%s %s %v", tc.obj.AppID, tc.c.KeyID, tc.class, tc.usages))
	}
	return rows, sel
}

// randomInventory is a tenant's credential inventory made to tie: few
// names and few end dates, so that many credentials end on the same day
// on objects of the same name; certificates registered as Sign/Verify
// pairs, some on the same day under the same name and other usages, some
// registered with the wrong usage, some not valid yet; and objects of
// every size, some with more than a hundred credentials.
func randomInventory(rng *rand.Rand, asOf time.Time) *audit.Result {
	r := &audit.Result{AsOf: asOf, Policy: audit.DefaultPolicy()}
	day := func(n int) time.Time { return asOf.Add(time.Duration(n) * 24 * time.Hour) }
	usages := []string{"Verify", "Sign", "", "Encrypt"}
	notYet, wrong := 2+rng.IntN(300), 2+rng.IntN(300)
	for i := range 20 + rng.IntN(300) {
		o := audit.AuditedObject{ObjectRef: audit.ObjectRef{Kind: audit.KindApplication, AppID: fmt.Sprintf("app-%d", i),
			DisplayName: fmt.Sprintf("name %d", rng.IntN(4))}}
		if rng.IntN(3) == 0 {
			o.Kind = audit.KindServicePrincipal
		}
		n := rng.IntN(5)
		if rng.IntN(20) == 0 {
			n = 17 + rng.IntN(120)
		}
		for j := range n {
			c := audit.CredentialStatus{Kind: audit.CredentialCertificate, KeyID: fmt.Sprintf("Key-%d-%d", i, j),
				DisplayName: fmt.Sprintf("CN=%d", rng.IntN(3)), Usage: usages[rng.IntN(len(usages))],
				Start: day(-400 + rng.IntN(3)*200), End: day(-90 + 20*rng.IntN(30))}
			if rng.IntN(notYet) == 0 {
				c.Start = day(1 + rng.IntN(5))
			}
			switch rng.IntN(10) {
			case 0:
				c.Kind, c.Usage = audit.CredentialSecret, ""
			case 1:
				c.End = time.Time{}
			case 2, 3, 4:
				if j > 0 { // the other half of the one before
					prev := o.Credentials[j-1]
					c.Kind, c.DisplayName, c.Start, c.End = prev.Kind, prev.DisplayName, prev.Start, prev.End
				}
			}
			o.Credentials = append(o.Credentials, c)
			if rng.IntN(wrong) == 0 {
				ref := o.ObjectRef
				r.Findings = append(r.Findings, audit.Finding{Check: audit.CheckCertWrongUsage, App: &ref,
					Credential: &audit.CredentialRef{Kind: c.Kind, KeyID: strings.ToUpper(c.KeyID)}})
			}
		}
		r.Objects = append(r.Objects, o)
	}
	return r
}

// The timeline keeps a few dozen credentials as it walks the inventory,
// and draws the very rows, in the very order, and counts what it leaves
// out as, sorting every credential of the tenant, it did.
func TestTimelinePicksWhatSortingAllPicks(t *testing.T) {
	asOf := time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)
	start, end := asOf.Add(-tlBefore*24*time.Hour), asOf.Add(tlAfter*24*time.Hour)
	var mixed, fewBad, large int
	for seed := range uint64(300) {
		r := randomInventory(rand.New(rand.NewPCG(seed, 7)), asOf)
		wantRows, want := wholeTimeline(r, start, end)
		got := selectTimeline(r, start, end)
		var gotRows []string
		for _, tc := range got.shown {
			gotRows = append(gotRows, fmt.Sprintf("%s/%s %s %v", tc.obj.AppID, tc.c.KeyID, tc.class, tc.usages()))
		}
		if got.nBad > 0 && got.nUpcoming > 0 && got.nEnded > 0 {
			mixed++
		}
		if got.nBad < timelineRows && got.total > timelineRows {
			fewBad++
		}
		for _, o := range r.Objects {
			if len(o.Credentials) > 40 {
				large++
			}
		}
		got.shown, want.shown = nil, nil
		if !reflect.DeepEqual(got, want) || !slices.Equal(gotRows, wantRows) {
			t.Fatalf("seed %d: picked %+v\n%s\nsorting all picks %+v\n%s", seed, got, strings.Join(gotRows, "\n"), want, strings.Join(wantRows, "\n"))
		}
	}
	// What the tenants held, so that the comparison is worth something.
	t.Logf("%d of the tenants draw rows of each kind, %d leave rows to what ended and ends, %d objects of over 40 credentials", mixed, fewBad, large)
	if mixed < 20 || fewBad < 50 || large < 100 {
		t.Errorf("the random tenants no longer make the timeline choose: %d, %d, %d", mixed, fewBad, large)
	}
}
