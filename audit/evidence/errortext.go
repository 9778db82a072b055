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
	// Messages are what the description says after each code
	// ("AADSTS50012: Client assertion is not within its valid time
	// range."), by code, up to the reason, the trace ID or the end of the
	// line.
	Messages map[string]string
	// Reason is the "[Reason - ...]" part of the description.
	Reason string
	// AppID is the application the error names ("app Id '...'",
	// "Application with identifier '...'", "for app '...'", or the
	// applications/{id} of the Graph URL older texts give).
	AppID string
	// Directory is the tenant the error names ("in the directory '...'",
	// "in the tenant named ...").
	Directory string
	// Resource is the resource AADSTS500011 says has no service principal
	// in the tenant ("The resource principal named ... was not found").
	Resource string
	// Thumbprint is the "Thumbprint of key used by client", as written.
	Thumbprint string
	// FoundKeyStart and FoundKeyEnd are the window of the key Entra found
	// ("Found key 'Start=..., End=...'"); zero when not given.
	FoundKeyStart, FoundKeyEnd time.Time
	// CurrentTime, AssertionValidFrom and AssertionExpiry are the times
	// AADSTS700024 (and 500133) give: when Entra got the assertion, and the
	// window it read from nbf and exp. Zero when not given; a valid-from
	// of 1970 means the assertion had no nbf Entra read, and is zero here.
	CurrentTime, AssertionValidFrom, AssertionExpiry time.Time
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
	reAppIDs        = []*regexp.Regexp{regexp.MustCompile(`app Id '([^']+)'`), regexp.MustCompile(`[Aa]pplication with identifier '([^']+)'`), regexp.MustCompile(`(?:added to|for) app '([^']+)'`), regexp.MustCompile(`graph\.microsoft\.com/(?:beta|v1\.0)/applications/([0-9a-fA-F-]{36})`)}
	reDirectories   = []*regexp.Regexp{regexp.MustCompile(`in the directory '([^']+)'`), regexp.MustCompile(`in the tenant named ([^.\r\n]+)\.`)}
	reResource      = regexp.MustCompile(`resource principal named (\S+) was not found`)
	reCurrentTime   = regexp.MustCompile(`Current time:\s*(\S+?),`)
	reValidFrom     = regexp.MustCompile(`valid from\s+(\S+?),`)
	reExpiry        = regexp.MustCompile(`expiry time of assertion\s+(\d{4}-\d\d-\d\dT[0-9:.]+Z)`)
	reCodeText      = regexp.MustCompile(`AADSTS(\d{5,9}):`)
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
	for _, re := range reDirectories {
		if dir := strings.TrimSpace(first(re, description)); dir != "" {
			e.Directory = dir
			break
		}
	}
	e.Resource = first(reResource, description)
	e.Messages = codeMessages(description)
	e.CurrentTime = parseISOTime(first(reCurrentTime, description))
	if from := parseISOTime(first(reValidFrom, description)); from.Year() > 1970 {
		e.AssertionValidFrom = from
	}
	e.AssertionExpiry = parseISOTime(first(reExpiry, description))
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

// codeMessages are what description says after each "AADSTSnnnnn:", up to
// the next code, the reason, the trace ID, the pointer to the
// documentation or the end of the line.
func codeMessages(description string) map[string]string {
	ms := map[string]string{}
	locs := reCodeText.FindAllStringSubmatchIndex(description, 20)
	for i, loc := range locs {
		code, ok := normalizeCode(description[loc[2]:loc[3]])
		if !ok {
			continue
		}
		end := len(description)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		text := description[loc[1]:end]
		for _, stop := range []string{"\n", "\r", "\\r\\n", "[Reason", "Trace ID:", "Correlation ID:", "Timestamp:", "Review the documentation"} {
			if j := strings.Index(text, stop); j >= 0 {
				text = text[:j]
			}
		}
		if text = strings.TrimSpace(text); text != "" {
			if _, seen := ms[code]; !seen {
				ms[code] = Clip(text, 300)
			}
		}
	}
	return ms
}

// parseISOTime reads the times AADSTS700024 gives:
// "2025-08-29T05:47:32.1501147Z".
func parseISOTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
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
