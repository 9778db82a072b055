package graphclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/appaudit/appaudit/audit"
)

// DecodeError is input appaudit cannot read: where it is, in which object,
// what is wrong and, when the user can fix it, how. Its message never
// quotes a credential's contents.
type DecodeError struct {
	Name   string // the file, or what else was being decoded
	Offset int64  // byte offset in the input; -1 when not known
	Line   int    // 1-based line of Offset; 0 when not known
	Column int    // 1-based column of Offset, in bytes

	// Object says where the object at fault sits in the input, such as
	// "value[3]" or "applications[12]"; empty when the fault is outside any
	// object. Kind, AppID and DisplayName identify it as far as they were
	// read.
	Object      string
	Kind        audit.ObjectKind
	AppID       string
	DisplayName string
	// Field is the member at fault inside the object, such as
	// "keyCredentials[1].key".
	Field string

	Msg  string
	Hint string // what the user can do about it; may be empty
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("graphclient: ")
	b.WriteString(e.Name)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": " + e.What())
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

// What is the fault without the file, its position and the hint: the
// object and the member at fault, as far as they are known, and Msg.
func (e *DecodeError) What() string {
	var b strings.Builder
	if e.Object != "" {
		b.WriteString(e.Object)
		var who []string
		if e.Kind == audit.KindServicePrincipal {
			who = append(who, "service principal")
		} else if e.Kind != "" {
			who = append(who, "application")
		}
		if e.DisplayName != "" {
			who = append(who, strconv.Quote(clip(e.DisplayName)))
		}
		if e.AppID != "" {
			if len(who) > 0 {
				who[len(who)-1] += ","
			}
			who = append(who, "appId "+clip(e.AppID))
		}
		if len(who) > 0 {
			b.WriteString(" (" + strings.Join(who, " ") + ")")
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// errAt is a DecodeError at input offset off.
func (in *input) errAt(off int64, msg, hint string) *DecodeError {
	line, col, ok := in.position(off)
	if !ok {
		off = -1
	}
	return &DecodeError{Name: in.name, Offset: off, Line: line, Column: col, Msg: msg, Hint: hint}
}

// readFailure turns what stopped a read into an error at off.
func (in *input) readFailure(off int64, err error, what string) error {
	switch {
	case errors.Is(err, errTooLarge):
		return in.errAt(off, fmt.Sprintf("%s is larger than %d MiB", what, MaxObjectSize>>20),
			"no real directory object is this large: is the file damaged?")
	case err == nil || err == io.EOF:
		return in.errAt(off, "the input ends inside "+what, "the file is cut short: save it again")
	}
	return fmt.Errorf("graphclient: reading %s: %w", in.name, err)
}

// jsonError turns an error of json.Unmarshal on raw, which starts at input
// offset start, into a DecodeError.
func (in *input) jsonError(raw []byte, start int64, err error) *DecodeError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off := start + max(syn.Offset-1, 0)
		if syn.Offset >= int64(len(raw)) && strings.Contains(syn.Error(), "unexpected end") {
			return in.errAt(start+int64(len(raw)), "the input ends inside a value", "the file is cut short: save it again")
		}
		msg := strings.TrimPrefix(syn.Error(), "json: ")
		if strings.Contains(msg, "in string") {
			// Name no character: the string may be a secret.
			msg = "a control character or a bad escape inside a string"
		}
		return in.errAt(off, "not valid JSON: "+msg, hintSyntax)
	case errors.As(err, &typ):
		want := jsonKind(typ.Type)
		var path []any
		for _, name := range strings.Split(typ.Field, ".") {
			if name != "" {
				path = append(path, name)
			}
		}
		at, walked := locate(raw, path, int(typ.Offset)-1)
		e := in.errAt(start+int64(at), fmt.Sprintf("expected %s, found %s", want, typ.Value),
			"Graph writes "+want+" here; see docs/snapshot-format.md")
		e.Field = pathString(walked)
		return e
	}
	return in.errAt(start, strings.TrimPrefix(err.Error(), "json: "), hintSyntax)
}

// jsonKind names the JSON a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	}
	return "another type"
}

// Object is one directory object decoded from Graph JSON: an application
// or a service principal, as Kind says.
type Object struct {
	Kind             audit.ObjectKind
	Application      audit.Application      // when Kind is KindApplication
	ServicePrincipal audit.ServicePrincipal // when Kind is KindServicePrincipal
}

// Principal is what the object holds of an application's or a service
// principal's, as Kind says.
func (o *Object) Principal() *audit.Principal {
	if o.Kind == audit.KindServicePrincipal {
		return &o.ServicePrincipal.Principal
	}
	return &o.Application.Principal
}

// AddTo appends the object to t.
func (o *Object) AddTo(t *audit.Tenant) {
	if o.Kind == audit.KindServicePrincipal {
		t.ServicePrincipals = append(t.ServicePrincipals, o.ServicePrincipal)
	} else {
		t.Applications = append(t.Applications, o.Application)
	}
}

// list is a JSON array of directory objects being read: its label in
// messages ("value", "applications", "" for a top-level array) and the
// kind its container says it holds ("" when nothing says).
type list struct {
	label string
	want  audit.ObjectKind
}

func (l list) at(i int) string { return l.label + "[" + strconv.Itoa(i) + "]" }

// array reads a JSON array of directory objects (or null, which holds
// none), calling each for every object in order, and returns how many there
// were.
func (in *input) array(l list, each func(Object) error) (int, error) {
	c, ok := in.next()
	if !ok {
		return 0, in.readFailure(in.offset(), in.readErr(), "the list")
	}
	if c != '[' {
		raw, start, _ := in.value()
		if string(raw) == "null" {
			return 0, nil
		}
		return 0, in.errAt(start, fmt.Sprintf("%s is %s, not a list of objects", l.label, describe(raw)),
			"Graph writes the objects as an array: \""+l.label+"\": [{...}, ...]")
	}
	in.pos++
	for i := 0; ; i++ {
		c, ok := in.next()
		if !ok {
			return i, in.readFailure(in.offset(), in.readErr(), "a list")
		}
		if c == ']' && i == 0 {
			in.pos++
			return 0, nil
		}
		if i > 0 {
			switch c {
			case ']':
				in.pos++
				return i, nil
			case ',':
				in.pos++
				if c, ok := in.next(); ok && c == ']' {
					return i, in.errAt(in.offset(), "not valid JSON: a comma before ]", "remove the comma after the last object")
				}
			default:
				return i, in.errAt(in.offset(), fmt.Sprintf("not valid JSON: expected , or ] after %s", l.at(i-1)), hintSyntax)
			}
		}
		o, err := in.object(l, i)
		if err != nil {
			return i, err
		}
		if err := each(o); err != nil {
			return i, err
		}
	}
}

// object reads element i of list l.
func (in *input) object(l list, i int) (Object, error) {
	wrap := func(e *DecodeError, appID, name string, kind audit.ObjectKind) *DecodeError {
		e.Object, e.Kind, e.AppID, e.DisplayName = l.at(i), kind, appID, name
		return e
	}
	raw, start, err := in.value()
	if err != nil || len(raw) == 0 {
		err := in.readFailure(start, err, "the object")
		var de *DecodeError
		if errors.As(err, &de) {
			wrap(de, "", "", l.want)
		}
		return Object{}, err
	}
	if raw[0] != '{' {
		return Object{}, wrap(in.errAt(start, describe(raw)+", not an application or service principal object",
			"each element is one Graph object {\"id\": ..., \"appId\": ..., \"keyCredentials\": [...]}"), "", "", "")
	}
	if member, at, ok := tooManyCredentials(raw); ok {
		e := in.errAt(start+int64(at), fmt.Sprintf("holds more than %d credentials", MaxCredentials),
			"an Entra object holds at most about 1,000 items across its lists: is the file damaged?")
		e.Field = pathString([]any{member})
		appID, name := identity(raw)
		return Object{}, wrap(e, appID, name, l.want)
	}
	var w wireRead
	if ferr := decodeWire(raw, &w, &in.scratch); ferr != nil {
		if ferr.syntax != nil {
			appID, name := identity(raw)
			return Object{}, wrap(in.syntaxErr(raw, start, ferr.syntax), appID, name, l.want)
		}
		at := ferr.at
		if at == 0 {
			at, _ = locate(raw, ferr.path, 0)
		}
		e := in.errAt(start+int64(at), ferr.msg, ferr.hint)
		e.Field = pathString(ferr.path)
		kind := l.want
		if k, msg, _ := w.kind(l.want); msg == "" {
			kind = k
		}
		return Object{}, wrap(e, w.p.AppID, w.p.DisplayName, kind)
	}
	kind, msg, hint := w.kind(l.want)
	if msg == "" && !w.hasID {
		msg, hint = "an object with neither id nor appId, not an application or a service principal", hintShapes
		if len(w.credentialKeys) > 0 {
			msg = fmt.Sprintf("a credential (it has %s), not an application or a service principal", strings.Join(w.credentialKeys, ", "))
			hint = hintCredentialList
		}
	}
	if msg != "" {
		return Object{}, wrap(in.errAt(start, msg, hint), w.p.AppID, w.p.DisplayName, "")
	}
	return w.object(kind), nil
}

const hintCredentialList = "`az ad app credential list` and `az ad sp credential list` print one app's credentials without the app; " +
	"save the tenant's applications with `az ad app list --all > apps.json`, or use `appaudit snapshot`"

// syntaxErr is the DecodeError for invalid JSON found at se in raw, which
// starts at input offset start.
func (in *input) syntaxErr(raw []byte, start int64, se *syntaxError) *DecodeError {
	if se.at >= len(raw) {
		return in.errAt(start+int64(len(raw)), "the input ends inside a value", "the file is cut short: save it again")
	}
	msg := se.msg
	if strings.Contains(msg, "in string") {
		// Name no character: the string may be a secret.
		msg = "a control character or a bad escape inside a string"
	}
	return in.errAt(start+int64(se.at), "not valid JSON: "+msg, hintSyntax)
}

// MaxCredentials bounds the keyCredentials, and the passwordCredentials,
// of one object. Entra keeps an object to about 1,000 items across all its
// lists (ENTRA-FACTS.md), so twice that is damage; and a list that long is
// refused before it is decoded, since an empty credential is three bytes
// of JSON but a few hundred of memory, and the audit compares each of an
// object's certificates with the others.
const MaxCredentials = 2_000

// tooManyCredentials finds, in raw, an object not yet validated, a
// credential list of more than MaxCredentials elements: its member name
// and where its value starts.
func tooManyCredentials(raw []byte) (member string, at int, found bool) {
	if len(raw) <= 2*MaxCredentials { // an element and its comma take two bytes at least
		return "", 0, false
	}
	eachMember(raw, 0, func(k, val []byte, i int) bool {
		var key string
		_ = json.Unmarshal(k, &key)
		if (strings.EqualFold(key, "keyCredentials") || strings.EqualFold(key, "passwordCredentials")) && elements(val) > MaxCredentials {
			member, at, found = key, i, true
			return false
		}
		return true
	})
	return member, at, found
}

// elements counts the elements of the JSON array b, up to one more than
// MaxCredentials; 0 when b is not an array.
func elements(b []byte) int {
	if len(b) == 0 || b[0] != '[' {
		return 0
	}
	n := 0
	for j := skipSpace(b, 1); j < len(b) && b[j] != ']' && n <= MaxCredentials; n++ {
		j = skipSpace(b, j+valueLen(b[j:]))
		if j < len(b) && b[j] == ',' {
			j = skipSpace(b, j+1)
		}
	}
	return n
}

// kind says what the object is: its @odata.type when it has one, else what
// its list holds, else what its members show. A @odata.type that
// contradicts the list, or names another kind of object, is an error
// (msg and hint).
func (o *wireRead) kind(want audit.ObjectKind) (kind audit.ObjectKind, msg, hint string) {
	switch t := o.odataType; {
	case t == "":
	case strings.EqualFold(strings.TrimPrefix(t, "#"), odataApplication[1:]):
		kind = audit.KindApplication
	case strings.EqualFold(strings.TrimPrefix(t, "#"), odataServicePrincipal[1:]):
		kind = audit.KindServicePrincipal
	default:
		return "", fmt.Sprintf("is a %s, not an application or a service principal", clip(t)),
			"list /v1.0/applications or /v1.0/servicePrincipals"
	}
	switch {
	case kind != "" && want != "" && kind != want:
		return "", fmt.Sprintf("is a %s in a list of %ss", kind, want), "keep applications and service principals in their own lists"
	case kind != "":
		return kind, "", ""
	case want != "":
		return want, "", ""
	case o.servicePrincipalOnly():
		return audit.KindServicePrincipal, "", ""
	}
	return audit.KindApplication, "", ""
}

const hintSyntax = "the file is not valid JSON from here on: was it edited by hand, or cut short?"

// describe names the kind of JSON value raw starts.
func describe(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "true or false"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "a number"
	}
	return "not JSON"
}

// Page is what DecodePage learnt of a collection page besides its objects.
type Page struct {
	// Context is the page's @odata.context, which names the collection.
	Context string
	// NextLink is the page's @odata.nextLink: the URL of the next page,
	// empty on the last one.
	NextLink string
	// Objects counts the objects on the page.
	Objects int
}

// DecodePage reads one page of a Graph collection listing, as GET
// /v1.0/applications or /v1.0/servicePrincipals returns it, calling each
// for every object in order; an error each returns stops decoding and is
// returned as it is. kind is the collection requested ("" to tell from the
// page's @odata.context, or else from each object's members). name says
// what is being decoded, for messages. Errors in the page are
// *DecodeError.
func DecodePage(r io.Reader, name string, kind audit.ObjectKind, each func(Object) error) (Page, error) {
	in := newInput(r, name)
	c, ok := in.next()
	if !ok {
		if err := in.readErr(); err != nil {
			return Page{}, fmt.Errorf("graphclient: reading %s: %w", in.name, err)
		}
		return Page{}, &DecodeError{Name: in.name, Offset: -1, Msg: "empty response", Hint: "a Graph collection page is an object {\"value\": [...]}"}
	}
	if c != '{' {
		raw, start, _ := in.value()
		return Page{}, in.errAt(start, describe(raw)+", not a Graph collection page", `a page is an object {"value": [...]}`)
	}
	d, err := in.document(kind, nil, each, nil)
	if err != nil {
		return Page{}, err
	}
	if err := d.asPage(in); err != nil {
		return Page{}, err
	}
	if err := in.end(); err != nil {
		return Page{}, err
	}
	return Page{Context: d.context, NextLink: d.nextLink, Objects: d.objects}, nil
}

// end checks that nothing but white space follows the document.
func (in *input) end() error {
	if _, ok := in.next(); ok {
		return in.errAt(in.offset(), "more data after the end of the JSON document",
			"a file holds one document: one page, one array or one snapshot, not several joined")
	}
	if err := in.readErr(); err != nil {
		return fmt.Errorf("graphclient: reading %s: %w", in.name, err)
	}
	return nil
}

// identity finds appId and displayName among the top-level members of an
// object that may not be valid JSON, for naming it in an error.
func identity(raw []byte) (appID, name string) {
	eachMember(raw, 0, func(k, val []byte, _ int) bool {
		var key string
		if json.Unmarshal(k, &key) != nil {
			return false
		}
		switch key {
		case "appId":
			_ = json.Unmarshal(val, &appID)
		case "displayName":
			_ = json.Unmarshal(val, &name)
		}
		return true
	})
	return
}

// locate returns the index in raw, a valid JSON object, of the value at
// path, and the path with every array index filled in. path holds member
// names and array indexes; where the value at hand is an array but path
// goes on with a name (as json.UnmarshalTypeError.Field does), the element
// holding index near is taken. Member names match as encoding/json
// matches them, ignoring case. Where the path leads nowhere, locate stops
// at the deepest value that exists.
func locate(raw []byte, path []any, near int) (int, []any) {
	i := skipSpace(raw, 0)
	var walked []any
	for len(path) > 0 && i < len(raw) {
		switch {
		case raw[i] == '[':
			j, n := skipSpace(raw, i+1), 0
			want, byIndex := path[0].(int)
			for j < len(raw) && raw[j] != ']' {
				end := j + valueLen(raw[j:])
				if byIndex && n == want || !byIndex && near < end {
					break
				}
				j = skipSpace(raw, end)
				if j < len(raw) && raw[j] == ',' {
					j = skipSpace(raw, j+1)
				}
				n++
			}
			if j >= len(raw) || raw[j] == ']' {
				return i, walked
			}
			i, walked = j, append(walked, n)
			if byIndex {
				path = path[1:]
			}
		case raw[i] == '{':
			name, _ := path[0].(string)
			j, ok := memberValue(raw, i, name)
			if !ok {
				return i, walked
			}
			i, walked, path = j, append(walked, name), path[1:]
		default:
			return i, walked
		}
	}
	return min(i, len(raw)), walked
}

// memberValue returns the index of the value of member name in the object
// starting at raw[i].
func memberValue(raw []byte, i int, name string) (at int, found bool) {
	eachMember(raw, i, func(k, _ []byte, j int) bool {
		var key string
		_ = json.Unmarshal(k, &key)
		if strings.EqualFold(key, name) {
			at, found = j, true
			return false
		}
		return true
	})
	return at, found
}

// eachMember calls fn with the key (as written, quotes and all), the value
// and the value's index in raw of each top-level member of the object
// starting at raw[i], in order, until fn returns false or the members stop
// being "key": value pairs between commas, as in damaged input. A value
// that does not end runs to the end of raw.
func eachMember(raw []byte, i int, fn func(key, val []byte, at int) bool) {
	i = skipSpace(raw, i+1)
	for i < len(raw) && raw[i] == '"' {
		kend := stringEnd(raw, i)
		if kend < 0 {
			return
		}
		key := raw[i:kend]
		i = skipSpace(raw, kend)
		if i >= len(raw) || raw[i] != ':' {
			return
		}
		i = skipSpace(raw, i+1)
		n := valueLen(raw[i:])
		if !fn(key, raw[i:i+n], i) {
			return
		}
		i = skipSpace(raw, i+n)
		if i >= len(raw) || raw[i] != ',' {
			return
		}
		i = skipSpace(raw, i+1)
	}
}

// valueLen is the length of the JSON value b starts with (all of b when it
// does not end).
func valueLen(b []byte) int {
	var v valueEnd
	if n := v.scan(b); n >= 0 {
		return n
	}
	return len(b)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// stringEnd is the index just past the JSON string starting at b[i], or
// -1 if it does not end in b.
func stringEnd(b []byte, i int) int {
	v := valueEnd{str: true}
	n := v.scan(b[i+1:])
	if n < 0 {
		return -1
	}
	return i + 1 + n
}
