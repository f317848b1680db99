package memory

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/ids"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// Memory is the in-memory Store. One RWMutex guards the whole state: reads share it, writes hold it
// for the few microseconds a change takes. Contacts of a location are also kept in an array sorted
// by (dateAdded, id), so that listing and cursor paging cost what the page costs, not what the
// location holds.
//
// Lock order: mu, then a location's hayMu or sortMu, or a lagging view's mu (readers make the
// haystacks, sort indexes and lagging views under them while holding mu's read lock), or the
// outbox's mu (writers queue events under mu). Events are delivered after mu is released (see
// state.Outbox), so a subscriber may take any lock of its own.
type Memory struct {
	now func() time.Time
	ids ids.Source
	out *state.Outbox

	mu sync.RWMutex // guards everything below
	// locs maps a location id to its state; order keeps creation order.
	locs  map[string]*location
	order []string
	// lastStamp is the latest timestamp written (see stampLocked).
	lastStamp fixtures.Timestamp
	// lag is the search lag and wall its clock (see SetSearchLag); 0 means none.
	lag  time.Duration
	wall func() time.Time
}

type location struct {
	info fixtures.Location // settings, users and custom field definitions only

	contacts map[string]*contact
	// byAdded holds the contacts sorted ascending by (dateAdded, seq); newest last. seq breaks ties
	// in insertion order, so a contact created in the same millisecond as a page's cursor still
	// lands ahead of it and never inside a page being walked.
	byAdded []*contact
	nextSeq uint64
	byEmail map[string]contactList // by lower-cased e-mail
	byPhone map[string]contactList
	// byTag holds, by tagKey, the contacts carrying a tag, in byAdded order (see tagindex.go).
	byTag map[string][]*contact
	// deleted remembers deleted contacts by id (bulk tagging reports "contact is deleted") with
	// their place in byAdded, so that a page cursor naming one still resumes where it was.
	deleted      map[string]placeKey
	deletedOrder []string // deleted ids, oldest first (see rememberDeleted)

	// The haystacks of free-text queries are made for the whole location by its first query, in
	// one string laid out in byAdded order (a scan of 100,000 contacts then reads memory in
	// order), under hayMu while queries hold only the store's read lock. hayReady says they are
	// there; once it is, writes (which hold the write lock: no query runs) keep each changed
	// contact's haystack in step.
	hayMu    sync.Mutex
	hayReady atomic.Bool

	// sorted holds the location's sort indexes by field name (see sortindex.go). Searches make
	// them under sortMu while holding the store's read lock; writes (under the write lock) keep
	// them in step.
	sortMu sync.Mutex
	sorted map[string]*sortIndex

	appointments []*fixtures.Appointment
	businesses   []*fixtures.Business
	businessByID map[string]*fixtures.Business

	// lag is what searches see when the store runs with a search lag; nil otherwise (lag.go).
	lag *lagIndex
}

type contact struct {
	// c is the contact as the API shows it. It is never modified once stored: a change stores a
	// new Stored (copy on write), so readers may keep it after the lock is released.
	c         *state.Contact
	seq       uint64
	tasks     []*fixtures.Task
	notes     []*fixtures.Note
	campaigns []string
	workflows []fixtures.Workflow
	// hay is what a free-text query searches, lower-cased: full name, email, phone and company,
	// NUL-separated (see matches). Until the location's first text query it is empty: see
	// location.ensureHay.
	hay string
}

// Options configure a Memory.
type Options struct {
	// Now is the clock writes are stamped with (the mock's); nil means time.Now.
	Now func() time.Time
	// IDs is the sequence new ids are drawn from; nil means ids.NewRandom().
	IDs ids.Source
	// SearchLag and Wall: see SetSearchLag.
	SearchLag time.Duration
	Wall      func() time.Time
}

// New returns an empty store.
func New(o Options) *Memory {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.IDs == nil {
		o.IDs = ids.NewRandom()
	}
	m := &Memory{now: o.Now, ids: o.IDs, out: state.NewOutbox(), locs: map[string]*location{}}
	if o.SearchLag > 0 {
		m.SetSearchLag(o.SearchLag, o.Wall)
	}
	return m
}

var _ state.Store = (*Memory)(nil)

// Subscribe implements state.Store.
func (m *Memory) Subscribe(sink func(state.Event)) { m.out.Subscribe(sink) }

// lock takes the write lock; unlock releases it and then delivers the events the write queued.
// Exported writes defer unlock, so their events reach the subscriber before they return.
func (m *Memory) lock() { m.mu.Lock() }

func (m *Memory) unlock() {
	upto := m.out.Queued()
	m.mu.Unlock()
	m.out.Deliver(upto)
}

func newLocation(info fixtures.Location) *location {
	info.Contacts, info.Appointments, info.Businesses = nil, nil, nil
	return &location{
		info:         info,
		contacts:     map[string]*contact{},
		byEmail:      map[string]contactList{},
		byPhone:      map[string]contactList{},
		byTag:        map[string][]*contact{},
		deleted:      map[string]placeKey{},
		businessByID: map[string]*fixtures.Business{},
	}
}

// maxDeletedRemembered bounds the memory of deleted contacts per location: the oldest is forgotten
// first, so a long run of creates and deletes never grows without limit.
const maxDeletedRemembered = 10000

// rememberDeleted records a deleted contact (bulk tagging's "contact is deleted", cursors naming it).
func (l *location) rememberDeleted(id string, k placeKey) {
	if len(l.deletedOrder) >= maxDeletedRemembered {
		delete(l.deleted, l.deletedOrder[0])
		l.deletedOrder = l.deletedOrder[1:]
	}
	l.deleted[id] = k
	l.deletedOrder = append(l.deletedOrder, id)
}

// --- helpers that assume m.mu is held -------------------------------------------------------

// emitLocked queues an event; the caller holds the write lock.
func (m *Memory) emitLocked(e state.Event) {
	e.At = m.lastStamp
	m.out.Push(e)
}

// newIDLocked draws an id from the sequence.
func (m *Memory) newIDLocked(ctx context.Context) (string, error) {
	id, err := m.ids.NewID(ctx)
	if err != nil {
		return "", fmt.Errorf("memory: drawing an id: %w", err)
	}
	return id, nil
}

// freshIDLocked draws an id. With a seeded sequence a state loaded from a file may hold the ids
// the sequence is about to give again, so it draws until taken says one is free. Unseeded, the
// source is seeded at random and a repeat among 62^20 ids is not worth a check (for a task or a
// note, a scan of the contact's children on every create).
func (m *Memory) freshIDLocked(ctx context.Context, taken func(string) bool) (string, error) {
	id, err := m.newIDLocked(ctx)
	for err == nil && m.ids.Seeded() && taken(id) {
		id, err = m.newIDLocked(ctx)
	}
	return id, err
}

// Timestamps never go back, even when the mock's clock is set back (an admin API call that undoes
// an earlier advance): a write made after that is stamped with the latest time written so far, so
// that dateAdded and dateUpdated keep the order of the writes (newest first in GET /contacts/, and
// "updated since" polls never miss one).
func (m *Memory) stampLocked() fixtures.Timestamp {
	m.lastStamp = max(m.lastStamp, fixtures.At(m.now()))
	return m.lastStamp
}

// touch moves a timestamp on: now, or one millisecond after the previous value if the clock has not
// moved, so two quick updates never share a dateUpdated (webhook and polling dedupe keys).
func touch(prev, now fixtures.Timestamp) fixtures.Timestamp {
	if now <= prev {
		return prev + 1
	}
	return now
}

func (m *Memory) locLocked(id string) (*location, error) {
	l := m.locs[id]
	if l == nil {
		return nil, state.NotFoundError("Location", id)
	}
	return l, nil
}

// ownerOf returns the location that holds a contact, or nil. Contact ids are unique across
// locations; a mock holds few locations, so a lookup in each costs less than a map of every
// contact id kept up on every create and delete.
func ownerOf(locs map[string]*location, id string) *location {
	for _, l := range locs {
		if l.contacts[id] != nil {
			return l
		}
	}
	return nil
}

func (m *Memory) contactLocked(locID, id string) (*location, *contact, error) {
	l, err := m.locLocked(locID)
	if err != nil {
		return nil, nil, err
	}
	c := l.contacts[id]
	if c == nil {
		return l, nil, state.NotFoundError("Contact", id)
	}
	return l, c, nil
}

// position returns the index of the first contact in byAdded whose key is >= (added, seq).
// --- locations ------------------------------------------------------------------------------

// Locations implements state.Store.
func (m *Memory) Locations(ctx context.Context) ([]fixtures.Location, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]fixtures.Location, 0, len(m.order))
	for _, id := range m.order {
		out = append(out, cloneLocationInfo(m.locs[id].info))
	}
	return out, nil
}

func cloneLocationInfo(l fixtures.Location) fixtures.Location {
	l.DuplicatePriority = slices.Clone(l.DuplicatePriority)
	l.Users = slices.Clone(l.Users)
	l.CustomFields = slices.Clone(l.CustomFields)
	return l
}

// Location implements state.Store.
func (m *Memory) Location(ctx context.Context, id string) (fixtures.Location, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	l, err := m.locLocked(id)
	if err != nil {
		return fixtures.Location{}, err
	}
	return cloneLocationInfo(l.info), nil
}

// CreateLocation implements state.Store.
func (m *Memory) CreateLocation(ctx context.Context, info fixtures.Location) (fixtures.Location, error) {
	m.lock()
	defer m.unlock()
	if info.ID == "" {
		var err error
		if info.ID, err = m.freshIDLocked(ctx, func(id string) bool { return m.locs[id] != nil }); err != nil {
			return fixtures.Location{}, err
		}
	}
	if m.locs[info.ID] != nil {
		return fixtures.Location{}, &state.Error{Code: state.Conflict, Kind: "Location", ID: info.ID}
	}
	l := newLocation(cloneLocationInfo(info))
	m.adoptLocked(l)
	m.locs[info.ID] = l
	m.order = append(m.order, info.ID)
	return cloneLocationInfo(l.info), nil
}

// DeleteLocation implements state.Store.
func (m *Memory) DeleteLocation(ctx context.Context, id string) error {
	m.lock()
	defer m.unlock()
	if _, err := m.locLocked(id); err != nil {
		return err
	}
	delete(m.locs, id)
	m.order = slices.DeleteFunc(m.order, func(o string) bool { return o == id })
	return nil
}

// Stats implements state.Store.
func (m *Memory) Stats(ctx context.Context) (state.Stats, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := state.Stats{Locations: len(m.locs)}
	for _, l := range m.locs {
		s.Contacts += len(l.contacts)
		s.Appointments += len(l.appointments)
		s.Businesses += len(l.businesses)
		for _, c := range l.contacts {
			s.Tasks += len(c.tasks)
			s.Notes += len(c.notes)
		}
	}
	return s, nil
}
