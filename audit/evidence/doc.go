// Package evidence reads what a user has of a failing sign-in, as it was
// pasted from a proxy, a log or an exception, without trusting any of it:
//
//   - a client assertion, or any signed JWT (ParseAssertion): its header
//     and claims as raw JSON, the signing input and the signature, and
//     Verify, which says whether a public key made the signature the way
//     Entra verifies it;
//   - a captured token request (ParseRequest): a form body, a raw HTTP
//     request as Fiddler or a proxy shows it, or a curl command line with
//     the quoting and line continuations of bash, cmd and PowerShell;
//   - an AADSTS error (ParseError): the token endpoint's JSON error
//     response, also when a log line or an exception quotes it, or its
//     error_description text alone;
//   - a token endpoint URL (ParseEndpoint).
//
// It reads what Microsoft's clients send and what Entra answers, in the
// shapes docs/real-world-shapes.md lists with their sources, and knows
// nothing of tenants, certificates or checks: package doctor holds what
// it reads against those.
//
// The contract of this package:
//   - it reads bytes the caller gives, never files, the network or the
//     clock;
//   - every input is bounded (MaxAssertionSize, MaxRequestSize,
//     MaxErrorSize) and every loop over it too, so that no input makes it
//     run long or allocate much;
//   - it drops secrets as it reads them: the values of client_secret,
//     password, refresh_token, code and code_verifier, and the password of
//     HTTP Basic credentials, are never kept, so nothing downstream can
//     print what it never had;
//   - no error quotes the input: an error says what is wrong in words,
//     and names at most a curl option or a short value that is not a
//     secret; never a token, never an assertion;
//   - bad input is an error, never a panic (the fuzz targets hold it to
//     that).
package evidence
