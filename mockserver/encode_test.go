package mockserver

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// TestBodiesMatchEncoding: the bodies write writes (trusted pages of stored contacts' JSON, search
// hits with their cursors, error bodies) are exactly what encoding/json (HTML escaping off) writes
// for the same answers made of the contacts themselves.
func TestBodiesMatchEncoding(t *testing.T) {
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 11, Contacts: 300})
	if err != nil {
		t.Fatal(err)
	}
	var contacts []fixtures.Contact
	for _, r := range doc.Locations[0].Contacts {
		contacts = append(contacts, r.Contact)
	}
	plainJSON := func(v any) []byte {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
	}
	check := func(name string, body, plain any) {
		t.Helper()
		var got bytes.Buffer
		if err := encodeJSON(&got, body); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := plainJSON(plain); !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("%s differs from encoding/json\n got: %.400s\nwant: %.400s", name, got.Bytes(), want)
		}
	}
	raw := func(c fixtures.Contact) json.RawMessage {
		b, err := (&state.Contact{Contact: c}).JSON()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	url := "http://127.0.0.1:1/contacts/?a=1&b=<2>"
	for _, c := range contacts[:50] {
		check("contact", trusted{contactBody{raw(c)}}, struct {
			Contact fixtures.Contact `json:"contact"`
		}{c})
		check("created", createdContactBody{fixtures.Created(&c)}, struct {
			Contact fixtures.CreatedContact `json:"contact"`
		}{fixtures.Created(&c)})
	}
	check("no duplicate", trusted{contactBody{nil}}, struct {
		Contact *fixtures.Contact `json:"contact"`
	}{nil})
	for _, page := range [][]fixtures.Contact{{}, contacts[:1], contacts[:20], contacts[100:300]} {
		for _, meta := range []listMeta{{}, {Total: 300, NextPageURL: &url, StartAfterID: ptr("x\"y"), StartAfter: ptr(int64(-5)), CurrentPage: 2, NextPage: ptr(3), PrevPage: ptr(1)}} {
			raws := make([]json.RawMessage, len(page))
			for i, c := range page {
				raws[i] = raw(c)
			}
			check("page", trusted{listBody{raws, meta}}, struct {
				Contacts []fixtures.Contact `json:"contacts"`
				Meta     listMeta           `json:"meta"`
			}{page, meta})
		}
		hits := make([]searchHit, len(page))
		for i, c := range page {
			hits[i] = searchHit{c, []any{int64(c.DateAdded), c.ID}}
		}
		check("search", hits, hits)
	}
	for _, after := range [][]any{{1.5, "id"}, {float64(2), "id"}, {true}, {nil}, {}, nil, {"a<b", int64(0)}} {
		hit := []searchHit{{contacts[0], after}}
		check("search cursor", hit, hit)
	}
	// Error bodies: the struct of the usual ones writes what APIError.body's map writes.
	for _, e := range []*APIError{
		newError(429, "Too Many Requests - Rate limit exceeded: 100 requests per 10 seconds"),
		newError(422, []string{"email must be an email", "tags.0 must be a string <&> \"quoted\" \u2028"}),
		newError(422, []string{}), newError(422, []string(nil)), newError(400, "Contact with id <x> not found"),
		newError(401, "Invalid JWT"), newError(404, "é ü 😀\x7f"), newError(500, ""),
	} {
		b, ok := simpleErrorBody(e)
		if !ok {
			t.Fatalf("%v: not a simple error body", e)
		}
		check("error", b, e.body())
	}
	for _, e := range []*APIError{{Status: 400, Message: "dup", Meta: map[string]any{"contactId": "x"}}, {Status: 400, Message: 5},
		{Status: 400, Message: "m", Extra: map[string]any{"error_description": "d"}}} {
		if _, ok := simpleErrorBody(e); ok {
			t.Errorf("%+v was taken for a simple error body", e)
		}
		check("error map", e.body(), e.body())
	}
	// A custom field value encoding/json refuses is refused too (write then answers 500 as before).
	bad := contacts[0]
	bad.CustomFields = []fixtures.CustomField{{ID: "x", Value: json.RawMessage(`{`)}}
	if _, err := (&state.Contact{Contact: bad}).JSON(); err == nil {
		t.Error("an invalid custom field value was encoded")
	}
}

// TestNextPageURLIsEncode: nextPageURL writes what url.Values.Encode writes for the same query,
// behind the scheme and host the client used.
func TestNextPageURLIsEncode(t *testing.T) {
	for _, tt := range []struct {
		loc, query, id string
		limit          int
		after          int64
		tls            bool
		proto          string
	}{
		{"LocAAAAAAAAAAAAAAAAA", "", "CtAAAAAAAAAAAAAAAAAA", 20, 1767261600000, false, ""},
		{"Loc with space&amp", "a b+c&d=é/?#%", "id/with?chars", 1, -5, true, ""},
		{"L", "q", "x", 100, 0, false, "https"},
		{"L", "q", "x", 100, 0, true, "http"},
		{"L", "q", "x", 100, 0, false, "gopher"},
	} {
		r := httptest.NewRequest(http.MethodGet, "http://mock.test:8080/contacts/", nil)
		if tt.tls {
			r.TLS = &tls.ConnectionState{}
		}
		if tt.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tt.proto)
		}
		v := url.Values{}
		v.Set("locationId", tt.loc)
		v.Set("limit", strconv.Itoa(tt.limit))
		v.Set("startAfter", strconv.FormatInt(tt.after, 10))
		v.Set("startAfterId", tt.id)
		if tt.query != "" {
			v.Set("query", tt.query)
		}
		scheme := "http"
		if tt.tls {
			scheme = "https"
		}
		if tt.proto == "http" || tt.proto == "https" {
			scheme = tt.proto
		}
		want := scheme + "://mock.test:8080/contacts/?" + v.Encode()
		if got := nextPageURL(r, tt.loc, tt.limit, tt.query, tt.after, tt.id); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}
