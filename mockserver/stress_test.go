package mockserver

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/contactsmock/contactsmock/spec"
)

// TestStress: many goroutines issue a seeded random mix of every location operation against
// shared contacts (run it with -race) while others page through GET /contacts/ and search; then
// the state must add up. Each worker only adds and removes its own tags, followers, tasks and
// notes, and only replaces fields (tags included) or deletes contacts of its own, so what the end
// state must hold is known exactly.
func TestStress(t *testing.T) {
	const seed = 20261128
	workers, perWorker := 8, 120
	if testing.Short() {
		workers, perWorker = 4, 15
	}
	h := newHarness(t, func(c *Config) {
		c.RateLimits = RateLimits{Off: true}
		c.StrictResponses = false // throughput; answers are checked against the document elsewhere
	})
	st := newStress(t, h, seed)
	st.setup(12)

	ops := locationOperations(h.srv.Spec())
	var wg sync.WaitGroup
	done := make(chan struct{})
	var pagers sync.WaitGroup
	for _, walk := range []func() walkResult{st.walkList, st.walkSearch} {
		pagers.Add(1)
		go func() {
			defer pagers.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				st.checkWalk(walk())
			}
		}()
	}
	workerStates := make([]*stressWorker, workers)
	for w := range workers {
		sw := st.worker(w)
		workerStates[w] = sw
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every operation once, shuffled, then a random mix.
			plan := slices.Clone(ops)
			sw.rng.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
			for len(plan) < perWorker {
				plan = append(plan, ops[sw.rng.IntN(len(ops))])
			}
			for _, op := range plan {
				sw.do(op)
			}
		}()
	}
	wg.Wait()
	close(done)
	pagers.Wait()
	st.checkEnd(workerStates)
	t.Logf("stress: seed %d, %d workers × %d operations, %d list walks and %d search walks under way meanwhile",
		seed, workers, max(perWorker, len(ops)), st.walks[0].Load(), st.walks[1].Load())
}

// locationOperations are the operations of the document a location token calls.
func locationOperations(sp *spec.Spec) []string {
	var out []string
	for _, op := range sp.Operations {
		if !op.Public() && op.UserType == UserTypeLocation {
			out = append(out, op.ID)
		}
	}
	return out
}

// stress is the shared side of the stress test.
type stress struct {
	t    *testing.T
	h    *harness
	seed uint64
	// shared are contacts every worker works on; none is ever deleted.
	shared []string
	// tick orders events across goroutines: creations, deletions and walks.
	tick atomic.Int64

	mu sync.Mutex // guards lifetimes
	// lifetimes of the contacts the workers create: created (when the creation was answered) and
	// deleted (when the deletion was sent; 0 while alive).
	lifetimes map[string]*lifetime

	walks [2]atomic.Int64
}

type lifetime struct{ created, deleted int64 }

func newStress(t *testing.T, h *harness, seed uint64) *stress {
	return &stress{t: t, h: h, seed: seed, lifetimes: map[string]*lifetime{}}
}

// setup creates the shared contacts (Alice and Bob are shared too).
func (st *stress) setup(n int) {
	st.shared = []string{ctAlice, ctBob}
	for i := range n {
		r := st.h.do("POST", "/contacts/", st.h.full, map[string]any{"locationId": locA, "firstName": "Shared",
			"lastName": fmt.Sprint(i), "email": fmt.Sprintf("shared%d@stress.test", i), "tags": []string{"shared"}}).must(st.t, 201)
		st.shared = append(st.shared, r.obj("contact")["id"].(string))
	}
}

// stressWorker is one goroutine's side: its random source and what it did.
type stressWorker struct {
	st  *stress
	id  int
	rng *rand.Rand
	n   int // operations done, for unique names
	// own contacts, alive.
	own []string
	// tags and followers this worker added to contacts and has not removed since.
	tags, followers map[string]map[string]bool
	// tasks and notes this worker created and has not deleted, by id: their contact.
	tasks, notes map[string]string
	errors       []string
}

func (st *stress) worker(w int) *stressWorker {
	return &stressWorker{st: st, id: w, rng: rand.New(rand.NewPCG(st.seed, uint64(w))),
		tags: map[string]map[string]bool{}, followers: map[string]map[string]bool{},
		tasks: map[string]string{}, notes: map[string]string{}}
}

func (w *stressWorker) name(kind string) string {
	w.n++
	return fmt.Sprintf("w%d-%s%d", w.id, kind, w.n)
}

func (w *stressWorker) pick(list []string) string { return list[w.rng.IntN(len(list))] }

// send does a request that must succeed with want; it records a failure otherwise.
func (w *stressWorker) send(op, method, path string, body any, want int) result {
	r := w.st.h.doNoFatal(method, path, w.st.h.full, body)
	if r.Status != want {
		w.errors = append(w.errors, fmt.Sprintf("%s %s %s: %d, want %d: %.200s", op, method, path, r.Status, want, r.Raw))
	}
	return r
}

// ownContact returns one of the worker's contacts, creating one when it has none.
func (w *stressWorker) ownContact() string {
	if len(w.own) == 0 {
		w.do("create-contact")
	}
	if len(w.own) == 0 {
		return ""
	}
	return w.pick(w.own)
}

func (w *stressWorker) addMark(m map[string]map[string]bool, contact, v string) {
	if m[contact] == nil {
		m[contact] = map[string]bool{}
	}
	m[contact][v] = true
}

// someMark returns a contact and one of the marks (tags or followers) the worker put on it.
func (w *stressWorker) someMark(m map[string]map[string]bool) (string, string, bool) {
	var keys []string
	for c, set := range m {
		if len(set) > 0 {
			keys = append(keys, c)
		}
	}
	if len(keys) == 0 {
		return "", "", false
	}
	sort.Strings(keys)
	c := w.pick(keys)
	var vals []string
	for v := range m[c] {
		vals = append(vals, v)
	}
	sort.Strings(vals)
	return c, w.pick(vals), true
}

func someKey(rng *rand.Rand, m map[string]string) (string, string, bool) {
	if len(m) == 0 {
		return "", "", false
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	k := keys[rng.IntN(len(keys))]
	return k, m[k], true
}

// do performs one operation of the document.
func (w *stressWorker) do(op string) {
	st := w.st
	shared := w.pick(st.shared)
	switch op {
	case "create-contact":
		name := w.name("c")
		r := w.send(op, "POST", "/contacts/", map[string]any{"locationId": locA, "firstName": name, "email": name + "@stress.test", "tags": []string{name}}, 201)
		if id, ok := r.obj("contact")["id"].(string); ok {
			st.born(id)
			w.own = append(w.own, id)
		}
	case "upsert-contact":
		if len(w.own) > 0 && w.rng.IntN(2) == 0 {
			id := w.pick(w.own)
			r := w.send(op, "GET", "/contacts/"+id, nil, 200)
			email, _ := r.obj("contact")["email"].(string)
			u := w.send(op, "POST", "/contacts/upsert", map[string]any{"locationId": locA, "email": email, "city": w.name("city")}, 200)
			if u.Body["new"] != false || u.obj("contact")["id"] != id {
				w.errors = append(w.errors, fmt.Sprintf("upsert of own contact %s by email %s: %.200s", id, email, u.Raw))
			}
			return
		}
		name := w.name("u")
		r := w.send(op, "POST", "/contacts/upsert", map[string]any{"locationId": locA, "email": name + "@stress.test"}, 200)
		if id, ok := r.obj("contact")["id"].(string); ok {
			st.born(id)
			w.own = append(w.own, id)
		}
	case "update-contact":
		if w.rng.IntN(2) == 0 {
			// A shared contact: never its tags, which other workers are changing.
			w.send(op, "PUT", "/contacts/"+shared, map[string]any{"city": w.name("city")}, 200)
			return
		}
		if id := w.ownContact(); id != "" {
			w.send(op, "PUT", "/contacts/"+id, map[string]any{"lastName": w.name("l"), "tags": []string{w.name("t")}}, 200)
		}
	case "delete-contact":
		if len(w.own) == 0 {
			return
		}
		i := w.rng.IntN(len(w.own))
		id := w.own[i]
		w.own = slices.Delete(w.own, i, i+1)
		st.dying(id)
		w.send(op, "DELETE", "/contacts/"+id, nil, 200)
		for task, c := range w.tasks {
			if c == id {
				delete(w.tasks, task)
			}
		}
		for note, c := range w.notes {
			if c == id {
				delete(w.notes, note)
			}
		}
	case "get-contact":
		w.send(op, "GET", "/contacts/"+shared, nil, 200)
	case "get-contacts":
		w.send(op, "GET", "/contacts/?locationId="+locA+"&limit=5", nil, 200)
	case "search-contacts-advanced":
		w.send(op, "POST", "/contacts/search", map[string]any{"locationId": locA, "pageLimit": 5,
			"filters": []any{map[string]any{"field": "tags", "operator": "eq", "value": "shared"}}}, 200)
		// Unfiltered and sorted by one field: made from (and kept in step with) a sort index.
		w.send(op, "POST", "/contacts/search", map[string]any{"locationId": locA, "pageLimit": 5,
			"sort": []any{map[string]any{"field": []string{"firstName", "dateUpdated", "email"}[w.rng.IntN(3)], "direction": "desc"}}}, 200)
	case "get-duplicate-contact":
		r := w.send(op, "GET", "/contacts/search/duplicate?locationId="+locA+"&email=shared0%40stress.test", nil, 200)
		if got := r.obj("contact")["id"]; r.Status == 200 && got != st.shared[2] {
			w.errors = append(w.errors, fmt.Sprintf("duplicate lookup found %v, want %s", got, st.shared[2]))
		}
	case "get-contacts-by-businessId":
		w.send(op, "GET", "/contacts/business/"+bizA+"?locationId="+locA, nil, 200)
	case "get-all-tasks":
		w.send(op, "GET", "/contacts/"+shared+"/tasks", nil, 200)
	case "create-task":
		contact := shared
		if w.rng.IntN(3) == 0 {
			contact = w.ownContact()
		}
		r := w.send(op, "POST", "/contacts/"+contact+"/tasks", map[string]any{"title": w.name("task"), "dueDate": "2026-04-01T10:00:00Z", "completed": false}, 201)
		if id, ok := r.obj("task")["id"].(string); ok {
			w.tasks[id] = contact
		}
	case "get-task", "update-task", "update-task-completed", "delete-task":
		task, contact, ok := someKey(w.rng, w.tasks)
		if !ok {
			return
		}
		path := "/contacts/" + contact + "/tasks/" + task
		switch op {
		case "get-task":
			w.send(op, "GET", path, nil, 200)
		case "update-task":
			w.send(op, "PUT", path, map[string]any{"body": w.name("b")}, 200)
		case "update-task-completed":
			w.send(op, "PUT", path+"/completed", map[string]any{"completed": true}, 200)
		default:
			w.send(op, "DELETE", path, nil, 200)
			delete(w.tasks, task)
		}
	case "get-all-notes":
		w.send(op, "GET", "/contacts/"+shared+"/notes", nil, 200)
	case "create-note":
		contact := shared
		if w.rng.IntN(3) == 0 {
			contact = w.ownContact()
		}
		r := w.send(op, "POST", "/contacts/"+contact+"/notes", map[string]any{"body": w.name("note")}, 201)
		if id, ok := r.obj("note")["id"].(string); ok {
			w.notes[id] = contact
		}
	case "get-note", "update-note", "delete-note":
		note, contact, ok := someKey(w.rng, w.notes)
		if !ok {
			return
		}
		path := "/contacts/" + contact + "/notes/" + note
		switch op {
		case "get-note":
			w.send(op, "GET", path, nil, 200)
		case "update-note":
			w.send(op, "PUT", path, map[string]any{"body": w.name("nb")}, 200)
		default:
			w.send(op, "DELETE", path, nil, 200)
			delete(w.notes, note)
		}
	case "get-appointments-for-contact":
		w.send(op, "GET", "/contacts/"+ctAlice+"/appointments", nil, 200)
	case "add-tags":
		tag := w.name("tag")
		w.send(op, "POST", "/contacts/"+shared+"/tags", map[string]any{"tags": []string{tag}}, 201)
		w.addMark(w.tags, shared, tag)
	case "remove-tags":
		if c, tag, ok := w.someMark(w.tags); ok {
			w.send(op, "DELETE", "/contacts/"+c+"/tags", map[string]any{"tags": []string{tag}}, 200)
			delete(w.tags[c], tag)
		}
	case "create-association":
		a, b := w.pick(st.shared), w.pick(st.shared)
		if c, tag, ok := w.someMark(w.tags); ok && w.rng.IntN(2) == 0 {
			w.send(op, "POST", "/contacts/bulk/tags/update/remove", map[string]any{"locationId": locA, "contacts": []string{c}, "tags": []string{tag}}, 201)
			delete(w.tags[c], tag)
			return
		}
		tag := w.name("bulk")
		w.send(op, "POST", "/contacts/bulk/tags/update/add", map[string]any{"locationId": locA, "contacts": []string{a, b}, "tags": []string{tag}}, 201)
		w.addMark(w.tags, a, tag)
		w.addMark(w.tags, b, tag)
	case "add-followers-contact":
		f := w.name("f")
		w.send(op, "POST", "/contacts/"+shared+"/followers", map[string]any{"followers": []string{f}}, 201)
		w.addMark(w.followers, shared, f)
	case "remove-followers-contact":
		if c, f, ok := w.someMark(w.followers); ok {
			w.send(op, "DELETE", "/contacts/"+c+"/followers", map[string]any{"followers": []string{f}}, 200)
			delete(w.followers[c], f)
		}
	case "add-contact-to-campaign":
		w.send(op, "POST", "/contacts/"+shared+"/campaigns/"+fmt.Sprintf("CampW%015d", w.id), map[string]any{}, 201)
	case "remove-contact-from-campaign":
		w.send(op, "DELETE", "/contacts/"+shared+"/campaigns/"+fmt.Sprintf("CampW%015d", w.id), nil, 200)
	case "remove-contact-from-every-campaign":
		if id := w.ownContact(); id != "" {
			w.send(op, "DELETE", "/contacts/"+id+"/campaigns/removeAll", nil, 200)
		}
	case "add-contact-to-workflow":
		w.send(op, "POST", "/contacts/"+shared+"/workflow/"+fmt.Sprintf("FlowW%015d", w.id), map[string]any{}, 200)
	case "delete-contact-from-workflow":
		w.send(op, "DELETE", "/contacts/"+shared+"/workflow/"+fmt.Sprintf("FlowW%015d", w.id), map[string]any{}, 200)
	case "add-remove-contact-from-business":
		if id := w.ownContact(); id != "" {
			w.send(op, "POST", "/contacts/bulk/business", map[string]any{"locationId": locA, "ids": []string{id}, "businessId": bizA}, 200)
		}
	default:
		w.errors = append(w.errors, "the stress test does not know operation "+op+": add it")
	}
}

// born records that a contact's creation was answered; dying that its deletion is about to be sent.
func (st *stress) born(id string) {
	now := st.tick.Add(1)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.lifetimes[id] = &lifetime{created: now}
}

func (st *stress) dying(id string) {
	now := st.tick.Add(1)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.lifetimes[id].deleted = now
}

// walkResult is one walk through every page: the ids in the order they came, and when it ran.
type walkResult struct {
	kind       string
	ids        []string
	start, end int64
	err        string
}

// walkList pages through GET /contacts/ with its cursor.
func (st *stress) walkList() walkResult {
	res := walkResult{kind: "list", start: st.tick.Add(1)}
	st.walks[0].Add(1)
	q := "/contacts/?locationId=" + locA + "&limit=7"
	for range 1000 {
		r := st.h.doNoFatal("GET", q, st.h.ro, nil)
		if r.Status != 200 {
			res.err = fmt.Sprintf("list page: %d %.200s", r.Status, r.Raw)
			return res
		}
		res.ids = append(res.ids, contactIDs(r.Body["contacts"])...)
		meta := r.obj("meta")
		if meta["nextPage"] == nil {
			res.end = st.tick.Add(1)
			return res
		}
		q = fmt.Sprintf("/contacts/?locationId=%s&limit=7&startAfter=%.0f&startAfterId=%s", locA, meta["startAfter"], meta["startAfterId"])
	}
	res.err = "the list walk did not end"
	return res
}

// walkSearch pages through search with searchAfter.
func (st *stress) walkSearch() walkResult {
	res := walkResult{kind: "search", start: st.tick.Add(1)}
	st.walks[1].Add(1)
	body := map[string]any{"locationId": locA, "pageLimit": 7}
	for range 1000 {
		r := st.h.doNoFatal("POST", "/contacts/search", st.h.ro, body)
		if r.Status != 200 {
			res.err = fmt.Sprintf("search page: %d %.200s", r.Status, r.Raw)
			return res
		}
		hits, _ := r.Body["contacts"].([]any)
		res.ids = append(res.ids, contactIDs(hits)...)
		if len(hits) < 7 {
			res.end = st.tick.Add(1)
			return res
		}
		last := hits[len(hits)-1].(map[string]any)["searchAfter"]
		body = map[string]any{"locationId": locA, "pageLimit": 7, "searchAfter": last}
	}
	res.err = "the search walk did not end"
	return res
}

// checkWalk: no contact twice, and every contact that existed throughout the walk is in it.
func (st *stress) checkWalk(w walkResult) {
	if w.err != "" {
		st.t.Error(w.err)
		return
	}
	seen := map[string]bool{}
	for _, id := range w.ids {
		if seen[id] {
			st.t.Errorf("%s walk returned %s twice", w.kind, id)
		}
		seen[id] = true
	}
	for _, id := range st.shared {
		if !seen[id] {
			st.t.Errorf("%s walk skipped shared contact %s", w.kind, id)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for id, lt := range st.lifetimes {
		throughout := lt.created < w.start && (lt.deleted == 0 || lt.deleted > w.end)
		if throughout && !seen[id] {
			st.t.Errorf("%s walk skipped %s, which existed throughout it", w.kind, id)
		}
	}
}

// checkEnd checks the state once every worker is done.
func (st *stress) checkEnd(workers []*stressWorker) {
	t, h := st.t, st.h
	for _, w := range workers {
		for _, e := range w.errors {
			t.Errorf("worker %d: %s", w.id, e)
		}
	}
	// Tags and followers: every mark a worker added and did not remove is there, and nothing else
	// of any worker's.
	for _, id := range st.shared {
		c := h.do("GET", "/contacts/"+id, h.ro, nil).must(t, 200).obj("contact")
		for _, field := range []string{"tags", "followers"} {
			got := strs(c[field])
			want := map[string]bool{}
			for _, w := range workers {
				m := w.tags
				if field == "followers" {
					m = w.followers
				}
				for v := range m[id] {
					want[v] = true
				}
			}
			for v := range want {
				if !slices.Contains(got, v) {
					t.Errorf("contact %s lost %s %q (a concurrent update was lost)", id, field, v)
				}
			}
			for _, v := range got {
				if len(v) > 1 && v[0] == 'w' && !want[v] {
					t.Errorf("contact %s has %s %q, which its worker removed", id, field, v)
				}
			}
		}
	}
	// Counts: the store's, the list's, the search's and the workers' agree.
	stats := stats(t, h.srv)
	list := h.do("GET", "/contacts/?locationId="+locA+"&limit=1", h.ro, nil).must(t, 200).obj("meta")["total"]
	search := h.do("POST", "/contacts/search", h.ro, map[string]any{"locationId": locA, "pageLimit": 1}).must(t, 200).Body["total"]
	listB := h.do("GET", "/contacts/?locationId="+locB+"&limit=1", h.fullB, nil).must(t, 200).obj("meta")["total"]
	alive := 0
	for _, w := range workers {
		alive += len(w.own)
	}
	wantA := float64(len(st.shared) + alive)
	if list != wantA || search != wantA || float64(stats.Contacts) != wantA+listB.(float64) {
		t.Errorf("contacts: list total %v, search total %v, store %d (B %v), want %v in A", list, search, stats.Contacts, listB, wantA)
	}
	// Every task and note is under an existing contact, and they are exactly those created and not
	// deleted (a deleted contact's went with it).
	snap := snapshot(t, h.srv)
	tasks, notes := map[string]string{}, map[string]string{}
	for _, l := range snap.Locations {
		for _, c := range l.Contacts {
			for _, tk := range c.Tasks {
				if tk.ContactID != c.ID {
					t.Errorf("task %s sits under %s but names contact %s", tk.ID, c.ID, tk.ContactID)
				}
				tasks[tk.ID] = c.ID
			}
			for _, n := range c.Notes {
				if n.ContactID != c.ID {
					t.Errorf("note %s sits under %s but names contact %s", n.ID, c.ID, n.ContactID)
				}
				notes[n.ID] = c.ID
			}
		}
	}
	wantTasks, wantNotes := map[string]string{taskA1: ctAlice}, map[string]string{noteA1: ctAlice}
	for _, w := range workers {
		for k, v := range w.tasks {
			wantTasks[k] = v
		}
		for k, v := range w.notes {
			wantNotes[k] = v
		}
	}
	if fmt.Sprint(tasks) != fmt.Sprint(wantTasks) {
		t.Errorf("tasks %v, want %v", tasks, wantTasks)
	}
	if fmt.Sprint(notes) != fmt.Sprint(wantNotes) {
		t.Errorf("notes %v, want %v", notes, wantNotes)
	}
	if stats.Tasks != len(tasks) || stats.Notes != len(notes) {
		t.Errorf("stats count %d tasks and %d notes, the snapshot %d and %d", stats.Tasks, stats.Notes, len(tasks), len(notes))
	}
	// A last walk of each kind, with nothing moving: every contact exactly once.
	for _, walk := range []func() walkResult{st.walkList, st.walkSearch} {
		w := walk()
		st.checkWalk(w)
		if float64(len(w.ids)) != wantA {
			t.Errorf("%s walk at rest: %d contacts, want %v", w.kind, len(w.ids), wantA)
		}
	}
}

// doNoFatal is do for goroutines other than the test's: a transport error becomes status 0.
func (h *harness) doNoFatal(method, path, token string, body any) result {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return result{Raw: []byte(err.Error())}
		}
	}
	c := invalidCase{method: method, target: path, body: data}
	if body != nil {
		c.contentType = "application/json"
	}
	r, err := h.send(c, token)
	if err != nil {
		return result{Raw: []byte(err.Error())}
	}
	return r
}
