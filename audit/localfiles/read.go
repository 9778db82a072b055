package localfiles

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/appaudit/appaudit/audit"
)

// Options are what reading certificate files needs besides the files. One
// password serves every PFX file; a file it does not open is tried with the
// empty password too, since folders often mix protected and unprotected
// files.
type Options struct {
	PFXPassword    string // the password of PFX files; never printed anywhere
	PFXPasswordVar string // the environment variable it came from, for hints ("set APPAUDIT_PFX_PASSWORD")
	// Warn, when set, receives the problems ReadFile, ReadPair and
	// ReadKeyPair meet that do not stop them (an encrypted key that could
	// not be checked, a key that belongs to no certificate). Load collects
	// them in Inventory.Warnings instead.
	Warn func(warning string)
}

// The largest files read: certificate files are a few kilobytes, a
// mapping file a line per deployment and a suppression file a few lines
// per accepted risk. Anything bigger is refused, not read.
const (
	MaxCertFileSize        = 16 << 20
	MaxMappingFileSize     = 64 << 20
	MaxSuppressionFileSize = 16 << 20
)

// readLimited reads a regular file of at most limit bytes.
func readLimited(path string, limit int64, what string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	if fi.IsDir() {
		return nil, errorf(path, 0, "", "is a folder, not a %s", what)
	}
	if !fi.Mode().IsRegular() {
		return nil, errorf(path, 0, "", "is not a regular file")
	}
	if fi.Size() > limit {
		return nil, tooBig(path, limit, what)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fileError(path, err)
	}
	if int64(len(data)) > limit {
		return nil, tooBig(path, limit, what)
	}
	return data, nil
}

func tooBig(path string, limit int64, what string) *Error {
	hint := "point appaudit at the certificate files themselves, not at an archive or a backup"
	if what != "certificate file" {
		hint = "is it the right file?"
	}
	return errorf(path, 0, hint, "larger than the %d MiB a %s may be", limit>>20, what)
}

// reader reads certificate files for one call of the exported functions,
// collecting warnings.
type reader struct {
	opts     Options
	warnings []string
	// warned holds every warning given in this run: a file met twice (in
	// --certs and in the mapping) is paired twice, and says so once.
	warned map[string]bool
	// consumed holds the key files read as the key of a certificate file.
	consumed map[string]bool
	// parsed holds the files parsed so far, by cleaned path, so that a
	// file met several times (a walked key file that is also the key of a
	// certificate beside it, a file both in --certs and in the mapping) is
	// read and decoded once.
	parsed map[string]parsedFile
}

// parsedFile is a file parsed by reader.parseData, under the path it was
// first given as.
type parsedFile struct {
	path string
	b    *bundle
}

func newReader(opts Options) *reader {
	return &reader{opts: opts, consumed: map[string]bool{}, parsed: map[string]parsedFile{}}
}

func (r *reader) warn(ws ...string) {
	for _, w := range ws {
		if r.warned[w] {
			continue
		}
		if r.warned == nil {
			r.warned = make(map[string]bool)
		}
		r.warned[w] = true
		r.warnings = append(r.warnings, w)
	}
}

// flush hands the warnings to Options.Warn.
func (r *reader) flush() {
	if r.opts.Warn != nil {
		for _, w := range r.warnings {
			r.opts.Warn(w)
		}
	}
	r.warnings = nil
}

// parseFile reads and parses one file, once per reader.
func (r *reader) parseFile(path string) (*bundle, error) {
	if b, ok := r.parsedAs(path); ok {
		return b, nil
	}
	data, err := readLimited(path, MaxCertFileSize, "certificate file")
	if err != nil {
		return nil, err
	}
	return r.parseData(path, data)
}

// parseData parses the bytes read from path, and remembers the result.
// Errors are not remembered: every one stops the reading.
func (r *reader) parseData(path string, data []byte) (*bundle, error) {
	if b, ok := r.parsedAs(path); ok {
		return b, nil
	}
	b, err := parseBytes(path, data, r.opts)
	if err != nil {
		return nil, err
	}
	r.parsed[filepath.Clean(path)] = parsedFile{path: path, b: b}
	return b, nil
}

// parsedAs returns the bundle of a file parsed before, naming it path as
// parsing it under that name would (./app.key and app.key are one file, but
// messages name it as it was given). Callers must not modify the bundle.
func (r *reader) parsedAs(path string) (*bundle, bool) {
	pf, ok := r.parsed[filepath.Clean(path)]
	if !ok {
		return nil, false
	}
	if pf.path == path {
		return pf.b, true
	}
	b := *pf.b
	b.path = path
	b.keys = slices.Clone(pf.b.keys)
	for i := range b.keys {
		if b.keys[i].path == pf.path {
			b.keys[i].path = path
		}
	}
	return &b, true
}

// siblingKeys are the names of the key file that goes with a certificate
// file: app.crt → app.key, app-key.pem, app.key.pem.
func siblingKeys(certPath string) []string {
	base := strings.TrimSuffix(certPath, filepath.Ext(certPath))
	var out []string
	for _, p := range []string{base + ".key", base + "-key.pem", base + ".key.pem"} {
		if p != certPath {
			out = append(out, p)
		}
	}
	return out
}

// readCertFile reads a certificate file with the key file named after it,
// and pairs them. A file without certificates gives a nil result and the
// bundle, for the caller to decide.
func (r *reader) readCertFile(path string) (*fileResult, *bundle, error) {
	b, err := r.parseFile(path)
	if err != nil {
		return nil, nil, err
	}
	return r.certFile(path, b)
}

// certFile is readCertFile for a file already parsed into b.
func (r *reader) certFile(path string, b *bundle) (*fileResult, *bundle, error) {
	if len(b.certs) == 0 {
		return nil, b, nil
	}
	keys := slices.Clip(b.keys) // b may be shared: append to a copy
	for _, kp := range siblingKeys(path) {
		if fi, err := os.Stat(kp); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		kb, err := r.parseFile(kp)
		if err != nil {
			return nil, nil, err
		}
		r.consumed[filepath.Clean(kp)] = true
		keys = append(keys, kb.keys...)
	}
	return r.pairFile(path, b.certs, keys), b, nil
}

func (r *reader) pairFile(path string, certs []*x509.Certificate, keys []parsedKey) *fileResult {
	entries, stray := pair(certs, keys)
	f := &fileResult{path: path, entries: entries}
	r.warn(encryptedWarnings(f)...)
	r.warn(strayWarnings(path, stray)...)
	return f
}

// readExplicit reads a certificate file the user named: it must hold a
// certificate.
func (r *reader) readExplicit(path string) (*fileResult, error) {
	f, b, err := r.readCertFile(path)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, noCertError(b)
	}
	return f, nil
}

// ReadFile reads every certificate in one file (PEM, DER, PFX/P12), pairing
// the private keys found in it, or in the key file named after it (app.crt
// with app.key, app-key.pem or app.key.pem), with their certificates. A file
// that holds no certificate is an error.
func ReadFile(path string, opts Options) ([]audit.LocalCert, error) {
	r := newReader(opts)
	f, err := r.readExplicit(path)
	if err != nil {
		return nil, err
	}
	defer r.flush()
	o := keyOwners{}
	o.add(f)
	return o.localCerts(f), nil
}

// readKeyFile reads the private key of a separate key file.
func (r *reader) readKeyFile(keyPath string) (parsedKey, error) {
	b, err := r.parseFile(keyPath)
	if err != nil {
		return parsedKey{}, err
	}
	switch {
	case len(b.keys) == 0:
		return parsedKey{}, errorf(keyPath, 0, "", "holds no private key")
	case len(b.keys) > 1:
		return parsedKey{}, errorf(keyPath, 0, "give a file with the one key", "holds %d private keys", len(b.keys))
	case b.keys[0].encrypted:
		return parsedKey{}, errorf(keyPath, 0,
			"export it unencrypted (openssl pkey -in KEY -out KEY.plain) or put certificate and key in a PFX, whose password appaudit reads from the environment",
			"the private key is encrypted, and appaudit reads only unencrypted PEM keys")
	}
	return b.keys[0], nil
}

// readPair reads a certificate file and pairs it with the keys of keyPath,
// or, when keyPath is "", with its own keys and those of the key file named
// after it. It returns the file and the index of its leaf.
func (r *reader) readPair(certPath, keyPath string) (*fileResult, int, error) {
	var f *fileResult
	if keyPath == "" {
		var err error
		if f, err = r.readExplicit(certPath); err != nil {
			return nil, 0, err
		}
	} else {
		b, err := r.parseFile(certPath)
		if err != nil {
			return nil, 0, err
		}
		if len(b.certs) == 0 {
			return nil, 0, noCertError(b)
		}
		k, err := r.readKeyFile(keyPath)
		if err != nil {
			return nil, 0, err
		}
		f = r.pairFile(certPath, b.certs, []parsedKey{k})
	}
	leaf, lerr := f.leaf()
	if lerr != nil {
		return nil, 0, lerr
	}
	return f, leaf, nil
}

// ReadPair reads a certificate file and checks it against a separate
// private key file, returning the leaf certificate: HasKey is true, and
// KeyMismatch says so when the key belongs to another certificate. Keys in
// the certificate file itself are not considered. An encrypted key file is
// an error: the point is to check the key.
func ReadPair(certPath, keyPath string, opts Options) (audit.LocalCert, error) {
	if keyPath == "" {
		return audit.LocalCert{}, errorf(certPath, 0, "", "no private key file given to check the certificate against")
	}
	r := newReader(opts)
	f, leaf, err := r.readPair(certPath, keyPath)
	if err != nil {
		return audit.LocalCert{}, err
	}
	defer r.flush()
	o := keyOwners{}
	o.add(f)
	return o.localCert(f, leaf), nil
}

// ReadKeyPair returns the leaf certificate of certPath and the private key
// that belongs to it, read from keyPath, or, when keyPath is "", from the
// same PEM or PFX file or the key file named after it. It is for the callers
// that must sign or verify with the key; the caller owns the key. A key that
// belongs to another certificate, an encrypted key or no key at all is an
// error.
func ReadKeyPair(certPath, keyPath string, opts Options) (*x509.Certificate, crypto.Signer, error) {
	r := newReader(opts)
	f, leaf, err := r.readPair(certPath, keyPath)
	if err != nil {
		return nil, nil, err
	}
	r.warnings = nil // every problem with the key is an error here
	e := f.entries[leaf]
	switch {
	case e.signer != nil:
		return e.cert, e.signer, nil
	case e.wrongKey != nil:
		o := keyOwners{}
		o.add(f)
		return nil, nil, errorf(certPath, 0, "give the key that was generated with this certificate", "%s", o.mismatch(e.wrongKey, e.cert))
	case e.encryptedKey != nil:
		return nil, nil, errorf(e.encryptedKey.path, 0,
			"export it unencrypted (openssl pkey -in KEY -out KEY.plain) or put certificate and key in a PFX",
			"the private key is encrypted, and appaudit reads only unencrypted PEM keys")
	}
	hint := "give the key file too, or a PFX that holds both"
	if keyPath != "" {
		hint = ""
	}
	return nil, nil, errorf(certPath, 0, hint, "%s", noKeyMsg(e.cert, keyPath))
}

func noKeyMsg(c *x509.Certificate, keyPath string) string {
	if keyPath != "" {
		return fmt.Sprintf("the private key in %s does not belong to the certificate (%s)", keyPath, describe(c))
	}
	return fmt.Sprintf("no private key found for the certificate (%s)", describe(c))
}
