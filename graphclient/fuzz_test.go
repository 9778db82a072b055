package graphclient_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/graphclient"
	"github.com/appaudit/appaudit/graphclient/graphtest"
)

// FuzzReadSnapshot: no input panics or hangs; every failure is a
// DecodeError; whatever reads writes back into a snapshot that reads the
// same objects. Run it with go test -fuzz=FuzzReadSnapshot ./graphclient/.
func FuzzReadSnapshot(f *testing.F) {
	real, err := filepath.Glob(filepath.Join("testdata", "real", "*.json"))
	if err != nil || len(real) == 0 {
		f.Fatalf("no real shapes: %v", err)
	}
	for _, name := range append([]string{filepath.Join("testdata", "az-ad-app-list.json"), filepath.Join("testdata", "az-ad-sp-list.json")}, real...) {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	var snap bytes.Buffer
	tn := syntheticTenant(f)
	if err := graphclient.WriteSnapshot(&snap, tn, graphclient.SnapshotMeta{Tool: "fuzz"}); err != nil {
		f.Fatal(err)
	}
	f.Add(snap.Bytes())
	for _, s := range []string{
		``, `[]`, `{}`, `null`, `[{}]`, `{"value":[]}`, `{"value":[{"appId":"a"}],"@odata.nextLink":"x"}`,
		`{"appauditSnapshot":1,"complete":false,"applications":[{"keyCredentials":[{"key":"AAAA","customKeyIdentifier":"AQID"}]}],"servicePrincipals":[{"accountEnabled":false}]}`,
		`[{"appId":"a","keyCredentials":[{"keyId":"k","startDateTime":"2026-01-01T00:00:00Z","endDateTime":"2027-01-01T00:00:00.5Z"}],"passwordCredentials":[{"hint":"abc","secretText":"x"}]}]`,
		`[{"appId":"\u00e9\ud83d\ude00","displayName":"a\"b\\c"}]`, `{"error":{"code":"x","message":"y"}}`,
		`{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#servicePrincipals","value":[{"appId":"s"}]}`,
		`{"appauditSnapshot":2,"complete":true,"applications":[],"usage":{"from":"2026-05-16T12:00:00Z","to":"2026-06-15T12:00:00Z","complete":true,"activity":{"read":true},"failures":{"read":true,"signIns":2},` +
			`"credentialActivity":[{"keyId":"k","appId":"a","expirationDate":"2021-04-01T21:36:48-8:00","signInActivity":{"lastSignInDateTime":null}}],` +
			`"failedSignIns":[{"appId":"a","errorCode":700027,"count":2,"firstDateTime":"2026-06-01T00:00:00Z","lastDateTime":"2026-06-02T00:00:00Z","resourceDisplayNames":["x"]}]}}`,
		"\xef\xbb\xbf[]", "\xff\xfe[\x00]\x00", `[{"keyCredentials":[{"key":"-----BEGIN"}]}]`, `[1,`, `{"a":`, `{"value":[{"a":[[[[[[]]]]]]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		tn, err := graphclient.ReadSnapshot(bytes.NewReader(in), "fuzz.json")
		if err != nil {
			var de *graphclient.DecodeError
			if !errors.As(err, &de) || !strings.HasPrefix(err.Error(), "graphclient: fuzz.json") {
				t.Fatalf("not a DecodeError: %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := graphclient.WriteSnapshot(&out, tn, graphclient.SnapshotMeta{}); err != nil {
			t.Fatalf("writing what was read: %v", err)
		}
		back, err := graphclient.ReadSnapshot(&out, "back.json")
		if err != nil {
			t.Fatalf("reading back what was written: %v\n%s", err, out.String())
		}
		if len(back.Applications) != len(tn.Applications) || len(back.ServicePrincipals) != len(tn.ServicePrincipals) ||
			back.Complete != tn.Complete {
			t.Fatalf("read back %d apps, %d service principals, complete %v; wrote %d, %d, %v",
				len(back.Applications), len(back.ServicePrincipals), back.Complete, len(tn.Applications), len(tn.ServicePrincipals), tn.Complete)
		}
	})
}

// fuzzKinds are the collections a fuzzed page or object may be read as.
var fuzzKinds = []audit.ObjectKind{"", audit.KindApplication, audit.KindServicePrincipal}

// maxErrorLen bounds an error message: an error names the place and the
// fault, it never repeats the input.
const maxErrorLen = 1000

// checkDecodeError: a decoder's failure is a DecodeError that names the
// input and stays short.
func checkDecodeError(t *testing.T, err error, name string) {
	t.Helper()
	var de *graphclient.DecodeError
	msg := err.Error()
	if !errors.As(err, &de) || !strings.HasPrefix(msg, "graphclient: "+name) {
		t.Fatalf("not a DecodeError naming %s: %v", name, err)
	}
	if len(msg) > maxErrorLen {
		t.Fatalf("error of %d bytes: %.200s…", len(msg), msg)
	}
}

// fakeAnswer is the fake Graph's answer to one request, served in
// process: the seeds are what Graph's wire format really looks like.
func fakeAnswer(tb testing.TB, h http.Handler, method, target, body string) []byte {
	tb.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		tb.Fatalf("%s %s: %d %s", method, target, rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

func fakeHandler(tb testing.TB, tenant *audit.Tenant, keysOnList bool) *graphtest.Handler {
	tb.Helper()
	h, err := graphtest.NewHandler(tenant, graphtest.Options{KeysOnList: keysOnList})
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// FuzzDecodePage: a list page, as Graph answers GET /applications or
// /servicePrincipals, decodes into exactly the objects the callback saw,
// of the kind asked for, or fails with a short DecodeError; never a panic.
func FuzzDecodePage(f *testing.F) {
	for _, keys := range []bool{false, true} {
		h := fakeHandler(f, liveTenant(4), keys)
		f.Add(fakeAnswer(f, h, "GET", "/v1.0/applications?$top=2", ""), uint8(1))
		f.Add(fakeAnswer(f, h, "GET", "/v1.0/servicePrincipals?$select=id,appId,keyCredentials,accountEnabled", ""), uint8(2))
	}
	for _, s := range []string{
		`{"value":[]}`, `{"value":null}`, `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[]}`,
		`{"error":{"code":"Request_ResourceNotFound","message":"gone"}}`, `{"value":[{"@odata.type":"#microsoft.graph.user"}]}`,
		`{"value":[{"id":"x","keyCredentials":[{"key":"AAAA","endDateTime":"2026-13-01"}]}],"@odata.nextLink":7}`,
		`{"@odata.nextLink":"a","@odata.nextLink":"b","value":[]}`, `{"value":[]}{"value":[]}`,
	} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kind := fuzzKinds[int(k)%len(fuzzKinds)]
		seen := 0
		p, err := graphclient.DecodePage(bytes.NewReader(data), "page 1", kind, func(o graphclient.Object) error {
			seen++
			if kind != "" && o.Kind != kind {
				t.Fatalf("a %s on a page of %ss", o.Kind, kind)
			}
			return nil
		})
		if err != nil {
			checkDecodeError(t, err, "page 1")
			return
		}
		if p.Objects != seen {
			t.Fatalf("page says %d objects, the callback saw %d", p.Objects, seen)
		}
	})
}

// FuzzDecodeObject: one object, as a single-object GET or an answer in a
// $batch brings it.
func FuzzDecodeObject(f *testing.F) {
	h := fakeHandler(f, liveTenant(4), false)
	f.Add(fakeAnswer(f, h, "GET", "/v1.0/applications/obj-00000001-0000-4000-8000-000000000000?$select=id,keyCredentials", ""), uint8(1))
	f.Add(fakeAnswer(f, h, "GET", "/v1.0/applications(appId='00000002-0000-4000-8000-000000000000')", ""), uint8(1))
	f.Add(fakeAnswer(f, h, "GET", "/v1.0/servicePrincipals/sp-00000001-0000-4000-8000-000000000000", ""), uint8(2))
	for _, s := range []string{`{}`, `{"id":"x","keyCredentials":null}`, `{"@odata.type":"#microsoft.graph.servicePrincipal","id":"x"}`, `[{}]`, `"x"`} {
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kind := fuzzKinds[int(k)%len(fuzzKinds)]
		o, err := graphclient.DecodeObject(bytes.NewReader(data), "object x", kind)
		if err != nil {
			checkDecodeError(t, err, "object x")
			return
		}
		if kind != "" && o.Kind != kind {
			t.Fatalf("asked for a %s, got a %s", kind, o.Kind)
		}
	})
}

// batchTransport answers list pages from the fake, in process, and every
// $batch with answer.
type batchTransport struct {
	h      http.Handler
	answer []byte
}

func (b *batchTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	if strings.HasSuffix(req.URL.Path, "/$batch") {
		rec.Header().Set("Content-Type", "application/json")
		_, _ = rec.Write(b.answer)
	} else {
		b.h.ServeHTTP(rec, req)
	}
	return rec.Result(), nil
}

// FuzzBatchAnswer: whatever Graph answers to a $batch for certificate
// bodies, the listing stays complete and whole, an object keeps the
// keyCredentials it was listed with unless an answer for it came, and
// every object left without its bodies is counted in a warning.
func FuzzBatchAnswer(f *testing.F) {
	listed := liveTenant(4)
	h := fakeHandler(f, listed, false)
	batch := func(ids ...string) string {
		var reqs []string
		for i, id := range ids {
			reqs = append(reqs, fmt.Sprintf(`{"id":"%d","method":"GET","url":"/applications/%s?$select=id,keyCredentials"}`, i+1, id))
		}
		return `{"requests":[` + strings.Join(reqs, ",") + `]}`
	}
	f.Add(fakeAnswer(f, h, "POST", "/v1.0/$batch", batch("obj-00000001-0000-4000-8000-000000000000", "obj-00000002-0000-4000-8000-000000000000")))
	f.Add(fakeAnswer(f, h, "POST", "/v1.0/$batch", batch("obj-00000002-0000-4000-8000-000000000000", "obj-00000001-0000-4000-8000-000000000000")))
	f.Add(fakeAnswer(f, h, "POST", "/v1.0/$batch", batch("obj-00000003-0000-4000-8000-000000000000")))
	for _, s := range []string{
		`{"responses":[{"id":"1","status":429,"headers":{"Retry-After":"3"}},{"id":"2","status":404,"body":{"error":{"code":"Request_ResourceNotFound"}}}]}`,
		`{"responses":[{"id":"1","status":200,"body":{"id":"obj-00000002-0000-4000-8000-000000000000","keyCredentials":[]}}]}`,
		`{"responses":[{"id":"3","status":200}]}`, `{"responses":[{"id":"1","status":200},{"id":"1","status":200}]}`,
		`{"responses":[{"id":"1","status":503},{"id":"2","status":500,"body":"x"}]}`, `{"responses":null}`, `{}`, `<html>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, answer []byte) {
		c := client(t, "http://127.0.0.1:1", newTestClock(), func(c *graphclient.Config) {
			c.Transport = &batchTransport{h: h, answer: answer}
			c.PageSize = 999
		})
		res, err := c.Read(context.Background(), graphclient.ReadOptions{KeyFetch: graphclient.KeyFetchAll})
		if err != nil || !res.Tenant.Complete {
			t.Fatalf("the listing failed for a bad $batch answer: %v", err)
		}
		apps := res.Tenant.Applications
		if len(apps) != len(listed.Applications) {
			t.Fatalf("%d applications, want %d", len(apps), len(listed.Applications))
		}
		withoutBody := 0
		for i, a := range apps {
			if a.ObjectID != listed.Applications[i].ObjectID {
				t.Fatalf("application %d is %s, want %s", i, a.ObjectID, listed.Applications[i].ObjectID)
			}
			if len(a.KeyCredentials) == 1 && a.KeyCredentials[0].Cert == nil {
				withoutBody++
			}
		}
		if int(res.Stats.BodiesFetched) > len(apps) {
			t.Fatalf("%d bodies fetched for %d objects", res.Stats.BodiesFetched, len(apps))
		}
		if withoutBody > 0 && int(res.Stats.BodiesFetched) < len(apps) && len(res.Warnings) == 0 {
			t.Fatalf("%d objects without their bodies and no warning", withoutBody)
		}
	})
}
