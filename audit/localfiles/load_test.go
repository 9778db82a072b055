package localfiles

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"
)

func TestLoadWalk(t *testing.T) {
	c := certs()
	dir := t.TempDir()
	root := filepath.Join(dir, "certs")
	app := write(t, root, "app.crt", c.leaf.CertPEM(), c.inter.CertPEM())
	write(t, root, "app.key", keyPEM(t, c.leaf.Key, "pkcs1"))
	ec := write(t, root, "team/ec.pem", c.ec.CertPEM(), keyPEM(t, c.ec.Key, "sec1"))
	noExt := write(t, root, "team/exported-cert", c.ed.CertPEM())
	der := write(t, root, "old.cer", c.other.DER)
	write(t, root, "README.md", []byte("# certificates\nThe app's certificates live here.\n"))
	write(t, root, "notes.txt", []byte{0x00, 0x01, 0x02})
	write(t, root, "request.pem", pemBlock("CERTIFICATE REQUEST", []byte{0x30, 0x00}))
	write(t, root, ".git/objects/cert.pem", c.selfCA.CertPEM()) // hidden folders are skipped
	orphan := write(t, root, "orphan.key", keyPEM(t, c.other.Key, "pkcs8"))
	orphan2 := write(t, root, "team/lonely-key.pem", keyPEM(t, c.other.Key, "pkcs8"))
	outside := write(t, dir, "elsewhere/self.pem", c.selfCA.CertPEM())
	link := filepath.Join(root, "linked.pem")
	loop := filepath.Join(root, "team", "loop")
	broken := filepath.Join(root, "broken.pem")
	if runtime.GOOS != "windows" {
		mustSymlink(t, outside, link)
		mustSymlink(t, root, loop) // a folder that contains itself
		mustSymlink(t, filepath.Join(dir, "nothing"), broken)
	}

	inv, err := Load([]string{root}, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, lc := range inv.Certs {
		got = append(got, lc.Source)
	}
	want := []string{app + "#1", app + "#2", link, der, ec, noExt}
	if runtime.GOOS == "windows" {
		want = slices.Delete(want, 2, 3)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("read %q\nwant %q", got, want)
	}
	if lc := inv.Certs[0]; !lc.HasKey || lc.KeyMismatch != "" || lc.Chain || !inv.Certs[1].Chain {
		t.Errorf("app.crt with app.key: got %+v and %+v", lc, inv.Certs[1])
	}
	wantWarnings := []string{
		orphan + ": holds only a private key, and no certificate file is named after it (such as orphan.crt): it was not checked",
		orphan2 + ": holds only a private key, and no certificate file is named after it (such as lonely.crt)",
	}
	if runtime.GOOS != "windows" {
		wantWarnings = append([]string{broken + ": a symbolic link to nothing; skipped"}, wantWarnings...)
	}
	checkWarnings(t, inv.Warnings, wantWarnings)
}

// A --certs folder that gives no certificate is most likely the wrong
// folder: a warning says so, once however often the folder is named.
func TestLoadFolderWithoutCertificates(t *testing.T) {
	c := certs()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	hidden := filepath.Join(dir, "hidden")
	write(t, hidden, ".git/cert.pem", c.leaf.CertPEM())
	other := filepath.Join(dir, "other")
	write(t, other, "README.md", []byte("# certificates\n"))
	write(t, other, "request.pem", pemBlock("CERTIFICATE REQUEST", []byte{0x30, 0x00}))
	one := filepath.Join(dir, "one")
	write(t, one, "notes.txt", []byte("none here"))
	withCert := filepath.Join(dir, "certs")
	write(t, withCert, "app.pem", c.leaf.CertPEM())

	inv, err := Load([]string{empty, hidden, other, one, withCert, empty, other}, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		empty + ": no file in the folder: no local certificate was read from it",
		hidden + ": no file in the folder: no local certificate was read from it",
		other + ": no certificate in the folder (2 files, none a PEM, DER or PFX certificate): no local certificate was read from it",
		one + ": no certificate in the folder (1 file, none a PEM, DER or PFX certificate): no local certificate was read from it",
	}
	if !slices.Equal(inv.Warnings, want) || len(inv.Certs) != 1 {
		t.Errorf("warnings %q\nwant %q\n(%d certificates)", inv.Warnings, want, len(inv.Certs))
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func pemBlock(typ string, der []byte) []byte {
	return []byte("-----BEGIN " + typ + "-----\n" + b64(der) + "\n-----END " + typ + "-----\n")
}

func checkWarnings(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("warnings %q\nwant %d: %q", got, len(want), want)
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("warning %q\nwant it to contain %q", got[i], want[i])
		}
	}
}

func TestLoadKeyBelongsToAnotherFile(t *testing.T) {
	c := certs()
	dir := t.TempDir()
	app := write(t, dir, "app.crt", c.leaf.CertPEM())
	key := write(t, dir, "app.key", keyPEM(t, c.other.Key, "pkcs8"))
	old := write(t, dir, "old.crt", c.other.CertPEM())
	inv, err := Load([]string{dir}, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkCerts(t, inv.Certs[:1], app, []wantCert{{cert: c.leaf, hasKey: true,
		mismatch: "the private key in " + key + " belongs to another certificate (CN=other, " + old + ")"}})
	if len(inv.Warnings) != 0 {
		t.Errorf("warnings %q", inv.Warnings)
	}
}

func TestLoadDuplicates(t *testing.T) {
	c := certs()
	dir := t.TempDir()
	a := write(t, dir, "a.pem", c.leaf.CertPEM())
	b := write(t, dir, "copy/b.pem", c.leaf.CertPEM())
	// The folder and a file in it, and the same file twice: read once each.
	inv, err := Load([]string{dir, a, b}, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, lc := range inv.Certs {
		got = append(got, lc.Source)
	}
	if want := []string{a, b}; !slices.Equal(got, want) {
		t.Errorf("read %q, want %q: the same certificate in two files is kept twice, the same file once", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	c := certs()
	for _, tt := range []struct {
		name  string
		files map[string][]byte
		path  string // what --certs names, relative to the folder
		bad   string // the file the error must name
		parts []string
	}{
		{name: "broken .crt in a folder", files: map[string][]byte{"ok.pem": c.leaf.CertPEM(), "sub/broken.crt": []byte("garbage")},
			bad: "sub/broken.crt", parts: []string{"not a certificate file"}},
		{name: "truncated .pem in a folder", files: map[string][]byte{"cut.pem": c.leaf.CertPEM()[:200]},
			bad: "cut.pem", parts: []string{":1: the PEM block", "truncated"}},
		{name: "empty .cer in a folder", files: map[string][]byte{"empty.cer": nil}, bad: "empty.cer", parts: []string{"the file is empty"}},
		{name: "garbage .key in a folder", files: map[string][]byte{"app.key": []byte("nonsense")}, bad: "app.key", parts: []string{"not a certificate file"}},
		{name: "PFX with the wrong password in a folder", files: map[string][]byte{"app.pfx": mustPFX(t, "right")},
			bad: "app.pfx", parts: []string{"wrong PFX password (set APPAUDIT_PFX_PASSWORD"}},
		{name: "key file given", files: map[string][]byte{"app.key": keyPEM(t, c.leaf.Key, "pkcs8")}, path: "app.key",
			bad: "app.key", parts: []string{"holds a private key but no certificate"}},
		{name: "request given", files: map[string][]byte{"req.pem": pemBlock("CERTIFICATE REQUEST", []byte{0x30, 0})}, path: "req.pem",
			bad: "req.pem", parts: []string{"holds no certificate"}},
		{name: "no such path", path: "missing", bad: "missing", parts: []string{"no such file or folder"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tt.files {
				write(t, dir, name, data)
			}
			_, err := Load([]string{filepath.Join(dir, tt.path)}, "", Options{PFXPassword: "wrong", PFXPasswordVar: "APPAUDIT_PFX_PASSWORD"})
			wantErr(t, err, append([]string{"localfiles: " + filepath.Join(dir, tt.bad) + ":"}, tt.parts...)...)
		})
	}
	t.Run("oversized files", func(t *testing.T) {
		dir := t.TempDir()
		big := func(name string) string {
			p := filepath.Join(dir, name)
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(MaxCertFileSize + 1); err != nil {
				t.Fatal(err)
			}
			return p
		}
		big("backup.tar") // not named like a certificate: skipped unread
		if _, err := Load([]string{dir}, "", Options{}); err != nil {
			t.Fatalf("a large file not named like a certificate: %v", err)
		}
		p := big("huge.p12")
		_, err := Load([]string{dir}, "", Options{})
		wantErr(t, err, p+": larger than the 16 MiB")
	})
}

func mustPFX(t *testing.T, password string) []byte {
	c := certs()
	data, err := pkcs12.Modern2023.Encode(c.leaf.Key, c.leaf.X509, nil, password)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
