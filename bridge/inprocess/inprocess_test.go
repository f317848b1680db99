package inprocess

import (
	"net/http"
	"testing"

	"github.com/contactsmock/contactsmock/fixtures"
)

func get(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Version", "2021-07-28")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestStartServesTheDocumentWithAToken(t *testing.T) {
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 7, Contacts: 3, Locations: 2})
	if err != nil {
		t.Fatal(err)
	}
	second := doc.Locations[1]
	wrapped := false
	m, err := Start(doc, Options{Location: second.ID, Wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { wrapped = true; h.ServeHTTP(w, r) })
	}})
	if err != nil {
		t.Fatal(err)
	}
	if m.Location != second.ID {
		t.Errorf("token for %s, want %s", m.Location, second.ID)
	}
	if s := get(t, m.URL+"/contacts/"+second.Contacts[0].ID, m.Token); s != 200 {
		t.Errorf("a seeded contact: %d", s)
	}
	if !wrapped {
		t.Error("the wrapper was not in front of the mock")
	}
	// Read-only unless asked: a delete is refused for want of the scope.
	req, _ := http.NewRequest("DELETE", m.URL+"/contacts/"+second.Contacts[0].ID, nil)
	req.Header.Set("Version", "2021-07-28")
	req.Header.Set("Authorization", "Bearer "+m.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("a read-only token deleted: %d", resp.StatusCode)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(m.URL + "/__admin/health"); err == nil {
		t.Error("still serving after Close")
	}
}

func TestStartRefusesAnEmptyDocument(t *testing.T) {
	if _, err := Start(fixtures.Document{}, Options{}); err == nil {
		t.Fatal("no location, yet a mock")
	}
}
