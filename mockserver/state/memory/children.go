package memory

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// --- tags, followers, campaigns, workflows ---------------------------------------------------

// AddTags implements state.Store.
func (m *Memory) AddTags(ctx context.Context, loc, id string, tags []string) ([]string, error) {
	return m.retag(loc, id, tags, false)
}

// RemoveTags implements state.Store.
func (m *Memory) RemoveTags(ctx context.Context, loc, id string, tags []string) ([]string, error) {
	return m.retag(loc, id, tags, true)
}

func (m *Memory) retag(loc, id string, tags []string, remove bool) ([]string, error) {
	m.lock()
	defer m.unlock()
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
	l.replace(c, &state.Contact{Contact: next})
	l.retagIndex(c, old, c.c.Tags)
	if len(changed) > 0 {
		m.emitLocked(state.Event{Type: state.ContactTagUpdate, LocationID: l.info.ID, Contact: &c.c.Contact})
	}
	return changed
}

// AddFollowers implements state.Store.
func (m *Memory) AddFollowers(ctx context.Context, loc, id string, followers []string) ([]string, []string, error) {
	m.lock()
	defer m.unlock()
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

// RemoveFollowers implements state.Store.
func (m *Memory) RemoveFollowers(ctx context.Context, loc, id string, followers []string) ([]string, []string, error) {
	m.lock()
	defer m.unlock()
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
	l.replace(c, &state.Contact{Contact: next})
	if changed {
		m.emitLocked(state.Event{Type: state.ContactUpdate, LocationID: l.info.ID, Contact: &c.c.Contact})
	}
}

// AddToCampaign implements state.Store.
func (m *Memory) AddToCampaign(ctx context.Context, loc, id, campaignID string) error {
	m.lock()
	defer m.unlock()
	_, c, err := m.contactLocked(loc, id)
	if err != nil {
		return err
	}
	if !slices.Contains(c.campaigns, campaignID) {
		c.campaigns = append(c.campaigns, campaignID)
	}
	return nil
}

// RemoveFromCampaign implements state.Store.
func (m *Memory) RemoveFromCampaign(ctx context.Context, loc, id, campaignID string) error {
	m.lock()
	defer m.unlock()
	_, c, err := m.contactLocked(loc, id)
	if err != nil {
		return err
	}
	c.campaigns = slices.DeleteFunc(c.campaigns, func(s string) bool { return s == campaignID })
	return nil
}

// RemoveFromAllCampaigns implements state.Store.
func (m *Memory) RemoveFromAllCampaigns(ctx context.Context, loc, id string) error {
	m.lock()
	defer m.unlock()
	_, c, err := m.contactLocked(loc, id)
	if err != nil {
		return err
	}
	c.campaigns = nil
	return nil
}

// AddToWorkflow implements state.Store.
func (m *Memory) AddToWorkflow(ctx context.Context, loc, id, workflowID, eventStartTime string) error {
	m.lock()
	defer m.unlock()
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

// RemoveFromWorkflow implements state.Store.
func (m *Memory) RemoveFromWorkflow(ctx context.Context, loc, id, workflowID string) error {
	m.lock()
	defer m.unlock()
	_, c, err := m.contactLocked(loc, id)
	if err != nil {
		return err
	}
	c.workflows = slices.DeleteFunc(c.workflows, func(w fixtures.Workflow) bool { return w.ID == workflowID })
	return nil
}

// BulkTags implements state.Store: one result per contact id, in request order.
func (m *Memory) BulkTags(ctx context.Context, loc string, ids, tags []string, remove, removeAll bool) ([]state.BulkTagResult, error) {
	m.lock()
	defer m.unlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return nil, err
	}
	tags = fixtures.NormalizeTags(tags)
	out := make([]state.BulkTagResult, 0, len(ids))
	for _, id := range ids {
		r := state.BulkTagResult{ContactID: id, Type: "error"}
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

// BulkBusiness implements state.Store: sets (or, with nil, clears) the business of the listed contacts and
// returns the ids it changed.
func (m *Memory) BulkBusiness(ctx context.Context, loc string, ids []string, businessID *string) ([]string, error) {
	m.lock()
	defer m.unlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return nil, err
	}
	target := ""
	if businessID != nil {
		target = *businessID
		if l.businessByID[target] == nil {
			return nil, state.NotFoundError("Business", target)
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
			l.replace(c, &state.Contact{Contact: next})
			m.emitLocked(state.Event{Type: state.ContactUpdate, LocationID: loc, Contact: &c.c.Contact})
		}
		done = append(done, id)
	}
	return done, nil
}

// --- tasks ----------------------------------------------------------------------------------

// ListTasks implements state.Store (creation order).
func (m *Memory) ListTasks(ctx context.Context, loc, contactID string) ([]fixtures.Task, error) {
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

// GetTask implements state.Store.
func (m *Memory) GetTask(ctx context.Context, loc, contactID, taskID string) (fixtures.Task, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return fixtures.Task{}, err
	}
	t := findTask(c, taskID)
	if t == nil {
		return fixtures.Task{}, state.NotFoundError("Task", taskID)
	}
	return cloneTask(t), nil
}

// CreateTask implements state.Store.
func (m *Memory) CreateTask(ctx context.Context, loc, contactID string, in state.TaskInput) (fixtures.Task, error) {
	m.lock()
	defer m.unlock()
	l, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return fixtures.Task{}, err
	}
	now := m.stampLocked()
	id, err := m.freshIDLocked(ctx, func(id string) bool { return childSeen(c, id) })
	if err != nil {
		return fixtures.Task{}, err
	}
	t := &fixtures.Task{ID: id, ContactID: contactID, LocationID: l.info.ID, DateAdded: now, DateUpdated: now}
	applyTask(t, in)
	c.tasks = append(c.tasks, t)
	m.emitLocked(state.Event{Type: state.TaskCreate, LocationID: l.info.ID, Task: ptr(cloneTask(t))})
	return cloneTask(t), nil
}

func applyTask(t *fixtures.Task, in state.TaskInput) {
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

// UpdateTask implements state.Store. Setting completed from false to true emits TaskComplete.
func (m *Memory) UpdateTask(ctx context.Context, loc, contactID, taskID string, in state.TaskInput) (fixtures.Task, error) {
	m.lock()
	defer m.unlock()
	l, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return fixtures.Task{}, err
	}
	t := findTask(c, taskID)
	if t == nil {
		return fixtures.Task{}, state.NotFoundError("Task", taskID)
	}
	was := t.Completed
	applyTask(t, in)
	t.DateUpdated = touch(t.DateUpdated, m.stampLocked())
	if t.Completed && !was {
		m.emitLocked(state.Event{Type: state.TaskComplete, LocationID: l.info.ID, Task: ptr(cloneTask(t))})
	}
	return cloneTask(t), nil
}

// DeleteTask implements state.Store.
func (m *Memory) DeleteTask(ctx context.Context, loc, contactID, taskID string) error {
	m.lock()
	defer m.unlock()
	l, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return err
	}
	t := findTask(c, taskID)
	if t == nil {
		return state.NotFoundError("Task", taskID)
	}
	c.tasks = slices.DeleteFunc(c.tasks, func(x *fixtures.Task) bool { return x == t })
	m.emitLocked(state.Event{Type: state.TaskDelete, LocationID: l.info.ID, Task: ptr(cloneTask(t))})
	return nil
}

// --- notes ----------------------------------------------------------------------------------

// ListNotes implements state.Store (creation order).
func (m *Memory) ListNotes(ctx context.Context, loc, contactID string) ([]fixtures.Note, error) {
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

// GetNote implements state.Store.
func (m *Memory) GetNote(ctx context.Context, loc, contactID, noteID string) (fixtures.Note, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return fixtures.Note{}, err
	}
	n := findNote(c, noteID)
	if n == nil {
		return fixtures.Note{}, state.NotFoundError("Note", noteID)
	}
	return cloneNote(n), nil
}

func applyNote(n *fixtures.Note, in state.NoteInput) {
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

// CreateNote implements state.Store.
func (m *Memory) CreateNote(ctx context.Context, loc, contactID string, in state.NoteInput) (fixtures.Note, error) {
	m.lock()
	defer m.unlock()
	l, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return fixtures.Note{}, err
	}
	now := m.stampLocked()
	id, err := m.freshIDLocked(ctx, func(id string) bool { return childSeen(c, id) })
	if err != nil {
		return fixtures.Note{}, err
	}
	n := &fixtures.Note{ID: id, ContactID: contactID, DateAdded: now, DateUpdated: now}
	applyNote(n, in)
	c.notes = append(c.notes, n)
	m.emitLocked(state.Event{Type: state.NoteCreate, LocationID: l.info.ID, Note: ptr(cloneNote(n))})
	return cloneNote(n), nil
}

// UpdateNote implements state.Store.
func (m *Memory) UpdateNote(ctx context.Context, loc, contactID, noteID string, in state.NoteInput) (fixtures.Note, error) {
	m.lock()
	defer m.unlock()
	l, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return fixtures.Note{}, err
	}
	n := findNote(c, noteID)
	if n == nil {
		return fixtures.Note{}, state.NotFoundError("Note", noteID)
	}
	applyNote(n, in)
	n.DateUpdated = touch(n.DateUpdated, m.stampLocked())
	m.emitLocked(state.Event{Type: state.NoteUpdate, LocationID: l.info.ID, Note: ptr(cloneNote(n))})
	return cloneNote(n), nil
}

// DeleteNote implements state.Store.
func (m *Memory) DeleteNote(ctx context.Context, loc, contactID, noteID string) error {
	m.lock()
	defer m.unlock()
	l, c, err := m.contactLocked(loc, contactID)
	if err != nil {
		return err
	}
	n := findNote(c, noteID)
	if n == nil {
		return state.NotFoundError("Note", noteID)
	}
	c.notes = slices.DeleteFunc(c.notes, func(x *fixtures.Note) bool { return x == n })
	m.emitLocked(state.Event{Type: state.NoteDelete, LocationID: l.info.ID, Note: ptr(cloneNote(n))})
	return nil
}

// --- appointments and businesses ------------------------------------------------------------

// ListAppointments implements state.Store: the contact's appointments by start time.
func (m *Memory) ListAppointments(ctx context.Context, loc, contactID string) ([]fixtures.Appointment, error) {
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

// AddAppointment implements state.Store. The appointment's location and contact must exist.
func (m *Memory) AddAppointment(ctx context.Context, a fixtures.Appointment) (fixtures.Appointment, error) {
	m.lock()
	defer m.unlock()
	l, _, err := m.contactLocked(a.LocationID, a.ContactID)
	if err != nil {
		return fixtures.Appointment{}, err
	}
	if a.ID == "" {
		if a.ID, err = m.freshIDLocked(ctx, func(id string) bool {
			return slices.ContainsFunc(l.appointments, func(x *fixtures.Appointment) bool { return x.ID == id })
		}); err != nil {
			return fixtures.Appointment{}, err
		}
	}
	for _, x := range l.appointments {
		if x.ID == a.ID {
			return fixtures.Appointment{}, &state.Error{Code: state.Conflict, Kind: "Appointment", ID: a.ID}
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
	m.emitLocked(state.Event{Type: state.AppointmentCreate, LocationID: l.info.ID, Appointment: ptr(cloneAppointment(&v))})
	return cloneAppointment(&v), nil
}

// appointmentLocked finds an appointment of a location.
func (m *Memory) appointmentLocked(loc, id string) (*location, int, error) {
	l, err := m.locLocked(loc)
	if err != nil {
		return nil, 0, err
	}
	i := slices.IndexFunc(l.appointments, func(a *fixtures.Appointment) bool { return a.ID == id })
	if i < 0 {
		return nil, 0, state.NotFoundError("Appointment", id)
	}
	return l, i, nil
}

// UpdateAppointment implements state.Store.
func (m *Memory) UpdateAppointment(ctx context.Context, loc, id string, p state.AppointmentPatch) (fixtures.Appointment, error) {
	m.lock()
	defer m.unlock()
	l, i, err := m.appointmentLocked(loc, id)
	if err != nil {
		return fixtures.Appointment{}, err
	}
	a := cloneAppointment(l.appointments[i])
	for _, f := range []struct {
		opt state.Opt[string]
		dst *string
	}{{p.Title, &a.Title}, {p.Status, &a.Status}, {p.AppointmentStatus, &a.AppointmentStatus}, {p.Notes, &a.Notes}, {p.Address, &a.Address}} {
		if f.opt.Set {
			*f.dst = f.opt.V
		}
	}
	if p.StartTime.Has() {
		a.StartTime = p.StartTime.V
	}
	if p.EndTime.Has() {
		a.EndTime = p.EndTime.V
	}
	if a.EndTime < a.StartTime {
		return fixtures.Appointment{}, state.InvalidError("endTime must not be before startTime")
	}
	a.DateUpdated = m.stampLocked()
	l.appointments[i] = &a
	m.emitLocked(state.Event{Type: state.AppointmentUpdate, LocationID: l.info.ID, Appointment: ptr(cloneAppointment(&a))})
	return cloneAppointment(&a), nil
}

// DeleteAppointment implements state.Store.
func (m *Memory) DeleteAppointment(ctx context.Context, loc, id string) error {
	m.lock()
	defer m.unlock()
	l, i, err := m.appointmentLocked(loc, id)
	if err != nil {
		return err
	}
	gone := l.appointments[i]
	l.appointments = slices.Delete(l.appointments, i, i+1)
	m.emitLocked(state.Event{Type: state.AppointmentDelete, LocationID: l.info.ID, Appointment: ptr(cloneAppointment(gone))})
	return nil
}

// AddBusiness implements state.Store.
func (m *Memory) AddBusiness(ctx context.Context, b fixtures.Business) (fixtures.Business, error) {
	m.lock()
	defer m.unlock()
	l, err := m.locLocked(b.LocationID)
	if err != nil {
		return fixtures.Business{}, err
	}
	drawn := false
	for b.ID == "" || (l.businessByID[b.ID] != nil && drawn) {
		if b.ID, err = m.ids.NewObjectID(ctx); err != nil {
			return fixtures.Business{}, fmt.Errorf("memory: drawing an id: %w", err)
		}
		drawn = true
	}
	if l.businessByID[b.ID] != nil {
		return fixtures.Business{}, &state.Error{Code: state.Conflict, Kind: "Business", ID: b.ID}
	}
	if b.DateAdded == 0 {
		b.DateAdded = m.stampLocked()
	}
	v := b
	l.businesses = append(l.businesses, &v)
	l.businessByID[v.ID] = &v
	return v, nil
}

// Stats implements state.Store.
