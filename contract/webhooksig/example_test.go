package webhooksig_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/contactsmock/contactsmock/contract/webhooksig"
)

// A receiver verifies every delivery before it trusts the body. Against the mock, read the key
// from GET /__admin/webhooks/public-key; in production, use webhooksig.Live().
func ExampleVerifyRequest() {
	// In a test, a fixed key stands in for the sender's.
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	pub := priv.Public().(ed25519.PublicKey)

	seen := map[string]bool{} // webhookIds already processed
	receiver := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := webhooksig.VerifyRequest(pub, r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		env, err := webhooksig.ParseEnvelope(body)
		if err != nil || !env.Fresh(time.Date(2026, 3, 1, 12, 1, 0, 0, time.UTC), 5*time.Minute) {
			http.Error(w, "stale or malformed", http.StatusBadRequest)
			return
		}
		if seen[env.WebhookID] {
			w.WriteHeader(http.StatusOK) // a retry or a replay: acknowledge, do nothing
			return
		}
		seen[env.WebhookID] = true
		fmt.Println("accepted", env.Type, "for", env.LocationID)
	})

	body := []byte(`{"type":"ContactCreate","locationId":"ve9EPM428h8vShlRW1KT","id":"pQ7rT2mXk9LwZ4aB8cDe","timestamp":"2026-03-01T12:00:00.000Z","webhookId":"w-1"}`)
	for _, sig := range []string{webhooksig.Sign(priv, body), webhooksig.Sign(priv, []byte("something else"))} {
		r := httptest.NewRequest(http.MethodPost, "/hooks/ghl", bytes.NewReader(body))
		r.Header.Set(webhooksig.SignatureHeader, sig)
		w := httptest.NewRecorder()
		receiver.ServeHTTP(w, r)
		fmt.Println(w.Code)
	}
	// Output:
	// accepted ContactCreate for ve9EPM428h8vShlRW1KT
	// 200
	// 401
}

// ParsePublicKey takes the key in whichever form it was published.
func ExampleParsePublicKey() {
	pub, err := webhooksig.ParsePublicKey(`-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=
-----END PUBLIC KEY-----`)
	fmt.Println(err, pub.Equal(webhooksig.Live()))
	// Output: <nil> true
}
