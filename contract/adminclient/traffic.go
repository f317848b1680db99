package adminclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
)

// This file: the admin endpoints that shape and record traffic: rate limits, faults and the request
// journal.

// RateLimits are the mock's limits per (OAuth client, location): Burst requests per Window (a
// Go duration, "10s"), Daily per UTC day; Off counts nothing.
type RateLimits struct {
	Burst  int    `json:"burst"`
	Window string `json:"window"`
	Daily  int    `json:"daily"`
	Off    bool   `json:"off"`
	// RetryAfter says whether the mock's 429s carry Retry-After (its addition: live does not
	// document the header). Specs turn it off to show that the client does without it. Nil (a
	// mock that does not report it) leaves it as it is.
	RetryAfter *bool `json:"retryAfter,omitempty"`
}

// RateLimits reads the limits in force.
func (a *Client) RateLimits(ctx context.Context) (RateLimits, error) {
	var out RateLimits
	err := a.call(ctx, http.MethodGet, "/ratelimit", nil, &out)
	return out, err
}

// SetRateLimits replaces the limits (every field is sent) and returns them as the mock took them.
// They are global to the mock; counts already taken stay.
func (a *Client) SetRateLimits(ctx context.Context, l RateLimits) (RateLimits, error) {
	var out RateLimits
	err := a.call(ctx, http.MethodPut, "/ratelimit", l, &out)
	return out, err
}

// Fault is a failure the mock injects (see docs/faults-and-journal.md). Matchers left
// empty match everything: scope a fault to the process's own location (LocationID) so that it
// never touches another process's requests.
type Fault struct {
	ID          string            `json:"id,omitempty"`
	OperationID string            `json:"operationId,omitempty"`
	Method      string            `json:"method,omitempty"`
	Path        string            `json:"path,omitempty"`
	LocationID  string            `json:"locationId,omitempty"`
	Status      int               `json:"status,omitempty"`
	Body        json.RawMessage   `json:"body,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	LatencyMs   int               `json:"latencyMs,omitempty"`
	JitterMs    int               `json:"jitterMs,omitempty"`
	Drop        bool              `json:"drop,omitempty"`
	Truncate    bool              `json:"truncate,omitempty"`
	Count       int               `json:"count,omitempty"`
	Probability *float64          `json:"probability,omitempty"`
}

// FaultState is a fault in force and how often it applied.
type FaultState struct {
	Fault
	Hits int `json:"hits"`
	// Remaining counts the applications left of a fault with a count; Expired is set once none is.
	Remaining *int `json:"remaining,omitempty"`
	Expired   bool `json:"expired,omitempty"`
}

// AddFault puts a fault in force and returns it with its id.
func (a *Client) AddFault(ctx context.Context, f Fault) (FaultState, error) {
	var out FaultState
	err := a.call(ctx, http.MethodPost, "/faults", f, &out)
	return out, err
}

// Faults lists the faults in force and the seed of their random draws.
func (a *Client) Faults(ctx context.Context) (seed int64, faults []FaultState, err error) {
	var out struct {
		Seed   int64        `json:"seed"`
		Faults []FaultState `json:"faults"`
	}
	err = a.call(ctx, http.MethodGet, "/faults", nil, &out)
	return out.Seed, out.Faults, err
}

// Fault returns the fault with the id, or an error when there is none.
func (a *Client) Fault(ctx context.Context, id string) (FaultState, error) {
	_, faults, err := a.Faults(ctx)
	if err != nil {
		return FaultState{}, err
	}
	for _, f := range faults {
		if f.ID == id {
			return f, nil
		}
	}
	return FaultState{}, &Error{Method: http.MethodGet, Path: "/faults", Status: http.StatusNotFound, Body: "no fault with id " + id}
}

// DeleteFault takes one fault out of force.
func (a *Client) DeleteFault(ctx context.Context, id string) error {
	return a.call(ctx, http.MethodDelete, "/faults/"+url.PathEscape(id), nil, nil)
}

// Request is one API request as the mock's journal recorded it (never its token).
type Request struct {
	Seq         uint64  `json:"seq"`
	Time        string  `json:"time"`
	DurationMs  float64 `json:"durationMs"`
	Method      string  `json:"method"`
	Path        string  `json:"path"`
	Query       string  `json:"query,omitempty"`
	OperationID string  `json:"operationId,omitempty"`
	// Status is 0 when no answer was written (Outcome says why: dropped, truncated, canceled).
	Status     int    `json:"status"`
	Outcome    string `json:"outcome,omitempty"`
	ClientID   string `json:"clientId,omitempty"`
	LocationID string `json:"locationId,omitempty"`
	RateLimit  *struct {
		Remaining      int `json:"remaining"`
		DailyRemaining int `json:"dailyRemaining"`
	} `json:"rateLimit,omitempty"`
	// Fault is the id of the fault that applied.
	Fault string `json:"fault,omitempty"`
	// Message is the error's message, for answers from 400 on.
	Message any `json:"message,omitempty"`
}

// Requests reads the journal, newest first, narrowed by the query (operationId, status such as 429
// or 4xx, since, limit). The journal is the whole mock's: filter on the process's own location or
// paths.
func (a *Client) Requests(ctx context.Context, query url.Values) (faultSeed int64, requests []Request, err error) {
	var out struct {
		FaultSeed int64     `json:"faultSeed"`
		Requests  []Request `json:"requests"`
	}
	path := "/requests"
	if len(query) > 0 {
		path += "?" + query.Encode()
	}
	err = a.call(ctx, http.MethodGet, path, nil, &out)
	return out.FaultSeed, out.Requests, err
}
