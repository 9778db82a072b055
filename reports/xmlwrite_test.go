package reports

import (
	"bytes"
	"encoding/xml"
	"math/rand/v2"
	"testing"
)

// escapedByXMLWriter is s as xmlWriter writes it.
func escapedByXMLWriter(s string) []byte {
	var b bytes.Buffer
	x := &xmlWriter{streamOut: streamOut{w: &b}}
	x.escape(s)
	x.flush(true)
	return b.Bytes()
}

// escapedByEncodingXML is s as encoding/xml writes it as text; it writes
// attribute values alike.
func escapedByEncodingXML(t testing.TB, s string) []byte {
	var b bytes.Buffer
	if err := xml.EscapeText(&b, []byte(s)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// xmlEscapeSeeds are the characters encoding/xml writes otherwise than
// as they are, and their neighbours.
var xmlEscapeSeeds = []string{
	"", "plain", `"'&<>`, "\t\n\r", "\x00\x01\x1f\x7f", "a\x80b", "\xff", "\xed\xa0\x80",
	"\ufffd", "\ufffe\uffff", "\U0010ffff", "\u2028\u202e\u200d", "é日本😀", "x\xe2\x82", "<![CDATA[]]>",
}

// The JUnit report escapes text and attribute values as encoding/xml
// does, character for character.
func TestXMLWriterEscapesAsEncodingXML(t *testing.T) {
	cases := randomStrings(rand.New(rand.NewPCG(1, 2)), "a<&\"'>\t\n\r\x00\x1f\x7f\x80\xbf\xc3\xa9\xe2\x80\xa8\xef\xbf\xbe\xed\xa0\xf0\x9f\x98\x80\xff")
	for _, s := range append(cases, xmlEscapeSeeds...) {
		if got, want := escapedByXMLWriter(s), escapedByEncodingXML(t, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: written %q, encoding/xml writes %q", s, got, want)
		}
	}
}

func FuzzXMLWriterEscape(f *testing.F) {
	for _, s := range xmlEscapeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := escapedByXMLWriter(s), escapedByEncodingXML(t, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: written %q, encoding/xml writes %q", s, got, want)
		}
	})
}

// randomStrings are 20,000 strings of up to 11 bytes drawn from alphabet:
// its bytes make characters, halves of characters and bytes that are
// not UTF-8.
func randomStrings(rng *rand.Rand, alphabet string) []string {
	out := make([]string, 20000)
	for n := range out {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		out[n] = string(b)
	}
	return out
}
