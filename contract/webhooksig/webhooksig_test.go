package webhooksig

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// testKey is a fixed key pair, so signatures in tests and examples are stable.
var testKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))

func testPub() ed25519.PublicKey { return testKey.Public().(ed25519.PublicKey) }

func TestLiveKeyParses(t *testing.T) {
	k := Live()
	if len(k) != ed25519.PublicKeySize {
		t.Fatalf("live key has %d bytes", len(k))
	}
	der, _ := x509.MarshalPKIXPublicKey(k)
	if got := base64.StdEncoding.EncodeToString(der); got != LivePublicKey {
		t.Fatalf("live key round trip: %s", got)
	}
}

func TestParsePublicKeyForms(t *testing.T) {
	pub := testPub()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	forms := map[string]string{
		"PEM":                    pemText,
		"PEM with blank lines":   "\n\n" + pemText + "\n",
		"SPKI base64":            base64.StdEncoding.EncodeToString(der),
		"SPKI base64 unpadded":   base64.RawStdEncoding.EncodeToString(der),
		"raw base64":             base64.StdEncoding.EncodeToString(pub),
		"raw base64 URL-safe":    base64.RawURLEncoding.EncodeToString(pub),
		"raw hex":                hex.EncodeToString(pub),
		"raw hex, upper case":    strings.ToUpper(hex.EncodeToString(pub)),
		"SPKI base64, new lines": " " + base64.StdEncoding.EncodeToString(der) + "\n",
	}
	for name, form := range forms {
		t.Run(name, func(t *testing.T) {
			got, err := ParsePublicKey(form)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(pub) {
				t.Fatalf("parsed %x, want %x", got, pub)
			}
		})
	}
}

func TestParsePublicKeyRefuses(t *testing.T) {
	privDER, _ := x509.MarshalPKCS8PrivateKey(testKey)
	cases := map[string]string{
		"empty":            "  ",
		"not base64":       "%%%",
		"wrong length":     base64.StdEncoding.EncodeToString([]byte("short")),
		"private key PEM":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})),
		"broken PEM":       "-----BEGIN PUBLIC KEY-----\nnope",
		"PKCS8 as SPKI":    base64.StdEncoding.EncodeToString(privDER),
		"hex of 31 bytes":  strings.Repeat("ab", 31),
		"RSA-sized base64": base64.StdEncoding.EncodeToString(make([]byte, 300)),
	}
	for name, form := range cases {
		t.Run(name, func(t *testing.T) {
			if k, err := ParsePublicKey(form); err == nil {
				t.Fatalf("parsed %x", k)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"type":"ContactCreate","id":"abc"}`)
	sig := Sign(testKey, body)
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	cases := []struct {
		name string
		pub  ed25519.PublicKey
		body []byte
		sig  string
		want error
	}{
		{"valid", testPub(), body, sig, nil},
		{"valid, unpadded", testPub(), body, strings.TrimRight(sig, "="), nil},
		{"valid, URL-safe", testPub(), body, base64.URLEncoding.EncodeToString(ed25519.Sign(testKey, body)), nil},
		{"body re-encoded", testPub(), []byte(`{"type": "ContactCreate", "id": "abc"}`), sig, ErrBadSignature},
		{"other key", other.Public().(ed25519.PublicKey), body, sig, ErrBadSignature},
		{"no header", testPub(), body, "", ErrNoSignature},
		{"not base64", testPub(), body, "!!!", ErrMalformedSignature},
		{"short", testPub(), body, base64.StdEncoding.EncodeToString([]byte("abc")), ErrMalformedSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.pub, tc.body, tc.sig)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("Verify: %v, want %v", err, tc.want)
			}
		})
	}
	if err := Verify(ed25519.PublicKey{1, 2}, body, sig); err == nil {
		t.Error("a short key verified")
	}
}

func TestVerifyRequestRestoresBody(t *testing.T) {
	body := []byte(`{"type":"NoteCreate"}`)
	r := httptest.NewRequest("POST", "/hook", bytes.NewReader(body))
	r.Header.Set(SignatureHeader, Sign(testKey, body))
	got, err := VerifyRequest(testPub(), r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("returned %q", got)
	}
	again, _ := io.ReadAll(r.Body)
	if !bytes.Equal(again, body) {
		t.Fatalf("body after VerifyRequest: %q", again)
	}

	r = httptest.NewRequest("POST", "/hook", bytes.NewReader(body))
	r.Header.Set(SignatureHeader, Sign(testKey, []byte("other")))
	if got, err := VerifyRequest(testPub(), r); !errors.Is(err, ErrBadSignature) || !bytes.Equal(got, body) {
		t.Fatalf("tampered: %q, %v", got, err)
	}

	r = httptest.NewRequest("POST", "/hook", bytes.NewReader(make([]byte, MaxBodySize+1)))
	if _, err := VerifyRequest(testPub(), r); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("large body: %v", err)
	}
}

func TestEnvelope(t *testing.T) {
	e, err := ParseEnvelope([]byte(`{"type":"TaskCreate","locationId":"L","id":"T","timestamp":"2026-03-01T12:00:00.000Z","webhookId":"w1"}`))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if e.Type != "TaskCreate" || e.LocationID != "L" || e.WebhookID != "w1" || !e.Timestamp.Equal(at) {
		t.Fatalf("envelope %+v", e)
	}
	if !e.Fresh(at.Add(4*time.Minute), 5*time.Minute) || e.Fresh(at.Add(6*time.Minute), 5*time.Minute) ||
		e.Fresh(at.Add(-6*time.Minute), 5*time.Minute) || (Envelope{}).Fresh(at, time.Hour) {
		t.Error("Fresh is wrong")
	}
	for _, bad := range []string{`[]`, `{}`, `{"type":"X","timestamp":"yesterday"}`} {
		if _, err := ParseEnvelope([]byte(bad)); err == nil {
			t.Errorf("ParseEnvelope(%s) succeeded", bad)
		}
	}
}

func FuzzParsePublicKey(f *testing.F) {
	f.Add(LivePublicKey)
	f.Add(hex.EncodeToString(testPub()))
	f.Add("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=\n-----END PUBLIC KEY-----\n")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParsePublicKey(s)
		if err == nil && len(k) != ed25519.PublicKeySize {
			t.Fatalf("accepted a %d-byte key", len(k))
		}
	})
}

func FuzzVerify(f *testing.F) {
	body := []byte(`{"type":"ContactCreate"}`)
	f.Add(body, Sign(testKey, body))
	f.Add([]byte{}, "")
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		err := Verify(testPub(), body, sig)
		if err == nil && sig != Sign(testKey, body) && strings.TrimRight(sig, "=") != strings.TrimRight(Sign(testKey, body), "=") {
			// Another encoding of the one valid signature is fine; anything else is a forgery.
			raw, derr := decodeBase64(strings.TrimSpace(sig))
			if derr != nil || !bytes.Equal(raw, ed25519.Sign(testKey, body)) {
				t.Fatalf("verified a signature that is not the key's: %q", sig)
			}
		}
	})
}
