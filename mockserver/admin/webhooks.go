package admin

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/contactsmock/contactsmock/mockserver/webhooks"
)

// webhookRoutes adds the webhook endpoints. Literal paths come before {id}.
func webhookRoutes(sub *mux.Router, a *API, route func(method, path string, h handler)) {
	sub.HandleFunc("/webhooks/public-key", a.publicKeyPage).Methods(http.MethodGet)
	route(http.MethodGet, "/webhooks/deliveries", listDeliveries)
	route(http.MethodGet, "/webhooks/deliveries/{id}", getDelivery)
	route(http.MethodPost, "/webhooks/deliveries/{id}/replay", replay)
	route(http.MethodGet, "/webhooks", listWebhooks)
	route(http.MethodPost, "/webhooks", createWebhook)
	route(http.MethodGet, "/webhooks/{id}", getWebhook)
	route(http.MethodDelete, "/webhooks/{id}", deleteWebhook)
	// The spelling: {id} is a delivery id, as in /webhooks/deliveries/{id}/replay.
	route(http.MethodPost, "/webhooks/{id}/replay", replay)
}

func createWebhook(a *API, r *http.Request) (int, any, error) {
	var in struct {
		URL        string   `json:"url"`
		Events     []string `json:"events"`
		LocationID string   `json:"locationId"`
	}
	if err := a.decode(r, &in); err != nil {
		return 0, nil, err
	}
	reg, err := a.d.Hooks.Register(r.Context(), in.URL, in.Events, in.LocationID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, reg, nil
}

func listWebhooks(a *API, r *http.Request) (int, any, error) {
	regs, err := a.d.Hooks.Registrations(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"webhooks": regs}, nil
}

func getWebhook(a *API, r *http.Request) (int, any, error) {
	id := pathVar(r, "id")
	reg, found, err := a.d.Hooks.Registration(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	if !found {
		return 0, nil, newError(http.StatusNotFound, "webhook "+id+" not found")
	}
	return http.StatusOK, reg, nil
}

func deleteWebhook(a *API, r *http.Request) (int, any, error) {
	id := pathVar(r, "id")
	found, err := a.d.Hooks.Unregister(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	if !found {
		return 0, nil, newError(http.StatusNotFound, "webhook "+id+" not found")
	}
	return http.StatusOK, map[string]any{"id": id, "deleted": true}, nil
}

func listDeliveries(a *API, r *http.Request) (int, any, error) {
	q := r.URL.Query()
	f := webhooks.DeliveryFilter{
		RegistrationID: q.Get("registrationId"), EventType: q.Get("eventType"),
		State: q.Get("state"), ContactID: q.Get("contactId"),
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, nil, invalid("limit must be a positive integer")
		}
		f.Limit = n
	}
	list, err := a.d.Hooks.Deliveries(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"deliveries": list}, nil
}

func getDelivery(a *API, r *http.Request) (int, any, error) {
	id := pathVar(r, "id")
	d, found, err := a.d.Hooks.Delivery(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	if !found {
		return 0, nil, newError(http.StatusNotFound, "webhook delivery "+id+" not found")
	}
	return http.StatusOK, d, nil
}

func replay(a *API, r *http.Request) (int, any, error) {
	d, err := a.d.Hooks.Replay(r.Context(), pathVar(r, "id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusAccepted, d, nil
}

// publicKeyPage answers the public key as PEM (SPKI), or as JSON when asked for it.
func (a *API) publicKeyPage(w http.ResponseWriter, r *http.Request) {
	pub := a.publicKey()
	pemText := webhooks.PublicKeyPEM(pub)
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		block := strings.TrimSpace(string(pemText))
		lines := strings.Split(block, "\n")
		spki := strings.Join(lines[1:len(lines)-1], "")
		a.d.Respond(w, r, http.StatusOK, map[string]any{
			"algorithm": "Ed25519",
			"header":    webhooks.SignatureHeader,
			"pem":       string(pemText),
			"spki":      spki,
			"raw":       base64.StdEncoding.EncodeToString(pub),
		})
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	_, _ = w.Write(pemText)
}
