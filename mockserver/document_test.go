package mockserver

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/contactsmock/contactsmock/spec"
)

// TestServedDocument: GET /__admin/openapi.yaml and .json serve the document in force with the
// mock's own URL as its server, so that a generated client calls the mock.
func TestServedDocument(t *testing.T) {
	src := bytes.Replace(spec.Embedded(), []byte("title: "), []byte("title: Custom "), 1)
	custom, err := spec.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		sp   *spec.Spec
	}{{"the embedded document", nil}, {"a --spec document", custom}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Spec = tc.sp })
			want := h.srv.Spec()
			for path, ctype := range map[string]string{"/__admin/openapi.yaml": "application/yaml", "/__admin/openapi.json": "application/json; charset=utf-8"} {
				r := h.do("GET", path, "", nil).must(t, http.StatusOK)
				if got := r.Header.Get("Content-Type"); got != ctype {
					t.Errorf("%s: Content-Type %q", path, got)
				}
				doc, err := spec.Load(r.Raw)
				if err != nil {
					t.Fatalf("%s does not load: %v", path, err)
				}
				if len(doc.Doc.Servers) != 1 || doc.Doc.Servers[0].URL != h.http.URL {
					t.Errorf("%s: servers %+v, want the mock's %s", path, doc.Doc.Servers, h.http.URL)
				}
				if doc.Doc.Info.Title != want.Doc.Info.Title || len(doc.Operations) != len(want.Operations) {
					t.Errorf("%s: %q with %d operations, want the document in force", path, doc.Doc.Info.Title, len(doc.Operations))
				}
			}
			r := h.doHeaders("GET", "/__admin/openapi.json", "", nil, map[string]string{"X-Forwarded-Proto": "https"}).must(t, 200)
			if doc, err := spec.Load(r.Raw); err != nil || doc.Doc.Servers[0].URL != "https://"+h.http.Listener.Addr().String() {
				t.Errorf("behind an https tunnel: %v %v", err, doc.Doc.Servers)
			}
		})
	}
	if custom.Doc.Info.Title == spec.MustDefault().Doc.Info.Title {
		t.Fatal("the custom document is not different")
	}
}

func TestServedDocumentNeedsTheAdminToken(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.AdminToken = "adm" })
	h.do("GET", "/__admin/openapi.yaml", "", nil).must(t, http.StatusUnauthorized)
	h.doHeaders("GET", "/__admin/openapi.yaml", "", nil, map[string]string{"X-Admin-Token": "adm"}).must(t, http.StatusOK)
}
