package memory

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// --- contacts -------------------------------------------------------------------------------

// GetContact implements state.Store: the stored contact itself, read-only.
func (m *Memory) GetContact(ctx context.Context, loc, id string) (*state.Contact, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, c, err := m.contactLocked(loc, id)
	if err != nil {
		return nil, err
	}
	return c.c, nil
}

// applyInput writes the input's fields onto c. It reports which kinds of fields changed.
func applyInput(l *location, c *fixtures.Contact, in state.ContactInput, ignoreGender bool) (changes, error) {
	var ch changes
	var msgs []string
	str := func(dst *string, o state.Opt[string]) {
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
			str(&c.FirstName, state.Of(first))
			str(&c.LastName, state.Of(strings.TrimSpace(last)))
		}
		str(&c.Name, in.Name)
	}
	if in.Email.Set {
		e := strings.TrimSpace(in.Email.V)
		if e != "" && !fixtures.ValidEmail(e) {
			msgs = append(msgs, "email must be an email")
		}
		str(&c.Email, state.Of(e))
	}
	if in.Phone.Set {
		p, err := fixtures.NormalizePhone(in.Phone.V)
		if err != nil {
			msgs = append(msgs, err.Error())
		}
		str(&c.Phone, state.Of(p))
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
		str(&c.DateOfBirth, state.Of(dob))
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
	if len(msgs) > 0 {
		return ch, state.InvalidError(msgs...)
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

// CreateContact implements state.Store.
func (m *Memory) CreateContact(ctx context.Context, loc string, in state.ContactInput) (*state.Contact, error) {
	m.lock()
	defer m.unlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return nil, err
	}
	c, err := m.createLocked(ctx, l, in, !l.info.AllowDuplicateContact)
	if err != nil {
		return nil, err
	}
	return c.c, nil
}

func (m *Memory) createLocked(ctx context.Context, l *location, in state.ContactInput, checkDuplicates bool) (*contact, error) {
	now := m.stampLocked()
	id, err := m.newIDLocked(ctx)
	if err != nil {
		return nil, err
	}
	// Built before it is stored: until insert, nobody else sees it.
	c := &contact{c: &state.Contact{Contact: fixtures.Contact{
		ID: id, LocationID: l.info.ID, Type: "lead",
		Tags: []string{}, CustomFields: []fixtures.CustomField{}, Followers: []string{},
		DateAdded: now, DateUpdated: now,
		CreatedBy: &fixtures.CreatedBy{Source: "INTEGRATION", Channel: "OAUTH", Timestamp: now},
	}}}
	if _, err := applyInput(l, &c.c.Contact, in, false); err != nil {
		return nil, err
	}
	if checkDuplicates {
		if dup, field := l.matchAny(c.c.Email, c.c.Phone, nil); dup != nil {
			return nil, &state.Error{Code: state.Duplicate, ID: dup.c.ID, Name: dup.c.Name, Field: field}
		}
	}
	for ownerOf(m.locs, c.c.ID) != nil { // a lookup per location: checked seeded or not
		if c.c.ID, err = m.newIDLocked(ctx); err != nil {
			return nil, err
		}
	}
	l.insert(c)
	m.emitLocked(state.Event{Type: state.ContactCreate, LocationID: l.info.ID, Contact: &c.c.Contact})
	return c, nil
}

func ptr[T any](v T) *T { return &v }

// UpdateContact implements state.Store.
func (m *Memory) UpdateContact(ctx context.Context, loc, id string, in state.ContactInput) (*state.Contact, error) {
	m.lock()
	defer m.unlock()
	l, c, err := m.contactLocked(loc, id)
	if err != nil {
		return nil, err
	}
	if err := m.updateLocked(l, c, in, false); err != nil {
		return nil, err
	}
	return c.c, nil
}

// updateLocked applies in to c. upsert relaxes two rules the way the live upsert does: gender is
// ignored, and an identifier that would collide with another contact is dropped instead of refused.
func (m *Memory) updateLocked(l *location, c *contact, in state.ContactInput, upsert bool) error {
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
					return &state.Error{Code: state.Duplicate, ID: dup.c.ID, Name: dup.c.Name, Field: f}
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
	l.replace(c, &state.Contact{Contact: next})
	l.index(c)
	l.retagIndex(c, old, c.c.Tags)
	if ch.fields {
		m.emitLocked(state.Event{Type: state.ContactUpdate, LocationID: l.info.ID, Contact: &c.c.Contact})
	}
	if ch.tags {
		m.emitLocked(state.Event{Type: state.ContactTagUpdate, LocationID: l.info.ID, Contact: &c.c.Contact})
	}
	if ch.dnd {
		m.emitLocked(state.Event{Type: state.ContactDndUpdate, LocationID: l.info.ID, Contact: &c.c.Contact})
	}
	return nil
}

// UpsertContact implements state.Store.
func (m *Memory) UpsertContact(ctx context.Context, loc string, in state.ContactInput, createNew bool) (*state.Contact, bool, error) {
	m.lock()
	defer m.unlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return nil, false, err
	}
	if !(createNew && l.info.AllowDuplicateContact) {
		email := strings.TrimSpace(in.Email.V)
		phone := ""
		if in.Phone.Has() {
			phone, _ = fixtures.NormalizePhone(in.Phone.V)
		}
		if c, _ := l.matchAny(email, phone, nil); c != nil {
			if err := m.updateLocked(l, c, in, true); err != nil {
				return nil, false, err
			}
			return c.c, false, nil
		}
	}
	c, err := m.createLocked(ctx, l, in, false)
	if err != nil {
		return nil, false, err
	}
	return c.c, true, nil
}

// DeleteContact implements state.Store. The contact's tasks, notes and appointments go with it.
func (m *Memory) DeleteContact(ctx context.Context, loc, id string) error {
	m.lock()
	defer m.unlock()
	l, c, err := m.contactLocked(loc, id)
	if err != nil {
		return err
	}
	l.remove(c)
	l.rememberDeleted(id, placeKey{added: c.c.DateAdded, seq: c.seq})
	l.appointments = slices.DeleteFunc(l.appointments, func(a *fixtures.Appointment) bool { return a.ContactID == id })
	m.emitLocked(state.Event{Type: state.ContactDelete, LocationID: loc, Contact: &c.c.Contact})
	return nil
}

// haystack joins what textMatch searches, NUL-separated.
