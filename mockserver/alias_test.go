package mockserver

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestStoredContactsDoNotAliasTheBody: the body of a request is decoded for validation without
// copying its strings (jsonwire.DecodeAny), so nothing kept may point into it. A create and an
// update are run, their body buffers are overwritten afterwards, and the stored contact (read
// back through the store and through the API) still holds what was sent.
func TestStoredContactsDoNotAliasTheBody(t *testing.T) {
	h := newHarness(t)
	run := func(method, path, body string) (*call, response) {
		t.Helper()
		r := httptest.NewRequest(method, path, bytes.NewReader([]byte(body)))
		r.Header.Set("Authorization", "Bearer "+h.full)
		r.Header.Set("Version", apiVer)
		r.Header.Set("Content-Type", "application/json")
		op, params, err := h.srv.spec.FindRequest(r)
		if err != nil {
			t.Fatal(err)
		}
		c := &call{r: r, op: op, params: params}
		resp := h.srv.run(c)
		if resp.status >= 300 {
			t.Fatalf("%s %s: %d %+v", method, path, resp.status, resp.body)
		}
		if !c.haveDecoded {
			t.Fatal("the body was not decoded for validation: this test checks nothing")
		}
		return c, resp
	}
	c, resp := run(http.MethodPost, "/contacts/", `{"locationId":"`+locA+`","firstName":"Aliased","lastName":"Body","email":"aliased@example.com","tags":["keep-me"],"customFields":[{"id":"x","field_value":"v"}]}`)
	id := resp.body.(createdContactBody).Contact.ID
	for i := range c.body {
		c.body[i] = 'X'
	}
	c2, _ := run(http.MethodPut, "/contacts/"+id, `{"city":"Unaliased","tags":["kept"]}`)
	for i := range c2.body {
		c2.body[i] = 'Y'
	}
	got, err := h.srv.store.GetContact(context.Background(), locA, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.FirstName != "Aliased" || got.LastName != "Body" || got.Email != "aliased@example.com" || got.City != "Unaliased" ||
		len(got.Tags) != 1 || got.Tags[0] != "kept" {
		t.Fatalf("the stored contact changed with the request bodies: %+v", got.Contact)
	}
	r := h.do(http.MethodGet, "/contacts/"+id, h.full, nil).must(t, http.StatusOK)
	if ct := r.obj("contact"); ct["firstName"] != "Aliased" || ct["city"] != "Unaliased" {
		t.Fatalf("the API reads %v", ct)
	}
}
