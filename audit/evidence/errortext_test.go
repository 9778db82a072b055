package evidence

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// What ParseError reads from the error texts users pasted
// (../doctor/testdata/errors, sources in its SOURCES file).
func TestParseErrorTexts(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		file                     string
		codes                    []string
		message                  map[string]string
		app, directory, resource string
		current, from, expiry    time.Time
	}{
		{file: "50012-time-range.json", codes: []string{"AADSTS70002", "AADSTS50012"},
			message: map[string]string{"AADSTS70002": "Error validating credentials.", "AADSTS50012": "Client assertion is not within its valid time range."}},
		{file: "50012-client-secret.txt", codes: []string{"AADSTS70002", "AADSTS50012"}, message: map[string]string{"AADSTS50012": "Invalid client secret is provided."}},
		{file: "700024-hours-late.txt", codes: []string{"AADSTS700024"},
			message: map[string]string{"AADSTS700024": "Client assertion is not within its valid time range. Current time: 2025-08-29T05:47:32.1501147Z, assertion valid from 1970-01-01T00:00:00.0000000Z, expiry time of assertion 2025-08-29T00:30:05.0000000Z."},
			current: at("2025-08-29T05:47:32.1501147Z"), expiry: at("2025-08-29T00:30:05Z")},
		// Wrapped by the reporter between "valid from" and the date; the
		// valid-from of 1970 means no nbf.
		{file: "700024-local-time.txt", codes: []string{"AADSTS700024"}, current: at("2024-12-07T12:09:18.3149355Z"), expiry: at("2024-12-07T11:14:18Z")},
		{file: "700024-reused.txt", codes: []string{"AADSTS700024"}, current: at("2024-05-28T06:01:42.5853621Z"), from: at("2024-05-28T02:19:01Z"), expiry: at("2024-05-28T02:29:01Z")},
		{file: "7000222.txt", codes: []string{"AADSTS7000222"}, app: "ccc25fb8-d83b-4225-b4b7-5f31bfb007be"},
		{file: "7000215.txt", codes: []string{"AADSTS7000215"}, app: "4d856d1f-8648-456c-9bb2-f36273bbe4e3"},
		{file: "700027-invalid-signature-wording.txt", codes: []string{"AADSTS700027"}, app: "31359c7f-bd7e-475c-86db-fdb8c937548e"},
		{file: "500011.json", codes: []string{"AADSTS500011"}, directory: "Microsoft", resource: "user.read"},
		{file: "700030-cloud-instance.txt", codes: []string{"AADSTS700030"},
			message: map[string]string{"AADSTS700030": "Invalid certificate - the issuer of the certificate is from a different cloud instance.** (First Party OAuth2 Certificate flow, error `invalid_client`)"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "doctor", "testdata", "errors", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			e, err := ParseError(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(e.Codes) != len(tc.codes) || e.Codes[0] != tc.codes[0] {
				t.Errorf("codes %v, want %v", e.Codes, tc.codes)
			}
			for code, m := range tc.message {
				if e.Messages[code] != m {
					t.Errorf("message of %s %q, want %q", code, e.Messages[code], m)
				}
			}
			if e.AppID != tc.app || e.Directory != tc.directory || e.Resource != tc.resource {
				t.Errorf("app %q directory %q resource %q", e.AppID, e.Directory, e.Resource)
			}
			if !e.CurrentTime.Equal(tc.current) || !e.AssertionValidFrom.Equal(tc.from) || !e.AssertionExpiry.Equal(tc.expiry) {
				t.Errorf("current %v valid from %v expiry %v", e.CurrentTime, e.AssertionValidFrom, e.AssertionExpiry)
			}
		})
	}
}
