package reports

import (
	"strconv"
	"unicode/utf8"
)

// xmlWriter writes an XML document element by element, in the very bytes
// encoding/xml's Encoder with Indent("", "  ") writes for it: the same
// escaping of attribute values and text (xmlEscape), the same
// indentation (a start tag on a line of its own, an end tag too unless
// its element holds text or nothing), and no empty-element tags. It
// builds no values to encode: a JUnit report of a million test cases is
// written from the Result as it goes. The first write error is kept, and
// every write after it does nothing.
type xmlWriter struct {
	streamOut
	// depth, indentedIn and putNewline are encoding/xml's printer's: the
	// depth of the element being written, whether the last thing written
	// was a start tag, and whether anything was.
	depth      int
	indentedIn bool
	putNewline bool
}

// indent starts a line for a start tag (delta 1) or an end tag (delta
// -1), as encoding/xml's printer.writeIndent does.
func (x *xmlWriter) indent(delta int) {
	if delta < 0 {
		x.depth--
		if x.indentedIn {
			x.indentedIn = false
			return
		}
		x.indentedIn = false
	}
	if x.putNewline {
		x.writeString("\n")
	} else {
		x.putNewline = true
	}
	x.writeString(indentAt(x.depth))
	if delta > 0 {
		x.depth++
		x.indentedIn = true
	}
}

// open writes "<name": the attributes come next, then openEnd.
func (x *xmlWriter) open(name string) {
	x.indent(1)
	x.writeString("<")
	x.writeString(name)
}

// openEnd ends a start tag.
func (x *xmlWriter) openEnd() { x.writeString(">") }

// attr writes one attribute whose value is the concatenation of parts.
func (x *xmlWriter) attr(name string, parts ...string) {
	x.writeString(" ")
	x.writeString(name)
	x.writeString(`="`)
	for _, p := range parts {
		x.escape(p)
	}
	x.writeString(`"`)
}

// attrInt writes one attribute whose value is n.
func (x *xmlWriter) attrInt(name string, n int) {
	x.writeString(" ")
	x.writeString(name)
	x.writeString(`="`)
	if x.err == nil {
		x.buf = strconv.AppendInt(x.buf, int64(n), 10)
	}
	x.writeString(`"`)
}

// close writes the end tag of the element open.
func (x *xmlWriter) close(name string) {
	x.indent(-1)
	x.writeString("</")
	x.writeString(name)
	x.writeString(">")
}

// escape writes s as XML text or an attribute value: what xmlEscape says.
func (x *xmlWriter) escape(s string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if xmlPlain[c] {
			i++
			continue
		}
		r, width := rune(c), 1
		if c >= utf8.RuneSelf {
			r, width = utf8.DecodeRuneInString(s[i:])
		}
		esc := xmlEscape(r, width)
		if esc == "" {
			i += width
			continue
		}
		x.writeString(s[last:i])
		x.writeString(esc)
		i += width
		last = i
	}
	x.writeString(s[last:])
}

// xmlPlain marks the bytes that are a character encoding/xml writes as
// it is: printable ASCII but for the five markup characters.
var xmlPlain = func() (plain [256]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		plain[c] = c != '"' && c != '\'' && c != '&' && c != '<' && c != '>'
	}
	return plain
}()

// xmlEscape is what encoding/xml writes in place of the character r,
// width bytes long, in text and in attribute values, or "" when it writes
// it as it is: a character reference for the five markup characters and
// for tab, line feed and carriage return, and U+FFFD for a character
// XML does not allow (other control characters, surrogates, U+FFFE and
// U+FFFF) and for a byte that is not UTF-8.
func xmlEscape(r rune, width int) string {
	switch r {
	case '"':
		return "&#34;"
	case '\'':
		return "&#39;"
	case '&':
		return "&amp;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	case '\t':
		return "&#x9;"
	case '\n':
		return "&#xA;"
	case '\r':
		return "&#xD;"
	}
	if !xmlChar(r) || (r == utf8.RuneError && width == 1) {
		return "\uFFFD"
	}
	return ""
}

// xmlChar reports whether r is a character XML allows (the Char
// production of XML 1.0), as encoding/xml's isInCharacterRange does.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
