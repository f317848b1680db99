package mockserver

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/mockserver/webhooks"
	"github.com/contactsmock/contactsmock/spec"
)

// payloadKeys are the keys each kind of payload may carry (reference §6.1; tasks add completed).
var payloadKeys = map[string][]string{
	"contact": {"type", "locationId", "id", "address1", "city", "state", "companyName", "country", "source",
		"dateAdded", "dateOfBirth", "dnd", "email", "name", "firstName", "lastName", "phone", "postalCode",
		"tags", "website", "attachments", "assignedTo", "customFields", "timestamp", "webhookId"},
	"note": {"type", "locationId", "id", "body", "contactId", "dateAdded", "timestamp", "webhookId"},
	"task": {"type", "locationId", "id", "assignedTo", "body", "contactId", "title", "dateAdded", "dueDate",
		"completed", "timestamp", "webhookId"},
}

func kindOf(event string) string {
	switch {
	case strings.HasPrefix(event, "Contact"):
		return "contact"
	case strings.HasPrefix(event, "Note"):
		return "note"
	}
	return "task"
}

// TestWebhookEveryEvent drives the API through every event type, interleaving two contacts, and
// checks at a receiver that each event arrives once, in change order, signed, shaped as the live
// payload and valid against the document's webhook schema.
func TestWebhookEveryEvent(t *testing.T) {
	h := newHookHarness(t)
	rc := h.receiver(nil)
	h.register(rc.url(), nil)
	pub := h.publicKey()

	type want struct{ event, contact string }
	var wants []want
	x := h.createContact(map[string]any{"firstName": "Eve", "email": "eve@example.com", "tags": []string{"New"},
		"city": "Oakland", "customFields": []any{map[string]any{"id": "CfAAAAAAAAAAAAAAAAAA", "field_value": "gold"}}})
	wants = append(wants, want{state.ContactCreate, x})
	h.do(http.MethodPut, "/contacts/"+x, h.full, map[string]any{"firstName": "Evelyn"}).must(t, 200)
	wants = append(wants, want{state.ContactUpdate, x})
	h.do(http.MethodPut, "/contacts/"+ctAlice, h.full, map[string]any{"lastName": "Arrow"}).must(t, 200)
	wants = append(wants, want{state.ContactUpdate, ctAlice})
	h.do(http.MethodPost, "/contacts/"+x+"/tags", h.full, map[string]any{"tags": []string{"Hot"}}).must(t, 201)
	wants = append(wants, want{state.ContactTagUpdate, x})
	h.do(http.MethodPut, "/contacts/"+x, h.full, map[string]any{"dnd": true,
		"dndSettings": map[string]any{"SMS": map[string]any{"status": "active", "message": "STOP"}}}).must(t, 200)
	wants = append(wants, want{state.ContactDndUpdate, x})
	n := h.do(http.MethodPost, "/contacts/"+x+"/notes", h.full, map[string]any{"body": "hello"}).must(t, 201).obj("note")["id"].(string)
	wants = append(wants, want{state.NoteCreate, x})
	h.do(http.MethodPost, "/contacts/"+ctAlice+"/notes", h.full, map[string]any{"body": "for alice"}).must(t, 201)
	wants = append(wants, want{state.NoteCreate, ctAlice})
	h.do(http.MethodPut, "/contacts/"+x+"/notes/"+n, h.full, map[string]any{"body": "hello again"}).must(t, 200)
	wants = append(wants, want{state.NoteUpdate, x})
	tk := h.do(http.MethodPost, "/contacts/"+x+"/tasks", h.full, map[string]any{"title": "Call", "body": "about the quote",
		"dueDate": "2026-03-08T10:00:00Z", "completed": false}).must(t, 201).obj("task")["id"].(string)
	wants = append(wants, want{state.TaskCreate, x})
	h.do(http.MethodPut, "/contacts/"+x+"/tasks/"+tk+"/completed", h.full, map[string]any{"completed": true}).must(t, 200)
	wants = append(wants, want{state.TaskComplete, x})
	h.do(http.MethodDelete, "/contacts/"+x+"/tasks/"+tk, h.full, nil).must(t, 200)
	wants = append(wants, want{state.TaskDelete, x})
	h.do(http.MethodDelete, "/contacts/"+x+"/notes/"+n, h.full, nil).must(t, 200)
	wants = append(wants, want{state.NoteDelete, x})
	h.do(http.MethodDelete, "/contacts/"+x, h.full, nil).must(t, 200)
	wants = append(wants, want{state.ContactDelete, x})

	seenTypes := map[string]int{}
	seenIDs := map[string]bool{}
	sp := h.srv.Spec()
	for i, w := range wants {
		k := rc.next(t)
		k.verify(t, pub)
		if ct := k.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		if k.Header.Get(WebhookDeliveryHeader) == "" || k.Header.Get(WebhookAttemptHeader) != "1" {
			t.Errorf("delivery headers %v", k.Header)
		}
		m := k.decode(t)
		contact := m["id"]
		if kindOf(w.event) != "contact" {
			contact = m["contactId"]
		}
		if m["type"] != w.event || contact != w.contact {
			t.Fatalf("webhook %d is %v for %v, want %s for %s", i, m["type"], contact, w.event, w.contact)
		}
		if err := sp.ValidateWebhook(w.event, k.Body); err != nil {
			t.Errorf("webhook %d: %v", i, err)
		}
		if !bytes.HasPrefix(k.Body, []byte(`{"type":"`+w.event+`","locationId":"`+locA+`","id":"`)) ||
			!bytes.Contains(k.Body, []byte(`,"webhookId":"`+m["webhookId"].(string)+`"}`)) || !bytes.HasSuffix(k.Body, []byte(`"}`)) {
			t.Errorf("webhook %d does not start with type, locationId, id and end with webhookId: %s", i, k.Body)
		}
		allowed := payloadKeys[kindOf(w.event)]
		if w.event == state.ContactDndUpdate {
			allowed = append(slices.Clone(allowed), "dndSettings")
		}
		for key := range m {
			if !slices.Contains(allowed, key) {
				t.Errorf("webhook %d (%s) carries %q, which the live payload does not", i, w.event, key)
			}
		}
		if m["timestamp"] != testTime[:len(testTime)-1]+".000Z" {
			t.Errorf("webhook %d timestamp %v, want the mock's clock", i, m["timestamp"])
		}
		id, _ := m["webhookId"].(string)
		if id == "" || seenIDs[id] {
			t.Errorf("webhook %d: webhookId %q missing or repeated", i, id)
		}
		seenIDs[id] = true
		seenTypes[w.event]++

		switch w.event {
		case state.ContactCreate:
			if m["city"] != "Oakland" || fmt.Sprint(m["tags"]) != "[new]" || fmt.Sprint(m["customFields"]) != "[map[id:CfAAAAAAAAAAAAAAAAAA value:gold]]" ||
				fmt.Sprint(m["attachments"]) != "[]" || m["dnd"] != false {
				t.Errorf("ContactCreate payload %s", k.Body)
			}
		case state.ContactTagUpdate:
			if fmt.Sprint(m["tags"]) != "[new hot]" {
				t.Errorf("ContactTagUpdate tags %v", m["tags"])
			}
		case state.ContactDndUpdate:
			if m["dnd"] != true || fmt.Sprint(m["dndSettings"]) != "map[SMS:map[message:STOP status:active]]" {
				t.Errorf("ContactDndUpdate payload %s", k.Body)
			}
		case state.NoteUpdate:
			if m["body"] != "hello again" {
				t.Errorf("NoteUpdate body %v", m["body"])
			}
		case state.TaskComplete:
			if m["completed"] != true || m["title"] != "Call" || m["dueDate"] != "2026-03-08T10:00:00.000Z" {
				t.Errorf("TaskComplete payload %s", k.Body)
			}
		case state.ContactDelete:
			if m["firstName"] != "Evelyn" {
				t.Errorf("ContactDelete should carry the contact as it was: %s", k.Body)
			}
		}
	}
	for _, ev := range state.EventTypes {
		if seenTypes[ev] == 0 && !strings.HasPrefix(ev, "Appointment") && ev != state.AppInstall && ev != state.AppUninstall {
			t.Errorf("no %s received", ev) // appointments and the app lifecycle: TestWebhookAppointmentAndLifecycleEvents
		}
	}
	h.drain()
	if extra := rc.rest(); len(extra) > 0 {
		t.Errorf("%d webhooks more than the changes made, first %s", len(extra), extra[0].Body)
	}
	for _, d := range h.srv.WebhookDeliveries(WebhookDeliveryFilter{}) {
		if d.State != WebhookDelivered || d.Attempts != 1 || fmt.Sprint(d.Statuses) != "[200]" || d.LatencyMs == nil || d.Signature == "" {
			t.Errorf("log entry %+v", d)
		}
	}
}

// TestWebhookTriggers is the event → trigger table: which API calls emit which events. The store
// emits while it applies the change, so the delivery log holds the events when the response arrives.
func TestWebhookTriggers(t *testing.T) {
	type call struct {
		method, path string
		body         any
	}
	put := func(path string, body any) call { return call{http.MethodPut, path, body} }
	post := func(path string, body any) call { return call{http.MethodPost, path, body} }
	del := func(path string) call { return call{method: http.MethodDelete, path: path} }
	alice := "/contacts/" + ctAlice
	task := alice + "/tasks/" + taskA1
	note := alice + "/notes/" + noteA1
	cases := []struct {
		name  string
		calls []call
		want  []string
	}{
		{"create", []call{post("/contacts/", map[string]any{"locationId": locA, "firstName": "Eve"})}, []string{state.ContactCreate}},
		{"create with tags and dnd", []call{post("/contacts/", map[string]any{"locationId": locA, "tags": []string{"a"}, "dnd": true})}, []string{state.ContactCreate}},
		{"update fields", []call{put(alice, map[string]any{"city": "Oslo"})}, []string{state.ContactUpdate}},
		{"update tags only", []call{put(alice, map[string]any{"tags": []string{"x"}})}, []string{state.ContactTagUpdate}},
		{"update tags to the same list", []call{put(alice, map[string]any{"tags": []string{"vip", "lead"}})}, nil},
		{"update that changes nothing", []call{put(alice, map[string]any{"firstName": "Alice"})}, nil},
		{"update dnd only", []call{put(alice, map[string]any{"dnd": true})}, []string{state.ContactDndUpdate}},
		{"update fields, tags and dnd", []call{put(alice, map[string]any{"city": "Oslo", "tags": []string{"x"}, "dnd": true})},
			[]string{state.ContactUpdate, state.ContactTagUpdate, state.ContactDndUpdate}},
		{"upsert creates", []call{post("/contacts/upsert", map[string]any{"locationId": locA, "email": "new@example.com"})}, []string{state.ContactCreate}},
		{"upsert updates", []call{post("/contacts/upsert", map[string]any{"locationId": locA, "email": "alice@example.com", "city": "Oslo"})}, []string{state.ContactUpdate}},
		{"upsert updates tags", []call{post("/contacts/upsert", map[string]any{"locationId": locA, "email": "alice@example.com", "tags": []string{"z"}})}, []string{state.ContactTagUpdate}},
		{"delete (children go silently)", []call{del(alice)}, []string{state.ContactDelete}},
		{"add tags", []call{post(alice+"/tags", map[string]any{"tags": []string{"New"}})}, []string{state.ContactTagUpdate}},
		{"add a tag already there", []call{post(alice+"/tags", map[string]any{"tags": []string{"VIP"}})}, nil},
		{"remove tags", []call{{http.MethodDelete, alice + "/tags", map[string]any{"tags": []string{"vip"}}}}, []string{state.ContactTagUpdate}},
		{"bulk tags", []call{post("/contacts/bulk/tags/update/add", map[string]any{"locationId": locA, "contacts": []string{ctAlice, ctBob}, "tags": []string{"batch"}})},
			[]string{state.ContactTagUpdate, state.ContactTagUpdate}},
		{"bulk business", []call{post("/contacts/bulk/business", map[string]any{"locationId": locA, "ids": []string{ctAlice, ctBob}, "businessId": bizA})},
			[]string{state.ContactUpdate}}, // Alice is in the business already
		{"followers change the contact", []call{
			post(alice+"/followers", map[string]any{"followers": []string{userA}}),
			post(alice+"/followers", map[string]any{"followers": []string{userA}}),
		}, []string{state.ContactUpdate}},
		{"campaigns, workflows", []call{
			post(alice+"/campaigns/CampAAAAAAAAAAAAAAAA", map[string]any{}),
			post(alice+"/workflow/FlowAAAAAAAAAAAAAAAA", map[string]any{}),
		}, nil},
		{"task create", []call{post(alice+"/tasks", map[string]any{"title": "T", "dueDate": "2026-03-08T10:00:00Z", "completed": false})}, []string{state.TaskCreate}},
		{"task update without completing", []call{put(task, map[string]any{"title": "T2"})}, nil},
		{"task completed, twice", []call{put(task+"/completed", map[string]any{"completed": true}), put(task+"/completed", map[string]any{"completed": true})},
			[]string{state.TaskComplete}},
		{"task completed through update", []call{put(task, map[string]any{"completed": true})}, []string{state.TaskComplete}},
		{"task delete", []call{del(task)}, []string{state.TaskDelete}},
		{"note create, update, delete", []call{post(alice+"/notes", map[string]any{"body": "n"}), put(note, map[string]any{"body": "m"}), del(note)},
			[]string{state.NoteCreate, state.NoteUpdate, state.NoteDelete}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHookHarness(t)
			h.register(h.receiver(nil).url(), nil)
			for _, c := range tc.calls {
				if r := h.do(c.method, c.path, h.full, c.body); r.Status >= 300 {
					t.Fatalf("%s %s: %d %s", c.method, c.path, r.Status, r.Raw)
				}
			}
			if got := h.events(); !slices.Equal(got, tc.want) {
				t.Errorf("events %v, want %v", got, tc.want)
			}
		})
	}
}

func TestWebhookFilters(t *testing.T) {
	h := newHookHarness(t)
	rc := h.receiver(nil)
	onlyTags := h.register(rc.url(), map[string]any{"events": []string{state.ContactTagUpdate}})
	onlyB := h.register(rc.url(), map[string]any{"locationId": locB})
	all := h.register(rc.url(), nil)
	h.do(http.MethodPost, "/contacts/"+ctAlice+"/tags", h.full, map[string]any{"tags": []string{"x"}}).must(t, 201)
	h.do(http.MethodPut, "/contacts/"+ctCarol, h.fullB, map[string]any{"city": "Oslo"}).must(t, 200)
	got := map[string][]string{}
	for _, d := range h.srv.WebhookDeliveries(WebhookDeliveryFilter{}) {
		got[d.RegistrationID] = append(got[d.RegistrationID], d.EventType+"@"+d.LocationID)
	}
	if fmt.Sprint(got[onlyTags]) != "[ContactTagUpdate@"+locA+"]" || fmt.Sprint(got[onlyB]) != "[ContactUpdate@"+locB+"]" ||
		fmt.Sprint(got[all]) != "[ContactUpdate@"+locB+" ContactTagUpdate@"+locA+"]" {
		t.Errorf("deliveries by registration %v", got)
	}
	if ds := h.srv.WebhookDeliveries(WebhookDeliveryFilter{RegistrationID: all, EventType: state.ContactUpdate, Limit: 5}); len(ds) != 1 || ds[0].ContactID != ctCarol {
		t.Errorf("filtered log %+v", ds)
	}
}

func TestWebhookRetry(t *testing.T) {
	h0 := func(n int) answer { return answer{status: 200} }
	seq := func(answers ...answer) func(int) answer {
		return func(n int) answer {
			if n <= len(answers) {
				return answers[n-1]
			}
			return answer{status: 200}
		}
	}
	always := func(a answer) func(int) answer { return func(int) answer { return a } }
	retryAfter := func(v string) answer { return answer{status: 429, header: map[string]string{"Retry-After": v}} }
	s, m := time.Second, time.Minute
	fast := WebhookFastRetry
	fastWith := func(change func(*WebhookRetry)) WebhookRetry { r := fast; change(&r); return r }
	cases := []struct {
		name    string
		retry   WebhookRetry
		respond func(int) answer
		dead    bool // the receiver's address refuses connections
		waits   []time.Duration
		spread  time.Duration // each wait may be this far from waits[i] (jitter)
		state   string
		status  []int
		errPart string
	}{
		// The default, the live sender's policy: only a 429 is retried, about every 10 minutes.
		{name: "live: 2xx at once", respond: h0, state: WebhookDelivered, status: []int{200}},
		{name: "live: 204 is delivered", respond: always(answer{status: 204}), state: WebhookDelivered, status: []int{204}},
		{name: "live: 429 retried after about 10 minutes", respond: seq(answer{status: 429}, answer{status: 429}),
			waits: []time.Duration{10 * m, 10 * m}, spread: m, state: WebhookDelivered, status: []int{429, 429, 200}},
		{name: "live: Retry-After is not what sets the wait", respond: seq(retryAfter("7")),
			waits: []time.Duration{10 * m}, spread: m, state: WebhookDelivered, status: []int{429, 200}},
		{name: "live: 429 until the attempts run out", respond: always(answer{status: 429}),
			waits: []time.Duration{10 * m, 10 * m, 10 * m, 10 * m, 10 * m}, spread: m, state: WebhookFailed,
			status: []int{429, 429, 429, 429, 429, 429}, errPart: "gave up after 6 attempts"},
		{name: "live: 5xx is not retried", respond: always(answer{status: 503}), state: WebhookFailed, status: []int{503}, errPart: "503 Service Unavailable (not retried)"},
		{name: "live: network errors are not retried", dead: true, state: WebhookFailed, status: []int{0}, errPart: "(not retried)"},
		{name: "live: 4xx is final", respond: always(answer{status: 400}), state: WebhookFailed, status: []int{400}, errPart: "400 Bad Request (not retried)"},
		{name: "live: redirects are not followed", respond: always(answer{status: 302, header: map[string]string{"Location": "/elsewhere"}}),
			state: WebhookFailed, status: []int{302}},
		// The former default, an opt-in that live does not do.
		{name: "fast: 429 with Retry-After seconds", retry: fast, respond: seq(retryAfter("7")), waits: []time.Duration{7 * s}, state: WebhookDelivered, status: []int{429, 200}},
		{name: "fast: 429 with Retry-After date", retry: fast, respond: seq(retryAfter(mustTime(testTime).Add(20 * s).Format(http.TimeFormat))),
			waits: []time.Duration{20 * s}, state: WebhookDelivered, status: []int{429, 200}},
		{name: "fast: 429 Retry-After capped at MaxDelay", retry: fast, respond: seq(retryAfter("3600")), waits: []time.Duration{30 * s}, state: WebhookDelivered, status: []int{429, 200}},
		{name: "fast: 429 without Retry-After backs off", retry: fast, respond: seq(answer{status: 429}, answer{status: 429}),
			waits: []time.Duration{s, 2 * s}, state: WebhookDelivered, status: []int{429, 429, 200}},
		{name: "fast: 5xx backs off to the cap, then gives up", retry: WebhookRetry{MaxAttempts: 6, BaseDelay: s, MaxDelay: 5 * s, RetryOn5xx: true},
			respond: always(answer{status: 503}), waits: []time.Duration{s, 2 * s, 4 * s, 5 * s, 5 * s}, state: WebhookFailed,
			status: []int{503, 503, 503, 503, 503, 503}, errPart: "gave up after 6 attempts: the receiver answered 503"},
		{name: "fast without 5xx: 5xx not retried", retry: fastWith(func(r *WebhookRetry) { r.RetryOn5xx = false }), respond: always(answer{status: 500}),
			state: WebhookFailed, status: []int{500}, errPart: "(not retried)"},
		{name: "fast without 5xx: 429 still retried", retry: fastWith(func(r *WebhookRetry) { r.RetryOn5xx, r.MaxAttempts = false, 3 }), respond: always(retryAfter("600")),
			waits: []time.Duration{30 * s, 30 * s}, state: WebhookFailed, status: []int{429, 429, 429}, errPart: "gave up after 3 attempts"},
		{name: "fast: network errors back off, then give up", retry: fast, dead: true, waits: []time.Duration{s, 2 * s, 4 * s, 8 * s}, state: WebhookFailed,
			status: []int{0, 0, 0, 0, 0}, errPart: "gave up after 5 attempts"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHookHarness(t, func(c *Config) { c.WebhookRetry = tc.retry })
			target := ""
			if tc.dead {
				gone := h.receiver(nil)
				target = gone.url()
				gone.srv.Close()
			} else {
				target = h.receiver(tc.respond).url()
			}
			h.register(target, nil)
			h.createContact(map[string]any{"firstName": "Retry"})
			h.drain()
			if got := h.sleeper.recorded(); !waitsWithin(got, tc.waits, tc.spread) {
				t.Errorf("waits %v, want %v (±%v)", got, tc.waits, tc.spread)
			}
			ds := h.srv.WebhookDeliveries(WebhookDeliveryFilter{})
			if len(ds) != 1 {
				t.Fatalf("%d deliveries", len(ds))
			}
			d := ds[0]
			if d.State != tc.state || !slices.Equal(d.Statuses, tc.status) || d.Attempts != len(tc.status) || !strings.Contains(d.LastError, tc.errPart) {
				t.Errorf("delivery: state %s statuses %v attempts %d lastError %q; want %s %v %q", d.State, d.Statuses, d.Attempts, d.LastError, tc.state, tc.status, tc.errPart)
			}
			for i, a := range d.History {
				if (a.RetryInMs != nil) != (i < len(tc.waits)) {
					t.Errorf("attempt %d: retryInMs %v", i+1, a.RetryInMs)
				}
				if tc.dead && a.Error == "" {
					t.Errorf("attempt %d of a dead receiver has no error", i+1)
				}
			}
			if len(d.History) > 1 && d.History[1].At <= d.History[0].At {
				t.Errorf("attempt times do not follow the (injected) waits: %+v", d.History)
			}
			regs := h.srv.WebhookRegistrations()
			if len(regs) != 1 {
				t.Fatalf("registrations %+v", regs)
			}
			st := regs[0].Stats
			if (tc.state == WebhookDelivered) != (st.Delivered == 1) || (tc.state == WebhookFailed) != (st.Failed == 1) || st.Pending != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// waitsWithin reports whether got has one wait per want, each within spread of it.
func waitsWithin(got, want []time.Duration, spread time.Duration) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if d := got[i] - want[i]; d < -spread || d > spread {
			return false
		}
	}
	return true
}

// TestWebhookAttemptHeaderCounts checks that retries resend the same bytes and signature.
func TestWebhookRetrySendsSameBytes(t *testing.T) {
	h := newHookHarness(t)
	rc := h.receiver(func(n int) answer {
		if n == 1 {
			return answer{status: 429}
		}
		return answer{status: 200}
	})
	h.register(rc.url(), nil)
	h.createContact(nil)
	first, second := rc.next(t), rc.next(t)
	if !bytes.Equal(first.Body, second.Body) || first.Header.Get("X-Ghl-Signature") != second.Header.Get("X-Ghl-Signature") ||
		first.Header.Get(WebhookDeliveryHeader) != second.Header.Get(WebhookDeliveryHeader) {
		t.Error("a retry differs from the first attempt")
	}
	if first.Header.Get(WebhookAttemptHeader) != "1" || second.Header.Get(WebhookAttemptHeader) != "2" {
		t.Errorf("attempt headers %q, %q", first.Header.Get(WebhookAttemptHeader), second.Header.Get(WebhookAttemptHeader))
	}
}

func TestWebhookGoneUnsubscribes(t *testing.T) {
	h := newHookHarness(t)
	rc := h.receiver(func(n int) answer { return answer{status: http.StatusGone, block: n == 1} })
	id := h.register(rc.url(), nil)
	h.createContact(map[string]any{"firstName": "One"})
	rc.next(t) // the first delivery is at the receiver, held
	h.createContact(map[string]any{"firstName": "Two"})
	h.createContact(map[string]any{"firstName": "Three"})
	rc.release()
	h.drain()
	if n := rc.count.Load(); n != 1 {
		t.Errorf("the receiver got %d requests, want 1", n)
	}
	if regs := h.do(http.MethodGet, "/__admin/webhooks", "", nil).must(t, 200).Body["webhooks"].([]any); len(regs) != 0 {
		t.Errorf("registrations after 410: %v", regs)
	}
	h.do(http.MethodDelete, "/__admin/webhooks/"+id, "", nil).must(t, http.StatusNotFound)
	var states []string
	for _, d := range slices.Backward(h.srv.WebhookDeliveries(WebhookDeliveryFilter{})) {
		states = append(states, d.State+": "+d.LastError)
	}
	want := []string{
		WebhookFailed + ": " + "the receiver answered 410 Gone: the registration was removed",
		WebhookDropped + ": " + "the receiver answered 410 Gone: the registration was removed",
		WebhookDropped + ": " + "the receiver answered 410 Gone: the registration was removed",
	}
	if !slices.Equal(states, want) {
		t.Errorf("deliveries %q, want %q", states, want)
	}
}

// TestWebhookSlowReceiver holds the receiver on its first request and keeps using the API: every
// request completes while the receiver is blocked, the queue stays at its bound, the oldest queued
// deliveries are dropped and counted, and once released the receiver gets the newest, in order.
func TestWebhookSlowReceiver(t *testing.T) {
	const queue = 3
	h := newHookHarness(t, func(c *Config) { c.WebhookQueueSize = queue })
	rc := h.receiver(func(n int) answer { return answer{status: 200, block: true} })
	id := h.register(rc.url(), nil)
	ids := []string{h.createContact(map[string]any{"firstName": "C0"})}
	rc.next(t) // C0's delivery is now in flight and held
	for i := 1; i <= 10; i++ {
		ids = append(ids, h.createContact(map[string]any{"firstName": fmt.Sprint("C", i)})) // completes although the receiver is stuck
	}
	reg := h.do(http.MethodGet, "/__admin/webhooks/"+id, "", nil).must(t, 200).obj("stats")
	if reg["pending"] != float64(queue+1) || reg["dropped"] != float64(10-queue) {
		t.Errorf("stats while blocked %v, want pending %d and dropped %d", reg, queue+1, 10-queue)
	}
	dropped := h.srv.WebhookDeliveries(WebhookDeliveryFilter{State: WebhookDropped})
	if len(dropped) != 10-queue {
		t.Fatalf("%d dropped deliveries in the log, want %d", len(dropped), 10-queue)
	}
	for i, d := range dropped { // newest first: C7 … C1 went, C8 … C10 stay queued
		if want := ids[len(dropped)-i]; d.ContactID != want || !strings.Contains(d.LastError, "queue was full") {
			t.Errorf("dropped %d: %s %q, want %s", i, d.ContactID, d.LastError, want)
		}
	}
	rc.release()
	h.drain()
	var got []string
	for _, k := range rc.rest() {
		got = append(got, k.decode(t)["id"].(string))
	}
	if want := ids[len(ids)-queue:]; !slices.Equal(got, want) {
		t.Errorf("after release the receiver got %v, want the newest %v", got, want)
	}
}

func TestWebhookLogIsBounded(t *testing.T) {
	h := newHookHarness(t, func(c *Config) { c.WebhookLogSize = 4 })
	h.register(h.receiver(nil).url(), nil)
	var last string
	for i := range 9 {
		last = h.createContact(map[string]any{"firstName": fmt.Sprint("L", i)})
	}
	h.drain()
	ds := h.srv.WebhookDeliveries(WebhookDeliveryFilter{})
	if len(ds) != 4 || ds[0].ContactID != last {
		t.Errorf("log holds %d entries, newest %s; want 4, newest %s", len(ds), ds[0].ContactID, last)
	}
	if st := h.srv.WebhookRegistrations()[0].Stats; st.Delivered != 9 {
		t.Errorf("stats %+v: counts must cover what the log forgot", st)
	}
	r := h.do(http.MethodGet, "/__admin/webhooks/deliveries?limit=2&state=delivered", "", nil).must(t, 200)
	if list := r.Body["deliveries"].([]any); len(list) != 2 {
		t.Errorf("limit=2 gave %d", len(list))
	}
	h.do(http.MethodGet, "/__admin/webhooks/deliveries?limit=zero", "", nil).must(t, 422)
}

func TestWebhookReplay(t *testing.T) {
	h := newHookHarness(t)
	rc := h.receiver(nil)
	reg := h.register(rc.url(), nil)
	h.createContact(map[string]any{"firstName": "Replay"})
	orig := rc.next(t)
	id := orig.Header.Get(WebhookDeliveryHeader)
	for _, path := range []string{"/__admin/webhooks/" + id + "/replay", "/__admin/webhooks/deliveries/" + id + "/replay"} {
		r := h.do(http.MethodPost, path, "", nil).must(t, http.StatusAccepted)
		if r.str("replayOf") != id || r.str("id") == id || r.str("state") != WebhookPending {
			t.Errorf("%s answered %s", path, r.Raw)
		}
		again := rc.next(t)
		if !bytes.Equal(again.Body, orig.Body) || again.Header.Get("X-Ghl-Signature") != orig.Header.Get("X-Ghl-Signature") {
			t.Errorf("%s: the replay differs: %s vs %s", path, again.Body, orig.Body)
		}
		if again.Header.Get(WebhookDeliveryHeader) != r.str("id") {
			t.Errorf("%s: delivery header %q, want the replay's id", path, again.Header.Get(WebhookDeliveryHeader))
		}
	}
	h.drain()
	ds := h.srv.WebhookDeliveries(WebhookDeliveryFilter{})
	if len(ds) != 3 || ds[0].WebhookID != ds[2].WebhookID || ds[0].ReplayOf != id || ds[0].State != WebhookDelivered {
		t.Errorf("log after replays %+v", ds)
	}
	got := h.do(http.MethodGet, "/__admin/webhooks/deliveries/"+id, "", nil).must(t, 200)
	if got.str("webhookId") != ds[2].WebhookID || got.obj("payload")["firstName"] != "Replay" {
		t.Errorf("one delivery: %s", got.Raw)
	}
	h.do(http.MethodPost, "/__admin/webhooks/nope/replay", "", nil).must(t, http.StatusNotFound)
	h.do(http.MethodGet, "/__admin/webhooks/deliveries/nope", "", nil).must(t, http.StatusNotFound)
	h.do(http.MethodPost, "/__admin/webhooks/"+id+"/replay", "", nil).must(t, http.StatusServiceUnavailable) // closed by drain
	if len(h.srv.WebhookDeliveries(WebhookDeliveryFilter{RegistrationID: reg})) != 3 {
		t.Error("a refused replay was logged")
	}
}

func TestWebhookReplayAfterUnregister(t *testing.T) {
	h := newHookHarness(t)
	rc := h.receiver(nil)
	reg := h.register(rc.url(), nil)
	h.createContact(nil)
	id := rc.next(t).Header.Get(WebhookDeliveryHeader)
	h.do(http.MethodDelete, "/__admin/webhooks/"+reg, "", nil).must(t, 200)
	r := h.do(http.MethodPost, "/__admin/webhooks/"+id+"/replay", "", nil).must(t, http.StatusNotFound)
	if !strings.Contains(fmt.Sprint(r.Body["message"]), "no longer registered") {
		t.Errorf("message %s", r.Raw)
	}
}

func TestWebhookAdminRegistration(t *testing.T) {
	h := newHookHarness(t)
	for _, tc := range []struct {
		name string
		body string
		want string
	}{
		{"no url", `{}`, "url must be a URL address"},
		{"relative url", `{"url":"/hooks"}`, "url must be a URL address"},
		{"ftp url", `{"url":"ftp://example.com/x"}`, "url must be a URL address"},
		{"unknown event", `{"url":"http://example.com","events":["ContactCreate","CampaignStatusUpdate"]}`, "each value in events must be one of the following values: ContactCreate"},
		{"empty events", `{"url":"http://example.com","events":[]}`, "events should not be empty"},
		{"unknown property", `{"url":"http://example.com","secret":"x"}`, "property secret should not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(http.MethodPost, "/__admin/webhooks", "", tc.body).must(t, http.StatusUnprocessableEntity)
			if !strings.Contains(string(r.Raw), tc.want) {
				t.Errorf("body %s does not say %q", r.Raw, tc.want)
			}
		})
	}
	r := h.do(http.MethodPost, "/__admin/webhooks", "", map[string]any{
		"url": "https://example.com/hooks", "events": []string{"TaskCreate", "ContactCreate"}, "locationId": locA,
	}).must(t, http.StatusCreated)
	id := r.str("id")
	if len(id) != 20 || r.str("url") != "https://example.com/hooks" || fmt.Sprint(r.Body["events"]) != "[ContactCreate TaskCreate]" || r.str("locationId") != locA {
		t.Errorf("created %s", r.Raw)
	}
	all := h.do(http.MethodPost, "/__admin/webhooks", "", map[string]any{"url": "http://127.0.0.1:1/x"}).must(t, http.StatusCreated)
	if fmt.Sprint(all.Body["events"]) != fmt.Sprint(state.EventTypes) || all.Body["locationId"] != nil {
		t.Errorf("registration without events or location: %s", all.Raw)
	}
	list := h.do(http.MethodGet, "/__admin/webhooks", "", nil).must(t, 200).Body["webhooks"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["id"] != id {
		t.Errorf("list %v", list)
	}
	h.do(http.MethodGet, "/__admin/webhooks/"+id, "", nil).must(t, 200)
	h.do(http.MethodDelete, "/__admin/webhooks/"+id, "", nil).must(t, 200)
	h.do(http.MethodDelete, "/__admin/webhooks/"+id, "", nil).must(t, http.StatusNotFound)
	h.do(http.MethodGet, "/__admin/webhooks/"+id, "", nil).must(t, http.StatusNotFound)
	if _, err := h.srv.RegisterWebhook("nope", nil, ""); err == nil {
		t.Error("RegisterWebhook accepted a bad URL")
	}
}

func TestWebhookKeys(t *testing.T) {
	seed := bytes.Repeat([]byte{3}, ed25519.SeedSize)
	key := ed25519.NewKeyFromSeed(seed)
	h := newHookHarness(t, func(c *Config) { c.WebhookKey = key })
	pub := h.publicKey()
	if !pub.Equal(key.Public()) || !h.srv.WebhookPublicKey().Equal(pub) {
		t.Fatal("the served public key is not Config.WebhookKey's")
	}
	r := h.doHeaders(http.MethodGet, "/__admin/webhooks/public-key", "", nil, map[string]string{"Accept": "application/json"}).must(t, 200)
	spki, _ := base64.StdEncoding.DecodeString(r.str("spki"))
	raw, _ := base64.StdEncoding.DecodeString(r.str("raw"))
	if r.str("algorithm") != "Ed25519" || !bytes.Equal(raw, pub) || len(spki) != 44 || !strings.HasPrefix(r.str("pem"), "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("JSON key %s", r.Raw)
	}
	rc := h.receiver(nil)
	h.register(rc.url(), nil)
	h.createContact(nil)
	rc.next(t).verify(t, pub)

	pemKey, err := MarshalWebhookKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, pemKey, 0o600); err != nil {
		t.Fatal(err)
	}
	back, err := ReadWebhookKeyFile(path)
	if err != nil || !back.Equal(key) {
		t.Fatalf("key file round trip: %v", err)
	}
	for name, bad := range map[string]string{
		"not PEM":    "hello",
		"public key": string(webhooks.PublicKeyPEM(pub)),
		"garbage":    "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
	} {
		if _, err := ParseWebhookKey([]byte(bad)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	if _, err := ReadWebhookKeyFile(filepath.Join(t.TempDir(), "missing.pem")); err == nil {
		t.Error("a missing file parsed")
	}
	if _, err := New(Config{WebhookKey: key[:10]}); err == nil {
		t.Error("New accepted a short key")
	}
}

func TestWebhookURLsFromConfig(t *testing.T) {
	if _, err := New(Config{WebhookURLs: []string{"localhost:8080/hooks"}}); err == nil || !strings.Contains(err.Error(), "localhost:8080/hooks") {
		t.Errorf("New with a bad webhook URL: %v", err)
	}
	rc := startReceiver(nil)
	t.Cleanup(rc.srv.Close)
	srv, err := New(Config{Initial: testDoc(), WebhookURLs: []string{rc.url()}, WebhookSleep: (&hookSleeper{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	regs := srv.WebhookRegistrations()
	if len(regs) != 1 || regs[0].URL != rc.url() || len(regs[0].Events) != len(state.EventTypes) || regs[0].LocationID != "" {
		t.Fatalf("registrations at start %+v", regs)
	}
	if _, err := srv.Store().AddTags(context.Background(), locA, ctAlice, []string{"from-config"}); err != nil {
		t.Fatal(err)
	}
	if m := rc.next(t).decode(t); m["type"] != state.ContactTagUpdate {
		t.Errorf("got %v", m)
	}
	if err := srv.Close(context.Background()); err != nil {
		t.Error(err)
	}
	assertNoDeliveryGoroutines(t)
}

// TestWebhookCloseAbandons closes with a receiver that never answers: Close gives up at the
// deadline, drops what is left and stops every goroutine.
func TestWebhookCloseAbandons(t *testing.T) {
	h := newHookHarness(t)
	rc := h.receiver(func(int) answer { return answer{status: 200, block: true} })
	h.register(rc.url(), nil)
	h.createContact(map[string]any{"firstName": "A"})
	rc.next(t)
	h.createContact(map[string]any{"firstName": "B"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the deadline has passed already
	err := h.srv.Close(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Close: %v, want the context's error", err)
	}
	assertNoDeliveryGoroutines(t)
	for _, d := range h.srv.WebhookDeliveries(WebhookDeliveryFilter{}) {
		if d.State != WebhookDropped || d.LastError != "mockserver: closed" {
			t.Errorf("after Close: %s %q", d.State, d.LastError)
		}
	}
	// The API still works; nothing more is queued.
	h.createContact(map[string]any{"firstName": "C"})
	if n := len(h.srv.WebhookDeliveries(WebhookDeliveryFilter{})); n != 2 {
		t.Errorf("%d deliveries after Close, want 2", n)
	}
	h.do(http.MethodPost, "/__admin/webhooks", "", map[string]any{"url": rc.url()}).must(t, http.StatusServiceUnavailable)
}

// TestWebhookStrictModeValidatesPayloads serves a document whose contact webhook schema requires a
// field the mock does not send: in strict mode every such delivery is a violation.
func TestWebhookStrictModeValidatesPayloads(t *testing.T) {
	sp, err := spec.Load(spec.Embedded()) // a private copy, so changing it affects no other test
	if err != nil {
		t.Fatal(err)
	}
	contact := sp.WebhookSchema(state.ContactTagUpdate)
	contact.Required = append(contact.Required, "gender")
	srv, err := New(Config{Spec: sp, Initial: testDoc(), StrictResponses: true, WebhookSleep: (&hookSleeper{}).sleep})
	if err != nil {
		t.Fatal(err)
	}
	rc := startReceiver(nil)
	t.Cleanup(rc.srv.Close)
	if _, err := srv.RegisterWebhook(rc.url(), nil, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Store().AddTags(context.Background(), locA, ctAlice, []string{"x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Store().CreateNote(context.Background(), locA, ctAlice, state.NoteInput{Body: state.Of("n")}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	vs := srv.Violations()
	var we *spec.WebhookError
	if len(vs) != 1 || !errors.As(vs[0], &we) || we.Event != state.ContactTagUpdate || !strings.Contains(vs[0].Error(), "/gender") {
		t.Errorf("violations %v, want one ContactTagUpdate missing gender", vs)
	}
}

// TestWebhookEventsDeclared keeps the store's events and the document's x-webhooks in step.
func TestWebhookEventsDeclared(t *testing.T) {
	declared := spec.MustDefault().Webhooks()
	emitted := slices.Sorted(slices.Values(state.EventTypes))
	if !slices.Equal(declared, emitted) {
		t.Errorf("the document declares %v, the store emits %v", declared, emitted)
	}
}

// TestWebhookLiveRetryRunsOnTheMockClock: with the default policy and no injected sleeper, a 429
// is retried only once the mock's clock has moved about 10 minutes (POST /__admin/clock advances
// through the wait), and a 5xx is not retried at all, as live.
func TestWebhookLiveRetryRunsOnTheMockClock(t *testing.T) {
	h := newHookHarness(t, func(c *Config) { c.WebhookSleep = nil; c.WebhookSeed = 3 })
	limited := h.receiver(func(n int) answer {
		if n == 1 {
			return answer{status: http.StatusTooManyRequests}
		}
		return answer{status: http.StatusOK}
	})
	broken := h.receiver(func(int) answer { return answer{status: http.StatusInternalServerError} })
	h.register(limited.url(), nil)
	h.register(broken.url(), nil)
	h.createContact(map[string]any{"firstName": "Later"})
	limited.next(t)
	broken.next(t)
	byURL := func(u string) WebhookDelivery {
		for _, d := range h.srv.WebhookDeliveries(WebhookDeliveryFilter{}) {
			if d.URL == u {
				return d
			}
		}
		t.Fatalf("no delivery to %s", u)
		return WebhookDelivery{}
	}
	var wait float64
	waitFor(t, func() bool {
		d := byURL(limited.url())
		if len(d.History) == 1 && d.History[0].RetryInMs != nil {
			wait = *d.History[0].RetryInMs
			return true
		}
		return false
	})
	if wait < float64(9*time.Minute/time.Millisecond) || wait > float64(11*time.Minute/time.Millisecond) {
		t.Errorf("the retry after a 429 waits %v ms, want about 10 minutes", wait)
	}
	waitFor(t, func() bool { return byURL(broken.url()).State == WebhookFailed })
	if d := byURL(broken.url()); d.Attempts != 1 || !strings.Contains(d.LastError, "(not retried)") {
		t.Errorf("a 500 was retried: %+v", d)
	}
	if d := byURL(limited.url()); d.State != WebhookPending || d.Attempts != 1 {
		t.Fatalf("before the clock moved: %s after %d attempts", d.State, d.Attempts)
	}
	h.do(http.MethodPost, "/__admin/clock", "", map[string]any{"advance": "11m"}).must(t, http.StatusOK)
	limited.next(t)
	waitFor(t, func() bool { return byURL(limited.url()).State == WebhookDelivered })
	d := byURL(limited.url())
	if len(d.History) != 2 || d.History[1].At.Time().Sub(d.History[0].At.Time()) < 9*time.Minute {
		t.Errorf("the second attempt is not about 10 minutes later on the mock's clock: %+v", d.History)
	}
}
