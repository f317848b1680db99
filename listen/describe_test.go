package listen

import (
	"strings"
	"testing"
)

// TestDescribe follows one contact, a note and a task through their events: the first event shows
// the resource's main fields, later ones what changed, and a contact's tags and DND are described by
// their own events rather than by the ContactUpdate of the same write.
func TestDescribe(t *testing.T) {
	l := &Listener{seen: map[string]map[string]rawValue{}}
	steps := []struct {
		payload string
		want    []string
		not     []string
	}{
		{`{"type":"ContactCreate","locationId":"L","id":"c1","firstName":"Ada","email":"ada@example.com","tags":["lead"],"dnd":false,"timestamp":"2026-03-01T12:00:05.123Z","webhookId":"w1"}`,
			[]string{"12:00:05.123 ContactCreate ", "contact c1", "firstName=Ada email=ada@example.com tags=[\"lead\"] (+1 more fields)"}, []string{"first seen"}},
		{`{"type":"ContactUpdate","locationId":"L","id":"c1","firstName":"Ada","lastName":"Lovelace","email":"ada@example.com","tags":["lead","vip"],"dnd":false,"timestamp":"2026-03-01T12:00:06.000Z","webhookId":"w2"}`,
			[]string{"ContactUpdate", "lastName: (none) → Lovelace"}, []string{"tags"}},
		{`{"type":"ContactTagUpdate","locationId":"L","id":"c1","firstName":"Ada","lastName":"Lovelace","email":"ada@example.com","tags":["lead","vip"],"dnd":false,"timestamp":"2026-03-01T12:00:06.000Z","webhookId":"w3"}`,
			[]string{"ContactTagUpdate", `tags: ["lead"] → ["lead","vip"]`}, []string{"lastName"}},
		{`{"type":"ContactTagUpdate","locationId":"L","id":"c1","firstName":"Ada","lastName":"Lovelace","email":"ada@example.com","tags":["lead","vip"],"dnd":false,"timestamp":"2026-03-01T12:00:07.000Z","webhookId":"w4"}`,
			[]string{`tags=["lead","vip"] (unchanged since the last event)`}, nil},
		{`{"type":"NoteCreate","locationId":"L","id":"n1","contactId":"c1","body":"Called back today","dateAdded":"2026-03-01T12:00:08.000Z","timestamp":"2026-03-01T12:00:08.000Z","webhookId":"w5"}`,
			[]string{"NoteCreate", "note n1 of contact c1", `body="Called back today" (+1 more fields)`}, nil},
		{`{"type":"TaskComplete","locationId":"L","id":"t1","contactId":"c1","title":"Call","completed":true,"timestamp":"2026-03-01T12:00:09.000Z","webhookId":"w6"}`,
			[]string{"task t1 of contact c1", "(first seen here) title=Call completed=true"}, nil},
		{`{"type":"ContactDelete","locationId":"L","id":"c1","timestamp":"2026-03-01T12:00:10.000Z","webhookId":"w7"}`,
			[]string{"ContactDelete", "contact c1  deleted"}, nil},
		{`{"type":"ContactUpdate","locationId":"L","id":"c1","firstName":"Ada","timestamp":"2026-03-01T12:00:11.000Z","webhookId":"w8"}`,
			[]string{"(first seen here) firstName=Ada"}, nil},
		{`[1,2]`, []string{"(not JSON)"}, nil},
	}
	for i, s := range steps {
		got := l.describe([]byte(s.payload))
		for _, w := range s.want {
			if !strings.Contains(got, w) {
				t.Errorf("step %d: %q lacks %q", i+1, got, w)
			}
		}
		for _, w := range s.not {
			if strings.Contains(got, w) {
				t.Errorf("step %d: %q has %q", i+1, got, w)
			}
		}
	}
}

func TestShowCutsLongValues(t *testing.T) {
	got := show(`"` + strings.Repeat("x", 100) + `"`)
	if n := len([]rune(got)); n != maxValue || !strings.HasSuffix(got, "…") {
		t.Errorf("show of a long string: %d runes %q", n, got)
	}
	if show("") != "(none)" || show(`"a b"`) != `"a b"` || show(`"ab"`) != "ab" || show(`[1]`) != "[1]" {
		t.Error("show renders a value wrongly")
	}
}
