package audit_test

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/appaudit/appaudit/audit"
	"github.com/appaudit/appaudit/audit/audittest"
)

func TestParseThumbprintRenderings(t *testing.T) {
	c := audittest.Valid("svc", now, days(1), days(100))
	tp := c.Thumbprints()
	sha1Bytes, _ := hex.DecodeString(tp.SHA1)
	sha256Bytes, _ := hex.DecodeString(tp.SHA256)
	colons := func(h string) string {
		var parts []string
		for i := 0; i < len(h); i += 2 {
			parts = append(parts, h[i:i+2])
		}
		return strings.Join(parts, ":")
	}
	tests := []struct {
		name, in string
		sha1     bool
		enc      audit.ThumbprintEncoding
	}{
		{"upper hex", tp.SHA1, true, audit.EncodingHex},
		{"lower hex", strings.ToLower(tp.SHA1), true, audit.EncodingHex},
		{"spaced, from the Windows dialog", "\u200e" + strings.ToLower(strings.ReplaceAll(colons(tp.SHA1), ":", " ")), true, audit.EncodingHex},
		{"colons", colons(tp.SHA256), false, audit.EncodingHex},
		{"sha256 hex with a trailing newline", tp.SHA256 + "\r\n", false, audit.EncodingHex},
		{"x5t base64url", base64.RawURLEncoding.EncodeToString(sha1Bytes), true, audit.EncodingBase64URL},
		{"x5t#S256 base64url", base64.RawURLEncoding.EncodeToString(sha256Bytes), false, audit.EncodingBase64URL},
		{"x5t standard base64 padded, as MSAL Go sends", base64.StdEncoding.EncodeToString(sha1Bytes), true, audit.EncodingBase64},
		{"x5t#S256 standard base64 padded", base64.StdEncoding.EncodeToString(sha256Bytes), false, audit.EncodingBase64},
		{"base64 of the hex text", base64.StdEncoding.EncodeToString([]byte(tp.SHA1)), true, audit.EncodingBase64OfHex},
		{"base64url of the sha256 hex text", base64.RawURLEncoding.EncodeToString([]byte(strings.ToLower(tp.SHA256))), false, audit.EncodingBase64OfHex},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := audit.ParseThumbprint(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			want := audit.Thumbprints{SHA256: tp.SHA256}
			if tc.sha1 {
				want = audit.Thumbprints{SHA1: tp.SHA1}
			}
			if p.Thumbprints != want || p.Encoding != tc.enc {
				t.Errorf("got %+v %s, want %+v %s", p.Thumbprints, p.Encoding, want, tc.enc)
			}
		})
	}
}

func TestParseThumbprintErrors(t *testing.T) {
	for _, in := range []string{"", " \u200e ", "1DAEBE67", "not a thumbprint at all", base64.RawURLEncoding.EncodeToString(make([]byte, 16)), strings.Repeat("Z", 40)} {
		_, err := audit.ParseThumbprint(in)
		if err == nil || !errors.Is(err, audit.ErrThumbprint) {
			t.Errorf("%q: error %v, want ErrThumbprint", in, err)
		}
	}
}

func TestThumbprintHeaderValues(t *testing.T) {
	c := audittest.Valid("svc", now, days(1), days(100))
	tp := c.Thumbprints()
	if len(tp.X5t()) != 27 || len(tp.X5tS256()) != 43 {
		t.Errorf("x5t %q (%d), x5t#S256 %q (%d): want 27 and 43 characters", tp.X5t(), len(tp.X5t()), tp.X5tS256(), len(tp.X5tS256()))
	}
	back, err := audit.ParseThumbprint(tp.X5tS256())
	if err != nil || back.SHA256 != tp.SHA256 {
		t.Errorf("x5t#S256 does not read back: %+v %v", back, err)
	}
	if (audit.Thumbprints{}).X5t() != "" {
		t.Error("x5t of an unknown thumbprint must be empty")
	}
}

func TestThumbprintsFromKeyIdentifier(t *testing.T) {
	c := audittest.Valid("svc", now, days(1), days(100))
	tp := c.Thumbprints()
	raw, _ := hex.DecodeString(tp.SHA1)
	// The hex text put in the JSON as if it were base64: Graph stores the
	// 30 bytes it decodes to.
	misread, err := base64.StdEncoding.DecodeString(strings.ToLower(tp.SHA1))
	if err != nil {
		t.Fatal(err)
	}
	misread256, _ := base64.StdEncoding.DecodeString(tp.SHA256)
	tests := []struct {
		name string
		in   []byte
		want audit.Thumbprints
	}{
		{"raw SHA-1 digest", raw, audit.Thumbprints{SHA1: tp.SHA1}},
		{"hex text", []byte(strings.ToLower(tp.SHA1)), audit.Thumbprints{SHA1: tp.SHA1}},
		{"SHA-256 hex text", []byte(tp.SHA256), audit.Thumbprints{SHA256: tp.SHA256}},
		{"hex text read as base64", misread, audit.Thumbprints{SHA1: tp.SHA1}},
		{"SHA-256 hex text read as base64", misread256, audit.Thumbprints{SHA256: tp.SHA256}},
		{"arbitrary", []byte("MyCert-2026"), audit.Thumbprints{}},
		{"30 arbitrary bytes", []byte(strings.Repeat("\xff", 30)), audit.Thumbprints{}},
		{"nothing", nil, audit.Thumbprints{}},
	}
	for _, tc := range tests {
		if got := audit.ThumbprintsFromKeyIdentifier(tc.in); got != tc.want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
