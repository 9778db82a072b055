package graphclient

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/appaudit/appaudit/audit"
)

// DecodeObject reads one directory object of the given kind, as a
// single-object GET (/v1.0/applications/{id}, or one answer of a $batch)
// returns it, with the same decoder as DecodePage. name says what is being
// decoded, for messages. Errors in the object are *DecodeError.
func DecodeObject(r io.Reader, name string, kind audit.ObjectKind) (Object, error) {
	return newInput(r, name).decodeObject(kind)
}

// decodeObjectBytes is DecodeObject over an answer already in memory,
// read in place: a $batch brings thousands of small objects, and each one
// deserves no buffer of its own.
func decodeObjectBytes(b []byte, name string, kind audit.ObjectKind) (Object, error) {
	in := newInput(nil, name)
	in.buf, in.err = b[:len(b):len(b)], io.EOF
	return in.decodeObject(kind)
}

func (in *input) decodeObject(kind audit.ObjectKind) (Object, error) {
	c, ok := in.next()
	if !ok {
		if err := in.readErr(); err != nil {
			return Object{}, in.readFailure(in.offset(), err, "the object")
		}
		return Object{}, &DecodeError{Name: in.name, Offset: -1, Msg: "empty response", Hint: "a directory object is a JSON object {\"id\": ...}"}
	}
	if c != '{' {
		raw, start, _ := in.value()
		return Object{}, in.errAt(start, describe(raw)+", not a directory object", `a single-object GET answers {"id": ..., "keyCredentials": [...]}`)
	}
	o, err := in.object(list{want: kind}, 0)
	if err != nil {
		var de *DecodeError
		if errors.As(err, &de) && de.Object == "[0]" {
			de.Object = "the object"
		}
		return Object{}, err
	}
	if err := in.end(); err != nil {
		return Object{}, err
	}
	return o, nil
}

// pageNextLink finds the @odata.nextLink member of a Graph page without
// decoding its objects, so that the next page can be fetched while this
// one is decoded. It returns "" when the page has none or is not a JSON
// object (DecodePage then says what is wrong with it).
func pageNextLink(b []byte) (link string) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return ""
	}
	eachMember(b, i, func(key, val []byte, _ int) bool {
		if string(key) != `"@odata.nextLink"` {
			return true
		}
		if json.Unmarshal(val, &link) != nil {
			link = ""
		}
		return false
	})
	return link
}
