//go:build ignore

// bigfiles writes the large and the damaged inputs .ci/bounds measures
// appaudit against, streaming, so that a 1 GB file costs it no memory:
//
//	go run .ci/bigfiles.go -out DIR [-size 1GB] [-only NAME,...] [-findings-apps N]
//
// -only writes the named files alone (.ci/scale writes findings.json of
// 100,000 applications this way). The files:
//
//   - tenant.json: an appaudit snapshot of about -size, applications as
//     appaudit snapshot writes them (2 or 3 certificates identified by
//     customKeyIdentifier, a secret on every third), all within policy,
//     so that the scan's memory is the tenant's;
//   - az-list.json: about -size of applications as az ad app list --all
//     prints them, with every member Graph returns, most of which appaudit
//     skips;
//   - small.json: 10,000 applications like tenant.json's, for the runs
//     that measure other inputs;
//   - findings.json: 200,000 applications (-findings-apps) whose
//     credentials are dated so that the checks fire often (about 1.8
//     findings an application), for large reports;
//   - huge-object.json: one object of -size (a display name that long);
//   - huge-string.json: an appaudit snapshot whose "tool" member is -size
//     long;
//   - empty-creds.json: a fortieth of -size of objects of 2,000
//     keyCredentials each (the most an object may hold) that hold nothing
//     but the end date every credential needs, the most memory and time a
//     byte of snapshot can take;
//   - big.pem: 100 MB of PEM certificates;
//   - deployed.csv: a mapping of 700,000 rows (about 60 MB, under the
//     64 MiB limit) naming applications of small.json;
//   - deployed-big.csv: a mapping of 100 MB.
package main

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/appaudit/appaudit/audit/audittest"
)

var now = audittest.Now()

func main() {
	out := flag.String("out", "", "folder to write the files to")
	sizeFlag := flag.String("size", "1GB", "size of the large files: 1GB, 200MB, ...")
	only := flag.String("only", "", "write only these files, separated by commas: findings.json,small.json")
	findingsApps := flag.Int("findings-apps", 200_000, "applications in findings.json")
	flag.Parse()
	if *out == "" {
		log.Fatal("bigfiles: -out DIR is required")
	}
	size := parseSize(*sizeFlag)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	var wanted map[string]bool
	if *only != "" {
		wanted = map[string]bool{}
		for _, name := range strings.Split(*only, ",") {
			wanted[strings.TrimSpace(name)] = true
		}
	}
	// write writes the named file into -out, unless -only leaves it out.
	write := func(name string, fill func(writer) int) {
		if wanted == nil || wanted[name] {
			writeFile(filepath.Join(*out, name), fill)
			delete(wanted, name)
		}
	}
	write("tenant.json", func(w writer) int { return snapshot(w, size, false, 0) })
	write("small.json", func(w writer) int { return snapshot(w, 0, false, smallApps) })
	write("az-list.json", func(w writer) int { return azList(w, size) })
	write("findings.json", func(w writer) int { return snapshot(w, 0, true, *findingsApps) })
	write("huge-object.json", func(w writer) int {
		w.WriteString(`[{"id":"o1","appId":"00000000-0000-4000-8000-000000000001","displayName":"`)
		repeat(w, "x", size)
		w.WriteString(`"}]`)
		return 1
	})
	write("huge-string.json", func(w writer) int {
		w.WriteString(`{"appauditSnapshot":1,"complete":true,"tool":"`)
		repeat(w, "x", size)
		w.WriteString(`","applications":[]}`)
		return 0
	})
	write("empty-creds.json", func(w writer) int {
		cred := `{"endDate":"2030-01-01T00:00:00Z"}`
		obj := `{"appId":"a","keyCredentials":[` + strings.Repeat(cred+",", 1999) + cred + `]}`
		w.WriteString("[")
		n := 0
		for written := int64(0); written < size/40; written += int64(len(obj)) + 1 {
			if n > 0 {
				w.WriteString(",")
			}
			w.WriteString(obj)
			n++
		}
		w.WriteString("]")
		return n
	})
	write("big.pem", func(w writer) int {
		pem := string(audittest.Valid("big.contoso.com", now, audittest.Days(1), audittest.Days(300)).CertPEM())
		n := 0
		for written := 0; written < 100<<20; written += len(pem) {
			w.WriteString(pem)
			n++
		}
		return n
	})
	for _, m := range []struct {
		name string
		rows int
	}{{"deployed.csv", 700_000}, {"deployed-big.csv", 1_200_000}} {
		write(m.name, func(w writer) int {
			w.WriteString("app,thumbprint,cert,owner\n")
			for i := range m.rows {
				sum := sha1.Sum([]byte(strconv.Itoa(i)))
				fmt.Fprintf(w, "%s,%X,,team-%d\n", appID(i%smallApps), sum[:], i%100)
			}
			return m.rows
		})
	}
	for name := range wanted {
		log.Fatalf("bigfiles: -only %s: no such file (see the list at the top of .ci/bigfiles.go)", name)
	}
}

func parseSize(s string) int64 {
	s = strings.ToUpper(strings.TrimSpace(s))
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}} {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				log.Fatalf("bigfiles: -size %s: %v", s, err)
			}
			return int64(n * float64(u.n))
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		log.Fatalf("bigfiles: -size %s: %v", s, err)
	}
	return n
}

// writer is a buffered file that knows how much has been written to it.
type writer struct {
	*bufio.Writer
	c *counter
}

type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func (w writer) written() int64 { return w.c.n + int64(w.Buffered()) }

// smallApps is the number of applications in small.json, which the
// mappings name.
const smallApps = 10_000

// writeFile writes one file and says what it holds.
func writeFile(path string, fill func(writer) int) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	c := &counter{w: f}
	w := writer{bufio.NewWriterSize(c, 1<<20), c}
	n := fill(w)
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	fi, _ := f.Stat()
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%-18s %6d MB  %d items\n", filepath.Base(path), fi.Size()/1_000_000, n)
}

func repeat(w writer, s string, n int64) {
	chunk := strings.Repeat(s, 1<<16)
	for ; n > int64(len(chunk)); n -= int64(len(chunk)) {
		w.WriteString(chunk)
	}
	w.WriteString(chunk[:n])
}

func appID(i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i) }

func date(d time.Duration) string { return now.Add(d).UTC().Format(time.RFC3339) }

func days(n int) time.Duration { return audittest.Days(n) }

// keyID is the customKeyIdentifier of credential n: a SHA-1 digest.
func keyID(n int) string {
	var seed [8]byte
	binary.LittleEndian.PutUint64(seed[:], uint64(n))
	sum := sha1.Sum(seed[:])
	return base64.StdEncoding.EncodeToString(sum[:])
}

// credentials writes app i's keyCredentials and passwordCredentials; noisy
// dates them so that checks fire (expired, expiring, long-lived).
func credentials(w writer, i int, noisy bool) {
	w.WriteString(`"keyCredentials":[`)
	for c := range 2 + i%2 {
		if c > 0 {
			w.WriteString(",")
		}
		start, end := date(-days(30+c)), date(days(300-c))
		if noisy {
			start, end = date(-days(300-40*c)), date(days(-20+50*c+i%60))
		}
		fmt.Fprintf(w, `{"keyId":"%s-%d","displayName":"CN=app-%d.contoso.com","type":"AsymmetricX509Cert","usage":"Verify","startDateTime":"%s","endDateTime":"%s","customKeyIdentifier":"%s","key":null}`,
			appID(i), c, i, start, end, keyID(3*i+c))
	}
	w.WriteString(`],"passwordCredentials":[`)
	if i%3 == 0 {
		end := date(days(170))
		if noisy {
			end = date(days(i % 400))
		}
		fmt.Fprintf(w, `{"keyId":"%s-s","displayName":"runbook","startDateTime":"%s","endDateTime":"%s","hint":null,"secretText":null}`, appID(i), date(-days(10)), end)
	}
	w.WriteString("]")
}

// snapshot writes an appaudit snapshot of about size bytes, or of n
// applications when n is not 0, and returns how many it holds.
func snapshot(w writer, size int64, noisy bool, n int) int {
	fmt.Fprintf(w, `{"appauditSnapshot":1,"tool":"bigfiles","tenantId":"00000000-0000-0000-0000-00000000cafe","cloud":"public","takenAt":"%s","complete":true,`+"\n"+`"applications": [`+"\n", date(0))
	i := 0
	for ; (n > 0 && i < n) || (n == 0 && w.written() < size); i++ {
		if i > 0 {
			w.WriteString(",\n")
		}
		fmt.Fprintf(w, `{"id":"o%s","appId":"%s","displayName":"app %d","signInAudience":"AzureADMyOrg",`, appID(i), appID(i), i)
		credentials(w, i, noisy)
		w.WriteString("}")
	}
	w.WriteString("\n],\n\"servicePrincipals\": []\n}\n")
	return i
}

// azList writes about size bytes of applications as az ad app list --all
// prints them.
func azList(w writer, size int64) int {
	w.WriteString("[\n")
	i := 0
	for ; w.written() < size; i++ {
		if i > 0 {
			w.WriteString(",\n")
		}
		id := appID(i)
		fmt.Fprintf(w, `  {
    "addIns": [],
    "api": {"acceptMappedClaims": null, "knownClientApplications": [], "oauth2PermissionScopes": [{"adminConsentDescription": "Allow the application to access app %[2]d on behalf of the signed-in user.", "adminConsentDisplayName": "Access app %[2]d", "id": "%[1]s", "isEnabled": true, "type": "User", "userConsentDescription": "Allow the application to access app %[2]d on your behalf.", "userConsentDisplayName": "Access app %[2]d", "value": "user_impersonation"}], "preAuthorizedApplications": [], "requestedAccessTokenVersion": 2},
    "appId": "%[1]s",
    "appRoles": [],
    "applicationTemplateId": null,
    "certification": null,
    "createdDateTime": "2024-03-01T09:00:00Z",
    "defaultRedirectUri": null,
    "deletedDateTime": null,
    "description": null,
    "disabledByMicrosoftStatus": null,
    "displayName": "app %[2]d",
    "groupMembershipClaims": null,
    "id": "o%[1]s",
    "identifierUris": ["api://%[1]s"],
    "info": {"logoUrl": null, "marketingUrl": null, "privacyStatementUrl": null, "supportUrl": null, "termsOfServiceUrl": null},
    "isDeviceOnlyAuthSupported": null,
    "isFallbackPublicClient": null,
    `, id, i)
		credentials(w, i, false)
		fmt.Fprintf(w, `,
    "notes": null,
    "optionalClaims": null,
    "parentalControlSettings": {"countriesBlockedForMinors": [], "legalAgeGroupRule": "Allow"},
    "publicClient": {"redirectUris": []},
    "publisherDomain": "contoso.onmicrosoft.com",
    "requestSignatureVerification": null,
    "requiredResourceAccess": [{"resourceAccess": [{"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "type": "Scope"}], "resourceAppId": "00000003-0000-0000-c000-000000000000"}],
    "samlMetadataUrl": null,
    "serviceManagementReference": null,
    "servicePrincipalLockConfiguration": null,
    "signInAudience": "AzureADMyOrg",
    "spa": {"redirectUris": []},
    "tags": [],
    "tokenEncryptionKeyId": null,
    "uniqueName": null,
    "verifiedPublisher": {"addedDateTime": null, "displayName": null, "verifiedPublisherId": null},
    "web": {"homePageUrl": null, "implicitGrantSettings": {"enableAccessTokenIssuance": false, "enableIdTokenIssuance": false}, "logoutUrl": null, "redirectUriSettings": [{"index": null, "uri": "https://app-%[1]d.contoso.com/signin-oidc"}], "redirectUris": ["https://app-%[1]d.contoso.com/signin-oidc"]}
  }`, i)
	}
	w.WriteString("\n]\n")
	return i
}
