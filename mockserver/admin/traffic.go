package admin

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/faults"
	"github.com/contactsmock/contactsmock/mockserver/journal"
)

// trafficRoutes adds the routes that shape and record traffic: rate limits, faults and the request
// journal.
func trafficRoutes(route func(method, path string, h handler)) {
	route(http.MethodGet, "/ratelimit", getRateLimits)
	route(http.MethodPut, "/ratelimit", putRateLimits)
	route(http.MethodGet, "/faults", listFaults)
	route(http.MethodPost, "/faults", addFault)
	route(http.MethodDelete, "/faults", clearFaults)
	route(http.MethodDelete, "/faults/{id}", deleteFault)
	route(http.MethodGet, "/requests", listRequests)
	route(http.MethodGet, "/requests/{seq:[0-9]+}", getRequest)
	route(http.MethodDelete, "/requests", clearRequests)
}

func getRateLimits(a *API, r *http.Request) (int, any, error) {
	l, err := a.d.Limits.Limits(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, l.Wire(), nil
}

// putRateLimits changes the limits: {burst, window, daily, off, retryAfter}, window as a Go
// duration ("10s").
// Fields left out keep their value; counts already taken stay.
func putRateLimits(a *API, r *http.Request) (int, any, error) {
	var in struct {
		Burst  *int            `json:"burst"`
		Window json.RawMessage `json:"window"`
		Daily  *int            `json:"daily"`
		Off    *bool           `json:"off"`
		// RetryAfter false leaves Retry-After out of 429s (live does not document it).
		RetryAfter *bool `json:"retryAfter"`
	}
	if err := a.decode(r, &in); err != nil {
		return 0, nil, err
	}
	cfg, err := a.d.Limits.Limits(r.Context())
	if err != nil {
		return 0, nil, err
	}
	if in.Burst != nil {
		cfg.Burst = *in.Burst
	}
	if in.Daily != nil {
		cfg.Daily = *in.Daily
	}
	if in.Off != nil {
		cfg.Off = *in.Off
	}
	if in.RetryAfter != nil {
		cfg.NoRetryAfter = !*in.RetryAfter
	}
	var msgs []string
	if len(in.Window) > 0 {
		if d, ok := parseWindow(in.Window); ok {
			cfg.Window = d
		} else {
			msgs = append(msgs, `window must be a duration such as "10s"`)
		}
	}
	msgs = append(msgs, cfg.Problems()...)
	if len(msgs) > 0 {
		return 0, nil, invalid(msgs...)
	}
	if err := a.d.Limits.SetLimits(r.Context(), cfg); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, cfg.Wire(), nil
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

func listFaults(a *API, r *http.Request) (int, any, error) {
	list, err := a.d.Faults.List(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"seed": a.d.Faults.Seed(), "faults": list}, nil
}

func addFault(a *API, r *http.Request) (int, any, error) {
	var f faults.Fault
	if err := a.decode(r, &f); err != nil {
		return 0, nil, err
	}
	v, err := a.d.Faults.Add(r.Context(), f)
	if err != nil {
		return 0, nil, err
	}
	a.d.Logger.Info("fault added", "id", v.ID, "seed", a.d.Faults.Seed())
	return http.StatusCreated, v, nil
}

func clearFaults(a *API, r *http.Request) (int, any, error) {
	n, err := a.d.Faults.Clear(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"deleted": n}, nil
}

func deleteFault(a *API, r *http.Request) (int, any, error) {
	id := pathVar(r, "id")
	found, err := a.d.Faults.Remove(r.Context(), id)
	if err != nil {
		return 0, nil, err
	}
	if !found {
		return 0, nil, newError(http.StatusNotFound, "no fault with id "+id)
	}
	return http.StatusOK, map[string]any{"deleted": 1}, nil
}

func listRequests(a *API, r *http.Request) (int, any, error) {
	f, err := journal.ParseFilter(r.URL.Query(), a.d.Clock.Now())
	if err != nil {
		return 0, nil, err
	}
	var entries []journal.Entry
	if a.d.Journal != nil {
		if entries, err = a.d.Journal.List(r.Context(), f); err != nil {
			return 0, nil, err
		}
	}
	// ?fields=summary leaves out the headers and bodies: the inspector lists a thousand entries
	// at once and reads one whole when it is opened (GET /__admin/requests/{seq}).
	var summary bool
	switch r.URL.Query().Get("fields") {
	case "", "all":
	case "summary":
		summary = true
	default:
		return 0, nil, invalid("fields must be summary or all")
	}
	out := make([]journal.View, len(entries))
	for i := range entries {
		if summary {
			out[i] = entries[i].Summary()
		} else {
			out[i] = entries[i].View()
		}
	}
	return http.StatusOK, map[string]any{"requests": out, "faultSeed": a.d.Faults.Seed()}, nil
}

// getRequest is one entry of the journal, whole.
func getRequest(a *API, r *http.Request) (int, any, error) {
	seq, err := strconv.ParseUint(pathVar(r, "seq"), 10, 64)
	if err != nil || seq == 0 || a.d.Journal == nil {
		return 0, nil, newError(http.StatusNotFound, "request "+pathVar(r, "seq")+" is not in the journal")
	}
	// The entries after seq-1, newest first: the last one is seq's if the journal still holds it.
	entries, err := a.d.Journal.List(r.Context(), journal.Filter{AfterSeq: seq - 1})
	if err != nil {
		return 0, nil, err
	}
	if n := len(entries); n == 0 || entries[n-1].Seq != seq {
		return 0, nil, newError(http.StatusNotFound, "request "+pathVar(r, "seq")+" is not in the journal")
	}
	return http.StatusOK, entries[len(entries)-1].View(), nil
}

func clearRequests(a *API, r *http.Request) (int, any, error) {
	if a.d.Journal != nil {
		if err := a.d.Journal.Clear(r.Context()); err != nil {
			return 0, nil, err
		}
	}
	return http.StatusOK, map[string]any{"cleared": true}, nil
}
