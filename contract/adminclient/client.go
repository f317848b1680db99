package adminclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
)

// Client is a client of the mock's admin API (/__admin/), for a mock in this process or another
// one. A live deployment has no admin API; specs that need one are labelled mock-only.
type Client struct {
	// BaseURL is the mock's base URL; /__admin/... is appended.
	BaseURL string
	// HTTP sends the requests; nil means a client with a 30 s timeout.
	HTTP *http.Client
	// Token is the mock's admin token, sent as X-Admin-Token; empty sends none (a mock on
	// loopback without --admin-token needs none).
	Token string
}

// Error is an admin call the mock refused.
type Error struct {
	Method, Path string
	Status       int
	Header       http.Header
	Body         string
}

// Error implements error: the call and the mock's answer.
func (e *Error) Error() string {
	return fmt.Sprintf("adminclient: %s %s answered %d: %s", e.Method, e.Path, e.Status, e.Body)
}

// newRequest is a request of the admin API: the admin token when there is one, and JSON asked for
// (some endpoints answer another media type unless asked: the webhook key).
func (a *Client) newRequest(ctx context.Context, method, path string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(a.BaseURL, "/")+"/__admin"+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if a.Token != "" {
		req.Header.Set("X-Admin-Token", a.Token)
	}
	return req, nil
}

func (a *Client) httpClient() *http.Client {
	if a.HTTP != nil {
		return a.HTTP
	}
	return defaultHTTP
}

func (a *Client) call(ctx context.Context, method, path string, in, out any) error {
	var rd io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("adminclient: %s: %w", path, err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := a.newRequest(ctx, method, path, rd)
	if err != nil {
		return fmt.Errorf("adminclient: %s: %w", path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.httpClient().Do(req)
	if err != nil {
		return fmt.Errorf("adminclient: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("adminclient: %s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		return &Error{Method: method, Path: path, Status: resp.StatusCode, Header: resp.Header, Body: string(data)}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("adminclient: %s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// Health checks that the admin API answers.
func (a *Client) Health(ctx context.Context) error {
	return a.call(ctx, http.MethodGet, "/health", nil, nil)
}

// API is what a probe of a target's admin API found.
type API int

const (
	// Absent: the target has no mock admin API (a live deployment).
	Absent API = iota
	// Open: the mock's admin API answers (with the admin token, when one was given).
	Open
	// Refused: the mock's admin API is there but refuses the admin token given (or asks
	// for one when none was given).
	Refused
)

// adminRealm is the WWW-Authenticate realm of the mock's admin API refusals: how a probe tells
// "this mock wants another admin token" from "no mock here".
const adminRealm = `realm="contactsmock admin"`

// Probe finds out whether the target has the mock's admin API and whether it takes the admin
// token. An error means the target did not answer at all.
func (a *Client) Probe(ctx context.Context) (API, error) {
	req, err := a.newRequest(ctx, http.MethodGet, "/health", nil)
	if err != nil {
		return Absent, fmt.Errorf("adminclient: probe: %w", err)
	}
	resp, err := a.httpClient().Do(req)
	if err != nil {
		return Absent, fmt.Errorf("adminclient: %s does not answer: %w", a.BaseURL, err)
	}
	defer resp.Body.Close()
	var out struct {
		Status string `json:"status"`
	}
	switch {
	case resp.StatusCode == http.StatusOK && json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out) == nil && out.Status == "ok":
		return Open, nil
	case resp.StatusCode == http.StatusUnauthorized && strings.Contains(resp.Header.Get("WWW-Authenticate"), adminRealm):
		return Refused, nil
	}
	return Absent, nil
}

// Reset puts the mock back to its initial state (every process's data: use with care).
func (a *Client) Reset(ctx context.Context) error {
	return a.call(ctx, http.MethodPost, "/reset", nil, nil)
}

// Location is a location as the admin API takes and returns it.
type Location struct {
	ID                    string   `json:"id,omitempty"`
	Name                  string   `json:"name"`
	CompanyID             string   `json:"companyId,omitempty"`
	Timezone              string   `json:"timezone,omitempty"`
	AllowDuplicateContact bool     `json:"allowDuplicateContact"`
	DuplicatePriority     []string `json:"duplicatePriority,omitempty"`
	// Users are the location's users (read only: the admin API does not take them on create).
	Users []User `json:"users,omitempty"`
}

// User is a user of a location.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Locations lists the mock's locations.
func (a *Client) Locations(ctx context.Context) ([]Location, error) {
	var out struct {
		Locations []Location `json:"locations"`
	}
	err := a.call(ctx, http.MethodGet, "/locations", nil, &out)
	return out.Locations, err
}

// Location returns one location's settings.
func (a *Client) Location(ctx context.Context, id string) (Location, error) {
	locs, err := a.Locations(ctx)
	if err != nil {
		return Location{}, err
	}
	for _, l := range locs {
		if l.ID == id {
			return l, nil
		}
	}
	return Location{}, fmt.Errorf("adminclient: the mock has no location %s", id)
}

// CreateLocation adds a location.
func (a *Client) CreateLocation(ctx context.Context, loc Location) (Location, error) {
	var out Location
	err := a.call(ctx, http.MethodPost, "/locations", loc, &out)
	return out, err
}

// DeleteLocation removes a location the run created, with everything it holds; its tokens stop
// working and the webhook registrations scoped to it are removed.
func (a *Client) DeleteLocation(ctx context.Context, id string) error {
	return a.call(ctx, http.MethodDelete, "/locations/"+url.PathEscape(id), nil, nil)
}

// MintToken issues an access token for a location with the scopes (nil: both contacts scopes);
// expiresIn 0 means the mock's default lifetime.
func (a *Client) MintToken(ctx context.Context, locationID string, scopes []string, expiresIn int64) (string, error) {
	in := map[string]any{"locationId": locationID}
	if scopes != nil {
		in["scopes"] = scopes
	}
	if expiresIn > 0 {
		in["expiresIn"] = expiresIn
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := a.call(ctx, http.MethodPost, "/tokens", in, &out); err != nil {
		return "", err
	}
	return out.AccessToken, nil
}

// AddAppointment seeds an appointment for a contact.
func (a *Client) AddAppointment(ctx context.Context, appt fixtures.Appointment) (fixtures.Appointment, error) {
	var out fixtures.Appointment
	err := a.call(ctx, http.MethodPost, "/appointments", appt, &out)
	return out, err
}

// AddBusiness seeds a business.
func (a *Client) AddBusiness(ctx context.Context, b fixtures.Business) (fixtures.Business, error) {
	var out fixtures.Business
	err := a.call(ctx, http.MethodPost, "/businesses", b, &out)
	return out, err
}

// defaultHTTP sends the requests of a Client without an HTTP client of its own.
var defaultHTTP = &http.Client{Timeout: 30 * time.Second}
