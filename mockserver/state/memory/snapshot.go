package memory

import (
	"context"
	"fmt"
	"slices"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// Snapshot implements state.Store. Locations come in creation order, contacts oldest first, tasks and notes
// in creation order: the same state always gives the same document.
func (m *Memory) Snapshot(ctx context.Context) (fixtures.Document, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.snapshotLocked(), nil
}

func (m *Memory) snapshotLocked() fixtures.Document {
	doc := fixtures.Document{Version: fixtures.FormatVersion, Locations: make([]fixtures.Location, 0, len(m.order))}
	for _, id := range m.order {
		l := m.locs[id]
		out := cloneLocationInfo(l.info)
		out.Contacts = make([]fixtures.ContactRecord, 0, len(l.byAdded))
		for _, c := range l.byAdded {
			rec := fixtures.ContactRecord{
				Contact:   cloneContact(c.c.Contact),
				Campaigns: slices.Clone(c.campaigns),
				Workflows: slices.Clone(c.workflows),
			}
			for _, t := range c.tasks {
				rec.Tasks = append(rec.Tasks, cloneTask(t))
			}
			for _, n := range c.notes {
				rec.Notes = append(rec.Notes, cloneNote(n))
			}
			out.Contacts = append(out.Contacts, rec)
		}
		for _, a := range l.appointments {
			out.Appointments = append(out.Appointments, cloneAppointment(a))
		}
		for _, b := range l.businesses {
			out.Businesses = append(out.Businesses, *b)
		}
		doc.Locations = append(doc.Locations, out)
	}
	return doc
}

// Restore implements state.Store.
func (m *Memory) Restore(ctx context.Context, doc fixtures.Document) error {
	return m.restore(ctx, doc, false)
}

// Reset implements state.Store.
func (m *Memory) Reset(ctx context.Context, doc fixtures.Document) error {
	return m.restore(ctx, doc, true)
}

func (m *Memory) restore(ctx context.Context, doc fixtures.Document, restartIDs bool) error {
	next, err := buildState(doc)
	if err != nil {
		return err
	}
	m.lock()
	defer m.unlock()
	m.adoptAllLocked(next)
	if restartIDs {
		return m.ids.Restart(ctx)
	}
	return nil
}

// Merge implements state.Store: the document's locations are added; a location that exists already gets
// the document's contents added to its own (its settings stay). Any clash of ids refuses the whole
// document.
func (m *Memory) Merge(ctx context.Context, doc fixtures.Document) error {
	m.lock()
	defer m.unlock()
	cur := m.snapshotLocked()
	pos := map[string]int{}
	for i, l := range cur.Locations {
		pos[l.ID] = i
	}
	for _, l := range doc.Locations {
		i, ok := pos[l.ID]
		if !ok {
			pos[l.ID] = len(cur.Locations)
			cur.Locations = append(cur.Locations, l)
			continue
		}
		dst := &cur.Locations[i]
		dst.Users = append(dst.Users, l.Users...)
		dst.CustomFields = append(dst.CustomFields, l.CustomFields...)
		dst.Contacts = append(dst.Contacts, l.Contacts...)
		dst.Appointments = append(dst.Appointments, l.Appointments...)
		dst.Businesses = append(dst.Businesses, l.Businesses...)
	}
	// The whole passes the fixture rules again, so clashes between the parts (a user, custom
	// field or contact id listed twice) refuse the document and the state stays loadable.
	if err := fixtures.Normalize(&cur); err != nil {
		return err
	}
	next, err := buildState(cur)
	if err != nil {
		return err
	}
	// Deleted contacts are not part of documents; the locations that stay keep their memory of
	// them (bulk tagging's "contact is deleted", cursors naming a deleted contact).
	for id, l := range next.locs {
		if old := m.locs[id]; old != nil {
			l.deleted, l.deletedOrder = old.deleted, old.deletedOrder
		}
	}
	m.adoptAllLocked(next)
	return nil
}

// adoptAllLocked makes next the state.
func (m *Memory) adoptAllLocked(next *built) {
	for _, l := range next.locs {
		m.adoptLocked(l)
	}
	m.locs, m.order = next.locs, next.order
}

// childSeen reports whether a task or note of c already has the id. A contact usually has a
// handful of children: a scan costs less than a map per contact.
func childSeen(c *contact, id string) bool {
	for _, t := range c.tasks {
		if t.ID == id {
			return true
		}
	}
	for _, n := range c.notes {
		if n.ID == id {
			return true
		}
	}
	return false
}

type built struct {
	locs  map[string]*location
	order []string
}

// buildState turns a document into a state, checking what the store relies on: ids present and
// unique, children attached to the contact and location they sit under. The contacts' slices and
// pointers are shared with the document, not copied: the store never writes into a stored contact
// (a change stores a new one), and the document is the store's from now on (see Restore).
func buildState(doc fixtures.Document) (*built, error) {
	s := &built{locs: map[string]*location{}}
	for li, ld := range doc.Locations {
		at := fmt.Sprintf("locations[%d]", li)
		if ld.ID == "" {
			return nil, fmt.Errorf("store: %s: id is empty", at)
		}
		if s.locs[ld.ID] != nil {
			return nil, fmt.Errorf("store: %s: location id %s is used twice", at, ld.ID)
		}
		l := newLocation(cloneLocationInfo(ld))
		l.contacts = make(map[string]*contact, len(ld.Contacts))
		l.byEmail = make(map[string]contactList, len(ld.Contacts))
		l.byPhone = make(map[string]contactList, len(ld.Contacts))
		l.byAdded = make([]*contact, 0, len(ld.Contacts))
		s.locs[ld.ID] = l
		s.order = append(s.order, ld.ID)
		// The location's contacts and their stored values in two arrays, in document order (the
		// list order): one allocation each instead of two per contact, and scans that read memory
		// in order. A contact replaced later keeps its array alive, which holds no more than the
		// state at start did.
		records := make([]contact, len(ld.Contacts))
		stored := make([]state.Contact, len(ld.Contacts))
		for ci := range ld.Contacts {
			rec := &ld.Contacts[ci]
			cat := func() string { return fmt.Sprintf("%s.contacts[%d]", at, ci) } // for errors only
			if rec.ID == "" {
				return nil, fmt.Errorf("store: %s: id is empty", cat())
			}
			if ownerOf(s.locs, rec.ID) != nil {
				return nil, fmt.Errorf("store: %s: contact id %s is used twice", cat(), rec.ID)
			}
			stored[ci].Contact = rec.Contact
			c := &records[ci]
			c.c, c.campaigns, c.workflows = &stored[ci], slices.Clone(rec.Campaigns), slices.Clone(rec.Workflows)
			c.c.LocationID = ld.ID
			// One array for a contact's tasks and one for its notes, instead of one allocation each.
			var tasks []fixtures.Task
			var notes []fixtures.Note
			if len(rec.Tasks) > 0 {
				c.tasks = make([]*fixtures.Task, 0, len(rec.Tasks))
				tasks = slices.Clone(rec.Tasks)
			}
			if len(rec.Notes) > 0 {
				c.notes = make([]*fixtures.Note, 0, len(rec.Notes))
				notes = slices.Clone(rec.Notes)
			}
			var seen map[string]bool // only for many children, where a scan would cost more
			if len(rec.Tasks)+len(rec.Notes) > 16 {
				seen = make(map[string]bool, len(rec.Tasks)+len(rec.Notes))
			}
			dup := func(id string) bool {
				if seen == nil {
					return childSeen(c, id)
				}
				if seen[id] {
					return true
				}
				seen[id] = true
				return false
			}
			for ti := range tasks {
				t := &tasks[ti]
				if t.ID == "" || dup(t.ID) {
					return nil, fmt.Errorf("store: %s.tasks[%d]: id is empty or used twice", cat(), ti)
				}
				t.ContactID, t.LocationID = rec.ID, ld.ID
				c.tasks = append(c.tasks, t)
			}
			for ni := range notes {
				n := &notes[ni]
				if n.ID == "" || dup(n.ID) {
					return nil, fmt.Errorf("store: %s.notes[%d]: id is empty or used twice", cat(), ni)
				}
				n.ContactID = rec.ID
				c.notes = append(c.notes, n)
			}
			l.insert(c)
		}
		for bi, b := range ld.Businesses {
			if b.ID == "" || l.businessByID[b.ID] != nil {
				return nil, fmt.Errorf("store: %s.businesses[%d]: id is empty or used twice", at, bi)
			}
			b.LocationID = ld.ID
			v := b
			l.businesses = append(l.businesses, &v)
			l.businessByID[v.ID] = &v
		}
		seen := map[string]bool{}
		for ai, a := range ld.Appointments {
			aat := func() string { return fmt.Sprintf("%s.appointments[%d]", at, ai) } // for errors only
			if a.ID == "" || seen[a.ID] {
				return nil, fmt.Errorf("store: %s: id is empty or used twice", aat())
			}
			if l.contacts[a.ContactID] == nil {
				return nil, fmt.Errorf("store: %s: contact %s is not in location %s", aat(), a.ContactID, ld.ID)
			}
			seen[a.ID] = true
			a.LocationID = ld.ID
			v := cloneAppointment(&a)
			l.appointments = append(l.appointments, &v)
		}
	}
	return s, nil
}
