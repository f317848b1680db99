package statetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// Fixed ids of the suite's state.
const (
	LocA    = "LocConfAAAAAAAAAAAAA"
	LocB    = "LocConfBBBBBBBBBBBBB"
	LocDup  = "LocConfDupAAAAAAAAAA" // allows duplicate contacts
	Alice   = "CtConfAliceAAAAAAAAA"
	Bob     = "CtConfBobBBBBBBBBBBB"
	Carol   = "CtConfCarolCCCCCCCCC" // in location B
	TaskA   = "TaskConfAAAAAAAAAAAA"
	NoteA   = "NoteConfAAAAAAAAAAAA"
	ApptA   = "ApptConfAAAAAAAAAAAA"
	BizA    = "64a1b2c3d4e5f6a7b8c9d0e1"
	UserA   = "UserConfAAAAAAAAAAAA"
	FieldA  = "FieldConfAAAAAAAAAAA"
	Company = "CompanyConfAAAAAAAAA"
)

func ts(s string) fixtures.Timestamp {
	t, err := fixtures.ParseTimestamp(s)
	if err != nil {
		panic(err)
	}
	return t
}

// Document is the state the suite starts each test from: two locations of one company (A with two
// contacts, children, an appointment and a business; B with one contact) and a location that
// allows duplicates.
func Document() fixtures.Document {
	contact := func(id, loc, first, last, email, phone, added string, tags ...string) fixtures.ContactRecord {
		c := fixtures.Contact{
			ID: id, LocationID: loc, FirstName: first, LastName: last, Email: email, Phone: phone,
			Type: "lead", Tags: append([]string{}, tags...), CustomFields: []fixtures.CustomField{}, Followers: []string{},
			DateAdded: ts(added), DateUpdated: ts(added),
		}
		fixtures.DeriveNames(&c)
		return fixtures.ContactRecord{Contact: c}
	}
	alice := contact(Alice, LocA, "Alice", "Archer", "alice@example.com", "+15550000001", "2026-01-01T10:00:00.000Z", "vip", "lead")
	alice.BusinessID = BizA
	alice.Tasks = []fixtures.Task{{ID: TaskA, ContactID: Alice, Title: "Call back", DueDate: ts("2026-03-05T09:00:00Z"),
		DateAdded: ts("2026-01-02T10:00:00Z"), DateUpdated: ts("2026-01-02T10:00:00Z")}}
	alice.Notes = []fixtures.Note{{ID: NoteA, ContactID: Alice, Body: "Met at the fair", UserID: UserA,
		DateAdded: ts("2026-01-02T11:00:00Z"), DateUpdated: ts("2026-01-02T11:00:00Z")}}
	bob := contact(Bob, LocA, "Bob", "Baker", "bob@example.com", "+15550000002", "2026-01-03T10:00:00.000Z")
	carol := contact(Carol, LocB, "Carol", "Cole", "carol@example.com", "+15550000003", "2026-01-04T10:00:00.000Z")
	return fixtures.Document{Version: fixtures.FormatVersion, Locations: []fixtures.Location{
		{
			ID: LocA, Name: "Conformance A", CompanyID: Company, Users: []fixtures.User{{ID: UserA, Name: "Dana Admin"}},
			CustomFields: []fixtures.CustomFieldDef{{ID: FieldA, Key: "contact.size", Name: "Size", DataType: "TEXT"}},
			Contacts:     []fixtures.ContactRecord{alice, bob},
			Appointments: []fixtures.Appointment{{
				ID: ApptA, LocationID: LocA, ContactID: Alice, CalendarID: "CalConfAAAAAAAAAAAAA", Title: "Check-up",
				Status: "booked", AppointmentStatus: "booked", Users: []string{UserA}, AssignedResources: []string{},
				StartTime: ts("2026-03-10T09:00:00Z"), EndTime: ts("2026-03-10T09:30:00Z"),
				DateAdded: ts("2026-01-05T09:00:00Z"), DateUpdated: ts("2026-01-05T09:00:00Z"),
			}},
			Businesses: []fixtures.Business{{ID: BizA, LocationID: LocA, Name: "Acme Holdings", DateAdded: ts("2026-01-01T00:00:00Z")}},
		},
		{ID: LocB, Name: "Conformance B", CompanyID: Company, Contacts: []fixtures.ContactRecord{carol}},
		{ID: LocDup, Name: "Duplicates allowed", AllowDuplicateContact: true},
	}}
}

// recorder collects the events a store delivers.
type recorder struct {
	mu     sync.Mutex // guards events
	events []state.Event
}

func (r *recorder) add(e state.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// take returns the events so far and forgets them.
func (r *recorder) take() []state.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

func types(events []state.Event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e.Type
	}
	return out
}

// fixture is one test's store, loaded with Document, with its events recorded.
type fixture struct {
	t   *testing.T
	s   state.Store
	ctx context.Context
	rec *recorder
}

func setup(t *testing.T, newStore func(t *testing.T) state.Store) *fixture {
	t.Helper()
	f := &fixture{t: t, s: newStore(t), ctx: context.Background(), rec: &recorder{}}
	if err := f.s.Restore(f.ctx, Document()); err != nil {
		t.Fatalf("Restore of the suite's document: %v", err)
	}
	f.s.Subscribe(f.rec.add)
	return f
}

// must fails the test on an error.
func (f *fixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// code checks that err is a state error of the code (and, for NotFound, the kind).
func (f *fixture) code(err error, code state.Code, kind string) {
	f.t.Helper()
	var se *state.Error
	if !errors.As(err, &se) || se.Code != code || (kind != "" && se.Kind != kind) {
		f.t.Fatalf("error %v, want a state error %q (kind %q)", err, code, kind)
	}
	if !errors.Is(err, &state.Error{Code: code}) {
		f.t.Fatalf("errors.Is(%v, code %q) is false", err, code)
	}
}

func (f *fixture) contact(loc, id string) *state.Contact {
	f.t.Helper()
	c, err := f.s.GetContact(f.ctx, loc, id)
	f.must(err)
	return c
}

// Run runs the conformance suite: every test gets a new store from newStore (empty, its clock
// reading the present), loads Document into it and checks the semantics every backend of
// state.Store must share, events and errors included.
func Run(t *testing.T, newStore func(t *testing.T) state.Store) {
	for _, tc := range []struct {
		name string
		run  func(f *fixture)
	}{
		{"locations", locations},
		{"contacts/create and get", createAndGet},
		{"contacts/update", update},
		{"contacts/duplicates", duplicates},
		{"contacts/upsert", upsert},
		{"contacts/delete cascades", deleteCascades},
		{"contacts/read-only results", readOnly},
		{"contacts/invalid input", invalidInput},
		{"list/paging", listPaging},
		{"list/query", listQuery},
		{"search", search},
		{"search/cursor", searchCursor},
		{"duplicate lookup", findDuplicate},
		{"contacts by business", byBusiness},
		{"tags and followers", tagsAndFollowers},
		{"campaigns and workflows", campaignsAndWorkflows},
		{"bulk", bulk},
		{"tasks", tasks},
		{"notes", notes},
		{"appointments and businesses", appointmentsAndBusinesses},
		{"snapshot, restore, merge, reset", documents},
		{"events after the change", eventsOutsideTheLock},
		{"concurrent writes", concurrentWrites},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(setup(t, newStore)) })
	}
}

func locations(f *fixture) {
	locs, err := f.s.Locations(f.ctx)
	f.must(err)
	var got []string
	for _, l := range locs {
		got = append(got, l.ID)
		if len(l.Contacts) > 0 || len(l.Appointments) > 0 || len(l.Businesses) > 0 {
			f.t.Errorf("Locations lists %s with its contents", l.ID)
		}
	}
	if !slices.Equal(got, []string{LocA, LocB, LocDup}) {
		f.t.Fatalf("locations %v, want creation order", got)
	}
	l, err := f.s.Location(f.ctx, LocA)
	f.must(err)
	if l.Name != "Conformance A" || l.CompanyID != Company || len(l.Users) != 1 || len(l.CustomFields) != 1 {
		f.t.Errorf("location A: %+v", l)
	}
	_, err = f.s.Location(f.ctx, "NoSuchLocationAAAAAA")
	f.code(err, state.NotFound, "Location")
	made, err := f.s.CreateLocation(f.ctx, fixtures.Location{Name: "Drawn"})
	f.must(err)
	if !fixtures.ValidID(made.ID) {
		f.t.Errorf("a location created without an id got %q", made.ID)
	}
	_, err = f.s.CreateLocation(f.ctx, fixtures.Location{ID: LocA, Name: "Again"})
	f.code(err, state.Conflict, "")
	f.must(f.s.DeleteLocation(f.ctx, LocB))
	_, err = f.s.GetContact(f.ctx, LocB, Carol)
	f.code(err, state.NotFound, "")
	f.code(f.s.DeleteLocation(f.ctx, LocB), state.NotFound, "Location")
	if ev := f.rec.take(); len(ev) != 0 {
		f.t.Errorf("location changes emitted %v", types(ev))
	}
}

func createAndGet(f *fixture) {
	c, err := f.s.CreateContact(f.ctx, LocA, state.ContactInput{
		FirstName: state.Of("Ada"), LastName: state.Of("Lovelace"), Email: state.Of(" Ada@Example.com "),
		Phone: state.Of("+1 555-010-0199"), Tags: state.Of([]string{"Lead", "VIP", "lead"}),
		CustomFields: state.Of([]state.CustomFieldInput{{Key: "size", FieldValue: []byte(`"big"`)}}),
	})
	f.must(err)
	if !fixtures.ValidID(c.ID) || c.LocationID != LocA || c.Type != "lead" {
		f.t.Errorf("created %+v", c.Contact)
	}
	if c.Email != "Ada@Example.com" || c.EmailLowerCase != "ada@example.com" || c.Phone != "+15550100199" {
		f.t.Errorf("identifiers %q %q %q: want trimmed, lower-cased and E.164", c.Email, c.EmailLowerCase, c.Phone)
	}
	if c.FullNameLowerCase != "ada lovelace" || !slices.Equal(c.Tags, []string{"lead", "vip"}) {
		f.t.Errorf("names %q, tags %v", c.FullNameLowerCase, c.Tags)
	}
	if len(c.CustomFields) != 1 || c.CustomFields[0].ID != FieldA || string(c.CustomFields[0].Value) != `"big"` {
		f.t.Errorf("custom fields %+v: the key names the location's field", c.CustomFields)
	}
	if c.DateAdded == 0 || c.DateUpdated != c.DateAdded || c.CreatedBy == nil {
		f.t.Errorf("dates %v %v, createdBy %v", c.DateAdded, c.DateUpdated, c.CreatedBy)
	}
	got := f.contact(LocA, c.ID)
	if got.ID != c.ID || got.Email != c.Email {
		f.t.Errorf("GetContact after create: %+v", got.Contact)
	}
	_, err = f.s.GetContact(f.ctx, LocA, "NoSuchContactAAAAAAA")
	f.code(err, state.NotFound, "Contact")
	_, err = f.s.GetContact(f.ctx, LocA, Carol) // location B's
	f.code(err, state.NotFound, "Contact")
	_, err = f.s.CreateContact(f.ctx, "NoSuchLocationAAAAAA", state.ContactInput{})
	f.code(err, state.NotFound, "Location")
	if ev := f.rec.take(); !slices.Equal(types(ev), []string{state.ContactCreate}) || ev[0].Contact.ID != c.ID || ev[0].LocationID != LocA {
		f.t.Errorf("events %v, want one ContactCreate of the contact", types(ev))
	}
}

func update(f *fixture) {
	before := f.contact(LocA, Alice)
	c, err := f.s.UpdateContact(f.ctx, LocA, Alice, state.ContactInput{
		FirstName: state.Opt[string]{Set: true, V: "Alicia"}, Email: state.Opt[string]{Set: true, Null: true},
		Tags: state.Of([]string{"New"}), DND: state.Of(true),
	})
	f.must(err)
	if c.FirstName != "Alicia" || c.Email != "" || c.LastName != "Archer" || !slices.Equal(c.Tags, []string{"new"}) || !c.DND {
		f.t.Errorf("updated %+v: set fields change, null clears, absent stay, tags replace", c.Contact)
	}
	if c.DateUpdated <= before.DateUpdated {
		f.t.Errorf("dateUpdated %v did not move past %v", c.DateUpdated, before.DateUpdated)
	}
	if ev := types(f.rec.take()); !slices.Equal(ev, []string{state.ContactUpdate, state.ContactTagUpdate, state.ContactDndUpdate}) {
		f.t.Errorf("events %v, want ContactUpdate, ContactTagUpdate, ContactDndUpdate", ev)
	}
	again, err := f.s.UpdateContact(f.ctx, LocA, Alice, state.ContactInput{FirstName: state.Of("Alicia")})
	f.must(err)
	if again.DateUpdated <= c.DateUpdated {
		f.t.Errorf("a write that changes nothing still moves dateUpdated: %v then %v", c.DateUpdated, again.DateUpdated)
	}
	if ev := f.rec.take(); len(ev) != 0 {
		f.t.Errorf("a write that changes nothing emitted %v", types(ev))
	}
	_, err = f.s.UpdateContact(f.ctx, LocA, Carol, state.ContactInput{FirstName: state.Of("x")})
	f.code(err, state.NotFound, "Contact")
}

func duplicates(f *fixture) {
	_, err := f.s.CreateContact(f.ctx, LocA, state.ContactInput{Email: state.Of("ALICE@example.com")})
	f.code(err, state.Duplicate, "")
	var se *state.Error
	errors.As(err, &se)
	if se.ID != Alice || se.Field != "email" || se.Name == "" {
		f.t.Errorf("duplicate %+v, want Alice matched by email", se)
	}
	_, err = f.s.CreateContact(f.ctx, LocA, state.ContactInput{Phone: state.Of("+1 555 000 0002")})
	f.code(err, state.Duplicate, "")
	errors.As(err, &se)
	if se.ID != Bob || se.Field != "phone" {
		f.t.Errorf("duplicate %+v, want Bob matched by phone", se)
	}
	_, err = f.s.UpdateContact(f.ctx, LocA, Bob, state.ContactInput{Email: state.Of("alice@example.com")})
	f.code(err, state.Duplicate, "")
	// Another location, and a location that allows duplicates, take the same e-mail.
	_, err = f.s.CreateContact(f.ctx, LocB, state.ContactInput{Email: state.Of("alice@example.com")})
	f.must(err)
	for range 2 {
		_, err = f.s.CreateContact(f.ctx, LocDup, state.ContactInput{Email: state.Of("same@example.com")})
		f.must(err)
	}
}

func upsert(f *fixture) {
	c, created, err := f.s.UpsertContact(f.ctx, LocA, state.ContactInput{Email: state.Of("alice@example.com"), LastName: state.Of("Arrow")}, false)
	f.must(err)
	if created || c.ID != Alice || c.LastName != "Arrow" {
		f.t.Errorf("upsert of Alice's e-mail: created %v, %s %s", created, c.ID, c.LastName)
	}
	c, created, err = f.s.UpsertContact(f.ctx, LocA, state.ContactInput{Phone: state.Of("+15550000002"), City: state.Of("Bobtown")}, false)
	f.must(err)
	if created || c.ID != Bob || c.City != "Bobtown" {
		f.t.Errorf("upsert of Bob's phone: created %v, %s", created, c.ID)
	}
	c, created, err = f.s.UpsertContact(f.ctx, LocA, state.ContactInput{Email: state.Of("new@example.com")}, false)
	f.must(err)
	if !created || c.ID == Alice || c.ID == Bob {
		f.t.Errorf("upsert of a new e-mail: created %v, %s", created, c.ID)
	}
	// createNewIfDuplicateAllowed creates in a location that allows duplicates.
	_, err = f.s.CreateContact(f.ctx, LocDup, state.ContactInput{Email: state.Of("d@example.com")})
	f.must(err)
	_, created, err = f.s.UpsertContact(f.ctx, LocDup, state.ContactInput{Email: state.Of("d@example.com")}, true)
	f.must(err)
	if !created {
		f.t.Error("upsert with createNewIfDuplicateAllowed in a location allowing duplicates did not create")
	}
}

func deleteCascades(f *fixture) {
	f.must(f.s.DeleteContact(f.ctx, LocA, Alice))
	_, err := f.s.GetContact(f.ctx, LocA, Alice)
	f.code(err, state.NotFound, "Contact")
	_, err = f.s.ListTasks(f.ctx, LocA, Alice)
	f.code(err, state.NotFound, "Contact")
	doc, err := f.s.Snapshot(f.ctx)
	f.must(err)
	if n := len(doc.Locations[0].Appointments); n != 0 {
		f.t.Errorf("%d appointments left of the deleted contact", n)
	}
	st, err := f.s.Stats(f.ctx)
	f.must(err)
	if st.Contacts != 2 || st.Tasks != 0 || st.Notes != 0 || st.Appointments != 0 {
		f.t.Errorf("stats after delete %+v", st)
	}
	if ev := f.rec.take(); !slices.Equal(types(ev), []string{state.ContactDelete}) || ev[0].Contact.ID != Alice {
		f.t.Errorf("events %v, want ContactDelete of Alice", types(ev))
	}
	f.code(f.s.DeleteContact(f.ctx, LocA, Alice), state.NotFound, "Contact")
}

func readOnly(f *fixture) {
	before := f.contact(LocA, Alice)
	name, tags := before.FirstName, slices.Clone(before.Tags)
	_, err := f.s.UpdateContact(f.ctx, LocA, Alice, state.ContactInput{FirstName: state.Of("Changed"), Tags: state.Of([]string{"x"})})
	f.must(err)
	_, err = f.s.AddTags(f.ctx, LocA, Alice, []string{"y"})
	f.must(err)
	if before.FirstName != name || !slices.Equal(before.Tags, tags) {
		f.t.Errorf("a contact handed out changed with a later write: %s %v", before.FirstName, before.Tags)
	}
	if after := f.contact(LocA, Alice); after.FirstName != "Changed" || !slices.Equal(after.Tags, []string{"x", "y"}) {
		f.t.Errorf("the next read does not see the writes: %s %v", after.FirstName, after.Tags)
	}
}

func invalidInput(f *fixture) {
	_, err := f.s.CreateContact(f.ctx, LocA, state.ContactInput{Email: state.Of("not an email"), Phone: state.Of("abc")})
	f.code(err, state.Invalid, "")
	var se *state.Error
	errors.As(err, &se)
	if len(se.Messages) != 2 {
		f.t.Errorf("messages %q, want one per problem", se.Messages)
	}
	_, err = f.s.CreateContact(f.ctx, LocA, state.ContactInput{DateOfBirth: state.Of(json.RawMessage(`"someday"`))})
	f.code(err, state.Invalid, "")
	_, err = f.s.UpdateContact(f.ctx, LocA, Alice, state.ContactInput{CustomFields: state.Of([]state.CustomFieldInput{{ID: FieldA, FieldValue: []byte(`{"a":1}`)}})})
	f.code(err, state.Invalid, "")
	if ev := f.rec.take(); len(ev) != 0 {
		f.t.Errorf("refused writes emitted %v", types(ev))
	}
}

func listPaging(f *fixture) {
	for i := range 5 {
		_, err := f.s.CreateContact(f.ctx, LocA, state.ContactInput{FirstName: state.Of(fmt.Sprint("New", i))})
		f.must(err)
	}
	var seen []string
	q := state.ListQuery{Limit: 3}
	for page := 1; ; page++ {
		p, err := f.s.ListContacts(f.ctx, LocA, q)
		f.must(err)
		if p.Total != 7 || p.Offset != len(seen) {
			f.t.Fatalf("page %d: total %d offset %d, want 7 and %d", page, p.Total, p.Offset, len(seen))
		}
		for _, c := range p.Contacts {
			seen = append(seen, c.ID)
		}
		if !p.More {
			break
		}
		last := p.Contacts[len(p.Contacts)-1]
		q.StartAfterID, q.StartAfter = last.ID, int64(last.DateAdded)
		if page > 5 {
			f.t.Fatal("paging does not end")
		}
	}
	if len(seen) != 7 || seen[5] != Bob || seen[6] != Alice {
		f.t.Errorf("pages %v: want every contact once, newest first", seen)
	}
	_, err := f.s.ListContacts(f.ctx, LocA, state.ListQuery{Limit: 3, StartAfterID: "NoSuchContactAAAAAAA"})
	f.code(err, state.NotFound, "Contact")
}

func listQuery(f *fixture) {
	p, err := f.s.ListContacts(f.ctx, LocA, state.ListQuery{Limit: 10, Query: "ALICE"})
	f.must(err)
	if p.Total != 1 || len(p.Contacts) != 1 || p.Contacts[0].ID != Alice {
		f.t.Errorf("query alice: %d of %d", len(p.Contacts), p.Total)
	}
	p, err = f.s.ListContacts(f.ctx, LocA, state.ListQuery{Limit: 10, Query: "+1555000000"})
	f.must(err)
	if p.Total != 2 {
		f.t.Errorf("query by phone prefix: total %d, want 2", p.Total)
	}
}

func ids(hits []state.SearchHit) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.Contact.ID
	}
	return out
}

func search(f *fixture) {
	p, err := f.s.SearchContacts(f.ctx, LocA, state.SearchQuery{PageLimit: 10})
	f.must(err)
	if p.Total != 2 || !slices.Equal(ids(p.Contacts), []string{Bob, Alice}) {
		f.t.Errorf("search: %v of %d", ids(p.Contacts), p.Total)
	}
	p, err = f.s.SearchContacts(f.ctx, LocA, state.SearchQuery{PageLimit: 10, Filters: []state.Filter{{Field: "tags", Operator: "eq", Value: "VIP"}}})
	f.must(err)
	if p.Total != 1 || p.Contacts[0].Contact.ID != Alice {
		f.t.Errorf("tag filter: %v", ids(p.Contacts))
	}
	p, err = f.s.SearchContacts(f.ctx, LocA, state.SearchQuery{PageLimit: 10, Sort: []state.Sort{{Field: "firstName", Direction: "asc"}}})
	f.must(err)
	if !slices.Equal(ids(p.Contacts), []string{Alice, Bob}) {
		f.t.Errorf("sorted by firstName: %v", ids(p.Contacts))
	}
	if after := p.Contacts[0].SearchAfter; len(after) != 2 || after[1] != Alice {
		f.t.Errorf("searchAfter %v, want [key, id]", after)
	}
	p, err = f.s.SearchContacts(f.ctx, LocA, state.SearchQuery{PageLimit: 10, Query: "bob"})
	f.must(err)
	if p.Total != 1 {
		f.t.Errorf("query bob: total %d", p.Total)
	}
	p, err = f.s.SearchContacts(f.ctx, LocA, state.SearchQuery{PageLimit: 10, Filters: []state.Filter{
		{Group: "OR", Filters: []state.Filter{{Field: "firstName", Operator: "eq", Value: "bob"}, {Field: "businessId", Operator: "exists"}}}}})
	f.must(err)
	if p.Total != 2 {
		f.t.Errorf("OR group: total %d, want 2", p.Total)
	}
	_, err = f.s.SearchContacts(f.ctx, LocA, state.SearchQuery{PageLimit: 100, Page: 101})
	f.code(err, state.Invalid, "")
	_, err = f.s.SearchContacts(f.ctx, LocA, state.SearchQuery{Filters: []state.Filter{{Field: "nope", Operator: "eq", Value: 1}}})
	f.code(err, state.Invalid, "")
	// Filter values are at most state.MaxFilterValue characters, in groups too (reference §3.9).
	long := strings.Repeat("é", state.MaxFilterValue+1)
	_, err = f.s.SearchContacts(f.ctx, LocA, state.SearchQuery{PageLimit: 10, Filters: []state.Filter{
		{Group: "AND", Filters: []state.Filter{{Field: "firstName", Operator: "contains", Value: long}}}}})
	f.code(err, state.Invalid, "")
	var se *state.Error
	if errors.As(err, &se) && !slices.Contains(se.Messages, "filters.0.filters.0.value must be shorter than or equal to 75 characters") {
		f.t.Errorf("messages %q", se.Messages)
	}
	_, err = f.s.SearchContacts(f.ctx, LocA, state.SearchQuery{PageLimit: 10, Filters: []state.Filter{
		{Field: "firstName", Operator: "contains", Value: long[:state.MaxFilterValue*len("é")]}}})
	f.must(err)
}

func searchCursor(f *fixture) {
	for i := range 6 {
		_, err := f.s.CreateContact(f.ctx, LocA, state.ContactInput{FirstName: state.Of(fmt.Sprintf("P%02d", i))})
		f.must(err)
	}
	for _, sort := range [][]state.Sort{nil, {{Field: "firstName", Direction: "desc"}}} {
		var seen []string
		q := state.SearchQuery{PageLimit: 3, Sort: sort}
		for range 5 {
			p, err := f.s.SearchContacts(f.ctx, LocA, q)
			f.must(err)
			seen = append(seen, ids(p.Contacts)...)
			if len(p.Contacts) < 3 {
				break
			}
			q.SearchAfter = overTheWire(f, p.Contacts[len(p.Contacts)-1].SearchAfter)
		}
		if len(seen) != 8 || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != 8 {
			f.t.Errorf("sort %v: cursor pages %v, want all 8 contacts once", sort, seen)
		}
	}
}

// overTheWire is a searchAfter as the next request brings it back: through JSON.
func overTheWire(f *fixture, after []any) []any {
	data, err := json.Marshal(after)
	f.must(err)
	var out []any
	f.must(json.Unmarshal(data, &out))
	return out
}

func findDuplicate(f *fixture) {
	c, err := f.s.FindDuplicate(f.ctx, LocA, "ALICE@example.com", "")
	f.must(err)
	if c == nil || c.ID != Alice {
		f.t.Errorf("by e-mail: %v", c)
	}
	c, err = f.s.FindDuplicate(f.ctx, LocA, "", "+1 (555) 000-0002")
	f.must(err)
	if c == nil || c.ID != Bob {
		f.t.Errorf("by phone: %v", c)
	}
	c, err = f.s.FindDuplicate(f.ctx, LocA, "carol@example.com", "")
	f.must(err)
	if c != nil {
		f.t.Errorf("another location's contact found: %s", c.ID)
	}
}

func byBusiness(f *fixture) {
	list, n, err := f.s.ContactsByBusiness(f.ctx, LocA, BizA, "", 0, 10)
	f.must(err)
	if n != 1 || len(list) != 1 || list[0].ID != Alice {
		f.t.Errorf("business contacts %d", n)
	}
	list, n, err = f.s.ContactsByBusiness(f.ctx, LocA, BizA, "", 1, 10)
	f.must(err)
	if n != 1 || len(list) != 0 {
		f.t.Errorf("skip past the end: %d of %d", len(list), n)
	}
}

func tagsAndFollowers(f *fixture) {
	tags, err := f.s.AddTags(f.ctx, LocA, Bob, []string{"Hot", "hot", "New"})
	f.must(err)
	if !slices.Equal(tags, []string{"hot", "new"}) {
		f.t.Errorf("add tags: %v", tags)
	}
	tags, err = f.s.AddTags(f.ctx, LocA, Bob, []string{"hot"})
	f.must(err)
	if !slices.Equal(tags, []string{"hot", "new"}) {
		f.t.Errorf("adding a tag twice: %v", tags)
	}
	tags, err = f.s.RemoveTags(f.ctx, LocA, Bob, []string{"HOT", "absent"})
	f.must(err)
	if !slices.Equal(tags, []string{"new"}) {
		f.t.Errorf("remove tags: %v", tags)
	}
	if ev := types(f.rec.take()); !slices.Equal(ev, []string{state.ContactTagUpdate, state.ContactTagUpdate}) {
		f.t.Errorf("events %v, want a ContactTagUpdate per change and none for no change", ev)
	}
	all, added, err := f.s.AddFollowers(f.ctx, LocA, Bob, []string{UserA, "UserBAAAAAAAAAAAAAAA", UserA})
	f.must(err)
	if !slices.Equal(all, []string{UserA, "UserBAAAAAAAAAAAAAAA"}) || !slices.Equal(added, all) {
		f.t.Errorf("followers %v added %v", all, added)
	}
	all, removed, err := f.s.RemoveFollowers(f.ctx, LocA, Bob, []string{UserA, "nobody"})
	f.must(err)
	if !slices.Equal(all, []string{"UserBAAAAAAAAAAAAAAA"}) || !slices.Equal(removed, []string{UserA}) {
		f.t.Errorf("followers %v removed %v", all, removed)
	}
	_, err = f.s.AddTags(f.ctx, LocA, Carol, []string{"x"})
	f.code(err, state.NotFound, "Contact")
}

func campaignsAndWorkflows(f *fixture) {
	f.must(f.s.AddToCampaign(f.ctx, LocA, Bob, "CampA"))
	f.must(f.s.AddToCampaign(f.ctx, LocA, Bob, "CampB"))
	f.must(f.s.RemoveFromCampaign(f.ctx, LocA, Bob, "CampA"))
	f.must(f.s.AddToWorkflow(f.ctx, LocA, Bob, "FlowA", "2026-03-02T10:00:00+01:00"))
	f.must(f.s.AddToWorkflow(f.ctx, LocA, Bob, "FlowB", ""))
	f.must(f.s.RemoveFromWorkflow(f.ctx, LocA, Bob, "FlowB"))
	doc, err := f.s.Snapshot(f.ctx)
	f.must(err)
	bob := doc.Locations[0].Contacts[1]
	if !slices.Equal(bob.Campaigns, []string{"CampB"}) || len(bob.Workflows) != 1 || bob.Workflows[0].ID != "FlowA" {
		f.t.Errorf("memberships %v %v", bob.Campaigns, bob.Workflows)
	}
	f.must(f.s.RemoveFromAllCampaigns(f.ctx, LocA, Bob))
	doc, err = f.s.Snapshot(f.ctx)
	f.must(err)
	if n := len(doc.Locations[0].Contacts[1].Campaigns); n != 0 {
		f.t.Errorf("%d campaigns after removing all", n)
	}
	f.code(f.s.AddToCampaign(f.ctx, LocA, Carol, "CampA"), state.NotFound, "Contact")
}

func bulk(f *fixture) {
	f.must(f.s.DeleteContact(f.ctx, LocA, Bob))
	results, err := f.s.BulkTags(f.ctx, LocA, []string{Alice, Bob, Carol, "bad id", "NoSuchContactAAAAAAA"}, []string{"Batch"}, false, false)
	f.must(err)
	var msgs []string
	for _, r := range results {
		msgs = append(msgs, r.Type+": "+r.Message)
	}
	want := []string{"success: Tags added successfully", "error: contact is deleted", "error: contact does not belong to location",
		"error: contact id is not a valid firebase id", "error: contact not found"}
	if !slices.Equal(msgs, want) {
		f.t.Errorf("bulk results %q, want %q", msgs, want)
	}
	if !slices.Equal(results[0].TagsAdded, []string{"batch"}) {
		f.t.Errorf("tags added %v", results[0].TagsAdded)
	}
	results, err = f.s.BulkTags(f.ctx, LocA, []string{Alice}, nil, true, true)
	f.must(err)
	if len(results[0].TagsRemoved) != 3 || len(f.contact(LocA, Alice).Tags) != 0 {
		f.t.Errorf("remove all: removed %v", results[0].TagsRemoved)
	}
	done, err := f.s.BulkBusiness(f.ctx, LocA, []string{Alice, "NoSuchContactAAAAAAA"}, nil)
	f.must(err)
	if !slices.Equal(done, []string{Alice}) || f.contact(LocA, Alice).BusinessID != "" {
		f.t.Errorf("bulk business clear: %v", done)
	}
	unknown := "000000000000000000000000"
	_, err = f.s.BulkBusiness(f.ctx, LocA, []string{Alice}, &unknown)
	f.code(err, state.NotFound, "Business")
}

func tasks(f *fixture) {
	list, err := f.s.ListTasks(f.ctx, LocA, Alice)
	f.must(err)
	if len(list) != 1 || list[0].ID != TaskA {
		f.t.Fatalf("tasks %v", list)
	}
	// A stored task keeps its location and when it was added (reference §3.5: the task webhooks
	// carry both), loaded or created.
	if list[0].LocationID != LocA || list[0].DateAdded != ts("2026-01-02T10:00:00Z") {
		f.t.Errorf("loaded task: locationId %q dateAdded %v", list[0].LocationID, list[0].DateAdded)
	}
	made, err := f.s.CreateTask(f.ctx, LocA, Alice, state.TaskInput{Title: state.Of("Quote"), DueDate: state.Of(ts("2026-03-08T10:00:00Z"))})
	f.must(err)
	if !fixtures.ValidID(made.ID) || made.ContactID != Alice || made.Title != "Quote" || made.Completed ||
		made.LocationID != LocA || made.DateAdded == 0 {
		f.t.Errorf("created task %+v", made)
	}
	done, err := f.s.UpdateTask(f.ctx, LocA, Alice, made.ID, state.TaskInput{Completed: state.Of(true)})
	f.must(err)
	if !done.Completed || done.Title != "Quote" || done.DateUpdated < made.DateUpdated {
		f.t.Errorf("completed task %+v", done)
	}
	again, err := f.s.UpdateTask(f.ctx, LocA, Alice, made.ID, state.TaskInput{Completed: state.Of(true)})
	f.must(err)
	got, err := f.s.GetTask(f.ctx, LocA, Alice, made.ID)
	f.must(err)
	if got != again || again.DateUpdated <= done.DateUpdated {
		f.t.Errorf("GetTask %+v, want %+v (every write moves dateUpdated)", got, again)
	}
	f.must(f.s.DeleteTask(f.ctx, LocA, Alice, made.ID))
	_, err = f.s.GetTask(f.ctx, LocA, Alice, made.ID)
	f.code(err, state.NotFound, "Task")
	_, err = f.s.GetTask(f.ctx, LocA, Bob, TaskA) // Alice's task under Bob
	f.code(err, state.NotFound, "Task")
	if ev := types(f.rec.take()); !slices.Equal(ev, []string{state.TaskCreate, state.TaskComplete, state.TaskDelete}) {
		f.t.Errorf("events %v, want TaskCreate, TaskComplete (once), TaskDelete", ev)
	}
}

func notes(f *fixture) {
	made, err := f.s.CreateNote(f.ctx, LocA, Bob, state.NoteInput{Body: state.Of("Asked for a quote"), Pinned: state.Of(true)})
	f.must(err)
	if !fixtures.ValidID(made.ID) || made.ContactID != Bob || !made.Pinned {
		f.t.Errorf("created note %+v", made)
	}
	up, err := f.s.UpdateNote(f.ctx, LocA, Bob, made.ID, state.NoteInput{Body: state.Of("Sent the quote")})
	f.must(err)
	if up.Body != "Sent the quote" || !up.Pinned {
		f.t.Errorf("updated note %+v", up)
	}
	list, err := f.s.ListNotes(f.ctx, LocA, Bob)
	f.must(err)
	if len(list) != 1 || list[0] != up {
		f.t.Errorf("notes %v", list)
	}
	got, err := f.s.GetNote(f.ctx, LocA, Alice, NoteA)
	f.must(err)
	if got.Body != "Met at the fair" {
		f.t.Errorf("seeded note %+v", got)
	}
	f.must(f.s.DeleteNote(f.ctx, LocA, Bob, made.ID))
	_, err = f.s.GetNote(f.ctx, LocA, Bob, made.ID)
	f.code(err, state.NotFound, "Note")
	if ev := types(f.rec.take()); !slices.Equal(ev, []string{state.NoteCreate, state.NoteUpdate, state.NoteDelete}) {
		f.t.Errorf("events %v", ev)
	}
}

func appointmentsAndBusinesses(f *fixture) {
	a, err := f.s.AddAppointment(f.ctx, fixtures.Appointment{LocationID: LocA, ContactID: Alice, Title: "Earlier",
		Status: "booked", AppointmentStatus: "booked", Users: []string{}, AssignedResources: []string{},
		StartTime: ts("2026-03-09T09:00:00Z"), EndTime: ts("2026-03-09T10:00:00Z")})
	f.must(err)
	if !fixtures.ValidID(a.ID) || a.DateAdded == 0 {
		f.t.Errorf("added appointment %+v", a)
	}
	list, err := f.s.ListAppointments(f.ctx, LocA, Alice)
	f.must(err)
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != ApptA {
		f.t.Errorf("appointments %v, want by start time", list)
	}
	_, err = f.s.AddAppointment(f.ctx, fixtures.Appointment{ID: ApptA, LocationID: LocA, ContactID: Alice})
	f.code(err, state.Conflict, "")
	_, err = f.s.AddAppointment(f.ctx, fixtures.Appointment{LocationID: LocA, ContactID: Carol})
	f.code(err, state.NotFound, "Contact")
	// Appointments change and go through the store, which emits their events (reference §6.1).
	up, err := f.s.UpdateAppointment(f.ctx, LocA, a.ID, state.AppointmentPatch{Title: state.Of("Later"), EndTime: state.Of(ts("2026-03-09T11:00:00Z"))})
	f.must(err)
	if up.Title != "Later" || up.EndTime != ts("2026-03-09T11:00:00Z") || up.StartTime != a.StartTime || up.DateUpdated < a.DateUpdated {
		f.t.Errorf("updated appointment %+v", up)
	}
	_, err = f.s.UpdateAppointment(f.ctx, LocA, a.ID, state.AppointmentPatch{EndTime: state.Of(ts("2026-03-01T00:00:00Z"))})
	f.code(err, state.Invalid, "")
	_, err = f.s.UpdateAppointment(f.ctx, LocB, a.ID, state.AppointmentPatch{Title: state.Of("x")})
	f.code(err, state.NotFound, "Appointment")
	f.must(f.s.DeleteAppointment(f.ctx, LocA, a.ID))
	f.code(f.s.DeleteAppointment(f.ctx, LocA, a.ID), state.NotFound, "Appointment")
	if list, _ := f.s.ListAppointments(f.ctx, LocA, Alice); len(list) != 1 || list[0].ID != ApptA {
		f.t.Errorf("appointments after the delete %v", list)
	}
	ev := f.rec.take()
	if !slices.Equal(types(ev), []string{state.AppointmentCreate, state.AppointmentUpdate, state.AppointmentDelete}) ||
		ev[0].Appointment == nil || ev[0].Appointment.ID != a.ID || ev[1].Appointment.Title != "Later" || ev[2].Appointment.ID != a.ID {
		f.t.Errorf("events %v, want AppointmentCreate, AppointmentUpdate, AppointmentDelete of the appointment", types(ev))
	}
	b, err := f.s.AddBusiness(f.ctx, fixtures.Business{LocationID: LocA, Name: "Drawn Ltd"})
	f.must(err)
	if !fixtures.ValidObjectID(b.ID) || b.DateAdded == 0 {
		f.t.Errorf("added business %+v", b)
	}
	_, err = f.s.AddBusiness(f.ctx, fixtures.Business{ID: BizA, LocationID: LocA, Name: "Again"})
	f.code(err, state.Conflict, "")
	_, err = f.s.AddBusiness(f.ctx, fixtures.Business{LocationID: "NoSuchLocationAAAAAA", Name: "X"})
	f.code(err, state.NotFound, "Location")
}

func documents(f *fixture) {
	snap, err := f.s.Snapshot(f.ctx)
	f.must(err)
	want := Document()
	f.must(fixtures.Normalize(&want))
	if len(snap.Locations) != 3 || len(snap.Locations[0].Contacts) != 2 || snap.Locations[0].Contacts[0].ID != Alice ||
		len(snap.Locations[0].Contacts[0].Tasks) != 1 || len(snap.Locations[0].Contacts[0].Notes) != 1 {
		f.t.Fatalf("snapshot of the suite's document: %+v", snap.Locations)
	}
	_, err = f.s.CreateContact(f.ctx, LocA, state.ContactInput{FirstName: state.Of("Temp")})
	f.must(err)
	broken := Document()
	broken.Locations[1].Contacts[0].ID = Alice // used twice
	if err := f.s.Restore(f.ctx, broken); err == nil {
		f.t.Fatal("a document with an id used twice was restored")
	}
	if st, _ := f.s.Stats(f.ctx); st.Contacts != 4 {
		f.t.Errorf("a refused restore changed the state: %d contacts", st.Contacts)
	}
	f.must(f.s.Restore(f.ctx, Document()))
	if st, _ := f.s.Stats(f.ctx); st.Contacts != 3 || st.Locations != 3 || st.Tasks != 1 || st.Notes != 1 || st.Appointments != 1 || st.Businesses != 1 {
		f.t.Errorf("stats after restore %+v", st)
	}
	extra := fixtures.Document{Version: 1, Locations: []fixtures.Location{{ID: "LocConfMergedAAAAAAA", Name: "Merged"}}}
	f.must(f.s.Merge(f.ctx, extra))
	clash := Document()
	clash.Locations = clash.Locations[1:2] // location B again: its contact's id is taken
	if err := f.s.Merge(f.ctx, clash); err == nil {
		f.t.Error("a document whose contact ids clash with the state was merged")
	}
	if st, _ := f.s.Stats(f.ctx); st.Locations != 4 || st.Contacts != 3 {
		f.t.Errorf("stats after the merges %+v, want 4 locations and 3 contacts", st)
	}
	f.must(f.s.Reset(f.ctx, Document()))
	if st, _ := f.s.Stats(f.ctx); st.Locations != 3 {
		f.t.Errorf("%d locations after reset, want 3", st.Locations)
	}
	if ev := f.rec.take(); len(ev) != 1 || ev[0].Type != state.ContactCreate {
		f.t.Errorf("whole-state changes emitted %v", types(ev))
	}
}

// eventsOutsideTheLock: a subscriber may read the store while it handles an event (no lock of the
// store is held), and each write's events have arrived when the write returns, in change order.
func eventsOutsideTheLock(f *fixture) {
	var mu sync.Mutex // guards seen
	var seen []string
	f.s.Subscribe(func(e state.Event) {
		if e.Contact != nil {
			if _, err := f.s.GetContact(context.Background(), e.LocationID, e.Contact.ID); err != nil && e.Type != state.ContactDelete {
				f.t.Errorf("reading the store from the subscriber: %v", err)
			}
		}
		mu.Lock()
		seen = append(seen, e.Type)
		mu.Unlock()
	})
	c, err := f.s.CreateContact(f.ctx, LocA, state.ContactInput{FirstName: state.Of("Evented")})
	f.must(err)
	mu.Lock()
	if !slices.Equal(seen, []string{state.ContactCreate}) {
		f.t.Errorf("events when CreateContact returned: %v", seen)
	}
	mu.Unlock()
	_, err = f.s.UpdateContact(f.ctx, LocA, c.ID, state.ContactInput{Tags: state.Of([]string{"t"})})
	f.must(err)
	f.must(f.s.DeleteContact(f.ctx, LocA, c.ID))
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(seen, []string{state.ContactCreate, state.ContactTagUpdate, state.ContactDelete}) {
		f.t.Errorf("events %v, want the changes' order", seen)
	}
}

// concurrentWrites: creates from many goroutines get distinct ids and every one is counted; the
// events of one contact's writes arrive in the order of the writes.
func concurrentWrites(f *fixture) {
	const goroutines, each = 8, 25
	var wg sync.WaitGroup
	var mu sync.Mutex // guards made
	made := map[string]bool{}
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				c, err := f.s.CreateContact(context.Background(), LocDup, state.ContactInput{FirstName: state.Of(fmt.Sprint("G", g, "-", i))})
				if err != nil {
					f.t.Error(err)
					return
				}
				mu.Lock()
				made[c.ID] = true
				mu.Unlock()
			}
		})
	}
	// One contact written in order by this goroutine meanwhile.
	for i := range 20 {
		_, err := f.s.UpdateContact(f.ctx, LocA, Bob, state.ContactInput{City: state.Of(fmt.Sprintf("City%02d", i))})
		f.must(err)
	}
	wg.Wait()
	if len(made) != goroutines*each {
		f.t.Fatalf("%d distinct ids for %d creates", len(made), goroutines*each)
	}
	p, err := f.s.ListContacts(f.ctx, LocDup, state.ListQuery{Limit: 1})
	f.must(err)
	if p.Total != goroutines*each {
		f.t.Errorf("total %d, want %d", p.Total, goroutines*each)
	}
	var cities []string
	for _, e := range f.rec.take() {
		if e.Type == state.ContactUpdate && e.Contact.ID == Bob {
			cities = append(cities, e.Contact.City)
		}
	}
	if len(cities) != 20 || !sort.StringsAreSorted(cities) || !strings.HasPrefix(cities[0], "City00") {
		f.t.Errorf("Bob's updates arrived as %v, want City00..City19 in order", cities)
	}
}
