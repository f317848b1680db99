package spec

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The live event names (reference §6.1) that the document must declare.
var liveEvents = []string{
	"AppointmentCreate", "AppointmentDelete", "AppointmentUpdate",
	"ContactCreate", "ContactDelete", "ContactDndUpdate", "ContactTagUpdate", "ContactUpdate",
	"INSTALL", "NoteCreate", "NoteDelete", "NoteUpdate", "TaskComplete", "TaskCreate", "TaskDelete", "UNINSTALL",
}

func TestWebhooksDeclared(t *testing.T) {
	s := MustDefault()
	got := s.Webhooks()
	if strings.Join(got, ",") != strings.Join(liveEvents, ",") {
		t.Fatalf("declared webhooks %v, want %v", got, liveEvents)
	}
	for _, ev := range got {
		w := s.Webhook(ev)
		if w.Schema == nil || w.SchemaName == "" || w.Summary == "" {
			t.Errorf("%s: incomplete entry %+v", ev, w)
		}
		if s.WebhookSchema(ev) != w.Schema {
			t.Errorf("%s: WebhookSchema disagrees with Webhook", ev)
		}
	}
	if s.WebhookSchema("CampaignStatusUpdate") != nil {
		t.Error("an undeclared event has a schema")
	}
}

// TestWebhookExamples checks each payload schema's example against ValidateWebhook, as the event the
// example names.
func TestWebhookExamples(t *testing.T) {
	s := MustDefault()
	seen := map[string]bool{}
	for _, ev := range s.Webhooks() {
		w := s.Webhook(ev)
		if seen[w.SchemaName] {
			continue
		}
		seen[w.SchemaName] = true
		body, err := json.Marshal(w.Schema.Example)
		if err != nil || w.Schema.Example == nil {
			t.Fatalf("%s: no usable example: %v", w.SchemaName, err)
		}
		typ, _ := w.Schema.Example.(map[string]any)["type"].(string)
		if err := s.ValidateWebhook(typ, body); err != nil {
			t.Errorf("%s example: %v", w.SchemaName, err)
		}
	}
}

func TestValidateWebhook(t *testing.T) {
	s := MustDefault()
	cases := []struct {
		name, event, body string
		want              []string // substrings of the error; none means valid
	}{
		{name: "note", event: "NoteCreate",
			body: `{"type":"NoteCreate","locationId":"L","id":"N","body":"b","contactId":"C","dateAdded":"2026-01-01T00:00:00.000Z","timestamp":"2026-01-01T00:00:00.001Z","webhookId":"w"}`},
		{name: "type is another event", event: "NoteUpdate",
			body: `{"type":"NoteCreate","locationId":"L","id":"N","body":"b","contactId":"C","dateAdded":"2026-01-01T00:00:00.000Z","timestamp":"2026-01-01T00:00:00.001Z","webhookId":"w"}`,
			want: []string{"/type", "NoteUpdate"}},
		{name: "missing and mistyped fields", event: "TaskCreate",
			body: `{"type":"TaskCreate","locationId":"L","id":"T","contactId":"C","title":1,"dateAdded":"yesterday","timestamp":"2026-01-01T00:00:00.001Z"}`,
			want: []string{"/title", "/dateAdded", "/webhookId"}},
		{name: "dnd update without dndSettings", event: "ContactDndUpdate",
			body: `{"type":"ContactDndUpdate","locationId":"L","id":"C","dateAdded":"2026-01-01T00:00:00.000Z","tags":[],"timestamp":"2026-01-01T00:00:00.001Z","webhookId":"w"}`,
			want: []string{"dndSettings"}},
		{name: "not JSON", event: "ContactCreate", body: `{`, want: []string{"not JSON"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := s.ValidateWebhook(tc.event, []byte(tc.body))
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var we *WebhookError
			if !errors.As(err, &we) {
				t.Fatalf("error %v, want a *WebhookError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	if err := s.ValidateWebhook("Nope", []byte(`{}`)); !errors.Is(err, ErrUnknownWebhook) {
		t.Errorf("unknown event: %v", err)
	}
}

func TestParseWebhooksRefusesDanglingRef(t *testing.T) {
	doc := strings.Replace(string(embedded), "$ref: '#/components/schemas/NoteWebhookEvent'", "$ref: '#/components/schemas/Nope'", 1)
	_, err := Load([]byte(doc))
	if err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Fatalf("Load with a dangling webhook schema: %v", err)
	}
}
