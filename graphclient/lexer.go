package graphclient

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// lexer walks one JSON value held in memory (a directory object the input
// has delimited) and validates it as it goes, as strictly as
// encoding/json: the grammar of RFC 8259, no control character inside a
// string, only JSON's escapes, at most maxNesting levels. It is what lets
// the object decoder read the members appaudit needs in one pass, without
// reflection, and skip the others without building them. Its errors carry
// the offset of the offending byte and encoding/json's wording.
type lexer struct {
	b []byte
	i int
}

// maxNesting is encoding/json's bound on nesting; a deeper value is
// refused, never walked on the stack.
const maxNesting = 10000

// syntaxError is invalid JSON at offset at of the lexer's input.
type syntaxError struct {
	at  int
	msg string
}

func (l *lexer) ws() {
	for l.i < len(l.b) {
		switch l.b[l.i] {
		case ' ', '\t', '\r', '\n':
			l.i++
		default:
			return
		}
	}
}

// fail is a syntax error at the lexer's position: the end of input, or
// an unexpected character seen in context ("looking for beginning of
// value", "after object key").
func (l *lexer) fail(context string) *syntaxError {
	if l.i >= len(l.b) {
		return &syntaxError{at: len(l.b), msg: "unexpected end of JSON input"}
	}
	return &syntaxError{at: l.i, msg: "invalid character " + quoteChar(l.b[l.i]) + " " + context}
}

// quoteChar renders a byte as encoding/json's messages do.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

// peek is the next byte after white space, 0 at the end.
func (l *lexer) peek() byte {
	l.ws()
	if l.i < len(l.b) {
		return l.b[l.i]
	}
	return 0
}

// str reads the string at the lexer's position and returns its raw
// contents (between the quotes) and whether they hold an escape; unquote
// turns them into the string's value.
func (l *lexer) str() (raw []byte, escaped bool, err *syntaxError) {
	start := l.i + 1
	i := start
	for {
		// Skip the plain bytes quickly.
		j := i
		for j < len(l.b) && l.b[j] != '"' && l.b[j] != '\\' && l.b[j] >= 0x20 {
			j++
		}
		i = j
		if i >= len(l.b) {
			l.i = i
			return nil, false, l.fail("")
		}
		switch c := l.b[i]; {
		case c == '"':
			l.i = i + 1
			return l.b[start:i], escaped, nil
		case c < 0x20:
			l.i = i
			return nil, false, l.fail("in string literal")
		default: // a backslash
			escaped = true
			if i+1 >= len(l.b) {
				l.i = i + 1
				return nil, false, l.fail("")
			}
			switch l.b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := i + 2; k < i+6; k++ {
					if k >= len(l.b) || !isHex(l.b[k]) {
						l.i = k
						return nil, false, l.fail("in \\u hexadecimal character escape")
					}
				}
				i += 6
			default:
				l.i = i + 1
				return nil, false, l.fail("in string escape code")
			}
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// unquote is the value of a string whose raw contents str returned, as
// encoding/json gives it: escapes resolved, a lone surrogate and bytes
// that are not UTF-8 replaced by U+FFFD.
func unquote(raw []byte, escaped bool) string {
	if !escaped {
		if utf8.Valid(raw) {
			return string(raw)
		}
		return string(validUTF8(raw))
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(raw[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2 = hex4(raw[i+2:])
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					i += 6
					r = dec
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
			continue
		default: // " \ /
			out = append(out, raw[i+1])
		}
		i += 2
	}
	if !utf8.Valid(out) {
		out = validUTF8(out)
	}
	return string(out)
}

// validUTF8 replaces each byte of b that is not part of UTF-8 with U+FFFD,
// one for one, as encoding/json does.
func validUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c <= 'F':
			c -= 'A' - 10
		default:
			c -= 'a' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// literal reads true, false or null, whose first byte is at the
// lexer's position.
func (l *lexer) literal() *syntaxError {
	var want string
	switch l.b[l.i] {
	case 't':
		want = "true"
	case 'f':
		want = "false"
	default:
		want = "null"
	}
	for k := 1; k < len(want); k++ {
		if l.i+k >= len(l.b) || l.b[l.i+k] != want[k] {
			l.i += k
			return l.fail("in literal " + want + " (expecting " + quoteChar(want[k]) + ")")
		}
	}
	l.i += len(want)
	return nil
}

// number reads a JSON number at the lexer's position.
func (l *lexer) number() *syntaxError {
	b, i := l.b, l.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() bool {
		s := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > s
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		l.i = i
		return l.fail("in numeric literal")
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			l.i = i
			return l.fail("after decimal point in numeric literal")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			l.i = i
			return l.fail("in exponent of numeric literal")
		}
	}
	l.i = i
	return nil
}

// skip reads and validates the value at the lexer's position, whatever
// it is, building nothing; it walks nested values with a counter, not
// the stack.
func (l *lexer) skip() *syntaxError {
	var open []byte // the brackets still open, innermost last
	for {
		// A value.
		switch l.peek() {
		case '"':
			if _, _, err := l.str(); err != nil {
				return err
			}
		case '{', '[':
			if len(open) == maxNesting {
				return &syntaxError{at: l.i, msg: "exceeded max depth"}
			}
			c := l.b[l.i]
			open = append(open, c)
			l.i++
			if c == '{' {
				switch l.peek() {
				case '}':
					l.i++
					open = open[:len(open)-1]
				case '"':
					if err := l.memberName(); err != nil {
						return err
					}
					continue
				default:
					return l.fail("looking for beginning of object key string")
				}
			} else {
				if l.peek() != ']' {
					continue
				}
				l.i++
				open = open[:len(open)-1]
			}
		case 't', 'f', 'n':
			if err := l.literal(); err != nil {
				return err
			}
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			if err := l.number(); err != nil {
				return err
			}
		default:
			return l.fail("looking for beginning of value")
		}
		// What follows it, closing what it ends.
		for {
			if len(open) == 0 {
				return nil
			}
			inObject := open[len(open)-1] == '{'
			closer, after := byte(']'), "after array element"
			if inObject {
				closer, after = '}', "after object key:value pair"
			}
			switch l.peek() {
			case closer:
				l.i++
				open = open[:len(open)-1]
				continue
			case ',':
				l.i++
				if !inObject {
					break
				}
				if l.peek() != '"' {
					return l.fail("looking for beginning of object key string")
				}
				if err := l.memberName(); err != nil {
					return err
				}
			default:
				return l.fail(after)
			}
			break
		}
	}
}

// memberName reads `"name":` at the lexer's position, leaving it at the
// member's value.
func (l *lexer) memberName() *syntaxError {
	if _, _, err := l.str(); err != nil {
		return err
	}
	if l.peek() != ':' {
		return l.fail("after object key")
	}
	l.i++
	return nil
}

// open reads the { that starts an object.
func (l *lexer) open() *fieldError {
	if l.peek() != '{' {
		return &fieldError{syntax: l.fail("looking for beginning of value")}
	}
	l.i++
	return nil
}

// member reads the name of member n of the object open began (its raw
// contents, and whether they hold an escape) and leaves the lexer at its
// value, which the caller must consume before asking for member n+1.
// more is false at the object's end.
func (l *lexer) member(n int) (name []byte, escaped, more bool, err *fieldError) {
	switch c := l.peek(); {
	case c == '}':
		l.i++
		return nil, false, false, nil
	case n > 0 && c != ',':
		return nil, false, false, &fieldError{syntax: l.fail("after object key:value pair")}
	case n > 0:
		l.i++
	}
	if l.peek() != '"' {
		return nil, false, false, &fieldError{syntax: l.fail("looking for beginning of object key string")}
	}
	name, escaped, serr := l.str()
	if serr != nil {
		return nil, false, false, &fieldError{syntax: serr}
	}
	if l.peek() != ':' {
		return nil, false, false, &fieldError{syntax: l.fail("after object key")}
	}
	l.i++
	l.ws()
	return name, escaped, true, nil
}

// kindAt names the kind of JSON value at the lexer's position as
// encoding/json's type errors do: string, number, bool, array, object.
func (l *lexer) kindAt() string {
	switch l.peek() {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "number"
}
