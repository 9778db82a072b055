package graphclient

import (
	"encoding/json"
	"testing"
)

// lexerSeeds are values at the edges of JSON's grammar.
var lexerSeeds = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e-3`, `01`, `1.`, `.5`, `-`, `1e`, `1e+`, `true`, `tru`, `nul`, `[1,]`, `{"a":1,}`,
	`{"a" 1}`, `{1:2}`, `[1 2]`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, `"\x"`, `"\u12"`, "\"a\x01b\"", "\"\xff\xfe\"",
	`{"a":[{"b":null,"c":[true,false,-1.25E+10]}],"d":"\"\\\/\b\f\n\r\t"}`, `[[[[[[[[[[]]]]]]]]]]`, ` { "a" : [ 1 , 2 ] } `,
}

// The lexer accepts exactly the values encoding/json accepts, and reads
// strings to the same values: the decoder is as strict as the one it
// replaced. Run with go test -fuzz=FuzzLexer ./graphclient/.
func FuzzLexer(f *testing.F) {
	for _, s := range lexerSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l := lexer{b: b}
		err := l.skip()
		if err == nil {
			l.ws()
		}
		ok := err == nil && l.i == len(b)
		if ok != json.Valid(b) {
			t.Fatalf("%q: lexer says valid %v (%v at %d), encoding/json %v", b, ok, err, l.i, json.Valid(b))
		}
		if err != nil && (err.at < 0 || err.at > len(b)) {
			t.Fatalf("%q: error at %d, outside the input", b, err.at)
		}
		var want string
		if ok && len(b) > 0 && json.Unmarshal(b, &want) == nil {
			l := lexer{b: b}
			l.peek() // the decoder always stands on the quote when it reads a string
			raw, escaped, serr := l.str()
			if serr != nil {
				t.Fatalf("%q: %v", b, serr)
			}
			if got := unquote(raw, escaped); got != want {
				t.Fatalf("%q: unquoted %q, encoding/json %q", b, got, want)
			}
		}
	})
}

func TestLexerDepth(t *testing.T) {
	deep := make([]byte, 0, 2*maxNesting+2)
	for range maxNesting + 1 {
		deep = append(deep, '[')
	}
	l := lexer{b: deep}
	if err := l.skip(); err == nil || err.msg != "exceeded max depth" {
		t.Errorf("%d levels: %v", maxNesting+1, err)
	}
}
