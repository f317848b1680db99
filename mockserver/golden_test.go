package mockserver_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
)

// update rewrites the golden files instead of comparing against them.
var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// The golden wire test drives one scripted session through the real http.Handler: every operation
// of the document (its happy path and the errors it declares), the OAuth flows, the admin API,
// rate limits, faults, the journal and webhook deliveries, and records each answer (status, sorted
// headers without Date, body) in testdata/wire.golden. It holds the wire byte for byte: a change
// of any header, field, field order, id or message fails it. Values that are random by design
// (tokens, codes, jti, trace and delivery ids, signatures, generated client ids and secrets,
// registration ids, durations, ports) are replaced by numbered placeholders, numbered by first
// appearance, so that a value that appears twice still has to be the same value twice.

// goldenClock is the session's fixed start.
var goldenClock = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// goldenSession records a scripted session against one mock.
type goldenSession struct {
	t      *testing.T
	srv    *mockserver.Server
	http   *httptest.Server
	clock  *mockserver.ManualClock
	client *http.Client
	// large sends the bodies over the limit, on a keep-alive connection: the server then reads the
	// rest of a refused body before answering the next request, where a closed connection could
	// reset the answer before the client reads it.
	large  *http.Client
	out    bytes.Buffer
	n      int
	tokens map[string]string // by name
	// secrets are values random by design found in answers (registration ids, generated client
	// ids), replaced by placeholders named for what they are.
	secrets []secret
}

type secret struct{ value, kind string }

// goldenDoc is the state of the session: two generated locations of one company.
func goldenDoc(t *testing.T) fixtures.Document {
	t.Helper()
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 42, Locations: 2, Contacts: 12,
		LocationIDs: []string{"LocGoldenAAAAAAAAAAA", "LocGoldenBBBBBBBBBBB"}})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func newGoldenSession(t *testing.T, cfg mockserver.Config) *goldenSession {
	t.Helper()
	clock := mockserver.NewManualClock(goldenClock)
	cfg.Clock = mockserver.NewClock(clock.Now)
	srv, err := mockserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := &goldenSession{t: t, srv: srv, clock: clock, tokens: map[string]string{}}
	t.Cleanup(func() {
		// Stops the delivery goroutines: other tests check that none is left running.
		if err := srv.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	g.http = httptest.NewServer(srv)
	t.Cleanup(g.http.Close)
	// No keep-alive: a dropped connection is then never retried by the transport.
	g.large = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	g.client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return g
}

// step sends one request and records it. token names a token of g.tokens ("" for none, or a
// literal "raw:..." Authorization value). body is sent as is; ctype defaults to application/json
// when there is a body.
func (g *goldenSession) step(name, method, path, token, body string, hdr ...string) []byte {
	g.t.Helper()
	g.n++
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, g.http.URL+path, rd)
	if err != nil {
		g.t.Fatal(err)
	}
	req.Header.Set("Version", "2021-07-28")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case strings.HasPrefix(token, "raw:"):
		req.Header.Set("Authorization", strings.TrimPrefix(token, "raw:"))
	case token != "":
		tok, ok := g.tokens[token]
		if !ok {
			g.t.Fatalf("step %s: no token %q", name, token)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	fmt.Fprintf(&g.out, "### %03d %s\n%s %s\n", g.n, name, method, path)
	if body != "" {
		if len(body) > 512 {
			fmt.Fprintf(&g.out, "(%d bytes)\n", len(body))
		} else {
			fmt.Fprintf(&g.out, "%s\n", body)
		}
	}
	g.out.WriteString("--\n")
	client := g.client
	if len(body) > 32<<10 {
		client = g.large
	}
	resp, err := client.Do(req)
	if err != nil {
		g.out.WriteString("transport error: no answer\n\n")
		return nil
	}
	defer resp.Body.Close()
	raw, readErr := io.ReadAll(resp.Body)
	fmt.Fprintf(&g.out, "%d\n", resp.StatusCode)
	g.header(resp.Header, raw, readErr)
	g.out.Write(raw)
	if readErr != nil {
		g.out.WriteString("\n(body cut short)")
	}
	g.out.WriteString("\n\n")
	return raw
}

// header writes the headers sorted, without Date. Content-Length is checked against the body read
// (unless the body was cut short on purpose); a body with real-time measures in it (durations)
// has a length that varies with them, so its Content-Length is recorded as <n>.
func (g *goldenSession) header(h http.Header, body []byte, readErr error) {
	n := len(body)
	keys := make([]string, 0, len(h))
	for k := range h {
		if k != "Date" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == mockserver.TraceHeader {
			// Random per request: the golden shows that it is there, and that a body's traceId is
			// the header's.
			trace := h.Get(k)
			if m := ownTraceIDPattern.FindSubmatch(bytes.TrimSpace(body)); m != nil && string(m[1]) != trace {
				g.t.Errorf("body traceId %s, header %s %s", m[1], k, trace)
			}
			if !uuidPattern.MatchString(trace) {
				g.t.Errorf("%s %q is not a UUID", k, trace)
			}
			fmt.Fprintf(&g.out, "%s: <trace>\n", k)
			continue
		}
		for _, v := range h[k] {
			if k == "Content-Length" && readErr == nil && v != strconv.Itoa(n) {
				g.t.Errorf("Content-Length %s, but the body has %d bytes", v, n)
			}
			if k == "Content-Length" && durationPattern.Match(body) {
				v = "<n>"
			}
			fmt.Fprintf(&g.out, "%s: %s\n", k, v)
		}
	}
	g.out.WriteString("\n")
}

// mint records POST /__admin/tokens and keeps the token under name.
func (g *goldenSession) mint(name, body string) {
	g.t.Helper()
	raw := g.step("mint token "+name, http.MethodPost, "/__admin/tokens", "", body)
	g.tokens[name] = jsonString(g.t, raw, "access_token")
}

// keep remembers a random value of an answer, to be replaced by a placeholder of its kind.
func (g *goldenSession) keep(value, kind string) {
	if value != "" {
		g.secrets = append(g.secrets, secret{value, kind})
	}
}

var (
	jwtPattern     = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)
	traceIDPattern = regexp.MustCompile(`"traceId":"([^"]*)"`)
	// ownTraceIDPattern is the traceId that ends a body: the answer's own (errors, upsert).
	ownTraceIDPattern = regexp.MustCompile(`"traceId":"([^"]*)"\}$`)
	uuidPattern       = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`)
	codePattern       = regexp.MustCompile(`\b[0-9a-f]{40}\b`)
	// Numbers that measure real time: an attempt's or a request's duration, a delivery's latency
	// (followed by the fields that follow it in a delivery; a fault's latencyMs is its setting).
	durationPattern = regexp.MustCompile(`"(durationMs|latencyMs)":[0-9.e+-]+(,"lastError"|,"createdAt"|[,}])`)
	grantPattern    = regexp.MustCompile(`"refreshTokenId":"([0-9a-f]{24})"`)
)

// scrub replaces what is random by design with placeholders numbered by first appearance.
func (g *goldenSession) scrub(b []byte) []byte {
	s := string(b)
	s = strings.ReplaceAll(s, g.http.URL, "http://mock")
	s = strings.ReplaceAll(s, strings.TrimPrefix(g.http.URL, "http://"), "mock")
	for _, m := range grantPattern.FindAllStringSubmatch(s, -1) {
		g.keep(m[1], "grant")
	}
	s = traceIDPattern.ReplaceAllString(s, `"traceId":"<trace>"`)
	numbered := func(s string, re *regexp.Regexp, kind string) string {
		seen := map[string]string{}
		return re.ReplaceAllStringFunc(s, func(m string) string {
			if p, ok := seen[m]; ok {
				return p
			}
			p := fmt.Sprintf("<%s-%d>", kind, len(seen)+1)
			seen[m] = p
			return p
		})
	}
	// Known values first (a registration id looks like any other id).
	kinds := map[string]map[string]string{}
	for _, sec := range g.secrets {
		if kinds[sec.kind] == nil {
			kinds[sec.kind] = map[string]string{}
		}
		if _, ok := kinds[sec.kind][sec.value]; !ok {
			kinds[sec.kind][sec.value] = fmt.Sprintf("<%s-%d>", sec.kind, len(kinds[sec.kind])+1)
		}
	}
	for _, sec := range g.secrets {
		s = strings.ReplaceAll(s, sec.value, kinds[sec.kind][sec.value])
	}
	s = numbered(s, jwtPattern, "jwt")
	s = numbered(s, uuidPattern, "uuid")
	s = numbered(s, codePattern, "code")
	s = durationPattern.ReplaceAllStringFunc(s, func(m string) string {
		sub := durationPattern.FindStringSubmatch(m)
		if sub[1] == "latencyMs" && sub[2] != `,"lastError"` && sub[2] != `,"createdAt"` {
			return m
		}
		return `"` + sub[1] + `":<ms>` + sub[2]
	})
	return []byte(s)
}

func jsonString(t *testing.T, raw []byte, key string) string {
	t.Helper()
	re := regexp.MustCompile(`"` + regexp.QuoteMeta(key) + `":"([^"]*)"`)
	m := re.FindSubmatch(raw)
	if m == nil {
		t.Fatalf("no %q in %s", key, raw)
	}
	return string(m[1])
}

// compare checks the record against testdata/name (or writes it with -update).
func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to write it)", err, t.Name())
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(gl), len(wl)); i++ {
		var a, b string
		if i < len(gl) {
			a = gl[i]
		}
		if i < len(wl) {
			b = wl[i]
		}
		if a != b {
			// The step the line belongs to.
			head := ""
			for j := min(i, len(wl)-1); j >= 0; j-- {
				if strings.HasPrefix(wl[j], "### ") {
					head = wl[j]
					break
				}
			}
			t.Fatalf("%s differs from the recorded wire at line %d (in %s):\n got: %s\nwant: %s", path, i+1, head, a, b)
		}
	}
}

// goldenReceiver records webhook deliveries per path; the n-th request to a path answers
// statuses[path][n-1] (200 when there is none).
type goldenReceiver struct {
	srv *httptest.Server

	mu       sync.Mutex // guards got and statuses
	got      map[string][]*http.Request
	bodies   map[string][][]byte
	statuses map[string][]int
}

func newGoldenReceiver(t *testing.T) *goldenReceiver {
	rc := &goldenReceiver{got: map[string][]*http.Request{}, bodies: map[string][][]byte{}, statuses: map[string][]int{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		n := len(rc.got[r.URL.Path])
		rc.got[r.URL.Path] = append(rc.got[r.URL.Path], r)
		rc.bodies[r.URL.Path] = append(rc.bodies[r.URL.Path], body)
		status := http.StatusOK
		if n < len(rc.statuses[r.URL.Path]) {
			status = rc.statuses[r.URL.Path][n]
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// TestGoldenWire is the golden wire test (see goldenSession).
func TestGoldenWire(t *testing.T) {
	doc := goldenDoc(t)
	locA, locB := doc.Locations[0].ID, doc.Locations[1].ID
	company := doc.Locations[0].CompanyID
	// A contact with tasks, notes and appointments; another to delete; one of location B.
	var rich, plain fixtures.ContactRecord
	for _, c := range doc.Locations[0].Contacts {
		hasAppt := slices.ContainsFunc(doc.Locations[0].Appointments, func(a fixtures.Appointment) bool { return a.ContactID == c.ID })
		if rich.ID == "" && len(c.Tasks) > 0 && len(c.Notes) > 0 && hasAppt {
			rich = c
		} else if plain.ID == "" && c.Email != "" {
			plain = c
		}
	}
	if rich.ID == "" || plain.ID == "" || len(doc.Locations[0].Businesses) == 0 {
		t.Fatal("the generated state lacks a contact with tasks, notes and appointments, or a business")
	}
	foreign := doc.Locations[1].Contacts[0].ID
	biz := doc.Locations[0].Businesses[0].ID
	ct, task, note := rich.ID, rich.Tasks[0].ID, rich.Notes[0].ID
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	sleeps := func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	g := newGoldenSession(t, mockserver.Config{
		Initial: doc, IDSeed: 7, FaultSeed: 11, JournalBodies: true, JournalSize: 50,
		MaxBody: 64 << 10, WebhookKey: key, WebhookSleep: sleeps, WebhookSeed: 5,
		RateLimits: mockserver.RateLimits{Burst: 1000, Window: 10 * time.Second, Daily: 100000},
		Clients: []mockserver.OAuthClient{{
			ID: "64b000000000000000000001-agency", Secret: "agency-secret", RedirectURIs: []string{"loopback"},
			Grants: []string{"authorization_code", "refresh_token", "client_credentials"}, CompanyID: company,
		}},
	})

	// --- admin API: the state and tokens ------------------------------------------------------
	g.step("health", "GET", "/__admin/health", "", "")
	g.step("locations", "GET", "/__admin/locations", "", "")
	g.mint("full", `{"locationId":"`+locA+`"}`)
	g.mint("ro", `{"locationId":"`+locA+`","scopes":["contacts.readonly"],"expiresIn":3600}`)
	g.mint("fullB", `{"locationId":"`+locB+`"}`)
	g.mint("company", `{"userType":"Company","companyId":"`+company+`"}`)
	g.step("mint token: unknown location", "POST", "/__admin/tokens", "", `{"locationId":"NoSuchLocationAAAAAA"}`)
	g.step("mint token: invalid", "POST", "/__admin/tokens", "", `{"userType":"Agency","expiresIn":-1}`)
	g.step("mint token: unknown field", "POST", "/__admin/tokens", "", `{"locationId":"`+locA+`","bogus":1}`)
	g.step("mint token: malformed", "POST", "/__admin/tokens", "", `{"locationId":`)
	g.step("create location", "POST", "/__admin/locations", "", `{"name":"Golden Annex","allowDuplicateContact":true,"duplicatePriority":["phone","email"]}`)
	g.step("create location: with id", "POST", "/__admin/locations", "", `{"id":"LocGoldenCCCCCCCCCCC","name":"Golden Three","companyId":"`+company+`","timezone":"Europe/Berlin"}`)
	g.step("create location: taken id", "POST", "/__admin/locations", "", `{"id":"LocGoldenCCCCCCCCCCC","name":"Again"}`)
	g.step("create location: no name", "POST", "/__admin/locations", "", `{}`)
	g.step("add appointment", "POST", "/__admin/appointments", "", `{"locationId":"`+locA+`","contactId":"`+plain.ID+`","startTime":"2026-03-04T10:00:00Z","endTime":"2026-03-04T11:00:00Z","title":"Golden visit"}`)
	g.step("add appointment: invalid", "POST", "/__admin/appointments", "", `{"locationId":"`+locA+`"}`)
	g.step("add business", "POST", "/__admin/businesses", "", `{"locationId":"`+locA+`","name":"Golden Ltd","phone":"+15550001111"}`)
	g.step("add business: unknown location", "POST", "/__admin/businesses", "", `{"locationId":"NoSuchLocationAAAAAA","name":"X"}`)
	g.step("clients", "GET", "/__admin/clients", "", "")
	raw := g.step("create client: generated id and secret", "POST", "/__admin/clients", "", `{"redirectUris":["https://example.com/cb"]}`)
	generatedClient := jsonString(t, raw, "clientId")
	g.keep(generatedClient, "client")
	g.step("create client: invalid", "POST", "/__admin/clients", "", `{"clientId":"x","redirectUris":["relative/*/path*"],"grants":["password"],"scopes":["a b"]}`)
	g.step("create client: exists", "POST", "/__admin/clients", "", `{"clientId":"64b000000000000000000001-agency","clientSecret":"s","redirectUris":["loopback"]}`)
	g.step("consent settings", "GET", "/__admin/oauth/consent", "", "")
	g.step("consent settings: bad user type", "PUT", "/__admin/oauth/consent", "", `{"userType":"Agency"}`)
	g.step("clock", "GET", "/__admin/clock", "", "")
	g.step("clock: both", "POST", "/__admin/clock", "", `{"advance":"1h","offset":"1h"}`)
	g.step("clock: negative", "POST", "/__admin/clock", "", `{"advance":"-1h"}`)
	g.step("clock: not a duration", "POST", "/__admin/clock", "", `{"offset":"soon"}`)
	g.step("clock: empty", "POST", "/__admin/clock", "", `{}`)
	g.step("rate limits", "GET", "/__admin/ratelimit", "", "")
	g.step("rate limits: invalid", "PUT", "/__admin/ratelimit", "", `{"burst":0,"window":"forever","daily":-1}`)
	g.step("admin: unknown route", "GET", "/__admin/nothing", "", "")
	g.step("admin: wrong method", "DELETE", "/__admin/health", "", "")

	// --- every operation: the happy path --------------------------------------------------------
	loc := "locationId=" + locA
	g.step("get-contacts", "GET", "/contacts/?"+loc+"&limit=3", "full", "")
	raw = g.step("get-contacts: page 2", "GET", "/contacts/?"+loc+"&limit=3&startAfter=0&startAfterId=", "full", "")
	_ = raw
	g.step("get-contacts: query", "GET", "/contacts/?"+loc+"&query=an", "full", "", "X-Forwarded-Proto", "https")
	g.step("get-contacts: no trailing slash", "GET", "/contacts?"+loc+"&limit=1", "full", "")
	g.step("get-contact", "GET", "/contacts/"+ct, "full", "")
	g.step("create-contact", "POST", "/contacts/", "full", `{"locationId":"`+locA+`","firstName":"Ada","lastName":"Lovelace","email":"Ada@Example.com","phone":"+1 555-010-0199","tags":["Lead","VIP"],"dateOfBirth":"1990-12-10","source":"golden","dnd":true,"dndSettings":{"SMS":{"status":"active","message":"no"}},"customFields":[{"id":"`+doc.Locations[0].CustomFields[0].ID+`","field_value":"x"}]}`)
	g.step("create-contact: duplicate", "POST", "/contacts/", "full", `{"locationId":"`+locA+`","email":"ada@example.com"}`)
	g.step("create-contact: escapes", "POST", "/contacts/", "full", `{"locationId":"`+locA+`","firstName":"Zoë \"Z\" <&>","lastName":"\u2028tab\tnl\n","companyName":"Ünïcode \ud83d\ude00"}`)
	g.step("update-contact", "PUT", "/contacts/"+ct, "full", `{"firstName":"Renamed","tags":["A","b"],"email":null,"website":"https://example.org"}`)
	g.step("upsert-contact: match", "POST", "/contacts/upsert", "full", `{"locationId":"`+locA+`","email":"ada@example.com","lastName":"Byron"}`)
	g.step("upsert-contact: new", "POST", "/contacts/upsert", "full", `{"locationId":"`+locA+`","email":"new@example.com","firstName":"Newton"}`)
	g.step("search-contacts-advanced", "POST", "/contacts/search", "full", `{"locationId":"`+locA+`","pageLimit":3}`)
	g.step("search: filters and sort", "POST", "/contacts/search", "full", `{"locationId":"`+locA+`","pageLimit":5,"filters":[{"group":"OR","filters":[{"field":"tags","operator":"eq","value":"lead"},{"field":"dnd","operator":"eq","value":true}]},{"field":"dateAdded","operator":"range","value":{"gte":"2025-01-01T00:00:00Z"}}],"sort":[{"field":"firstName","direction":"asc"}]}`)
	g.step("search: sort desc with cursor", "POST", "/contacts/search", "full", `{"locationId":"`+locA+`","pageLimit":2,"sort":[{"field":"dateUpdated","direction":"desc"}],"searchAfter":[1767225600000,"zzzzzzzzzzzzzzzzzzzz"]}`)
	g.step("search: query and page", "POST", "/contacts/search", "full", `{"locationId":"`+locA+`","pageLimit":2,"page":2,"query":"a"}`)
	g.step("search: custom field sort", "POST", "/contacts/search", "full", `{"locationId":"`+locA+`","pageLimit":2,"sort":[{"field":"customFields.`+doc.Locations[0].CustomFields[0].ID+`","direction":"desc"},{"field":"dnd","direction":"asc"}]}`)
	g.step("search: invalid", "POST", "/contacts/search", "full", `{"locationId":"`+locA+`","pageLimit":100,"page":101,"filters":[{"field":"nope","operator":"eq","value":1},{"field":"tags","operator":"like","value":"x"}],"sort":[{"field":"nope"}]}`)
	g.step("get-duplicate-contact", "GET", "/contacts/search/duplicate?"+loc+"&email=ada%40example.com", "full", "")
	g.step("get-duplicate-contact: none", "GET", "/contacts/search/duplicate?"+loc+"&number=%2B15550000000", "full", "")
	g.step("get-duplicate-contact: nothing asked", "GET", "/contacts/search/duplicate?"+loc, "full", "")
	g.step("get-contacts-by-businessId", "GET", "/contacts/business/"+biz+"?"+loc, "full", "")
	g.step("get-contacts-by-businessId: bad id", "GET", "/contacts/business/nothex?"+loc, "full", "")
	g.step("get-all-tasks", "GET", "/contacts/"+ct+"/tasks", "full", "")
	g.step("get-task", "GET", "/contacts/"+ct+"/tasks/"+task, "full", "")
	g.step("create-task", "POST", "/contacts/"+ct+"/tasks", "full", `{"title":"Send quote","body":"by mail","dueDate":"2026-03-08T10:00:00Z","completed":false}`)
	g.step("update-task", "PUT", "/contacts/"+ct+"/tasks/"+task, "full", `{"title":"Call back soon","assignedTo":"`+doc.Locations[0].Users[0].ID+`"}`)
	g.step("update-task-completed", "PUT", "/contacts/"+ct+"/tasks/"+task+"/completed", "full", `{"completed":true}`)
	g.step("get-all-notes", "GET", "/contacts/"+ct+"/notes", "full", "")
	g.step("get-note", "GET", "/contacts/"+ct+"/notes/"+note, "full", "")
	g.step("create-note", "POST", "/contacts/"+ct+"/notes", "full", `{"body":"Asked for a quote","userId":"`+doc.Locations[0].Users[0].ID+`"}`)
	g.step("update-note", "PUT", "/contacts/"+ct+"/notes/"+note, "full", `{"body":"Met at the spring fair"}`)
	g.step("get-appointments-for-contact", "GET", "/contacts/"+ct+"/appointments", "full", "")
	g.step("add-tags", "POST", "/contacts/"+ct+"/tags", "full", `{"tags":["Hot","hot","New "]}`)
	g.step("remove-tags", "DELETE", "/contacts/"+ct+"/tags", "full", `{"tags":["hot"]}`)
	g.step("add-followers-contact", "POST", "/contacts/"+ct+"/followers", "full", `{"followers":["`+doc.Locations[0].Users[0].ID+`","UserNewAAAAAAAAAAAAA"]}`)
	g.step("remove-followers-contact", "DELETE", "/contacts/"+ct+"/followers", "full", `{"followers":["UserNewAAAAAAAAAAAAA"]}`)
	g.step("add-contact-to-campaign", "POST", "/contacts/"+ct+"/campaigns/CampGoldenAAAAAAAAAA", "full", `{}`)
	g.step("remove-contact-from-campaign", "DELETE", "/contacts/"+ct+"/campaigns/CampGoldenAAAAAAAAAA", "full", "")
	g.step("remove-contact-from-every-campaign", "DELETE", "/contacts/"+ct+"/campaigns/removeAll", "full", "")
	g.step("add-contact-to-workflow", "POST", "/contacts/"+ct+"/workflow/FlowGoldenAAAAAAAAAA", "full", `{"eventStartTime":"2026-03-02T10:00:00+01:00"}`)
	g.step("delete-contact-from-workflow", "DELETE", "/contacts/"+ct+"/workflow/FlowGoldenAAAAAAAAAA", "full", `{}`)
	g.step("create-association: add", "POST", "/contacts/bulk/tags/update/add", "full", `{"locationId":"`+locA+`","contacts":["`+ct+`","`+plain.ID+`","`+foreign+`","bad id","NoSuchContactAAAAAAA"],"tags":["Batch"]}`)
	g.step("create-association: remove all", "POST", "/contacts/bulk/tags/update/remove", "full", `{"locationId":"`+locA+`","contacts":["`+plain.ID+`"],"tags":[],"removeAllTags":true}`)
	g.step("create-association: remove all on add", "POST", "/contacts/bulk/tags/update/add", "full", `{"locationId":"`+locA+`","contacts":["`+plain.ID+`"],"tags":["x"],"removeAllTags":true}`)
	g.step("add-remove-contact-from-business", "POST", "/contacts/bulk/business", "full", `{"locationId":"`+locA+`","ids":["`+plain.ID+`","NoSuchContactAAAAAAA"],"businessId":"`+biz+`"}`)
	g.step("add-remove-contact-from-business: clear", "POST", "/contacts/bulk/business", "full", `{"locationId":"`+locA+`","ids":["`+plain.ID+`"],"businessId":null}`)
	g.step("add-remove-contact-from-business: unknown business", "POST", "/contacts/bulk/business", "full", `{"locationId":"`+locA+`","ids":["`+plain.ID+`"],"businessId":"000000000000000000000000"}`)
	g.step("delete-task", "DELETE", "/contacts/"+ct+"/tasks/"+task, "full", "")
	g.step("delete-note", "DELETE", "/contacts/"+ct+"/notes/"+note, "full", "")
	g.step("delete-contact", "DELETE", "/contacts/"+plain.ID, "full", "")
	g.step("create-association: deleted contact", "POST", "/contacts/bulk/tags/update/add", "full", `{"locationId":"`+locA+`","contacts":["`+plain.ID+`"],"tags":["y"]}`)
	g.step("get-contacts: cursor on a deleted contact", "GET", "/contacts/?"+loc+"&limit=2&startAfterId="+plain.ID, "full", "")
	g.step("get-contacts: unknown cursor", "GET", "/contacts/?"+loc+"&startAfterId=NoSuchContactAAAAAAA", "full", "")

	// --- the errors every operation declares ------------------------------------------------------
	sp := g.srv.Spec()
	happy := map[string]string{ // a valid body per operation that takes one
		"update-contact": `{"firstName":"X"}`, "create-contact": `{"locationId":"` + locA + `","firstName":"X"}`,
		"upsert-contact": `{"locationId":"` + locA + `","email":"x@example.com"}`, "search-contacts-advanced": `{"locationId":"` + locA + `"}`,
		"create-task": `{"title":"t","dueDate":"2026-03-08T10:00:00Z"}`, "update-task": `{"title":"t"}`,
		"update-task-completed": `{"completed":true}`, "create-note": `{"body":"b"}`, "update-note": `{"body":"b"}`,
		"add-tags": `{"tags":["t"]}`, "remove-tags": `{"tags":["t"]}`, "add-followers-contact": `{"followers":["f"]}`,
		"remove-followers-contact": `{"followers":["f"]}`, "add-contact-to-campaign": `{}`, "add-contact-to-workflow": `{}`,
		"delete-contact-from-workflow": `{}`, "create-association": `{"locationId":"` + locA + `","contacts":[],"tags":["t"]}`,
		"add-remove-contact-from-business": `{"locationId":"` + locA + `","ids":[]}`,
	}
	params := map[string]string{"contactId": ct, "taskId": rich.Tasks[1%len(rich.Tasks)].ID, "id": rich.Notes[0].ID,
		"campaignId": "CampGoldenAAAAAAAAAA", "workflowId": "FlowGoldenAAAAAAAAAA", "businessId": biz, "type": "add"}
	fill := func(path string, over map[string]string) string {
		for k, v := range params {
			if o, ok := over[k]; ok {
				v = o
			}
			path = strings.ReplaceAll(path, "{"+k+"}", v)
		}
		return path
	}
	for _, op := range sp.Operations {
		if op.Public() || op.UserType != "Location" {
			continue
		}
		path := fill(op.Path, nil)
		if op.LocationIn == "query" {
			path += "?" + loc
		}
		body := happy[op.ID]
		name := op.ID + ": "
		g.step(name+"no token", op.Method, path, "", body)
		g.step(name+"bad token", op.Method, path, "raw:Bearer garbage", body)
		g.step(name+"company token", op.Method, path, "company", body)
		if op.Method != http.MethodGet {
			g.step(name+"read-only token", op.Method, path, "ro", body)
		}
		g.step(name+"no version", op.Method, path, "full", body, "Version", "")
		g.step(name+"bad version", op.Method, path, "full", body, "Version", "1999-01-01")
		switch op.LocationIn {
		case "query":
			g.step(name+"foreign location", op.Method, strings.Replace(path, locA, locB, 1), "full", body)
			g.step(name+"missing location", op.Method, strings.Replace(path, loc, "x=1", 1), "full", body)
		case "body":
			g.step(name+"foreign location", op.Method, path, "full", strings.Replace(body, locA, locB, 1))
		}
		if strings.Contains(op.Path, "{contactId}") {
			g.step(name+"unknown contact", op.Method, fill(op.Path, map[string]string{"contactId": "NoSuchContactAAAAAAA"}), "full", body)
			g.step(name+"other location's contact", op.Method, fill(op.Path, map[string]string{"contactId": foreign}), "full", body)
		}
		if strings.Contains(op.Path, "{taskId}") {
			g.step(name+"unknown task", op.Method, fill(op.Path, map[string]string{"taskId": "NoSuchTaskAAAAAAAAAA"}), "full", body)
		}
		if strings.Contains(op.Path, "/notes/{id}") {
			g.step(name+"unknown note", op.Method, fill(op.Path, map[string]string{"id": "NoSuchNoteAAAAAAAAAA"}), "full", body)
		}
		if op.HasBody {
			extra := `{"bogus":true,` + strings.TrimPrefix(body, "{")
			if body == `{}` {
				extra = `{"bogus":true}`
			}
			g.step(name+"unknown property", op.Method, path, "full", extra)
			g.step(name+"malformed JSON", op.Method, path, "full", `{"a":`)
			g.step(name+"wrong content type", op.Method, path, "full", body, "Content-Type", "text/plain")
			g.step(name+"too large", op.Method, path, "full", `{"x":"`+strings.Repeat("a", 70<<10)+`"}`)
		}
	}
	g.step("create-contact: wrong types", "POST", "/contacts/", "full", `{"locationId":"`+locA+`","firstName":1,"tags":"x","dnd":"yes","email":"not an email","phone":"abc","dateOfBirth":"someday"}`)
	g.step("create-task: wrong types", "POST", "/contacts/"+ct+"/tasks", "full", `{"title":5,"dueDate":"tomorrow","completed":"no"}`)
	g.step("get-contacts: bad limit", "GET", "/contacts/?"+loc+"&limit=1000", "full", "")
	g.step("get-contacts: empty location", "GET", "/contacts/?locationId=", "full", "")
	g.step("get-contacts-by-businessId: huge limit", "GET", "/contacts/business/"+biz+"?"+loc+"&limit=99999999999999999999", "full", "")
	g.step("unknown route", "GET", "/nothing/here", "full", "")
	g.step("unknown method", "PATCH", "/contacts/"+ct, "full", "")

	// --- OAuth --------------------------------------------------------------------------------------
	client := "client_id=" + mockserver.DefaultClientID + "&client_secret=" + mockserver.DefaultClientSecret
	redirect := "http://127.0.0.1:9000/callback"
	consent := "/oauth/chooselocation?response_type=code&client_id=" + mockserver.DefaultClientID + "&redirect_uri=" + redirect + "&scope=contacts.readonly+contacts.write&state=xyz"
	form := func(name, body string) []byte {
		return g.step(name, "POST", "/oauth/token", "", body, "Content-Type", "application/x-www-form-urlencoded")
	}
	lt := func(name, tok, body string) []byte {
		return g.step(name, "POST", "/oauth/locationToken", tok, body, "Content-Type", "application/x-www-form-urlencoded")
	}
	codeOf := func(loc []byte) string {
		m := regexp.MustCompile(`code=([0-9a-f]+)`).FindSubmatch(loc)
		if m == nil {
			t.Fatalf("no code in %s", loc)
		}
		return string(m[1])
	}
	location := func(path string, hdr ...string) []byte {
		req, _ := http.NewRequest("GET", g.http.URL+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := g.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return []byte(resp.Header.Get("Location"))
	}
	g.step("consent", "GET", consent, "", "")
	code := codeOf(location(consent))
	g.step("consent: html error page", "GET", "/oauth/chooselocation?client_id=nobody&redirect_uri="+redirect, "", "", "Accept", "text/html")
	g.step("consent: unknown client", "GET", "/oauth/chooselocation?client_id=nobody&redirect_uri="+redirect, "", "")
	g.step("consent: unregistered redirect", "GET", "/oauth/chooselocation?client_id="+mockserver.DefaultClientID+"&redirect_uri=https://evil.example/cb", "", "")
	g.step("consent: no redirect", "GET", "/oauth/chooselocation?client_id="+mockserver.DefaultClientID, "", "")
	g.step("consent: no response type", "GET", "/v2/oauth/chooselocation?client_id="+mockserver.DefaultClientID+"&redirect_uri="+redirect, "", "")
	g.step("consent: bad response type", "GET", "/oauth/chooselocation?response_type=token&client_id="+mockserver.DefaultClientID+"&redirect_uri="+redirect, "", "")
	g.step("consent: scope not allowed", "GET", "/oauth/chooselocation?response_type=code&client_id=64b000000000000000000001-agency&redirect_uri="+redirect+"&scope=nope", "", "")
	g.step("consent: unknown location", "GET", consent+"&locationId=NoSuchLocationAAAAAA", "", "")
	g.step("consent settings: deny", "PUT", "/__admin/oauth/consent", "", `{"deny":true}`)
	g.step("consent: denied", "GET", consent, "", "")
	g.step("consent settings: back", "PUT", "/__admin/oauth/consent", "", `{}`)
	raw = form("token: authorization_code", client+"&grant_type=authorization_code&code="+code+"&redirect_uri="+redirect+"&user_type=Location")
	g.tokens["oauth"] = jsonString(t, raw, "access_token")
	g.step("call with the exchanged token", "GET", "/contacts/?"+loc+"&limit=1", "oauth", "")
	form("token: code again", client+"&grant_type=authorization_code&code="+code)
	g.step("call after the code came back (revoked)", "GET", "/contacts/?"+loc+"&limit=1", "oauth", "")
	code = codeOf(location(consent))
	form("token: wrong redirect", client+"&grant_type=authorization_code&code="+code+"&redirect_uri=http://127.0.0.1:9000/other")
	form("token: wrong user type", client+"&grant_type=authorization_code&code="+code+"&user_type=Company")
	raw = form("token: code", client+"&grant_type=authorization_code&code="+code)
	refresh := jsonString(t, raw, "refresh_token")
	raw = form("token: refresh", client+"&grant_type=refresh_token&refresh_token="+refresh+"&user_type=Location")
	refresh2 := jsonString(t, raw, "refresh_token")
	g.tokens["refreshed"] = jsonString(t, raw, "access_token")
	g.step("call with the refreshed token", "GET", "/contacts/"+ct, "refreshed", "")
	form("token: spent refresh token", client+"&grant_type=refresh_token&refresh_token="+refresh)
	g.step("call after reuse (grant revoked)", "GET", "/contacts/"+ct, "refreshed", "")
	form("token: refresh of a revoked grant", client+"&grant_type=refresh_token&refresh_token="+refresh2)
	form("token: forged refresh token", client+"&grant_type=refresh_token&refresh_token=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.x")
	code = codeOf(location(consent))
	g.clock.Add(11 * time.Minute)
	form("token: expired code", client+"&grant_type=authorization_code&code="+code)
	form("token: no code", client+"&grant_type=authorization_code")
	form("token: no refresh token", client+"&grant_type=refresh_token")
	form("token: unknown code", client+"&grant_type=authorization_code&code=0000")
	form("token: wrong secret", "client_id="+mockserver.DefaultClientID+"&client_secret=nope&grant_type=refresh_token&refresh_token=x")
	form("token: grant not allowed", client+"&grant_type=client_credentials")
	form("token: unknown grant", client+"&grant_type=password")
	form("token: missing fields", "grant_type=authorization_code")
	form("token: unknown field", client+"&grant_type=authorization_code&code=x&code_verifier=y")
	form("token: too large", client+"&grant_type=refresh_token&refresh_token="+strings.Repeat("a", 70<<10))
	g.step("token: not a form", "POST", "/oauth/token", "", `{"a":1}`, "Content-Type", "application/json")
	g.step("token: bad form", "POST", "/oauth/token", "", "%zz", "Content-Type", "application/x-www-form-urlencoded")
	agency := "client_id=64b000000000000000000001-agency&client_secret=agency-secret"
	raw = form("token: client_credentials", agency+"&grant_type=client_credentials")
	g.tokens["cc"] = jsonString(t, raw, "access_token")
	form("token: client_credentials as Location", agency+"&grant_type=client_credentials&user_type=Location")
	g.step("consent settings: company", "PUT", "/__admin/oauth/consent", "", `{"userType":"Company","locationId":"`+locA+`"}`)
	companyCode := codeOf(location("/oauth/chooselocation?response_type=code&client_id=64b000000000000000000001-agency&redirect_uri=" + redirect))
	g.step("consent settings: back", "PUT", "/__admin/oauth/consent", "", `{}`)
	raw = form("token: company code", agency+"&grant_type=authorization_code&code="+companyCode)
	g.tokens["agency"] = jsonString(t, raw, "access_token")
	raw = lt("location token", "cc", "companyId="+company+"&locationId="+locA)
	g.tokens["lt"] = jsonString(t, raw, "access_token")
	g.step("call with the location token", "GET", "/contacts/"+ct, "lt", "")
	lt("location token: from an installation", "agency", "companyId="+company+"&locationId="+locB)
	lt("location token: other company", "cc", "companyId=OtherCompanyAAAAAAAA&locationId="+locA)
	lt("location token: unknown location", "cc", "companyId="+company+"&locationId=NoSuchLocationAAAAAA")
	lt("location token: location token", "full", "companyId="+company+"&locationId="+locA)
	lt("location token: no token", "", "companyId="+company+"&locationId="+locA)
	lt("location token: missing fields", "cc", "companyId="+company)
	lt("location token: too large", "cc", "companyId="+company+"&locationId="+strings.Repeat("a", 70<<10))
	g.step("contacts route with a company token", "GET", "/contacts/"+ct, "cc", "")

	// --- rate limits ---------------------------------------------------------------------------------
	g.step("rate limits: tight", "PUT", "/__admin/ratelimit", "", `{"burst":2,"window":"1m"}`)
	g.mint("rl", `{"locationId":"`+locA+`"}`)
	g.step("within the burst", "GET", "/contacts/"+ct, "rl", "")
	g.step("last of the burst", "GET", "/contacts/"+ct, "rl", "")
	g.step("429", "GET", "/contacts/"+ct, "rl", "")
	for _, op := range sp.Operations {
		if op.UserType == "Location" {
			g.step(op.ID+": 429", op.Method, fill(op.Path, nil), "rl", happy[op.ID])
		}
	}
	g.mint("rlc", `{"userType":"Company","companyId":"`+company+`"}`)
	lt("location token: within the burst", "rlc", "companyId="+company+"&locationId="+locA)
	lt("location token: last of the burst", "rlc", "companyId="+company+"&locationId="+locA)
	lt("location token: 429", "rlc", "companyId="+company+"&locationId="+locA)
	g.step("refused after the limiter (peek)", "GET", "/contacts/?locationId="+locB, "rl", "")
	g.clock.Add(time.Minute)
	g.step("the window reopened", "GET", "/contacts/"+ct, "rl", "")
	g.step("rate limits: daily", "PUT", "/__admin/ratelimit", "", `{"burst":100,"daily":3}`)
	g.step("429 daily", "GET", "/contacts/"+ct, "rl", "")
	g.step("429 daily again", "GET", "/contacts/"+ct, "rl", "")
	g.step("rate limits: off", "PUT", "/__admin/ratelimit", "", `{"off":true}`)
	g.step("limits off", "GET", "/contacts/"+ct, "rl", "")
	g.step("rate limits: back", "PUT", "/__admin/ratelimit", "", `{"burst":1000,"window":"10s","daily":100000,"off":false}`)

	// --- faults --------------------------------------------------------------------------------------
	g.step("faults", "GET", "/__admin/faults", "", "")
	g.step("fault: status", "POST", "/__admin/faults", "", `{"operationId":"get-contact","status":503,"count":1}`)
	g.step("fault: status applied", "GET", "/contacts/"+ct, "full", "")
	g.step("fault: expired", "GET", "/contacts/"+ct, "full", "")
	g.step("fault: message body", "POST", "/__admin/faults", "", `{"id":"msg","path":"/contacts/*/tasks","method":"get","status":418,"body":"\"teapot\"","headers":{"X-Fault":"yes"}}`)
	g.step("fault: message applied", "GET", "/contacts/"+ct+"/tasks", "full", "")
	g.step("fault: raw body", "POST", "/__admin/faults", "", `{"id":"raw","path":"/contacts/{contactId}/notes","status":200,"body":{"custom":[1,2]}}`)
	g.step("fault: raw applied", "GET", "/contacts/"+ct+"/notes", "full", "")
	g.step("fault: 429", "POST", "/__admin/faults", "", `{"id":"slow","operationId":"get-all-tasks","status":429,"probability":1,"locationId":"`+locB+`"}`)
	g.step("fault: 429 applied", "GET", "/contacts/"+foreign+"/tasks", "fullB", "")
	g.step("fault: headers only", "POST", "/__admin/faults", "", `{"id":"hdr","operationId":"get-appointments-for-contact","headers":{"X-Injected":"1"},"probability":0.5}`)
	for i := range 4 {
		g.step("fault: headers, drawn "+strconv.Itoa(i), "GET", "/contacts/"+ct+"/appointments", "full", "")
	}
	g.step("fault: truncate", "POST", "/__admin/faults", "", `{"id":"cut","operationId":"get-contacts","truncate":true,"count":1}`)
	g.step("fault: truncate applied", "GET", "/contacts/?"+loc+"&limit=2", "full", "")
	g.step("fault: drop", "POST", "/__admin/faults", "", `{"id":"drop","operationId":"get-contacts","drop":true,"count":1}`)
	g.step("fault: drop applied", "GET", "/contacts/?"+loc+"&limit=2", "full", "")
	g.step("fault: latency", "POST", "/__admin/faults", "", `{"id":"lat","operationId":"get-note","latencyMs":1,"count":1}`)
	g.step("fault: latency applied", "GET", "/contacts/"+ct+"/notes/"+rich.Notes[len(rich.Notes)-1].ID, "full", "")
	g.step("fault: invalid", "POST", "/__admin/faults", "", `{"id":"bad id!","operationId":"nope","method":"FETCH","path":"nope","status":99,"latencyMs":-1,"drop":true,"truncate":true,"count":-1,"probability":2}`)
	g.step("fault: no effect", "POST", "/__admin/faults", "", `{}`)
	g.step("fault: id in use", "POST", "/__admin/faults", "", `{"id":"msg","status":500}`)
	g.step("faults with hits", "GET", "/__admin/faults", "", "")
	g.step("fault: delete", "DELETE", "/__admin/faults/msg", "", "")
	g.step("fault: delete unknown", "DELETE", "/__admin/faults/msg", "", "")
	g.step("faults: clear", "DELETE", "/__admin/faults", "", "")

	// --- the journal ---------------------------------------------------------------------------------
	g.step("journal", "GET", "/__admin/requests?limit=12", "", "")
	g.step("journal: 4xx", "GET", "/__admin/requests?status=4xx&limit=3", "", "")
	g.step("journal: operation", "GET", "/__admin/requests?operationId=get-access-token&limit=2", "", "")
	g.step("journal: since", "GET", "/__admin/requests?since=1m&status=429", "", "")
	g.step("journal: bad filter", "GET", "/__admin/requests?status=6xx&since=x&limit=0", "", "")
	g.step("journal: clear", "DELETE", "/__admin/requests", "", "")
	g.step("journal: empty", "GET", "/__admin/requests", "", "")

	// --- webhooks ------------------------------------------------------------------------------------
	rc := newGoldenReceiver(t)
	recv := func(s string) string { return strings.ReplaceAll(s, "RECV", rc.srv.URL) }
	g.keep(strings.TrimPrefix(rc.srv.URL, "http://"), "receiver")
	// The live retry policy: the first delivery's 500 is not retried; the second's 429 is, about 10
	// minutes later (the jitter seeded by WebhookSeed).
	rc.statuses["/retry"] = []int{500, 429, 200}
	g.step("public key", "GET", "/__admin/webhooks/public-key", "", "")
	g.step("public key: json", "GET", "/__admin/webhooks/public-key", "", "", "Accept", "application/json")
	raw = g.step("register all", "POST", "/__admin/webhooks", "", recv(`{"url":"RECV/all"}`))
	all := jsonString(t, raw, "id")
	g.keep(all, "registration")
	raw = g.step("register filtered", "POST", "/__admin/webhooks", "", recv(`{"url":"RECV/retry","events":["ContactTagUpdate","NoteCreate"],"locationId":"`+locA+`"}`))
	retry := jsonString(t, raw, "id")
	g.keep(retry, "registration")
	g.step("register: invalid", "POST", "/__admin/webhooks", "", `{"url":"ftp://x","events":["Nope"]}`)
	g.step("register: no events", "POST", "/__admin/webhooks", "", recv(`{"url":"RECV/x","events":[]}`))
	g.step("hook: create", "POST", "/contacts/", "full", `{"locationId":"`+locA+`","firstName":"Hook","email":"hook@example.com","tags":["one"]}`)
	g.step("hook: update", "PUT", "/contacts/"+ct, "full", `{"lastName":"Hooked","dnd":false,"dndSettings":{"Email":{"status":"inactive"}}}`)
	g.step("hook: tags", "POST", "/contacts/"+ct+"/tags", "full", `{"tags":["hooked"]}`)
	g.step("hook: note", "POST", "/contacts/"+ct+"/notes", "full", `{"body":"hooked note"}`)
	g.step("hook: task", "POST", "/contacts/"+ct+"/tasks", "full", `{"title":"hooked task","dueDate":"2026-03-09T10:00:00Z"}`)
	g.step("hook: task in location B", "POST", "/contacts/"+foreign+"/tasks", "fullB", `{"title":"b task","dueDate":"2026-03-09T10:00:00Z"}`)
	g.waitSettled(t)
	pub := key.Public().(ed25519.PublicKey)
	for _, path := range []string{"/all", "/retry"} {
		rc.mu.Lock()
		reqs, bodies := rc.got[path], rc.bodies[path]
		rc.mu.Unlock()
		for i, r := range reqs {
			sig := r.Header.Get("X-Ghl-Signature")
			sb, err := base64.StdEncoding.DecodeString(sig)
			if err != nil || !ed25519.Verify(pub, bodies[i], sb) {
				t.Errorf("delivery %d to %s: the signature does not verify", i+1, path)
			}
			g.keep(sig, "signature")
			fmt.Fprintf(&g.out, "### webhook %s #%d\nPOST %s (signature verifies: %v)\n", path, i+1, r.URL.Path, err == nil && ed25519.Verify(pub, bodies[i], sb))
			g.header(r.Header, bodies[i], nil)
			g.out.Write(bodies[i])
			g.out.WriteString("\n\n")
		}
	}
	g.step("registrations", "GET", "/__admin/webhooks", "", "")
	g.step("registration", "GET", "/__admin/webhooks/"+retry, "", "")
	g.step("registration: unknown", "GET", "/__admin/webhooks/NoSuchHookAAAAAAAAAA", "", "")
	g.step("deliveries", "GET", "/__admin/webhooks/deliveries", "", "")
	raw = g.step("deliveries: filtered", "GET", "/__admin/webhooks/deliveries?registrationId="+retry+"&eventType=NoteCreate&state=delivered&contactId="+ct+"&limit=1", "", "")
	g.step("deliveries: bad limit", "GET", "/__admin/webhooks/deliveries?limit=x", "", "")
	first := jsonString(t, raw, "id")
	g.step("delivery", "GET", "/__admin/webhooks/deliveries/"+first, "", "")
	g.step("delivery: unknown", "GET", "/__admin/webhooks/deliveries/nope", "", "")
	g.step("replay", "POST", "/__admin/webhooks/deliveries/"+first+"/replay", "", "")
	g.step("replay: alias, unknown", "POST", "/__admin/webhooks/nope/replay", "", "")
	g.waitSettled(t)
	rc.mu.Lock()
	got := rc.bodies["/retry"]
	sameBytes := len(got) >= 2 && bytes.Equal(got[len(got)-1], got[len(got)-2])
	rc.mu.Unlock()
	fmt.Fprintf(&g.out, "### note: %d deliveries to /retry; the replay sent the same bytes as the last one: %v\n\n", len(got), sameBytes)
	g.step("unregister", "DELETE", "/__admin/webhooks/"+retry, "", "")
	g.step("unregister: unknown", "DELETE", "/__admin/webhooks/"+retry, "", "")
	g.step("replay: registration gone", "POST", "/__admin/webhooks/deliveries/"+first+"/replay", "", "")

	// --- deleting clients and locations -----------------------------------------------------------
	g.step("delete client", "DELETE", "/__admin/clients/"+generatedClient, "", "")
	g.step("delete client: unknown", "DELETE", "/__admin/clients/"+generatedClient, "", "")
	g.step("delete client: the default one", "DELETE", "/__admin/clients/"+mockserver.DefaultClientID, "", "")
	g.mint("locC", `{"locationId":"LocGoldenCCCCCCCCCCC"}`)
	raw = g.step("register scoped to a location", "POST", "/__admin/webhooks", "", recv(`{"url":"RECV/c","locationId":"LocGoldenCCCCCCCCCCC"}`))
	g.keep(jsonString(t, raw, "id"), "registration")
	g.step("delete location", "DELETE", "/__admin/locations/LocGoldenCCCCCCCCCCC", "", "")
	g.step("call with a token of the deleted location", "GET", "/contacts/?locationId=LocGoldenCCCCCCCCCCC", "locC", "")
	g.step("delete location: unknown", "DELETE", "/__admin/locations/LocGoldenCCCCCCCCCCC", "", "")
	g.step("registrations after the delete", "GET", "/__admin/webhooks", "", "")

	// --- whole state ---------------------------------------------------------------------------------
	g.step("snapshot", "GET", "/__admin/snapshot", "", "")
	g.step("seed", "POST", "/__admin/seed", "", `{"version":1,"locations":[{"id":"LocGoldenDDDDDDDDDDD","name":"Seeded","contacts":[{"id":"CtSeededAAAAAAAAAAAA","locationId":"LocGoldenDDDDDDDDDDD","firstName":"Seed","type":"lead","tags":[],"customFields":[],"followers":[],"dateAdded":"2026-01-01T00:00:00.000Z","dateUpdated":"2026-01-01T00:00:00.000Z"}]}]}`)
	g.step("seed: clash", "POST", "/__admin/seed", "", `{"version":1,"locations":[{"id":"LocGoldenDDDDDDDDDDD","name":"Seeded","contacts":[{"id":"CtSeededAAAAAAAAAAAA","locationId":"LocGoldenDDDDDDDDDDD","firstName":"Seed","type":"lead","dateAdded":"2026-01-01T00:00:00.000Z","dateUpdated":"2026-01-01T00:00:00.000Z"}]}]}`)
	g.step("seed: yaml", "POST", "/__admin/seed", "", "version: 1\nlocations:\n  - id: LocGoldenEEEEEEEEEEE\n    name: Yaml\n", "Content-Type", "application/yaml")
	g.step("seed: not a document", "POST", "/__admin/seed", "", `{"version":1,"locations":[{"id":""}]}`)
	g.step("seed: malformed", "POST", "/__admin/seed", "", `{"version":`)
	g.step("snapshot: replace", "PUT", "/__admin/snapshot", "", `{"version":1,"locations":[{"id":"LocGoldenDDDDDDDDDDD","name":"Only"}]}`)
	g.step("locations after replace", "GET", "/__admin/locations", "", "")
	g.step("clock: advance", "POST", "/__admin/clock", "", `{"advance":"25h"}`)
	g.step("expired token", "GET", "/contacts/?locationId=LocGoldenDDDDDDDDDDD", "full", "")
	g.step("clock: offset back", "POST", "/__admin/clock", "", `{"offset":"0s"}`)
	g.step("reset", "POST", "/__admin/reset", "", "")
	g.step("health after reset", "GET", "/__admin/health", "", "")
	g.step("create after reset: the id sequence restarted", "POST", "/contacts/", "full", `{"locationId":"`+locA+`","firstName":"Again"}`)

	compareGolden(t, "wire.golden", g.scrub(g.out.Bytes()))
}

// waitSettled waits until no registration has a delivery pending (10 s bound against hanging).
func (g *goldenSession) waitSettled(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pending := 0
		for _, r := range g.srv.WebhookRegistrations() {
			pending += r.Stats.Pending
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d webhook deliveries still pending", pending)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGoldenWireAdminToken records the admin API's answers with an admin token configured.
func TestGoldenWireAdminToken(t *testing.T) {
	g := newGoldenSession(t, mockserver.Config{Initial: goldenDoc(t), IDSeed: 7, FaultSeed: 11, AdminToken: "s3cret"})
	g.step("no admin token", "GET", "/__admin/health", "", "")
	g.step("wrong admin token", "GET", "/__admin/health", "", "", mockserver.AdminTokenHeader, "nope")
	g.step("admin token header", "GET", "/__admin/ratelimit", "", "", mockserver.AdminTokenHeader, "s3cret")
	g.step("admin token as bearer", "GET", "/__admin/ratelimit", "raw:Bearer s3cret", "")
	compareGolden(t, "wire-admin-token.golden", g.scrub(g.out.Bytes()))
}
