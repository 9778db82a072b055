package graphclient

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// Values are found whole however the input is cut into reads.
func TestInputValues(t *testing.T) {
	const doc = " {\"a\": [1, {\"b\": \"x\\\"}]\"}], \"c\": \"\\\\\"} \n\t-12.5e3 true \"s\\u00e9\" [] null"
	want := []string{`{"a": [1, {"b": "x\"}]"}], "c": "\\"}`, `-12.5e3`, `true`, `"s\u00e9"`, `[]`, `null`}
	for name, r := range map[string]func() io.Reader{
		"whole":    func() io.Reader { return strings.NewReader(doc) },
		"one byte": func() io.Reader { return iotest.OneByteReader(strings.NewReader(doc)) },
		"half":     func() io.Reader { return iotest.HalfReader(strings.NewReader(doc)) },
	} {
		in := newInput(r(), "doc")
		for i, w := range want {
			raw, start, err := in.value()
			if err != nil || string(raw) != w || start != int64(strings.Index(doc, w)) {
				t.Errorf("%s: value %d = %q at %d (%v), want %q at %d", name, i, raw, start, err, w, strings.Index(doc, w))
			}
			if !json.Valid(raw) {
				t.Errorf("%s: %q is not valid JSON", name, raw)
			}
		}
		if _, ok := in.next(); ok {
			t.Errorf("%s: more after the last value", name)
		}
	}
}

// Line and column stay right after the bytes before them were dropped.
func TestInputPosition(t *testing.T) {
	var b strings.Builder
	b.WriteString("[\n")
	for i := range 5000 {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString(`  {"appId": "` + strings.Repeat("x", 40) + `"}`)
	}
	b.WriteString("\n]")
	doc := b.String()
	in := newInput(iotest.HalfReader(strings.NewReader(doc)), "doc")
	if c, ok := in.next(); !ok || c != '[' {
		t.Fatal("no [")
	}
	in.pos++
	for i := range 5000 {
		c, _ := in.next()
		if c == ',' {
			in.pos++
		}
		_, start, err := in.value()
		if err != nil {
			t.Fatal(err)
		}
		line, col, ok := in.position(start)
		if !ok || line != i+2 || col != 3 {
			t.Fatalf("object %d at %d:%d (%v), want %d:3", i, line, col, ok, i+2)
		}
	}
	if in.base == 0 {
		t.Error("nothing was dropped: the test does not test dropping")
	}
	if _, _, ok := in.position(0); ok {
		t.Error("a dropped offset has a position")
	}
}

// What a value lacks at the end of the input is handed over as it is, so
// that json.Unmarshal says where it stops.
func TestInputTruncated(t *testing.T) {
	in := newInput(strings.NewReader(`{"a": [1, 2`), "doc")
	raw, start, err := in.value()
	if err != nil || string(raw) != `{"a": [1, 2` || start != 0 {
		t.Errorf("%q %d %v", raw, start, err)
	}
	if json.Unmarshal(raw, new(any)) == nil {
		t.Error("a truncated value unmarshals")
	}
}

// objects generates a JSON array of n small objects without holding it.
type objects struct {
	n, i int
	pend []byte
}

func (o *objects) Read(p []byte) (int, error) {
	for len(o.pend) == 0 {
		switch {
		case o.i > o.n:
			return 0, io.EOF
		case o.i == o.n:
			o.pend = []byte("]")
		case o.i == 0:
			o.pend = []byte(`[{"appId":"a0","keyCredentials":[{"keyId":"k","endDateTime":"2027-01-01T00:00:00Z","customKeyIdentifier":"AQIDBAUGBwgJCgsMDQ4PEBESExQ="}]}`)
		default:
			o.pend = []byte(",\n" + `{"appId":"a","keyCredentials":[{"keyId":"k","endDateTime":"2027-01-01T00:00:00Z","customKeyIdentifier":"AQIDBAUGBwgJCgsMDQ4PEBESExQ="}]}`)
		}
		o.i++
	}
	n := copy(p, o.pend)
	o.pend = o.pend[n:]
	return n, nil
}

// The decoder's own memory does not grow with the input: 40 MB of
// objects go through a buffer of a few chunks.
func TestInputMemoryBound(t *testing.T) {
	const n = 400_000
	in := newInput(&objects{n: n}, "gen")
	in.next()
	count := 0
	got, err := in.array(list{}, func(Object) error { count++; return nil })
	if err != nil || got != n || count != n {
		t.Fatalf("%d objects, %v", got, err)
	}
	if in.offset() < 40_000_000 {
		t.Fatalf("only %d bytes read", in.offset())
	}
	if c := cap(in.buf); c > 4*readChunk {
		t.Errorf("buffer grew to %d bytes", c)
	}
}
