package localfiles

import (
	"encoding/base64"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
)

// renderings are the ways people write the leaf's thumbprint.
func renderings() []struct {
	name, text string
	enc        audit.ThumbprintEncoding
	sha256     bool
} {
	tp := certs().leaf.Thumbprints()
	sha1, _ := hex.DecodeString(tp.SHA1)
	var pairs []string
	for i := 0; i < len(tp.SHA1); i += 2 {
		pairs = append(pairs, tp.SHA1[i:i+2])
	}
	return []struct {
		name, text string
		enc        audit.ThumbprintEncoding
		sha256     bool
	}{
		{"upper-case hex", tp.SHA1, audit.EncodingHex, false},
		{"lower-case hex", strings.ToLower(tp.SHA1), audit.EncodingHex, false},
		{"hex with spaces", strings.ToLower(strings.Join(pairs, " ")), audit.EncodingHex, false},
		{"hex with colons", strings.Join(pairs, ":"), audit.EncodingHex, false},
		{"copied from the Windows dialog", "\u200e" + strings.ToLower(strings.Join(pairs, " ")), audit.EncodingHex, false},
		{"SHA-256 hex", tp.SHA256, audit.EncodingHex, true},
		{"x5t", tp.X5t(), audit.EncodingBase64URL, false},
		{"x5t#S256", tp.X5tS256(), audit.EncodingBase64URL, true},
		{"standard base64", base64.StdEncoding.EncodeToString(sha1), audit.EncodingBase64, false},
		{"base64 of the hex text", base64.StdEncoding.EncodeToString([]byte(tp.SHA1)), audit.EncodingBase64OfHex, false},
	}
}

func TestReadDeployedThumbprints(t *testing.T) {
	want := certs().leaf.Thumbprints()
	for _, r := range renderings() {
		t.Run(r.name, func(t *testing.T) {
			for _, format := range []string{"csv", "yaml"} {
				dir := t.TempDir()
				var path string
				if format == "csv" {
					path = write(t, dir, "deployed.csv", []byte("app,thumbprint\n\n11111111-2222-3333-4444-555555555555,\""+r.text+"\"\n"))
				} else {
					path = write(t, dir, "deployed.yaml", []byte("# deployed\n\n- app: 11111111-2222-3333-4444-555555555555\n  thumbprint: \""+r.text+"\"\n"))
				}
				deps, warnings, err := ReadDeployed(path)
				if err != nil {
					t.Fatalf("%s: %v", format, err)
				}
				if len(deps) != 1 || len(warnings) != 0 {
					t.Fatalf("%s: got %+v, warnings %q", format, deps, warnings)
				}
				d := deps[0]
				if d.Source != path+":3" || d.App != "11111111-2222-3333-4444-555555555555" || d.ThumbprintEncoding != r.enc {
					t.Errorf("%s: got Source %q App %q encoding %q, want line 3 and %q", format, d.Source, d.App, d.ThumbprintEncoding, r.enc)
				}
				wantTP := audit.Thumbprints{SHA1: want.SHA1}
				if r.sha256 {
					wantTP = audit.Thumbprints{SHA256: want.SHA256}
				}
				if d.Thumbprints != wantTP || d.Cert != nil || d.CertPath != "" {
					t.Errorf("%s: got %+v, want thumbprints %+v", format, d, wantTP)
				}
			}
		})
	}
}

func TestReadDeployedCSV(t *testing.T) {
	c := certs()
	dir := t.TempDir()
	write(t, dir, "certs/app.pem", c.leaf.CertPEM(), c.inter.CertPEM(), keyPEM(t, c.leaf.Key, "pkcs8"))
	write(t, dir, "certs/wrong.crt", c.ec.CertPEM())
	write(t, dir, "certs/wrong.key", keyPEM(t, c.other.Key, "pkcs8"))
	abs := write(t, t.TempDir(), "abs.cer", c.other.DER)
	tp := c.other.Thumbprints()
	csv := "\ufeff Owner , App ,CERT, Thumbprint ,Notes\r\n" + // BOM, CRLF, any order and case
		"ops,\"Contoso Payroll, prod\",certs/app.pem,,\"rotated in May, \"\"early\"\"\"\r\n" + // line 2
		"\r\n" + // a blank line
		",,,,\r\n" + // a blank row
		"ops,  22222222-0000-0000-0000-000000000000  ,,\"" + tp.SHA1 + "\",\"two\r\nlines\"\r\n" + // line 5, notes over two lines
		"ops,Billing,certs/wrong.crt,,\r\n" + // line 7
		"ops,Abs," + abs + ",,\r\n" + // line 8
		"ops,Payroll again,./certs/../certs/app.pem,,\r\n" // line 9, the same file again
	path := write(t, dir, "deployed.csv", []byte(csv))
	deps, warnings, err := ReadDeployed(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings %q", warnings)
	}
	if len(deps) != 5 {
		t.Fatalf("got %d deployments: %+v", len(deps), deps)
	}
	appPEM := filepath.Join(dir, "certs", "app.pem")
	for i, w := range []struct {
		app, line, certPath string
		thumbs              audit.Thumbprints
		mismatch            string
	}{
		{"Contoso Payroll, prod", "2", appPEM, c.leaf.Thumbprints(), ""},
		{"22222222-0000-0000-0000-000000000000", "5", "", audit.Thumbprints{SHA1: tp.SHA1}, ""},
		// wrong.key is abs.cer's key, read for another row.
		{"Billing", "7", filepath.Join(dir, "certs", "wrong.crt"), c.ec.Thumbprints(), "the private key in " + filepath.Join(dir, "certs", "wrong.key") + " belongs to another certificate (CN=other, " + abs + ")"},
		{"Abs", "8", abs, c.other.Thumbprints(), ""},
		{"Payroll again", "9", appPEM, c.leaf.Thumbprints(), ""},
	} {
		d := deps[i]
		if d.App != w.app || d.Source != path+":"+w.line || d.CertPath != w.certPath || d.Thumbprints != w.thumbs {
			t.Errorf("row %d: got %+v\nwant app %q line %s cert %q thumbprints %+v", i, d, w.app, w.line, w.certPath, w.thumbs)
			continue
		}
		if w.certPath == "" {
			if d.Cert != nil {
				t.Errorf("row %d: a thumbprint row got a certificate without --certs", i)
			}
			continue
		}
		if d.Cert == nil || d.Cert.Chain || d.Cert.Cert.Thumbprints != w.thumbs || d.Cert.Path != w.certPath {
			t.Errorf("row %d: Cert %+v, want the leaf of %s", i, d.Cert, w.certPath)
			continue
		}
		if (w.mismatch == "") != (d.Cert.KeyMismatch == "") || !strings.Contains(d.Cert.KeyMismatch, w.mismatch) {
			t.Errorf("row %d: KeyMismatch %q, want %q", i, d.Cert.KeyMismatch, w.mismatch)
		}
	}
	if !deps[0].Cert.HasKey {
		t.Errorf("the certificate with its key in the same PEM: HasKey is false")
	}
}

func TestReadDeployedYAML(t *testing.T) {
	c := certs()
	dir := t.TempDir()
	write(t, dir, "certs/app.crt", c.leaf.CertPEM())
	write(t, dir, "certs/app.key", keyPEM(t, c.leaf.Key, "pkcs1"))
	yml := `# what runs where
- app: Contoso Payroll
  cert: certs/app.crt
  owner: payroll team
- &base
  app: 1234
  thumbprint: 1234567890123456789012345678901234567890
  team: finance

-
- App: "Display: with colon"
  Thumbprint: ` + c.leaf.Thumbprints().X5tS256() + `
`
	for _, name := range []string{"deployed.yaml", "deployed.yml", "deployed"} {
		t.Run(name, func(t *testing.T) {
			path := write(t, dir, name, []byte(yml))
			deps, warnings, err := ReadDeployed(path)
			if err != nil {
				t.Fatal(err)
			}
			checkWarnings(t, warnings, []string{path + `:8: unknown key "team" ignored (the keys are app, thumbprint, cert and keyvault)`})
			if len(deps) != 3 {
				t.Fatalf("got %d deployments: %+v", len(deps), deps)
			}
			if d := deps[0]; d.App != "Contoso Payroll" || d.Source != path+":2" || d.Cert == nil || !d.Cert.HasKey || d.Cert.KeyMismatch != "" ||
				d.Thumbprints != c.leaf.Thumbprints() || d.CertPath != filepath.Join(dir, "certs", "app.crt") {
				t.Errorf("cert entry: got %+v", d)
			}
			// A thumbprint of digits only stays text, never a number.
			if d := deps[1]; d.App != "1234" || d.Source != path+":5" || d.Thumbprints.SHA1 != "1234567890123456789012345678901234567890" {
				t.Errorf("digits entry: got %+v", d)
			}
			if d := deps[2]; d.App != "Display: with colon" || d.Source != path+":11" || d.Thumbprints.SHA256 != c.leaf.Thumbprints().SHA256 || d.ThumbprintEncoding != audit.EncodingBase64URL {
				t.Errorf("third entry: got %+v", d)
			}
		})
	}
	t.Run("aliases", func(t *testing.T) {
		path := write(t, dir, "alias.yaml", []byte("- &a\n  app: one\n  thumbprint: "+c.leaf.Thumbprints().SHA1+"\n- *a\n"))
		deps, _, err := ReadDeployed(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(deps) != 2 || deps[1].App != "one" {
			t.Errorf("got %+v", deps)
		}
	})
}

func TestReadDeployedEmpty(t *testing.T) {
	for _, tt := range []struct{ name, data string }{
		{"deployed.csv", ""},
		{"deployed.csv", "app,thumbprint\n\n"},
		{"deployed.yaml", ""},
		{"deployed.yaml", "# nothing yet\n"},
		{"deployed.yaml", "[]\n"},
	} {
		path := write(t, t.TempDir(), tt.name, []byte(tt.data))
		deps, warnings, err := ReadDeployed(path)
		if err != nil {
			t.Errorf("%s %q: %v", tt.name, tt.data, err)
			continue
		}
		if len(deps) != 0 {
			t.Errorf("%s %q: got %+v", tt.name, tt.data, deps)
		}
		checkWarnings(t, warnings, []string{path + ": the deployed mapping holds no entries"})
	}
}

func TestReadDeployedErrors(t *testing.T) {
	c := certs()
	good := c.leaf.Thumbprints().SHA1
	for _, tt := range []struct {
		name, file, data string
		line             int // the line the error must name; 0 for none
		parts            []string
	}{
		{name: "no app column", file: "d.csv", data: "\nappid,thumbprint\nx," + good + "\n", line: 2,
			parts: []string{"no app column in the header (it has: appid, thumbprint)", "app,thumbprint,cert"}},
		{name: "no thumbprint or cert column", file: "d.csv", data: "app,owner\nx,y\n", line: 1, parts: []string{"no thumbprint, cert or keyvault column"}},
		{name: "a column twice", file: "d.csv", data: "app,App,thumbprint\n", line: 1, parts: []string{`names the column "app" twice`}},
		{name: "neither thumbprint nor cert", file: "d.csv", data: "app,thumbprint,cert\na," + good + ",\nb,,\n", line: 3,
			parts: []string{`"b" has neither a thumbprint nor a cert`, "each entry needs app"}},
		{name: "both thumbprint and cert", file: "d.csv", data: "app,thumbprint,cert\na," + good + ",app.pem\n", line: 2,
			parts: []string{`"a" has both a thumbprint and a cert`, "keep one"}},
		{name: "empty app", file: "d.csv", data: "app,thumbprint\n," + good + "\n", line: 2, parts: []string{"app is empty"}},
		{name: "bad thumbprint", file: "d.csv", data: "app,thumbprint\na,\"" + good + "\"\nb,ABCDEF!\n", line: 3,
			parts: []string{"thumbprint: not a certificate thumbprint", "is neither 40 or 64 hex digits nor a base64 x5t value", "as the portal shows it"}},
		{name: "thumbprint of the wrong length", file: "d.csv", data: "app,thumbprint\nb," + base64.RawURLEncoding.EncodeToString(make([]byte, 16)) + "\n", line: 2,
			parts: []string{"decodes to 16 bytes"}},
		{name: "missing cert file", file: "d.csv", data: "app,cert\na,certs/none.pem\n", line: 2,
			parts: []string{"cert: DIR/certs/none.pem: no such file or folder"}},
		{name: "cert file without a certificate", file: "d.csv", data: "app,cert\na,k.key\n", line: 2,
			parts: []string{"cert: DIR/k.key: holds a private key but no certificate"}},
		{name: "cert file with two leaves", file: "d.csv", data: "app,cert\na,two.pem\n", line: 2,
			parts: []string{"cert: DIR/two.pem: holds 2 certificates that could each be the one in use (CN=app; CN=other)", "name a file that holds one"}},
		{name: "bare quote", file: "d.csv", data: "app,thumbprint\na,x\nb\"c," + good + "\n", line: 3, parts: []string{"malformed CSV", "bare \" in non-quoted-field", "quote fields"}},
		{name: "unterminated quote", file: "d.csv", data: "app,thumbprint\n\"a," + good + "\n", line: 2, parts: []string{"malformed CSV"}},
		{name: "malformed YAML", file: "d.yaml", data: "- app: a\n  thumbprint: " + good + "\n - app: b\n", line: 2, parts: []string{"malformed YAML", "did not find expected '-' indicator"}},
		{name: "YAML not a list", file: "d.yaml", data: "app: a\nthumbprint: " + good + "\n", line: 1, parts: []string{"the YAML mapping must be a list of entries"}},
		{name: "YAML entry not a mapping", file: "d.yml", data: "- app: a\n  thumbprint: " + good + "\n- just text\n", line: 3, parts: []string{"an entry must be a mapping"}},
		{name: "YAML value a list", file: "d.yml", data: "- app: a\n  thumbprint:\n    - " + good + "\n", line: 3, parts: []string{"thumbprint must be a single value"}},
		{name: "YAML key twice", file: "d.yml", data: "- app: a\n  thumbprint: " + good + "\n  App: b\n", line: 3, parts: []string{`the key "app" appears twice`}},
		{name: "YAML entry without app", file: "d.yml", data: "- thumbprint: " + good + "\n", line: 1, parts: []string{"app is empty"}},
		{name: "YAML entry with neither", file: "d.yml", data: "\n\n- app: a\n  owner: me\n", line: 3, parts: []string{`"a" has neither a thumbprint nor a cert`}},
		{name: "YAML documents", file: "d.yml", data: "- app: a\n  thumbprint: " + good + "\n---\n- app: b\n", line: 3, parts: []string{"more than one YAML document"}},
		{name: "YAML bad thumbprint", file: "d.yaml", data: "- app: a\n  thumbprint: " + good + "\n- app: b\n  thumbprint: nope\n", line: 3, parts: []string{"thumbprint: not a certificate thumbprint"}},
		{name: "sniffed CSV", file: "deployed.txt", data: "app,thumbprint\na,zz\n", line: 2, parts: []string{"thumbprint: not a certificate thumbprint"}},
		{name: "keyvault and thumbprint", file: "d.csv", data: "app,thumbprint,keyvault\na," + good + ",kv-prod/payroll\n", line: 2,
			parts: []string{`"a" has a keyvault certificate and also a thumbprint or cert`, "keep one"}},
		{name: "bad keyvault reference", file: "d.csv", data: "app,keyvault\na,kv-prod\n", line: 2,
			parts: []string{`keyvault: "kv-prod" names no certificate: write VAULT/CERTIFICATE`}},
		{name: "YAML keyvault URL of a secret", file: "d.yaml", data: "- app: a\n  keyvault: https://kv-prod.vault.azure.net/secrets/payroll\n", line: 1,
			parts: []string{"keyvault: ", "is not a certificate's ID"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "k.key", keyPEM(t, c.leaf.Key, "pkcs8"))
			write(t, dir, "two.pem", c.leaf.CertPEM(), c.other.CertPEM())
			path := write(t, dir, tt.file, []byte(tt.data))
			_, _, err := ReadDeployed(path)
			loc := "localfiles: " + path
			if tt.line > 0 {
				loc += ":" + itoa(tt.line) + ": "
			}
			parts := []string{loc}
			for _, p := range tt.parts {
				parts = append(parts, strings.ReplaceAll(p, "DIR", dir))
			}
			wantErr(t, err, parts...)
		})
	}
	t.Run("no such mapping", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "deployed.csv")
		_, _, err := ReadDeployed(path)
		wantErr(t, err, "localfiles: "+path+": no such file or folder")
	})
}

func TestLoadMatchesThumbprintRows(t *testing.T) {
	c := certs()
	dir := t.TempDir()
	certDir := filepath.Join(dir, "certs")
	write(t, certDir, "bundle.pem", c.inter.CertPEM(), c.leaf.CertPEM())
	write(t, certDir, "bundle.key", keyPEM(t, c.other.Key, "pkcs8"))
	write(t, certDir, "ec.pem", c.ec.CertPEM())
	write(t, certDir, "ec.key", keyPEM(t, c.ec.Key, "sec1"))
	mapping := write(t, dir, "deployed.csv", []byte("app,thumbprint\n"+
		"payroll,"+c.leaf.Thumbprints().SHA1+"\n"+
		"billing,"+c.ec.Thumbprints().X5tS256()+"\n"+
		"elsewhere,"+c.ed.Thumbprints().SHA1+"\n"))
	inv, err := Load([]string{certDir}, mapping, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Certs) != 3 || len(inv.Deployments) != 3 {
		t.Fatalf("got %d certificates and %d deployments", len(inv.Certs), len(inv.Deployments))
	}
	payroll, billing, elsewhere := inv.Deployments[0], inv.Deployments[1], inv.Deployments[2]
	if payroll.Cert == nil || payroll.Cert.Source != filepath.Join(certDir, "bundle.pem")+"#2" || payroll.Cert.KeyMismatch == "" {
		t.Errorf("payroll: Cert %+v, want bundle.pem#2 with its wrong key", payroll.Cert)
	}
	if billing.Cert == nil || billing.Cert.Cert.Thumbprints != c.ec.Thumbprints() || !billing.Cert.HasKey ||
		billing.Thumbprints != c.ec.Thumbprints() { // the SHA-1 filled in from the file
		t.Errorf("billing: got %+v, Cert %+v", billing, billing.Cert)
	}
	if elsewhere.Cert != nil {
		t.Errorf("elsewhere: Cert %+v, want none: no file has that thumbprint", elsewhere.Cert)
	}
}

func TestLoadDeployedWarnings(t *testing.T) {
	c := certs()
	dir := t.TempDir()
	write(t, dir, "app.crt", c.leaf.CertPEM())
	write(t, dir, "app.key", pemBlock("ENCRYPTED PRIVATE KEY", []byte{0x30, 0}))
	mapping := write(t, dir, "deployed.yaml", []byte("- app: a\n  cert: app.crt\n  colour: blue\n"))
	inv, err := Load(nil, mapping, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkWarnings(t, inv.Warnings, []string{
		filepath.Join(dir, "app.crt") + ": the private key in " + filepath.Join(dir, "app.key") + " is encrypted, so it was not checked",
		mapping + `:3: unknown key "colour" ignored`,
	})
	if d := inv.Deployments[0]; d.Cert == nil || !d.Cert.HasKey || d.Cert.KeyMismatch != "" {
		t.Errorf("got %+v", d.Cert)
	}
}

func TestLoadPFXPasswordInMapping(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "app.pfx", mustPFX(t, "pfx-pass"))
	mapping := write(t, dir, "deployed.csv", []byte("app,cert\na,app.pfx\n"))
	if _, err := Load(nil, mapping, Options{PFXPassword: "pfx-pass"}); err != nil {
		t.Fatal(err)
	}
	_, err := Load(nil, mapping, Options{PFXPassword: "other", PFXPasswordVar: "APPAUDIT_PFX_PASSWORD"})
	wantErr(t, err, "localfiles: "+mapping+":2: cert: "+filepath.Join(dir, "app.pfx")+": wrong PFX password (set APPAUDIT_PFX_PASSWORD to the file's password)")
}

// A certificate file in --certs and in the mapping is paired twice, and
// its warning is given once.
func TestLoadWarnsOncePerFile(t *testing.T) {
	c := certs()
	dir := t.TempDir()
	crt := write(t, dir, "app.crt", c.leaf.CertPEM())
	write(t, dir, "app.key", pemBlock("ENCRYPTED PRIVATE KEY", []byte{0x30, 0}))
	mapping := write(t, dir, "deployed.csv", []byte("app,cert\na,app.crt\n"))
	inv, err := Load([]string{crt}, mapping, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkWarnings(t, inv.Warnings, []string{
		crt + ": the private key in " + filepath.Join(dir, "app.key") + " is encrypted, so it was not checked",
	})
}

// The keyvault column names the vault certificate a deployment loads by
// name: VAULT/CERTIFICATE, or the certificate's ID.
func TestReadDeployedKeyVault(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ file, line, data string }{
		{"deployed.csv", ":2", "app,thumbprint,keyvault,owner\nPayroll,,kv-prod/payroll,team\n00000000-0000-4000-a000-000000000003,,https://kv-gov.vault.usgovcloudapi.net/certificates/billing/0a1b,\n"},
		{"deployed.yaml", ":1", "- app: Payroll\n  keyvault: kv-prod/payroll\n- app: 00000000-0000-4000-a000-000000000003\n  keyvault: https://kv-gov.vault.usgovcloudapi.net/certificates/billing/0a1b\n"},
	} {
		path := write(t, dir, tc.file, []byte(tc.data))
		deps, warnings, err := ReadDeployed(path)
		if err != nil || len(warnings) != 0 || len(deps) != 2 {
			t.Fatalf("%s: %v %v %+v", tc.file, err, warnings, deps)
		}
		want := []audit.VaultRef{{Vault: "kv-prod", Certificate: "payroll"},
			{Vault: "kv-gov", Host: "kv-gov.vault.usgovcloudapi.net", Certificate: "billing", Version: "0a1b"}}
		for i, d := range deps {
			if d.KeyVault == nil || *d.KeyVault != want[i] || d.Thumbprints.Known() || d.Cert != nil {
				t.Errorf("%s row %d: %+v", tc.file, i, d)
			}
		}
		if deps[0].Source != path+tc.line {
			t.Errorf("source %q", deps[0].Source)
		}
	}
}
