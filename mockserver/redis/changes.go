package redis

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// A change is one write of a location as its change log keeps it: the operation and its inputs,
// the mock's time it was made at, and the replica that made it. Applying it to a view of the
// location is deterministic, so every replica reaches the same contents from the same log.
// Changes are gob-encoded: state.Opt tells "absent" from "null" in its fields, which its JSON form
// does not keep.
type change struct {
	Op     string
	Now    int64 // the mock's time, Unix nanoseconds
	Origin string
	Loc    string
	// ID names the contact; ID2 the task, note, campaign or workflow.
	ID, ID2  string
	Contact  state.ContactInput
	Task     state.TaskInput
	Note     state.NoteInput
	Strs     []string // tags, followers, contact ids
	Strs2    []string
	Flag     bool
	Flag2    bool
	Str      string // a workflow's event start time
	Business *string
	Appt     fixtures.Appointment
	Patch    state.AppointmentPatch
	Biz      fixtures.Business
	// Location is a load's or a merge's contents.
	Location *fixtures.Location
}

// Operations of a change.
const (
	opLoad           = "load"
	opMerge          = "merge"
	opCreateContact  = "createContact"
	opUpdateContact  = "updateContact"
	opUpsertContact  = "upsertContact"
	opDeleteContact  = "deleteContact"
	opAddTags        = "addTags"
	opRemoveTags     = "removeTags"
	opAddFollowers   = "addFollowers"
	opRemoveFollower = "removeFollowers"
	opAddCampaign    = "addCampaign"
	opRemoveCampaign = "removeCampaign"
	opRemoveAllCamp  = "removeAllCampaigns"
	opAddWorkflow    = "addWorkflow"
	opRemoveWorkflow = "removeWorkflow"
	opBulkTags       = "bulkTags"
	opBulkBusiness   = "bulkBusiness"
	opCreateTask     = "createTask"
	opUpdateTask     = "updateTask"
	opDeleteTask     = "deleteTask"
	opCreateNote     = "createNote"
	opUpdateNote     = "updateNote"
	opDeleteNote     = "deleteNote"
	opAddAppointment = "addAppointment"
	opUpdateAppt     = "updateAppointment"
	opDeleteAppt     = "deleteAppointment"
	opAddBusiness    = "addBusiness"
)

func encodeChange(c *change) (string, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(c); err != nil {
		return "", fmt.Errorf("redis: encoding a change: %w", err)
	}
	return buf.String(), nil
}

func decodeChange(s string) (*change, error) {
	var c change
	if err := gob.NewDecoder(bytes.NewReader([]byte(s))).Decode(&c); err != nil {
		return nil, fmt.Errorf("redis: decoding a change: %w", err)
	}
	return &c, nil
}

// result is what applying a change returned, for the replica that made it.
type result struct {
	contact *state.Contact
	created bool
	strs    []string
	strs2   []string
	task    fixtures.Task
	note    fixtures.Note
	bulk    []state.BulkTagResult
	appt    fixtures.Appointment
	biz     fixtures.Business
	err     error
}

// apply applies a change to a view's memory store.
func (v *view) applyChange(ctx context.Context, c *change) result {
	m, l := v.mem, c.Loc
	var r result
	switch c.Op {
	case opLoad:
		r.err = m.Restore(ctx, fixtures.Document{Version: fixtures.FormatVersion, Locations: []fixtures.Location{*c.Location}})
	case opMerge:
		r.err = m.Merge(ctx, fixtures.Document{Version: fixtures.FormatVersion, Locations: []fixtures.Location{*c.Location}})
	case opCreateContact:
		r.contact, r.err = m.CreateContact(ctx, l, c.Contact)
	case opUpdateContact:
		r.contact, r.err = m.UpdateContact(ctx, l, c.ID, c.Contact)
	case opUpsertContact:
		r.contact, r.created, r.err = m.UpsertContact(ctx, l, c.Contact, c.Flag)
	case opDeleteContact:
		r.err = m.DeleteContact(ctx, l, c.ID)
	case opAddTags:
		r.strs, r.err = m.AddTags(ctx, l, c.ID, c.Strs)
	case opRemoveTags:
		r.strs, r.err = m.RemoveTags(ctx, l, c.ID, c.Strs)
	case opAddFollowers:
		r.strs, r.strs2, r.err = m.AddFollowers(ctx, l, c.ID, c.Strs)
	case opRemoveFollower:
		r.strs, r.strs2, r.err = m.RemoveFollowers(ctx, l, c.ID, c.Strs)
	case opAddCampaign:
		r.err = m.AddToCampaign(ctx, l, c.ID, c.ID2)
	case opRemoveCampaign:
		r.err = m.RemoveFromCampaign(ctx, l, c.ID, c.ID2)
	case opRemoveAllCamp:
		r.err = m.RemoveFromAllCampaigns(ctx, l, c.ID)
	case opAddWorkflow:
		r.err = m.AddToWorkflow(ctx, l, c.ID, c.ID2, c.Str)
	case opRemoveWorkflow:
		r.err = m.RemoveFromWorkflow(ctx, l, c.ID, c.ID2)
	case opBulkTags:
		r.bulk, r.err = m.BulkTags(ctx, l, c.Strs, c.Strs2, c.Flag, c.Flag2)
	case opBulkBusiness:
		r.strs, r.err = m.BulkBusiness(ctx, l, c.Strs, c.Business)
	case opCreateTask:
		r.task, r.err = m.CreateTask(ctx, l, c.ID, c.Task)
	case opUpdateTask:
		r.task, r.err = m.UpdateTask(ctx, l, c.ID, c.ID2, c.Task)
	case opDeleteTask:
		r.err = m.DeleteTask(ctx, l, c.ID, c.ID2)
	case opCreateNote:
		r.note, r.err = m.CreateNote(ctx, l, c.ID, c.Note)
	case opUpdateNote:
		r.note, r.err = m.UpdateNote(ctx, l, c.ID, c.ID2, c.Note)
	case opDeleteNote:
		r.err = m.DeleteNote(ctx, l, c.ID, c.ID2)
	case opAddAppointment:
		r.appt, r.err = m.AddAppointment(ctx, c.Appt)
	case opUpdateAppt:
		r.appt, r.err = m.UpdateAppointment(ctx, l, c.ID, c.Patch)
	case opDeleteAppt:
		r.err = m.DeleteAppointment(ctx, l, c.ID)
	case opAddBusiness:
		r.biz, r.err = m.AddBusiness(ctx, c.Biz)
	default:
		r.err = fmt.Errorf("redis: a change of unknown operation %q (a newer replica's?)", c.Op)
	}
	return r
}
