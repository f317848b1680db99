package record

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/contactsmock/contactsmock/fixtures"
)

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// observeAll shows a recorder what the API would answer for every resource of the document.
func observeAll(t *testing.T, r *Recorder, doc fixtures.Document) {
	t.Helper()
	for _, loc := range doc.Locations {
		var contacts []fixtures.Contact
		for _, c := range loc.Contacts {
			contacts = append(contacts, c.Contact)
			p := map[string]string{"contactId": c.ID}
			r.Observe("get-all-tasks", p, 200, mustJSON(t, map[string]any{"tasks": nonNil(c.Tasks)}))
			r.Observe("get-all-notes", p, 200, mustJSON(t, map[string]any{"notes": nonNil(c.Notes)}))
			var events []fixtures.Appointment
			for _, a := range loc.Appointments {
				if a.ContactID == c.ID {
					events = append(events, a)
				}
			}
			r.Observe("get-appointments-for-contact", p, 200, mustJSON(t, map[string]any{"events": nonNil(events)}))
		}
		r.Observe("get-contacts", nil, 200, mustJSON(t, map[string]any{"contacts": contacts, "meta": map[string]any{"total": len(contacts)}}))
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func generated(t *testing.T) fixtures.Document {
	t.Helper()
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 42, Contacts: 25, Locations: 1})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// originals lists the names, e-mails and phones of the document's contacts.
func originals(doc fixtures.Document) []string {
	var out []string
	for _, l := range doc.Locations {
		for _, c := range l.Contacts {
			out = append(out, c.FirstName, c.LastName, c.Name, c.Email, c.Phone)
			out = append(out, c.AdditionalEmails...)
			out = append(out, c.AdditionalPhones...)
		}
	}
	return out
}

// containsOriginal returns the first original the text holds, as a word (names) or anywhere
// (e-mails and phones), case-insensitively.
func containsOriginal(text string, orig []string) string {
	lower := strings.ToLower(text)
	for _, o := range orig {
		if len(o) < 3 {
			continue
		}
		lo := strings.ToLower(o)
		if strings.ContainsAny(o, "@+") {
			if strings.Contains(lower, lo) {
				return o
			}
		} else if containsWord(lower, lo) {
			return o
		}
	}
	return ""
}

func TestPseudonymisedRecordingKeepsIdsAndTimesAndNoPersonalData(t *testing.T) {
	src := generated(t)
	r := New()
	observeAll(t, r, src)
	doc, rep, err := r.Document(Options{Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Dropped) != 0 || len(rep.Leaks) != 0 || rep.Skipped != 0 {
		t.Errorf("report: %+v", rep)
	}
	if err := fixtures.Validate(doc); err != nil {
		t.Fatalf("not a fixtures document the mock loads: %v", err)
	}
	got, want := doc.Locations[0], src.Locations[0]
	if got.ID != want.ID || len(got.Contacts) != len(want.Contacts) || len(got.Appointments) != len(want.Appointments) {
		t.Fatalf("location %s with %d contacts, %d appointments; want %s, %d, %d", got.ID, len(got.Contacts), len(got.Appointments), want.ID, len(want.Contacts), len(want.Appointments))
	}
	if rep.Contacts != len(want.Contacts) {
		t.Errorf("report counts %d contacts", rep.Contacts)
	}
	for i, c := range got.Contacts {
		w := want.Contacts[i]
		if c.ID != w.ID || c.DateAdded != w.DateAdded || c.DateUpdated != w.DateUpdated || c.LastActivity != w.LastActivity ||
			!reflect.DeepEqual(c.Tags, w.Tags) || c.AssignedTo != w.AssignedTo || c.BusinessID != w.BusinessID {
			t.Errorf("contact %d: ids, times, tags or references changed:\n got %+v\nwant %+v", i, c.Contact, w.Contact)
		}
		if (c.Email == "") != (w.Email == "") || (c.Phone == "") != (w.Phone == "") || (c.FirstName == "") != (w.FirstName == "") {
			t.Errorf("contact %d: a field appeared or vanished", i)
		}
		if w.Phone != "" && (c.Phone[:3] != w.Phone[:3] || len(c.Phone) != len(w.Phone)) {
			t.Errorf("contact %d: phone %s for %s: the country prefix and length should stay", i, c.Phone, w.Phone)
		}
		if len(c.Tasks) != len(w.Tasks) || len(c.Notes) != len(w.Notes) {
			t.Fatalf("contact %d: %d tasks %d notes, want %d %d", i, len(c.Tasks), len(c.Notes), len(w.Tasks), len(w.Notes))
		}
		for j := range c.Tasks {
			if c.Tasks[j].ID != w.Tasks[j].ID || c.Tasks[j].DueDate != w.Tasks[j].DueDate || c.Tasks[j].Title == w.Tasks[j].Title {
				t.Errorf("task %s: id or due date changed, or the title was kept", w.Tasks[j].ID)
			}
		}
		for j := range c.Notes {
			if c.Notes[j].ID != w.Notes[j].ID || c.Notes[j].DateAdded != w.Notes[j].DateAdded || c.Notes[j].Body == w.Notes[j].Body {
				t.Errorf("note %s: id or date changed, or the body was kept", w.Notes[j].ID)
			}
		}
	}
	text := string(mustJSON(t, doc))
	if o := containsOriginal(text, originals(src)); o != "" {
		t.Errorf("the recording still holds %q", o)
	}
	// The same seed gives the same recording; another seed other fakes.
	again, _, err := r.Document(Options{Seed: 7})
	if err != nil || !reflect.DeepEqual(again, doc) {
		t.Errorf("the same seed gave another document (%v)", err)
	}
	other, _, _ := r.Document(Options{Seed: 8})
	if other.Locations[0].Contacts[0].Email == doc.Locations[0].Contacts[0].Email {
		t.Error("another seed gave the same fake e-mail")
	}
}

func contact(id, email, phone, first string) fixtures.Contact {
	return fixtures.Contact{
		ID: id, LocationID: "ve9EPM428h8vShlRW1KT", FirstName: first, LastName: "Okafor", Email: email, Phone: phone,
		Tags: []string{}, DateAdded: 1709648530123, DateUpdated: 1709648530123,
	}
}

func TestTheSameOriginalGetsTheSameFake(t *testing.T) {
	r := New()
	list := []fixtures.Contact{
		contact("aaaaaaaaaaaaaaaaaaa1", "Maria@Example.org", "+14155550142", "Maria"),
		contact("aaaaaaaaaaaaaaaaaaa2", "maria@example.org", "+14155550142", "Maria"),
		contact("aaaaaaaaaaaaaaaaaaa3", "other@example.org", "+14155550199", "Ann"),
	}
	r.Observe("get-contacts", nil, 200, mustJSON(t, map[string]any{"contacts": list}))
	doc, _, err := r.Document(Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	loc := doc.Locations[0]
	if !loc.AllowDuplicateContact {
		t.Error("the recorded contacts are duplicates, so the location must allow them")
	}
	c := loc.Contacts
	if !strings.EqualFold(c[0].Email, c[1].Email) || c[0].Phone != c[1].Phone || c[0].FirstName != c[1].FirstName || c[0].LastName != c[2].LastName {
		t.Errorf("one original, two fakes: %+v", c)
	}
	if strings.EqualFold(c[0].Email, c[2].Email) || c[0].Phone == c[2].Phone {
		t.Errorf("two originals, one fake: %s %s", c[0].Email, c[2].Email)
	}
	if !strings.HasSuffix(c[0].Email, ".com") && !strings.HasSuffix(c[0].Email, ".org") && !strings.HasSuffix(c[0].Email, ".net") || !strings.Contains(c[0].Email, "@example.") {
		t.Errorf("a fake e-mail outside the example domains: %s", c[0].Email)
	}
	if c[0].Name != c[0].FirstName+" "+c[0].LastName || c[0].EmailLowerCase != strings.ToLower(c[0].Email) {
		t.Errorf("derived fields not derived from the fakes: %+v", c[0])
	}
}

func TestRawKeepsEverything(t *testing.T) {
	r := New()
	c := contact("aaaaaaaaaaaaaaaaaaa1", "maria@example.org", "+14155550142", "Maria")
	r.Observe("get-contact", nil, 200, mustJSON(t, map[string]any{"contact": c}))
	doc, rep, err := r.Document(Options{Raw: true})
	if err != nil {
		t.Fatal(err)
	}
	got := doc.Locations[0].Contacts[0]
	if got.Email != c.Email || got.Phone != c.Phone || got.FirstName != "Maria" || rep.Leaks != nil {
		t.Errorf("raw changed the contact: %+v", got.Contact)
	}
}

func TestDeletesAndMergesAndLenientDates(t *testing.T) {
	r := New()
	a := contact("aaaaaaaaaaaaaaaaaaa1", "a@example.org", "", "Ann")
	b := contact("aaaaaaaaaaaaaaaaaaa2", "b@example.org", "", "Bob")
	r.Observe("get-contacts", nil, 200, mustJSON(t, map[string]any{"contacts": []fixtures.Contact{a, b}}))
	// A later answer that leaves dateAdded out (or renames it) keeps the one already seen, and a
	// date in another layout is read.
	r.Observe("get-contact", map[string]string{"contactId": a.ID}, 200,
		[]byte(`{"contact":{"id":"aaaaaaaaaaaaaaaaaaa1","locationId":"ve9EPM428h8vShlRW1KT","createdAt":"x","dateUpdated":"2024-03-06 10:00:00","city":"Lagos","tags":[]}}`))
	r.Observe("delete-contact", map[string]string{"contactId": b.ID}, 200, []byte(`{"succeded":true}`))
	r.Observe("get-contact", map[string]string{"contactId": b.ID}, 400, []byte(`{"statusCode":400}`))
	r.Observe("get-all-tasks", map[string]string{"contactId": a.ID}, 200, []byte(`{"tasks":[{"id":"tttttttttttttttttt01","title":"Call","dueDate":"2024-03-07T10:00:00.000Z","completed":false,"dateAdded":"2024-03-06T10:00:00.000Z","dateUpdated":"2024-03-06T10:00:00.000Z"}]}`))
	r.Observe("delete-task", map[string]string{"contactId": a.ID, "taskId": "tttttttttttttttttt01"}, 200, []byte(`{"succeded":true}`))
	r.Observe("get-contacts", nil, 200, []byte(`not json`))
	doc, rep, err := r.Document(Options{Raw: true})
	if err != nil {
		t.Fatal(err)
	}
	cs := doc.Locations[0].Contacts
	if len(cs) != 1 || cs[0].ID != a.ID {
		t.Fatalf("contacts %+v; the deleted one should be gone", cs)
	}
	if cs[0].DateAdded != a.DateAdded || cs[0].City != "Lagos" || cs[0].DateUpdated.String() != "2024-03-06T10:00:00.000Z" || len(cs[0].Tasks) != 0 {
		t.Errorf("merged contact %+v", cs[0])
	}
	if rep.Skipped != 1 {
		t.Errorf("skipped %d, want the one unreadable answer", rep.Skipped)
	}
}

func TestWhatTheFormatRefusesIsDropped(t *testing.T) {
	r := New()
	good := contact("aaaaaaaaaaaaaaaaaaa1", "not an e-mail", "call me", "Ann")
	bad := contact("short", "b@example.org", "", "Bob")
	r.Observe("get-contacts", nil, 200, mustJSON(t, map[string]any{"contacts": []fixtures.Contact{good, bad}}))
	doc, rep, err := r.Document(Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cs := doc.Locations[0].Contacts
	if len(cs) != 1 || cs[0].ID != good.ID || cs[0].Email != "" || cs[0].Phone != "" {
		t.Errorf("contacts %+v: the bad e-mail and phone should be left out, the bad id dropped", cs)
	}
	if len(rep.Dropped) != 1 || !strings.Contains(rep.Dropped[0], "short") {
		t.Errorf("dropped %v", rep.Dropped)
	}
}

func TestDocumentRefusals(t *testing.T) {
	r := New()
	if _, _, err := r.Document(Options{Raw: true}); !errors.Is(err, ErrNothing) {
		t.Errorf("nothing recorded: %v", err)
	}
	if _, _, err := r.Document(Options{}); err == nil || !strings.HasPrefix(err.Error(), "record: ") {
		t.Errorf("seed 0: %v", err)
	}
}
