package goclient_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/contract/adminclient"
	"github.com/contactsmock/contactsmock/contract/webhooksig"
	"github.com/contactsmock/contactsmock/examples/goclient"
	"github.com/contactsmock/contactsmock/mocktest"
)

// TestReceiver: the mock's deliveries of a create and a tag change are handed on once each; a
// replay of the first (same webhookId, same signature) is acknowledged and not handed on; a body
// signed with another key is refused.
func TestReceiver(t *testing.T) {
	var mu sync.Mutex
	var handled []goclient.Event
	rc := &goclient.Receiver{Handle: func(e goclient.Event) error {
		mu.Lock()
		defer mu.Unlock()
		handled = append(handled, e)
		return nil
	}}
	hs := httptest.NewServer(rc)
	defer hs.Close()
	m := mocktest.New(t, mocktest.WithContacts(0))
	rc.Key = m.WebhookPublicKey()
	if _, err := m.Admin.RegisterWebhook(context.Background(), adminclient.Webhook{URL: hs.URL}); err != nil {
		t.Fatal(err)
	}
	c := &goclient.Client{BaseURL: m.URL, Token: m.Token}
	created, err := c.CreateContact(context.Background(), goclient.Contact{LocationID: m.LocationID, Email: "ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddTags(context.Background(), created.ID, "vip"); err != nil {
		t.Fatal(err)
	}
	deliveries := waitDelivered(t, m, 2)
	first := deliveries[len(deliveries)-1] // newest first
	if _, err := m.Admin.ReplayWebhook(context.Background(), first.ID); err != nil {
		t.Fatal(err)
	}
	waitDelivered(t, m, 3) // the replay, acknowledged
	mu.Lock()
	if len(handled) != 2 || handled[0].Type != "ContactCreate" || handled[1].Type != "ContactTagUpdate" || handled[0].WebhookID != first.WebhookID {
		t.Errorf("handled %+v, want the create and the tag change once each", handled)
	}
	mu.Unlock()

	_, other, _ := ed25519.GenerateKey(nil)
	req, _ := http.NewRequest("POST", hs.URL, bytes.NewReader(first.Payload))
	req.Header.Set(webhooksig.SignatureHeader, webhooksig.Sign(other, first.Payload))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a body signed with another key: %d, want 401", resp.StatusCode)
	}
}

// waitDelivered waits until the mock's delivery log holds n delivered deliveries, and returns them.
func waitDelivered(t *testing.T, m *mocktest.Mock, n int) []adminclient.Delivery {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		ds, err := m.Admin.WebhookDeliveries(context.Background(), url.Values{"state": {"delivered"}})
		if err == nil && len(ds) >= n {
			return ds
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries delivered within 30s, want %d (%v)", len(ds), n, err)
		}
	}
}
