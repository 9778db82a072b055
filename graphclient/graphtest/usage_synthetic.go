package graphtest

import (
	"fmt"
	"time"
)

// UsageSpec describes made-up usage evidence of the size large tenants
// have, for benchmarks and manual runs against the fake.
type UsageSpec struct {
	// Credentials is the length of the credential sign-in activity
	// report: certificates and secrets of Apps apps, most used lately,
	// one in eight never.
	Credentials int
	// FailedSignIns is how many failed service principal sign-ins the log
	// holds in the last Days days, spread evenly over them; for every
	// nine, the log holds one sign-in the filter must leave out (a
	// success, or a user's sign-in).
	FailedSignIns int
	// Apps the evidence is spread over; 0 is 1,000. Each fails with three
	// error codes and two presented credentials: 6 groups an app.
	Apps int
	// Days is the window the sign-ins are spread over; 0 is 30.
	Days int
	Now  time.Time
}

// SyntheticUsage builds the usage log s describes, computed entry by entry
// as the fake serves it: it holds no entry in memory.
func SyntheticUsage(s UsageSpec) *UsageLog {
	apps := s.Apps
	if apps <= 0 {
		apps = 1000
	}
	days := s.Days
	if days <= 0 {
		days = 30
	}
	now := s.Now.UTC().Truncate(time.Second)
	appID := func(k int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", k, k) }
	entries := s.FailedSignIns/9*10 + s.FailedSignIns%9
	span := time.Duration(days)*24*time.Hour - time.Minute
	var step time.Duration
	if entries > 1 {
		step = span / time.Duration(entries-1)
	}
	codes := []struct {
		code   int
		reason string
		kind   string
	}{
		{700027, "Client assertion failed signature validation.", "clientAssertion"},
		{7000222, "The provided client secret keys are expired.", "clientSecret"},
		{7000215, "Invalid client secret is provided.", "clientSecret"},
	}
	resources := []string{"Microsoft Graph", "Azure Key Vault", "Azure Storage", "Contoso Orders API"}
	return &UsageLog{
		Now:        now,
		Activities: s.Credentials,
		Activity: func(i int) Activity {
			k := i % apps
			a := Activity{
				ID: fmt.Sprintf("activity-%d", i), KeyID: fmt.Sprintf("%08x-1111-4000-8000-%012x", i, i), KeyType: "certificate", KeyUsage: "verify",
				AppID: appID(k), AppObjectID: fmt.Sprintf("%08x-2222-4000-8000-%012x", k, k), ResourceID: "00000003-0000-0000-c000-000000000000",
				CredentialOrigin: "application", Created: now.Add(-time.Duration(400+i%300) * 24 * time.Hour),
				Expires: now.Add(time.Duration(i%400) * 24 * time.Hour),
			}
			if i%3 == 2 {
				a.KeyType = "password"
			}
			if i%8 != 7 {
				a.LastSignIn = now.Add(-time.Duration(i%(200*24)) * time.Hour)
				a.LastSignInRequestID = fmt.Sprintf("%08x-3333-4000-8000-%012x", i, i)
			}
			return a
		},
		SignIns: entries,
		SignIn: func(i int) SignIn {
			at := now.Add(-time.Duration(i) * step).Truncate(time.Second)
			k := (i * 7919) % apps
			if i%10 == 9 && i < s.FailedSignIns/9*10 {
				if i%20 == 19 {
					return SignIn{ID: fmt.Sprintf("signin-%d", i), Created: at, EventType: "interactiveUser", AppID: appID(k),
						UserPrincipalName: fmt.Sprintf("user%d@contoso.com", i%500), UserID: fmt.Sprintf("user-%d", i%500),
						ErrorCode: 50126, IPAddress: "203.0.113.9", ResourceDisplayName: "Microsoft Graph"}
				}
				return SignIn{ID: fmt.Sprintf("signin-%d", i), Created: at, EventType: "servicePrincipal", AppID: appID(k),
					ServicePrincipalID: "sp-" + appID(k), ClientCredentialType: "clientAssertion", ResourceDisplayName: "Microsoft Graph"}
			}
			c := codes[i%len(codes)]
			si := SignIn{ID: fmt.Sprintf("signin-%d", i), Created: at, EventType: "servicePrincipal", AppID: appID(k), AppDisplayName: fmt.Sprintf("app %d", k),
				ServicePrincipalID: "sp-" + appID(k), ServicePrincipalName: fmt.Sprintf("app %d", k), ClientCredentialType: c.kind,
				ErrorCode: c.code, FailureReason: c.reason, ResourceDisplayName: resources[i%len(resources)],
				IPAddress: fmt.Sprintf("10.%d.%d.%d", k%256, (i/7)%256, i%5)}
			if c.kind == "clientAssertion" {
				si.Thumbprint = fmt.Sprintf("%08X%032X", k, (i/3)%2)
			} else {
				si.KeyID = fmt.Sprintf("%08x-4444-4000-8000-%012x", k, (i/3)%2)
			}
			return si
		},
	}
}
