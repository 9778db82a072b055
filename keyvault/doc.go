// Package keyvault reads Azure Key Vault certificates, the deployed side
// of most workloads in Azure: they load their certificate from a vault by
// name, and Key Vault renews it by itself (docs/keyvault.md).
//
// A Reader reads a vault through the Azure SDK's certificates client
// (azcertificates, which answers the vault's authentication challenge)
// over graphclient's RetryTransport: the certificate listing (25 a page,
// following nextLink), each certificate's versions (x5t and dates, with
// no request per version), and each certificate's latest bundle, which
// carries both the public certificate (cer) and the policy; the current
// version's bundle is fetched too only when it is not the latest. A
// vault of n certificates costs about 2n + n/25 requests, Concurrency of
// them at once. Read returns an audit.Vault; ReadSection and Section read
// and write the keyVaults section of an appaudit snapshot in Key Vault's
// own JSON, through the same decoding. kvtest is the fake vault its tests
// run against.
//
// The contract of this package:
//   - it only reads certificates: GET requests to the vault's
//     /certificates endpoints, never a secret or a key (where a
//     certificate's private key lives), never a write; CheckReadOnly
//     refuses anything else before it leaves, and works with an identity
//     that may not read secrets (the Key Vault Reader role);
//   - the access token goes only to the vault's host (a nextLink that
//     points elsewhere is refused), and the challenge's resource must be
//     the vault's domain, except for a vault on a loopback address;
//   - throttling (429, 503) is retried after Retry-After, as graphclient
//     retries Graph; answers, pages and versions are bounded;
//   - a read that stops (a permission missing, a vault that does not
//     exist, a connection that drops for good, a vault that stops
//     answering) returns what was read marked incomplete, with where it
//     stopped and why: never a clean empty vault;
//   - no secret, private key or token appears in any error.
package keyvault
