package graphclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/appaudit/appaudit/audit"
)

// document is what was read of a top-level JSON object: a Graph page or
// an appaudit snapshot.
type document struct {
	startLine, startCol int

	version          int // appauditSnapshot; 0 when absent
	tenantID, cloud  string
	takenAt          time.Time
	complete         *bool
	incompleteReason string

	context, nextLink string
	contextKind       audit.ObjectKind

	usage *audit.Usage // a snapshot's usage evidence, nil when it has none

	// out is the snapshot being read, which gets the document's warnings;
	// nil where a Graph page is read.
	out *Snapshot

	hasValue bool
	hasLists bool // has an applications or a servicePrincipals list
	// sections are the raw values of a snapshot's other sections
	// (snapshot_sections.go), by member name.
	sections map[string][]byte
	single   bool // has members of a directory object
	objects  int
	sawSP    bool

	// before, when set, is called once, before the first directory
	// object is passed on: the document's members read so far (its
	// header, usage evidence and sections) are what the objects are read
	// against. A usage or section member after the objects is then an
	// error (ErrLateMember).
	before func(*document) error
}

// ErrLateMember is StreamSnapshot's answer to a snapshot whose usage
// evidence or sections come after its directory objects, where the
// objects had to be read against them: read such a file whole, with
// LoadSnapshot. appaudit writes them before the objects.
var ErrLateMember = errors.New("graphclient: the snapshot's usage evidence or sections come after its directory objects")

// errDoc is an error about the document as a whole, placed at its start.
func (in *input) errDoc(d *document, msg, hint string) *DecodeError {
	return &DecodeError{Name: in.name, Offset: -1, Line: d.startLine, Column: d.startCol, Msg: msg, Hint: hint}
}

// document reads the top-level object the input is at, calling each for
// every directory object in its lists. snapshot says whether an appaudit
// snapshot is acceptable (it is not where a Graph page is expected).
func (in *input) document(want audit.ObjectKind, out *Snapshot, each func(Object) error, before func(*document) error) (*document, error) {
	d := &document{out: out, before: before}
	snapshot := out != nil
	d.startLine, d.startCol, _ = in.position(in.offset())
	in.pos++ // {
	count := func(o Object) error {
		if d.objects == 0 && d.before != nil {
			if err := d.before(d); err != nil {
				return err
			}
		}
		d.objects++
		d.sawSP = d.sawSP || o.Kind == audit.KindServicePrincipal
		return each(o)
	}
	err := in.members("the document", true, func(key string) error {
		return in.member(d, key, want, snapshot, count)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// members reads the members of the object whose { the input has just
// passed, up to its }, calling each with every member's name, the input
// at its value, which each reads. what names the object when reading
// fails ("the document"). commaBeforeEnd names a comma before } as such;
// otherwise it is a member name missing.
func (in *input) members(what string, commaBeforeEnd bool, each func(key string) error) error {
	for n := 0; ; n++ {
		c, ok := in.next()
		if !ok {
			return in.readFailure(in.offset(), in.readErr(), what)
		}
		if c == '}' {
			in.pos++
			return nil
		}
		if n > 0 {
			if c != ',' {
				return in.errAt(in.offset(), "not valid JSON: expected , or } after a member", hintSyntax)
			}
			in.pos++
			if c, ok := in.next(); commaBeforeEnd && ok && c == '}' {
				return in.errAt(in.offset(), "not valid JSON: a comma before }", "remove the comma after the last member")
			}
		}
		raw, start, err := in.value()
		if err != nil || len(raw) == 0 {
			return in.readFailure(start, err, what)
		}
		var key string
		if raw[0] != '"' {
			return in.errAt(start, "not valid JSON: expected a member name", hintSyntax)
		}
		if err := json.Unmarshal(raw, &key); err != nil {
			return in.jsonError(raw, start, err)
		}
		if c, ok := in.next(); !ok || c != ':' {
			return in.errAt(in.offset(), "not valid JSON: expected : after the member name", hintSyntax)
		}
		in.pos++
		if err := each(key); err != nil {
			return err
		}
	}
}

// member reads the value of the document's member key.
func (in *input) member(d *document, key string, want audit.ObjectKind, snapshot bool, each func(Object) error) error {
	switch key {
	case "value":
		d.hasValue = true
		if want == "" {
			want = d.contextKind
		}
		_, err := in.array(list{label: "value", want: want}, each)
		return err
	case "applications", "servicePrincipals":
		if !snapshot {
			break
		}
		d.hasLists = true
		k := audit.KindApplication
		if key == "servicePrincipals" {
			k = audit.KindServicePrincipal
		}
		_, err := in.array(list{label: key, want: k}, each)
		return err
	case "usage":
		if !snapshot {
			break
		}
		if d.before != nil && d.objects > 0 {
			return ErrLateMember
		}
		var err error
		d.usage, err = in.usage()
		return err
	}

	if snapshot && isSection(key) {
		if d.before != nil && d.objects > 0 {
			return ErrLateMember
		}
		return in.section(d, key)
	}
	raw, start, err := in.value()
	if err != nil || len(raw) == 0 {
		return in.readFailure(start, err, "the document")
	}
	field := func(v any) error {
		if err := json.Unmarshal(raw, v); err != nil {
			e := in.jsonError(raw, start, err)
			e.Field = pathString([]any{key})
			return e
		}
		return nil
	}
	switch key {
	case "appauditSnapshot":
		if !snapshot {
			return in.errAt(start, "an appaudit snapshot, not a Graph collection page", "read snapshots with --snapshot")
		}
		if err := field(&d.version); err != nil {
			return err
		}
		if d.version < 1 || d.version > SnapshotVersion {
			e := in.errAt(start, fmt.Sprintf("snapshot format version %d is not one this appaudit reads (it reads versions 1 to %d)", d.version, SnapshotVersion),
				"upgrade appaudit to read newer snapshots")
			if d.version < 1 {
				e.Hint = "the version is a whole number, 1 or 2 for this format"
			}
			e.Field = pathString([]any{key})
			return e
		}
	case "tool":
		var tool string // read only to check that it is a string
		return field(&tool)
	case "tenantId":
		return field(&d.tenantID)
	case "cloud":
		return field(&d.cloud)
	case "incompleteReason":
		return field(&d.incompleteReason)
	case "complete":
		return field(&d.complete)
	case "takenAt":
		var s string
		if err := field(&s); err != nil {
			return err
		}
		t, ferr := parseDate(s, key)
		if ferr != nil {
			e := in.errAt(start, ferr.msg, ferr.hint)
			e.Field = pathString([]any{key})
			return e
		}
		d.takenAt = t
	case "@odata.context":
		if err := field(&d.context); err != nil {
			return err
		}
		k, what, ok := contextKind(d.context)
		if !ok {
			e := in.errAt(start, fmt.Sprintf("the page lists %s, not applications or service principals", clip(what)),
				"list /v1.0/applications or /v1.0/servicePrincipals")
			e.Field = pathString([]any{key})
			return e
		}
		if k != "" && want != "" && k != want {
			e := in.errAt(start, fmt.Sprintf("the page lists %ss, but %ss were asked for", k, want),
				"request /v1.0/"+string(want)+"s for "+string(want)+"s")
			e.Field = pathString([]any{key})
			return e
		}
		d.contextKind = k
	case "@odata.nextLink", "odata.nextLink": // the second is Azure AD Graph's
		return field(&d.nextLink)
	case "error":
		var ge struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(raw, &ge) == nil && (ge.Code != "" || ge.Message != "") {
			const max = 200
			msg := ge.Message
			if len(msg) > max {
				msg = msg[:max] + "…"
			}
			return in.errAt(start, fmt.Sprintf("a Microsoft Graph error response, not a listing: %s: %s", ge.Code, msg),
				"save the response of a request that succeeded")
		}
	default:
		if key == "id" || key == "appId" || key == "keyCredentials" {
			d.single = true
		}
		var skip json.RawMessage
		return field(&skip)
	}
	return nil
}

// asPage checks that d is a Graph collection page.
func (d *document) asPage(in *input) error {
	if !d.hasValue {
		return in.errDoc(d, d.missingValue(), `a Graph collection page is an object {"@odata.context": ..., "value": [...]}`)
	}
	return nil
}

func (d *document) missingValue() string {
	if d.single || strings.Contains(d.context, "$entity") {
		return "a single directory object (an app manifest, or what `az ad app show` prints), not a listing of the tenant's"
	}
	return "an object without a \"value\" list"
}

// contextKind reads the collection an @odata.context URL names:
// ".../$metadata#servicePrincipals(id,appId)" holds service principals.
// ok is false for a collection of something else.
func contextKind(ctx string) (kind audit.ObjectKind, what string, ok bool) {
	_, frag, found := strings.Cut(ctx, "#")
	if !found || frag == "" {
		return "", "", true
	}
	if i := strings.IndexByte(frag, '('); i >= 0 {
		frag = frag[:i]
	}
	frag = strings.TrimSuffix(frag, "/$entity")
	last := strings.ToLower(frag[strings.LastIndexAny(frag, "/.")+1:])
	switch last {
	case "applications", "application":
		return audit.KindApplication, frag, true
	case "serviceprincipals", "serviceprincipal":
		return audit.KindServicePrincipal, frag, true
	}
	return "", frag, false
}

// selected returns the members an @odata.context URL says the page was
// listed with ($select), ".../$metadata#applications(id,displayName)";
// ok is false when it names no selection: every member is there.
func selected(ctx string) (members []string, ok bool) {
	_, frag, _ := strings.Cut(ctx, "#")
	i, j := strings.IndexByte(frag, '('), strings.LastIndexByte(frag, ')')
	if i < 0 || j < i {
		return nil, false
	}
	return strings.Split(frag[i+1:j], ","), true
}

// cloudOf names the cloud of the Graph host an @odata.context URL is on,
// "" when it is none of the national clouds' hosts.
func cloudOf(ctx string) string {
	u, err := url.Parse(ctx)
	if err != nil {
		return ""
	}
	// The host must lowercase to the cloud's byte for byte: cloudOfGraphHost
	// alone, with EqualFold, would also take a host spelt with ſ for s.
	host := strings.ToLower(u.Hostname())
	if c, ok := cloudOfGraphHost(host); ok && c.GraphRoot == "https://"+host {
		return c.Name
	}
	return ""
}
