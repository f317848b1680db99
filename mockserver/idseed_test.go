package mockserver

import (
	"net/http"
	"slices"
	"testing"
)

// createdIDs sends one of each request that creates something with a drawn id and returns the
// ids, in order.
func createdIDs(t *testing.T, h *harness) []string {
	t.Helper()
	contact := h.do(http.MethodPost, "/contacts/", h.full, map[string]any{"locationId": locA, "firstName": "Seeded"}).must(t, http.StatusCreated)
	id := contact.obj("contact")["id"].(string)
	task := h.do(http.MethodPost, "/contacts/"+id+"/tasks", h.full, map[string]any{"title": "T", "dueDate": "2026-04-01T10:00:00Z", "completed": false}).must(t, http.StatusCreated)
	note := h.do(http.MethodPost, "/contacts/"+id+"/notes", h.full, map[string]any{"body": "N"}).must(t, http.StatusCreated)
	loc := h.admin(http.MethodPost, "/__admin/locations", "application/json", []byte(`{"name":"Seeded Gym"}`)).must(t, http.StatusCreated)
	appt := h.admin(http.MethodPost, "/__admin/appointments", "application/json",
		[]byte(`{"locationId":"`+locA+`","contactId":"`+id+`","startTime":"2026-03-10T09:00:00Z","endTime":"2026-03-10T10:00:00Z"}`)).must(t, http.StatusCreated)
	biz := h.admin(http.MethodPost, "/__admin/businesses", "application/json", []byte(`{"locationId":"`+locA+`","name":"Seeded Ltd"}`)).must(t, http.StatusCreated)
	return []string{id, task.obj("task")["id"].(string), note.obj("note")["id"].(string), loc.str("id"), appt.str("id"), biz.str("id")}
}

// TestIDSeedReplaysIDs: with Config.IDSeed the same requests get the same ids in another mock and
// after a reset; another seed, or none, gives other ids.
func TestIDSeedReplaysIDs(t *testing.T) {
	seeded := func(seed int64) func(*Config) { return func(c *Config) { c.IDSeed = seed } }
	h1 := newHarness(t, seeded(11))
	first := createdIDs(t, h1)
	for i, id := range first {
		if id == "" {
			t.Fatalf("request %d of the sequence gave no id: %v", i, first)
		}
	}
	if again := createdIDs(t, newHarness(t, seeded(11))); !slices.Equal(again, first) {
		t.Errorf("another mock with the same seed gave %v, want %v", again, first)
	}
	h1.admin(http.MethodPost, "/__admin/reset", "", nil).must(t, http.StatusOK)
	if afterReset := createdIDs(t, h1); !slices.Equal(afterReset, first) {
		t.Errorf("after a reset the same requests gave %v, want %v", afterReset, first)
	}
	other := createdIDs(t, newHarness(t, seeded(12)))
	random1, random2 := createdIDs(t, newHarness(t)), createdIDs(t, newHarness(t))
	for i := range first {
		if other[i] == first[i] || random1[i] == random2[i] {
			t.Errorf("id %d: seed 11 %s, seed 12 %s; unseeded %s and %s: want them to differ", i, first[i], other[i], random1[i], random2[i])
		}
	}
}

// TestIDSeedSkipsIDsInTheState: a seeded sequence that reaches an id the state holds already (a
// state saved by an earlier run with the same seed) draws past it: no two contacts, and no two
// tasks or notes of a contact, share an id.
func TestIDSeedSkipsIDsInTheState(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.IDSeed = 5 })
	contact := h.do(http.MethodPost, "/contacts/", h.full, map[string]any{"locationId": locA, "firstName": "One"}).must(t, http.StatusCreated)
	firstContact := contact.obj("contact")["id"].(string)
	task := h.do(http.MethodPost, "/contacts/"+ctBob+"/tasks", h.full, map[string]any{"title": "T", "dueDate": "2026-04-01T10:00:00Z", "completed": false}).must(t, http.StatusCreated)
	firstTask := task.obj("task")["id"].(string)
	// The state as it is now becomes the state at start of mocks with the same seed, whose first
	// draw is the first contact's id and whose second is the task's.
	state := snapshot(t, h.srv)
	h2 := newHarness(t, func(c *Config) { c.IDSeed = 5; c.Initial = state })
	again := h2.do(http.MethodPost, "/contacts/", h2.full, map[string]any{"locationId": locA, "firstName": "Two"}).must(t, http.StatusCreated)
	if id := again.obj("contact")["id"].(string); id == firstContact {
		t.Errorf("the seeded sequence gave contact id %s twice", id)
	}
	h3 := newHarness(t, func(c *Config) { c.IDSeed = 5; c.Initial = state })
	var ids []string
	for range 2 {
		r := h3.do(http.MethodPost, "/contacts/"+ctBob+"/tasks", h3.full, map[string]any{"title": "T", "dueDate": "2026-04-01T10:00:00Z", "completed": false}).must(t, http.StatusCreated)
		ids = append(ids, r.obj("task")["id"].(string))
	}
	if slices.Contains(ids, firstTask) {
		t.Errorf("the seeded sequence gave %s's task id %s twice (drawn %v)", ctBob, firstTask, ids)
	}
	if ids[0] != firstContact {
		t.Errorf("the sequence's first draw was %s in one mock and %s in the other", firstContact, ids[0])
	}
}
