package listen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// rawValue is one field of a payload as the mock encoded it (compact JSON), compared byte for byte.
type rawValue = string

// envelopeFields are in every payload and say nothing about the resource.
var envelopeFields = map[string]bool{"type": true, "timestamp": true, "webhookId": true, "locationId": true, "id": true}

// summaryFields are shown for a resource seen for the first time, in this order.
var summaryFields = map[string][]string{
	"Contact": {"firstName", "lastName", "email", "phone", "companyName", "tags"},
	"Note":    {"body"},
	"Task":    {"title", "dueDate", "completed"},
}

// eventField is what a kind of event is about, shown when nothing changed since the last event of
// the resource (an update and a tag update of one write carry the same contact).
var eventField = map[string][]string{
	"ContactTagUpdate": {"tags"},
	"ContactDndUpdate": {"dnd", "dndSettings"},
}

// ownedBy are the contact fields whose changes have an event of their own: a ContactUpdate does
// not describe them (the event that follows does).
var ownedBy = map[string]string{"tags": "ContactTagUpdate", "dnd": "ContactDndUpdate", "dndSettings": "ContactDndUpdate"}

// maxValue bounds a value in a line; longer ones are cut.
const maxValue = 60

// eventType returns the payload's type, or "(no type)".
func eventType(body []byte) string {
	var e struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(body, &e) != nil || e.Type == "" {
		return "(no type)"
	}
	return e.Type
}

// describe renders a payload in one line: the event's time on the mock's clock, its type, its ids
// and the fields that changed since the last event of the same resource. The caller holds l.mu.
func (l *Listener) describe(body []byte) string {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return fmt.Sprintf("%-12s %-17s %d bytes that are not a JSON object", "", "(not JSON)", len(body))
	}
	p := make(map[string]rawValue, len(raw))
	for k, v := range raw {
		var b bytes.Buffer
		if json.Compact(&b, v) == nil {
			p[k] = b.String()
		}
	}
	typ := text(p["type"])
	kind := kindOf(typ)
	at := "            "
	if ts, err := time.Parse(time.RFC3339Nano, text(p["timestamp"])); err == nil {
		at = ts.UTC().Format("15:04:05.000")
	}
	var ids string
	switch {
	case kind == "Contact":
		ids = "contact " + text(p["id"])
	case p["contactId"] != "":
		ids = strings.ToLower(kind) + " " + text(p["id"]) + " of contact " + text(p["contactId"])
	default:
		ids = strings.ToLower(kind) + " " + text(p["id"])
	}
	return fmt.Sprintf("%s %-17s %s  %s", at, typ, ids, l.changes(typ, kind, p))
}

// kindOf is the resource an event is about: Contact, Note, Task, or the type itself.
func kindOf(typ string) string {
	for _, k := range []string{"Contact", "Note", "Task"} {
		if strings.HasPrefix(typ, k) {
			return k
		}
	}
	return typ
}

// changes compares the payload with the last one of the same resource and remembers it. The
// caller holds l.mu.
func (l *Listener) changes(typ, kind string, p map[string]rawValue) string {
	key := kind + "/" + text(p["id"])
	if strings.HasSuffix(typ, "Delete") {
		delete(l.seen, key)
		return "deleted"
	}
	prev, known := l.seen[key]
	if len(l.seen) >= seenMax {
		clear(l.seen)
	}
	if known && kind == "Contact" {
		// Leave the fields another event owns as they were, for that event to describe.
		kept := make(map[string]rawValue, len(p))
		for k, v := range p {
			kept[k] = v
			if owner, ok := ownedBy[k]; ok && owner != typ {
				if old, had := prev[k]; had {
					kept[k] = old
				} else {
					delete(kept, k)
				}
			}
		}
		p = kept
	}
	l.seen[key] = p
	if !known {
		fields := fieldsOf(p, summaryFields[kind])
		more := 0
		for k := range p {
			if !envelopeFields[k] && !slices.Contains(summaryFields[kind], k) && k != "contactId" {
				more++
			}
		}
		if more > 0 {
			fields = append(fields, fmt.Sprintf("(+%d more fields)", more))
		}
		if !strings.HasSuffix(typ, "Create") {
			fields = append([]string{"(first seen here)"}, fields...)
		}
		return strings.Join(fields, " ")
	}
	var names []string
	for k := range p {
		if !envelopeFields[k] && prev[k] != p[k] {
			names = append(names, k)
		}
	}
	for k := range prev {
		if _, still := p[k]; !still && !envelopeFields[k] && (kind != "Contact" || ownedBy[k] == "" || ownedBy[k] == typ) {
			names = append(names, k)
		}
	}
	if len(names) == 0 {
		if f := fieldsOf(p, eventField[typ]); len(f) > 0 {
			return strings.Join(f, " ") + " (unchanged since the last event)"
		}
		return "no field changed since the last event"
	}
	slices.Sort(names)
	out := make([]string, len(names))
	for i, k := range names {
		out[i] = k + ": " + show(prev[k]) + " → " + show(p[k])
	}
	return strings.Join(out, ", ")
}

// fieldsOf renders the named fields the payload has, as name=value.
func fieldsOf(p map[string]rawValue, names []string) []string {
	var out []string
	for _, k := range names {
		if v, ok := p[k]; ok {
			out = append(out, k+"="+show(v))
		}
	}
	return out
}

// show renders a value for a line: strings without their quotes when that is unambiguous, other
// JSON as it is, cut at maxValue runes.
func show(v rawValue) string {
	if v == "" {
		return "(none)"
	}
	s := v
	if t := text(v); t != "" && !strings.ContainsAny(t, " ,=\"") {
		s = t
	}
	if r := []rune(s); len(r) > maxValue {
		s = string(r[:maxValue-1]) + "…"
	}
	return s
}

// text decodes a JSON string value, or returns "" for anything else.
func text(v rawValue) string {
	var s string
	if json.Unmarshal([]byte(v), &s) != nil {
		return ""
	}
	return s
}
