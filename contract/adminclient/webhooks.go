package adminclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// This file: the admin endpoints of the mock's webhooks.

// Webhook is a webhook registration: a receiver URL, the events it gets (empty: all) and the
// location whose events it gets (empty: every location's). Register with the process's own
// location so that only its own events arrive. ID, CreatedAt and Stats are answered, never sent.
type Webhook struct {
	ID         string       `json:"id"`
	URL        string       `json:"url"`
	Events     []string     `json:"events"`
	LocationID string       `json:"locationId"`
	CreatedAt  string       `json:"createdAt"`
	Stats      WebhookStats `json:"stats"`
}

// WebhookStats counts a registration's deliveries.
type WebhookStats struct {
	Pending   int `json:"pending"`
	Delivered int `json:"delivered"`
	Failed    int `json:"failed"`
	Dropped   int `json:"dropped"`
}

// RegisterWebhook registers a receiver (w's URL, Events and LocationID) and returns the
// registration with its id.
func (a *Client) RegisterWebhook(ctx context.Context, w Webhook) (Webhook, error) {
	in := struct {
		URL        string   `json:"url"`
		Events     []string `json:"events,omitempty"`
		LocationID string   `json:"locationId,omitempty"`
	}{w.URL, w.Events, w.LocationID}
	var out Webhook
	err := a.call(ctx, http.MethodPost, "/webhooks", in, &out)
	return out, err
}

// Webhook returns one registration with its delivery counts.
func (a *Client) Webhook(ctx context.Context, id string) (Webhook, error) {
	var out Webhook
	err := a.call(ctx, http.MethodGet, "/webhooks/"+url.PathEscape(id), nil, &out)
	return out, err
}

// DeleteWebhook removes a registration (what it had queued is dropped).
func (a *Client) DeleteWebhook(ctx context.Context, id string) error {
	return a.call(ctx, http.MethodDelete, "/webhooks/"+url.PathEscape(id), nil, nil)
}

// Delivery is one event sent (or to be sent) to one registration, from the delivery log.
type Delivery struct {
	ID             string `json:"id"`
	WebhookID      string `json:"webhookId"`
	EventType      string `json:"eventType"`
	RegistrationID string `json:"registrationId"`
	URL            string `json:"url"`
	LocationID     string `json:"locationId"`
	ResourceID     string `json:"resourceId"`
	ContactID      string `json:"contactId"`
	// State is pending, delivered, failed or dropped.
	State     string          `json:"state"`
	Attempts  int             `json:"attempts"`
	Statuses  []int           `json:"statuses"`
	LastError string          `json:"lastError,omitempty"`
	CreatedAt string          `json:"createdAt"`
	ReplayOf  string          `json:"replayOf,omitempty"`
	Signature string          `json:"signature,omitempty"`
	Payload   json.RawMessage `json:"payload"`
	// History has one entry per attempt made.
	History []Attempt `json:"history"`
}

// Attempt is one attempt of a delivery: when, the receiver's status (0: no answer), and the wait
// before the next attempt when one is scheduled.
type Attempt struct {
	At         string   `json:"at"`
	Status     int      `json:"status"`
	DurationMs float64  `json:"durationMs"`
	Error      string   `json:"error,omitempty"`
	RetryInMs  *float64 `json:"retryInMs,omitempty"`
}

// WebhookDeliveries reads the delivery log, newest first, narrowed by the query (registrationId,
// eventType, state, contactId, limit).
func (a *Client) WebhookDeliveries(ctx context.Context, query url.Values) ([]Delivery, error) {
	var out struct {
		Deliveries []Delivery `json:"deliveries"`
	}
	path := "/webhooks/deliveries"
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	err := a.call(ctx, http.MethodGet, path, nil, &out)
	return out.Deliveries, err
}

// ReplayWebhook sends a logged delivery again (same body, same signature) as a new delivery.
func (a *Client) ReplayWebhook(ctx context.Context, deliveryID string) (Delivery, error) {
	var out Delivery
	err := a.call(ctx, http.MethodPost, "/webhooks/deliveries/"+url.PathEscape(deliveryID)+"/replay", nil, &out)
	return out, err
}

// WebhookPublicKey returns the key the mock signs deliveries with, PEM (SPKI), for
// webhooksig.ParsePublicKey.
func (a *Client) WebhookPublicKey(ctx context.Context) (string, error) {
	var out struct {
		PEM string `json:"pem"`
	}
	err := a.call(ctx, http.MethodGet, "/webhooks/public-key", nil, &out)
	return out.PEM, err
}
