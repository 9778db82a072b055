#!/bin/sh
# Makes the PFX fixtures of the audit/inventory tests, so that machines
# without openssl still test PFX decoding. Run it from this folder:
#
#   sh gen-pfx.sh
#
# The fixtures hold a CA (CN=appaudit fixture CA) and a leaf it issued
# (CN=appaudit fixture app), with the password "appaudit-fixture" unless
# named otherwise. Their dates are irrelevant: the tests read structure,
# keys and thumbprints, never validity. leaf.pem and ca.pem are the public
# certificates the tests compare thumbprints with; the private keys are
# made in a temporary folder and deleted, and live on only inside the PFX
# files.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pw=appaudit-fixture

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" -out ca.pem \
	-days 3650 -subj "/CN=appaudit fixture CA" \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$tmp/leaf.key" -out "$tmp/leaf.csr" \
	-subj "/CN=appaudit fixture app" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' >"$tmp/ext"
openssl x509 -req -in "$tmp/leaf.csr" -CA ca.pem -CAkey "$tmp/ca.key" -CAcreateserial \
	-CAserial "$tmp/ca.srl" -days 3650 -extfile "$tmp/ext" -out leaf.pem 2>/dev/null

# OpenSSL 3 defaults: PBES2 with PBKDF2-HMAC-SHA-256 and AES-256-CBC, MAC HMAC-SHA-256.
openssl pkcs12 -export -in leaf.pem -inkey "$tmp/leaf.key" -out openssl-default.pfx -passout "pass:$pw"
# The legacy algorithms (RC2-40 for certificates, 3DES for the key, MAC SHA-1).
openssl pkcs12 -export -legacy -in leaf.pem -inkey "$tmp/leaf.key" -out openssl-legacy.pfx -passout "pass:$pw"
# With the CA chain.
openssl pkcs12 -export -in leaf.pem -inkey "$tmp/leaf.key" -certfile ca.pem -out openssl-chain.pfx -passout "pass:$pw"
# Certificates only (a trust store as openssl writes it).
openssl pkcs12 -export -nokeys -in leaf.pem -certfile ca.pem -out openssl-nokeys.pfx -passout "pass:$pw"
# The empty password.
openssl pkcs12 -export -in leaf.pem -inkey "$tmp/leaf.key" -out openssl-empty-password.pfx -passout pass:

# The same leaf, encoded by go-pkcs12 (Modern2023, with the chain).
go run gen-gopkcs12.go leaf.pem "$tmp/leaf.key" ca.pem gopkcs12-modern.pfx "$pw"
rm -f ca.srl
