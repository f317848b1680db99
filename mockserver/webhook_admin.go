package mockserver

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"
)

// initWebhooks builds the dispatcher (before the store, whose sink it is) and checks the URLs of
// Config.WebhookURLs; startWebhooks registers them once New cannot fail any more.
func (s *Server) initWebhooks() error {
	h, err := newWebhooks(s.cfg, s.clock.Now, s.log)
	if err != nil {
		return err
	}
	for _, u := range s.cfg.WebhookURLs {
		if checkWebhookURL(u) != nil {
			return fmt.Errorf("mockserver: webhook url %q: must be an absolute http or https URL", u)
		}
	}
	if s.cfg.StrictResponses {
		h.validate = func(event string, body []byte) error {
			if s.spec.Webhook(event) == nil {
				return nil // a --spec document without x-webhooks: nothing to check against
			}
			return s.spec.ValidateWebhook(event, body)
		}
		h.violation = func(err error) {
			s.addViolation(err)
			s.log.Error("webhook payload does not conform to the document", "err", err)
		}
	}
	s.hooks = h
	return nil
}

func (s *Server) startWebhooks() {
	for _, u := range s.cfg.WebhookURLs {
		if _, err := s.hooks.register(u, nil, ""); err != nil {
			s.log.Error("webhook url not registered", "url", u, "err", err)
		}
	}
}

// Close stops the mock's background work: no more webhook events are queued, the deliveries already
// queued are sent (with their retries) until ctx ends, and whatever is left then is dropped. It
// returns once every delivery goroutine has stopped: an error if ctx ended first. The handler keeps
// serving the API afterwards, without webhooks.
func (s *Server) Close(ctx context.Context) error { return s.hooks.close(ctx) }

// RegisterWebhook registers a receiver: every event (events nil) or the listed ones, of every
// location (locationID empty) or of one. An invalid URL or event name is an *APIError (422).
func (s *Server) RegisterWebhook(url string, events []string, locationID string) (WebhookRegistration, error) {
	return s.hooks.register(url, events, locationID)
}

// UnregisterWebhook removes a registration, dropping what it had queued. It reports whether the
// registration existed.
func (s *Server) UnregisterWebhook(id string) bool { return s.hooks.unregister(id, errWebhookDeleted) }

// WebhookRegistrations lists the registrations, oldest first, with their delivery counts.
func (s *Server) WebhookRegistrations() []WebhookRegistration { return s.hooks.list() }

// WebhookDeliveries returns the delivery log, newest first. The log keeps the last
// Config.WebhookLogSize deliveries.
func (s *Server) WebhookDeliveries(f WebhookDeliveryFilter) []WebhookDelivery {
	return s.hooks.deliveries(f)
}

// ReplayWebhook sends a logged delivery again, to the same registration, as a new delivery with the
// same body: same webhookId and timestamp, hence the same signature (Ed25519 is deterministic).
func (s *Server) ReplayWebhook(deliveryID string) (WebhookDelivery, error) {
	return s.hooks.replay(deliveryID)
}

// WebhookPublicKey returns the key receivers verify x-ghl-signature with.
func (s *Server) WebhookPublicKey() ed25519.PublicKey {
	return s.hooks.key.Public().(ed25519.PublicKey)
}

// webhookAdminRoutes adds the webhook endpoints to the admin API. Literal paths come before {id}.
func (s *Server) webhookAdminRoutes(a *mux.Router, route func(method, path string, h adminHandler)) {
	a.HandleFunc("/webhooks/public-key", s.adminWebhookPublicKey).Methods(http.MethodGet)
	route(http.MethodGet, "/webhooks/deliveries", adminListWebhookDeliveries)
	route(http.MethodGet, "/webhooks/deliveries/{id}", adminGetWebhookDelivery)
	route(http.MethodPost, "/webhooks/deliveries/{id}/replay", adminReplayWebhook)
	route(http.MethodGet, "/webhooks", adminListWebhooks)
	route(http.MethodPost, "/webhooks", adminCreateWebhook)
	route(http.MethodGet, "/webhooks/{id}", adminGetWebhook)
	route(http.MethodDelete, "/webhooks/{id}", adminDeleteWebhook)
	// The spelling: {id} is a delivery id, as in /webhooks/deliveries/{id}/replay.
	route(http.MethodPost, "/webhooks/{id}/replay", adminReplayWebhook)
}

func adminCreateWebhook(s *Server, r *http.Request) (int, any, error) {
	var in struct {
		URL        string   `json:"url"`
		Events     []string `json:"events"`
		LocationID string   `json:"locationId"`
	}
	if err := s.decodeAdmin(r, &in); err != nil {
		return 0, nil, err
	}
	reg, err := s.RegisterWebhook(in.URL, in.Events, in.LocationID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, reg, nil
}

func adminListWebhooks(s *Server, r *http.Request) (int, any, error) {
	return http.StatusOK, map[string]any{"webhooks": s.WebhookRegistrations()}, nil
}

func adminGetWebhook(s *Server, r *http.Request) (int, any, error) {
	id := mux.Vars(r)["id"]
	reg, found := s.hooks.get(id)
	if !found {
		return 0, nil, newError(http.StatusNotFound, "webhook "+id+" not found")
	}
	return http.StatusOK, reg, nil
}

func adminDeleteWebhook(s *Server, r *http.Request) (int, any, error) {
	id := mux.Vars(r)["id"]
	if !s.UnregisterWebhook(id) {
		return 0, nil, newError(http.StatusNotFound, "webhook "+id+" not found")
	}
	return http.StatusOK, map[string]any{"id": id, "deleted": true}, nil
}

func adminListWebhookDeliveries(s *Server, r *http.Request) (int, any, error) {
	q := r.URL.Query()
	f := WebhookDeliveryFilter{
		RegistrationID: q.Get("registrationId"), EventType: q.Get("eventType"),
		State: q.Get("state"), ContactID: q.Get("contactId"),
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, nil, newError(http.StatusUnprocessableEntity, []string{"limit must be a positive integer"})
		}
		f.Limit = n
	}
	return http.StatusOK, map[string]any{"deliveries": s.WebhookDeliveries(f)}, nil
}

func adminGetWebhookDelivery(s *Server, r *http.Request) (int, any, error) {
	id := mux.Vars(r)["id"]
	d, found := s.hooks.delivery(id)
	if !found {
		return 0, nil, newError(http.StatusNotFound, "webhook delivery "+id+" not found")
	}
	return http.StatusOK, d, nil
}

func adminReplayWebhook(s *Server, r *http.Request) (int, any, error) {
	d, err := s.ReplayWebhook(mux.Vars(r)["id"])
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, d, nil
}

// adminWebhookPublicKey answers the public key as PEM (SPKI), or as JSON when asked for it.
func (s *Server) adminWebhookPublicKey(w http.ResponseWriter, r *http.Request) {
	pub := s.WebhookPublicKey()
	pemText := publicKeyPEM(pub)
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		block := strings.TrimSpace(string(pemText))
		lines := strings.Split(block, "\n")
		spki := strings.Join(lines[1:len(lines)-1], "")
		s.write(w, r, nil, nil, response{status: http.StatusOK, body: map[string]any{
			"algorithm": "Ed25519",
			"header":    WebhookSignatureHeader,
			"pem":       string(pemText),
			"spki":      spki,
			"raw":       base64.StdEncoding.EncodeToString(pub),
		}})
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(pemText)
}
