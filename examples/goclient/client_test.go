package goclient_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/contract/webhooksig"
	"github.com/contactsmock/contactsmock/examples/goclient"
	"github.com/contactsmock/contactsmock/mockserver"
	"github.com/contactsmock/contactsmock/mocktest"
)

func TestCreateTagAndRead(t *testing.T) {
	m := mocktest.New(t, mocktest.WithContacts(0))
	c := &goclient.Client{BaseURL: m.URL, Token: m.Token}
	ctx := context.Background()
	created, err := c.CreateContact(ctx, goclient.Contact{LocationID: m.LocationID, FirstName: "Ada", Email: "ada@example.com", Tags: []string{"Lead"}})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := c.AddTags(ctx, created.ID, "VIP", "lead")
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetContact(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The API stores tags lower-cased, and adding is a set operation.
	if !slices.Equal(tags, []string{"lead", "vip"}) || !slices.Equal(got.Tags, tags) || got.Email != "ada@example.com" {
		t.Errorf("tags %v, read back %+v", tags, got)
	}
	if _, err := c.GetContact(ctx, "nosuchcontact0000000"); !isAPIError(err, 400) {
		t.Errorf("an unknown contact: %v", err)
	}
}

func isAPIError(err error, status int) bool {
	var e *goclient.APIError
	return errors.As(err, &e) && e.Status == status
}

// TestWaitsOutRateLimits: with a burst of 2 per minute, five creates succeed because the client
// waits out each 429; its waits move the mock's clock through the admin client instead of
// sleeping.
func TestWaitsOutRateLimits(t *testing.T) {
	m := mocktest.New(t, mocktest.WithContacts(0), mocktest.WithRateLimits(mockserver.RateLimits{Burst: 2, Window: time.Minute}))
	var waits []time.Duration
	c := &goclient.Client{BaseURL: m.URL, Token: m.Token, MaxRetries: 3, Sleep: func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		_, err := m.Admin.AdvanceClock(ctx, d)
		return err
	}}
	for i := range 5 {
		if _, err := c.CreateContact(context.Background(), goclient.Contact{LocationID: m.LocationID, FirstName: "N" + string(rune('a'+i))}); err != nil {
			t.Fatalf("create %d: %v", i+1, err)
		}
	}
	if len(waits) != 2 {
		t.Errorf("waited %d times (%v), want 2: after the 2nd and the 4th create", len(waits), waits)
	}
	for _, w := range waits {
		if w <= 0 || w > time.Minute {
			t.Errorf("a wait of %s for a 1-minute window", w)
		}
	}
	// Without retries the 429 reaches the caller.
	impatient := &goclient.Client{BaseURL: m.URL, Token: m.Token}
	for range 2 {
		_, _ = impatient.CreateContact(context.Background(), goclient.Contact{LocationID: m.LocationID})
	}
	if _, err := impatient.CreateContact(context.Background(), goclient.Contact{LocationID: m.LocationID}); !isAPIError(err, 429) {
		t.Errorf("the third create of a window without retries: %v", err)
	}
}

func TestReadOnlyTokenCannotWrite(t *testing.T) {
	m := mocktest.New(t)
	c := &goclient.Client{BaseURL: m.URL, Token: m.ReadOnlyToken}
	_, err := c.CreateContact(context.Background(), goclient.Contact{LocationID: m.LocationID, FirstName: "No"})
	var e *goclient.APIError
	if !errors.As(err, &e) || e.Status != 401 || e.Message != "The token is not authorized for this scope." {
		t.Errorf("create with the read-only token: %v", err)
	}
}

// TestServerErrorIsNotRetried: a 503 injected once is the caller's to handle; the next call works.
func TestServerErrorIsNotRetried(t *testing.T) {
	m := mocktest.New(t, mocktest.WithFaults(mockserver.Fault{OperationID: "create-contact", Status: 503, Count: 1}))
	c := &goclient.Client{BaseURL: m.URL, Token: m.Token, MaxRetries: 3}
	if _, err := c.CreateContact(context.Background(), goclient.Contact{LocationID: m.LocationID}); !isAPIError(err, 503) {
		t.Errorf("the faulted create: %v", err)
	}
	if _, err := c.CreateContact(context.Background(), goclient.Contact{LocationID: m.LocationID}); err != nil {
		t.Errorf("the next create: %v", err)
	}
}

// TestWebhookOfACreate: a receiver of the project's own gets the ContactCreate of the client's
// create, signed with the mock's key.
func TestWebhookOfACreate(t *testing.T) {
	type event struct {
		typ, id string
		sigErr  error
	}
	events := make(chan event, 10)
	var pub ed25519.PublicKey
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := webhooksig.VerifyRequest(pub, r)
		env, _ := webhooksig.ParseEnvelope(body)
		var payload struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(body, &payload)
		events <- event{env.Type, payload.ID, err}
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer receiver.Close()
	m := mocktest.New(t, mocktest.WithContacts(0), mocktest.WithWebhooks(receiver.URL))
	pub = m.WebhookPublicKey()
	c := &goclient.Client{BaseURL: m.URL, Token: m.Token}
	created, err := c.CreateContact(context.Background(), goclient.Contact{LocationID: m.LocationID, Email: "grace@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-events:
		if e.typ != "ContactCreate" || e.id != created.ID || e.sigErr != nil {
			t.Errorf("webhook %+v, want ContactCreate of %s with a good signature", e, created.ID)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no webhook within 30s")
	}
}
