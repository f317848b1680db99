package admin

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/contactsmock/contactsmock/fixtures"
)

// stateRoutes registers the routes that load and export the whole state: seed (add a fixture
// document), snapshot (export; replace).
func stateRoutes(route func(method, path string, h handler)) {
	route(http.MethodPost, "/seed", seed)
	route(http.MethodGet, "/snapshot", getSnapshot)
	route(http.MethodPut, "/snapshot", putSnapshot)
}

// readFixtureBody reads a fixture document from a request: JSON, or YAML when the Content-Type
// says so (application/yaml, application/x-yaml, text/yaml). The document is normalised exactly as
// a --fixtures file is.
func (a *API) readFixtureBody(r *http.Request) (fixtures.Document, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, a.d.MaxStateBody+1))
	if err != nil {
		return fixtures.Document{}, newError(http.StatusBadRequest, "the request body could not be read")
	}
	if int64(len(data)) > a.d.MaxStateBody {
		return fixtures.Document{}, &http.MaxBytesError{Limit: a.d.MaxStateBody}
	}
	format := "json"
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && strings.Contains(mt, "yaml") {
		format = "yaml"
	}
	doc, err := fixtures.Parse(data, format)
	if err != nil {
		var fe *fixtures.Error
		if errors.As(err, &fe) {
			return fixtures.Document{}, invalid(err.Error())
		}
		return fixtures.Document{}, newError(http.StatusBadRequest, err.Error())
	}
	return doc, nil
}

// seed adds a fixture document to the running state, atomically: a document whose ids clash with
// the state is refused whole.
func seed(a *API, r *http.Request) (int, any, error) {
	doc, err := a.readFixtureBody(r)
	if err != nil {
		return 0, nil, err
	}
	if err := a.d.State.Merge(r.Context(), doc); err != nil {
		return 0, nil, &Error{Status: http.StatusBadRequest, Cause: err}
	}
	stats, err := a.d.State.Stats(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"seeded": true, "stats": stats}, nil
}

// getSnapshot answers the whole state as a fixture document (the --fixtures and --state-file
// format).
func getSnapshot(a *API, r *http.Request) (int, any, error) {
	doc, err := a.d.State.Snapshot(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, doc, nil
}

// putSnapshot replaces the whole state with a fixture document, atomically.
func putSnapshot(a *API, r *http.Request) (int, any, error) {
	doc, err := a.readFixtureBody(r)
	if err != nil {
		return 0, nil, err
	}
	if err := a.d.State.Restore(r.Context(), doc); err != nil {
		return 0, nil, &Error{Status: http.StatusBadRequest, Cause: err}
	}
	stats, err := a.d.State.Stats(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"restored": true, "stats": stats}, nil
}
