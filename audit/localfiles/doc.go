// Package localfiles reads what is deployed, for appaudit to hold against the
// tenant: local certificate files (scan --certs) and the mapping of apps to
// the certificate each one signs with (scan --deployed), into an
// audit.Inventory.
//
// Certificate files are PEM (one or many blocks), DER, or PFX/PKCS #12 (the
// AES-256 files OpenSSL 3 and current Windows write, the legacy RC2/3DES
// ones, with or without a private key or CA chain). A private key found
// with a certificate (in the same PEM or PFX, or in a key file named after
// it: app.crt with app.key, app-key.pem or app.key.pem) is checked against
// the certificate's public key; a key that belongs to another certificate is
// reported in LocalCert.KeyMismatch. An encrypted PEM private key cannot be
// checked: the certificate is marked as having a key, and a warning says it
// was not checked (ReadPair and ReadKeyPair, which need the key, refuse it).
//
// The deployed mapping is CSV with a header row or YAML, one entry per
// deployment: app (an appId or exact display name), and one of thumbprint
// (in any rendering audit.ParseThumbprint reads), cert (a certificate file,
// relative to the mapping file's folder) or keyvault (a Key Vault
// certificate the deployment loads by name, VAULT/CERTIFICATE or its ID,
// read by audit.ParseVaultRef into Deployment.KeyVault and resolved
// against the vaults read).
//
// A suppression file (scan --ignore, LoadSuppressions) is YAML too: a list
// of accepted findings by check, app and/or keyId, each with a reason and
// an expiry date, read into audit.Suppression entries.
//
// The contract of this package:
//   - it reads only the files and folders it is given (and the key file
//     named after a certificate), never the network;
//   - it never keeps a private key beyond checking it against its
//     certificate: audit types carry no private key, and only ReadKeyPair,
//     whose caller asks for the key, returns one;
//   - it never prints: problems that do not stop reading are returned as
//     warnings, everything else as an *Error naming the file (and line);
//   - no error or warning ever contains the PFX password or key material;
//   - bad input is an error, never a panic and never a silently partial
//     result: a file it cannot read is an error naming it, and a file it
//     skips in a walked folder is one that holds no certificate.
package localfiles
