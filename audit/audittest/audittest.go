// Package audittest makes the certificates, keys and tenants that tests
// need, with dates relative to a clock the caller chooses, so that nothing
// rots. It is to audit what net/http/httptest is to net/http: for tests
// only, never linked into appaudit (the built-in demo makes its
// certificates with audit/demo/democert, as this package does). It never
// touches the network or disk.
package audittest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/demo/democert"
)

// Now is the fixed instant tests use as "now".
func Now() time.Time { return time.Date(2026, time.June, 15, 12, 0, 0, 0, time.UTC) }

// Days is n days as a duration.
func Days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

// KeyA and KeyB are two distinct RSA-2048 keys; WeakKey is RSA-1024:
// the fixed keys of audit/demo/democert, so that tests spend no time
// generating RSA keys and their certificates are the same on every run.
// ECKey is an ECDSA P-256 key generated once per process.
func KeyA() *rsa.PrivateKey    { return must(democert.KeyA()) }
func KeyB() *rsa.PrivateKey    { return must(democert.KeyB()) }
func WeakKey() *rsa.PrivateKey { return must(democert.WeakKey()) }
func ECKey() *ecdsa.PrivateKey { return ecP256Key() }

var ecP256Key = sync.OnceValue(func() *ecdsa.PrivateKey {
	return must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
})

// must is v, or a panic on err: a test helper's failure is a bug.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("audittest: %v", err))
	}
	return v
}

// Spec describes a certificate to make, and Cert is one made, with its
// private key: democert's, whose methods (Thumbprints, KeyCredential,
// LocalCert, CertPEM, KeyPEM...) are the tests' too.
type (
	Spec = democert.Spec
	Cert = democert.Cert
)

// NewCert makes the certificate Spec describes.
func NewCert(s Spec) (*Cert, error) { return democert.New(s) }

// MustCert is NewCert for tests, where failure is a bug.
func MustCert(s Spec) *Cert { return must(NewCert(s)) }

// Valid makes a self-signed certificate valid from now-before to now+after.
func Valid(cn string, now time.Time, before, after time.Duration) *Cert {
	return MustCert(Spec{CommonName: cn, NotBefore: now.Add(-before), NotAfter: now.Add(after)})
}

// App is an application with the given credentials.
func App(appID, name string, keys ...audit.KeyCredential) audit.Application {
	return audit.Application{Principal: audit.Principal{ObjectID: "obj-" + appID, AppID: appID, DisplayName: name, KeyCredentials: keys}}
}

// Secret is a passwordCredential valid from start to end.
func Secret(keyID string, start, end time.Time) audit.PasswordCredential {
	return audit.PasswordCredential{KeyID: keyID, DisplayName: "secret " + keyID, Start: start, End: end}
}

// Tenant is a complete tenant holding apps.
func Tenant(apps ...audit.Application) *audit.Tenant {
	return &audit.Tenant{TenantID: "00000000-0000-0000-0000-00000000cafe", Complete: true, Applications: apps}
}

// LargeTenant is n applications with 2 or 3 certificates each and a client
// secret on every third, shaped like a large tenant's listing: the
// certificates carry no body (key null, as on Graph list pages) and a SHA-1
// customKeyIdentifier, dated relative to now so that the checks fire
// often. One credential in bodyEvery carries its certificate body instead
// (0: none). Benchmarks of every stage build their tenant with it.
func LargeTenant(n int, now time.Time, bodyEvery int) *audit.Tenant {
	var bodies []*Cert
	if bodyEvery > 0 {
		for i := range 16 {
			bodies = append(bodies, Valid(fmt.Sprintf("app-%d.contoso.com", i), now, Days(100+i), Days(200+i)))
		}
	}
	t := &audit.Tenant{TenantID: "00000000-0000-0000-0000-00000000cafe", Cloud: "public", TakenAt: now, Complete: true,
		Applications: make([]audit.Application, n)}
	cred := 0
	for i := range n {
		appID := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		a := &t.Applications[i]
		a.AppID, a.ObjectID, a.DisplayName, a.SignInAudience = appID, "o"+appID, fmt.Sprintf("app %d", i), "AzureADMyOrg"
		for c := range 2 + i%2 {
			cred++
			keyID := fmt.Sprintf("%s-%d", appID, c)
			if bodyEvery > 0 && cred%bodyEvery == 0 {
				a.KeyCredentials = append(a.KeyCredentials, bodies[cred%len(bodies)].KeyCredential(keyID, audit.UsageVerify, true))
				continue
			}
			var seed [8]byte
			binary.LittleEndian.PutUint64(seed[:], uint64(cred))
			sum := sha1.Sum(seed[:])
			k := audit.KeyCredential{
				KeyID: keyID, DisplayName: fmt.Sprintf("CN=app-%d", i),
				Type: audit.TypeAsymmetricX509Cert, Usage: audit.UsageVerify,
				Start: now.Add(-Days(300 - 40*c)), End: now.Add(Days(-20 + 50*c + i%60)),
				CustomKeyIdentifier: sum[:],
			}
			k.Identify(nil)
			a.KeyCredentials = append(a.KeyCredentials, k)
		}
		if i%3 == 0 {
			a.PasswordCredentials = []audit.PasswordCredential{Secret(appID+"-s", now.Add(-Days(100)), now.Add(Days(i%400)))}
		}
	}
	return t
}

// SignJWT signs header and claims with key as the golang-jwt library
// signs them, which MSAL Go (and so azidentity) uses: democert.SignJWT,
// with which the demo signs its assertions.
func SignJWT(header, claims map[string]any, key crypto.Signer) (string, error) {
	return democert.SignJWT(header, claims, key)
}
