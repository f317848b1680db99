package contract

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestAdminToken: the admin client sends the mock's admin token (from CONTACTS_ADMIN_TOKEN or
// --admin-token) as X-Admin-Token, and none when it has none.
func TestAdminToken(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("X-Admin-Token"))
		w.Write([]byte(`{"status":"ok"}`))
	}))
	defer srv.Close()
	c := configFrom(func(k string) string { return map[string]string{EnvAdminToken: "adm-env"}[k] })
	for _, a := range []*Admin{{BaseURL: srv.URL, Token: c.AdminToken}, {BaseURL: srv.URL}} {
		if err := a.Health(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 2 || got[0] != "adm-env" || got[1] != "" {
		t.Errorf("X-Admin-Token sent: %q, want [adm-env, none]", got)
	}
}
