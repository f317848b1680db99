package memory

import (
	"slices"
	"sort"
	"strings"

	"github.com/contactsmock/contactsmock/fixtures"
)

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
