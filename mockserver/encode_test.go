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

// TestBodyAppendersMatchEncoding: every bodyAppender writes exactly what encoding/json (HTML
// escaping off) writes for it, over generated contacts and every shape of list meta and search
// cursor; a body the appender cannot write is refused, never written differently.
func TestBodyAppendersMatchEncoding(t *testing.T) {
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 11, Contacts: 300})
	if err != nil {
		t.Fatal(err)
	}
	var contacts []fixtures.Contact
	for _, r := range doc.Locations[0].Contacts {
		contacts = append(contacts, r.Contact)
	}
	url := "http://127.0.0.1:1/contacts/?a=1&b=<2>"
	shared := func(list []fixtures.Contact) ([]*fixtures.Contact, []*state.Contact) {
		views, stored := make([]*fixtures.Contact, len(list)), make([]*state.Contact, len(list))
		for i := range list {
			stored[i] = &state.Contact{Contact: list[i]}
			views[i] = &stored[i].Contact
		}
		return views, stored
	}
	var bodies []bodyAppender
	for i := range contacts {
		st := &state.Contact{Contact: contacts[i]}
		bodies = append(bodies, contactBody{contacts[i]}, updatedBody{i%2 == 0, contacts[i]},
			sharedContactBody{&contacts[i]}, sharedUpdatedBody{i%2 == 0, &contacts[i]},
			storedBody{&st.Contact, st}, storedBody{&st.Contact, st}) // twice: made, then cached
	}
	for _, page := range [][]fixtures.Contact{{}, contacts[:1], contacts[:20], contacts[100:300]} {
		views, stored := shared(page)
		bodies = append(bodies,
			storedListBody{views, listMeta{}, stored},
			storedListBody{views, listMeta{Total: 300, NextPageURL: &url, StartAfterID: ptr("x\"y"), StartAfter: ptr(int64(-5)), CurrentPage: 2, NextPage: ptr(3), PrevPage: ptr(1)}, stored})
		hits := make([]searchHit, len(page))
		for i, c := range page {
			hits[i] = searchHit{c, []any{int64(c.DateAdded), c.ID}}
		}
		if page == nil {
			hits = nil
		}
		bodies = append(bodies, searchBody{hits, len(page)})
	}
	bodies = append(bodies, searchBody{[]searchHit{{contacts[0], nil}, {contacts[1], []any{}}, {contacts[2], []any{"a<b", int64(0)}}}, 3})
	// Error bodies: each held to encoding/json's bytes for APIError.body's map as well (below).
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
		bodies = append(bodies, b)
		var want bytes.Buffer
		if err := encodeJSON(&want, e.body()); err != nil {
			t.Fatal(err)
		}
		if got, _ := b.appendJSON(nil); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("%v: errorBody %s, the map %s", e, got, want.Bytes())
		}
	}
	for _, e := range []*APIError{{Status: 400, Message: "dup", Meta: map[string]any{"contactId": "x"}}, {Status: 400, Message: 5},
		{Status: 400, Message: "m", Extra: map[string]any{"error_description": "d"}}} {
		if _, ok := simpleErrorBody(e); ok {
			t.Errorf("%+v was taken for a simple error body", e)
		}
	}
	for i, b := range bodies {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(b); err != nil {
			t.Fatal(err)
		}
		got, err := b.appendJSON(nil)
		if err != nil {
			t.Fatalf("body %d (%T): %v", i, b, err)
		}
		if !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Fatalf("body %d (%T) differs from encoding/json\n got: %s\nwant: %s", i, b, got, want.Bytes())
		}
	}
	// Values whose formatting the appender does not copy are left to encoding/json.
	for _, after := range [][]any{{1.5, "id"}, {float64(2), "id"}, {true}, {nil}} {
		if _, err := (searchBody{[]searchHit{{contacts[0], after}}, 1}).appendJSON(nil); err == nil {
			t.Errorf("searchAfter %v was appended", after)
		}
	}
	// A custom field value encoding/json refuses is refused too (write then answers 500 as before).
	bad := contacts[0]
	bad.CustomFields = []fixtures.CustomField{{ID: "x", Value: json.RawMessage(`{`)}}
	views, stored := shared([]fixtures.Contact{bad})
	if _, err := (storedListBody{views, listMeta{}, stored}).appendJSON(nil); err == nil {
		t.Error("an invalid custom field value was appended")
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
