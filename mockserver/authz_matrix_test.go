package mockserver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/oauth"
	"github.com/contactsmock/contactsmock/spec"
)

// Object-level authorization, exhaustively: every operation of the document, sent as its valid
// (happy) request, with every kind of token. Only the token's own location may be read or written;
// every other token is refused with the live status and body, the state stays as it was, and no
// answer carries anything of location A that the request did not carry itself.

// Children of location B's contact, so that another location's task and note ids can be tried.
const (
	taskB1 = "TaskB1BBBBBBBBBBBBBB"
	noteB1 = "NoteB1BBBBBBBBBBBBBB"
)

// authzConfig is the state of the matrix: the test state, its locations in two companies (A in
// companyX, B in companyY), Carol (in B) with a task and a note.
func authzConfig(c *Config) {
	withCompanies(c)
	c.RateLimits = RateLimits{Off: true}
	carol := &c.Initial.Locations[1].Contacts[0]
	carol.Tasks = []fixtures.Task{{ID: taskB1, ContactID: ctCarol, Title: "Carol's private task", DueDate: ts("2026-03-05T09:00:00Z"),
		DateAdded: ts("2026-01-05T10:00:00Z"), DateUpdated: ts("2026-01-05T10:00:00Z")}}
	carol.Notes = []fixtures.Note{{ID: noteB1, ContactID: ctCarol, Body: "Carol's private note", DateAdded: ts("2026-01-05T11:00:00Z"),
		DateUpdated: ts("2026-01-05T11:00:00Z")}}
}

// authzRequest is one request of the matrix.
type authzRequest struct {
	method, target, contentType string
	body                        []byte
}

// appOfDefaultClient is the Marketplace app of the default client (its id's part before "-").
var appOfDefaultClient, _, _ = strings.Cut(DefaultClientID, "-")

// happyRequest is an operation's valid request: its happy case, or for the agency endpoints a
// request for company X (the location token: its location A).
func happyRequest(t *testing.T, op *spec.Operation) authzRequest {
	switch op.ID {
	case "get-location-access-token":
		form := url.Values{"companyId": {companyX}, "locationId": {locA}}
		return authzRequest{op.Method, op.Path, "application/x-www-form-urlencoded", []byte(form.Encode())}
	case "get-installed-location":
		q := url.Values{"companyId": {companyX}, "appId": {appOfDefaultClient}}
		return authzRequest{method: op.Method, target: op.Path + "?" + q.Encode()}
	}
	tc, ok := happyCases[op.ID]
	if !ok {
		t.Fatalf("no happy case for %s", op.ID)
	}
	r := authzRequest{method: op.Method, target: happyTarget(op)}
	if tc.body != nil {
		data, err := json.Marshal(tc.body)
		if err != nil {
			t.Fatal(err)
		}
		r.body, r.contentType = data, "application/json"
	}
	return r
}

// tokenKind is a kind of token the matrix tries, with the answer each operation owes it.
type tokenKind struct {
	name string
	// token returns the bearer ("" for none).
	token func(m *authzMock) string
	// want returns the status and message an operation answers its happy request with; status 0
	// means the operation's success status.
	want func(op *spec.Operation) (int, string)
}

// authzMock is the mock of the matrix with its tokens.
type authzMock struct {
	h       *harness
	oauth   oauth.Store // the mock's OAuth state
	tokens  map[string]string
	initial []byte // stateBytes of the initial state
}

func newAuthzMock(t *testing.T) *authzMock {
	st := oauth.NewMemoryStore(nil)
	h := newHarness(t, authzConfig, func(c *Config) { c.State.OAuth = st })
	m := &authzMock{h: h, oauth: st, tokens: map[string]string{}}
	s := h.srv
	mint := func(loc string, scopes []string, ttl time.Duration) string {
		tok, err := s.MintToken(loc, scopes, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}
	both := []string{ScopeContactsReadonly, ScopeContactsWrite}
	m.tokens["own"] = h.full
	m.tokens["read-only"] = h.ro
	m.tokens["other location"] = h.fullB
	m.tokens["expired"] = mint(locA, both, time.Second)
	h.clock.Add(2 * time.Second)
	for name, company := range map[string]string{"own company": companyX, "other company": companyY} {
		tok, err := s.MintCompanyToken(company, s.auth.AdminTokenScopes(UserTypeCompany), 0)
		if err != nil {
			t.Fatal(err)
		}
		m.tokens[name] = tok.AccessToken
	}
	// Another OAuth client's token, installed on location B.
	mintFor := func(clientID string, a oauth.Authorization, grantID string) string {
		tok, err := s.auth.Mint(context.Background(), clientID, a, grantID, 0)
		if err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}
	m.tokens["other client, other location"] = mintFor("6650c2b5a1f0e8c1d2a3b4c6-otherapp",
		oauth.Authorization{UserType: UserTypeLocation, LocationID: locB, CompanyID: companyY, UserID: oauth.MockUserID, Scopes: both}, "")
	// A token whose grant was revoked (a replayed authorization code revokes its grant).
	m.tokens["revoked"] = mintFor(DefaultClientID,
		oauth.Authorization{UserType: UserTypeLocation, LocationID: locA, UserID: oauth.MockUserID, Scopes: both}, "revokedGrant")
	if err := m.oauth.PutGrant(context.Background(), oauth.Grant{ID: "revokedGrant", ClientID: DefaultClientID, Gen: 1, RefreshExpires: h.clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.oauth.RevokeGrants(context.Background(), oauth.GrantFilter{ID: "revokedGrant"}); err != nil {
		t.Fatal(err)
	}
	// Location B's token with its claims rewritten to name location A, signature kept.
	m.tokens["forged claims"] = forgeClaims(t, h.fullB, locB, locA)
	// Location A's token with one character of its signature changed.
	own := []byte(h.full)
	own[len(own)-2] ^= 1
	m.tokens["tampered signature"] = string(own)
	m.initial = stateBytes(s)
	return m
}

// forgeClaims rewrites a JWT-shaped token's claims, replacing from with to, keeping the signature.
func forgeClaims(t *testing.T, tok, from, to string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not JWT-shaped", tok)
	}
	claims, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	forged := strings.ReplaceAll(string(claims), from, to)
	if forged == string(claims) {
		t.Fatalf("the claims do not name %s", from)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(forged))
	return strings.Join(parts, ".")
}

// notFoundOf is the live answer for another location's object: the first id of the path that
// names a stored resource, "not found".
func notFoundOf(op *spec.Operation) string {
	tc := happyCases[op.ID]
	for _, seg := range strings.Split(op.Path, "/") {
		name := strings.Trim(seg, "{}")
		if kind, ok := resourceParams[name]; ok && seg != name {
			return kind + " with id " + tc.params[name] + " not found"
		}
	}
	return ""
}

// tokenKinds are the kinds of tokens of the matrix, with what each operation owes them.
var tokenKinds = []tokenKind{
	{"own", nil, func(op *spec.Operation) (int, string) {
		if op.UserType == UserTypeCompany {
			return http.StatusUnauthorized, msgScope
		}
		return 0, ""
	}},
	{"read-only", nil, func(op *spec.Operation) (int, string) {
		if op.UserType == UserTypeLocation && slices.Contains(op.Scopes, ScopeContactsReadonly) {
			return 0, ""
		}
		return http.StatusUnauthorized, msgScope
	}},
	{"other location", nil, otherLocation},
	{"other client, other location", nil, otherLocation},
	{"no token", func(*authzMock) string { return "" }, invalidJWT},
	{"expired", nil, invalidJWT},
	{"revoked", nil, invalidJWT},
	{"forged claims", nil, invalidJWT},
	{"tampered signature", nil, invalidJWT},
	{"own company", nil, func(op *spec.Operation) (int, string) {
		if op.UserType == UserTypeCompany {
			return 0, ""
		}
		// An agency token on a location route (reference §4.3).
		return http.StatusUnauthorized, msgScope
	}},
	{"other company", nil, func(op *spec.Operation) (int, string) {
		if op.UserType == UserTypeCompany {
			return http.StatusForbidden, "The token does not have access to this company."
		}
		return http.StatusUnauthorized, msgScope
	}},
}

func invalidJWT(*spec.Operation) (int, string) { return http.StatusUnauthorized, msgInvalidJWT }

// otherLocation is what a location token of location B gets for location A's request: 403 when the
// request names location A, else "not found" for A's object.
func otherLocation(op *spec.Operation) (int, string) {
	switch {
	case op.UserType == UserTypeCompany:
		return http.StatusUnauthorized, msgScope
	case op.LocationIn != "":
		return http.StatusForbidden, msgLocation
	}
	return http.StatusBadRequest, notFoundOf(op)
}

// sendRaw sends a request of the matrix.
func (h *harness) sendRaw(r authzRequest, token string) result {
	h.t.Helper()
	res, err := h.send(invalidCase{method: r.method, target: r.target, contentType: r.contentType, body: r.body}, token)
	if err != nil {
		h.t.Fatal(err)
	}
	return res
}

// secretsOf lists what an answer must not show of a location unless the request carried it: every
// id, name, email, phone, title and body it holds (tags and other short words are left out: they
// may match by chance).
func secretsOf(doc fixtures.Document, loc string) []string {
	var out []string
	add := func(ss ...string) {
		for _, s := range ss {
			if len(s) >= 6 {
				out = append(out, s)
			}
		}
	}
	for _, l := range doc.Locations {
		if l.ID != loc {
			continue
		}
		add(l.ID, l.Name)
		for _, u := range l.Users {
			add(u.ID, u.Name)
		}
		for _, c := range l.Contacts {
			add(c.ID, c.Email, c.Phone, c.FullNameLowerCase, c.FirstName+" "+c.LastName, c.BusinessID)
			for _, t := range c.Tasks {
				add(t.ID, t.Title)
			}
			for _, n := range c.Notes {
				add(n.ID, n.Body)
			}
		}
		for _, a := range l.Appointments {
			add(a.ID, a.Title, a.CalendarID)
		}
		for _, b := range l.Businesses {
			add(b.ID, b.Name)
		}
	}
	return out
}

// leaks returns what of the secrets the answer shows that the request did not carry.
func leaks(secrets []string, req authzRequest, answer []byte) []string {
	var out []string
	for _, s := range secrets {
		if bytes.Contains(answer, []byte(s)) && !strings.Contains(req.target, s) && !bytes.Contains(req.body, []byte(s)) {
			out = append(out, s)
		}
	}
	return out
}

// locationPart is the encoded part of the state that belongs to one location.
func locationPart(t *testing.T, s *Server, loc string) []byte {
	for _, l := range snapshot(t, s).Locations {
		if l.ID == loc {
			data, err := json.Marshal(l)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
	t.Fatalf("no location %s", loc)
	return nil
}

// TestAuthorizationMatrix: every operation × every kind of token.
func TestAuthorizationMatrix(t *testing.T) {
	m := newAuthzMock(t)
	h := m.h
	secretsA := secretsOf(snapshot(t, h.srv), locA)
	tried := 0
	for _, op := range h.srv.Spec().Operations {
		if op.Public() {
			continue // the token endpoint takes no token
		}
		req := happyRequest(t, op)
		for _, kind := range tokenKinds {
			t.Run(op.ID+"/"+kind.name, func(t *testing.T) {
				tried++
				tok := m.tokens[kind.name]
				if kind.token != nil {
					tok = kind.token(m)
				}
				status, msg := kind.want(op)
				r := h.sendRaw(req, tok)
				got := served{Status: r.Status, Header: r.Header, Raw: r.Raw}
				if status == 0 {
					if r.Status != op.SuccessStatus {
						t.Errorf("status %d, want %d; body %.300s", r.Status, op.SuccessStatus, r.Raw)
					}
					for _, p := range checkAnswer(h.srv, got, nil) {
						t.Error(p)
					}
					m.reset(t)
					return
				}
				if r.Status != status || r.str("message") != msg {
					t.Errorf("got %d %.300s, want %d %q", r.Status, r.Raw, status, msg)
				}
				if e := r.str("error"); e != reasonPhrase(status) {
					t.Errorf("error %q, want %q", e, reasonPhrase(status))
				}
				for _, p := range checkAnswer(h.srv, got, m.initial) {
					t.Error(p)
				}
				if l := leaks(secretsA, req, r.Raw); len(l) > 0 {
					t.Errorf("the refusal shows location A's %q: %s", l, r.Raw)
				}
				m.reset(t)
			})
		}
	}
	t.Logf("authorization matrix: %d operations × %d kinds of token = %d requests", tried/len(tokenKinds), len(tokenKinds), tried)
}

// reset puts the initial state back after a request that may have changed it.
func (m *authzMock) reset(t *testing.T) {
	if err := m.h.srv.store.Restore(context.Background(), m.h.srv.cfg.Initial); err != nil {
		t.Fatal(err)
	}
}

// TestNoCrossLocationAccess: location B's token sends every operation's request rewritten to name
// its own location while it keeps location A's object ids; and each location's token names its own
// contact with the other location's task or note. Whatever the answer, location A (or B) is
// unchanged and no answer shows what the request did not carry.
func TestNoCrossLocationAccess(t *testing.T) {
	m := newAuthzMock(t)
	h := m.h
	snap := snapshot(t, h.srv)
	secrets := map[string][]string{locA: secretsOf(snap, locA), locB: secretsOf(snap, locB)}
	type probe struct {
		name   string
		req    authzRequest
		token  string
		victim string // the location that must stay untouched and unseen
	}
	var probes []probe
	for _, op := range h.srv.Spec().Operations {
		if op.Public() || op.UserType != UserTypeLocation {
			continue
		}
		req := happyRequest(t, op)
		crafted := authzRequest{method: req.method, contentType: req.contentType,
			target: strings.ReplaceAll(req.target, locA, locB), body: bytes.ReplaceAll(req.body, []byte(locA), []byte(locB))}
		probes = append(probes, probe{op.ID + "/B names itself, A's objects", crafted, h.fullB, locA})
		// Own contact, the other location's child.
		tc := happyCases[op.ID]
		for param, child := range map[string][2]string{"taskId": {taskA1, taskB1}, "id": {noteA1, noteB1}} {
			if _, ok := tc.params[param]; !ok {
				continue
			}
			for _, side := range []struct {
				who, contact, child, token, victim string
			}{
				{"A", ctAlice, child[1], h.full, locB},
				{"B", ctCarol, child[0], h.fullB, locA},
			} {
				params := map[string]string{}
				for k, v := range tc.params {
					params[k] = v
				}
				params["contactId"], params[param] = side.contact, side.child
				r := req
				r.target = expand(op.Path, params)
				probes = append(probes, probe{op.ID + "/" + side.who + "'s contact, the other's " + param, r, side.token, side.victim})
			}
		}
	}
	for _, p := range probes {
		t.Run(p.name, func(t *testing.T) {
			before := locationPart(t, h.srv, p.victim)
			r := h.sendRaw(p.req, p.token)
			got := served{Status: r.Status, Header: r.Header, Raw: r.Raw}
			for _, problem := range checkAnswer(h.srv, got, nil) {
				t.Error(problem)
			}
			if after := locationPart(t, h.srv, p.victim); !bytes.Equal(before, after) {
				t.Errorf("answered %d and location %s changed", r.Status, p.victim)
			}
			if l := leaks(secrets[p.victim], p.req, r.Raw); len(l) > 0 {
				t.Errorf("answered %d showing location %s's %q: %.400s", r.Status, p.victim, l, r.Raw)
			}
			m.reset(t)
		})
	}
	t.Logf("cross-location probes: %d", len(probes))
}
