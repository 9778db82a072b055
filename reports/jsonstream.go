package reports

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
)

// streamBuffer is the most rendered output a streaming reporter holds
// before it writes it: the bounded window of every format but the table
// and the HTML page.
const streamBuffer = 64 << 10

// jsonStream writes an indented JSON document piece by piece, in the very
// bytes json.Encoder with SetIndent("", "  ") writes for the whole
// document, so that a report of any size holds one value of it at a time
// (a finding, a credential inventory entry) and a 64 KiB buffer. The
// caller opens and closes objects and arrays, names the members in the
// order the document's struct declares them, and leaves out the empty
// ones its omitempty tags leave out; every value is encoded by
// encoding/json, with its escaping. The first write error ends the
// stream: every call after it does nothing, and end returns it.
type jsonStream struct {
	w   *bufio.Writer
	enc *json.Encoder
	// depth is the nesting of the value being written; first is true
	// until the container just opened has a member.
	depth int
	first bool
	err   error
}

func newJSONStream(w io.Writer) *jsonStream {
	s := &jsonStream{w: bufio.NewWriterSize(w, streamBuffer)}
	s.enc = json.NewEncoder(lastByteDropper{s})
	return s
}

// lastByteDropper writes what json.Encoder writes for one value but the
// newline it ends every value with: inside a document, a comma or the
// closing bracket comes next.
type lastByteDropper struct{ s *jsonStream }

func (d lastByteDropper) Write(p []byte) (int, error) {
	if len(p) > 0 {
		d.s.write(p[:len(p)-1])
	}
	return len(p), d.s.err
}

func (s *jsonStream) write(p []byte) {
	if s.err == nil {
		_, s.err = s.w.Write(p)
	}
}

func (s *jsonStream) writeString(p string) {
	if s.err == nil {
		_, s.err = s.w.WriteString(p)
	}
}

// indents holds the indentation of every depth the reports reach.
var indents = strings.Repeat("  ", 16)

// indentAt is the indentation of depth d.
func indentAt(d int) string {
	if 2*d <= len(indents) {
		return indents[:2*d]
	}
	return strings.Repeat("  ", d)
}

// newline starts a line at depth d.
func (s *jsonStream) newline(d int) {
	s.writeString("\n")
	s.writeString(indentAt(d))
}

// next starts the next member or element of the open container.
func (s *jsonStream) next() {
	if !s.first {
		s.writeString(",")
	}
	s.first = false
	s.newline(s.depth)
}

// open opens an object ('{') or an array ('[') as the value being written.
func (s *jsonStream) open(delim byte) {
	s.writeString(string(delim))
	s.depth++
	s.first = true
}

// close closes the object ('}') or array (']') open, on a line of its own
// unless it is empty.
func (s *jsonStream) close(delim byte) {
	s.depth--
	if !s.first {
		s.newline(s.depth)
	}
	s.writeString(string(delim))
	s.first = false
}

// key starts the member name of the open object; its value comes next.
func (s *jsonStream) key(name string) {
	s.next()
	s.writeString(`"` + name + `": `)
}

// value writes v, encoded and indented for where it stands.
func (s *jsonStream) value(v any) {
	if s.err != nil {
		return
	}
	s.enc.SetIndent(indentAt(s.depth), "  ")
	if err := s.enc.Encode(v); err != nil && s.err == nil {
		s.err = err
	}
}

// field writes the member name: v of the open object.
func (s *jsonStream) field(name string, v any) {
	s.key(name)
	s.value(v)
}

// element writes v as the next element of the open array.
func (s *jsonStream) element(v any) {
	s.next()
	s.value(v)
}

// end ends the document with the newline json.Encoder ends it with, and
// writes out what is buffered.
func (s *jsonStream) end() error {
	s.writeString("\n")
	if s.err == nil {
		s.err = s.w.Flush()
	}
	return s.err
}

// jsonArray writes the member name: items of the open object, one item at
// a time. A nil slice is null, as encoding/json writes it.
func jsonArray[T any](s *jsonStream, name string, items []T) {
	s.key(name)
	if items == nil {
		s.writeString("null")
		return
	}
	s.open('[')
	for i := range items {
		if s.err != nil {
			return
		}
		s.element(&items[i])
	}
	s.close(']')
}
