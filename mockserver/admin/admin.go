package admin

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/clock"
	"github.com/contactsmock/contactsmock/mockserver/coverage"
	"github.com/contactsmock/contactsmock/mockserver/faults"
	"github.com/contactsmock/contactsmock/mockserver/journal"
	"github.com/contactsmock/contactsmock/mockserver/oauth"
	"github.com/contactsmock/contactsmock/mockserver/ratelimit"
	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/mockserver/webhooks"
	"github.com/contactsmock/contactsmock/spec"
)

// State is what the admin API reads and writes of the mock's state.
type State interface {
	Locations(ctx context.Context) ([]fixtures.Location, error)
	Location(ctx context.Context, id string) (fixtures.Location, error)
	CreateLocation(ctx context.Context, loc fixtures.Location) (fixtures.Location, error)
	DeleteLocation(ctx context.Context, id string) error
	GetContact(ctx context.Context, loc, id string) (*state.Contact, error)
	ListContacts(ctx context.Context, loc string, q state.ListQuery) (state.ListPage, error)
	ListTasks(ctx context.Context, loc, contactID string) ([]fixtures.Task, error)
	ListNotes(ctx context.Context, loc, contactID string) ([]fixtures.Note, error)
	ListAppointments(ctx context.Context, loc, contactID string) ([]fixtures.Appointment, error)
	AddAppointment(ctx context.Context, a fixtures.Appointment) (fixtures.Appointment, error)
	UpdateAppointment(ctx context.Context, loc, id string, p state.AppointmentPatch) (fixtures.Appointment, error)
	DeleteAppointment(ctx context.Context, loc, id string) error
	AddBusiness(ctx context.Context, b fixtures.Business) (fixtures.Business, error)
	Snapshot(ctx context.Context) (fixtures.Document, error)
	Restore(ctx context.Context, doc fixtures.Document) error
	Merge(ctx context.Context, doc fixtures.Document) error
	Stats(ctx context.Context) (state.Stats, error)
}

// OAuth is what the admin API does with the authorization server.
type OAuth interface {
	Clients(ctx context.Context) ([]oauth.Client, error)
	Client(ctx context.Context, id string) (*oauth.Client, error)
	AddClient(ctx context.Context, c oauth.Client) error
	RemoveClient(ctx context.Context, id string) (bool, int, error)
	ConsentSettings(ctx context.Context) (oauth.ConsentSettings, error)
	SetConsent(ctx context.Context, c oauth.ConsentSettings) error
	MintLocation(ctx context.Context, locationID string, scopes []string, ttl time.Duration) (*oauth.Token, error)
	MintCompany(ctx context.Context, companyID string, scopes []string, ttl time.Duration) (*oauth.Token, error)
	MintPIT(ctx context.Context, userType, id string, scopes []string) (*oauth.Token, error)
	AdminTokenScopes(userType string) []string
	RevokeLocation(ctx context.Context, id string) (int, error)
	Uninstall(ctx context.Context, clientID, locationID string) ([]oauth.Grant, error)
}

// Limits is the rate limiter's settings and each (client, location) pair's standing.
type Limits interface {
	Limits(ctx context.Context) (ratelimit.Limits, error)
	SetLimits(ctx context.Context, l ratelimit.Limits) error
	Buckets(ctx context.Context, now time.Time) ([]ratelimit.Bucket, error)
}

// Deps are what the admin API works over.
type Deps struct {
	State   State
	OAuth   OAuth
	Limits  Limits
	Faults  faults.Store
	Journal journal.Journal // nil: the journal is off
	// News wakes the journal's live stream when an entry is recorded; nil: the stream polls.
	News     News
	Coverage coverage.Counts
	Hooks    webhooks.Hooks
	Clock    *clock.Clock
	Spec     *spec.Spec
	// Reset puts the mock back to its state at start (POST /__admin/reset).
	Reset func(ctx context.Context) error
	// DefaultClient is the OAuth client that cannot be deleted.
	DefaultClient string
	// Token, when set, is required on every request (X-Admin-Token or a bearer token).
	Token string
	// Hosts are the names (or addresses) a request's Host may give besides loopback ones: the
	// host the mock listens on, and any name it is reached by (a tunnel's). An unspecified
	// address (0.0.0.0, ::) admits every IP address. See guard.go.
	Hosts []string
	// Public are paths served to pages of any origin, outside the cross-origin rules (the
	// served OpenAPI document); the Host rule still applies.
	Public []string
	// MaxBody caps the JSON bodies, MaxStateBody the fixture documents (seed, snapshot).
	MaxBody, MaxStateBody int64
	// Respond writes an answer and Fail an error, in the API's shapes.
	Respond func(w http.ResponseWriter, r *http.Request, status int, body any)
	Fail    func(w http.ResponseWriter, r *http.Request, err error)
	Logger  *slog.Logger
}

// Error is a refusal of the admin API: the status, and the message (a string or a list of
// strings), or the error whose wire message to answer with (Cause).
type Error struct {
	Status  int
	Message any
	Cause   error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Cause != nil {
		return "admin: " + e.Cause.Error()
	}
	return fmt.Sprintf("admin: %d %v", e.Status, e.Message)
}

// Unwrap implements error's unwrapping: the cause.
func (e *Error) Unwrap() error { return e.Cause }

func newError(status int, msg any) *Error { return &Error{Status: status, Message: msg} }

// invalid is a 422 with one message per problem.
func invalid(msgs ...string) *Error { return newError(http.StatusUnprocessableEntity, msgs) }

// TokenHeader is the header that carries the admin token (Authorization: Bearer <token> works
// too).
const TokenHeader = "X-Admin-Token"

// msgToken is the answer to a request without the right admin token.
const msgToken = "The admin API needs the admin token: send it as " + TokenHeader + ": <token> or Authorization: Bearer <token>."

// API is the admin API: an http.Handler for everything under /__admin/.
type API struct {
	d        Deps
	router   *mux.Router
	stop     chan struct{} // closed by EndStreams
	stopOnce sync.Once
}

// handler is an admin endpoint: it returns the status and body to answer, or an error.
type handler func(a *API, r *http.Request) (int, any, error)

// New builds the admin API. Its routes are fixed here and only read afterwards.
func New(d Deps) *API {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	a := &API{d: d, router: mux.NewRouter(), stop: make(chan struct{})}
	sub := a.router.PathPrefix("/__admin").Subrouter()
	route := func(method, path string, h handler) {
		sub.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			status, body, err := h(a, r)
			if err != nil {
				d.Fail(w, r, err)
				return
			}
			d.Respond(w, r, status, body)
		}).Methods(method)
	}
	route(http.MethodGet, "/health", health)
	route(http.MethodPost, "/reset", reset)
	route(http.MethodGet, "/locations", listLocations)
	route(http.MethodPost, "/locations", createLocation)
	route(http.MethodDelete, "/locations/{id}", deleteLocation)
	route(http.MethodPost, "/tokens", mintToken)
	route(http.MethodPost, "/appointments", addAppointment)
	route(http.MethodPut, "/appointments/{id}", updateAppointment)
	route(http.MethodDelete, "/appointments/{id}", deleteAppointment)
	route(http.MethodDelete, "/installations/{locationId}", uninstall)
	route(http.MethodPost, "/businesses", addBusiness)
	oauthRoutes(route)
	stateRoutes(route)
	webhookRoutes(sub, a, route)
	trafficRoutes(route)
	inspectRoutes(route)
	sub.HandleFunc("/requests/stream", a.stream).Methods(http.MethodGet)
	a.uiRoutes(a.router)
	documentRoutes(sub, a)
	notFound := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.Fail(w, r, newError(http.StatusNotFound, fmt.Sprintf("Cannot %s %s", r.Method, r.URL.Path)))
	})
	a.router.NotFoundHandler = notFound
	a.router.MethodNotAllowedHandler = notFound
	return a
}

// ServeHTTP serves the admin API: to requests that pass the cross-origin rules (guard.go), and
// carry the admin token when one is configured. The inspector's files need no token: they are the
// same for every mock and hold nothing of it, and a browser cannot send a header when it opens a
// URL; everything the page shows comes through the API with the token.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := a.guard(w, r); err != nil {
		a.d.Logger.Warn("admin request refused", "method", r.Method, "path", r.URL.Path, "host", r.Host,
			"origin", r.Header.Get("Origin"), "remote", r.RemoteAddr, "status", err.Status)
		a.d.Fail(w, r, err)
		return
	}
	if isUIPath(r.URL.Path) {
		a.router.ServeHTTP(w, r)
		return
	}
	if !a.authorized(r) {
		a.d.Logger.Warn("admin request refused: no or wrong admin token", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
		w.Header()["Www-Authenticate"] = []string{`Bearer realm="contactsmock admin"`}
		a.d.Fail(w, r, newError(http.StatusUnauthorized, msgToken))
		return
	}
	a.router.ServeHTTP(w, r)
}

// bearer extracts the token from an Authorization header ("Bearer x", any case of "bearer").
func bearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// authorized reports whether r may use the admin API: any request when no token is configured,
// else one whose X-Admin-Token or bearer token is the admin token. The comparison runs in constant
// time, on SHA-256 digests so that the token's length does not leak either, and both headers are
// always compared.
func (a *API) authorized(r *http.Request) bool {
	if a.d.Token == "" {
		return true
	}
	want := sha256.Sum256([]byte(a.d.Token))
	ok := 0
	for _, got := range []string{r.Header.Get(TokenHeader), bearer(r.Header.Get("Authorization"))} {
		d := sha256.Sum256([]byte(strings.TrimSpace(got)))
		ok |= subtle.ConstantTimeCompare(d[:], want[:])
	}
	return ok == 1
}

// pathVar is a variable of the route's path.
func pathVar(r *http.Request, name string) string { return mux.Vars(r)[name] }

// decode reads a JSON admin body strictly: unknown fields are refused, like the API's DTOs.
func (a *API) decode(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, a.d.MaxBody+1))
	if err != nil {
		return newError(http.StatusBadRequest, "the request body could not be read")
	}
	if int64(len(data)) > a.d.MaxBody {
		return &http.MaxBytesError{Limit: a.d.MaxBody}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
			return newError(http.StatusBadRequest, spec.JSONErrorMessage(err))
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return invalid("property " + strings.Trim(f, `"`) + " should not exist")
		}
		return invalid(spec.DecodeMessage(err))
	}
	if dec.More() {
		return newError(http.StatusBadRequest, "the body holds more than one JSON value")
	}
	return nil
}

func health(a *API, r *http.Request) (int, any, error) {
	stats, err := a.d.State.Stats(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{
		"status":     "ok",
		"operations": len(a.d.Spec.Operations),
		"time":       a.d.Clock.Now().UTC().Format(time.RFC3339Nano),
		"stats":      stats,
	}, nil
}

func reset(a *API, r *http.Request) (int, any, error) {
	if err := a.d.Reset(r.Context()); err != nil {
		return 0, nil, err
	}
	stats, err := a.d.State.Stats(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"reset": true, "stats": stats}, nil
}

func listLocations(a *API, r *http.Request) (int, any, error) {
	locs, err := a.d.State.Locations(r.Context())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"locations": locs}, nil
}

func createLocation(a *API, r *http.Request) (int, any, error) {
	var in struct {
		ID                    string   `json:"id"`
		Name                  string   `json:"name"`
		CompanyID             string   `json:"companyId"`
		Timezone              string   `json:"timezone"`
		AllowDuplicateContact bool     `json:"allowDuplicateContact"`
		DuplicatePriority     []string `json:"duplicatePriority"`
	}
	if err := a.decode(r, &in); err != nil {
		return 0, nil, err
	}
	if strings.TrimSpace(in.Name) == "" {
		return 0, nil, invalid("name should not be empty")
	}
	// Without an id the state draws one (from its seeded sequence: see Config.IDSeed); the check
	// runs on a stand-in.
	draw := in.ID == ""
	if draw {
		in.ID = fixtures.NewID(rand.IntN)
	}
	loc, err := checkedLike(fixtures.Location{
		ID: in.ID, Name: in.Name, CompanyID: in.CompanyID, Timezone: in.Timezone,
		AllowDuplicateContact: in.AllowDuplicateContact, DuplicatePriority: in.DuplicatePriority,
	})
	if err != nil {
		return 0, nil, err
	}
	if draw {
		loc.ID = ""
	}
	out, err := a.d.State.CreateLocation(r.Context(), loc)
	if errors.Is(err, state.ErrConflict) {
		return 0, nil, newError(http.StatusBadRequest, "a location with id "+in.ID+" exists already")
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, out, nil
}

// deleteLocation removes a location with everything it holds, and what hangs on it outside the
// state: the access tokens bound to it stop working (401 Invalid JWT), the grants bound to it are
// revoked, the webhook registrations scoped to it are removed. The contract suites delete the
// locations they created when they end, so that a run leaves a shared mock as it found it.
func deleteLocation(a *API, r *http.Request) (int, any, error) {
	ctx, id := r.Context(), pathVar(r, "id")
	if err := a.d.State.DeleteLocation(ctx, id); err != nil {
		if errors.Is(err, state.ErrNotFound) {
			return 0, nil, newError(http.StatusNotFound, "location "+id+" not found")
		}
		return 0, nil, err
	}
	tokens, err := a.d.OAuth.RevokeLocation(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	regs, err := a.d.Hooks.Registrations(ctx)
	if err != nil {
		return 0, nil, err
	}
	hooks := 0
	for _, reg := range regs {
		if reg.LocationID != id {
			continue
		}
		removed, err := a.d.Hooks.Unregister(ctx, reg.ID)
		if err != nil {
			return 0, nil, err
		}
		if removed {
			hooks++
		}
	}
	a.d.Logger.Info("location deleted", "id", id, "tokensRevoked", tokens, "webhooksRemoved", hooks)
	return http.StatusOK, map[string]any{"id": id, "deleted": true, "tokensRevoked": tokens, "webhooksRemoved": hooks}, nil
}

// checkedLike passes a location (and what it lists) through the rules a fixture file obeys
// (fixtures.Normalize), so that whatever the admin API stores loads back from a snapshot or a
// state file. Problems are 422 with the place and the reason.
func checkedLike(loc fixtures.Location) (fixtures.Location, error) {
	doc := fixtures.Document{Version: fixtures.FormatVersion, Locations: []fixtures.Location{loc}}
	if err := fixtures.Normalize(&doc); err != nil {
		var fe *fixtures.Error
		if errors.As(err, &fe) {
			return fixtures.Location{}, invalid(strings.TrimPrefix(fe.Path, "locations[0].") + " " + fe.Reason)
		}
		return fixtures.Location{}, invalid(err.Error())
	}
	return doc.Locations[0], nil
}

func addAppointment(a *API, r *http.Request) (int, any, error) {
	var ap fixtures.Appointment
	if err := a.decode(r, &ap); err != nil {
		return 0, nil, err
	}
	var msgs []string
	if ap.LocationID == "" {
		msgs = append(msgs, "locationId should not be empty")
	}
	if ap.ContactID == "" {
		msgs = append(msgs, "contactId should not be empty")
	}
	if ap.StartTime == 0 || ap.EndTime == 0 || ap.EndTime < ap.StartTime {
		msgs = append(msgs, "startTime and endTime must be ISO 8601 dates, endTime not before startTime")
	}
	if len(msgs) > 0 {
		return 0, nil, invalid(msgs...)
	}
	if _, err := a.d.State.GetContact(r.Context(), ap.LocationID, ap.ContactID); err != nil {
		return 0, nil, err
	}
	draw := ap.ID == "" // the state draws it; the check runs on a stand-in
	if draw {
		ap.ID = fixtures.NewID(rand.IntN)
	}
	if ap.Title == "" {
		ap.Title = "Appointment"
	}
	if ap.CalendarID == "" {
		ap.CalendarID = "mockCalendar00000001"
	}
	if ap.DateAdded == 0 {
		ap.DateAdded = fixtures.At(a.d.Clock.Now())
	}
	// The contact is named only so that the appointment's reference resolves.
	loc, err := checkedLike(fixtures.Location{ID: ap.LocationID, Name: "check",
		Contacts: []fixtures.ContactRecord{{Contact: fixtures.Contact{ID: ap.ContactID}}}, Appointments: []fixtures.Appointment{ap}})
	if err != nil {
		return 0, nil, err
	}
	if draw {
		loc.Appointments[0].ID = ""
	}
	out, err := a.d.State.AddAppointment(r.Context(), loc.Appointments[0])
	if errors.Is(err, state.ErrConflict) {
		return 0, nil, newError(http.StatusBadRequest, "an appointment with id "+ap.ID+" exists already")
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, out, nil
}

func addBusiness(a *API, r *http.Request) (int, any, error) {
	var b fixtures.Business
	if err := a.decode(r, &b); err != nil {
		return 0, nil, err
	}
	if b.LocationID == "" {
		return 0, nil, invalid("locationId should not be empty")
	}
	if _, err := a.d.State.Location(r.Context(), b.LocationID); err != nil {
		return 0, nil, &Error{Status: http.StatusBadRequest, Cause: err}
	}
	draw := b.ID == "" // the state draws it; the check runs on a stand-in
	if draw {
		b.ID = fixtures.NewObjectID(rand.IntN)
	}
	if b.DateAdded == 0 {
		b.DateAdded = fixtures.At(a.d.Clock.Now())
	}
	loc, err := checkedLike(fixtures.Location{ID: b.LocationID, Name: "check", Businesses: []fixtures.Business{b}})
	if err != nil {
		return 0, nil, err
	}
	if draw {
		loc.Businesses[0].ID = ""
	}
	out, err := a.d.State.AddBusiness(r.Context(), loc.Businesses[0])
	if errors.Is(err, state.ErrConflict) {
		return 0, nil, newError(http.StatusBadRequest, "a business with id "+b.ID+" exists already")
	}
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, out, nil
}

func mintToken(a *API, r *http.Request) (int, any, error) {
	var in struct {
		UserType   string   `json:"userType"`
		LocationID string   `json:"locationId"`
		CompanyID  string   `json:"companyId"`
		Scopes     []string `json:"scopes"`
		ExpiresIn  int64    `json:"expiresIn"`
		// PrivateIntegration mints a Private Integration token ("pit-…") instead of an OAuth
		// access token: no expiry, counted by the limiter like an app of its own.
		PrivateIntegration bool `json:"privateIntegration"`
	}
	if err := a.decode(r, &in); err != nil {
		return 0, nil, err
	}
	var msgs []string
	if in.PrivateIntegration && in.ExpiresIn != 0 {
		msgs = append(msgs, "expiresIn is not for Private Integration tokens: they do not expire")
	}
	switch in.UserType {
	case "", oauth.UserTypeLocation:
		if in.LocationID == "" {
			msgs = append(msgs, "locationId should not be empty")
		}
		if in.CompanyID != "" {
			msgs = append(msgs, "companyId is for Company tokens only")
		}
	case oauth.UserTypeCompany:
		if in.CompanyID == "" {
			msgs = append(msgs, "companyId should not be empty")
		}
		if in.LocationID != "" {
			msgs = append(msgs, "locationId must be empty for a Company token")
		}
	default:
		msgs = append(msgs, "userType must be one of the following values: Location, Company")
	}
	if in.Scopes == nil {
		in.Scopes = a.d.OAuth.AdminTokenScopes(in.UserType)
	}
	if in.ExpiresIn < 0 {
		msgs = append(msgs, "expiresIn must not be less than 0")
	}
	if len(msgs) > 0 {
		return 0, nil, invalid(msgs...)
	}
	if in.PrivateIntegration {
		id := in.LocationID
		if in.UserType == oauth.UserTypeCompany {
			id = in.CompanyID
		}
		tok, err := a.d.OAuth.MintPIT(r.Context(), in.UserType, id, in.Scopes)
		if err != nil {
			return 0, nil, &Error{Status: http.StatusBadRequest, Cause: err}
		}
		return http.StatusCreated, oauth.PITResponseOf(tok), nil
	}
	ttl := time.Duration(in.ExpiresIn) * time.Second
	var tok *oauth.Token
	var err error
	if in.UserType == oauth.UserTypeCompany {
		tok, err = a.d.OAuth.MintCompany(r.Context(), in.CompanyID, in.Scopes, ttl)
	} else {
		tok, err = a.d.OAuth.MintLocation(r.Context(), in.LocationID, in.Scopes, ttl)
	}
	if err != nil {
		return 0, nil, &Error{Status: http.StatusBadRequest, Cause: err}
	}
	return http.StatusCreated, oauth.ResponseOf(tok, a.d.Clock.Now()), nil
}

// updateAppointment changes an appointment of the location ?locationId= names: {title?, status?,
// appointmentStatus?, notes?, address?, startTime?, endTime?}. The store emits AppointmentUpdate.
func updateAppointment(a *API, r *http.Request) (int, any, error) {
	loc := r.URL.Query().Get("locationId")
	if loc == "" {
		return 0, nil, invalid("locationId should not be empty")
	}
	var p state.AppointmentPatch
	if err := a.decode(r, &p); err != nil {
		return 0, nil, err
	}
	out, err := a.d.State.UpdateAppointment(r.Context(), loc, pathVar(r, "id"), p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}

// deleteAppointment removes an appointment of the location ?locationId= names; the store emits
// AppointmentDelete.
func deleteAppointment(a *API, r *http.Request) (int, any, error) {
	loc, id := r.URL.Query().Get("locationId"), pathVar(r, "id")
	if loc == "" {
		return 0, nil, invalid("locationId should not be empty")
	}
	if err := a.d.State.DeleteAppointment(r.Context(), loc, id); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"id": id, "deleted": true}, nil
}

// uninstall removes an app's installation on a location (?clientId=, the default client when
// absent): its grants and their tokens are revoked, and UNINSTALL is sent (reference §6.1).
func uninstall(a *API, r *http.Request) (int, any, error) {
	loc, clientID := pathVar(r, "locationId"), r.URL.Query().Get("clientId")
	if clientID == "" {
		clientID = a.d.DefaultClient
	}
	gone, err := a.d.OAuth.Uninstall(r.Context(), clientID, loc)
	if err != nil {
		return 0, nil, err
	}
	if len(gone) == 0 {
		return 0, nil, newError(http.StatusNotFound, "the app of client "+clientID+" is not installed on location "+loc)
	}
	g := gone[0]
	a.d.Hooks.Emit(state.Event{Type: state.AppUninstall, LocationID: loc, Install: &state.Install{
		AppID: oauth.AppID(clientID), CompanyID: g.CompanyID, LocationID: loc, UserID: g.UserID, PlanID: oauth.PlanID(clientID),
	}})
	return http.StatusOK, map[string]any{"locationId": loc, "clientId": clientID, "grantsRevoked": len(gone)}, nil
}

// publicKey is a helper of the webhook routes: the signing key's public half.
func (a *API) publicKey() ed25519.PublicKey { return a.d.Hooks.PublicKey() }

// Walk walks the admin API's routes (for tests that sweep them).
func (a *API) Walk(fn mux.WalkFunc) error { return a.router.Walk(fn) }
