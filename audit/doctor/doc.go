// Package doctor explains a failing client-certificate sign-in and checks
// a certificate rotation before it happens.
//
// Diagnose takes the evidence a user already has: a client assertion JWT, a
// captured token request (a form body, a raw HTTP request from a proxy, or
// a curl command line) and an AADSTS error response (the JSON body or its
// error_description text). Package evidence takes each apart without
// trusting it, in one step, into the facts of the diagnosis (the request,
// the assertion and its thumbprint headers, the error, the client and
// where its ID came from, the time of the request); the checks read those
// facts and never fill them for each other. They hold them against what
// Entra accepts (see the checks with Command "doctor" in audit.Checks),
// and cross-check the thumbprints and the client ID
// against the tenant and the local certificates: "this thumbprint is
// certificate X in certs/old.pem, registered on app Y, not on app Z".
// Preflight says whether a deployment can switch to a new certificate
// (Command "preflight").
//
// Both return an audit.Result made of the same audit.Finding type as a
// scan, so the same reports and exit codes serve them, and a Verdict. For
// Diagnose it names the most likely cause: among the findings at medium
// or above, those whose check predicts a code of the error response come
// first, then the more severe, then the order of causePriority, which
// follows what Entra must get past first (a readable request with a
// credential, a readable assertion for an app the tenant has, a header it
// takes, a registered and valid certificate, a signature that verifies,
// then the claims); the AADSTS error finding, the symptom, is named only
// when nothing else is. Where the fix is mechanical, the Verdict's values
// give the corrected header, claim or parameter: the x5t#S256 of the
// certificate that signs, the aud of the tenant's token endpoint, the
// scope with /.default.
//
// The contract of this package:
//   - it reads no files, no network and no clock: the caller passes the
//     evidence as bytes, the tenant and local certificates already read,
//     and "now";
//   - a tenant may be missing: then the Result's warnings say what could
//     not be checked, and nothing is reported as registered or not;
//   - client secrets, passwords, refresh tokens and authorization codes in
//     a request are dropped as it is read (package evidence), and no
//     finding, warning or error quotes an assertion or a token: only the
//     values of their header parameters and claims;
//   - bad evidence is a finding (a malformed assertion is
//     assertion-malformed), and only evidence with nothing in it to
//     diagnose is an error; never a panic.
package doctor
