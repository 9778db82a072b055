package graphclient

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/appaudit/appaudit/audit"
)

// SnapshotVersion is the newest version of appaudit's snapshot format,
// which WriteSnapshot writes when the snapshot has sections beside the
// tenant (Key Vault certificates, usage evidence; version 1 otherwise)
// and ReadSnapshot reads with every older one; docs/snapshot-format.md
// describes it.
const SnapshotVersion = 2

const hintShapes = "appaudit reads a Graph page {\"value\": [...]}, a JSON array as `az ad app list --all` prints, or an appaudit snapshot; see docs/snapshot-format.md"

// tenant builds the Tenant a page or snapshot document describes, its
// objects already in t.
func (d *document) tenant(in *input, t *audit.Tenant) error {
	switch {
	case d.version > 0:
		if d.hasValue {
			return in.errDoc(d, "an appaudit snapshot with a \"value\" list", "a snapshot lists its objects under \"applications\" and \"servicePrincipals\"")
		}
		t.TenantID, t.Cloud, t.TakenAt, t.Usage = d.tenantID, d.cloud, d.takenAt, d.usage
		switch {
		case d.complete == nil:
			t.Complete, t.IncompleteReason = false, in.name+" does not say whether it holds the whole tenant (no \"complete\" member)"
		case *d.complete:
			t.Complete = true
		default:
			t.IncompleteReason = d.incompleteReason
			if t.IncompleteReason == "" {
				t.IncompleteReason = in.name + " says it does not hold the whole tenant"
			}
		}
	case d.hasValue:
		if sel, ok := selected(d.context); ok {
			keys, secrets := slices.Contains(sel, "keyCredentials"), slices.Contains(sel, "passwordCredentials")
			switch {
			case !keys && !secrets:
				return in.errDoc(d, fmt.Sprintf("the page was listed with $select=%s, which leaves out keyCredentials and passwordCredentials: it holds no credential to audit", clip(strings.Join(sel, ","))),
					"list with $select=id,appId,displayName,keyCredentials,passwordCredentials, or save the tenant with `appaudit snapshot`")
			case !keys || !secrets:
				left := "keyCredentials: certificates"
				if keys {
					left = "passwordCredentials: client secrets"
				}
				d.out.Warnings = append(d.out.Warnings, fmt.Sprintf("%s was listed without %s are not audited", in.name, left))
			}
		}
		t.Cloud = cloudOf(d.context)
		t.Complete = d.nextLink == ""
		if !t.Complete {
			list := "az ad app list --all"
			if d.sawSP || d.contextKind == audit.KindServicePrincipal {
				list = "az ad sp list --all"
			}
			t.IncompleteReason = fmt.Sprintf("%s is one page of a longer listing (it has @odata.nextLink); save the whole listing with `%s` or `appaudit snapshot`", in.name, list)
		}
	case d.hasLists:
		return in.errDoc(d, "\"applications\" or \"servicePrincipals\" lists without \"appauditSnapshot\": 1",
			"an appaudit snapshot starts with \"appauditSnapshot\": 1; write one with `appaudit snapshot`")
	default:
		return in.errDoc(d, d.missingValue(), hintShapes+"; for every application: `az ad app list --all > apps.json`")
	}
	return nil
}

// Snapshot is what a file read with LoadSnapshot holds.
type Snapshot struct {
	Tenant *audit.Tenant
	// Warnings are what the user should know about the file although the
	// tenant was read: a listing that holds no objects at all, or exactly
	// the 100 that `az ad app list` prints without --all.
	Warnings []string
	// Sections are the raw values of the snapshot's sections beside the
	// tenant (snapshot_sections.go), by member name; none for a Graph
	// page or an array.
	Sections map[string][]byte
}

// LoadSnapshotFile reads the file at path; see LoadSnapshot.
func LoadSnapshotFile(path string) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("graphclient: %w", err)
	}
	defer f.Close()
	return LoadSnapshot(f, path)
}

// ReadSnapshotFile reads the tenant saved in the file at path, without
// the warnings LoadSnapshotFile gives; see ReadSnapshot.
func ReadSnapshotFile(path string) (*audit.Tenant, error) {
	s, err := LoadSnapshotFile(path)
	if err != nil {
		return nil, err
	}
	return s.Tenant, nil
}

// ReadSnapshot is LoadSnapshot's tenant, without its warnings: for
// callers that show the user nothing of the file.
func ReadSnapshot(r io.Reader, name string) (*audit.Tenant, error) {
	s, err := LoadSnapshot(r, name)
	if err != nil {
		return nil, err
	}
	return s.Tenant, nil
}

// azListLimit is how many objects `az ad app list` and `az ad sp list`
// print without --all (Azure/azure-cli,
// src/azure-cli/azure/cli/command_modules/role/custom.py,
// list_applications: the first 100, and a warning on standard error
// that the file does not keep).
const azListLimit = 100

// LoadSnapshot reads a saved tenant from r; name (the file name) is used
// in messages. It takes any of the shapes docs/snapshot-format.md
// describes, told apart by content: a Graph collection page, a JSON array
// of applications or service principals (what `az ad app list --all` and
// `az ad sp list --all` print, and what `az` printed before 2.37, in Azure
// AD Graph's names), or an appaudit snapshot. UTF-8 with or without a
// byte order mark and UTF-16 with one (what Windows PowerShell 5.1 writes
// for `>`) are read.
//
// The Tenant is Complete only when the input says it holds the whole
// listing: an array or a page without @odata.nextLink does, a page with one
// does not, and a snapshot says so itself. Bad input, and input that is
// not a listing of applications or service principals (the credentials
// `az ad app credential list` prints, PowerShell objects passed through
// ConvertTo-Json, a credential without an end date), is a *DecodeError
// naming the line and column, the object and a hint.
func LoadSnapshot(r io.Reader, name string) (*Snapshot, error) {
	return loadSnapshot(r, name, nil)
}

// StreamSnapshot reads a saved tenant as LoadSnapshot does, but passes its
// directory objects on as they are read instead of keeping them: open is
// called once, before the first object, with what the input has said so
// far (the tenant's ID, cloud and date, its usage evidence and sections:
// appaudit writes them before the objects), and gives the function that
// takes each object. The Snapshot returned holds no objects. A snapshot
// whose usage evidence or sections follow its objects is ErrLateMember:
// read it with LoadSnapshot.
func StreamSnapshot(r io.Reader, name string, open func(head *Snapshot) (func(Object) error, error)) (*Snapshot, error) {
	if open == nil {
		return nil, errors.New("graphclient: StreamSnapshot needs open")
	}
	return loadSnapshot(r, name, open)
}

func loadSnapshot(r io.Reader, name string, open func(head *Snapshot) (func(Object) error, error)) (*Snapshot, error) {
	in := newInput(decodeBOM(r), name)
	c, ok := in.next()
	if !ok {
		if err := in.readErr(); err != nil {
			return nil, fmt.Errorf("graphclient: reading %s: %w", in.name, err)
		}
		return nil, &DecodeError{Name: in.name, Offset: -1, Msg: "empty file",
			Hint: "save a listing into it: `az ad app list --all > apps.json` or `appaudit snapshot`"}
	}
	t := &audit.Tenant{}
	s := &Snapshot{Tenant: t}
	add := func(o Object) error { o.AddTo(t); return nil }
	var before func(*document) error
	if open != nil {
		// Objects go to the sink open gives, once the members before them
		// are known.
		var sink func(Object) error
		before = func(d *document) error {
			head := &Snapshot{Tenant: &audit.Tenant{TenantID: d.tenantID, Cloud: d.cloud, TakenAt: d.takenAt, Usage: d.usage}, Sections: d.sections}
			if d.hasValue || d.version == 0 {
				head.Tenant.Cloud = cloudOf(d.context)
			}
			var err error
			sink, err = open(head)
			return err
		}
		add = func(o Object) error { return sink(o) }
		if c == '[' {
			first := true
			add = func(o Object) error {
				if first {
					first = false
					if err := before(&document{}); err != nil {
						return err
					}
				}
				return sink(o)
			}
		}
	}
	switch c {
	case '[':
		n, err := in.array(list{}, add)
		if err != nil {
			return nil, err
		}
		t.Complete = true
		switch n {
		case 0:
			s.Warnings = append(s.Warnings, in.name+" is an empty list: it holds no application or service principal, so there is nothing to audit")
		case azListLimit:
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s holds exactly %d objects, as many as `az ad app list` and `az ad sp list` print without --all: if the tenant has more, save the listing again with --all", in.name, azListLimit))
		}
	case '{':
		d, err := in.document("", s, add, before)
		if err != nil {
			return nil, err
		}
		if err := d.tenant(in, t); err != nil {
			return nil, err
		}
		s.Sections = d.sections
	default:
		return nil, in.notListing()
	}
	if err := in.end(); err != nil {
		return nil, err
	}
	return s, nil
}

// notListing is the error for input that starts with neither [ nor {.
func (in *input) notListing() error {
	raw, start, err := in.value()
	if err != nil {
		return in.readFailure(start, err, "the first value")
	}
	if bytes.HasPrefix(raw, []byte("-----BEGIN")) {
		return in.errAt(start, "a PEM file, not a listing of applications", "give certificate files with --certs; "+hintShapes)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		e := in.jsonError(raw, start, err)
		e.Msg = "not JSON: " + strings.TrimPrefix(e.Msg, "not valid JSON: ")
		e.Hint = hintShapes
		return e
	}
	return in.errAt(start, "a JSON "+strings.TrimPrefix(strings.TrimPrefix(describe(raw), "an "), "a ")+", not a listing of applications", hintShapes)
}

// decodeBOM strips a UTF-8 byte order mark and turns UTF-16 with a byte
// order mark into UTF-8.
func decodeBOM(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, readChunk)
	b, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return transform.NewReader(br, unicode.BOMOverride(transform.Nop))
	}
	return br
}

// SnapshotMeta is what a snapshot records besides the tenant.
type SnapshotMeta struct {
	// Tool names the program that wrote it, such as "appaudit 1.4.0".
	Tool string
	// ReadTime is how long reading the tenant took; 0 when not known.
	ReadTime time.Duration
	// Sections are written beside the tenant, each a member of the
	// snapshot (snapshot_sections.go).
	Sections []SnapshotSection
}

// snapshotHeader is the start of an appaudit snapshot; the two lists
// follow it.
type snapshotHeader struct {
	Version  int    `json:"appauditSnapshot"`
	Tool     string `json:"tool,omitempty"`
	TenantID string `json:"tenantId,omitempty"`
	Cloud    string `json:"cloud,omitempty"`
	TakenAt  string `json:"takenAt,omitempty"`
	// ReadSeconds is how long the read took, in seconds.
	ReadSeconds      float64 `json:"readSeconds,omitempty"`
	Complete         bool    `json:"complete"`
	IncompleteReason string  `json:"incompleteReason,omitempty"`
}

// WriteSnapshot writes t to w as an appaudit snapshot, one directory object
// a line, in Graph's JSON: what was read, certificate bodies included, and
// no secret (passwordCredentials carry no hint or text). It writes as it
// goes and holds no more than one object's JSON at a time.
func WriteSnapshot(w io.Writer, t *audit.Tenant, meta SnapshotMeta) error {
	if t == nil {
		return errors.New("graphclient: writing a snapshot: no tenant")
	}
	h := snapshotHeader{Version: snapshotVersionFor(t, meta), Tool: meta.Tool, TenantID: t.TenantID, Cloud: t.Cloud,
		TakenAt: formatDate(t.TakenAt), Complete: t.Complete, ReadSeconds: meta.ReadTime.Round(time.Millisecond).Seconds()}
	if !t.Complete {
		h.IncompleteReason = t.IncompleteReason
	}
	sw := newSnapshotWriter(w)
	b, err := sw.encode(h)
	if err != nil {
		return fmt.Errorf("graphclient: writing a snapshot: %w", err)
	}
	_, _ = sw.bw.Write(bytes.TrimSuffix(b, []byte("}")))
	// The sections and the usage evidence come before the objects, so
	// that a reader can audit each object as it reads it (StreamSnapshot).
	if err := writeSections(sw.bw, meta.Sections); err != nil {
		return err
	}
	if t.Usage != nil {
		if err := sw.usage(t.Usage); err != nil {
			return err
		}
	}
	if err := sw.list("applications", "applications", len(t.Applications), func(i int) any { return wireApplication(&t.Applications[i]) }, true); err != nil {
		return err
	}
	if err := sw.list("servicePrincipals", "servicePrincipals", len(t.ServicePrincipals), func(i int) any { return wireServicePrincipal(&t.ServicePrincipals[i]) }, true); err != nil {
		return err
	}
	_, _ = sw.bw.WriteString("\n}\n")
	if err := sw.bw.Flush(); err != nil {
		return fmt.Errorf("graphclient: writing a snapshot: %w", err)
	}
	return nil
}

// snapshotWriter writes a snapshot as it goes, holding no more than one
// value's JSON at a time.
type snapshotWriter struct {
	bw  *bufio.Writer
	buf bytes.Buffer
	enc *json.Encoder
}

func newSnapshotWriter(w io.Writer) *snapshotWriter {
	sw := &snapshotWriter{bw: bufio.NewWriterSize(w, readChunk)}
	sw.enc = json.NewEncoder(&sw.buf)
	sw.enc.SetEscapeHTML(false)
	return sw
}

// encode is v's JSON without the newline encoding/json ends it with,
// valid until the next call.
func (sw *snapshotWriter) encode(v any) ([]byte, error) {
	sw.buf.Reset()
	if err := sw.enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(sw.buf.Bytes(), []byte("\n")), nil
}

// list writes the member name, a list of n entries, item(i) each, one a
// line; path names the list in errors ("usage.failedSignIns").
// endLine ends the last entry's line before the ].
func (sw *snapshotWriter) list(name, path string, n int, item func(i int) any, endLine bool) error {
	_, _ = sw.bw.WriteString(",\n\"" + name + "\": [")
	for i := range n {
		b, err := sw.encode(item(i))
		if err != nil {
			return fmt.Errorf("graphclient: writing %s[%d] of a snapshot: %w", path, i, err)
		}
		if i > 0 {
			_ = sw.bw.WriteByte(',')
		}
		_ = sw.bw.WriteByte('\n')
		_, _ = sw.bw.Write(b)
	}
	if endLine && n > 0 {
		_ = sw.bw.WriteByte('\n')
	}
	_, err := sw.bw.WriteString("]")
	return err
}
