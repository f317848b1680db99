package goclient

import (
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/contactsmock/contactsmock/contract/webhooksig"
)

// Event is a webhook delivery as a receiver hands it on: its envelope and the raw payload.
type Event struct {
	Type, LocationID, WebhookID string
	Payload                     json.RawMessage
}

// Receiver is an http.Handler for the API's webhooks: it verifies x-ghl-signature against the
// sender's key (the mock's GET /__admin/webhooks/public-key, or webhooksig.Live() in production),
// refuses stale deliveries, and hands each event on once, acknowledging retries and replays
// (the same webhookId) without handing them on again.
type Receiver struct {
	Key    ed25519.PublicKey
	Handle func(Event) error
	// Now is the receiver's clock (nil: time.Now); MaxAge the oldest event it takes (0: 5 minutes).
	Now    func() time.Time
	MaxAge time.Duration

	mu   sync.Mutex // guards seen
	seen map[string]bool
}

// ServeHTTP answers 401 to a bad signature, 400 to a stale or malformed event, 500 when Handle
// fails (the sender retries), 200 otherwise.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := webhooksig.VerifyRequest(rc.Key, r)
	if err != nil {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	env, err := webhooksig.ParseEnvelope(body)
	now, maxAge := time.Now, rc.MaxAge
	if rc.Now != nil {
		now = rc.Now
	}
	if maxAge == 0 {
		maxAge = 5 * time.Minute
	}
	if err != nil || !env.Fresh(now(), maxAge) {
		http.Error(w, "stale or malformed event", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	if rc.seen == nil {
		rc.seen = map[string]bool{}
	}
	dup := rc.seen[env.WebhookID]
	rc.seen[env.WebhookID] = true
	rc.mu.Unlock()
	if dup {
		w.WriteHeader(http.StatusOK) // a retry or a replay: acknowledge, do nothing
		return
	}
	if err := rc.Handle(Event{Type: env.Type, LocationID: env.LocationID, WebhookID: env.WebhookID, Payload: body}); err != nil {
		rc.mu.Lock()
		delete(rc.seen, env.WebhookID) // not handled: take the retry
		rc.mu.Unlock()
		http.Error(w, "not handled", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}
