package mocktest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/contactsmock/contactsmock/contract/webhooksig"
	"github.com/contactsmock/contactsmock/mocktest"
)

// A mock with three generated contacts: list them, then create one. In a test, mocktest.New(t)
// does the same and closes the mock when the test ends.
func Example() {
	m, err := mocktest.Start(mocktest.WithSeed(7), mocktest.WithContacts(3))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	req, _ := m.NewRequest(context.Background(), "GET", "/contacts/?locationId="+m.LocationID, nil)
	resp, err := m.Client().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	var page struct {
		Contacts []struct {
			ID string `json:"id"`
		} `json:"contacts"`
		Meta struct {
			Total int `json:"total"`
		} `json:"meta"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	fmt.Println("list:", resp.StatusCode, page.Meta.Total, "contacts")

	body := `{"locationId":"` + m.LocationID + `","firstName":"Ada","tags":["Lead"]}`
	req, _ = m.NewRequest(context.Background(), "POST", "/contacts/", []byte(body))
	resp, err = m.Client().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	var created struct {
		Contact struct {
			Tags []string `json:"tags"`
		} `json:"contact"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	fmt.Println("create:", resp.StatusCode, created.Contact.Tags)

	// The read-only token may not write.
	req, _ = m.NewRequest(context.Background(), "POST", "/contacts/", []byte(body))
	req.Header.Set("Authorization", "Bearer "+m.ReadOnlyToken)
	resp, err = m.Client().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println("read-only create:", resp.StatusCode)
	// Output:
	// list: 200 3 contacts
	// create: 201 [lead]
	// read-only create: 401
}

// Webhooks go to a receiver of the test's own, signed with the mock's key.
func ExampleWithWebhooks() {
	got := make(chan string, 1)
	var m *mocktest.Mock
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := webhooksig.VerifyRequest(m.WebhookPublicKey(), r)
		env, _ := webhooksig.ParseEnvelope(body)
		got <- fmt.Sprintf("%s, signature verified: %v", env.Type, err == nil)
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer receiver.Close()
	m, err := mocktest.Start(mocktest.WithContacts(0), mocktest.WithWebhooks(receiver.URL))
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()

	req, _ := m.NewRequest(context.Background(), "POST", "/contacts/", []byte(`{"locationId":"`+m.LocationID+`","email":"ada@example.com"}`))
	resp, err := m.Client().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(strings.TrimSpace(<-got))
	// Output: ContactCreate, signature verified: true
}
