package memory

import (
	"sync"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/state"
)

// The live search index trails the database by seconds: a contact written a moment ago is read at
// once by id or in GET /contacts/, but POST /contacts/search and the duplicate lookup do not see
// the write yet. With a search lag the memory store plays that: every location keeps a second,
// lagging location (its shadow) that searches and duplicate lookups read, fed with each write's
// result only once the lag has passed on the wall clock. The shadow is an ordinary location, so the
// same indexes and the same search code serve it.

// lagIndex is a location's lagging view.
type lagIndex struct {
	delay time.Duration
	wall  func() time.Time

	// mu guards shadow and pending while searches hold only the store's read lock (writers hold
	// the write lock, so no search runs meanwhile). Lock order: the store's lock, then mu.
	mu     sync.Mutex
	shadow *location
	// pending are the writes the shadow has not taken yet, oldest first.
	pending []lagChange
}

// lagChange is the result of one write: the contact's new value, or nil when it was deleted.
type lagChange struct {
	at time.Time
	id string
	c  *state.Contact
}

// newLagIndex returns a lagging view of l that sees everything l holds now: what a location starts
// with (created, restored, seeded) is searchable at once; only later writes lag.
func newLagIndex(l *location, delay time.Duration, wall func() time.Time) *lagIndex {
	x := &lagIndex{delay: delay, wall: wall, shadow: newLocation(l.info)}
	for _, c := range l.byAdded {
		x.shadow.insert(&contact{c: c.c})
	}
	return x
}

// record notes a write of contact id (nil: deleted). The caller holds the store's write lock. What
// is due is applied here too, so that a location nobody searches does not pile up changes.
func (x *lagIndex) record(id string, c *state.Contact) {
	now := x.wall()
	x.catchUp(now)
	x.pending = append(x.pending, lagChange{at: now, id: id, c: c})
}

// view returns the shadow with every change older than the lag applied, and the live settings
// (duplicate rules) of info. The caller holds the store's read lock and x.mu until it is done with
// the shadow.
func (x *lagIndex) view(info *location) *location {
	x.catchUp(x.wall())
	x.shadow.info = info.info
	return x.shadow
}

// catchUp applies the pending changes made at least the lag before now.
func (x *lagIndex) catchUp(now time.Time) {
	cut := now.Add(-x.delay)
	n := 0
	for n < len(x.pending) && !x.pending[n].at.After(cut) {
		ch := x.pending[n]
		if old := x.shadow.contacts[ch.id]; old != nil {
			x.shadow.remove(old)
		}
		if ch.c != nil {
			x.shadow.insert(&contact{c: ch.c})
		}
		n++
	}
	if n > 0 {
		x.pending = append(x.pending[:0], x.pending[n:]...)
	}
}

// SetSearchLag makes writes visible to SearchContacts and FindDuplicate only d after they were
// made, on the wall clock wall (time.Now when nil); 0 turns the lag off. Every other read sees a
// write at once. Locations created, restored or merged later start with their whole contents
// visible. Call it before the store serves requests.
func (m *Memory) SetSearchLag(d time.Duration, wall func() time.Time) {
	if wall == nil {
		wall = time.Now
	}
	m.lock()
	defer m.unlock()
	m.lag, m.wall = d, wall
	for _, l := range m.locs {
		m.adoptLocked(l)
	}
}

// adoptLocked gives a location that enters the state its lagging view, when the store lags.
func (m *Memory) adoptLocked(l *location) {
	l.lag = nil
	if m.lag > 0 {
		l.lag = newLagIndex(l, m.lag, m.wall)
	}
}

// searchView runs read on what searches see of l: the location itself, or its lagging view. The
// caller holds the store's read lock.
func (l *location) searchView(read func(*location)) {
	if l.lag == nil {
		read(l)
		return
	}
	l.lag.mu.Lock()
	defer l.lag.mu.Unlock()
	read(l.lag.view(l))
}
