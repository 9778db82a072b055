// Package audit is the heart of appaudit: the model of a tenant's app
// registrations and service principals, the local inventory they are held
// against, the check catalogue, and Run, which turns the two into findings.
//
// The contract of this package:
//   - it never performs network I/O and never reads files: tenants come from
//     graphclient (live or snapshot) and local certificates from
//     audit/localfiles, both already decoded into the types here;
//   - it never reads the clock: every date-dependent check takes "now" from
//     the caller, so the same inputs always give the same Result;
//   - it never writes anything, anywhere: reports are the job of package
//     reports, exit codes the job of cmd/appaudit;
//   - a Result says whether the data behind it was complete; an incomplete
//     tenant can never produce a Result that looks clean.
//
// Check IDs (see Checks) are a public contract: users filter and suppress by
// them, so they are never renamed.
package audit
