package admin

import (
	"bytes"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/contactsmock/contactsmock/mockserver/admin/inspector"
)

// UIPath is where the inspector page is served.
const UIPath = "/__admin/ui/"

// isUIPath reports whether a path is the inspector's (its files, and the redirects to it).
func isUIPath(p string) bool {
	return p == "/__admin" || p == "/__admin/" || p == "/__admin/ui" || strings.HasPrefix(p, UIPath)
}

// uiRoutes serves the inspector's files under UIPath, and redirects /__admin/ and /__admin/ui to
// it.
func (a *API) uiRoutes(r *mux.Router) {
	files := http.StripPrefix(strings.TrimSuffix(UIPath, "/"), http.FileServerFS(inspector.Files()))
	redirect := func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, UIPath, http.StatusFound)
	}
	for _, p := range []string{"/__admin", "/__admin/", "/__admin/ui"} {
		r.HandleFunc(p, redirect).Methods(http.MethodGet, http.MethodHead)
	}
	// The page itself says whether to ask for the admin token, so that it asks before its first
	// call rather than after a refusal, and loads its data without a round trip first.
	index, err := fs.ReadFile(inspector.Files(), "index.html")
	if err != nil {
		panic("admin: the inspector has no index.html: " + err.Error())
	}
	pages := map[bool][]byte{}
	for _, required := range []bool{false, true} {
		pages[required] = bytes.Replace(index, []byte(`<html lang="en">`),
			[]byte(`<html lang="en" data-token-required="`+strconv.FormatBool(required)+`">`), 1)
	}
	r.PathPrefix(UIPath).Methods(http.MethodGet, http.MethodHead).HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", inspector.ContentSecurityPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		// A new binary may bring a new page: always ask.
		h.Set("Cache-Control", "no-cache")
		if req.URL.Path == UIPath || req.URL.Path == UIPath+"index.html" {
			h.Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(pages[a.d.Token != ""])
			return
		}
		files.ServeHTTP(w, req)
	})
}
