package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit"
)

// everyMemberSet fails the test when a member of the struct v is its
// zero value: a member added to the type must be given one here, so that
// the JSON writers are held to writing it.
func everyMemberSet(t *testing.T, v any) {
	t.Helper()
	rv := reflect.ValueOf(v)
	for i := range rv.NumField() {
		if rv.Type().Field(i).IsExported() && rv.Field(i).IsZero() {
			t.Fatalf("%s.%s is not set: give it a value, so that jsonwrite.go is held to writing it", rv.Type(), rv.Type().Field(i).Name)
		}
	}
}

// hostileJSON holds every character encoding/json escapes.
const hostileJSON = "q\"b\\s/<a href='x'>&amp;</a>\b\f\n\r\t\x00\x1f\x7f é\u2028\u2029\ufffd\xff😀"

// fullFinding is a finding with every member of its wire form set, and
// in a time zone and at a nanosecond RFC 3339 writes.
func fullFinding(t *testing.T) audit.Finding {
	zone := time.FixedZone("", -(9*3600 + 30*60))
	at := func(d int) *time.Time {
		v := time.Date(2026, 6, 15+d, 12, 30, 15, 123456789, zone)
		return &v
	}
	app := audit.ObjectRef{Kind: audit.KindServicePrincipal, ObjectID: "obj " + hostileJSON, AppID: "app " + hostileJSON, DisplayName: hostileJSON}
	thumbs := audit.Thumbprints{SHA1: "ADBC5EC97A8AEA485135F5998FE2E3E1241BDA63", SHA256: "<" + hostileJSON}
	cred := audit.CredentialRef{Kind: audit.CredentialCertificate, KeyID: "k" + hostileJSON, DisplayName: "CN=" + hostileJSON,
		Type: "AsymmetricX509Cert", Usage: "Verify", PairedKeyIDs: []string{"p1", hostileJSON}, PairedUsages: []string{"Sign", ""},
		StartDateTime: at(-300), EndDateTime: at(3), Thumbprints: &thumbs, ThumbprintSource: "customKeyIdentifier", Subject: "CN=" + hostileJSON}
	local := audit.LocalRef{Source: "deployed.csv:4" + hostileJSON, App: hostileJSON, CertPath: "certs/" + hostileJSON,
		Thumbprints: &audit.Thumbprints{SHA1: "AB"}, Subject: "CN=x", NotBefore: at(-10), NotAfter: at(10)}
	f := audit.Finding{Check: audit.CheckCertWrongUsage, Severity: audit.SeverityHigh, App: &app, Credential: &cred, Local: &local, Message: "message " + hostileJSON}
	f.LastSignIn = at(-1)
	f.SetFingerprint()
	for _, v := range []any{f.Wire(), app, cred, local, thumbs} {
		everyMemberSet(t, v)
	}
	return f
}

// fullObject is an inventory entry with every member set.
func fullObject(t *testing.T) audit.AuditedObject {
	o := audit.AuditedObject{ObjectRef: audit.ObjectRef{Kind: audit.KindApplication, ObjectID: "o", AppID: hostileJSON, DisplayName: hostileJSON},
		Deployed: true, Withheld: []string{"cert-expired", hostileJSON}, Unchecked: []string{"cert-weak-key"},
		Credentials: []audit.CredentialStatus{
			{Kind: audit.CredentialCertificate, KeyID: hostileJSON, DisplayName: hostileJSON, Usage: "Sign",
				Start: time.Date(2025, 1, 2, 3, 4, 5, 600, time.UTC), End: time.Date(2027, 1, 2, 3, 4, 5, 0, time.FixedZone("", 5*3600))},
			{Kind: audit.CredentialSecret, KeyID: "s"},
		}}
	everyMemberSet(t, o)
	everyMemberSet(t, o.Credentials[0])
	return o
}

// reportAndEncodingJSON renders r as the JSON report, and as
// encoding/json encodes its whole Document, with the error of each.
func reportAndEncodingJSON(r *audit.Result) (got, want []byte, gotErr, wantErr error) {
	var g, w bytes.Buffer
	gotErr = newJSON(Options{ToolVersion: "test"}).Write(&g, r)
	enc := json.NewEncoder(&w)
	enc.SetIndent("", "  ")
	wantErr = enc.Encode(Document{SchemaVersion: SchemaVersion, Tool: "appaudit test", Result: *r})
	return g.Bytes(), w.Bytes(), gotErr, wantErr
}

// The findings and the credential inventory, written without
// encoding/json, are what encoding/json writes for them: every member,
// every escape, every time.
func TestJSONWritersWriteWhatEncodingJSONWrites(t *testing.T) {
	full := fullFinding(t)
	bare := audit.Finding{Check: "no-such-check", Severity: audit.SeverityInfo}
	// A credential with no end, thumbprints known by neither digest.
	partial := fullFinding(t)
	cred := *partial.Credential
	cred.EndDateTime, cred.Thumbprints, cred.PairedKeyIDs = nil, &audit.Thumbprints{}, []string{}
	partial.Credential, partial.Local, partial.App = &cred, nil, nil
	obj := fullObject(t)
	r := &audit.Result{Command: "scan", Complete: true, Findings: []audit.Finding{full, bare, partial},
		Objects: []audit.AuditedObject{obj, {ObjectRef: obj.ObjectRef}, {Credentials: []audit.CredentialStatus{}}}}
	got, want, gotErr, wantErr := reportAndEncodingJSON(r)
	if gotErr != nil || wantErr != nil {
		t.Fatal(gotErr, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Error(firstDiff(got, want))
	}
}

// A value encoding/json cannot encode (a time RFC 3339 cannot write, a
// severity that is none) ends the report with the error encoding/json
// gives for it (for a finding, its wire form, which is what the report
// writes), and nothing of the value is written.
func TestJSONWritersFailAsEncodingJSONFails(t *testing.T) {
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	offDay := time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("", 24*3600))
	findings := map[string]audit.Finding{
		"severity":   {Check: "x", Severity: 9},
		"lastSignIn": {Check: "x", Severity: audit.SeverityLow, LastSignIn: &far},
		"credential": {Check: "x", Severity: audit.SeverityLow, Credential: &audit.CredentialRef{EndDateTime: &offDay}},
		"local":      {Check: "x", Severity: audit.SeverityLow, Local: &audit.LocalRef{NotAfter: &far}},
	}
	check := func(t *testing.T, r *audit.Result, bad any) {
		t.Helper()
		var got bytes.Buffer
		gotErr := newJSON(Options{}).Write(&got, r)
		_, wantErr := json.Marshal(bad)
		if wantErr == nil || gotErr == nil || gotErr.Error() != wantErr.Error() {
			t.Fatalf("error %v, encoding/json's %v", gotErr, wantErr)
		}
		if bytes.Contains(got.Bytes(), []byte(`"x"`)) || bytes.Contains(got.Bytes(), []byte("10000")) {
			t.Errorf("part of the value that failed was written:\n%s", got.Bytes())
		}
	}
	for name, f := range findings {
		t.Run(name, func(t *testing.T) {
			check(t, &audit.Result{Findings: []audit.Finding{fullFinding(t), f}}, f.Wire())
		})
	}
	t.Run("inventory", func(t *testing.T) {
		o := audit.AuditedObject{Credentials: []audit.CredentialStatus{{Kind: "x", End: far}}}
		check(t, &audit.Result{Findings: []audit.Finding{}, Objects: []audit.AuditedObject{fullObject(t), o}}, o)
	})
}

// firstDiff shows where got and want part.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-120)
	return fmt.Sprintf("first difference at byte %d:\n--- got:\n%s\n--- want:\n%s", i, got[from:min(len(got), i+120)], want[from:min(len(want), i+120)])
}

// jsonStringSeeds are the characters encoding/json escapes, and their
// neighbours.
var jsonStringSeeds = []string{"", "plain", hostileJSON, "\xed\xa0\x80", "\xe2\x80", "\xe2\x80\xa8x", "\U0010ffff", "\x80\xbf"}

// encodedByEncodingJSON is s as encoding/json writes it.
func encodedByEncodingJSON(t testing.TB, s string) []byte {
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every string is escaped as encoding/json escapes it.
func TestAppendJSONStringEscapesAsEncodingJSON(t *testing.T) {
	cases := randomStrings(rand.New(rand.NewPCG(3, 4)), "a\"\\/<>&'\b\f\n\r\t\x00\x1f\x7f\x80\xbf\xc3\xa9\xe2\x80\xa8\xa9\xef\xbf\xbd\xed\xa0\xf0\x9f\x98\x80\xff")
	for _, s := range append(cases, jsonStringSeeds...) {
		if got, want := appendJSONString(nil, s), encodedByEncodingJSON(t, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: written %s, encoding/json writes %s", s, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonStringSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := appendJSONString(nil, s), encodedByEncodingJSON(t, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: written %s, encoding/json writes %s", s, got, want)
		}
	})
}
