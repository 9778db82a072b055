package evidence

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrorResponse is what appaudit reads from an AADSTS error: the JSON body
// of the token endpoint's error response, or its error_description text as
// client libraries and logs print it. Only the parts below are kept.
type ErrorResponse struct {
	// Shape is "JSON error response" or "error text".
	Shape string
	// Error is the OAuth error ("invalid_client"), when the JSON gives it.
	Error string
	// Codes are the AADSTS codes, in order of appearance, each once.
	Codes []string
	// Reason is the "[Reason - ...]" part of the description.
	Reason string
	// AppID is the application the error names ("app Id '...'",
	// "Application with identifier '...'").
	AppID string
	// Directory is the tenant the error names ("in the directory '...'").
	Directory string
	// Thumbprint is the "Thumbprint of key used by client", as written.
	Thumbprint string
	// FoundKeyStart and FoundKeyEnd are the window of the key Entra found
	// ("Found key 'Start=..., End=...'"); zero when not given.
	FoundKeyStart, FoundKeyEnd time.Time
	// Timestamp is when Entra answered; zero when not given.
	Timestamp              time.Time
	TraceID, CorrelationID string
}

// ErrNoCode is ParseError's error for a text that names no AADSTS code.
var ErrNoCode = errors.New("no AADSTS code in the error text: give the JSON error response or its error_description (\"AADSTS700027: ...\")")

// MaxErrorSize bounds the evidence ParseError reads.
const MaxErrorSize = 1 << 20

var (
	reCode          = regexp.MustCompile(`AADSTS(\d{5,9})`)
	reReason        = regexp.MustCompile(`\[Reason - ([^.\]]+)`)
	reThumbprint    = regexp.MustCompile(`Thumbprint of key used by client: '([^']*)'`)
	reFoundKey      = regexp.MustCompile(`Found key 'Start=([^,']+), End=([^,']+)`)
	reAppIDs        = []*regexp.Regexp{regexp.MustCompile(`app Id '([^']+)'`), regexp.MustCompile(`[Aa]pplication with identifier '([^']+)'`), regexp.MustCompile(`added to app '([^']+)'`)}
	reDirectory     = regexp.MustCompile(`in the directory '([^']+)'`)
	reTimestamp     = regexp.MustCompile(`Timestamp: (\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})(?:\.\d+)?Z`)
	reTraceID       = regexp.MustCompile(`Trace ID: ([0-9a-fA-F-]{36})`)
	reCorrelationID = regexp.MustCompile(`Correlation ID: ([0-9a-fA-F-]{36})`)
)

// errorJSON is the token endpoint's error body.
type errorJSON struct {
	Error         string        `json:"error"`
	Description   string        `json:"error_description"`
	Codes         []json.Number `json:"error_codes"`
	Timestamp     string        `json:"timestamp"`
	TraceID       string        `json:"trace_id"`
	CorrelationID string        `json:"correlation_id"`
}

// ParseError reads an AADSTS error: the JSON error response (also when it
// is embedded in a longer log line or exception text), or the bare
// error_description text. It is an error when no AADSTS code is found.
func ParseError(b []byte) (*ErrorResponse, error) {
	text, err := evidenceText(b, MaxErrorSize, "error text")
	if err != nil {
		return nil, err
	}
	e := &ErrorResponse{Shape: "error text"}
	description := text
	if j, ok := findErrorJSON(text); ok {
		e.Shape = "JSON error response"
		e.Error = j.Error
		description = j.Description
		for _, c := range j.Codes {
			if code, ok := normalizeCode(c.String()); ok {
				e.addCode(code)
			}
		}
		e.Timestamp = parseErrorTime(j.Timestamp)
		e.TraceID, e.CorrelationID = j.TraceID, j.CorrelationID
	}
	for _, m := range reCode.FindAllStringSubmatch(description, 20) {
		if code, ok := normalizeCode(m[1]); ok {
			e.addCode(code)
		}
	}
	if len(e.Codes) == 0 {
		return nil, ErrNoCode
	}
	e.Reason = strings.TrimSpace(first(reReason, description))
	e.Thumbprint = first(reThumbprint, description)
	if m := reFoundKey.FindStringSubmatch(description); m != nil {
		e.FoundKeyStart, e.FoundKeyEnd = parseUSTime(m[1]), parseUSTime(m[2])
	}
	for _, re := range reAppIDs {
		if id := first(re, description); id != "" {
			e.AppID = id
			break
		}
	}
	e.Directory = first(reDirectory, description)
	if e.Timestamp.IsZero() {
		e.Timestamp = parseErrorTime(first(reTimestamp, description))
	}
	if e.TraceID == "" {
		e.TraceID = first(reTraceID, description)
	}
	if e.CorrelationID == "" {
		e.CorrelationID = first(reCorrelationID, description)
	}
	return e, nil
}

func (e *ErrorResponse) addCode(code string) {
	if !slices.Contains(e.Codes, code) {
		e.Codes = append(e.Codes, code)
	}
}

// normalizeCode turns digits into "AADSTS<digits>".
func normalizeCode(digits string) (string, bool) {
	n, err := strconv.ParseUint(strings.TrimPrefix(digits, "AADSTS"), 10, 32)
	if err != nil || n == 0 {
		return "", false
	}
	return "AADSTS" + strconv.FormatUint(n, 10), true
}

// findErrorJSON finds the error response JSON in text: all of it, or an
// object that starts inside it (an exception message that quotes the
// body). Only objects with an error_description or error_codes count.
func findErrorJSON(text string) (errorJSON, bool) {
	for i, tries := 0, 0; i < len(text) && tries < 20; tries++ {
		j := strings.IndexByte(text[i:], '{')
		if j < 0 {
			break
		}
		i += j
		var e errorJSON
		dec := json.NewDecoder(strings.NewReader(text[i:]))
		if dec.Decode(&e) == nil && (e.Description != "" || len(e.Codes) > 0) {
			return e, true
		}
		i++
	}
	return errorJSON{}, false
}

func first(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// parseErrorTime reads Entra's "2026-06-15 11:59:58Z".
func parseErrorTime(s string) time.Time {
	s = strings.TrimSuffix(strings.TrimSpace(s), "Z")
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// parseUSTime reads the month-first dates of "Found key 'Start=06/29/2021
// 21:13:15, ...'".
func parseUSTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"1/2/2006 15:04:05", "1/2/2006 3:04:05 PM", "1/2/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
