package mockserver

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gorilla/mux"
)

// trafficRoutes adds the admin routes that shape and record traffic: rate limits, faults and the
// request journal.
func trafficRoutes(route func(method, path string, h adminHandler)) {
	route(http.MethodGet, "/ratelimit", adminGetRateLimits)
	route(http.MethodPut, "/ratelimit", adminPutRateLimits)
	route(http.MethodGet, "/faults", adminListFaults)
	route(http.MethodPost, "/faults", adminAddFault)
	route(http.MethodDelete, "/faults", adminClearFaults)
	route(http.MethodDelete, "/faults/{id}", adminDeleteFault)
	route(http.MethodGet, "/requests", adminListRequests)
	route(http.MethodDelete, "/requests", adminClearRequests)
}

// pathVar is a variable of the admin route's path.
func pathVar(r *http.Request, name string) string { return mux.Vars(r)[name] }

func adminGetRateLimits(s *Server, r *http.Request) (int, any, error) {
	return http.StatusOK, s.limiter.config().wire(), nil
}

// adminPutRateLimits changes the limits: {burst, window, daily, off}, window as a Go duration
// ("10s"). Fields left out keep their value; counts already taken stay.
func adminPutRateLimits(s *Server, r *http.Request) (int, any, error) {
	var in struct {
		Burst  *int            `json:"burst"`
		Window json.RawMessage `json:"window"`
		Daily  *int            `json:"daily"`
		Off    *bool           `json:"off"`
	}
	if err := s.decodeAdmin(r, &in); err != nil {
		return 0, nil, err
	}
	cfg := s.limiter.config()
	if in.Burst != nil {
		cfg.Burst = *in.Burst
	}
	if in.Daily != nil {
		cfg.Daily = *in.Daily
	}
	if in.Off != nil {
		cfg.Off = *in.Off
	}
	var msgs []string
	if len(in.Window) > 0 {
		if d, ok := parseWindow(in.Window); ok {
			cfg.Window = d
		} else {
			msgs = append(msgs, `window must be a duration such as "10s"`)
		}
	}
	msgs = append(msgs, cfg.problems()...)
	if len(msgs) > 0 {
		return 0, nil, newError(http.StatusUnprocessableEntity, msgs)
	}
	s.limiter.setConfig(cfg)
	return http.StatusOK, cfg.wire(), nil
}

// parseWindow reads a JSON string holding a Go duration.
func parseWindow(raw json.RawMessage) (time.Duration, bool) {
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return 0, false
	}
	d, err := time.ParseDuration(text)
	return d, err == nil
}
