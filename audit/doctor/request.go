package doctor

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Request is a captured token request: the endpoint it goes to, when the
// evidence shows it, and its parameters. The values of secret parameters
// (client_secret, password, refresh_token, code, code_verifier) and the
// password of HTTP Basic credentials are dropped as the request is read:
// nothing downstream can print what it never had.
type Request struct {
	// Shape is what the evidence was: "form body", "HTTP request" or
	// "curl command line".
	Shape string
	// URL is the endpoint, when an HTTP request line, a Host header or a
	// curl command line gives it.
	URL string
	// Encoding is how the body was encoded: "form"
	// (application/x-www-form-urlencoded, what Entra reads), "json" or
	// "multipart".
	Encoding string
	// Params are the body's parameters in order of appearance, secrets'
	// values removed.
	Params []Param
	// Secrets names the secret parameters the body carried.
	Secrets []string
	// BasicAuth is true when client credentials came in an Authorization:
	// Basic header (or curl -u); BasicClientID is its user part.
	BasicAuth     bool
	BasicClientID string
}

// Param is one body parameter.
type Param struct {
	Name  string
	Value string
}

// secretParams are the parameters whose values are never kept.
func secretParams() []string {
	return []string{"client_secret", "password", "refresh_token", "code", "code_verifier"}
}

// MaxRequestSize bounds the evidence ParseRequest reads.
const MaxRequestSize = 1 << 20

// Get returns the first value of a parameter.
func (r *Request) Get(name string) (string, bool) {
	for _, p := range r.Params {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

// HasSecret reports whether the request carries a client secret, in the
// body or as HTTP Basic credentials.
func (r *Request) HasSecret() bool {
	return r.BasicAuth || slices.Contains(r.Secrets, "client_secret")
}

// ParseRequest reads a captured token request: a form body
// (grant_type=...&client_id=...), a raw HTTP request as a proxy such as
// Fiddler shows it (request line, headers, blank line, body), or a curl
// command line (-d, --data, --data-raw, --data-binary, --data-urlencode,
// -F, -H, -u, --url, with shell quoting and line continuations of bash,
// cmd and PowerShell). Errors say what is wrong without quoting the input.
func ParseRequest(b []byte) (*Request, error) {
	text, err := evidenceText(b, MaxRequestSize, "request")
	if err != nil {
		return nil, err
	}
	if looksLikeJWT(text) {
		return nil, errors.New("this is a JWT, not a token request: give it with --assertion")
	}
	first, _, _ := strings.Cut(text, "\n")
	first = strings.TrimSpace(first)
	switch {
	case curlLine(first):
		return parseCurl(text)
	case httpRequestLine.MatchString(first):
		return parseHTTP(text)
	}
	r := &Request{Shape: "form body"}
	if err := r.body([]byte(text), ""); err != nil {
		return nil, err
	}
	return r, nil
}

// evidenceText is evidence as text, without a byte order mark and the
// white space around it; what names it in errors.
func evidenceText(b []byte, limit int, what string) (string, error) {
	if len(b) > limit {
		return "", fmt.Errorf("the %s is %d bytes long, more than the %d KiB appaudit reads", what, len(b), limit>>10)
	}
	text := strings.TrimSpace(strings.TrimPrefix(string(b), "\ufeff"))
	if text == "" {
		return "", fmt.Errorf("the %s is empty", what)
	}
	return text, nil
}

// curlLine reports whether a line starts a curl command, after a shell
// prompt if there is one ("$ ", "> ", "PS C:\src> ").
func curlLine(line string) bool {
	if strings.HasPrefix(line, "PS") {
		if _, rest, ok := strings.Cut(line, ">"); ok {
			line = rest
		}
	}
	line = strings.TrimLeft(line, "$>#% ")
	name, _, _ := strings.Cut(line, " ")
	return name == "curl" || name == "curl.exe"
}

var httpRequestLine = regexp.MustCompile(`^[A-Z]+ \S+ HTTP/\d(\.\d)?$`)

func looksLikeJWT(s string) bool {
	parts := strings.Split(s, ".")
	return (len(parts) == 3 || len(parts) == 5) && strings.HasPrefix(s, "eyJ") && !strings.ContainsAny(s, "&= \n")
}

// parseHTTP reads a raw HTTP request.
func parseHTTP(text string) (*Request, error) {
	r := &Request{Shape: "HTTP request"}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(head, "\n")
	fields := strings.Fields(lines[0])
	target := fields[1]
	var host, contentType string
	for i, line := range lines[1:] {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("line %d of the HTTP request is not a header (Name: value)", i+2)
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "host":
			host = value
		case "content-type":
			contentType = value
		case "authorization":
			r.authorization(value)
		}
	}
	switch {
	case isURL(target):
		r.URL = target
	case host != "":
		r.URL = "https://" + host + target
	}
	if err := r.body([]byte(strings.TrimSpace(body)), contentType); err != nil {
		return nil, err
	}
	return r, nil
}

// authorization reads an Authorization header: Basic credentials count as
// a client secret, whose password is dropped here.
func (r *Request) authorization(value string) {
	scheme, cred, _ := strings.Cut(strings.TrimSpace(value), " ")
	if !strings.EqualFold(scheme, "Basic") {
		return
	}
	r.BasicAuth = true
	if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred)); err == nil {
		user, _, _ := strings.Cut(string(b), ":")
		r.BasicClientID, _ = url.QueryUnescape(user)
	}
}

// body reads the request body by its content type, or by its look when
// the type is not known.
func (r *Request) body(b []byte, contentType string) error {
	mediaType, mparams, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimSpace(b)
	switch {
	case mediaType == "application/json" || (mediaType == "" && len(trimmed) > 0 && trimmed[0] == '{'):
		r.Encoding = "json"
		return r.jsonBody(trimmed)
	case mediaType == "multipart/form-data":
		r.Encoding = "multipart"
		return r.multipartBody(b, mparams["boundary"])
	}
	r.Encoding = "form"
	r.formBody(string(trimmed))
	return nil
}

// formBody reads application/x-www-form-urlencoded parameters, separated
// by & (or by line breaks, as some tools display them). A value that is
// not valid percent-encoding is kept as it is.
func (r *Request) formBody(s string) {
	for _, line := range strings.Split(s, "\n") {
		for _, pair := range strings.Split(strings.TrimSpace(line), "&") {
			if pair == "" {
				continue
			}
			name, value, _ := strings.Cut(pair, "=")
			if n, err := url.QueryUnescape(name); err == nil {
				name = n
			}
			if v, err := url.QueryUnescape(value); err == nil {
				value = v
			}
			r.add(name, value)
		}
	}
}

// add records a parameter, keeping only the name of a secret.
func (r *Request) add(name, value string) {
	if slices.Contains(secretParams(), name) {
		if !slices.Contains(r.Secrets, name) {
			r.Secrets = append(r.Secrets, name)
		}
		value = ""
	}
	r.Params = append(r.Params, Param{Name: name, Value: value})
}

func (r *Request) jsonBody(b []byte) error {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return errors.New("the request body starts like JSON but is not a JSON object")
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		v, _ := m[k].(string)
		r.add(k, v)
	}
	return nil
}

func (r *Request) multipartBody(b []byte, boundary string) error {
	if boundary == "" {
		return errors.New("the request is multipart/form-data but its Content-Type names no boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(b), boundary)
	for range 1000 {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return errors.New("the multipart/form-data body cannot be read")
		}
		v, err := io.ReadAll(io.LimitReader(p, MaxRequestSize))
		if err != nil {
			return errors.New("the multipart/form-data body cannot be read")
		}
		r.add(p.FormName(), string(v))
	}
	return errors.New("the multipart/form-data body has more than 1000 parts")
}

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
				return nil, fmt.Errorf("the curl command reads its body from a file (%s %s): paste the body itself, or give that file with --request", optionName(name), clipRunes(value, 60))
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

// clipRunes shortens s for a message.
func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
