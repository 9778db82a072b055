package audit

// Inventory is what is deployed, as the user described it: local
// certificate files (--certs), the mapping of apps to the certificate or
// thumbprint each one signs with (--deployed), and the Azure Key Vaults
// workloads load their certificates from (--keyvault). Package
// audit/localfiles reads the files, package keyvault the vaults.
type Inventory struct {
	Certs       []LocalCert  `json:"-"`
	Deployments []Deployment `json:"-"`
	// Vaults are the Key Vaults read (keyvault.go); each says whether it
	// was read whole.
	Vaults []Vault `json:"-"`
	// Warnings are problems in the input that do not stop the audit (for
	// example a mapping row naming an app the tenant does not have); Run
	// carries them into the Result.
	Warnings []string `json:"-"`
}

// LocalCert is one certificate found in a local file.
type LocalCert struct {
	// Source is where it was read: the path, with "#N" for the Nth
	// certificate of a file that holds several.
	Source string
	Path   string
	Cert   *Certificate
	// Chain is true for the CA certificates that came along in a PFX or a
	// PEM bundle: they are never what a client signs with.
	Chain bool
	// HasKey is true when the file also held a private key for this
	// certificate, or a key that was meant for it and does not match
	// (then KeyMismatch says why).
	HasKey      bool
	KeyMismatch string
}

// Deployment is one row of the deployed mapping: app App signs its client
// assertions with the certificate Thumbprints name.
type Deployment struct {
	// App is an appId or an app's exact display name, as written.
	App string
	// Source is the mapping file and line ("deployed.csv:4").
	Source string
	// Thumbprints of the certificate the deployment signs with.
	Thumbprints Thumbprints
	// ThumbprintEncoding is how the thumbprint column was written (empty
	// for rows that name a cert file).
	ThumbprintEncoding ThumbprintEncoding
	// CertPath is the certificate file the row names, resolved against the
	// mapping file's folder; empty for thumbprint rows.
	CertPath string
	// Cert is the deployed certificate when known: from CertPath, or a
	// --certs file with the same thumbprint.
	Cert *LocalCert
	// KeyVault is the vault certificate the row names (its keyvault
	// column), nil for other rows: the deployment loads that certificate
	// by name, so it signs with the version current in the vault
	// (ResolveVaultRef, VaultCertificate.Current).
	KeyVault *VaultRef
}
