package audit

// Verdict is the one-line conclusion of a diagnosis (appaudit doctor) or a
// rotation check (appaudit preflight), drawn from its findings: which
// finding decides, in words, and the values that put it right where the
// fix is mechanical. Its JSON tags are part of the report schema.
type Verdict struct {
	// Cause is the check ID of the finding the verdict rests on; empty when
	// no finding is at or above the level that decides (nothing wrong was
	// found, or the switch is safe).
	Cause string `json:"cause,omitempty"`
	// Text is the verdict for people: "most likely cause: …", "safe to
	// switch: …".
	Text string `json:"text"`
	// Values are exact values to use, by the header, claim or parameter
	// they go in: the right x5t#S256 for the certificate, the right aud,
	// the x5t and x5t#S256 a client will send with a new certificate.
	Values map[string]string `json:"values,omitempty"`
}
