package evidence

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

// ParseForm reads s as application/x-www-form-urlencoded parameters (see
// formBody), dropping secrets' values: for a form body pasted where an
// assertion was expected.
func ParseForm(s string) *Request {
	r := &Request{Shape: "form body", Encoding: "form"}
	r.formBody(s)
	return r
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
