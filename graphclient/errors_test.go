package graphclient_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
	"github.com/appaudit/appaudit/graphclient"
)

// Every way an input can be wrong gives an error naming the file, the line
// and column, the object where there is one, and a hint.
func TestReadSnapshotErrors(t *testing.T) {
	cert := audittest.Valid("x", now, days(1), days(1))
	for _, tc := range []struct {
		name string
		in   string
		at   string   // the text the error points at (its first occurrence); "$" for the end, "" for nowhere
		want []string // substrings of the message
	}{
		{"empty", "", "", []string{"empty file", "az ad app list --all"}},
		{"blank", "  \n\t\n", "", []string{"empty file"}},
		{"not json", "appId,displayName\n1,A\n", "appId", []string{"not JSON", "invalid character 'a'"}},
		{"yaml", "\n\n- appId: x\n", "-", []string{"not JSON"}},
		{"pem", "-----BEGIN CERTIFICATE-----\nMIIB\n", "-----BEGIN", []string{"a PEM file", "--certs"}},
		{"scalar", `  "applications"`, `"applications"`, []string{"a JSON string, not a listing"}},
		{"number", `42`, `42`, []string{"a JSON number, not a listing"}},
		{"other object", "{\n  \"name\": \"x\",\n  \"items\": []\n}", "{", []string{`without a "value" list`, "az ad app list --all"}},
		{"single object", `{"id":"o","appId":"a","displayName":"A","keyCredentials":[]}`, "{", []string{"a single directory object", "az ad app list --all"}},
		{"lists without version", `{"applications":[{"appId":"a"}]}`, "{", []string{`without "appauditSnapshot": 1`, "appaudit snapshot"}},
		{"graph error", `{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{}}}`, `{"code"`,
			[]string{"a Microsoft Graph error response", "Authorization_RequestDenied", "Insufficient privileges", "succeeded"}},
		{"page of users", `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users","value":[]}`, `"https:`,
			[]string{"the page lists users", "/v1.0/applications"}},
		{"future version", "{\"appauditSnapshot\": 3, \"applications\": []}", "3", []string{"version 3", "reads versions 1 to 2", "upgrade appaudit"}},
		{"version zero", `{"appauditSnapshot":0}`, "0", []string{"version 0", "whole number"}},
		{"version text", `{"appauditSnapshot":"1"}`, `"1"`, []string{"appauditSnapshot: expected a number, found string", "Graph writes"}},
		{"value and version", `{"appauditSnapshot":1,"complete":true,"value":[]}`, "{", []string{`snapshot with a "value" list`, `"applications"`}},
		{"complete not bool", `{"appauditSnapshot":1,"complete":"yes"}`, `"yes"`, []string{"complete: expected true or false, found string"}},
		{"bad takenAt", `{"appauditSnapshot":1,"complete":true,"takenAt":"yesterday"}`, `"yesterday"`, []string{"takenAt", `"yesterday" is not a date`, "2026-01-31T12:00:00Z"}},
		{"not base64 key", "[\n {\"appId\": \"a1\", \"displayName\": \"Payroll\",\n  \"keyCredentials\": [{\"keyId\": \"k\", \"endDateTime\": \"2027-01-01T00:00:00Z\"}, {\"keyId\": \"k2\", \"key\": \"MIIB*not*base64\"}]}\n]", `"MIIB*`,
			[]string{`[0] (application "Payroll", appId a1)`, "keyCredentials[1].key: not base64", "certificate's DER in base64"}},
		{"pem key", `[{"appId":"a1","keyCredentials":[{"keyId":"k","key":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"}]}]`, `"-----`,
			[]string{"keyCredentials[0].key", "key holds PEM"}},
		{"bad identifier", `[{"appId":"a1","keyCredentials":[{"keyId":"k","customKeyIdentifier":"F9:0C:38"}]}]`, `"F9:`,
			[]string{"keyCredentials[0].customKeyIdentifier: not base64", "20 bytes"}},
		{"bad date", "{\"value\": [\n{\"appId\": \"a0\"},\n{\"appId\": \"a1\", \"displayName\": \"B\", \"keyCredentials\": [{\"keyId\": \"k\", \"endDateTime\": \"31/01/2027\"}]}]}", `"31/`,
			[]string{`value[1] (application "B", appId a1)`, "keyCredentials[0].endDateTime", `"31/01/2027" is not a date`, "RFC 3339"}},
		{"bad sp date", `{"appauditSnapshot":1,"complete":true,"servicePrincipals":[{"appId":"s1","preferredTokenSigningKeyEndDateTime":"never"}]}`, `"never"`,
			[]string{`servicePrincipals[0] (service principal, appId s1)`, "preferredTokenSigningKeyEndDateTime"}},
		{"wrong type", "[{\"appId\": \"a1\", \"displayName\": \"A\",\n \"keyCredentials\": [{\"keyId\": \"k\", \"endDateTime\": \"2027-01-01T00:00:00Z\"}, {\"keyId\": 7}]}]", `7}`,
			[]string{`[0] (application "A", appId a1)`, "keyCredentials[1].keyId: expected a string, found number", "Graph writes a string"}},
		{"credentials not a list", `[{"appId":"a1","keyCredentials":"none"}]`, `"none"`, []string{"keyCredentials: expected an array, found string"}},
		{"syntax in object", "[\n{\"appId\": \"a1\", \"displayName\": \"A\"},\n{\"appId\": \"a2\", \"displayName\": \"B\" \"keyCredentials\": []}\n]", `"keyCredentials"`,
			[]string{`[1] ("B", appId a2)`, "not valid JSON", "after object key:value pair", "edited by hand"}},
		{"missing comma", "[{\"appId\":\"a1\"}\n {\"appId\":\"a2\"}]", `{"appId":"a2"}`, []string{"expected , or ] after [0]", "not valid JSON"}},
		{"trailing comma", `[{"appId":"a1"},]`, "]", []string{"a comma before ]", "remove the comma"}},
		{"trailing comma in object", `{"value":[],}`, "}", []string{"a comma before }", "remove the comma"}},
		{"truncated", "[{\"appId\":\"a1\"},\n{\"appId\":\"a2\",\"keyCredentials\":[{", "$", []string{"the input ends", "cut short"}},
		{"truncated list", "[{\"appId\":\"a1\"},", "$", []string{"the input ends inside", "cut short"}},
		{"two documents", "[]\n[ ]", "[ ]", []string{"more data after the end", "not several joined"}},
		{"scalar element", `[{"appId":"a"}, "b"]`, `"b"`, []string{"[1]: a string, not an application", "one Graph object"}},
		{"user element", `{"value":[{"@odata.type":"#microsoft.graph.user","id":"u1","displayName":"Ann"}]}`, `{"@odata.type"`,
			[]string{`value[0] ("Ann")`, "is a #microsoft.graph.user", "/v1.0/servicePrincipals"}},
		{"type against list", `{"appauditSnapshot":1,"complete":true,"applications":[{"@odata.type":"#microsoft.graph.servicePrincipal","appId":"s"}]}`, `{"@odata.type"`,
			[]string{"applications[0]", "is a servicePrincipal in a list of applications"}},
		{"value not a list", `{"value":{"appId":"a"}}`, `{"appId"`, []string{"value is an object, not a list", `"value": [`}},
		{"hostile member name", "{\"\x7fname\\u0007" + strings.Repeat(" ", 3000) + "\":\"", "$",
			[]string{`"\x7fname\a    `, "…", "the input ends inside a value"}},
		{"key body of a cert is fine, but not its date", fmt.Sprintf(`[{"appId":"a","keyCredentials":[{"key":%q,"startDateTime":"2026-13-01T00:00:00Z"}]}]`, b64(cert.DER)), `"2026-13`,
			[]string{"keyCredentials[0].startDateTime", "not a date"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := graphclient.ReadSnapshot(strings.NewReader(tc.in), "tenant.json")
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			prefix := "graphclient: tenant.json: "
			if tc.at != "" {
				i := strings.Index(tc.in, tc.at)
				if tc.at == "$" { // the end of the input
					i = len(tc.in)
				}
				prefix = "graphclient: tenant.json:" + lineCol(tc.in, i) + ": "
			}
			if !strings.HasPrefix(msg, prefix) {
				t.Errorf("%s\nwant it to start with %q", msg, prefix)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%s\nlacks %q", msg, w)
				}
			}
			var de *graphclient.DecodeError
			if !errors.As(err, &de) || de.Hint == "" || !strings.HasSuffix(msg, "("+de.Hint+")") {
				t.Errorf("%s: no hint", msg)
			}
		})
	}
}

// lineCol is the 1-based line and byte column of in[i].
func lineCol(in string, i int) string {
	if i < 0 {
		return "?"
	}
	line := strings.Count(in[:i], "\n") + 1
	return fmt.Sprintf("%d:%d", line, i-strings.LastIndex(in[:i], "\n"))
}

// An object too large to be real is refused, not buffered.
func TestObjectTooLarge(t *testing.T) {
	in := `[{"appId":"a1"},` + "\n" + `{"appId":"a2","displayName":"` + strings.Repeat("x", graphclient.MaxObjectSize+1) + `"}]`
	_, err := graphclient.ReadSnapshot(strings.NewReader(in), "big.json")
	if err == nil || !strings.Contains(err.Error(), "big.json:2:1: [1]: ") || !strings.Contains(err.Error(), "larger than 16 MiB") {
		t.Errorf("error %v", err)
	}
	// The limit is per object, not per file.
	var b strings.Builder
	b.WriteString("[")
	chunk := `{"appId":"a","displayName":"` + strings.Repeat("y", 1<<20) + `"}`
	for i := range 20 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(chunk)
	}
	b.WriteString("]")
	tn, err := graphclient.ReadSnapshot(strings.NewReader(b.String()), "many.json")
	if err != nil || len(tn.Applications) != 20 {
		t.Errorf("20 objects of 1 MiB: %v", err)
	}
}

// A credential list far longer than Entra keeps is refused before it is
// decoded: empty credentials are three bytes each in the file, and a few
// hundred in memory.
func TestTooManyCredentials(t *testing.T) {
	list := func(n int, elem string) string {
		return "[" + strings.TrimSuffix(strings.Repeat(elem+",", n), ",") + "]"
	}
	max := graphclient.MaxCredentials
	for _, tc := range []struct {
		in, want string
	}{
		{`[{"appId":"a1","displayName":"Big","keyCredentials":` + list(max+1, "{}") + `}]`, `big.json:1:53: [0] ("Big", appId a1): keyCredentials: holds more than 2000 credentials`},
		{`[{"appId":"a2","passwordCredentials":` + list(max, "{}") + `,"passwordCredentials":` + list(3*max, "null") + `}]`, `appId a2): passwordCredentials: holds more than`},
		{`{"value":[{"id":"o","KEYCREDENTIALS":` + list(max+1, "1") + `}]}`, `value[0]: KEYCREDENTIALS: holds more than`},
	} {
		_, err := graphclient.ReadSnapshot(strings.NewReader(tc.in), "big.json")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "about 1,000 items") {
			t.Errorf("%.60s…: %v", tc.in, err)
		}
	}
	tn, err := graphclient.ReadSnapshot(strings.NewReader(`[{"appId":"a","keyCredentials":`+list(max, `{"keyId":"k","endDateTime":"2027-01-01T00:00:00Z"}`)+`}]`), "ok.json")
	if err != nil || len(tn.Applications[0].KeyCredentials) != max {
		t.Errorf("%d credentials: %v", max, err)
	}
}

// The largest object the decoder takes, all empty credentials, is refused
// within a few times its size: decoded, it took 4.8 GB.
func TestEmptyCredentialsMemory(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`[{"appId":"a","keyCredentials":[`)
	for b.Len() < graphclient.MaxObjectSize-10 {
		b.WriteString(`{},`)
	}
	b.WriteString(`{}]}]`)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := graphclient.ReadSnapshot(bytes.NewReader(b.Bytes()), "empty.json")
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "holds more than") {
		t.Fatalf("error %v", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 8*uint64(b.Len()) {
		t.Errorf("a %d MiB object took %d MiB to refuse", b.Len()>>20, got>>20)
	}
}

func TestDecodePage(t *testing.T) {
	page := `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#servicePrincipals(id,appId,keyCredentials)","value":[` +
		`{"id":"s1","appId":"a1","keyCredentials":[]},{"id":"s2","appId":"a2"}],` +
		`"@odata.nextLink":"https://graph.microsoft.com/v1.0/servicePrincipals?$skiptoken=X"}`
	var got []graphclient.Object
	p, err := graphclient.DecodePage(strings.NewReader(page), "GET servicePrincipals page 1", audit.KindServicePrincipal, func(o graphclient.Object) error {
		got = append(got, o)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.NextLink != "https://graph.microsoft.com/v1.0/servicePrincipals?$skiptoken=X" || p.Objects != 2 || !strings.Contains(p.Context, "#servicePrincipals") {
		t.Errorf("page %+v", p)
	}
	if len(got) != 2 || got[0].Kind != audit.KindServicePrincipal || got[1].ServicePrincipal.AppID != "a2" {
		t.Errorf("objects %+v", got)
	}
	var tn audit.Tenant
	for i := range got {
		got[i].AddTo(&tn)
	}
	if len(tn.ServicePrincipals) != 2 || len(tn.Applications) != 0 {
		t.Errorf("AddTo: %+v", tn)
	}

	// The collection asked for decides when the page does not say.
	_, err = graphclient.DecodePage(strings.NewReader(`{"value":[{"appId":"a1"}]}`), "p", audit.KindServicePrincipal, func(o graphclient.Object) error {
		if o.Kind != audit.KindServicePrincipal {
			t.Errorf("kind %s", o.Kind)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}

	stop := errors.New("stop here")
	n := 0
	_, err = graphclient.DecodePage(strings.NewReader(page), "p", "", func(graphclient.Object) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("the callback's error: %v after %d", err, n)
	}

	for _, tc := range []struct{ in, want string }{
		{page, "the page lists servicePrincipals, but applications were asked for"},
		{`[{"appId":"a"}]`, "an array, not a Graph collection page"},
		{`{"appauditSnapshot":1}`, "an appaudit snapshot, not a Graph collection page"},
		{`{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#applications/$entity","id":"x","appId":"a"}`, "a single directory object"},
		{``, "empty response"},
	} {
		_, err := graphclient.DecodePage(strings.NewReader(tc.in), "GET applications", audit.KindApplication, func(graphclient.Object) error { return nil })
		var de *graphclient.DecodeError
		if errors.As(err, &de) && de.Hint == "" {
			t.Errorf("%s: no hint: %v", tc.in, err)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "graphclient: GET applications") {
			t.Errorf("%s: %v", tc.in, err)
		}
	}
}

// A read error is reported as such, with the file's name.
func TestReadError(t *testing.T) {
	r := &failingReader{data: `[{"appId":"a1"},{"appId":`, err: errors.New("disk on fire")}
	_, err := graphclient.ReadSnapshot(r, "tenant.json")
	if err == nil || !strings.Contains(err.Error(), "tenant.json") || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("error %v", err)
	}
}

type failingReader struct {
	data string
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// A member name from the input is quoted and clipped where an error names
// it: the error never repeats the input, nor prints its control characters.
func TestHostileMemberName(t *testing.T) {
	in := "{\"\\u001b[31mred" + strings.Repeat("x", 5000) + "\":\""
	_, err := graphclient.ReadSnapshot(strings.NewReader(in), "tenant.json")
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if len(msg) > 300 || strings.ContainsRune(msg, 0x1b) || !strings.Contains(msg, `"\x1b[31mred`) {
		t.Errorf("%d bytes: %.300q", len(msg), msg)
	}
}
