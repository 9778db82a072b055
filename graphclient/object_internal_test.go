package graphclient

import (
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
)

func TestPageNextLink(t *testing.T) {
	for _, tc := range []struct{ page, want string }{
		{`{"@odata.context": "x", "@odata.nextLink": "https://graph.microsoft.com/v1.0/applications?$skiptoken=a\u0026b", "value": []}`,
			"https://graph.microsoft.com/v1.0/applications?$skiptoken=a&b"},
		{`{"value": [{"id": "1", "@odata.nextLink": "inner"}], "@odata.nextLink": "last"}`, "last"},
		{`{"value": [{"id": "1"}]}`, ""},
		{`{"value": [`, ""},
		{`[1, 2]`, ""},
		{``, ""},
	} {
		if got := pageNextLink([]byte(tc.page)); got != tc.want {
			t.Errorf("pageNextLink(%s) = %q, want %q", tc.page, got, tc.want)
		}
	}
}

func TestDecodeObject(t *testing.T) {
	o, err := DecodeObject(strings.NewReader(`{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#applications(id,keyCredentials)/$entity",
		"id": "o1", "keyCredentials": [{"keyId": "k1", "endDateTime": "2027-01-01T00:00:00Z", "type": "AsymmetricX509Cert", "usage": "Verify", "customKeyIdentifier": "AQIDBAUGBwgJCgsMDQ4PEBESExQ="}]}`),
		"application o1", audit.KindApplication)
	if err != nil || o.Kind != audit.KindApplication || o.Application.ObjectID != "o1" || len(o.Application.KeyCredentials) != 1 ||
		o.Application.KeyCredentials[0].Thumbprints.SHA1 != "0102030405060708090A0B0C0D0E0F1011121314" {
		t.Fatalf("%+v %v", o, err)
	}
	for in, want := range map[string]string{
		``:   "empty response",
		`[]`: "an array, not a directory object",
		`{"id": "o1", "keyCredentials": [{"keyId": "k1", "endDateTime": "tomorrow"}]}`: `application o1:1:64: the object (application): keyCredentials[0].endDateTime: "tomorrow" is not a date`,
		`{"id": "o1"} {}`: "more data after the end",
	} {
		_, err := DecodeObject(strings.NewReader(in), "application o1", audit.KindApplication)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("DecodeObject(%s): %v, want %q", in, err, want)
		}
	}
}
