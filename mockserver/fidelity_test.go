package mockserver

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// Tests of issue 15: where the mock differed from the live API (reference section in each name).

// TestAttributionSourceIsNotAWritableField (§3.2, §7): attributionSource is not in the vendor's
// create, update or upsert DTOs, so live's whitelist refuses it with 422 and nothing is stored.
func TestAttributionSourceIsNotAWritableField(t *testing.T) {
	h := newHarness(t)
	attr := map[string]any{"url": "https://example.com/landing", "campaign": "spring"}
	cases := []struct {
		name, method, path string
		body               map[string]any
	}{
		{"create", http.MethodPost, "/contacts/", map[string]any{"locationId": locA, "firstName": "Attr", "attributionSource": attr}},
		{"update", http.MethodPut, "/contacts/" + ctBob, map[string]any{"firstName": "Attr", "attributionSource": attr}},
		{"upsert", http.MethodPost, "/contacts/upsert", map[string]any{"locationId": locA, "email": "bob@example.com", "attributionSource": attr}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(tc.method, tc.path, h.full, tc.body).must(t, http.StatusUnprocessableEntity)
			if msgs := strs(r.Body["message"]); !slices.Contains(msgs, "property attributionSource should not exist") {
				t.Errorf("message %v", r.Body["message"])
			}
		})
	}
	got := h.do(http.MethodGet, "/contacts/"+ctBob, h.full, nil).must(t, http.StatusOK).obj("contact")
	if got["firstName"] != "Bob" || got["attributionSource"] != nil {
		t.Errorf("a refused write changed the contact: %v", got)
	}
}

// TestLenientInputIsRefused (§2, §3.3, §3.9): inputs the live API would not take the way a sloppy
// client sends them.
func TestLenientInputIsRefused(t *testing.T) {
	h := newHarness(t)
	t.Run("an unencoded + in the duplicate lookup's email is a space", func(t *testing.T) {
		id := h.do(http.MethodPost, "/contacts/", h.full, map[string]any{"locationId": locA, "email": "a+b@x.io"}).
			must(t, http.StatusCreated).obj("contact")["id"]
		q := "/contacts/search/duplicate?locationId=" + locA + "&email="
		if r := h.do(http.MethodGet, q+"a+b@x.io", h.ro, nil).must(t, http.StatusOK); r.Body["contact"] != nil {
			t.Errorf("a+b@x.io unencoded (a b@x.io) matched %v", r.Body["contact"])
		}
		if got := h.do(http.MethodGet, q+"a%2Bb@x.io", h.ro, nil).must(t, http.StatusOK).obj("contact"); got["id"] != id {
			t.Errorf("a%%2Bb@x.io found %v, want %v", got["id"], id)
		}
	})
	t.Run("custom fields in the read form {id, value} are refused, not stored empty", func(t *testing.T) {
		r := h.do(http.MethodPut, "/contacts/"+ctBob, h.full, map[string]any{
			"customFields": []any{map[string]any{"id": "CfAAAAAAAAAAAAAAAAAA", "value": "gold"}},
		}).must(t, http.StatusUnprocessableEntity)
		if msgs := strs(r.Body["message"]); !slices.Equal(msgs, []string{"customFields.0.property value should not exist"}) {
			t.Errorf("message %q", msgs)
		}
		if got := h.do(http.MethodGet, "/contacts/"+ctBob, h.ro, nil).must(t, http.StatusOK).obj("contact"); len(got["customFields"].([]any)) != 0 {
			t.Errorf("custom fields stored: %v", got["customFields"])
		}
	})
	t.Run("search filter values over 75 characters are refused", func(t *testing.T) {
		long := strings.Repeat("a", 76)
		r := h.do(http.MethodPost, "/contacts/search", h.ro, map[string]any{"locationId": locA, "pageLimit": 10,
			"filters": []any{map[string]any{"field": "firstNameLowerCase", "operator": "eq", "value": long}}}).
			must(t, http.StatusUnprocessableEntity)
		if msgs := strs(r.Body["message"]); !slices.Equal(msgs, []string{"filters.0.value must be shorter than or equal to 75 characters"}) {
			t.Errorf("message %q", msgs)
		}
		h.do(http.MethodPost, "/contacts/search", h.ro, map[string]any{"locationId": locA, "pageLimit": 10,
			"filters": []any{map[string]any{"field": "firstNameLowerCase", "operator": "eq", "value": long[:75]}}}).
			must(t, http.StatusOK)
	})
}

// TestUnknownChildIDsAsTheDocumentSays (§3.13): for every operation on a task or a note, the
// message the mock answers for an unknown contact, task or note id is the one the operation's
// description in the document gives.
func TestUnknownChildIDsAsTheDocumentSays(t *testing.T) {
	h := newHarness(t)
	bodies := map[string]any{"update-task-completed": map[string]any{"completed": true}, "update-task": map[string]any{}, "update-note": map[string]any{}}
	checked := 0
	for _, op := range h.srv.spec.Operations {
		child := ""
		switch {
		case strings.Contains(op.Path, "{taskId}"):
			child = "taskId"
		case strings.HasSuffix(op.Path, "/notes/{id}"):
			child = "id"
		default:
			continue
		}
		desc := op.Route().Operation.Description
		for _, unknown := range []string{"contactId", child} {
			ids := map[string]string{"contactId": ctAlice, "taskId": taskA1, "id": noteA1}
			ids[unknown] = "NoSuchIdAAAAAAAAAAAA"
			path := op.Path
			for k, v := range ids {
				path = strings.ReplaceAll(path, "{"+k+"}", v)
			}
			r := h.do(op.Method, path, h.full, bodies[op.ID]).must(t, http.StatusBadRequest)
			msg := strings.ReplaceAll(r.str("message"), "NoSuchIdAAAAAAAAAAAA", "<id>")
			if !strings.Contains(strings.Join(strings.Fields(desc), " "), "`"+msg+"`") {
				t.Errorf("%s, unknown %s: the mock answers %q, the document says: %s", op.ID, unknown, msg, desc)
			}
			checked++
		}
	}
	if checked != 14 {
		t.Errorf("checked %d cases, want 14 (7 operations on tasks and notes)", checked)
	}
}

// TestRetryAfterCanBeTurnedOff (§5): Retry-After on a 429 is the mock's addition (on by default);
// PUT /__admin/ratelimit {"retryAfter": false} leaves it out, of the limiter's 429s and of a
// forced one alike, and the rate-limit headers a client falls back on stay.
func TestRetryAfterCanBeTurnedOff(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RateLimits = RateLimits{Burst: 1, Window: 10 * time.Second} })
	get := func() result { return h.do(http.MethodGet, "/contacts/"+ctAlice, h.full, nil) }
	get().must(t, http.StatusOK)
	if r := get().must(t, http.StatusTooManyRequests); r.Header.Get("Retry-After") == "" {
		t.Fatal("the default 429 has no Retry-After")
	}
	lim := h.do(http.MethodPut, "/__admin/ratelimit", "", map[string]any{"retryAfter": false}).must(t, http.StatusOK)
	if lim.Body["retryAfter"] != false || lim.Body["burst"] != float64(1) {
		t.Errorf("limits %v", lim.Body)
	}
	r := get().must(t, http.StatusTooManyRequests)
	if v, ok := r.Header["Retry-After"]; ok {
		t.Errorf("Retry-After %q sent while turned off", v)
	}
	if r.Header.Get("X-Ratelimit-Interval-Milliseconds") != "10000" {
		t.Errorf("headers %v", r.Header)
	}
	h.do(http.MethodPost, "/__admin/faults", "", map[string]any{"operationId": "get-contacts", "status": 429, "count": 1}).must(t, http.StatusCreated)
	h.do(http.MethodPut, "/__admin/ratelimit", "", map[string]any{"off": true}).must(t, http.StatusOK)
	forced := h.do(http.MethodGet, "/contacts/?locationId="+locA, h.full, nil).must(t, http.StatusTooManyRequests)
	if v, ok := forced.Header["Retry-After"]; ok {
		t.Errorf("a forced 429 sent Retry-After %q while turned off", v)
	}
	if got := h.do(http.MethodGet, "/__admin/ratelimit", "", nil).must(t, http.StatusOK).Body; got["retryAfter"] != false {
		t.Errorf("GET /__admin/ratelimit %v", got)
	}
}

// TestReadOnlyContactFields (§3.1): attachments, ssn, keyword and visitorId are part of the live
// contact; seeded, they are read back by GET and lists, and no write body takes them.
func TestReadOnlyContactFields(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		bob := &c.Initial.Locations[0].Contacts[1].Contact
		bob.Attachments, bob.SSN, bob.Keyword, bob.VisitorID = "https://files.example.com/b.pdf", "123-45-6789", "JOIN", "VisAAAAAAAAAAAAAAAAA"
	})
	want := map[string]any{"attachments": "https://files.example.com/b.pdf", "ssn": "123-45-6789", "keyword": "JOIN", "visitorId": "VisAAAAAAAAAAAAAAAAA"}
	got := h.do(http.MethodGet, "/contacts/"+ctBob, h.ro, nil).must(t, http.StatusOK).obj("contact")
	for k, v := range want {
		if got[k] != v {
			t.Errorf("GET %s = %v, want %v", k, got[k], v)
		}
	}
	for k := range want {
		r := h.do(http.MethodPut, "/contacts/"+ctBob, h.full, map[string]any{k: "x"}).must(t, http.StatusUnprocessableEntity)
		if msgs := strs(r.Body["message"]); !slices.Equal(msgs, []string{"property " + k + " should not exist"}) {
			t.Errorf("PUT %s: %q", k, msgs)
		}
	}
}

// TestCreateAnswersItsOwnKeySet (§3.2): POST /contacts/ answers the vendor's CreateContactSchema
// keys (deleted, bounceEmail, unsubscribeEmail, birthMonth, birthDay, offers, products), not GET's
// (no name, followers or createdBy); GET then shows the contact as usual.
func TestCreateAnswersItsOwnKeySet(t *testing.T) {
	h := newHarness(t)
	got := h.do(http.MethodPost, "/contacts/", h.full, map[string]any{"locationId": locA, "firstName": "Keys", "lastName": "Set",
		"timezone": "Europe/Berlin", "dateOfBirth": "1990-09-25"}).must(t, http.StatusCreated).obj("contact")
	want := map[string]any{"deleted": false, "bounceEmail": false, "unsubscribeEmail": false, "birthMonth": float64(8), "birthDay": float64(25),
		"dateOfBirth": "1990-09-25T00:00:00.000Z", "firstName": "Keys", "fullNameLowerCase": "keys set"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	for _, k := range []string{"offers", "products"} {
		if list, ok := got[k].([]any); !ok || len(list) != 0 {
			t.Errorf("%s = %v, want []", k, got[k])
		}
	}
	for _, k := range []string{"name", "timezone", "followers", "createdBy"} {
		if _, present := got[k]; present {
			t.Errorf("the create answer has GET's %s", k)
		}
	}
	read := h.do(http.MethodGet, "/contacts/"+got["id"].(string), h.ro, nil).must(t, http.StatusOK).obj("contact")
	if read["name"] != "Keys Set" || read["timezone"] != "Europe/Berlin" || read["deleted"] != nil {
		t.Errorf("GET after create: %v", read)
	}
}

// TestListItemsCarryAttributions (§3.10): list items (GET /contacts/, a business's contacts) have
// the vendor's attributions[]: the first and last attribution sources, [] without any; GET of one
// contact does not.
func TestListItemsCarryAttributions(t *testing.T) {
	first := fixtures.Attribution{URL: "https://example.com/a", UTMSource: "news"}
	last := fixtures.Attribution{URL: "https://example.com/b", Medium: "form"}
	h := newHarness(t, func(c *Config) {
		alice := &c.Initial.Locations[0].Contacts[0].Contact
		alice.AttributionSource, alice.LastAttributionSource = &first, &last
	})
	byID := func(list []any) map[string]map[string]any {
		out := map[string]map[string]any{}
		for _, x := range list {
			m := x.(map[string]any)
			out[m["id"].(string)] = m
		}
		return out
	}
	for _, path := range []string{"/contacts/?locationId=" + locA, "/contacts/business/" + bizA + "?locationId=" + locA} {
		items := byID(h.do(http.MethodGet, path, h.ro, nil).must(t, http.StatusOK).Body["contacts"].([]any))
		attrs, _ := items[ctAlice]["attributions"].([]any)
		if len(attrs) != 2 || attrs[0].(map[string]any)["url"] != first.URL || attrs[1].(map[string]any)["url"] != last.URL {
			t.Errorf("%s: Alice's attributions %v", path, items[ctAlice]["attributions"])
		}
		if bob, listed := items[ctBob]; listed {
			if a, ok := bob["attributions"].([]any); !ok || len(a) != 0 {
				t.Errorf("%s: Bob's attributions %v, want []", path, bob["attributions"])
			}
		}
	}
	if got := h.do(http.MethodGet, "/contacts/"+ctAlice, h.ro, nil).must(t, http.StatusOK).obj("contact"); got["attributions"] != nil {
		t.Errorf("GET has attributions: %v", got["attributions"])
	}
}

// TestTasksKeepLocationAndDateAdded (§3.5): a stored task keeps its location and when it was
// added, as the task webhooks carry them; the task answers show both.
func TestTasksKeepLocationAndDateAdded(t *testing.T) {
	h := newHarness(t)
	made := h.do(http.MethodPost, "/contacts/"+ctAlice+"/tasks", h.full, map[string]any{"title": "Call", "dueDate": "2026-03-09T10:00:00Z", "completed": false}).
		must(t, http.StatusCreated).obj("task")
	if made["locationId"] != locA || made["dateAdded"] != "2026-03-01T12:00:00.000Z" {
		t.Errorf("created task %v", made)
	}
	seeded := h.do(http.MethodGet, "/contacts/"+ctAlice+"/tasks/"+taskA1, h.ro, nil).must(t, http.StatusOK).obj("task")
	if seeded["locationId"] != locA || seeded["dateAdded"] != "2026-01-02T10:00:00.000Z" {
		t.Errorf("seeded task %v", seeded)
	}
	for _, task := range snapshot(t, h.srv).Locations[0].Contacts[0].Tasks {
		if task.LocationID != locA {
			t.Errorf("snapshot task %+v has no location", task)
		}
	}
}

// TestAppointmentTimesInTheReferenceForm (§3.7): the appointments endpoint writes its times as the
// vendor's examples do, `2021-07-16 11:00:00`, without a zone (UTC).
func TestAppointmentTimesInTheReferenceForm(t *testing.T) {
	h := newHarness(t)
	events := h.do(http.MethodGet, "/contacts/"+ctAlice+"/appointments", h.ro, nil).must(t, http.StatusOK).Body["events"].([]any)
	if len(events) != 1 {
		t.Fatalf("events %v", events)
	}
	e := events[0].(map[string]any)
	want := map[string]string{"startTime": "2026-03-10 09:00:00", "endTime": "2026-03-10 09:30:00", "dateAdded": "2026-01-05 09:00:00", "dateUpdated": "2026-01-05 09:00:00"}
	for k, v := range want {
		if e[k] != v {
			t.Errorf("%s = %v, want %s", k, e[k], v)
		}
	}
}

// TestTraceIDOnEveryAnswer (§1): every answer carries a trace id (X-Trace-Id), a new one per
// request; error bodies and upsert's body carry it as traceId.
func TestTraceIDOnEveryAnswer(t *testing.T) {
	h := newHarness(t)
	seen := map[string]bool{}
	check := func(name string, r result, inBody bool) {
		t.Helper()
		trace := r.Header.Get(TraceHeader)
		if len(trace) != 36 || strings.Count(trace, "-") != 4 || seen[trace] {
			t.Errorf("%s: %s %q (new per request)", name, TraceHeader, trace)
		}
		seen[trace] = true
		if got, _ := r.Body["traceId"].(string); inBody != (got != "") || (inBody && got != trace) {
			t.Errorf("%s: body traceId %q, header %q", name, got, trace)
		}
	}
	check("get", h.do(http.MethodGet, "/contacts/"+ctAlice, h.ro, nil), false)
	check("unknown contact", h.do(http.MethodGet, "/contacts/NoSuchContactAAAAAAA", h.ro, nil), true)
	check("no token", h.do(http.MethodGet, "/contacts/"+ctAlice, "", nil), true)
	check("validation", h.do(http.MethodPost, "/contacts/", h.full, map[string]any{"locationId": locA, "bogus": 1}), true)
	check("unknown route", h.do(http.MethodGet, "/nothing/here", h.full, nil), true)
	check("upsert", h.do(http.MethodPost, "/contacts/upsert", h.full, map[string]any{"locationId": locA, "email": "bob@example.com"}), true)
	check("token endpoint error", h.do(http.MethodPost, "/oauth/token", "", "x"), true)
}

// TestWebhookAppointmentAndLifecycleEvents (§6.1): AppointmentCreate, AppointmentUpdate and
// AppointmentDelete when the admin API adds, changes and removes an appointment, INSTALL when
// consent completes and UNINSTALL when an installation is removed, with the live payloads (checked
// against the document) and the appointment's times ISO with an offset (§3.7).
func TestWebhookAppointmentAndLifecycleEvents(t *testing.T) {
	h := newHookHarness(t)
	rc := h.receiver(nil)
	h.register(rc.url(), nil)
	sp := h.srv.Spec()
	next := func(event string) map[string]any {
		t.Helper()
		k := rc.next(t)
		if err := sp.ValidateWebhook(event, k.Body); err != nil {
			t.Errorf("%s: %v", event, err)
		}
		m := k.decode(t)
		if m["type"] != event {
			t.Fatalf("got %v, want %s: %s", m["type"], event, k.Body)
		}
		return m
	}
	made := h.do(http.MethodPost, "/__admin/appointments", "", map[string]any{"locationId": locA, "contactId": ctBob,
		"startTime": "2026-03-04T10:00:00Z", "endTime": "2026-03-04T11:00:00Z", "title": "Visit"}).must(t, http.StatusCreated).Body
	id := made["id"].(string)
	created := next(state.AppointmentCreate)
	a := created["appointment"].(map[string]any)
	if created["locationId"] != locA || a["id"] != id || a["contactId"] != ctBob || a["startTime"] != "2026-03-04T10:00:00.000+00:00" || a["title"] != "Visit" {
		t.Errorf("AppointmentCreate %v", created)
	}
	h.do(http.MethodPut, "/__admin/appointments/"+id+"?locationId="+locA, "", map[string]any{"title": "Moved", "startTime": "2026-03-05T10:00:00Z", "endTime": "2026-03-05T11:00:00Z"}).must(t, http.StatusOK)
	if a := next(state.AppointmentUpdate)["appointment"].(map[string]any); a["title"] != "Moved" || a["endTime"] != "2026-03-05T11:00:00.000+00:00" {
		t.Errorf("AppointmentUpdate %v", a)
	}
	h.do(http.MethodPut, "/__admin/appointments/"+id+"?locationId="+locA, "", map[string]any{"endTime": "2026-03-01T00:00:00Z"}).must(t, http.StatusUnprocessableEntity)
	h.do(http.MethodDelete, "/__admin/appointments/"+id+"?locationId="+locA, "", nil).must(t, http.StatusOK)
	if a := next(state.AppointmentDelete)["appointment"].(map[string]any); a["id"] != id || a["title"] != "Moved" {
		t.Errorf("AppointmentDelete %v", a)
	}
	h.do(http.MethodDelete, "/__admin/appointments/"+id+"?locationId="+locA, "", nil).must(t, http.StatusBadRequest)
	events := h.do(http.MethodGet, "/contacts/"+ctBob+"/appointments", h.ro, nil).must(t, http.StatusOK).Body["events"].([]any)
	if len(events) != 0 {
		t.Errorf("the deleted appointment is still listed: %v", events)
	}

	tokens := h.install()
	installed := next(state.AppInstall)
	if installed["appId"] != appOfDefaultClient || installed["locationId"] != locA || installed["planId"] != tokens.Body["planId"] || installed["userId"] == "" {
		t.Errorf("INSTALL %v (tokens %v)", installed, tokens.Body)
	}
	access := tokens.str("access_token")
	h.do(http.MethodGet, "/contacts/"+ctAlice, access, nil).must(t, http.StatusOK)
	gone := h.do(http.MethodDelete, "/__admin/installations/"+locA, "", nil).must(t, http.StatusOK).Body
	if gone["grantsRevoked"] != float64(1) {
		t.Errorf("uninstall %v", gone)
	}
	if u := next(state.AppUninstall); u["appId"] != appOfDefaultClient || u["locationId"] != locA {
		t.Errorf("UNINSTALL %v", u)
	}
	mustInvalidJWT(t, h.do(http.MethodGet, "/contacts/"+ctAlice, access, nil))
	h.do(http.MethodDelete, "/__admin/installations/"+locA, "", nil).must(t, http.StatusNotFound)
}
