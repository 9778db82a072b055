package doctor

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/evidence"
)

// facts is what the evidence says, read in one step (readFacts) before any
// check runs. The checks read it and never change it; what they find out
// (the certificate that signed, the corrected values) is the diag's.
type facts struct {
	// req is the token request, nil when none was given.
	req *evidence.Request
	// errR is the AADSTS error, nil when none was given; errCode is its
	// primary code (see primaryCode), and errKnown its entry when
	// appaudit knows it.
	errR     *evidence.ErrorResponse
	errCode  string
	errKnown *audit.AADSTSCode
	// said is the cause the error's own text names, when appaudit knows
	// the wording (audit.AADSTSCode.Describe), and saidQuote the part of
	// the text that says it.
	said      *audit.AADSTSText
	saidQuote string
	// codes are the error's codes and the codes its wording means (an
	// older AADSTS50012 text that means AADSTS700024): the codes whose
	// checks the verdict puts first.
	codes []string

	// a is the client assertion: --assertion, else the request's
	// client_assertion; nil when there is none or it is malformed, and
	// then aErrMsg says why. aName says where it came from.
	a       *evidence.Assertion
	aName   string
	aErrMsg string
	// header are the assertion's thumbprint headers as read, in the order
	// of headerSlots; only those present.
	header []headerThumbprint

	// errTP is the thumbprint the error reports ("Thumbprint of key used
	// by client"), when it reads as one.
	errTP audit.Thumbprints

	// clientID is the client the request authenticates as, and
	// clientIDFrom where that came from.
	clientID, clientIDFrom string

	// at is the time of the request: the error's timestamp, else Now;
	// atIsError says which.
	at        time.Time
	atIsError bool

	// warnings are what reading the evidence found worth saying.
	warnings []string
}

// headerThumbprint is one thumbprint header of the assertion.
type headerThumbprint struct {
	slot headerSlot
	// value is the header's value when isString.
	value    string
	isString bool
	// parsed is the thumbprint the value holds, in whatever encoding;
	// err is why it holds none.
	parsed audit.ParsedThumbprint
	err    error
}

// readFacts reads the evidence of in. It is an error only when a request
// or an error text has nothing in it to diagnose; a malformed assertion is
// a fact (aErrMsg).
func readFacts(in *Input) (*facts, error) {
	f := &facts{at: in.Now.UTC()}
	if in.Request != nil {
		req, err := evidence.ParseRequest(in.Request.Data)
		if err != nil {
			return nil, fmt.Errorf("doctor: %s: %w", in.Request.Name, err)
		}
		f.req = req
	}
	if in.Error != nil {
		e, err := evidence.ParseError(in.Error.Data)
		if err != nil {
			return nil, fmt.Errorf("doctor: %s: %w", in.Error.Name, err)
		}
		f.errR = e
		f.errCode, f.errKnown = primaryCode(e.Codes)
		f.codes = e.Codes
		f.readSaid()
		switch {
		case !e.CurrentTime.IsZero():
			f.at, f.atIsError = e.CurrentTime, true
		case !e.Timestamp.IsZero():
			f.at, f.atIsError = e.Timestamp, true
		}
		if e.Thumbprint != "" {
			if p, err := audit.ParseThumbprint(e.Thumbprint); err == nil {
				f.errTP = p.Thumbprints
			}
		}
	}
	if raw := f.assertionText(in); raw != "" {
		f.parseAssertion(raw)
	}
	f.resolveClient(in)
	return f, nil
}

// readSaid finds what the error's own text says went wrong: the wording of
// its most specific code (the last) that appaudit knows.
func (f *facts) readSaid() {
	e := f.errR
	for i := len(e.Codes) - 1; i >= 0; i-- {
		c, ok := audit.LookupAADSTS(e.Codes[i])
		if !ok {
			continue
		}
		quote := e.Messages[e.Codes[i]]
		for _, text := range []string{e.Reason, quote} {
			if t, ok := c.Describe(text); ok && text != "" {
				f.said, f.saidQuote = &t, text
				if t.Like != "" {
					f.codes = append(slices.Clone(e.Codes), t.Like)
				}
				return
			}
		}
	}
}

func (f *facts) warn(format string, args ...any) {
	f.warnings = append(f.warnings, fmt.Sprintf(format, args...))
}

// assertionText picks the client assertion to diagnose: --assertion, else
// the request's client_assertion.
func (f *facts) assertionText(in *Input) string {
	var fromReq string
	if f.req != nil {
		fromReq, _ = f.req.Get("client_assertion")
	}
	if in.Assertion != nil {
		f.aName = in.Assertion.Name
		text := string(in.Assertion.Data)
		if fromReq != "" && strings.TrimSpace(text) != strings.TrimSpace(fromReq) {
			f.warn("the request's client_assertion is not the assertion given with --assertion: the assertion was diagnosed, not the request's")
		}
		return text
	}
	if fromReq != "" {
		f.aName = in.Request.Name + " (client_assertion)"
	}
	return fromReq
}

// parseAssertion reads the assertion, after taking off what people paste
// along with it: quotes, "Bearer ", a whole form body.
func (f *facts) parseAssertion(raw string) {
	s := strings.TrimSpace(raw)
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		s = s[1 : len(s)-1]
	}
	if len(s) > 7 && strings.EqualFold(s[:7], "bearer ") {
		s = strings.TrimSpace(s[7:])
	}
	if strings.Contains(s, "client_assertion=") {
		if v, ok := evidence.ParseForm(s).Get("client_assertion"); ok {
			f.warn("%s holds a token request, not only an assertion: its client_assertion was diagnosed (give the whole request with --request for the request checks)", f.aName)
			s = v
		}
	}
	a, err := evidence.ParseAssertion(s)
	if err != nil {
		msg := err.Error()
		if unexpanded.MatchString(s) {
			msg = "it is an unexpanded variable, not a token: paste the assertion as it was sent"
		}
		f.aErrMsg = msg
		return
	}
	f.a = a
	for _, slot := range headerSlots() {
		v, ok, isString := a.HeaderString(slot.name)
		if !ok {
			continue
		}
		h := headerThumbprint{slot: slot, value: v, isString: isString}
		if isString && strings.TrimSpace(v) != "" {
			h.parsed, h.err = audit.ParseThumbprint(v)
		}
		f.header = append(f.header, h)
	}
}

var unexpanded = regexp.MustCompile(`^(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|%[A-Za-z_][A-Za-z0-9_]*%|\$\([^)]*\))$`)

// headerNamed are the certificates the assertion's thumbprint headers name,
// in whatever encoding they are written.
func (f *facts) headerNamed() []audit.Thumbprints {
	var out []audit.Thumbprints
	for _, h := range f.header {
		if h.isString && h.err == nil && h.parsed.Known() {
			out = append(out, h.parsed.Thumbprints)
		}
	}
	return out
}

// resolveClient decides which client the request authenticates as: the
// --client-id given, else the request's client_id, else the assertion's
// iss, else the app the error names.
func (f *facts) resolveClient(in *Input) {
	type cand struct{ id, from string }
	cands := []cand{{in.ClientID, "--client-id"}}
	if f.req != nil {
		id, _ := f.req.Get("client_id")
		cands = append(cands, cand{id, "the request's client_id"}, cand{f.req.BasicClientID, "the request's Basic credentials"})
	}
	if f.a != nil {
		iss, _, _ := f.a.ClaimString("iss")
		sub, _, _ := f.a.ClaimString("sub")
		cands = append(cands, cand{iss, "the assertion's iss"}, cand{sub, "the assertion's sub"})
	}
	if f.errR != nil {
		cands = append(cands, cand{f.errR.AppID, "the error"})
	}
	for _, c := range cands {
		if id := strings.TrimSpace(c.id); id != "" {
			f.clientID, f.clientIDFrom = id, c.from
			break
		}
	}
}

// requestEndpoint is the token endpoint the request went to, when known.
func (f *facts) requestEndpoint() (evidence.Endpoint, bool) {
	if f.req == nil || f.req.URL == "" {
		return evidence.Endpoint{}, false
	}
	ep, ok := evidence.ParseEndpoint(f.req.URL)
	return ep, ok && ep.Version != ""
}

// errNoEvidence is Diagnose's answer to an Input with no evidence at all.
var errNoEvidence = errors.New("doctor: no evidence: give a client assertion, a token request or an AADSTS error")
