package graphclient

import (
	"bytes"
	"errors"
	"io"
)

// MaxObjectSize bounds what the decoder holds at once: one directory object
// of a listing, or one member of the document around the listing. Entra
// keeps an object to about 1,000 items across its collections, so a real
// application with every certificate body is a few MiB at most; anything
// larger is refused rather than buffered.
const MaxObjectSize = 16 << 20

// errTooLarge is what input reports when a value outgrows MaxObjectSize.
var errTooLarge = errors.New("larger than the limit")

// input reads JSON in chunks and hands out one value at a time, with the
// byte offset of every value it returns, so that errors can name a line and
// column. It holds only the value being read and one chunk of read-ahead:
// bytes before keep are dropped (after counting their newlines) when the
// buffer needs room.
type input struct {
	r    io.Reader
	name string

	buf  []byte
	pos  int   // next unread byte of buf
	keep int   // bytes of buf before keep are no longer needed
	base int64 // input offset of buf[0]
	err  error // the error (io.EOF at the end) that stopped reading

	lines  int   // newlines in the bytes already dropped
	lineAt int64 // input offset at which the line holding buf[0] starts

	scratch scratch // the object decoder's, kept between objects
}

const readChunk = 64 << 10

func newInput(r io.Reader, name string) *input {
	if name == "" {
		name = "input"
	}
	in := &input{r: r, name: name}
	if r != nil {
		in.buf = make([]byte, 0, readChunk)
	}
	return in
}

// offset is the input offset of the next unread byte.
func (in *input) offset() int64 { return in.base + int64(in.pos) }

// fill reads more input into buf. It returns errTooLarge when the bytes
// still needed exceed MaxObjectSize, the read error (io.EOF at the end)
// when nothing more can be read, and nil when buf grew.
func (in *input) fill() error {
	if in.err != nil {
		return in.err
	}
	if in.keep > 0 && in.keep >= len(in.buf)/2 {
		in.drop()
	}
	if len(in.buf)-in.keep > MaxObjectSize {
		return errTooLarge
	}
	if cap(in.buf)-len(in.buf) < readChunk/2 {
		nb := make([]byte, len(in.buf), 2*cap(in.buf)+readChunk)
		copy(nb, in.buf)
		in.buf = nb
	}
	for range 100 {
		n, err := in.r.Read(in.buf[len(in.buf):min(cap(in.buf), len(in.buf)+readChunk)])
		in.buf = in.buf[:len(in.buf)+n]
		if err != nil {
			in.err = err
		}
		if n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
	in.err = io.ErrNoProgress
	return in.err
}

// drop forgets the bytes before keep, counting their lines first.
func (in *input) drop() {
	gone := in.buf[:in.keep]
	in.lines += bytes.Count(gone, []byte{'\n'})
	if j := bytes.LastIndexByte(gone, '\n'); j >= 0 {
		in.lineAt = in.base + int64(j) + 1
	}
	n := copy(in.buf, in.buf[in.keep:])
	in.buf = in.buf[:n]
	in.base += int64(in.keep)
	in.pos -= in.keep
	in.keep = 0
}

// position turns an input offset into a 1-based line and column (counted
// in bytes). ok is false for an offset whose bytes were already dropped.
func (in *input) position(off int64) (line, col int, ok bool) {
	if off < in.base {
		return 0, 0, false
	}
	i := int(min(off-in.base, int64(len(in.buf))))
	seen := in.buf[:i]
	line = in.lines + bytes.Count(seen, []byte{'\n'}) + 1
	lineAt := in.lineAt
	if j := bytes.LastIndexByte(seen, '\n'); j >= 0 {
		lineAt = in.base + int64(j) + 1
	}
	return line, int(in.base+int64(i)-lineAt) + 1, true
}

// next skips white space and returns the next byte without consuming it;
// ok is false at the end of the input (or on a read error, left in err).
func (in *input) next() (c byte, ok bool) {
	for {
		for in.pos < len(in.buf) {
			switch c := in.buf[in.pos]; c {
			case ' ', '\t', '\r', '\n':
				in.pos++
			default:
				return c, true
			}
		}
		in.keep = in.pos
		if in.fill() != nil {
			return 0, false
		}
	}
}

// value reads the next JSON value and returns its bytes, valid until the
// next read, and its input offset. It only finds where the value ends;
// json.Unmarshal validates it. At the end of the input it returns what
// there is (which then fails to unmarshal where it stops), and
// errTooLarge or a read error as they come.
func (in *input) value() ([]byte, int64, error) {
	if _, ok := in.next(); !ok {
		return nil, in.offset(), in.readErr()
	}
	in.keep = in.pos
	start := in.offset() // fill may move the bytes in buf, so offsets
	from := start
	var v valueEnd
	for {
		if n := v.scan(in.buf[from-in.base:]); n >= 0 {
			in.pos = int(from-in.base) + n
			if in.offset()-start > MaxObjectSize {
				return nil, start, errTooLarge
			}
			return in.buf[start-in.base : in.pos], start, nil
		}
		from = in.base + int64(len(in.buf))
		if from-start > MaxObjectSize {
			return nil, start, errTooLarge
		}
		err := in.fill()
		if err == io.EOF {
			in.pos = len(in.buf)
			return in.buf[start-in.base:], start, nil
		}
		if err != nil {
			return nil, start, err
		}
	}
}

// readErr is the error that stopped reading, nil at a clean end.
func (in *input) readErr() error {
	if in.err == io.EOF {
		return nil
	}
	return in.err
}

// valueEnd finds where a JSON value ends, across chunks. It tracks only
// nesting and strings; whether the value is valid JSON is json.Unmarshal's
// to say.
type valueEnd struct {
	depth int
	str   bool // inside a string
	esc   bool // just after a backslash inside a string
	lit   bool // inside a number or literal outside any object or array
}

// scan consumes b, the next bytes of the value, and returns the index in b
// just past the value's end, or -1 if the value goes on after b.
func (v *valueEnd) scan(b []byte) int {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if v.str {
			if v.esc {
				v.esc = false
				continue
			}
			// Skip to the next quote or backslash.
			j := bytes.IndexByte(b[i:], '"')
			if j < 0 {
				j = len(b) - i
			}
			if k := bytes.IndexByte(b[i:i+j], '\\'); k >= 0 {
				i += k
				v.esc = true
				continue
			}
			if i += j; i == len(b) {
				return -1
			}
			v.str = false
			if v.depth == 0 {
				return i + 1
			}
			continue
		}
		if v.lit {
			switch c {
			case ',', '}', ']', ' ', '\t', '\r', '\n', '{', '[', '"', ':':
				return i
			}
			continue
		}
		switch c {
		case '"':
			v.str = true
		case '{', '[':
			v.depth++
		case '}', ']':
			v.depth--
			if v.depth <= 0 {
				return i + 1
			}
		case ' ', '\t', '\r', '\n', ',', ':':
		default:
			if v.depth == 0 {
				v.lit = true
			}
		}
	}
	return -1
}
