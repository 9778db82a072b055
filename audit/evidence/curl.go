package evidence

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// curlArgOptions are curl's options that take an argument, short and
// long, besides those parseCurl reads: their arguments are skipped.
func curlArgOptions() []string {
	return []string{"o", "output", "A", "user-agent", "e", "referer", "b", "cookie", "c", "cookie-jar",
		"m", "max-time", "connect-timeout", "x", "proxy", "w", "write-out", "cacert", "capath", "E", "cert",
		"key", "cert-type", "key-type", "resolve", "retry", "retry-delay", "retry-max-time", "T", "upload-file",
		"limit-rate", "r", "range", "K", "config", "interface", "dns-servers", "U", "proxy-user",
		"oauth2-bearer", "aws-sigv4", "max-redirs", "connect-to", "unix-socket", "trace", "trace-ascii",
		"stderr", "ciphers", "pass", "proxy-header", "local-port", "expect100-timeout", "variable"}
}

// parseCurl reads a curl command line.
func parseCurl(text string) (*Request, error) {
	words, err := shellWords(text)
	if err != nil {
		return nil, err
	}
	for len(words) > 0 {
		if w := strings.TrimLeft(words[0], "$>#% "); w == "curl" || w == "curl.exe" {
			break
		}
		words = words[1:] // a prompt
	}
	if len(words) == 0 {
		return nil, errors.New("the curl command line does not start with curl")
	}
	r := &Request{Shape: "curl command line"}
	var data []string
	var contentType string
	jsonBody, multipartForm := false, false
	words = words[1:]
	for i := 0; i < len(words); i++ {
		w := words[i]
		name, value, hasValue := "", "", false
		switch {
		case w == "--":
			continue
		case strings.HasPrefix(w, "--"):
			name, value, hasValue = strings.Cut(w[2:], "=")
		case strings.HasPrefix(w, "-") && len(w) > 1:
			// Short options, possibly bundled (-sSd value, -dvalue).
			for j := 1; j < len(w); j++ {
				c := string(w[j])
				if curlTakesArg(c) {
					name = c
					if j+1 < len(w) {
						value, hasValue = w[j+1:], true
					}
					break
				}
			}
			if name == "" {
				continue // boolean flags only
			}
		default:
			// The URL: the first argument that is one, else the first
			// argument.
			if r.URL == "" || (!isURL(r.URL) && isURL(w)) {
				r.URL = w
			}
			continue
		}
		if !curlTakesArg(name) {
			continue
		}
		if !hasValue {
			if i+1 >= len(words) {
				return nil, fmt.Errorf("the curl option %s has no value", optionName(name))
			}
			i++
			value = words[i]
		}
		switch name {
		case "d", "data", "data-ascii", "data-binary", "data-raw":
			if name != "data-raw" && strings.HasPrefix(value, "@") {
				return nil, fmt.Errorf("the curl command reads its body from a file (%s %s): paste the body itself, or give that file with --request", optionName(name), Clip(value, 60))
			}
			data = append(data, value)
		case "json":
			jsonBody = true
			data = append(data, value)
		case "data-urlencode":
			enc, err := curlURLEncode(value)
			if err != nil {
				return nil, err
			}
			data = append(data, enc)
		case "F", "form", "form-string":
			multipartForm = true
			field, v, _ := strings.Cut(value, "=")
			if name != "form-string" && (strings.HasPrefix(v, "@") || strings.HasPrefix(v, "<")) {
				return nil, fmt.Errorf("the curl option %s reads a field from a file: paste its content instead", optionName(name))
			}
			r.add(field, v)
		case "H", "header":
			hn, hv, _ := strings.Cut(value, ":")
			switch strings.ToLower(strings.TrimSpace(hn)) {
			case "content-type":
				contentType = strings.TrimSpace(hv)
			case "authorization":
				r.authorization(hv)
			}
		case "u", "user":
			r.BasicAuth = true
			user, _, _ := strings.Cut(value, ":")
			r.BasicClientID = user
		case "url":
			r.URL = value
		}
	}
	switch {
	case multipartForm:
		r.Encoding = "multipart"
	case jsonBody:
		r.Encoding = "json"
		return r, r.jsonBody([]byte(strings.Join(data, "")))
	default:
		if err := r.body([]byte(strings.Join(data, "&")), contentType); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func isURL(s string) bool { return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") }

func curlTakesArg(name string) bool {
	switch name {
	case "d", "data", "data-ascii", "data-binary", "data-raw", "data-urlencode", "json",
		"F", "form", "form-string", "H", "header", "u", "user", "X", "request", "url":
		return true
	}
	return slices.Contains(curlArgOptions(), name)
}

func optionName(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// curlURLEncode applies --data-urlencode's rules: "content", "=content"
// and "name=content" encode the content; "@file" and "name@file" read a
// file, which the doctor does not do.
func curlURLEncode(v string) (string, error) {
	i := strings.IndexAny(v, "=@")
	switch {
	case i < 0:
		return url.QueryEscape(v), nil
	case v[i] == '@':
		return "", errors.New("the curl option --data-urlencode reads a value from a file (name@file): paste the value instead")
	case i == 0:
		return url.QueryEscape(v[1:]), nil
	}
	return v[:i] + "=" + url.QueryEscape(v[i+1:]), nil
}

// shellWords splits a command line the way a POSIX shell would, closely
// enough for pasted curl commands: single and double quotes, $'...',
// backslash escapes, and line continuations (backslash in bash, caret in
// cmd, backtick in PowerShell).
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case (c == '\\' || c == '^' || c == '`') && continuation(s, i+1):
			// A line continuation: skip to the next line.
			for i+1 < len(s) && s[i+1] != '\n' {
				i++
			}
			i++
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			flush()
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("the curl command line has a ' quote that is never closed")
			}
			cur.WriteString(s[i+1 : i+1+end])
			inWord = true
			i += end + 1
		case c == '$' && i+1 < len(s) && s[i+1] == '\'':
			n, err := ansiQuoted(s[i+2:], &cur)
			if err != nil {
				return nil, err
			}
			inWord = true
			i += n + 1 // at the closing quote
		case c == '"':
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) && strings.IndexByte("\"\\$`\n", s[j+1]) >= 0 {
					j++
					if s[j] != '\n' {
						cur.WriteByte(s[j])
					}
					continue
				}
				cur.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, errors.New("the curl command line has a \" quote that is never closed")
			}
			inWord = true
			i = j
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	if len(words) == 0 {
		return nil, errors.New("the curl command line is empty")
	}
	return words, nil
}

// continuation reports whether only spaces stand between s[i:] and the
// end of the line.
func continuation(s string, i int) bool {
	for ; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r':
		case '\n':
			return true
		default:
			return false
		}
	}
	return false
}

// ansiQuoted reads the body of $'...' up to the closing quote, writing it
// to cur, and returns how many bytes it used, quote included.
func ansiQuoted(s string, cur *strings.Builder) (int, error) {
	for j := 0; j < len(s); j++ {
		switch s[j] {
		case '\'':
			return j + 1, nil
		case '\\':
			if j+1 < len(s) {
				j++
				switch s[j] {
				case 'n':
					cur.WriteByte('\n')
				case 't':
					cur.WriteByte('\t')
				default:
					cur.WriteByte(s[j])
				}
			}
		default:
			cur.WriteByte(s[j])
		}
	}
	return 0, errors.New("the curl command line has a $' quote that is never closed")
}
