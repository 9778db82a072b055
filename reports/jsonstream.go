package reports

import (
	"encoding/json"
	"io"
	"strings"
)

// streamBuffer is the window of rendered output a streaming reporter
// fills before it writes: every format but the table writes when it
// holds that much (JSON and JUnit between two values, so a value more).
const streamBuffer = 64 << 10

// jsonStream writes an indented JSON document piece by piece, in the very
// bytes json.Encoder with SetIndent("", "  ") writes for the whole
// document, so that a report of any size holds one value of it at a time
// (a finding, a credential inventory entry) and about streamBuffer bytes
// of output. The caller opens and closes objects and arrays, names the
// members in the order the document's struct declares them, and leaves
// out the empty ones its omitempty tags leave out; a value is encoded by
// encoding/json, with its escaping, or by one of the writers of
// jsonwrite.go, which write the values there are hundreds of thousands of
// in encoding/json's bytes without its reflection and its second pass to
// indent. The first write error ends the stream: every call after it does
// nothing, and end returns it.
type jsonStream struct {
	streamOut
	enc *json.Encoder
	// depth is the nesting of the value being written; first is true
	// until the container just opened has a member.
	depth int
	first bool
	// unwritable is set by a writer of jsonwrite.go that meets a value
	// encoding/json would fail on; elementOr takes the value back.
	unwritable bool
}

func newJSONStream(w io.Writer) *jsonStream {
	s := &jsonStream{streamOut: streamOut{w: w}}
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

// streamOut is the output of a report written by hand (JSON, JUnit):
// buf is what is written and not yet handed to w, which is handed it
// between two values once it holds streamBuffer bytes, so that a value
// being written can be taken back. The first error is kept, and every
// write after it does nothing.
type streamOut struct {
	w   io.Writer
	buf []byte
	err error
}

func (o *streamOut) write(p []byte) {
	if o.err == nil {
		o.buf = append(o.buf, p...)
	}
}

func (o *streamOut) writeString(p string) {
	if o.err == nil {
		o.buf = append(o.buf, p...)
	}
}

// flush hands w what is buffered once it is streamBuffer bytes or more,
// or with all whatever it is.
func (o *streamOut) flush(all bool) {
	if o.err != nil || len(o.buf) == 0 || (!all && len(o.buf) < streamBuffer) {
		return
	}
	_, o.err = o.w.Write(o.buf)
	o.buf = o.buf[:0]
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

// next starts the next member or element of the open container, first
// handing w what is buffered once it is streamBuffer bytes or more.
func (s *jsonStream) next() {
	if s.flush(false); s.err == nil {
		s.sep()
	}
}

// sep starts the next member or element of the open container, as next
// does but never handing w what is buffered: a value being written by
// the writers of jsonwrite.go can be taken back whole.
func (s *jsonStream) sep() {
	if !s.first {
		s.buf = append(s.buf, ',')
	}
	s.first = false
	s.buf = append(s.buf, '\n')
	s.buf = append(s.buf, indentAt(s.depth)...)
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
	if s.flush(false); s.err == nil {
		s.member(name)
	}
}

// member starts the member name of the open object, as key does but
// never handing w what is buffered. The name is written as it is: the
// reports' names need no escaping.
func (s *jsonStream) member(name string) {
	s.sep()
	s.buf = append(s.buf, '"')
	s.buf = append(s.buf, name...)
	s.buf = append(s.buf, `": `...)
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
	s.flush(true)
	return s.err
}

// jsonArray writes the member name: items of the open object, one item at
// a time, each encoded by encoding/json. A nil slice is null, as
// encoding/json writes it.
func jsonArray[T any](s *jsonStream, name string, items []T) {
	jsonElements(s, name, items, func(s *jsonStream, v *T) { s.element(v) })
}

// jsonElements writes the member name: items of the open object, each
// item written by write as the next element. A nil slice is null.
func jsonElements[T any](s *jsonStream, name string, items []T, write func(*jsonStream, *T)) {
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
		write(s, &items[i])
	}
	s.close(']')
}
