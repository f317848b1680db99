package admin

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"
)

// DocumentPaths are the admin paths that serve the document in force; the only admin paths CORS
// may open.
var DocumentPaths = map[string]string{"/__admin/openapi.yaml": "yaml", "/__admin/openapi.json": "json"}

// documentRoutes adds GET /__admin/openapi.yaml and /__admin/openapi.json.
func documentRoutes(sub *mux.Router, a *API) {
	for path, format := range DocumentPaths {
		sub.HandleFunc(strings.TrimPrefix(path, "/__admin"), a.document(format)).Methods(http.MethodGet)
	}
}

// document serves the document in force (the embedded one, or --spec) with its server URL
// rewritten to the mock's as this request reached it, so that a client generator or Swagger UI
// pointed at it calls the mock.
func (a *API) document(format string) http.HandlerFunc {
	contentType := map[string]string{"yaml": "application/yaml", "json": "application/json; charset=utf-8"}[format]
	return func(w http.ResponseWriter, r *http.Request) {
		out, err := a.d.Spec.Render(format, serverURL(r))
		if err != nil {
			a.d.Fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(out)
	}
}

// serverURL is the mock's base URL as the client reached it: the Host it sent, https when the
// connection is TLS or a proxy in front (a tunnel) says the client used https.
func serverURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
