package admin_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/admin"
	"github.com/contactsmock/contactsmock/mockserver/clock"
	"github.com/contactsmock/contactsmock/mockserver/faults"
	"github.com/contactsmock/contactsmock/mockserver/ratelimit"
	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/mockserver/state/memory"
	"github.com/contactsmock/contactsmock/spec"
	"github.com/gorilla/mux"
)

// answer is what the fake writer was asked to write.
type answer struct {
	status int
	body   any
	err    error
}

// newAPI is the admin API over the in-memory subsystems it needs here, with a writer that records.
func newAPI(t *testing.T, token string) (*admin.API, *answer) {
	t.Helper()
	got := &answer{}
	st := memory.New(memory.Options{})
	if err := st.Restore(context.Background(), fixtures.Document{Version: 1, Locations: []fixtures.Location{{ID: "LocAdminAAAAAAAAAAAA", Name: "A"}}}); err != nil {
		t.Fatal(err)
	}
	resets := 0
	api := admin.New(admin.Deps{
		State: st, Limits: ratelimit.New(ratelimit.NewMemorySettings(ratelimit.Defaults), ratelimit.NewMemoryCounter()), Faults: faults.NewMemory(1, nil),
		Clock: clock.New(clock.NewManual(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)).Now), Spec: spec.MustDefault(),
		Reset: func(context.Context) error { resets++; return nil }, Token: token, MaxBody: 1 << 20, MaxStateBody: 1 << 20,
		Respond: func(w http.ResponseWriter, r *http.Request, status int, body any) {
			*got = answer{status: status, body: body}
			w.WriteHeader(status)
		},
		Fail: func(w http.ResponseWriter, r *http.Request, err error) {
			*got = answer{err: err}
			w.WriteHeader(http.StatusTeapot)
		},
	})
	return api, got
}

func serve(api *admin.API, method, path string, hdr ...string) {
	r := httptest.NewRequest(method, "http://127.0.0.1:8080"+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	api.ServeHTTP(httptest.NewRecorder(), r)
}

// TestTokenAndRoutes: with a token configured, a request without it is refused through Fail with
// 401; with it, the route answers through Respond; an unknown route is a 404 through Fail.
func TestTokenAndRoutes(t *testing.T) {
	api, got := newAPI(t, "s3cret")
	serve(api, http.MethodGet, "/__admin/health")
	var ae *admin.Error
	if !errors.As(got.err, &ae) || ae.Status != http.StatusUnauthorized {
		t.Fatalf("without the token: %+v", got)
	}
	serve(api, http.MethodGet, "/__admin/health", admin.TokenHeader, "s3cret")
	body, _ := got.body.(map[string]any)
	if got.status != http.StatusOK || body["status"] != "ok" || body["stats"].(state.Stats).Locations != 1 {
		t.Fatalf("health: %+v", got)
	}
	serve(api, http.MethodGet, "/__admin/ratelimit", "Authorization", "Bearer s3cret")
	if w, ok := got.body.(ratelimit.Wire); !ok || w.Burst != 100 || w.Window != "10s" {
		t.Fatalf("rate limits: %+v", got)
	}
	serve(api, http.MethodGet, "/__admin/nothing", admin.TokenHeader, "s3cret")
	if !errors.As(got.err, &ae) || ae.Status != http.StatusNotFound || ae.Message != "Cannot GET /__admin/nothing" {
		t.Fatalf("unknown route: %+v", got)
	}
}

// TestRoutesWalk: the routes of the admin API can be walked (the fuzz tests sweep them).
func TestRoutesWalk(t *testing.T) {
	api, _ := newAPI(t, "")
	n := 0
	if err := api.Walk(func(_ *mux.Route, _ *mux.Router, _ []*mux.Route) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n < 30 {
		t.Errorf("%d routes walked", n)
	}
}
