// Package graphclient is the only part of appaudit that knows Microsoft
// Graph: its JSON wire format for applications and service principals, the
// snapshot files appaudit reads and writes, and the live client that reads
// a tenant.
//
// One decoder of Graph's wire format serves both a live listing and a saved
// file: DecodePage reads one collection page as Graph returns it,
// DecodeObject one object, and LoadSnapshot (ReadSnapshot without its
// warnings) reads a whole saved tenant in any of the three shapes
// docs/snapshot-format.md describes (a Graph collection page, a JSON array
// as `az ad app list --all` prints, or appaudit's own snapshot), Azure AD
// Graph's older member names included. All of them stream: the input is
// walked token by token and decoded one directory object at a time, so
// memory grows with the audit.Tenant being built, never with the size of
// the raw input, and no single object may exceed MaxObjectSize or hold more
// than MaxCredentials credentials in a list. Each object is read in one
// pass by a hand-written decoder (lexer.go, wireread.go) that validates
// JSON as strictly as encoding/json and reads the members appaudit needs,
// by Graph's exact names, straight into audit types; what is not a listing
// of applications and service principals (a credential list, PowerShell's
// ConvertTo-Json output, a credential without an end date) is refused, never
// read as an empty or a clean tenant.
//
// The live client (NewCredential, ResolveEndpoint, NewClient, Client.Read)
// signs in with azidentity in one of the AuthModes, lists /applications and
// /servicePrincipals with $select and $top through the Graph SDK's request
// builders and the kiota request adapter, follows @odata.nextLink on the
// endpoint's own host (fetching the next page while decoding this one),
// fetches the certificate bodies list pages leave out with $batch, and keeps
// Graph's throttling at bay: Retry-After honoured, exponential backoff with
// jitter otherwise, bounded attempts and waiting, and requests that select
// keyCredentials kept within Graph's limit per minute. The fake Graph its
// tests run against is package graphtest.
//
// Client.ReadUsage reads, with the same sign-in and transport, what Entra
// recorded of the credentials in use (Graph beta: the credential sign-in
// activity report and the failed service principal sign-ins of a window,
// aggregated), within Graph's limit on report requests; snapshots keep it
// as their "usage" member (usage.go, usagesnapshot.go,
// docs/usage-evidence.md). Client addresses are counted, never kept.
//
// The contract of this package:
//   - it only reads from a tenant: GET requests (and $batch of GETs), never
//     a write; the client's transport refuses anything else before it
//     leaves;
//   - a client secret's text and hint are never kept: passwordCredentials
//     keep their ID, name and dates only, so no secret can reach an error,
//     a report or a snapshot written from what was read; sign-in secrets,
//     private keys and access tokens appear in no error;
//   - the access token goes only to the Graph endpoint's host;
//   - bad input is an error naming the input, the line and column, the
//     object (its index, appId and display name where known) and, where the
//     user can fix it, a hint; never a panic, never a silently partial
//     Tenant;
//   - a Tenant is Complete only when the input says it holds the whole
//     listing, or, read live, when every page was read: a read that stops
//     half-way returns what it read, marked incomplete with where it
//     stopped and why.
package graphclient
