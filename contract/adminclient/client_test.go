package adminclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"testing"
	"time"
)

// fakeAdmin answers admin calls from a table of "METHOD /path?query" → body and records what it
// was sent.
type fakeAdmin struct {
	answers map[string]string
	got     map[string]map[string]any // request line → decoded JSON body
	accept  []string
}

func (f *fakeAdmin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	line := r.Method + " " + r.URL.RequestURI()
	data, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(data, &body)
	f.got[line] = body
	f.accept = append(f.accept, r.Header.Get("Accept"))
	answer, ok := f.answers[line]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"statusCode":404,"message":"Cannot `+line+`"}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, answer)
}

// TestAdminCalls checks that each admin method sends the mock's method, path and body, and
// decodes its answer.
func TestAdminCalls(t *testing.T) {
	ctx := context.Background()
	f := &fakeAdmin{got: map[string]map[string]any{}, answers: map[string]string{
		"POST /__admin/tokens":                           `{"access_token":"agency-token"}`,
		"POST /__admin/clients":                          `{"clientId":"c1","clientSecret":"s1","redirectUris":["loopback"]}`,
		"GET /__admin/oauth/consent":                     `{"deny":true,"userType":"Company"}`,
		"PUT /__admin/oauth/consent":                     `{}`,
		"GET /__admin/clock":                             `{"now":"2026-03-01T12:00:00Z","offset":"0s"}`,
		"POST /__admin/clock":                            `{"now":"2026-03-02T13:00:00Z","offset":"25h0m0s"}`,
		"GET /__admin/ratelimit":                         `{"burst":100,"window":"10s","daily":200000,"off":false}`,
		"PUT /__admin/ratelimit":                         `{"burst":3,"window":"1s","daily":200000,"off":false}`,
		"POST /__admin/faults":                           `{"id":"f-1","operationId":"get-contact","status":503,"count":1,"hits":0,"remaining":1}`,
		"GET /__admin/faults":                            `{"seed":42,"faults":[{"id":"f-1","status":503,"count":1,"hits":1,"remaining":0,"expired":true}]}`,
		"DELETE /__admin/faults/f-1":                     `{"deleted":1}`,
		"GET /__admin/requests?limit=5&operationId=x":    `{"faultSeed":42,"requests":[{"seq":3,"method":"GET","path":"/contacts/a","status":503,"fault":"f-1","rateLimit":{"remaining":9,"dailyRemaining":99}}]}`,
		"POST /__admin/webhooks":                         `{"id":"w1","url":"http://127.0.0.1:1/h","events":["ContactCreate"],"locationId":"L","createdAt":"2026-03-01T12:00:00.000Z","stats":{"pending":0,"delivered":0,"failed":0,"dropped":0}}`,
		"GET /__admin/webhooks/w1":                       `{"id":"w1","url":"http://127.0.0.1:1/h","events":["ContactCreate"],"stats":{"pending":0,"delivered":2,"failed":0,"dropped":0}}`,
		"DELETE /__admin/webhooks/w1":                    `{"id":"w1","deleted":true}`,
		"GET /__admin/webhooks/deliveries?contactId=c":   `{"deliveries":[{"id":"d1","eventType":"ContactCreate","state":"delivered","statuses":[200],"payload":{"type":"ContactCreate"}}]}`,
		"POST /__admin/webhooks/deliveries/d1/replay":    `{"id":"d2","replayOf":"d1","state":"pending","payload":{"type":"ContactCreate"}}`,
		"GET /__admin/webhooks/public-key":               `{"pem":"-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----\n"}`,
		"GET /__admin/webhooks/deliveries?limit=1&x=bad": `not json`,
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	a := &Client{BaseURL: srv.URL, HTTP: srv.Client()}

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sent := func(line string, want map[string]any) {
		t.Helper()
		if got := f.got[line]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s sent %v, want %v", line, got, want)
		}
	}

	tok, err := a.MintCompanyToken(ctx, "Co1", []string{"oauth.write"}, 60)
	must(err)
	if tok != "agency-token" {
		t.Errorf("MintCompanyToken = %q", tok)
	}
	sent("POST /__admin/tokens", map[string]any{"userType": "Company", "companyId": "Co1", "scopes": []any{"oauth.write"}, "expiresIn": 60.0})

	c, err := a.CreateClient(ctx, OAuthClient{RedirectURIs: []string{"loopback"}})
	must(err)
	if c.ClientID != "c1" || c.ClientSecret != "s1" {
		t.Errorf("CreateClient = %+v", c)
	}
	sent("POST /__admin/clients", map[string]any{"redirectUris": []any{"loopback"}})

	consent, err := a.Consent(ctx)
	must(err)
	if !consent.Deny || consent.UserType != "Company" {
		t.Errorf("Consent = %+v", consent)
	}
	must(a.SetConsent(ctx, Consent{}))
	sent("PUT /__admin/oauth/consent", map[string]any{"deny": false})

	clock, err := a.Clock(ctx)
	must(err)
	moved, err := a.AdvanceClock(ctx, 25*time.Hour)
	must(err)
	if got := moved.Now.Sub(clock.Now); got != 25*time.Hour || moved.Offset != "25h0m0s" {
		t.Errorf("AdvanceClock moved %s (offset %s)", got, moved.Offset)
	}
	sent("POST /__admin/clock", map[string]any{"advance": "25h0m0s"})

	limits, err := a.RateLimits(ctx)
	must(err)
	if limits != (RateLimits{Burst: 100, Window: "10s", Daily: 200000}) {
		t.Errorf("RateLimits = %+v", limits)
	}
	limits.Burst, limits.Window = 3, "1s"
	_, err = a.SetRateLimits(ctx, limits)
	must(err)
	sent("PUT /__admin/ratelimit", map[string]any{"burst": 3.0, "window": "1s", "daily": 200000.0, "off": false})

	added, err := a.AddFault(ctx, Fault{ID: "f-1", OperationID: "get-contact", Status: 503, Count: 1})
	must(err)
	if added.Remaining == nil || *added.Remaining != 1 {
		t.Errorf("AddFault = %+v", added)
	}
	sent("POST /__admin/faults", map[string]any{"id": "f-1", "operationId": "get-contact", "status": 503.0, "count": 1.0})
	fault, err := a.Fault(ctx, "f-1")
	must(err)
	if fault.Hits != 1 || !fault.Expired {
		t.Errorf("Fault = %+v", fault)
	}
	var ae *Error
	if _, err := a.Fault(ctx, "nope"); !errors.As(err, &ae) || ae.Status != http.StatusNotFound {
		t.Errorf("Fault of an unknown id: %v", err)
	}
	must(a.DeleteFault(ctx, "f-1"))

	seed, reqs, err := a.Requests(ctx, url.Values{"operationId": {"x"}, "limit": {"5"}})
	must(err)
	if seed != 42 || len(reqs) != 1 || reqs[0].Fault != "f-1" || reqs[0].RateLimit == nil || reqs[0].RateLimit.Remaining != 9 {
		t.Errorf("Requests = %d %+v", seed, reqs)
	}

	reg, err := a.RegisterWebhook(ctx, Webhook{URL: "http://127.0.0.1:1/h", Events: []string{"ContactCreate"}, LocationID: "L"})
	must(err)
	if reg.ID != "w1" || reg.CreatedAt == "" {
		t.Errorf("RegisterWebhook = %+v", reg)
	}
	sent("POST /__admin/webhooks", map[string]any{"url": "http://127.0.0.1:1/h", "events": []any{"ContactCreate"}, "locationId": "L"})
	reg, err = a.Webhook(ctx, "w1")
	must(err)
	if reg.Stats.Delivered != 2 {
		t.Errorf("Webhook = %+v", reg)
	}
	must(a.DeleteWebhook(ctx, "w1"))
	ds, err := a.WebhookDeliveries(ctx, url.Values{"contactId": {"c"}})
	must(err)
	if len(ds) != 1 || ds[0].EventType != "ContactCreate" || string(ds[0].Payload) != `{"type":"ContactCreate"}` {
		t.Errorf("WebhookDeliveries = %+v", ds)
	}
	replay, err := a.ReplayWebhook(ctx, "d1")
	must(err)
	if replay.ReplayOf != "d1" {
		t.Errorf("ReplayWebhook = %+v", replay)
	}
	pem, err := a.WebhookPublicKey(ctx)
	must(err)
	if pem == "" {
		t.Error("WebhookPublicKey is empty")
	}
	if _, err := a.WebhookDeliveries(ctx, url.Values{"limit": {"1"}, "x": {"bad"}}); err == nil {
		t.Error("an answer that is not JSON decoded without error")
	}
	for _, acc := range f.accept {
		if acc != "application/json" {
			t.Errorf("an admin call sent Accept %q, want application/json", acc)
		}
	}
}
