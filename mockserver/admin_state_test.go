package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contactsmock/contactsmock/fixtures"
)

func (h *harness) admin(method, path, ctype string, body []byte) result {
	h.t.Helper()
	req, err := http.NewRequest(method, h.http.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := h.http.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := result{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	_ = json.Unmarshal(raw, &out.Body)
	return out
}

func snapshotBytes(t *testing.T, s *Server) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := fixtures.Write(&b, snapshot(t, s)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestAdminSnapshotRoundTrip(t *testing.T) {
	h := newHarness(t)
	h.do("POST", "/contacts/"+ctAlice+"/tags", h.full, map[string]any{"tags": []string{"changed"}}).must(t, 201)
	want := snapshotBytes(t, h.srv)
	got := h.admin("GET", "/__admin/snapshot", "", nil).must(t, 200)
	h.do("DELETE", "/contacts/"+ctAlice, h.full, nil).must(t, 200)
	h.admin("PUT", "/__admin/snapshot", "application/json", got.Raw).must(t, 200)
	if after := snapshotBytes(t, h.srv); !bytes.Equal(after, want) {
		t.Errorf("PUT of the GET snapshot did not restore the state")
	}
}

func TestAdminSeed(t *testing.T) {
	const newLoc = "LocCCCCCCCCCCCCCCCCC"
	yamlDoc := "locations:\n  - id: " + newLoc + "\n    name: Charlie Spa\n    contacts:\n      - firstName: Dee\n        email: dee@example.com\n        phone: 555 010 7777\n        tags: [Spa, VIP]\n"
	tests := []struct {
		name, ctype, body string
		status            int
		wantContacts      int // after
		message           string
	}{
		{"yaml document adds a location", "application/yaml", yamlDoc, 200, 4, ""},
		{"json document adds to an existing location", "application/json", `{"locations":[{"id":"` + locA + `","name":"ignored","contacts":[{"email":"new@example.com"}]}]}`, 200, 4, ""},
		{"clashing contact id refused whole", "application/json", `{"locations":[{"id":"` + newLoc + `","name":"C","contacts":[{"id":"` + ctBob + `"}]}]}`, 400, 3, "is already the id of"},
		{"invalid document names the place", "application/json", `{"locations":[{"id":"` + newLoc + `","name":"C","contacts":[{"email":"x@"}]}]}`, 422, 3, "locations[0].contacts[0].email"},
		{"clashing user id refused whole", "application/json", `{"locations":[{"id":"` + locA + `","name":"A","users":[{"id":"` + userA + `","name":"Twin"}]}]}`, 400, 3, "users"},
		{"unknown field", "application/json", `{"locations":[],"extra":1}`, 422, 3, "extra"},
		{"broken JSON", "application/json", `{"locations":[`, 422, 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			before := snapshotBytes(t, h.srv)
			r := h.admin("POST", "/__admin/seed", tt.ctype, []byte(tt.body)).must(t, tt.status)
			if tt.message != "" && !strings.Contains(string(r.Raw), tt.message) {
				t.Errorf("answer %s lacks %q", r.Raw, tt.message)
			}
			if got := stats(t, h.srv).Contacts; got != tt.wantContacts {
				t.Errorf("%d contacts, want %d", got, tt.wantContacts)
			}
			if tt.status != 200 && !bytes.Equal(before, snapshotBytes(t, h.srv)) {
				t.Errorf("a refused seed changed the state")
			}
		})
	}
}

func TestAdminResetReturnsToStart(t *testing.T) {
	h := newHarness(t)
	want := snapshotBytes(t, h.srv)
	h.do("DELETE", "/contacts/"+ctAlice, h.full, nil).must(t, 200)
	h.do("POST", "/contacts/", h.full, map[string]any{"locationId": locA, "email": "z@example.com"}).must(t, 201)
	h.admin("POST", "/__admin/reset", "", nil).must(t, 200)
	if !bytes.Equal(want, snapshotBytes(t, h.srv)) {
		t.Errorf("reset did not restore the state at start")
	}
}

func TestSaveStateIsLoadable(t *testing.T) {
	h := newHarness(t)
	path := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(path, []byte("previous good content"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.SaveState(path); err != nil {
		t.Fatal(err)
	}
	doc, err := fixtures.Load(path)
	if err != nil {
		t.Fatalf("the state file does not load: %v", err)
	}
	var b bytes.Buffer
	if err := fixtures.Write(&b, doc); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), snapshotBytes(t, h.srv)) {
		t.Errorf("the state file differs from the snapshot")
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".state.json.tmp-*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	// A failing write (the directory is gone) leaves nothing half-written and reports the error.
	if err := h.srv.SaveState(filepath.Join(t.TempDir(), "missing", "state.json")); err == nil {
		t.Errorf("SaveState into a missing directory succeeded")
	}
}

// TestAdminDeleteLocation: a location goes with its contents, its tokens and its scoped webhook
// registrations; the other locations keep theirs.
func TestAdminDeleteLocation(t *testing.T) {
	h := newHarness(t)
	t.Cleanup(func() { // stops the delivery goroutine of the registration that stays
		if err := h.srv.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	created := h.do(http.MethodPost, "/__admin/locations", "", map[string]any{"name": "Short-lived"}).must(t, http.StatusCreated)
	loc := created.str("id")
	tok := h.mint(loc, ScopeContactsReadonly, ScopeContactsWrite)
	h.do(http.MethodPost, "/contacts/", tok, map[string]any{"locationId": loc, "email": "gone@example.com"}).must(t, http.StatusCreated)
	scoped := h.do(http.MethodPost, "/__admin/webhooks", "", map[string]any{"url": "http://127.0.0.1:1/hook", "locationId": loc}).must(t, http.StatusCreated)
	everywhere := h.do(http.MethodPost, "/__admin/webhooks", "", map[string]any{"url": "http://127.0.0.1:1/all"}).must(t, http.StatusCreated)
	before := stats(t, h.srv)

	r := h.do(http.MethodDelete, "/__admin/locations/"+loc, "", nil).must(t, http.StatusOK)
	if r.Body["tokensRevoked"] != float64(1) || r.Body["webhooksRemoved"] != float64(1) {
		t.Errorf("answer %s, want one token revoked and one webhook removed", r.Raw)
	}
	mustInvalidJWT(t, h.do(http.MethodGet, "/contacts/?locationId="+loc, tok, nil))
	h.do(http.MethodGet, "/contacts/?locationId="+locA, h.full, nil).must(t, http.StatusOK)
	for _, l := range locations(t, h.srv) {
		if l.ID == loc {
			t.Errorf("location %s still listed", loc)
		}
	}
	if after := stats(t, h.srv); after.Locations != before.Locations-1 || after.Contacts != before.Contacts-1 {
		t.Errorf("stats %+v after, %+v before: want one location and its contact gone", after, before)
	}
	h.do(http.MethodGet, "/__admin/webhooks/"+scoped.str("id"), "", nil).must(t, http.StatusNotFound)
	h.do(http.MethodGet, "/__admin/webhooks/"+everywhere.str("id"), "", nil).must(t, http.StatusOK)
	h.do(http.MethodDelete, "/__admin/locations/"+loc, "", nil).must(t, http.StatusNotFound)
}

// TestAdminDeleteClient: a client's tokens and grants go with it; the default client stays.
func TestAdminDeleteClient(t *testing.T) {
	h := newOAuthHarness(t)
	c := h.addClient(map[string]any{"redirectUris": []string{testRedirect}})
	id, secret := c.str("clientId"), c.str("clientSecret")
	code := h.code(consentQuery("client_id", id))
	tokens := h.form("/oauth/token", "", url.Values{"client_id": {id}, "client_secret": {secret}, "grant_type": {GrantAuthorizationCode}, "code": {code}}).must(t, http.StatusOK)
	h.getAlice(tokens.str("access_token")).must(t, http.StatusOK)

	r := h.do(http.MethodDelete, "/__admin/clients/"+id, "", nil).must(t, http.StatusOK)
	if r.Body["tokensRevoked"] != float64(1) {
		t.Errorf("answer %s, want one token revoked", r.Raw)
	}
	mustInvalidJWT(t, h.getAlice(tokens.str("access_token")))
	h.form("/oauth/token", "", url.Values{"client_id": {id}, "client_secret": {secret}, "grant_type": {GrantRefreshToken},
		"refresh_token": {tokens.str("refresh_token")}}).must(t, http.StatusUnauthorized)
	h.do(http.MethodDelete, "/__admin/clients/"+id, "", nil).must(t, http.StatusNotFound)
	h.do(http.MethodDelete, "/__admin/clients/"+DefaultClientID, "", nil).must(t, http.StatusBadRequest)
	h.getAlice(h.full).must(t, http.StatusOK)
}
