package store

import (
	"bytes"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
)

// Memory is the in-memory Store. One RWMutex guards the whole state: reads share it, writes hold it
// for the few microseconds a change takes. Contacts of a location are also kept in an array sorted
// by (dateAdded, id), so that listing and cursor paging cost what the page costs, not what the
// location holds.
type Memory struct {
	now  func() time.Time
	sink func(Event)

	mu sync.RWMutex // guards everything below
	// locs maps a location id to its state; order keeps creation order.
	locs  map[string]*location
	order []string
	rng   *rand.Rand
	// seeded: rng was seeded by SeedIDs, not at random (see freshIDLocked).
	seeded bool
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
	c         *Stored
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

// NewMemory returns an empty store. now is the clock (the mock's injectable one); sink, if not nil,
// receives every event in change order (see Event).
func NewMemory(now func() time.Time, sink func(Event)) *Memory {
	var seed [16]byte
	_, _ = crand.Read(seed[:])
	return &Memory{
		now:  now,
		sink: sink,
		locs: map[string]*location{},
		rng:  rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:]))),
	}
}

var _ Store = (*Memory)(nil)

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

func (m *Memory) emitLocked(e Event) {
	if m.sink != nil {
		m.sink(e)
	}
}

func (m *Memory) newIDLocked() string { return fixtures.NewID(m.rng.IntN) }

// freshIDLocked draws an id. With seeded ids (SeedIDs) a state loaded from a file may hold the ids
// the sequence is about to give again, so it draws until taken says one is free. Unseeded, the
// source is seeded at random and a repeat among 62^20 ids is not worth a check (for a task or a
// note, a scan of the contact's children on every create).
func (m *Memory) freshIDLocked(taken func(string) bool) string {
	id := m.newIDLocked()
	for m.seeded && taken(id) {
		id = m.newIDLocked()
	}
	return id
}

// SeedIDs makes the ids the store gives from now on (contacts, tasks, notes, and locations,
// appointments and businesses created without one) a function of the seed and of the writes that
// draw them: the same writes in the same order get the same ids on every run. An id already in
// the state is never given again.
func (m *Memory) SeedIDs(seed uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seedLocked(seed)
}

func (m *Memory) seedLocked(seed uint64) {
	m.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	m.seeded = true
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
		return nil, &NotFoundError{Kind: "Location", ID: id}
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
		return l, nil, &NotFoundError{Kind: "Contact", ID: id}
	}
	return l, c, nil
}

// position returns the index of the first contact in byAdded whose key is >= (added, seq).
func (l *location) position(added fixtures.Timestamp, seq uint64) int {
	return sort.Search(len(l.byAdded), func(i int) bool {
		c := l.byAdded[i]
		if c.c.DateAdded != added {
			return c.c.DateAdded > added
		}
		return c.seq >= seq
	})
}

// placeKey is a contact's place in byAdded.
type placeKey struct {
	added fixtures.Timestamp
	seq   uint64
}

// cursor returns the position just after a page that ended with the contact (added, id): the
// contact's own key when it still exists or was deleted since (a page's last contact may be
// deleted before the next page is asked for: the contacts added in the same millisecond before it
// must not be skipped), else every contact added at or after that instant.
func (l *location) cursor(added fixtures.Timestamp, id string) int {
	if c := l.contacts[id]; c != nil && (added == 0 || c.c.DateAdded == added) {
		return l.position(c.c.DateAdded, c.seq)
	}
	if k, ok := l.deleted[id]; ok && (added == 0 || k.added == added) {
		return l.position(k.added, k.seq)
	}
	return l.position(added, 0)
}

func (l *location) insert(c *contact) {
	l.nextSeq++
	c.seq = l.nextSeq
	if n := len(l.byAdded); n == 0 || l.byAdded[n-1].c.DateAdded <= c.c.DateAdded {
		// The newest yet (its seq is the highest): the usual case, when a document lists its
		// contacts oldest first or a contact is created now.
		l.byAdded = append(l.byAdded, c)
	} else {
		i := l.position(c.c.DateAdded, c.seq)
		l.byAdded = slices.Insert(l.byAdded, i, c)
	}
	l.contacts[c.c.ID] = c
	l.index(c)
	l.tagIndexAdd(c, tagKeys(c.c.Tags))
	for _, x := range l.sorted {
		x.add(c)
	}
	if l.lag != nil {
		l.lag.record(c.c.ID, c.c)
	}
}

func (l *location) remove(c *contact) {
	i := l.position(c.c.DateAdded, c.seq)
	if i < len(l.byAdded) && l.byAdded[i] == c {
		l.byAdded = slices.Delete(l.byAdded, i, i+1)
	}
	delete(l.contacts, c.c.ID)
	l.unindex(c)
	l.tagIndexDrop(c, tagKeys(c.c.Tags))
	for _, x := range l.sorted {
		x.drop(c)
	}
	if l.lag != nil {
		l.lag.record(c.c.ID, nil)
	}
}

func (l *location) index(c *contact) {
	c.hay = ""
	if l.hayReady.Load() {
		c.hay = haystack(&c.c.Contact)
	}
	if e := strings.ToLower(c.c.Email); e != "" {
		l.byEmail[e] = l.byEmail[e].add(c)
	}
	if p := c.c.Phone; p != "" {
		l.byPhone[p] = l.byPhone[p].add(c)
	}
}

func (l *location) unindex(c *contact) {
	drop := func(idx map[string]contactList, key string) {
		if key == "" {
			return
		}
		if list := idx[key].drop(c); list.first == nil {
			delete(idx, key)
		} else {
			idx[key] = list
		}
	}
	drop(l.byEmail, strings.ToLower(c.c.Email))
	drop(l.byPhone, c.c.Phone)
}

// contactList is the contacts of a location that share one e-mail or one phone, in the order they
// were indexed; the first is held in the map's value itself, so that the usual entry of one
// contact costs no allocation of its own, and the value stays two words (the maps hold an entry
// per contact).
type contactList struct {
	first *contact
	rest  *[]*contact // only where the location allows duplicates, or a write is under way
}

func (s contactList) add(c *contact) contactList {
	switch {
	case s.first == nil:
		s.first = c
	case s.rest == nil:
		s.rest = &[]*contact{c}
	default:
		*s.rest = append(*s.rest, c)
	}
	return s
}

// drop returns the list without c; its first is nil when it is empty.
func (s contactList) drop(c *contact) contactList {
	if s.rest == nil {
		if s.first == c {
			return contactList{}
		}
		return s
	}
	rest := *s.rest
	if s.first == c {
		s.first, rest = rest[0], rest[1:]
	} else {
		rest = slices.DeleteFunc(rest, func(x *contact) bool { return x == c })
	}
	if len(rest) == 0 {
		s.rest = nil
	} else {
		*s.rest = rest
	}
	return s
}

// other returns the first contact of the list that is not exclude, or nil.
func (s contactList) other(exclude *contact) *contact {
	if s.first != nil && s.first != exclude {
		return s.first
	}
	if s.rest != nil {
		for _, c := range *s.rest {
			if c != exclude {
				return c
			}
		}
	}
	return nil
}

func (l *location) priority() []string {
	if len(l.info.DuplicatePriority) > 0 {
		return l.info.DuplicatePriority
	}
	return []string{"email", "phone"}
}

// match finds the oldest contact other than exclude whose field equals the value.
func (l *location) match(field, value string, exclude *contact) *contact {
	if value == "" {
		return nil
	}
	switch field {
	case "email":
		return l.byEmail[strings.ToLower(value)].other(exclude)
	case "phone":
		return l.byPhone[value].other(exclude)
	}
	return nil
}

// matchAny walks the location's identifier priority and returns the first match.
func (l *location) matchAny(email, phone string, exclude *contact) (*contact, string) {
	for _, f := range l.priority() {
		v := email
		if f == "phone" {
			v = phone
		}
		if c := l.match(f, v, exclude); c != nil {
			return c, f
		}
	}
	return nil, ""
}

func cloneContact(c fixtures.Contact) fixtures.Contact {
	c.AdditionalEmails = slices.Clone(c.AdditionalEmails)
	c.AdditionalPhones = slices.Clone(c.AdditionalPhones)
	c.Tags = cloneNonNil(c.Tags)
	c.Followers = cloneNonNil(c.Followers)
	cf := make([]fixtures.CustomField, len(c.CustomFields))
	for i, f := range c.CustomFields {
		cf[i] = fixtures.CustomField{ID: f.ID, Value: slices.Clone(f.Value)}
	}
	c.CustomFields = cf
	if c.DNDSettings != nil {
		d := cloneDND(*c.DNDSettings)
		c.DNDSettings = &d
	}
	if c.AttributionSource != nil {
		a := *c.AttributionSource
		c.AttributionSource = &a
	}
	if c.LastAttributionSource != nil {
		a := *c.LastAttributionSource
		c.LastAttributionSource = &a
	}
	if c.CreatedBy != nil {
		cb := *c.CreatedBy
		c.CreatedBy = &cb
	}
	return c
}

func cloneDND(d fixtures.DNDSettings) fixtures.DNDSettings {
	for _, p := range []**fixtures.DNDSetting{&d.Call, &d.Email, &d.SMS, &d.WhatsApp, &d.GMB, &d.FB} {
		if *p != nil {
			v := **p
			*p = &v
		}
	}
	return d
}

func cloneNonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

func cloneTask(t *fixtures.Task) fixtures.Task { return *t }
func cloneNote(n *fixtures.Note) fixtures.Note { return *n }

func cloneAppointment(a *fixtures.Appointment) fixtures.Appointment {
	v := *a
	v.Users = cloneNonNil(v.Users)
	v.AssignedResources = cloneNonNil(v.AssignedResources)
	return v
}

// --- locations ------------------------------------------------------------------------------

// Locations implements Store.
func (m *Memory) Locations() []fixtures.Location {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]fixtures.Location, 0, len(m.order))
	for _, id := range m.order {
		out = append(out, cloneLocationInfo(m.locs[id].info))
	}
	return out
}

func cloneLocationInfo(l fixtures.Location) fixtures.Location {
	l.DuplicatePriority = slices.Clone(l.DuplicatePriority)
	l.Users = slices.Clone(l.Users)
	l.CustomFields = slices.Clone(l.CustomFields)
	return l
}

// Location implements Store.
func (m *Memory) Location(id string) (fixtures.Location, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	l, err := m.locLocked(id)
	if err != nil {
		return fixtures.Location{}, err
	}
	return cloneLocationInfo(l.info), nil
}

// CreateLocation implements Store.
func (m *Memory) CreateLocation(info fixtures.Location) (fixtures.Location, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if info.ID == "" {
		info.ID = m.freshIDLocked(func(id string) bool { return m.locs[id] != nil })
	}
	if m.locs[info.ID] != nil {
		return fixtures.Location{}, ErrExists
	}
	l := newLocation(cloneLocationInfo(info))
	m.adoptLocked(l)
	m.locs[info.ID] = l
	m.order = append(m.order, info.ID)
	return cloneLocationInfo(l.info), nil
}

// DeleteLocation implements Store.
func (m *Memory) DeleteLocation(id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.locLocked(id); err != nil {
		return err
	}
	delete(m.locs, id)
	m.order = slices.DeleteFunc(m.order, func(o string) bool { return o == id })
	return nil
}

// --- contacts -------------------------------------------------------------------------------

// GetContact implements Store.
func (m *Memory) GetContact(loc, id string) (fixtures.Contact, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, c, err := m.contactLocked(loc, id)
	if err != nil {
		return fixtures.Contact{}, err
	}
	return cloneContact(c.c.Contact), nil
}

// ContactShared is GetContact without the copy: the stored contact itself, read-only.
func (m *Memory) ContactShared(loc, id string) (*Stored, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, c, err := m.contactLocked(loc, id)
	if err != nil {
		return nil, err
	}
	return c.c, nil
}

// applyInput writes the input's fields onto c. It reports which kinds of fields changed.
func applyInput(l *location, c *fixtures.Contact, in ContactInput, ignoreGender bool) (changes, error) {
	var ch changes
	var msgs []string
	str := func(dst *string, o Opt[string]) {
		if o.Set && *dst != o.V {
			*dst = o.V
			ch.fields = true
		}
	}
	str(&c.FirstName, in.FirstName)
	str(&c.LastName, in.LastName)
	if in.Name.Set {
		if !in.FirstName.Set && !in.LastName.Set {
			first, last, _ := strings.Cut(strings.TrimSpace(in.Name.V), " ")
			str(&c.FirstName, Of(first))
			str(&c.LastName, Of(strings.TrimSpace(last)))
		}
		str(&c.Name, in.Name)
	}
	if in.Email.Set {
		e := strings.TrimSpace(in.Email.V)
		if e != "" && !fixtures.ValidEmail(e) {
			msgs = append(msgs, "email must be an email")
		}
		str(&c.Email, Of(e))
	}
	if in.Phone.Set {
		p, err := fixtures.NormalizePhone(in.Phone.V)
		if err != nil {
			msgs = append(msgs, err.Error())
		}
		str(&c.Phone, Of(p))
	}
	str(&c.CompanyName, in.CompanyName)
	str(&c.Timezone, in.Timezone)
	if !ignoreGender {
		str(&c.Gender, in.Gender)
	}
	str(&c.Source, in.Source)
	str(&c.AssignedTo, in.AssignedTo)
	str(&c.Address1, in.Address1)
	str(&c.City, in.City)
	str(&c.State, in.State)
	str(&c.Country, in.Country)
	str(&c.PostalCode, in.PostalCode)
	str(&c.Website, in.Website)
	if in.DateOfBirth.Set {
		var dob string
		if in.DateOfBirth.Has() {
			var s string
			if err := json.Unmarshal(in.DateOfBirth.V, &s); err != nil {
				msgs = append(msgs, fixtures.ErrDateOfBirth.Error())
			} else if s != "" {
				d, err := fixtures.ParseDateOfBirth(s)
				if err != nil {
					msgs = append(msgs, err.Error())
				}
				dob = d
			}
		}
		str(&c.DateOfBirth, Of(dob))
	}
	if in.DND.Set && c.DND != in.DND.V {
		c.DND = in.DND.V
		ch.dnd = true
	}
	if in.DNDSettings.Set {
		var next *fixtures.DNDSettings
		if in.DNDSettings.Has() {
			merged := fixtures.DNDSettings{}
			if c.DNDSettings != nil {
				merged = cloneDND(*c.DNDSettings)
			}
			v := cloneDND(in.DNDSettings.V)
			for _, p := range []struct{ dst, src **fixtures.DNDSetting }{
				{&merged.Call, &v.Call}, {&merged.Email, &v.Email}, {&merged.SMS, &v.SMS},
				{&merged.WhatsApp, &v.WhatsApp}, {&merged.GMB, &v.GMB}, {&merged.FB, &v.FB},
			} {
				if *p.src != nil {
					*p.dst = *p.src
				}
			}
			next = &merged
		}
		if !dndEqual(c.DNDSettings, next) {
			c.DNDSettings = next
			ch.dnd = true
		}
	}
	if in.Tags.Set {
		tags := fixtures.NormalizeTags(in.Tags.V)
		if !slices.Equal(tags, c.Tags) {
			c.Tags = tags
			ch.tags = true
		}
	}
	if in.CustomFields.Has() {
		for k, f := range in.CustomFields.V {
			id := f.ID
			var def *fixtures.CustomFieldDef
			for i, d := range l.info.CustomFields {
				if (id != "" && d.ID == id) || (id == "" && f.Key != "" &&
					strings.TrimPrefix(d.Key, "contact.") == strings.TrimPrefix(f.Key, "contact.")) {
					def = &l.info.CustomFields[i]
					id = d.ID
					break
				}
			}
			if id == "" {
				continue // an unknown key is ignored, as live
			}
			var val json.RawMessage
			if len(f.FieldValue) == 0 {
				val = json.RawMessage(`""`)
			} else {
				var b bytes.Buffer
				_ = json.Compact(&b, f.FieldValue) // valid: it was decoded
				val = b.Bytes()
			}
			// A defined field takes the values its type takes: the same rule a fixture file's
			// values pass, so every stored value loads back.
			if def != nil {
				if reason := fixtures.CheckFieldValue(def.DataType, val); reason != "" {
					msgs = append(msgs, fmt.Sprintf("customFields.%d.field_value %s", k, reason))
					continue
				}
			}
			i := slices.IndexFunc(c.CustomFields, func(x fixtures.CustomField) bool { return x.ID == id })
			switch {
			case i < 0:
				c.CustomFields = append(c.CustomFields, fixtures.CustomField{ID: id, Value: val})
				ch.fields = true
			case !bytes.Equal(c.CustomFields[i].Value, val):
				c.CustomFields[i].Value = val
				ch.fields = true
			}
		}
	}
	if in.AttributionSource.Has() {
		a := in.AttributionSource.V
		switch {
		case c.AttributionSource == nil:
			c.AttributionSource = &a
			ch.fields = true
		case *c.AttributionSource != a && (c.LastAttributionSource == nil || *c.LastAttributionSource != a):
			c.LastAttributionSource = &a
			ch.fields = true
		}
	}
	if len(msgs) > 0 {
		return ch, invalid(msgs...)
	}
	fixtures.DeriveNames(c)
	return ch, nil
}

type changes struct{ fields, tags, dnd bool }

func dndEqual(a, b *fixtures.DNDSettings) bool {
	if a == nil || b == nil {
		return a == b
	}
	eq := func(x, y *fixtures.DNDSetting) bool {
		if x == nil || y == nil {
			return x == y
		}
		return *x == *y
	}
	return eq(a.Call, b.Call) && eq(a.Email, b.Email) && eq(a.SMS, b.SMS) &&
		eq(a.WhatsApp, b.WhatsApp) && eq(a.GMB, b.GMB) && eq(a.FB, b.FB)
}

// CreateContact implements Store.
func (m *Memory) CreateContact(loc string, in ContactInput) (fixtures.Contact, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return fixtures.Contact{}, err
	}
	c, err := m.createLocked(l, in, !l.info.AllowDuplicateContact)
	if err != nil {
		return fixtures.Contact{}, err
	}
	return cloneContact(c.c.Contact), nil
}

// CreateContactShared is CreateContact answering the stored contact itself, read-only (see
// Stored), instead of a copy.
func (m *Memory) CreateContactShared(loc string, in ContactInput) (*Stored, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return nil, err
	}
	c, err := m.createLocked(l, in, !l.info.AllowDuplicateContact)
	if err != nil {
		return nil, err
	}
	return c.c, nil
}

// UpdateContactShared is UpdateContact answering the stored contact itself, read-only.
func (m *Memory) UpdateContactShared(loc, id string, in ContactInput) (*Stored, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, c, err := m.contactLocked(loc, id)
	if err != nil {
		return nil, err
	}
	if err := m.updateLocked(l, c, in, false); err != nil {
		return nil, err
	}
	return c.c, nil
}

func (m *Memory) createLocked(l *location, in ContactInput, checkDuplicates bool) (*contact, error) {
	now := m.stampLocked()
	// Built before it is stored: until insert, nobody else sees it.
	c := &contact{c: &Stored{Contact: fixtures.Contact{
		ID: m.newIDLocked(), LocationID: l.info.ID, Type: "lead",
		Tags: []string{}, CustomFields: []fixtures.CustomField{}, Followers: []string{},
		DateAdded: now, DateUpdated: now,
		CreatedBy: &fixtures.CreatedBy{Source: "INTEGRATION", Channel: "OAUTH", Timestamp: now},
	}}}
	if _, err := applyInput(l, &c.c.Contact, in, false); err != nil {
		return nil, err
	}
	if checkDuplicates {
		if dup, field := l.matchAny(c.c.Email, c.c.Phone, nil); dup != nil {
			return nil, &DuplicateError{ContactID: dup.c.ID, ContactName: dup.c.Name, MatchingField: field}
		}
	}
	for ownerOf(m.locs, c.c.ID) != nil { // a lookup per location: checked seeded or not
		c.c.ID = m.newIDLocked()
	}
	l.insert(c)
	m.emitLocked(Event{Type: ContactCreate, LocationID: l.info.ID, Contact: &c.c.Contact})
	return c, nil
}

func ptr[T any](v T) *T { return &v }

// UpdateContact implements Store.
func (m *Memory) UpdateContact(loc, id string, in ContactInput) (fixtures.Contact, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, c, err := m.contactLocked(loc, id)
	if err != nil {
		return fixtures.Contact{}, err
	}
	if err := m.updateLocked(l, c, in, false); err != nil {
		return fixtures.Contact{}, err
	}
	return cloneContact(c.c.Contact), nil
}

// updateLocked applies in to c. upsert relaxes two rules the way the live upsert does: gender is
// ignored, and an identifier that would collide with another contact is dropped instead of refused.
func (m *Memory) updateLocked(l *location, c *contact, in ContactInput, upsert bool) error {
	next := cloneContact(c.c.Contact) // a deep copy: applyInput writes into its slices
	ch, err := applyInput(l, &next, in, upsert)
	if err != nil {
		return err
	}
	if !l.info.AllowDuplicateContact {
		for _, f := range l.priority() {
			v, old := next.Email, c.c.Email
			if f == "phone" {
				v, old = next.Phone, c.c.Phone
			}
			if strings.EqualFold(v, old) {
				continue
			}
			if dup := l.match(f, v, c); dup != nil {
				if !upsert {
					return &DuplicateError{ContactID: dup.c.ID, ContactName: dup.c.Name, MatchingField: f}
				}
				if f == "phone" {
					next.Phone = c.c.Phone
				} else {
					next.Email, next.EmailLowerCase = c.c.Email, c.c.EmailLowerCase
				}
			}
		}
	}
	// Every write moves dateUpdated (as a document store's update does); events fire only for what
	// changed, as the live API's ContactUpdate fires only when a field changes.
	next.DateUpdated = touch(c.c.DateUpdated, m.stampLocked())
	l.unindex(c)
	old := c.c.Tags
	l.replace(c, &Stored{Contact: next})
	l.index(c)
	l.retagIndex(c, old, c.c.Tags)
	if ch.fields {
		m.emitLocked(Event{Type: ContactUpdate, LocationID: l.info.ID, Contact: &c.c.Contact})
	}
	if ch.tags {
		m.emitLocked(Event{Type: ContactTagUpdate, LocationID: l.info.ID, Contact: &c.c.Contact})
	}
	if ch.dnd {
		m.emitLocked(Event{Type: ContactDndUpdate, LocationID: l.info.ID, Contact: &c.c.Contact})
	}
	return nil
}

// UpsertContact implements Store.
func (m *Memory) UpsertContact(loc string, in ContactInput, createNew bool) (fixtures.Contact, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return fixtures.Contact{}, false, err
	}
	if !(createNew && l.info.AllowDuplicateContact) {
		email := strings.TrimSpace(in.Email.V)
		phone := ""
		if in.Phone.Has() {
			phone, _ = fixtures.NormalizePhone(in.Phone.V)
		}
		if c, _ := l.matchAny(email, phone, nil); c != nil {
			if err := m.updateLocked(l, c, in, true); err != nil {
				return fixtures.Contact{}, false, err
			}
			return cloneContact(c.c.Contact), false, nil
		}
	}
	c, err := m.createLocked(l, in, false)
	if err != nil {
		return fixtures.Contact{}, false, err
	}
	return cloneContact(c.c.Contact), true, nil
}

// DeleteContact implements Store. The contact's tasks, notes and appointments go with it.
func (m *Memory) DeleteContact(loc, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, c, err := m.contactLocked(loc, id)
	if err != nil {
		return err
	}
	l.remove(c)
	l.rememberDeleted(id, placeKey{added: c.c.DateAdded, seq: c.seq})
	l.appointments = slices.DeleteFunc(l.appointments, func(a *fixtures.Appointment) bool { return a.ContactID == id })
	m.emitLocked(Event{Type: ContactDelete, LocationID: loc, Contact: &c.c.Contact})
	return nil
}

// haystack joins what textMatch searches, NUL-separated.
func haystack(c *fixtures.Contact) string {
	company := strings.ToLower(c.CompanyName)
	var b strings.Builder
	b.Grow(len(c.FullNameLowerCase) + len(c.EmailLowerCase) + len(c.Phone) + len(company) + 3)
	b.WriteString(c.FullNameLowerCase)
	b.WriteByte(0)
	b.WriteString(c.EmailLowerCase)
	b.WriteByte(0)
	b.WriteString(c.Phone)
	b.WriteByte(0)
	b.WriteString(company)
	return b.String()
}

// ensureHay makes the haystacks of every contact of the location, once (see hayMu). The caller
// holds the store's lock, read or write.
func (l *location) ensureHay() {
	if l.hayReady.Load() {
		return
	}
	l.hayMu.Lock()
	defer l.hayMu.Unlock()
	if l.hayReady.Load() {
		return
	}
	hays := make([]string, len(l.byAdded))
	total := 0
	for i, c := range l.byAdded {
		hays[i] = haystack(&c.c.Contact)
		total += len(hays[i])
	}
	buf := make([]byte, 0, total)
	for _, h := range hays {
		buf = append(buf, h...)
	}
	all := string(buf)
	off := 0
	for i, c := range l.byAdded {
		c.hay = all[off : off+len(hays[i])]
		off += len(hays[i])
	}
	l.hayReady.Store(true)
}

// matches is textMatch(c, q) with one search of the contact's haystack instead of four (and no
// lower-casing of the company per contact): a query without NUL matches the joined fields exactly
// where it matches one of them, since a match cannot cross a separator. c is a contact of l.
// scanMatches reports for each contact of cands (contacts of l) whether it matches: f must only
// read (the store's filters and text match do). A query or a filter that the location keeps no
// index for reads every candidate: a long list is split over the CPUs, so that one request does
// not wait for one core to read 100,000 contacts. query is the request's free-text query, whose
// haystacks are made first. The caller holds the store's lock, read or write, until it returns.
//
// The slice comes from a pool: give it back with releaseHits once read.
func (l *location) scanMatches(cands []*contact, query string, f func(*contact) bool) []bool {
	var hits []bool
	if p, ok := hitsPool.Get().(*[]bool); ok && cap(*p) >= len(cands) {
		hits = (*p)[:len(cands)] // every element is written below
	} else {
		hits = make([]bool, len(cands))
	}
	scan := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			hits[i] = f(cands[i])
		}
	}
	if query != "" {
		l.ensureHay() // once, before the goroutines read the haystacks
	}
	n := runtime.GOMAXPROCS(0)
	if n < 2 || len(cands) < parallelScanMin {
		scan(0, len(cands))
		return hits
	}
	// The list is cut into chunks that the caller and n-1 goroutines take in turn, so that a CPU
	// that is busy elsewhere (the collector, another request) leaves its share to the others
	// instead of holding up the answer with one long half.
	chunk := max(parallelScanMin/4, 1)
	chunks := (len(cands) + chunk - 1) / chunk
	var next atomic.Int64
	work := func() {
		for {
			k := int(next.Add(1) - 1)
			if k >= chunks {
				return
			}
			scan(k*chunk, min((k+1)*chunk, len(cands)))
		}
	}
	var wg sync.WaitGroup
	var panicked atomic.Value
	for range min(n, chunks) - 1 {
		wg.Go(func() {
			// A panic here would end the process (no handler's recovery reaches another
			// goroutine): it is raised again in the request's goroutine.
			defer func() {
				if p := recover(); p != nil {
					panicked.Store(fmt.Sprint(p))
				}
			}()
			work()
		})
	}
	work()
	wg.Wait()
	if p := panicked.Load(); p != nil {
		panic(p)
	}
	return hits
}

// hitsPool keeps the result slices of scanMatches: one is a byte per contact of a location (100 KB
// at 100,000 contacts), and a free-text query per request would otherwise make the collector run
// over a large heap far more often.
var hitsPool sync.Pool

// releaseHits gives back a slice from scanMatches.
func releaseHits(hits []bool) {
	if cap(hits) > 0 {
		hitsPool.Put(&hits)
	}
}

// parallelScanMin is the shortest list scanMatches splits over the CPUs (a variable for the tests,
// which split short lists).
var parallelScanMin = 8192

func (l *location) matches(c *contact, q string) bool {
	if q == "" {
		return true
	}
	if strings.IndexByte(q, 0) >= 0 {
		return textMatch(&c.c.Contact, q)
	}
	l.ensureHay()
	return strings.Contains(c.hay, q)
}

// textMatch reports whether a free-text query matches a contact (name, email, phone, company).
func textMatch(c *fixtures.Contact, q string) bool {
	if q == "" {
		return true
	}
	return strings.Contains(c.FullNameLowerCase, q) || strings.Contains(c.EmailLowerCase, q) ||
		strings.Contains(c.Phone, q) || strings.Contains(strings.ToLower(c.CompanyName), q)
}

// ListContacts implements Store: newest first by dateAdded, ties by id, with a cursor.
func (m *Memory) ListContacts(loc string, q ListQuery) (ListPage, error) {
	shared, err := m.ListContactsShared(loc, q)
	if err != nil {
		return ListPage{}, err
	}
	page := ListPage{Contacts: make([]fixtures.Contact, len(shared.Contacts)), Total: shared.Total, Offset: shared.Offset, More: shared.More}
	for i, c := range shared.Contacts {
		page.Contacts[i] = cloneContact(c.Contact)
	}
	return page, nil
}

// SharedPage is ListPage with the stored contacts themselves, read-only.
type SharedPage struct {
	Contacts []*Stored
	Total    int
	Offset   int
	More     bool
}

// ListContactsShared is ListContacts without the copies.
func (m *Memory) ListContactsShared(loc string, q ListQuery) (SharedPage, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return SharedPage{}, err
	}
	start := len(l.byAdded) // scan from start-1 down to 0
	switch {
	case q.StartAfterID != "":
		if l.contacts[q.StartAfterID] == nil && !hasDeleted(l.deleted, q.StartAfterID) && q.StartAfter == 0 {
			return SharedPage{}, &BadRequestError{Message: fmt.Sprintf("Contact with id %s not found", q.StartAfterID)}
		}
		start = l.cursor(fixtures.Timestamp(q.StartAfter), q.StartAfterID)
	case q.StartAfter != 0:
		start = l.position(fixtures.Timestamp(q.StartAfter), 0)
	}
	query := strings.ToLower(strings.TrimSpace(q.Query))
	page := SharedPage{Contacts: make([]*Stored, 0, min(q.Limit, start))}
	if query == "" {
		page.Total = len(l.byAdded)
		page.Offset = len(l.byAdded) - start
		for i := start - 1; i >= 0 && len(page.Contacts) < q.Limit; i-- {
			page.Contacts = append(page.Contacts, l.byAdded[i].c)
		}
		page.More = start-len(page.Contacts) > 0
		return page, nil
	}
	hits := l.scanMatches(l.byAdded, query, func(c *contact) bool { return l.matches(c, query) })
	defer releaseHits(hits)
	for i := len(l.byAdded) - 1; i >= 0; i-- {
		c := l.byAdded[i]
		if !hits[i] {
			continue
		}
		page.Total++
		switch {
		case i >= start:
			page.Offset++
		case len(page.Contacts) < q.Limit:
			page.Contacts = append(page.Contacts, c.c)
		default:
			page.More = true
		}
	}
	return page, nil
}

// FindDuplicate implements Store: the contact the location's duplicate rules would match.
func (m *Memory) FindDuplicate(loc, email, phone string) (*fixtures.Contact, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return nil, err
	}
	if phone != "" {
		if p, err := fixtures.NormalizePhone(phone); err == nil {
			phone = p
		}
	}
	var found *fixtures.Contact
	l.searchView(func(l *location) {
		if c, _ := l.matchAny(strings.TrimSpace(email), phone, nil); c != nil {
			found = ptr(cloneContact(c.c.Contact))
		}
	})
	return found, nil
}

// ContactsByBusiness implements Store.
func (m *Memory) ContactsByBusiness(loc, businessID, query string, skip, limit int) ([]fixtures.Contact, int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return nil, 0, err
	}
	query = strings.ToLower(strings.TrimSpace(query))
	out := []fixtures.Contact{}
	count := 0
	for i := len(l.byAdded) - 1; i >= 0; i-- {
		c := l.byAdded[i]
		if c.c.BusinessID != businessID || !l.matches(c, query) {
			continue
		}
		if count >= skip && len(out) < limit {
			out = append(out, cloneContact(c.c.Contact))
		}
		count++
	}
	return out, count, nil
}

// --- tags, followers, campaigns, workflows ---------------------------------------------------

// AddTags implements Store.
func (m *Memory) AddTags(loc, id string, tags []string) ([]string, error) {
	return m.retag(loc, id, tags, false)
}

// RemoveTags implements Store.
func (m *Memory) RemoveTags(loc, id string, tags []string) ([]string, error) {
	return m.retag(loc, id, tags, true)
}

func (m *Memory) retag(loc, id string, tags []string, remove bool) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, c, err := m.contactLocked(loc, id)
	if err != nil {
		return nil, err
	}
	m.retagLocked(l, c, fixtures.NormalizeTags(tags), remove, false)
	return slices.Clone(c.c.Tags), nil
}

// retagLocked applies a tag set operation and returns what it added or removed.
func (m *Memory) retagLocked(l *location, c *contact, tags []string, remove, all bool) []string {
	var changed []string
	next := c.c.Contact // shares its slices with the stored one: only replace them, never write into them
	if remove {
		keep := make([]string, 0, len(next.Tags))
		for _, t := range next.Tags {
			if all || slices.Contains(tags, t) {
				changed = append(changed, t)
			} else {
				keep = append(keep, t)
			}
		}
		next.Tags = keep
	} else {
		added := slices.Clip(next.Tags)
		for _, t := range tags {
			if !slices.Contains(added, t) {
				added = append(added, t)
				changed = append(changed, t)
			}
		}
		next.Tags = added
	}
	next.DateUpdated = touch(next.DateUpdated, m.stampLocked())
	old := c.c.Tags
	l.replace(c, &Stored{Contact: next})
	l.retagIndex(c, old, c.c.Tags)
	if len(changed) > 0 {
		m.emitLocked(Event{Type: ContactTagUpdate, LocationID: l.info.ID, Contact: &c.c.Contact})
	}
	return changed
}

// AddFollowers implements Store.
func (m *Memory) AddFollowers(loc, id string, followers []string) ([]string, []string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, c, err := m.contactLocked(loc, id)
	if err != nil {
		return nil, nil, err
	}
	added := []string{}
	all := slices.Clip(c.c.Followers) // appending copies: the stored slice is never written into
	for _, f := range followers {
		if f != "" && !slices.Contains(all, f) {
			all = append(all, f)
			added = append(added, f)
		}
	}
	m.followersWrittenLocked(l, c, all, len(added) > 0)
	return slices.Clone(all), added, nil
}

// RemoveFollowers implements Store.
func (m *Memory) RemoveFollowers(loc, id string, followers []string) ([]string, []string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, c, err := m.contactLocked(loc, id)
	if err != nil {
		return nil, nil, err
	}
	removed := []string{}
	keep := make([]string, 0, len(c.c.Followers))
	for _, f := range c.c.Followers {
		if slices.Contains(followers, f) {
			removed = append(removed, f)
		} else {
			keep = append(keep, f)
		}
	}
	m.followersWrittenLocked(l, c, keep, len(removed) > 0)
	return slices.Clone(keep), removed, nil
}

// followersWrittenLocked records a write of followers: a new dateUpdated, and a ContactUpdate when
// the list changed.
func (m *Memory) followersWrittenLocked(l *location, c *contact, followers []string, changed bool) {
	next := c.c.Contact
	next.Followers = followers
	next.DateUpdated = touch(next.DateUpdated, m.stampLocked())
	l.replace(c, &Stored{Contact: next})
	if changed {
		m.emitLocked(Event{Type: ContactUpdate, LocationID: l.info.ID, Contact: &c.c.Contact})
	}
}

// AddToCampaign implements Store.
func (m *Memory) AddToCampaign(loc, id, campaignID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, c, err := m.contactLocked(loc, id)
	if err != nil {
		return err
	}
	if !slices.Contains(c.campaigns, campaignID) {
		c.campaigns = append(c.campaigns, campaignID)
	}
	return nil
}

// RemoveFromCampaign implements Store.
func (m *Memory) RemoveFromCampaign(loc, id, campaignID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, c, err := m.contactLocked(loc, id)
	if err != nil {
		return err
	}
	c.campaigns = slices.DeleteFunc(c.campaigns, func(s string) bool { return s == campaignID })
	return nil
}

// RemoveFromAllCampaigns implements Store.
func (m *Memory) RemoveFromAllCampaigns(loc, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, c, err := m.contactLocked(loc, id)
	if err != nil {
		return err
	}
	c.campaigns = nil
	return nil
}

// AddToWorkflow implements Store.
func (m *Memory) AddToWorkflow(loc, id, workflowID, eventStartTime string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, c, err := m.contactLocked(loc, id)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(c.workflows, func(w fixtures.Workflow) bool { return w.ID == workflowID })
	if i >= 0 {
		c.workflows[i].EventStartTime = eventStartTime
	} else {
		c.workflows = append(c.workflows, fixtures.Workflow{ID: workflowID, EventStartTime: eventStartTime})
	}
	return nil
}

// RemoveFromWorkflow implements Store.
func (m *Memory) RemoveFromWorkflow(loc, id, workflowID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, c, err := m.contactLocked(loc, id)
	if err != nil {
		return err
	}
	c.workflows = slices.DeleteFunc(c.workflows, func(w fixtures.Workflow) bool { return w.ID == workflowID })
	return nil
}

// BulkTags implements Store: one result per contact id, in request order.
func (m *Memory) BulkTags(loc string, ids, tags []string, remove, removeAll bool) ([]BulkTagResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return nil, err
	}
	tags = fixtures.NormalizeTags(tags)
	out := make([]BulkTagResult, 0, len(ids))
	for _, id := range ids {
		r := BulkTagResult{ContactID: id, Type: "error"}
		c := l.contacts[id]
		switch {
		case !fixtures.ValidID(id):
			r.Message = "contact id is not a valid firebase id"
		case c != nil:
			r.Type = "success"
			r.OldTags = slices.Clone(c.c.Tags)
			changed := m.retagLocked(l, c, tags, remove, removeAll)
			if remove {
				r.Message = "Tags removed successfully"
				r.TagsRemoved = cloneNonNil(changed)
			} else {
				r.Message = "Tags added successfully"
				r.TagsAdded = cloneNonNil(changed)
			}
		case hasDeleted(l.deleted, id):
			r.Message = "contact is deleted"
		case ownerOf(m.locs, id) != nil:
			r.Message = "contact does not belong to location"
		default:
			r.Message = "contact not found"
		}
		out = append(out, r)
	}
	return out, nil
}

func hasDeleted(m map[string]placeKey, k string) bool { _, ok := m[k]; return ok }

// BulkBusiness implements Store: sets (or, with nil, clears) the business of the listed contacts and
// returns the ids it changed.
func (m *Memory) BulkBusiness(loc string, ids []string, businessID *string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return nil, err
	}
	target := ""
	if businessID != nil {
		target = *businessID
		if l.businessByID[target] == nil {
			return nil, &BadRequestError{Message: fmt.Sprintf("Business with id %s not found", target)}
		}
	}
	done := []string{}
	now := m.stampLocked()
	for _, id := range ids {
		c := l.contacts[id]
		if c == nil {
			continue
		}
		if c.c.BusinessID != target {
			next := c.c.Contact
			next.BusinessID = target
			next.DateUpdated = touch(next.DateUpdated, now)
			l.replace(c, &Stored{Contact: next})
			m.emitLocked(Event{Type: ContactUpdate, LocationID: loc, Contact: &c.c.Contact})
		}
		done = append(done, id)
	}
	return done, nil
}

// --- tasks ----------------------------------------------------------------------------------

// ListTasks implements Store (creation order).
func (m *Memory) ListTasks(loc, contactID string) ([]fixtures.Task, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return nil, err
	}
	out := make([]fixtures.Task, len(c.tasks))
	for i, t := range c.tasks {
		out[i] = cloneTask(t)
	}
	return out, nil
}

func findTask(c *contact, id string) *fixtures.Task {
	for _, t := range c.tasks {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// GetTask implements Store.
func (m *Memory) GetTask(loc, contactID, taskID string) (fixtures.Task, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return fixtures.Task{}, err
	}
	t := findTask(c, taskID)
	if t == nil {
		return fixtures.Task{}, &NotFoundError{Kind: "Task", ID: taskID}
	}
	return cloneTask(t), nil
}

// CreateTask implements Store.
func (m *Memory) CreateTask(loc, contactID string, in TaskInput) (fixtures.Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return fixtures.Task{}, err
	}
	now := m.stampLocked()
	t := &fixtures.Task{ID: m.freshIDLocked(func(id string) bool { return childSeen(c, id) }), ContactID: contactID, DateAdded: now, DateUpdated: now}
	applyTask(t, in)
	c.tasks = append(c.tasks, t)
	m.emitLocked(Event{Type: TaskCreate, LocationID: l.info.ID, Task: ptr(cloneTask(t))})
	return cloneTask(t), nil
}

func applyTask(t *fixtures.Task, in TaskInput) {
	if in.Title.Set {
		t.Title = in.Title.V
	}
	if in.Body.Set {
		t.Body = in.Body.V
	}
	if in.AssignedTo.Set {
		t.AssignedTo = in.AssignedTo.V
	}
	if in.DueDate.Set {
		t.DueDate = in.DueDate.V
	}
	if in.Completed.Set {
		t.Completed = in.Completed.V
	}
}

// UpdateTask implements Store. Setting completed from false to true emits TaskComplete.
func (m *Memory) UpdateTask(loc, contactID, taskID string, in TaskInput) (fixtures.Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return fixtures.Task{}, err
	}
	t := findTask(c, taskID)
	if t == nil {
		return fixtures.Task{}, &NotFoundError{Kind: "Task", ID: taskID}
	}
	was := t.Completed
	applyTask(t, in)
	t.DateUpdated = touch(t.DateUpdated, m.stampLocked())
	if t.Completed && !was {
		m.emitLocked(Event{Type: TaskComplete, LocationID: l.info.ID, Task: ptr(cloneTask(t))})
	}
	return cloneTask(t), nil
}

// DeleteTask implements Store.
func (m *Memory) DeleteTask(loc, contactID, taskID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return err
	}
	t := findTask(c, taskID)
	if t == nil {
		return &NotFoundError{Kind: "Task", ID: taskID}
	}
	c.tasks = slices.DeleteFunc(c.tasks, func(x *fixtures.Task) bool { return x == t })
	m.emitLocked(Event{Type: TaskDelete, LocationID: l.info.ID, Task: ptr(cloneTask(t))})
	return nil
}

// --- notes ----------------------------------------------------------------------------------

// ListNotes implements Store (creation order).
func (m *Memory) ListNotes(loc, contactID string) ([]fixtures.Note, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return nil, err
	}
	out := make([]fixtures.Note, len(c.notes))
	for i, n := range c.notes {
		out[i] = cloneNote(n)
	}
	return out, nil
}

func findNote(c *contact, id string) *fixtures.Note {
	for _, n := range c.notes {
		if n.ID == id {
			return n
		}
	}
	return nil
}

// GetNote implements Store.
func (m *Memory) GetNote(loc, contactID, noteID string) (fixtures.Note, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return fixtures.Note{}, err
	}
	n := findNote(c, noteID)
	if n == nil {
		return fixtures.Note{}, &NotFoundError{Kind: "Note", ID: noteID}
	}
	return cloneNote(n), nil
}

func applyNote(n *fixtures.Note, in NoteInput) {
	if in.Body.Set {
		n.Body = in.Body.V
	}
	if in.UserID.Set {
		n.UserID = in.UserID.V
	}
	if in.Title.Set {
		n.Title = in.Title.V
	}
	if in.Color.Set {
		n.Color = in.Color.V
	}
	if in.Pinned.Set {
		n.Pinned = in.Pinned.V
	}
}

// CreateNote implements Store.
func (m *Memory) CreateNote(loc, contactID string, in NoteInput) (fixtures.Note, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return fixtures.Note{}, err
	}
	now := m.stampLocked()
	n := &fixtures.Note{ID: m.freshIDLocked(func(id string) bool { return childSeen(c, id) }), ContactID: contactID, DateAdded: now, DateUpdated: now}
	applyNote(n, in)
	c.notes = append(c.notes, n)
	m.emitLocked(Event{Type: NoteCreate, LocationID: l.info.ID, Note: ptr(cloneNote(n))})
	return cloneNote(n), nil
}

// UpdateNote implements Store.
func (m *Memory) UpdateNote(loc, contactID, noteID string, in NoteInput) (fixtures.Note, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return fixtures.Note{}, err
	}
	n := findNote(c, noteID)
	if n == nil {
		return fixtures.Note{}, &NotFoundError{Kind: "Note", ID: noteID}
	}
	applyNote(n, in)
	n.DateUpdated = touch(n.DateUpdated, m.stampLocked())
	m.emitLocked(Event{Type: NoteUpdate, LocationID: l.info.ID, Note: ptr(cloneNote(n))})
	return cloneNote(n), nil
}

// DeleteNote implements Store.
func (m *Memory) DeleteNote(loc, contactID, noteID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return err
	}
	n := findNote(c, noteID)
	if n == nil {
		return &NotFoundError{Kind: "Note", ID: noteID}
	}
	c.notes = slices.DeleteFunc(c.notes, func(x *fixtures.Note) bool { return x == n })
	m.emitLocked(Event{Type: NoteDelete, LocationID: l.info.ID, Note: ptr(cloneNote(n))})
	return nil
}

// --- appointments and businesses ------------------------------------------------------------

// ListAppointments implements Store: the contact's appointments by start time.
func (m *Memory) ListAppointments(loc, contactID string) ([]fixtures.Appointment, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	l, _, err := m.contactLocked(loc, contactID)
	if err != nil {
		return nil, err
	}
	out := []fixtures.Appointment{}
	for _, a := range l.appointments {
		if a.ContactID == contactID {
			out = append(out, cloneAppointment(a))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartTime < out[j].StartTime })
	return out, nil
}

// AddAppointment implements Store. The appointment's location and contact must exist.
func (m *Memory) AddAppointment(a fixtures.Appointment) (fixtures.Appointment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, _, err := m.contactLocked(a.LocationID, a.ContactID)
	if err != nil {
		return fixtures.Appointment{}, err
	}
	if a.ID == "" {
		a.ID = m.freshIDLocked(func(id string) bool {
			return slices.ContainsFunc(l.appointments, func(x *fixtures.Appointment) bool { return x.ID == id })
		})
	}
	for _, x := range l.appointments {
		if x.ID == a.ID {
			return fixtures.Appointment{}, ErrExists
		}
	}
	now := m.stampLocked()
	if a.DateAdded == 0 {
		a.DateAdded = now
	}
	if a.DateUpdated == 0 {
		a.DateUpdated = a.DateAdded
	}
	v := cloneAppointment(&a)
	l.appointments = append(l.appointments, &v)
	return cloneAppointment(&v), nil
}

// AddBusiness implements Store.
func (m *Memory) AddBusiness(b fixtures.Business) (fixtures.Business, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, err := m.locLocked(b.LocationID)
	if err != nil {
		return fixtures.Business{}, err
	}
	drawn := false
	for b.ID == "" || (l.businessByID[b.ID] != nil && drawn) {
		b.ID, drawn = fixtures.NewObjectID(m.rng.IntN), true
	}
	if l.businessByID[b.ID] != nil {
		return fixtures.Business{}, ErrExists
	}
	if b.DateAdded == 0 {
		b.DateAdded = m.stampLocked()
	}
	v := b
	l.businesses = append(l.businesses, &v)
	l.businessByID[v.ID] = &v
	return v, nil
}

// Stats implements Store.
func (m *Memory) Stats() Stats {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := Stats{Locations: len(m.locs)}
	for _, l := range m.locs {
		s.Contacts += len(l.contacts)
		s.Appointments += len(l.appointments)
		s.Businesses += len(l.businesses)
		for _, c := range l.contacts {
			s.Tasks += len(c.tasks)
			s.Notes += len(c.notes)
		}
	}
	return s
}

// Stored is a contact as the memory store keeps it: never modified once stored (a change stores a
// new one), so it may be read after the store's lock is released, and shared where GetContact and
// ListContacts copy. Whoever holds one must treat it, and everything its slices and pointers
// reach, as read-only.
type Stored struct {
	fixtures.Contact
	// encoded is the contact's JSON, made on first use (see AppendJSON).
	encoded atomic.Pointer[[]byte]
}

// AppendJSON appends the contact's JSON, as fixtures.Contact.AppendJSON writes it. The bytes are
// made once per stored contact and kept: a page of contacts then costs a copy per contact.
func (s *Stored) AppendJSON(dst []byte) ([]byte, error) {
	if b := s.encoded.Load(); b != nil {
		return append(dst, *b...), nil
	}
	start := len(dst)
	dst, err := s.Contact.AppendJSON(dst)
	if err != nil {
		return dst, err
	}
	b := slices.Clone(dst[start:])
	s.encoded.Store(&b)
	return dst, nil
}
