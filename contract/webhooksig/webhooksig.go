package webhooksig

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// SignatureHeader is the request header that carries the signature.
const SignatureHeader = "x-ghl-signature"

// LivePublicKey is the live API's published Ed25519 public key for webhook signatures (SPKI DER,
// base64), as given in the vendor's webhook documentation. Verify production deliveries with
// Live().
const LivePublicKey = "MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg="

// MaxBodySize is the largest body VerifyRequest reads.
const MaxBodySize = 4 << 20

// Errors returned by Verify and VerifyRequest; test them with errors.Is.
var (
	// ErrNoSignature means the signature header is missing or empty.
	ErrNoSignature = errors.New("webhooksig: no " + SignatureHeader + " header")
	// ErrMalformedSignature means the header is not base64 of a 64-byte Ed25519 signature.
	ErrMalformedSignature = errors.New("webhooksig: the signature is not base64 of 64 bytes")
	// ErrBadSignature means the signature does not match the body and the key.
	ErrBadSignature = errors.New("webhooksig: the signature does not match the body")
	// ErrBodyTooLarge means the request body exceeds MaxBodySize.
	ErrBodyTooLarge = errors.New("webhooksig: the request body is too large")
)

// Live returns LivePublicKey, parsed.
func Live() ed25519.PublicKey {
	k, err := ParsePublicKey(LivePublicKey)
	if err != nil {
		panic("webhooksig: the built-in live key does not parse: " + err.Error())
	}
	return k
}

// ParsePublicKey reads an Ed25519 public key written in any of the forms senders publish: a PEM
// "PUBLIC KEY" block (SPKI), base64 of the SPKI DER, or the raw 32-byte key in base64 or hex.
// Surrounding white space is ignored; base64 may be standard or URL-safe, padded or not.
func ParsePublicKey(key string) (ed25519.PublicKey, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return nil, errors.New("webhooksig: the public key is empty")
	}
	if strings.HasPrefix(key, "-----BEGIN") {
		block, _ := pem.Decode([]byte(key))
		if block == nil {
			return nil, errors.New("webhooksig: the PEM block does not decode")
		}
		if block.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("webhooksig: a PEM %q block is not a public key (want PUBLIC KEY)", block.Type)
		}
		return parseSPKI(block.Bytes)
	}
	if len(key) == 2*ed25519.PublicKeySize {
		if raw, err := hex.DecodeString(key); err == nil {
			return ed25519.PublicKey(raw), nil
		}
	}
	der, err := decodeBase64(key)
	if err != nil {
		return nil, errors.New("webhooksig: the public key is neither PEM, base64 nor hex")
	}
	if len(der) == ed25519.PublicKeySize {
		return ed25519.PublicKey(der), nil
	}
	return parseSPKI(der)
}

func parseSPKI(der []byte) (ed25519.PublicKey, error) {
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("webhooksig: the public key is not SPKI: %w", err)
	}
	k, ok := pub.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("webhooksig: the public key is %T, not Ed25519", pub)
	}
	return k, nil
}

// decodeBase64 accepts standard and URL-safe alphabets, with or without padding.
func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// Verify checks that signature (the x-ghl-signature header's value) is pub's Ed25519 signature of
// body, the exact bytes received. Re-encoding the JSON first breaks the signature: verify the raw
// bytes, then decode.
func Verify(pub ed25519.PublicKey, body []byte, signature string) error {
	signature = strings.TrimSpace(signature)
	if signature == "" {
		return ErrNoSignature
	}
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("webhooksig: the public key has %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	sig, err := decodeBase64(signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return ErrMalformedSignature
	}
	if !ed25519.Verify(pub, body, sig) {
		return ErrBadSignature
	}
	return nil
}

// VerifyRequest reads r's body (at most MaxBodySize bytes), puts it back so later handlers can read
// it again, and verifies the request's x-ghl-signature header against it. It returns the body, also
// when the signature does not verify.
func VerifyRequest(pub ed25519.PublicKey, r *http.Request) ([]byte, error) {
	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, MaxBodySize+1))
		_ = r.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("webhooksig: reading the body: %w", err)
		}
		if len(body) > MaxBodySize {
			return nil, ErrBodyTooLarge
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, Verify(pub, body, r.Header.Get(SignatureHeader))
}

// Sign returns the x-ghl-signature value of body under priv: what a sender puts in the header.
// Receivers use it to build signed requests in their own tests.
func Sign(priv ed25519.PrivateKey, body []byte) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(priv, body))
}

// Envelope holds the fields every webhook body carries besides its resource: what a receiver needs
// to route the event and to refuse replays.
type Envelope struct {
	// Type is the event name, e.g. ContactCreate.
	Type string `json:"type"`
	// LocationID is the sub-account the event belongs to.
	LocationID string `json:"locationId"`
	// WebhookID identifies the message: a receiver should process each id once.
	WebhookID string `json:"webhookId"`
	// Timestamp is when the event happened: a receiver should refuse old ones (e.g. older than
	// five minutes) so a captured request cannot be replayed later.
	Timestamp time.Time `json:"timestamp"`
}

// ParseEnvelope decodes the envelope fields of a webhook body (verify the signature first).
func ParseEnvelope(body []byte) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(body, &e); err != nil {
		return Envelope{}, fmt.Errorf("webhooksig: the body is not a webhook envelope: %w", err)
	}
	if e.Type == "" {
		return Envelope{}, errors.New("webhooksig: the body has no type")
	}
	return e, nil
}

// Fresh reports whether the envelope's timestamp lies within maxAge of now (either side, to allow
// for clock skew). A zero timestamp is not fresh.
func (e Envelope) Fresh(now time.Time, maxAge time.Duration) bool {
	if e.Timestamp.IsZero() {
		return false
	}
	d := now.Sub(e.Timestamp)
	return d <= maxAge && d >= -maxAge
}
