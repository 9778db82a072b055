package localfiles

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/appaudit/appaudit/audit"
)

// The keys of a mapping entry (CSV columns, YAML keys).
const (
	keyApp        = "app"
	keyThumbprint = "thumbprint"
	keyCert       = "cert"
	keyKeyVault   = "keyvault"
)

// ignoredYAMLKeys are the keys of a YAML entry read as notes for people;
// other unknown keys are warned about, as they are likely misspellings.
var ignoredYAMLKeys = map[string]bool{"owner": true, "notes": true, "note": true, "comment": true, "description": true}

const mappingHint = "each entry needs app (an appId or display name) and one of thumbprint, cert (a certificate file) or keyvault (VAULT/CERTIFICATE, a Key Vault certificate)"

// rawRow is one entry of a mapping file before it is checked.
type rawRow struct {
	line                                int
	app, thumbprint, cert, keyvault     string
	hasThumbprint, hasCert, hasKeyVault bool // the key or column is present and not empty
}

// mappingRow is one checked entry: the deployment, and for cert rows the
// certificate file it names (file, and leaf, its index in file).
type mappingRow struct {
	dep  audit.Deployment
	file *fileResult
	leaf int
}

// certLoader reads the certificate a cert row names (a resolved path),
// returning the file and the index of its leaf.
type certLoader func(path string) (*fileResult, int, error)

// certLoader reads certificate files for mapping rows, each file once.
func (r *reader) certLoader() certLoader {
	type result struct {
		f    *fileResult
		leaf int
		err  error
	}
	cache := map[string]result{}
	return func(path string) (*fileResult, int, error) {
		key := filepath.Clean(path)
		if res, ok := cache[key]; ok {
			return res.f, res.leaf, res.err
		}
		f, leaf, err := r.readPair(path, "")
		cache[key] = result{f, leaf, err}
		return f, leaf, err
	}
}

// ReadDeployed reads a CSV or YAML mapping of apps to the certificate or
// thumbprint each signs with. Certificates named by cert rows are read as
// ReadFile reads them, without a PFX password (see ReadDeployedWith).
func ReadDeployed(path string) (deployments []audit.Deployment, warnings []string, err error) {
	return ReadDeployedWith(path, Options{})
}

// ReadDeployedWith is ReadDeployed with the options certificate files are
// read with.
func ReadDeployedWith(path string, opts Options) ([]audit.Deployment, []string, error) {
	r := newReader(opts)
	rows, ws, err := readMapping(path, r.certLoader())
	if err != nil {
		return nil, nil, err
	}
	owners := keyOwners{}
	for _, row := range rows {
		if row.file != nil {
			owners.add(row.file)
		}
	}
	return deployments(rows, owners, nil), append(r.warnings, ws...), nil
}

func readMapping(path string, load certLoader) ([]mappingRow, []string, error) {
	data, err := readLimited(path, MaxMappingFileSize, "deployed mapping")
	if err != nil {
		return nil, nil, err
	}
	return parseMapping(path, data, load)
}

// parseMapping reads a mapping file's bytes: YAML for .yaml and .yml,
// CSV for .csv, and otherwise whichever the content looks like.
func parseMapping(path string, data []byte, load certLoader) ([]mappingRow, []string, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var raws []rawRow
	var warnings []string
	var err error
	if isYAML(path, data) {
		raws, warnings, err = parseYAML(path, data)
	} else {
		raws, err = parseCSV(path, data)
	}
	if err != nil {
		return nil, nil, err
	}
	if len(raws) == 0 {
		warnings = append(warnings, fmt.Sprintf("%s: the deployed mapping holds no entries", path))
	}
	rows := make([]mappingRow, 0, len(raws))
	for _, raw := range raws {
		row, err := checkRow(path, raw, load)
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, row)
	}
	return rows, warnings, nil
}

func isYAML(path string, data []byte) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return true
	case ".csv":
		return false
	}
	// Only the first line that is not blank counts: find it without
	// copying or splitting the whole file.
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		s := string(line)
		return s == "-" || s == "---" || strings.HasPrefix(s, "- ") || strings.HasPrefix(s, "#") || strings.HasPrefix(s, "[")
	}
	return false
}

// checkRow turns a raw entry into a deployment.
func checkRow(path string, raw rawRow, load certLoader) (mappingRow, error) {
	at := func(hint, format string, args ...any) *Error { return errorf(path, raw.line, hint, format, args...) }
	if raw.app == "" {
		return mappingRow{}, at(mappingHint, "app is empty")
	}
	switch {
	case !raw.hasThumbprint && !raw.hasCert && !raw.hasKeyVault:
		return mappingRow{}, at(mappingHint, "%q has neither a thumbprint nor a cert nor a keyvault certificate", raw.app)
	case raw.hasThumbprint && raw.hasCert:
		return mappingRow{}, at("keep one: the thumbprint is taken from the cert file", "%q has both a thumbprint and a cert", raw.app)
	case raw.hasKeyVault && (raw.hasThumbprint || raw.hasCert):
		return mappingRow{}, at("keep one: a deployment that loads its certificate from Key Vault signs with the vault's current version", "%q has a keyvault certificate and also a thumbprint or cert", raw.app)
	}
	row := mappingRow{dep: audit.Deployment{App: raw.app, Source: path + ":" + strconv.Itoa(raw.line)}}
	if raw.hasKeyVault {
		ref, err := audit.ParseVaultRef(raw.keyvault)
		if err != nil {
			return mappingRow{}, at("", "keyvault: %v", err).wrap(err)
		}
		row.dep.KeyVault = &ref
		return row, nil
	}
	if raw.hasThumbprint {
		p, err := audit.ParseThumbprint(raw.thumbprint)
		if err != nil {
			return mappingRow{}, at("write the SHA-1 or SHA-256 thumbprint in hex, as the portal shows it, or an x5t / x5t#S256 value",
				"thumbprint: %v", err).wrap(err)
		}
		row.dep.Thumbprints = p.Thumbprints
		row.dep.ThumbprintEncoding = p.Encoding
		return row, nil
	}
	certPath := raw.cert
	if !filepath.IsAbs(certPath) {
		certPath = filepath.Join(filepath.Dir(path), certPath)
	}
	row.dep.CertPath = certPath
	f, leaf, err := load(certPath)
	if err != nil {
		msg, hint := err.Error(), ""
		var e *Error
		if errors.As(err, &e) {
			msg, hint = e.Msg, e.Hint
			if e.Path != "" {
				msg = e.Path + locLine(e.Line) + ": " + e.Msg
			}
		}
		return mappingRow{}, at(hint, "cert: %s", msg).wrap(err)
	}
	row.file, row.leaf = f, leaf
	return row, nil
}

func locLine(line int) string {
	if line > 0 {
		return ":" + strconv.Itoa(line)
	}
	return ""
}

// parseCSV reads a CSV mapping with a header row (RFC 4180).
func parseCSV(path string, data []byte) ([]rawRow, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil
	}
	if err != nil {
		return nil, csvError(path, err)
	}
	headerLine, _ := cr.FieldPos(0)
	cols := map[string]int{}
	var names []string
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		names = append(names, h)
		if h == "" {
			continue
		}
		if _, dup := cols[h]; dup {
			return nil, errorf(path, headerLine, "", "the header names the column %q twice", h)
		}
		cols[h] = i
	}
	if _, ok := cols[keyApp]; !ok {
		return nil, errorf(path, headerLine, "the first row must name the columns: app,thumbprint,cert",
			"no app column in the header (it has: %s)", strings.Join(names, ", "))
	}
	_, hasThumb := cols[keyThumbprint]
	_, hasCert := cols[keyCert]
	_, hasKeyVault := cols[keyKeyVault]
	if !hasThumb && !hasCert && !hasKeyVault {
		return nil, errorf(path, headerLine, "the first row must name the columns: app,thumbprint,cert (and keyvault)",
			"no thumbprint, cert or keyvault column in the header (it has: %s)", strings.Join(names, ", "))
	}
	field := func(rec []string, name string) string {
		if i, ok := cols[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var rows []rawRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(path, err)
		}
		blank := true
		for _, f := range rec {
			if strings.TrimSpace(f) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		line, _ := cr.FieldPos(0)
		row := rawRow{line: line, app: field(rec, keyApp), thumbprint: field(rec, keyThumbprint), cert: field(rec, keyCert), keyvault: field(rec, keyKeyVault)}
		row.hasThumbprint, row.hasCert, row.hasKeyVault = row.thumbprint != "", row.cert != "", row.keyvault != ""
		rows = append(rows, row)
	}
	return rows, nil
}

func csvError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return errorf(path, pe.Line, `quote fields that hold commas or quotes, doubling inner quotes: "Contoso, ""prod"""`,
			"malformed CSV: %v", pe.Err).wrap(err)
	}
	return errorf(path, 0, "", "malformed CSV: %v", err).wrap(err)
}

var yamlLineRE = regexp.MustCompile(`line (\d+): (.*)`)

// parseYAML reads a YAML mapping: a list of entries with the keys app,
// thumbprint and cert.
func parseYAML(path string, data []byte) ([]rawRow, []string, error) {
	items, err := yamlList(path, data, "write a list: \"- app: ...\" then \"  thumbprint: ...\" or \"  cert: ...\"", "the YAML mapping must be a list of entries")
	if err != nil {
		return nil, nil, err
	}
	var rows []rawRow
	var warnings []string
	for _, item := range items {
		fields, err := yamlFields(path, item, mappingHint)
		if err != nil {
			return nil, nil, err
		}
		if len(fields) == 0 {
			continue
		}
		row := rawRow{line: item.Line}
		for _, f := range fields {
			switch f.name {
			case keyApp, keyThumbprint, keyCert, keyKeyVault:
			default:
				if !ignoredYAMLKeys[f.name] {
					warnings = append(warnings, fmt.Sprintf("%s:%d: unknown key %q ignored (the keys are app, thumbprint, cert and keyvault)", path, f.line, clip(f.key)))
				}
				continue
			}
			val, err := f.single(path, mappingHint)
			if err != nil {
				return nil, nil, err
			}
			switch f.name {
			case keyApp:
				row.app = val
			case keyThumbprint:
				row.thumbprint, row.hasThumbprint = val, val != ""
			case keyCert:
				row.cert, row.hasCert = val, val != ""
			case keyKeyVault:
				row.keyvault, row.hasKeyVault = val, val != ""
			}
		}
		rows = append(rows, row)
	}
	return rows, warnings, nil
}

// yamlList reads a YAML file holding one document, a list, and returns its
// items (none for an empty file), empty items left out. listHint and
// notList explain a document that is not a list.
func yamlList(path string, data []byte, listHint, notList string) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, nil
		}
		return nil, yamlError(path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		line := extra.Line
		if err != nil {
			return nil, yamlError(path, err)
		}
		return nil, errorf(path, line, "put every entry in one list", "holds more than one YAML document")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, nil
		}
		root = root.Content[0]
	}
	root = deref(root)
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	if root.Kind != yaml.SequenceNode {
		return nil, errorf(path, root.Line, listHint, "%s", notList)
	}
	items := make([]*yaml.Node, 0, len(root.Content))
	for _, item := range root.Content {
		item = deref(item)
		if item.Kind == yaml.ScalarNode && item.Tag == "!!null" {
			continue // an empty "-"
		}
		items = append(items, item)
	}
	return items, nil
}

// yamlField is one key of a list entry and its value.
type yamlField struct {
	name string // the key in lower case
	key  string // the key as written
	line int    // the key's line
	node *yaml.Node
}

// yamlFields reads the keys of one list entry, which must be a mapping
// naming each key once. hint explains a malformed entry.
func yamlFields(path string, item *yaml.Node, hint string) ([]yamlField, error) {
	if item.Kind != yaml.MappingNode {
		return nil, errorf(path, item.Line, hint, "an entry must be a mapping of keys to values")
	}
	var fields []yamlField
	seen := map[string]bool{}
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := deref(item.Content[i]), deref(item.Content[i+1])
		name := strings.ToLower(strings.TrimSpace(k.Value))
		if k.Kind != yaml.ScalarNode {
			return nil, errorf(path, k.Line, hint, "an entry's keys must be names")
		}
		if seen[name] {
			return nil, errorf(path, k.Line, "", "the key %q appears twice in one entry", name)
		}
		seen[name] = true
		fields = append(fields, yamlField{name: name, key: k.Value, line: k.Line, node: v})
	}
	return fields, nil
}

// single is the field's value, which must be one value ("" for null).
func (f yamlField) single(path, hint string) (string, error) {
	switch {
	case f.node.Kind == yaml.ScalarNode && f.node.Tag == "!!null":
		return "", nil
	case f.node.Kind == yaml.ScalarNode:
		return strings.TrimSpace(f.node.Value), nil
	}
	return "", errorf(path, f.node.Line, hint, "%s must be a single value", f.name)
}

// deref follows YAML aliases.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func yamlError(path string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	return errorf(path, line, "check the indentation, and quote values that hold \": \" or start with a special character", "malformed YAML: %s", msg).wrap(err)
}
