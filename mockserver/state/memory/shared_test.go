package memory_test

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/mockserver/state/memory"
)

func sharedStore(t *testing.T) (*memory.Memory, fixtures.Location) {
	t.Helper()
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 5, Contacts: 30})
	if err != nil {
		t.Fatal(err)
	}
	m := memory.New(memory.Options{Now: time.Now})
	if err := m.Restore(ctx, doc); err != nil {
		t.Fatal(err)
	}
	return m, doc.Locations[0]
}

// TestSharedContactsNeverChange: a contact handed out shared keeps its value, and its JSON, through
// every kind of write to it; the next read sees the write.
func TestSharedContactsNeverChange(t *testing.T) {
	m, loc := sharedStore(t)
	id := loc.Contacts[0].ID
	biz := loc.Businesses[0].ID
	writes := map[string]func() error{
		"update": func() error {
			_, err := m.UpdateContact(ctx, loc.ID, id, state.ContactInput{City: state.Of("Elsewhere")})
			return err
		},
		"add tags":         func() error { _, err := m.AddTags(ctx, loc.ID, id, []string{"new-tag"}); return err },
		"remove tags":      func() error { _, err := m.RemoveTags(ctx, loc.ID, id, []string{"new-tag"}); return err },
		"add followers":    func() error { _, _, err := m.AddFollowers(ctx, loc.ID, id, []string{"F1", "F2"}); return err },
		"remove followers": func() error { _, _, err := m.RemoveFollowers(ctx, loc.ID, id, []string{"F1"}); return err },
		"bulk tags": func() error {
			_, err := m.BulkTags(ctx, loc.ID, []string{id}, []string{"bulk"}, false, false)
			return err
		},
		"bulk business": func() error { _, err := m.BulkBusiness(ctx, loc.ID, []string{id}, &biz); return err },
		"upsert": func() error {
			_, _, err := m.UpsertContact(ctx, loc.ID, state.ContactInput{Email: state.Of(loc.Contacts[0].Email), City: state.Of("Upserted")}, false)
			return err
		},
	}
	for name, write := range writes {
		before, err := m.GetContact(ctx, loc.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		frozen, _ := json.Marshal(before.Contact)
		encoded, err := before.JSON()
		if err != nil {
			t.Fatal(err)
		}
		if err := write(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if now, _ := json.Marshal(before.Contact); !bytes.Equal(now, frozen) {
			t.Errorf("%s changed a contact already handed out:\nwas %s\nnow %s", name, frozen, now)
		}
		if again, _ := before.JSON(); !bytes.Equal(again, encoded) {
			t.Errorf("%s changed the JSON of a contact already handed out", name)
		}
		after, _ := m.GetContact(ctx, loc.ID, id)
		fresh, _ := after.JSON()
		var plain bytes.Buffer
		enc := json.NewEncoder(&plain)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(after.Contact)
		want := bytes.TrimSuffix(plain.Bytes(), []byte("\n"))
		if after == before || !bytes.Equal(fresh, want) {
			t.Errorf("%s: the next read does not see the write (or its JSON is stale)", name)
		}
	}
}

// TestSharedReadsRace: readers encoding shared contacts while writers change them (run with -race).
func TestSharedReadsRace(t *testing.T) {
	m, loc := sharedStore(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				page, err := m.ListContacts(ctx, loc.ID, state.ListQuery{Limit: 20})
				if err != nil {
					t.Error(err)
					return
				}
				for _, c := range page.Contacts {
					if b, err := c.JSON(); err != nil || len(b) == 0 {
						t.Error("a shared contact's JSON could not be made", err)
						return
					}
					_ = len(c.Tags) + len(c.Followers)
				}
				if _, err := m.ListContacts(ctx, loc.ID, state.ListQuery{Limit: 5, Query: "e"}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := 0; i < 300; i++ {
		id := loc.Contacts[i%len(loc.Contacts)].ID
		_, _ = m.AddTags(ctx, loc.ID, id, []string{"t" + string(rune('a'+i%26))})
		_, _, _ = m.AddFollowers(ctx, loc.ID, id, []string{"F" + string(rune('a'+i%26))})
		_, _ = m.UpdateContact(ctx, loc.ID, id, state.ContactInput{City: state.Of("C" + string(rune('a'+i%26)))})
		_, _ = m.CreateContact(ctx, loc.ID, state.ContactInput{FirstName: state.Of("Race")})
	}
	close(stop)
	wg.Wait()
}
