package doctor

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appaudit/appaudit/audit/audittest"
)

func TestParseAssertion(t *testing.T) {
	tok := mustSign(t, header("PS256", "x5t#S256", "abc"), claims(), audittest.KeyA())
	a, err := ParseAssertion("  " + tok + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if alg, _, _ := a.HeaderString("alg"); alg != "PS256" {
		t.Errorf("alg %q", alg)
	}
	if iss, ok, isStr := a.ClaimString("iss"); iss != payrollID || !ok || !isStr {
		t.Errorf("iss %q %v %v", iss, ok, isStr)
	}
	if exp, ok, err := a.ClaimNumber("exp"); !ok || err != nil || int64(exp) != now.Add(9*time.Minute).Unix() {
		t.Errorf("exp %v %v %v", exp, ok, err)
	}
	if len(a.Signature) != 256 || len(a.Lax) != 0 || !slices.Equal(a.HeaderNames(), []string{"alg", "typ", "x5t#S256"}) {
		t.Errorf("signature %d bytes, lax %v, header %v", len(a.Signature), a.Lax, a.HeaderNames())
	}
	if auds, ok, good := a.Audiences(); !ok || !good || len(auds) != 1 || auds[0] != testEndpoint() {
		t.Errorf("aud %v", auds)
	}

	h := base64.RawURLEncoding.EncodeToString
	tests := []struct {
		name, token, want string
	}{
		{"empty", "   ", "empty"},
		{"one part", "eyJhbGciOiJQUzI1NiJ9", "1 part"},
		{"two parts", "eyJhbGciOiJQUzI1NiJ9.e30", "2 parts"},
		{"encrypted", "a.b.c.d.e", "encrypted JWT (JWE)"},
		{"wrapped", tok[:40] + "\n" + tok[40:], "white space"},
		{"header not base64", "e$J.e30.sig", "header part is not base64url"},
		{"header not JSON", h([]byte("not json")) + ".e30.c2ln", "header part decodes to 8 bytes that are not a JSON object"},
		{"claims an array", h([]byte(`{"alg":"RS256"}`)) + "." + h([]byte(`[1,2]`)) + ".c2ln", "claims part"},
		{"empty header", ".e30.c2ln", "header part is empty"},
		{"signature not base64", h([]byte(`{"alg":"RS256"}`)) + ".e30.!!", "signature part is not base64url"},
		{"too long", strings.Repeat("a", MaxAssertionSize+1), "more than the 256 KiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAssertion(tc.token)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			if err != nil && len(tc.token) > 20 && strings.Contains(err.Error(), tc.token[:20]) {
				t.Errorf("the error quotes the token: %v", err)
			}
		})
	}

	// Padding and the standard alphabet are read, and noted.
	parts := strings.Split(tok, ".")
	lax := parts[0] + "==." + strings.NewReplacer("-", "+", "_", "/").Replace(parts[1]) + "." + parts[2]
	a, err = ParseAssertion(lax)
	if err != nil || len(a.Lax) == 0 {
		t.Errorf("lax encoding: %v, %v", err, a)
	}
}

func TestParseRequest(t *testing.T) {
	jwtText := mustSign(t, header("PS256", "x5t#S256", "abc"), claims(), audittest.KeyA())
	form := "grant_type=client_credentials&client_id=" + payrollID + "&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default" +
		"&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=" + jwtText
	tests := []struct {
		name, text     string
		shape, url     string
		encoding       string
		params         map[string]string
		secrets        []string
		basic          bool
		basicClient    string
		wantErr        string
		notInAnyOutput string
	}{
		{name: "form body", text: form, shape: "form body", encoding: "form",
			params: map[string]string{"grant_type": "client_credentials", "scope": "https://graph.microsoft.com/.default", "client_assertion": jwtText}},
		{name: "form body over lines", text: "grant_type=client_credentials\nclient_id=" + payrollID + "\r\nscope=x", shape: "form body", encoding: "form",
			params: map[string]string{"client_id": payrollID, "scope": "x"}},
		{name: "HTTP request from a proxy", text: "POST " + testEndpoint() + " HTTP/1.1\r\nHost: login.microsoftonline.com\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n" + form,
			shape: "HTTP request", url: testEndpoint(), encoding: "form", params: map[string]string{"client_id": payrollID}},
		{name: "HTTP request with Host and Basic auth", text: "POST /" + testTenant + "/oauth2/v2.0/token HTTP/1.1\nHost: login.microsoftonline.com\nAuthorization: Basic " +
			base64.StdEncoding.EncodeToString([]byte(payrollID+":Sup3r-Secret~Value")) + "\n\ngrant_type=client_credentials&scope=x",
			shape: "HTTP request", url: testEndpoint(), encoding: "form", basic: true, basicClient: payrollID, notInAnyOutput: "Sup3r-Secret~Value"},
		{name: "secrets dropped", text: "grant_type=password&username=u&password=Pa55w0rd!&client_secret=Sec%2Bret&refresh_token=RT-123&code=AuthC0de",
			encoding: "form", shape: "form body", secrets: []string{"password", "client_secret", "refresh_token", "code"}, notInAnyOutput: "Pa55w0rd!"},
		{name: "curl with -d parts and continuations", text: "curl -sS -X POST '" + testEndpoint() + "' \\\n  -H 'Content-Type: application/x-www-form-urlencoded' \\\n  -d 'grant_type=client_credentials' \\\n  -d \"client_id=" + payrollID + "\" \\\n  --data-urlencode 'scope=https://graph.microsoft.com/.default' \\\n  --data-urlencode client_assertion=" + jwtText,
			shape: "curl command line", url: testEndpoint(), encoding: "form",
			params: map[string]string{"grant_type": "client_credentials", "client_id": payrollID, "scope": "https://graph.microsoft.com/.default", "client_assertion": jwtText}},
		{name: "curl for cmd", text: "curl.exe -X POST " + testEndpoint() + " ^\n -d \"grant_type=client_credentials&client_id=" + payrollID + "\" ^\n --data-raw \"scope=api://x/.default\"",
			shape: "curl command line", url: testEndpoint(), encoding: "form", params: map[string]string{"client_id": payrollID, "scope": "api://x/.default"}},
		{name: "curl for PowerShell with a prompt", text: "PS> curl " + testEndpoint() + " `\n  --data 'grant_type=client_credentials' `\n  -dclient_id=" + payrollID,
			shape: "curl command line", url: testEndpoint(), encoding: "form", params: map[string]string{"grant_type": "client_credentials", "client_id": payrollID}},
		{name: "curl $ prompt, bundled flags, ANSI quotes", text: "$ curl -sSd $'grant_type=client_credentials\\x' --url " + testEndpoint() + " -d 'scope=a%20b'",
			shape: "curl command line", url: testEndpoint(), encoding: "form", params: map[string]string{"grant_type": "client_credentialsx", "scope": "a b"}},
		{name: "curl JSON body", text: "curl " + testEndpoint() + " -H 'Content-Type: application/json' -d '{\"grant_type\":\"client_credentials\",\"client_secret\":\"JsonS3cret\"}'",
			shape: "curl command line", url: testEndpoint(), encoding: "json", params: map[string]string{"grant_type": "client_credentials"}, secrets: []string{"client_secret"}, notInAnyOutput: "JsonS3cret"},
		{name: "curl --json", text: "curl --json '{\"grant_type\":\"client_credentials\"}' " + testEndpoint(), shape: "curl command line", url: testEndpoint(), encoding: "json"},
		{name: "curl -F", text: "curl -F grant_type=client_credentials -F client_id=" + payrollID + " " + testEndpoint(), shape: "curl command line", url: testEndpoint(), encoding: "multipart",
			params: map[string]string{"client_id": payrollID}},
		{name: "curl -u", text: "curl -u '" + payrollID + ":CurlS3cret' -d grant_type=client_credentials " + testEndpoint(),
			shape: "curl command line", url: testEndpoint(), encoding: "form", basic: true, basicClient: payrollID, notInAnyOutput: "CurlS3cret"},
		{name: "curl body from a file", text: "curl -d @body.txt " + testEndpoint(), wantErr: "reads its body from a file (-d @body.txt)"},
		{name: "curl --data-urlencode from a file", text: "curl --data-urlencode client_assertion@jwt.txt " + testEndpoint(), wantErr: "reads a value from a file"},
		{name: "curl unterminated quote", text: "curl -d 'client_secret=NeverQuoted " + testEndpoint(), wantErr: "never closed", notInAnyOutput: "NeverQuoted"},
		{name: "curl option without value", text: "curl " + testEndpoint() + " -d", wantErr: "-d has no value"},
		{name: "JWT instead of a request", text: jwtText, wantErr: "give it with --assertion"},
		{name: "empty", text: " \n", wantErr: "empty"},
		{name: "HTTP header garbage", text: "POST /t/oauth2/v2.0/token HTTP/1.1\nnot a header\n\nx=y", wantErr: "line 2"},
		{name: "multipart HTTP", text: "POST " + testEndpoint() + " HTTP/1.1\nContent-Type: multipart/form-data; boundary=XyZ\n\n--XyZ\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nclient_credentials\r\n--XyZ--\r\n",
			shape: "HTTP request", url: testEndpoint(), encoding: "multipart", params: map[string]string{"grant_type": "client_credentials"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRequest([]byte(tc.text))
			if tc.wantErr != "" || err != nil {
				if tc.wantErr == "" || err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				if tc.notInAnyOutput != "" && strings.Contains(err.Error(), tc.notInAnyOutput) {
					t.Errorf("the error quotes a secret: %v", err)
				}
				return
			}
			if tc.shape != "" && (r.Shape != tc.shape || r.URL != tc.url || r.Encoding != tc.encoding) {
				t.Errorf("shape %q url %q encoding %q; want %q %q %q", r.Shape, r.URL, r.Encoding, tc.shape, tc.url, tc.encoding)
			}
			for k, v := range tc.params {
				if got, ok := r.Get(k); !ok || got != v {
					t.Errorf("%s = %q (%v), want %q", k, got, ok, v)
				}
			}
			if tc.secrets != nil && !slices.Equal(r.Secrets, tc.secrets) {
				t.Errorf("secrets %v, want %v", r.Secrets, tc.secrets)
			}
			if r.BasicAuth != tc.basic || r.BasicClientID != tc.basicClient {
				t.Errorf("basic %v %q", r.BasicAuth, r.BasicClientID)
			}
			for _, p := range r.Params {
				if slices.Contains(secretParams(), p.Name) && p.Value != "" {
					t.Errorf("secret %s kept its value", p.Name)
				}
				if tc.notInAnyOutput != "" && strings.Contains(p.Value, tc.notInAnyOutput) {
					t.Errorf("a secret was kept in %s", p.Name)
				}
			}
		})
	}
}

func TestShellWords(t *testing.T) {
	got, err := shellWords(`curl 'a b' "c \"d\" \$e" f\ g $'h\tj' "k` + "\\\n" + `l" m` + " \\\n n")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"curl", "a b", `c "d" $e`, "f g", "h\tj", "kl", "m", "n"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestParseError(t *testing.T) {
	thumb := "D02953830A67536051EFCB073FB05537287D3800"
	tests := []struct {
		name, text                         string
		shape                              string
		codes                              []string
		reason, app, directory, thumbprint string
		at                                 time.Time
		foundEnd                           time.Time
		trace                              string
	}{
		{
			name:  "JSON response, key not found",
			text:  `{"error":"invalid_client","error_description":"AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '` + thumb + `', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '15855fc2-ac31-4020-b32d-5dd531bd6b43'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/15855fc2-ac31-4020-b32d-5dd531bd6b43'].\r\nTrace ID: c239abbb-de7c-4092-8f1a-6a13382c5500\r\nCorrelation ID: 48f14b85-0366-451d-b576-e78bb526ade9\r\nTimestamp: 2026-06-15 11:58:30Z","error_codes":[700027],"timestamp":"2026-06-15 11:58:30Z","trace_id":"c239abbb-de7c-4092-8f1a-6a13382c5500","correlation_id":"48f14b85-0366-451d-b576-e78bb526ade9","error_uri":"https://login.microsoftonline.com/error?code=700027"}`,
			shape: "JSON error response", codes: []string{"AADSTS700027"}, reason: "The key was not found", thumbprint: thumb,
			app: "15855fc2-ac31-4020-b32d-5dd531bd6b43", at: time.Date(2026, 6, 15, 11, 58, 30, 0, time.UTC), trace: "c239abbb-de7c-4092-8f1a-6a13382c5500",
		},
		{
			name:  "bare description with trace and timestamp",
			text:  "AADSTS700027: Client assertion failed signature validation. Trace ID: 5b14185d-49d6-47f1-be9a-48c578b24d00 Correlation ID: 74445a33-31f6-4b60-8319-db813e3bbe17 Timestamp: 2026-06-15 11:00:00Z",
			shape: "error text", codes: []string{"AADSTS700027"}, at: time.Date(2026, 6, 15, 11, 0, 0, 0, time.UTC), trace: "5b14185d-49d6-47f1-be9a-48c578b24d00",
		},
		{
			name:  "key expired, with the key Entra found, in a log line",
			text:  "ServerError: invalid_client: 700027 - [2024-01-24 09:57:00Z]: AADSTS700027: The certificate with identifier used to sign the client assertion is expired on application. [Reason - The key used is expired., Thumbprint of key used by client: 'CDB57E003884DDE011897304FE291EB539812CCC', Found key 'Start=01/23/2023 13:33:28, End=01/23/2024 13:33:28', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '94bc0b64-d83e-4b45-afd0-3b2c84f16a00'.",
			shape: "error text", codes: []string{"AADSTS700027"}, reason: "The key used is expired", thumbprint: "CDB57E003884DDE011897304FE291EB539812CCC",
			app: "94bc0b64-d83e-4b45-afd0-3b2c84f16a00", foundEnd: time.Date(2024, 1, 23, 13, 33, 28, 0, time.UTC),
		},
		{
			name:  "JSON quoted inside an exception",
			text:  `Microsoft.Identity.Client.MsalServiceException: A configuration issue is preventing authentication. Original response: {"error":"invalid_client","error_description":"AADSTS70002: Error validating credentials. AADSTS50012: Client assertion audience claim does not match Realm issuer.\r\nTrace ID: b3a77dbe-af3b-4545-8c2c-a76ab79c15ff","error_codes":[70002,50012]} at ...`,
			shape: "JSON error response", codes: []string{"AADSTS70002", "AADSTS50012"}, trace: "b3a77dbe-af3b-4545-8c2c-a76ab79c15ff",
		},
		{
			name:  "app not found, in a directory",
			text:  "AADSTS700016: Application with identifier 'abcd-not-a-guid' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant.",
			shape: "error text", codes: []string{"AADSTS700016"}, app: "abcd-not-a-guid", directory: "Contoso",
		},
		{
			name:  "OBO signature with a comma in the reason",
			text:  "OnBehalfOfCredential authentication failed: AADSTS50013: Assertion failed signature validation. [Reason - Key was found, but use of the key to verify the signature failed., Thumbprint of key used by client: 'E41DE0000000000000000000000000000000AD91', Found key 'Start=12/05/2023 17:16:57, End=12/05/2028 17:16:57']",
			shape: "error text", codes: []string{"AADSTS50013"}, reason: "Key was found, but use of the key to verify the signature failed", thumbprint: "E41DE0000000000000000000000000000000AD91",
			foundEnd: time.Date(2028, 12, 5, 17, 16, 57, 0, time.UTC),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ParseError([]byte(tc.text))
			if err != nil {
				t.Fatal(err)
			}
			if e.Shape != tc.shape || !slices.Equal(e.Codes, tc.codes) || e.Reason != tc.reason || e.AppID != tc.app ||
				e.Directory != tc.directory || e.Thumbprint != tc.thumbprint || !e.Timestamp.Equal(tc.at) || !e.FoundKeyEnd.Equal(tc.foundEnd) || e.TraceID != tc.trace {
				t.Errorf("got %+v", e)
			}
		})
	}
	for _, bad := range []string{"", "  ", "invalid_client: something went wrong", `{"error":"invalid_client"}`} {
		if _, err := ParseError([]byte(bad)); err == nil {
			t.Errorf("ParseError(%q) read a code", bad)
		}
	}
}

func TestParseCloud(t *testing.T) {
	for in, want := range map[string]string{"public": "public", "AzureCloud": "public", "AzureUSGovernment": "usgov", "usgov": "usgov",
		"usgovdod": "usgovdod", "china": "china", " AzureChinaCloud ": "china"} {
		if got, err := ParseCloud(in); err != nil || got != want {
			t.Errorf("ParseCloud(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseCloud("mars"); err == nil || !strings.Contains(err.Error(), `doctor: unknown cloud "mars" (want one of public, usgov, usgovdod, china)`) {
		t.Errorf("error %v", err)
	}
}
