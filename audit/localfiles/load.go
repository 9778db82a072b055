package localfiles

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/appaudit/appaudit/audit"
)

// Load reads every cert path (a file, or a folder walked recursively) and
// the deployed mapping (deployedPath may be ""), into an Inventory. A cert
// folder that holds no certificate, or nothing at all, is a warning.
//
// In a walked folder, files named like certificates (.pem .crt .cer .der
// .pfx .p12) and keys (.key) must parse; other files are read only when
// they hold a PEM or DER certificate, and skipped otherwise (a .pem that
// holds no certificate, such as a certificate request, is skipped too), as
// are folders
// whose names start with "." (.git, and the ..data folders of Kubernetes
// secret volumes, whose files appear again through links). Symbolic links
// are followed; a folder reached twice is walked once, and a file reached
// twice is read once.
//
// A mapping row whose thumbprint names a certificate read from certPaths
// gets that certificate as Deployment.Cert.
func Load(certPaths []string, deployedPath string, opts Options) (*audit.Inventory, error) {
	r := newReader(opts)
	w := &walker{r: r, seenDirs: map[string]bool{}, seenFiles: map[string]bool{}}
	for _, p := range certPaths {
		if err := w.add(p); err != nil {
			return nil, err
		}
	}
	for _, kp := range w.keyOnly {
		if !r.consumed[filepath.Clean(kp)] {
			r.warn(fmt.Sprintf("%s: holds only a private key, and no certificate file is named after it (such as %s.crt): it was not checked",
				kp, keyBase(filepath.Base(kp))))
		}
	}

	var rows []mappingRow
	var files []*fileResult
	files = append(files, w.files...)
	if deployedPath != "" {
		var err error
		var ws []string
		rows, ws, err = readMapping(deployedPath, r.certLoader())
		if err != nil {
			return nil, err
		}
		r.warn(ws...)
		for _, row := range rows {
			if row.file != nil {
				files = append(files, row.file)
			}
		}
	}

	owners := keyOwners{}
	for _, f := range files {
		owners.add(f)
	}
	inv := &audit.Inventory{}
	for _, f := range w.files {
		inv.Certs = append(inv.Certs, owners.localCerts(f)...)
	}
	inv.Deployments = deployments(rows, owners, inv.Certs)
	inv.Warnings = r.warnings
	return inv, nil
}

// keyBase is the name of the certificate file a key file goes with, less
// its extension: the inverse of siblingKeys.
func keyBase(name string) string {
	for _, suffix := range []string{"-key.pem", ".key.pem"} {
		if strings.HasSuffix(strings.ToLower(name), suffix) {
			return name[:len(name)-len(suffix)]
		}
	}
	return strings.TrimSuffix(name, filepath.Ext(name))
}

// deployments completes the mapping rows: the certificate of cert rows,
// and, for thumbprint rows, the --certs certificate with that thumbprint.
func deployments(rows []mappingRow, owners keyOwners, certs []audit.LocalCert) []audit.Deployment {
	out := make([]audit.Deployment, 0, len(rows))
	byDigest := indexCerts(certs)
	for _, row := range rows {
		d := row.dep
		if row.file != nil {
			lc := owners.localCert(row.file, row.leaf)
			d.Cert = &lc
			d.Thumbprints = lc.Cert.Thumbprints
		} else if lc := byDigest.find(d.Thumbprints); lc != nil {
			c := *lc
			d.Cert = &c
			d.Thumbprints = d.Thumbprints.Merge(c.Cert.Thumbprints)
		}
		out = append(out, d)
	}
	return out
}

// digest is one thumbprint of a certificate.
type digest struct {
	sha256 bool
	hex    string
}

// certIndex finds local certificates by thumbprint without scanning them
// all for every mapping row: for each digest, the index of the first leaf
// and of the first chain certificate that has it.
type certIndex struct {
	certs       []audit.LocalCert
	leaf, chain map[digest]int
}

func indexCerts(certs []audit.LocalCert) certIndex {
	ix := certIndex{certs: certs, leaf: map[digest]int{}, chain: map[digest]int{}}
	for i := range certs {
		lc := &certs[i]
		if lc.Cert == nil {
			continue
		}
		m := ix.leaf
		if lc.Chain {
			m = ix.chain
		}
		for _, d := range []digest{{false, lc.Cert.Thumbprints.SHA1}, {true, lc.Cert.Thumbprints.SHA256}} {
			if _, seen := m[d]; !seen && d.hex != "" { // an unknown digest matches nothing
				m[d] = i
			}
		}
	}
	return ix
}

// find returns the certificate with thumbprints tp (some digest known on
// both sides is equal), preferring a leaf, and then the first in order.
func (ix certIndex) find(tp audit.Thumbprints) *audit.LocalCert {
	for _, m := range []map[digest]int{ix.leaf, ix.chain} {
		if i := firstWith(m, tp); i >= 0 {
			return &ix.certs[i]
		}
	}
	return nil
}

// firstWith is the lowest index m gives for a known digest of tp, or -1.
func firstWith(m map[digest]int, tp audit.Thumbprints) int {
	best := -1
	if i, ok := m[digest{false, tp.SHA1}]; ok && tp.SHA1 != "" {
		best = i
	}
	if i, ok := m[digest{true, tp.SHA256}]; ok && tp.SHA256 != "" && (best < 0 || i < best) {
		best = i
	}
	return best
}

// walker reads --certs paths.
type walker struct {
	r         *reader
	files     []*fileResult
	keyOnly   []string
	seenDirs  map[string]bool
	seenFiles map[string]bool
	// regular counts the regular files met in walked folders.
	regular int
}

// identity names a file or folder by its real path, so that one reached
// twice (through a link, or two --certs) is read once.
func identity(path string) string {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		real = path
	}
	if abs, err := filepath.Abs(real); err == nil {
		return abs
	}
	return real
}

func (w *walker) add(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fileError(path, err)
	}
	if fi.IsDir() {
		if w.seenDirs[identity(path)] {
			return nil
		}
		certs, files := len(w.files)+len(w.keyOnly), w.regular
		if err := w.walk(path); err != nil {
			return err
		}
		// A folder that gives nothing is most likely the wrong one: the
		// audit would go on as if nothing were deployed from it.
		switch {
		case w.regular == files:
			w.r.warn(fmt.Sprintf("%s: no file in the folder: no local certificate was read from it", path))
		case len(w.files)+len(w.keyOnly) == certs:
			n, what := w.regular-files, "files"
			if n == 1 {
				what = "file"
			}
			w.r.warn(fmt.Sprintf("%s: no certificate in the folder (%d %s, none a PEM, DER or PFX certificate): no local certificate was read from it", path, n, what))
		}
		return nil
	}
	id := identity(path)
	if w.seenFiles[id] {
		return nil
	}
	w.seenFiles[id] = true
	f, err := w.r.readExplicit(path)
	if err != nil {
		return err
	}
	w.files = append(w.files, f)
	return nil
}

func (w *walker) walk(dir string) error {
	id := identity(dir)
	if w.seenDirs[id] {
		return nil
	}
	w.seenDirs[id] = true
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fileError(dir, err)
	}
	for _, de := range ents {
		p := filepath.Join(dir, de.Name())
		fi, err := os.Stat(p) // follows links
		if err != nil {
			if de.Type()&os.ModeSymlink != 0 {
				w.r.warn(fmt.Sprintf("%s: a symbolic link to nothing; skipped", p))
				continue
			}
			return fileError(p, err)
		}
		switch {
		case fi.IsDir():
			if strings.HasPrefix(de.Name(), ".") {
				continue
			}
			if err := w.walk(p); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			w.regular++
			if err := w.walkFile(p, fi); err != nil {
				return err
			}
		}
	}
	return nil
}

// walkFile reads one file met in a walked folder.
func (w *walker) walkFile(path string, fi os.FileInfo) error {
	id := identity(path)
	if w.seenFiles[id] {
		return nil
	}
	w.seenFiles[id] = true
	named := hasExt(path, certExts) || hasExt(path, keyExts)
	var b *bundle
	if named {
		var err error
		if b, err = w.r.parseFile(path); err != nil {
			return err
		}
	} else {
		if fi.Size() == 0 || fi.Size() > MaxCertFileSize {
			return nil
		}
		data, err := readLimited(path, MaxCertFileSize, "certificate file")
		if err != nil {
			return err
		}
		if !sniffCert(data) {
			return nil
		}
		// Parse the bytes just sniffed rather than read the file again.
		if b, err = w.r.parseData(path, data); err != nil {
			return err
		}
	}
	f, b, err := w.r.certFile(path, b)
	if err != nil {
		return err
	}
	if f != nil {
		w.files = append(w.files, f)
		return nil
	}
	if len(b.keys) > 0 {
		w.keyOnly = append(w.keyOnly, path)
		return nil
	}
	if named && !hasExt(path, []string{".pem"}) {
		// A .pem may hold anything PEM (a CSR, a public key, DH
		// parameters); a .crt or .pfx without a certificate is broken.
		return noCertError(b)
	}
	return nil
}

// sniffCert reports whether a file of any name holds a certificate.
func sniffCert(data []byte) bool {
	if bytes.Contains(data, []byte("-----BEGIN CERTIFICATE-----")) || bytes.Contains(data, []byte("-----BEGIN X509 CERTIFICATE-----")) || bytes.Contains(data, []byte("-----BEGIN TRUSTED CERTIFICATE-----")) {
		return true
	}
	certs, err := x509.ParseCertificates(data)
	return err == nil && len(certs) > 0
}
