package redis

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/rueidis"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/mockserver/state/memory"
)

// Store is the state.Store of a Backend: locations in {P}:locs, each location's contents as its
// change log {P:L}:log:INC, applied to this replica's views (see the package doc).
type Store struct {
	b *Backend

	mu    sync.Mutex // guards views and sink
	views map[string]*view
	sink  func(state.Event)
}

var _ state.Store = (*Store)(nil)

func newStore(b *Backend) *Store { return &Store{b: b, views: map[string]*view{}} }

// Store returns the backend's state.Store.
func (b *Backend) Store() *Store { return b.store }

// view is this replica's view of one incarnation of a location: a memory store holding that one
// location, brought up to date from the change log.
type view struct {
	s    *Store
	id   string
	meta locMeta

	mu  sync.Mutex // guards everything below, and serialises applies
	mem *memory.Memory
	seq uint64 // the number of the last change applied
	// During an apply: the change's time, number and id stream, and the events it made.
	now      time.Time
	rng      *mrand.Rand
	captured []state.Event
	// results holds the results of this replica's changes until their writer takes them.
	results map[uint64]result
	out     *state.Outbox
}

// viewIDs is a view's id source: during an apply, the change's stream (a function of the
// location's seed and the change's place in its log, so every replica draws the same ids).
type viewIDs struct {
	v      *view
	seeded bool
}

func (x viewIDs) NewID(context.Context) (string, error) { return fixtures.NewID(x.v.rng.IntN), nil }
func (x viewIDs) NewObjectID(context.Context) (string, error) {
	return fixtures.NewObjectID(x.v.rng.IntN), nil
}
func (x viewIDs) Restart(context.Context) error { return nil }
func (x viewIDs) Seeded() bool                  { return x.seeded }

func (s *Store) newView(id string, m locMeta) *view {
	v := &view{s: s, id: id, meta: m, results: map[uint64]result{}, out: state.NewOutbox()}
	v.rng = mrand.New(mrand.NewPCG(m.Seed, 0))
	v.mem = memory.New(memory.Options{Now: func() time.Time { return v.now }, IDs: viewIDs{v: v, seeded: m.Seeded}})
	v.mem.Subscribe(func(e state.Event) { v.captured = append(v.captured, e) })
	v.out.Subscribe(s.deliver)
	if m.Base == 0 {
		// A location created empty: its settings are its start, its log holds its writes only.
		info := m.Info
		v.now = time.Unix(0, 0)
		_ = v.mem.Restore(context.Background(), fixtures.Document{Version: fixtures.FormatVersion, Locations: []fixtures.Location{info}})
	} else {
		v.seq = m.Base - 1
	}
	return v
}

// deliver hands an event to the subscriber.
func (s *Store) deliver(e state.Event) {
	s.mu.Lock()
	sink := s.sink
	s.mu.Unlock()
	if sink != nil {
		sink(e)
	}
}

// Subscribe implements state.Store. The subscriber hears the events of every change this replica
// applies, its own and other replicas' alike, each with its location's change number: a shared
// subscriber (Hooks) keeps one of each.
func (s *Store) Subscribe(sink func(state.Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sink = sink
}

// seen returns the number of the last change of the location this replica applied (for
// Prefetch's read of what came since).
func (s *Store) seen(loc string, m locMeta) uint64 {
	s.mu.Lock()
	v := s.views[loc]
	s.mu.Unlock()
	if v == nil || v.meta.Inc != m.Inc {
		if m.Base == 0 {
			return 0
		}
		return m.Base - 1
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.seq
}

// viewOf returns the view of a location as the settings in force name it.
func (s *Store) viewOf(ctx context.Context, loc string) (*view, error) {
	st, err := s.b.current(ctx)
	if err != nil {
		return nil, err
	}
	m, ok := st.locs[loc]
	if !ok {
		return nil, state.NotFoundError("Location", loc)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.views[loc]
	if v == nil || v.meta.Inc != m.Inc {
		v = s.newView(loc, m)
		s.views[loc] = v
	}
	return v, nil
}

// read returns the location's view, brought up to date.
func (s *Store) read(ctx context.Context, loc string) (*view, error) {
	v, err := s.viewOf(ctx, loc)
	if err != nil {
		return nil, err
	}
	return v, v.sync(ctx)
}

func seqOf(id string) uint64 {
	_, n, _ := strings.Cut(id, "-")
	u, _ := strconv.ParseUint(n, 10, 64)
	return u
}

// sync applies the changes made since the view's last: those the request's prefetch read, or
// those read now.
func (v *view) sync(ctx context.Context) error {
	if pf := prefetchedOf(ctx); pf != nil && pf.fetched && pf.loc == v.id && pf.inc == v.meta.Inc {
		v.mu.Lock()
		cur := v.seq
		v.mu.Unlock()
		if pf.from <= cur {
			return v.apply(ctx, pf.tail, false)
		}
	}
	v.mu.Lock()
	from := v.seq
	v.mu.Unlock()
	tail, err := v.s.b.do(ctx, v.s.b.c.B().Xrange().Key(v.s.b.l(v.id, "log", v.meta.Inc)).Start("(0-"+strconv.FormatUint(from, 10)).End("+").Build()).AsXRange()
	if err := v.s.b.ok(err); err != nil {
		return err
	}
	return v.apply(ctx, tail, false)
}

// apply applies the changes of entries that follow the view's last, in order, and then delivers
// their events (after the view's lock, in order): a write's before it returns (wait), a read's
// unless a delivery is under way, which delivers them (a subscriber may read the store).
func (v *view) apply(ctx context.Context, entries []rueidis.XRangeEntry, wait bool) error {
	v.mu.Lock()
	var bad error
	for _, e := range entries {
		n := seqOf(e.ID)
		if n <= v.seq {
			continue
		}
		c, err := decodeChange(e.FieldValues["c"])
		if err != nil {
			bad = err
			break
		}
		v.now = time.Unix(0, c.Now).UTC()
		v.rng = mrand.New(mrand.NewPCG(v.meta.Seed, n))
		start := len(v.captured)
		r := v.applyChange(context.WithoutCancel(ctx), c)
		for i := start; i < len(v.captured); i++ {
			v.captured[i].Change = n
		}
		v.seq = n
		if c.Origin == v.s.b.replica {
			v.results[n] = r
		}
	}
	for _, e := range v.captured {
		v.out.Push(e)
	}
	clear(v.captured)
	v.captured = v.captured[:0]
	var upto uint64
	if wait {
		upto = v.out.Queued()
	}
	v.mu.Unlock()
	v.out.Deliver(upto)
	return bad
}

// commitScript appends a change to a location's log when the incarnation is still the location's,
// and returns its number with every change since the writer's last.
var commitScript = newScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1} end
local n = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], '0-' .. n, 'c', ARGV[3])
return {n, redis.call('XRANGE', KEYS[3], '(0-' .. ARGV[2], '+')}`)

// errMoved says a location's incarnation moved while a change was on its way (a restore, a
// reset, a delete): the writer reads the settings again and retries on the new one.
var errMoved = errors.New("redis: the location moved to a new incarnation")

// write makes a change of a location and returns its result: one round trip appends it (and
// fetches what other replicas wrote since this one's last read), then the view applies it.
func (s *Store) write(ctx context.Context, loc string, c *change) (result, error) {
	c.Loc, c.Origin = loc, s.b.replica
	for attempt := 0; ; attempt++ {
		st, err := s.b.current(ctx)
		if err != nil {
			return result{}, err
		}
		c.Now = s.b.base().Add(st.offset).UnixNano()
		v, err := s.viewOf(ctx, loc)
		if err != nil {
			return result{}, err
		}
		data, err := encodeChange(c)
		if err != nil {
			return result{}, err
		}
		v.mu.Lock()
		from := v.seq
		v.mu.Unlock()
		b := s.b
		vals, err := b.run(ctx, commitScript, []string{b.l(loc, "inc"), b.l(loc, "seq"), b.l(loc, "log", v.meta.Inc)},
			v.meta.Inc, strconv.FormatUint(from, 10), data).ToArray()
		if err := b.ok(err); err != nil {
			return result{}, err
		}
		n, _ := vals[0].AsInt64()
		if n < 0 {
			if attempt >= 100 {
				return result{}, errMoved
			}
			// Reading the settings again outside a request's prefetch.
			if _, err := b.loadSettings(context.WithValue(ctx, prefetchedKey{}, nil)); err != nil {
				return result{}, err
			}
			if attempt > 2 {
				time.Sleep(time.Duration(attempt) * time.Millisecond)
			}
			ctx = context.WithValue(ctx, prefetchedKey{}, (*prefetched)(nil))
			continue
		}
		tail, err := vals[1].AsXRange()
		if err != nil {
			return result{}, fmt.Errorf("redis: the commit's answer: %w", err)
		}
		if err := v.apply(ctx, tail, true); err != nil {
			return result{}, err
		}
		v.mu.Lock()
		r, ok := v.results[uint64(n)]
		delete(v.results, uint64(n))
		v.mu.Unlock()
		if !ok {
			return result{}, fmt.Errorf("redis: change %d of %s was not applied", n, loc)
		}
		return r, r.err
	}
}

// --- reads ------------------------------------------------------------------------------------

// Locations implements state.Store.
func (s *Store) Locations(ctx context.Context) ([]fixtures.Location, error) {
	st, err := s.b.current(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]fixtures.Location, 0, len(st.locOrder))
	for _, id := range st.locOrder {
		out = append(out, infoOf(st.locs[id].Info))
	}
	return out, nil
}

func infoOf(l fixtures.Location) fixtures.Location {
	l.Contacts, l.Appointments, l.Businesses = nil, nil, nil
	l.DuplicatePriority = append([]string(nil), l.DuplicatePriority...)
	l.Users = append([]fixtures.User(nil), l.Users...)
	l.CustomFields = append([]fixtures.CustomFieldDef(nil), l.CustomFields...)
	return l
}

// Location implements state.Store.
func (s *Store) Location(ctx context.Context, id string) (fixtures.Location, error) {
	st, err := s.b.current(ctx)
	if err != nil {
		return fixtures.Location{}, err
	}
	m, ok := st.locs[id]
	if !ok {
		return fixtures.Location{}, state.NotFoundError("Location", id)
	}
	return infoOf(m.Info), nil
}

// GetContact implements state.Store.
func (s *Store) GetContact(ctx context.Context, loc, id string) (*state.Contact, error) {
	v, err := s.read(ctx, loc)
	if err != nil {
		return nil, err
	}
	return v.mem.GetContact(ctx, loc, id)
}

// ListContacts implements state.Store.
func (s *Store) ListContacts(ctx context.Context, loc string, q state.ListQuery) (state.ListPage, error) {
	v, err := s.read(ctx, loc)
	if err != nil {
		return state.ListPage{}, err
	}
	return v.mem.ListContacts(ctx, loc, q)
}

// SearchContacts implements state.Store.
func (s *Store) SearchContacts(ctx context.Context, loc string, q state.SearchQuery) (state.SearchPage, error) {
	v, err := s.read(ctx, loc)
	if err != nil {
		return state.SearchPage{}, err
	}
	return v.mem.SearchContacts(ctx, loc, q)
}

// FindDuplicate implements state.Store.
func (s *Store) FindDuplicate(ctx context.Context, loc, email, phone string) (*state.Contact, error) {
	v, err := s.read(ctx, loc)
	if err != nil {
		return nil, err
	}
	return v.mem.FindDuplicate(ctx, loc, email, phone)
}

// ContactsByBusiness implements state.Store.
func (s *Store) ContactsByBusiness(ctx context.Context, loc, businessID, query string, skip, limit int) ([]*state.Contact, int, error) {
	v, err := s.read(ctx, loc)
	if err != nil {
		return nil, 0, err
	}
	return v.mem.ContactsByBusiness(ctx, loc, businessID, query, skip, limit)
}

// ListTasks implements state.Store.
func (s *Store) ListTasks(ctx context.Context, loc, contactID string) ([]fixtures.Task, error) {
	v, err := s.read(ctx, loc)
	if err != nil {
		return nil, err
	}
	return v.mem.ListTasks(ctx, loc, contactID)
}

// GetTask implements state.Store.
func (s *Store) GetTask(ctx context.Context, loc, contactID, taskID string) (fixtures.Task, error) {
	v, err := s.read(ctx, loc)
	if err != nil {
		return fixtures.Task{}, err
	}
	return v.mem.GetTask(ctx, loc, contactID, taskID)
}

// ListNotes implements state.Store.
func (s *Store) ListNotes(ctx context.Context, loc, contactID string) ([]fixtures.Note, error) {
	v, err := s.read(ctx, loc)
	if err != nil {
		return nil, err
	}
	return v.mem.ListNotes(ctx, loc, contactID)
}

// GetNote implements state.Store.
func (s *Store) GetNote(ctx context.Context, loc, contactID, noteID string) (fixtures.Note, error) {
	v, err := s.read(ctx, loc)
	if err != nil {
		return fixtures.Note{}, err
	}
	return v.mem.GetNote(ctx, loc, contactID, noteID)
}

// ListAppointments implements state.Store.
func (s *Store) ListAppointments(ctx context.Context, loc, contactID string) ([]fixtures.Appointment, error) {
	v, err := s.read(ctx, loc)
	if err != nil {
		return nil, err
	}
	return v.mem.ListAppointments(ctx, loc, contactID)
}

// syncAll brings the view of every location up to date, in one round trip.
func (s *Store) syncAll(ctx context.Context) (*settings, []*view, error) {
	st, err := s.b.current(ctx)
	if err != nil {
		return nil, nil, err
	}
	views := make([]*view, 0, len(st.locOrder))
	cmds := make([]rueidis.Completed, 0, len(st.locOrder))
	for _, id := range st.locOrder {
		v, err := s.viewOf(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		v.mu.Lock()
		from := v.seq
		v.mu.Unlock()
		views = append(views, v)
		cmds = append(cmds, s.b.c.B().Xrange().Key(s.b.l(id, "log", v.meta.Inc)).Start("(0-"+strconv.FormatUint(from, 10)).End("+").Build())
	}
	if len(cmds) == 0 {
		return st, nil, nil
	}
	for i, r := range s.b.multi(ctx, cmds...) {
		tail, err := r.AsXRange()
		if err := s.b.ok(err); err != nil {
			return nil, nil, err
		}
		if err := views[i].apply(ctx, tail, false); err != nil {
			return nil, nil, err
		}
	}
	return st, views, nil
}

// Stats implements state.Store.
func (s *Store) Stats(ctx context.Context) (state.Stats, error) {
	_, views, err := s.syncAll(ctx)
	if err != nil {
		return state.Stats{}, err
	}
	var out state.Stats
	for _, v := range views {
		st, err := v.mem.Stats(ctx)
		if err != nil {
			return out, err
		}
		out.Locations += st.Locations
		out.Contacts += st.Contacts
		out.Tasks += st.Tasks
		out.Notes += st.Notes
		out.Appointments += st.Appointments
		out.Businesses += st.Businesses
	}
	return out, nil
}

// Snapshot implements state.Store.
func (s *Store) Snapshot(ctx context.Context) (fixtures.Document, error) {
	_, views, err := s.syncAll(ctx)
	if err != nil {
		return fixtures.Document{}, err
	}
	doc := fixtures.Document{Version: fixtures.FormatVersion, Locations: []fixtures.Location{}}
	for _, v := range views {
		d, err := v.mem.Snapshot(ctx)
		if err != nil {
			return doc, err
		}
		doc.Locations = append(doc.Locations, d.Locations...)
	}
	return doc, nil
}

// --- writes -----------------------------------------------------------------------------------

// CreateContact implements state.Store.
func (s *Store) CreateContact(ctx context.Context, loc string, in state.ContactInput) (*state.Contact, error) {
	r, err := s.write(ctx, loc, &change{Op: opCreateContact, Contact: in})
	return r.contact, err
}

// UpdateContact implements state.Store.
func (s *Store) UpdateContact(ctx context.Context, loc, id string, in state.ContactInput) (*state.Contact, error) {
	r, err := s.write(ctx, loc, &change{Op: opUpdateContact, ID: id, Contact: in})
	return r.contact, err
}

// UpsertContact implements state.Store.
func (s *Store) UpsertContact(ctx context.Context, loc string, in state.ContactInput, createNew bool) (*state.Contact, bool, error) {
	r, err := s.write(ctx, loc, &change{Op: opUpsertContact, Contact: in, Flag: createNew})
	return r.contact, r.created, err
}

// DeleteContact implements state.Store.
func (s *Store) DeleteContact(ctx context.Context, loc, id string) error {
	_, err := s.write(ctx, loc, &change{Op: opDeleteContact, ID: id})
	return err
}

// AddTags implements state.Store.
func (s *Store) AddTags(ctx context.Context, loc, id string, tags []string) ([]string, error) {
	r, err := s.write(ctx, loc, &change{Op: opAddTags, ID: id, Strs: tags})
	return r.strs, err
}

// RemoveTags implements state.Store.
func (s *Store) RemoveTags(ctx context.Context, loc, id string, tags []string) ([]string, error) {
	r, err := s.write(ctx, loc, &change{Op: opRemoveTags, ID: id, Strs: tags})
	return r.strs, err
}

// AddFollowers implements state.Store.
func (s *Store) AddFollowers(ctx context.Context, loc, id string, followers []string) ([]string, []string, error) {
	r, err := s.write(ctx, loc, &change{Op: opAddFollowers, ID: id, Strs: followers})
	return r.strs, r.strs2, err
}

// RemoveFollowers implements state.Store.
func (s *Store) RemoveFollowers(ctx context.Context, loc, id string, followers []string) ([]string, []string, error) {
	r, err := s.write(ctx, loc, &change{Op: opRemoveFollower, ID: id, Strs: followers})
	return r.strs, r.strs2, err
}

// AddToCampaign implements state.Store.
func (s *Store) AddToCampaign(ctx context.Context, loc, id, campaignID string) error {
	_, err := s.write(ctx, loc, &change{Op: opAddCampaign, ID: id, ID2: campaignID})
	return err
}

// RemoveFromCampaign implements state.Store.
func (s *Store) RemoveFromCampaign(ctx context.Context, loc, id, campaignID string) error {
	_, err := s.write(ctx, loc, &change{Op: opRemoveCampaign, ID: id, ID2: campaignID})
	return err
}

// RemoveFromAllCampaigns implements state.Store.
func (s *Store) RemoveFromAllCampaigns(ctx context.Context, loc, id string) error {
	_, err := s.write(ctx, loc, &change{Op: opRemoveAllCamp, ID: id})
	return err
}

// AddToWorkflow implements state.Store.
func (s *Store) AddToWorkflow(ctx context.Context, loc, id, workflowID, eventStartTime string) error {
	_, err := s.write(ctx, loc, &change{Op: opAddWorkflow, ID: id, ID2: workflowID, Str: eventStartTime})
	return err
}

// RemoveFromWorkflow implements state.Store.
func (s *Store) RemoveFromWorkflow(ctx context.Context, loc, id, workflowID string) error {
	_, err := s.write(ctx, loc, &change{Op: opRemoveWorkflow, ID: id, ID2: workflowID})
	return err
}

// BulkTags implements state.Store.
func (s *Store) BulkTags(ctx context.Context, loc string, contactIDs, tags []string, remove, removeAll bool) ([]state.BulkTagResult, error) {
	r, err := s.write(ctx, loc, &change{Op: opBulkTags, Strs: contactIDs, Strs2: tags, Flag: remove, Flag2: removeAll})
	if err != nil {
		return r.bulk, err
	}
	return r.bulk, s.foreign(ctx, loc, r.bulk)
}

// foreign words the results for contacts of another location as the memory store does ("does not
// belong"): a view holds one location, so the change could only find them not found.
func (s *Store) foreign(ctx context.Context, loc string, results []state.BulkTagResult) error {
	var missing []int
	for i, r := range results {
		if r.Message == "contact not found" {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, views, err := s.syncAll(ctx)
	if err != nil {
		return err
	}
	for _, i := range missing {
		for _, v := range views {
			if v.id == loc {
				continue
			}
			if c, err := v.mem.GetContact(ctx, v.id, results[i].ContactID); err == nil && c != nil {
				results[i].Message = "contact does not belong to location"
				break
			}
		}
	}
	return nil
}

// BulkBusiness implements state.Store.
func (s *Store) BulkBusiness(ctx context.Context, loc string, contactIDs []string, businessID *string) ([]string, error) {
	r, err := s.write(ctx, loc, &change{Op: opBulkBusiness, Strs: contactIDs, Business: businessID})
	return r.strs, err
}

// CreateTask implements state.Store.
func (s *Store) CreateTask(ctx context.Context, loc, contactID string, in state.TaskInput) (fixtures.Task, error) {
	r, err := s.write(ctx, loc, &change{Op: opCreateTask, ID: contactID, Task: in})
	return r.task, err
}

// UpdateTask implements state.Store.
func (s *Store) UpdateTask(ctx context.Context, loc, contactID, taskID string, in state.TaskInput) (fixtures.Task, error) {
	r, err := s.write(ctx, loc, &change{Op: opUpdateTask, ID: contactID, ID2: taskID, Task: in})
	return r.task, err
}

// DeleteTask implements state.Store.
func (s *Store) DeleteTask(ctx context.Context, loc, contactID, taskID string) error {
	_, err := s.write(ctx, loc, &change{Op: opDeleteTask, ID: contactID, ID2: taskID})
	return err
}

// CreateNote implements state.Store.
func (s *Store) CreateNote(ctx context.Context, loc, contactID string, in state.NoteInput) (fixtures.Note, error) {
	r, err := s.write(ctx, loc, &change{Op: opCreateNote, ID: contactID, Note: in})
	return r.note, err
}

// UpdateNote implements state.Store.
func (s *Store) UpdateNote(ctx context.Context, loc, contactID, noteID string, in state.NoteInput) (fixtures.Note, error) {
	r, err := s.write(ctx, loc, &change{Op: opUpdateNote, ID: contactID, ID2: noteID, Note: in})
	return r.note, err
}

// DeleteNote implements state.Store.
func (s *Store) DeleteNote(ctx context.Context, loc, contactID, noteID string) error {
	_, err := s.write(ctx, loc, &change{Op: opDeleteNote, ID: contactID, ID2: noteID})
	return err
}

// AddAppointment implements state.Store.
func (s *Store) AddAppointment(ctx context.Context, a fixtures.Appointment) (fixtures.Appointment, error) {
	r, err := s.write(ctx, a.LocationID, &change{Op: opAddAppointment, Appt: a})
	return r.appt, err
}

// UpdateAppointment implements state.Store.
func (s *Store) UpdateAppointment(ctx context.Context, loc, id string, p state.AppointmentPatch) (fixtures.Appointment, error) {
	r, err := s.write(ctx, loc, &change{Op: opUpdateAppt, ID: id, Patch: p})
	return r.appt, err
}

// DeleteAppointment implements state.Store.
func (s *Store) DeleteAppointment(ctx context.Context, loc, id string) error {
	_, err := s.write(ctx, loc, &change{Op: opDeleteAppt, ID: id})
	return err
}

// AddBusiness implements state.Store.
func (s *Store) AddBusiness(ctx context.Context, biz fixtures.Business) (fixtures.Business, error) {
	r, err := s.write(ctx, biz.LocationID, &change{Op: opAddBusiness, Biz: biz})
	return r.biz, err
}

// --- locations and whole documents ------------------------------------------------------------

// locSeed returns the seed of a new incarnation's ids: a function of the mock's id seed and the
// location when seeded (the same ids after every reset), random otherwise.
func (s *Store) locSeed(loc string) uint64 {
	if s.b.idSeed != 0 {
		h := fnv.New64a()
		_, _ = h.Write([]byte(loc))
		return uint64(s.b.idSeed) ^ h.Sum64()
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

func newInc() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}

// CreateLocation implements state.Store.
func (s *Store) CreateLocation(ctx context.Context, loc fixtures.Location) (fixtures.Location, error) {
	if loc.ID == "" {
		id, err := s.b.IDs().NewID(ctx)
		if err != nil {
			return fixtures.Location{}, err
		}
		loc.ID = id
	}
	info := infoOf(loc)
	order, err := s.b.nextOrder(ctx)
	if err != nil {
		return fixtures.Location{}, err
	}
	m := locMeta{Info: info, Inc: newInc(), Seed: s.locSeed(info.ID), Seeded: s.b.idSeed != 0, Order: order}
	data, err := jsonOf(m)
	if err != nil {
		return fixtures.Location{}, err
	}
	created, err := s.b.setEntry(ctx, s.b.g("locs"), info.ID, data, true)
	if err != nil {
		return fixtures.Location{}, err
	}
	if !created {
		return fixtures.Location{}, &state.Error{Code: state.Conflict, Kind: "Location", ID: info.ID}
	}
	if err := s.b.ok(s.b.do(ctx, s.b.c.B().Set().Key(s.b.l(info.ID, "inc")).Value(m.Inc).Build()).Error()); err != nil {
		return fixtures.Location{}, err
	}
	return infoOf(info), nil
}

// DeleteLocation implements state.Store.
func (s *Store) DeleteLocation(ctx context.Context, id string) error {
	st, err := s.b.current(ctx)
	if err != nil {
		return err
	}
	m, ok := st.locs[id]
	removed, err := s.b.setEntry(ctx, s.b.g("locs"), id, "", false)
	if err != nil {
		return err
	}
	if !removed {
		return state.NotFoundError("Location", id)
	}
	if ok {
		s.b.multi(ctx, s.b.c.B().Del().Key(s.b.l(id, "inc"), s.b.l(id, "log", m.Inc)).Build())
	}
	return nil
}

// loadScript writes a new incarnation's first change (its load) and returns its number.
var loadScript = newScript(`
local n = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], '0-' .. n, 'c', ARGV[1])
return n`)

// switchScript replaces every location at once and moves the revision.
var switchScript = newScript(`
redis.call('DEL', KEYS[2])
for i = 1, #ARGV, 2 do redis.call('HSET', KEYS[2], ARGV[i], ARGV[i+1]) end
` + bumpRev + ` return 1`)

// Restore implements state.Store: each location of the document gets a new incarnation, loaded
// with its contents, and one script then makes them the locations; writes still on their way to
// an old incarnation are refused and go to the new one (see write).
func (s *Store) Restore(ctx context.Context, doc fixtures.Document) error {
	// The document is checked as the memory store checks it, before anything is written.
	if err := memory.New(memory.Options{}).Restore(ctx, doc); err != nil {
		return err
	}
	old, err := s.b.current(ctx)
	if err != nil {
		return err
	}
	b := s.b
	args := make([]string, 0, 2*len(doc.Locations))
	metas := make([]locMeta, 0, len(doc.Locations))
	for i, l := range doc.Locations {
		l := l
		m := locMeta{Info: infoOf(l), Inc: newInc(), Seed: s.locSeed(l.ID), Seeded: s.b.idSeed != 0, Order: int64(i + 1)}
		data, err := encodeChange(&change{Op: opLoad, Loc: l.ID, Origin: b.replica, Location: &l})
		if err != nil {
			return err
		}
		n, err := b.run(ctx, loadScript, []string{b.l(l.ID, "seq"), b.l(l.ID, "log", m.Inc)}, data).AsInt64()
		if err := b.ok(err); err != nil {
			return err
		}
		m.Base = uint64(n)
		js, err := jsonOf(m)
		if err != nil {
			return err
		}
		args = append(args, l.ID, js)
		metas = append(metas, m)
	}
	if err := b.ok(b.run(ctx, switchScript, []string{b.g("cfg"), b.g("locs")}, args...).Error()); err != nil {
		return err
	}
	if err := b.ok(b.do(ctx, b.c.B().Hset().Key(b.g("cfg")).FieldValue().FieldValue("order", strconv.Itoa(len(doc.Locations))).Build()).Error()); err != nil {
		return err
	}
	cmds := make([]rueidis.Completed, 0, len(metas)+len(old.locs))
	for _, m := range metas {
		cmds = append(cmds, b.c.B().Set().Key(b.l(m.Info.ID, "inc")).Value(m.Inc).Build())
	}
	for id, m := range old.locs {
		cmds = append(cmds, b.c.B().Del().Key(b.l(id, "log", m.Inc)).Build())
		if !hasLoc(doc, id) {
			cmds = append(cmds, b.c.B().Del().Key(b.l(id, "inc")).Build())
		}
	}
	for _, r := range b.multi(ctx, cmds...) {
		if err := b.ok(r.Error()); err != nil {
			return err
		}
	}
	_, err = b.loadSettings(ctx)
	return err
}

func hasLoc(doc fixtures.Document, id string) bool {
	for _, l := range doc.Locations {
		if l.ID == id {
			return true
		}
	}
	return false
}

// Reset implements state.Store.
func (s *Store) Reset(ctx context.Context, doc fixtures.Document) error {
	if err := s.Restore(ctx, doc); err != nil {
		return err
	}
	return s.b.IDs().Restart(ctx)
}

// Merge implements state.Store: the document is checked against the whole state first (as the
// memory store merges it); then each location it names that exists gets a merge change and each
// new one is created with its contents.
func (s *Store) Merge(ctx context.Context, doc fixtures.Document) error {
	cur, err := s.Snapshot(ctx)
	if err != nil {
		return err
	}
	check := memory.New(memory.Options{})
	if err := check.Restore(ctx, cur); err != nil {
		return err
	}
	if err := check.Merge(ctx, doc); err != nil {
		return err
	}
	st, err := s.b.current(ctx)
	if err != nil {
		return err
	}
	for _, l := range doc.Locations {
		l := l
		if _, ok := st.locs[l.ID]; ok {
			if _, err := s.write(ctx, l.ID, &change{Op: opMerge, Location: &l}); err != nil {
				return err
			}
			continue
		}
		if _, err := s.CreateLocation(ctx, infoOf(l)); err != nil {
			return err
		}
		if len(l.Contacts)+len(l.Appointments)+len(l.Businesses) > 0 {
			contents := l
			contents.Users, contents.CustomFields = nil, nil
			if _, err := s.write(ctx, l.ID, &change{Op: opMerge, Location: &contents}); err != nil {
				return err
			}
		}
	}
	return nil
}
