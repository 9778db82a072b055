package graphclient_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// comparable is the evidence of a Usage, without its index.
func comparable(u *audit.Usage) audit.Usage {
	return audit.Usage{From: u.From, To: u.To, Activity: u.Activity, Failures: u.Failures, Complete: u.Complete,
		IncompleteReason: u.IncompleteReason, Credentials: u.Credentials, Failed: u.Failed,
		FailedTotal: u.FailedTotal, FailedDropped: u.FailedDropped, FailedCapped: u.FailedCapped}
}

// snapshot --usage keeps what was read, and scan --snapshot reads it back
// as it was; the snapshot is version 2 then, and holds no client address
// and nothing of the users whose sign-ins were in the log.
func TestUsageSnapshotRoundTrip(t *testing.T) {
	log := usageLog()
	srv := fake(t, liveTenant(1), graphtest.Options{Usage: log})
	u, err := readUsage(t, client(t, srv.URL, newTestClock()), graphclient.UsageOptions{Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	tn := liveTenant(2)
	tn.Usage = u
	got, text := roundTrip(t, tn)
	if got.Usage == nil || !reflect.DeepEqual(comparable(got.Usage), comparable(u)) {
		t.Fatalf("read back:\n%+v\nwritten:\n%+v", comparable(got.Usage), comparable(u))
	}
	if !strings.HasPrefix(text, `{"appauditSnapshot":2,`) || !strings.Contains(text, "\n\"usage\": {") {
		t.Errorf("snapshot head: %.200s", text)
	}
	for _, leak := range []string{"192.0.2.1", "203.0.113.5", "someone@contoso.com", "50126"} {
		if strings.Contains(text, leak) {
			t.Errorf("the snapshot holds %q", leak)
		}
	}
	if len(got.Applications) != 2 || !got.Complete {
		t.Errorf("the tenant around the usage: %d applications, complete %v", len(got.Applications), got.Complete)
	}
	// The lookups work on what was read back.
	if last, ok := got.Usage.LastSignIn("00000000-1111-4000-8000-000000000000"); !ok || !last.Equal(now) {
		t.Errorf("LastSignIn after the round trip: %v, %v", last, ok)
	}

	// Without usage evidence the snapshot stays version 1, readable by
	// every appaudit.
	tn.Usage = nil
	if got, text := roundTrip(t, tn); got.Usage != nil || !strings.HasPrefix(text, `{"appauditSnapshot":1,`) || strings.Contains(text, `"usage": {`) {
		t.Errorf("a snapshot without usage: %.80s", text)
	}

	// Incomplete evidence stays incomplete, with its reason.
	u.Complete, u.IncompleteReason = false, "reading failed service principal sign-ins stopped at page 2"
	tn.Usage = u
	if got, _ := roundTrip(t, tn); got.Usage.Complete || got.Usage.IncompleteReason != u.IncompleteReason {
		t.Errorf("incomplete usage read back as %v, %q", got.Usage.Complete, got.Usage.IncompleteReason)
	}
}

func TestUsageSnapshotReading(t *testing.T) {
	const head = `{"appauditSnapshot":2,"complete":true,"applications":[],`
	for _, tc := range []struct {
		name, usage string
		check       func(*audit.Usage) bool
	}{
		{"members in any order, unknown ones skipped, lists null",
			`"usage":{"failedSignIns":null,"futureMember":{"x":[1,2]},"credentialActivity":null,"to":"2026-06-15T12:00:00Z","from":"2026-05-16T12:00:00Z","complete":true,"activity":{"read":true},"failures":{"read":true}}`,
			func(u *audit.Usage) bool {
				return u.Complete && u.Activity.Read && len(u.Credentials) == 0 && u.From.Before(u.To)
			}},
		{"no complete member is incomplete",
			`"usage":{"from":"2026-05-16T12:00:00Z","to":"2026-06-15T12:00:00Z","activity":{"read":true},"failures":{"read":true},"credentialActivity":[],"failedSignIns":[]}`,
			func(u *audit.Usage) bool {
				return !u.Complete && strings.Contains(u.IncompleteReason, "not marked complete")
			}},
		{"Graph's own activity entries",
			`"usage":{"from":"2026-05-16T12:00:00Z","to":"2026-06-15T12:00:00Z","complete":true,"activity":{"read":true},"failures":{"read":false,"note":"x"},"credentialActivity":[{"appId":"a","keyId":"3A9B6E12-47F0-4C2A-B8D1-6E7F90A1B2C3","keyType":"certificate","servicePrincipalObjectId":null,"expirationDate":"2021-04-01T21:36:48-8:00","signInActivity":{"lastSignInDateTime":null,"lastSignInRequestId":null}}]}`,
			func(u *audit.Usage) bool {
				last, ok := u.LastSignIn("3a9b6e12-47f0-4c2a-b8d1-6e7f90a1b2c3")
				return ok && last.IsZero() && u.Credentials[0].Expires.Hour() == 5 && u.FailuresOf("a") == nil
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tn, err := graphclient.ReadSnapshot(strings.NewReader(head+tc.usage+"}"), "tenant.json")
			if err != nil || tn.Usage == nil || !tc.check(tn.Usage) {
				t.Errorf("%v: %+v", err, tn)
			}
		})
	}
}

func TestUsageSnapshotErrors(t *testing.T) {
	const head = `{"appauditSnapshot":2,"complete":true,"applications":[],` + "\n"
	const window = `"from":"2026-05-16T12:00:00Z","to":"2026-06-15T12:00:00Z","complete":true,"activity":{"read":true},"failures":{"read":true,"signIns":3}`
	group := `{"appId":"a","errorCode":700027,"count":3,"firstDateTime":"2026-06-01T00:00:00Z","lastDateTime":"LAST"}`
	for _, tc := range []struct {
		name, usage string
		want        []string
	}{
		{"not an object", `"usage": [1]`, []string{"tenant.json:2:10", "an array, not the usage evidence"}},
		{"bad date in a group", `"usage":{` + window + `,"failedSignIns":[` + strings.Replace(group, "LAST", "yesterday", 1) + `]}`,
			[]string{"usage.failedSignIns[0].lastDateTime", `"yesterday" is not a date`}},
		{"counts that do not add up", `"usage":{` + strings.Replace(window, `"signIns":3`, `"signIns":4`, 1) + `,"failedSignIns":[` + strings.Replace(group, "LAST", "2026-06-02T00:00:00Z", 1) + `]}`,
			[]string{"failures.signIns is 4, but the groups count 3 and 0 were dropped"}},
		{"a group of no sign-in", `"usage":{` + window + `,"failedSignIns":[` + strings.Replace(strings.Replace(group, "LAST", "2026-06-02T00:00:00Z", 1), `"count":3`, `"count":0`, 1) + `]}`,
			[]string{"usage.failedSignIns[0].count", "at least one sign-in"}},
		{"an entry without keyId", `"usage":{` + window + `,"credentialActivity":[{"appId":"a"}]}`, []string{"usage.credentialActivity[0].keyId", "missing"}},
		{"a window backwards", `"usage":{"from":"2026-06-15T12:00:00Z","to":"2026-05-16T12:00:00Z","complete":true}`, []string{"is not one"}},
		{"complete not a boolean", `"usage":{"complete":"yes"}`, []string{"usage.complete", "expected true or false"}},
		{"a list that is not one", `"usage":{` + window + `,"credentialActivity":{}}`, []string{"usage.credentialActivity", "not a list"}},
		{"cut short", `"usage":{` + window + `,"credentialActivity":[{"keyId":"k"`, []string{"ends inside"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := graphclient.ReadSnapshot(strings.NewReader(head+tc.usage+"}"), "tenant.json")
			var de *graphclient.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a DecodeError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
		})
	}
}

// FuzzUsageSection: no usage section panics or hangs; every failure is a
// DecodeError; what reads writes back and reads the same. Run it with
// go test -fuzz=FuzzUsageSection ./graphclient/.
func FuzzUsageSection(f *testing.F) {
	for _, s := range []string{
		`{"from":"2026-05-16T12:00:00Z","to":"2026-06-15T12:00:00Z","complete":true,"activity":{"read":true},"failures":{"read":true,"signIns":2},` +
			`"credentialActivity":[{"keyId":"k","appId":"a","expirationDate":"2021-04-01T21:36:48-8:00","signInActivity":{"lastSignInDateTime":null}}],` +
			`"failedSignIns":[{"appId":"a","errorCode":700027,"count":2,"firstDateTime":"2026-06-01T00:00:00Z","lastDateTime":"2026-06-02T00:00:00Z","resourceDisplayNames":["x"]}]}`,
		`{"complete":false,"from":"2026-05-16T12:00:00Z","to":"2026-05-16T12:00:00Z","failedSignIns":null}`, `[]`, `{}`, `{"failedSignIns":[{},`, `{"x":[[[[]]]]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, usage []byte) {
		in := append(append([]byte(`{"appauditSnapshot":2,"complete":true,"usage":`), usage...), '}')
		tn, err := graphclient.ReadSnapshot(bytes.NewReader(in), "fuzz.json")
		if err != nil {
			var de *graphclient.DecodeError
			if !errors.As(err, &de) || len(err.Error()) > 2000 {
				t.Fatalf("not a short DecodeError: %v", err)
			}
			return
		}
		if tn.Usage == nil {
			t.Fatal("a snapshot with a usage member read without it")
		}
		back, _ := roundTrip(t, tn)
		if !reflect.DeepEqual(comparable(back.Usage), comparable(tn.Usage)) {
			t.Fatalf("read back %+v\nwrote %+v", comparable(back.Usage), comparable(tn.Usage))
		}
	})
}
