// Package graphclient is the only part of appaudit that knows Microsoft
// Graph: its JSON wire format for applications and service principals, the
// snapshot files appaudit reads and writes, and (beside them) the live
// client that lists a tenant.
//
// One decoder of Graph's wire format serves both a live listing and a saved
// file: DecodePage reads one collection page as Graph returns it, and
// ReadSnapshot reads a whole saved tenant in any of the three shapes
// docs/snapshot-format.md describes (a Graph collection page, a JSON array as
// `az ad app list --all` prints, or appaudit's own snapshot). Both stream:
// the input is walked token by token and decoded one directory object at a
// time, so memory grows with the audit.Tenant being built, never with the
// size of the raw input, and no single object may exceed MaxObjectSize.
//
// The contract of this package:
//   - it only reads from a tenant: GET requests (and $batch of GETs), never
//     a write;
//   - a client secret's text and hint are never kept: passwordCredentials
//     keep their ID, name and dates only, so no secret can reach an error,
//     a report or a snapshot written from what was read;
//   - bad input is an error naming the input, the line and column, the
//     object (its index, appId and display name where known) and, where the
//     user can fix it, a hint; never a panic, never a silently partial
//     Tenant;
//   - a Tenant is Complete only when the input says it holds the whole
//     listing.
package graphclient
