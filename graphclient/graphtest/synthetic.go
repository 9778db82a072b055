package graphtest

import (
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

// SyntheticSpec describes a made-up tenant of the size large tenants have,
// for benchmarks and manual runs against the fake.
type SyntheticSpec struct {
	// Applications each have 2 or 3 certificates (identified by a SHA-1
	// customKeyIdentifier, dated so that the checks fire often) and a
	// client secret on every third.
	Applications int
	// ServicePrincipals have no credentials, but every tenth signs SAML
	// with a certificate registered for Sign and Verify.
	ServicePrincipals int
	// BodyEvery gives one certificate credential in BodyEvery its body
	// (0: none), taken from a pool of 16 real certificates, and one SAML
	// service principal in BodyEvery the body of its certificate.
	BodyEvery int
	// UnidentifiedEvery gives one application in UnidentifiedEvery (0:
	// none) a first certificate whose customKeyIdentifier is not a
	// thumbprint, as scripts upload them: without its body nothing
	// identifies it.
	UnidentifiedEvery int
	// Now is the instant the dates are relative to.
	Now time.Time
}

// Synthetic builds the tenant s describes. The same spec always gives the
// same tenant, bodies aside (the pool's certificates are made afresh).
func Synthetic(s SyntheticSpec) *audit.Tenant {
	day := audittest.Days
	now := s.Now
	t := audittest.LargeTenant(s.Applications, now, s.BodyEvery)
	for i := 0; s.UnidentifiedEvery > 0 && i < s.Applications; i += s.UnidentifiedEvery {
		k := &t.Applications[i].KeyCredentials[0]
		k.CustomKeyIdentifier = []byte("chosen by a script")
		k.Identify(k.Key)
	}
	var saml *audittest.Cert
	if s.BodyEvery > 0 {
		saml = audittest.Valid("Microsoft Azure Federated SSO Certificate", now, day(300), day(60))
	}
	t.ServicePrincipals = make([]audit.ServicePrincipal, s.ServicePrincipals)
	for i := range s.ServicePrincipals {
		appID := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		sp := &t.ServicePrincipals[i]
		sp.AppID, sp.ObjectID, sp.DisplayName = appID, "sp"+appID, fmt.Sprintf("app %d", i)
		sp.AppDisplayName, sp.ServicePrincipalType = sp.DisplayName, "Application"
		if i%10 != 0 {
			continue
		}
		var seed [8]byte
		binary.LittleEndian.PutUint64(seed[:], uint64(1<<40+i))
		sum := sha1.Sum(seed[:])
		for _, usage := range []string{audit.UsageSign, audit.UsageVerify} {
			if saml != nil && (i/10)%s.BodyEvery == 0 {
				sp.KeyCredentials = append(sp.KeyCredentials, saml.KeyCredential(fmt.Sprintf("%s-%s", appID, usage), usage, true))
				continue
			}
			k := audit.KeyCredential{
				KeyID: fmt.Sprintf("%s-%s", appID, usage), DisplayName: "CN=Microsoft Azure Federated SSO Certificate",
				Type: audit.TypeAsymmetricX509Cert, Usage: usage,
				Start: now.Add(-day(1000)), End: now.Add(day(-10 + i%400)), CustomKeyIdentifier: sum[:],
			}
			k.Identify(nil)
			sp.KeyCredentials = append(sp.KeyCredentials, k)
		}
		sp.PreferredTokenSigningKeyThumbprint = sp.KeyCredentials[0].Thumbprints.SHA1
	}
	return t
}
