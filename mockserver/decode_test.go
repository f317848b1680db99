package mockserver

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/contactsmock/contactsmock/mockserver/state"
)

var fillCases = []string{
	`{}`, `{"firstName":"A","lastName":null,"email":"a@b.c","tags":["x","y"],"dnd":true,"locationId":"L"}`,
	`{"tags":[]}`, `{"tags":null}`, `{"firstName":"A","firstName":"B"}`, `{"firstName":5,"firstName":"B"}`,
	`{"FIRSTNAME":"A"}`, `{"firstname":"A"}`, `{"unknown":{"a":[1,2]},"city":"C"}`, `{"dateOfBirth":"1990-01-01"}`,
	`{"customFields":[{"id":"x","field_value":"y"}]}`, `{"dnd":"yes"}`, `{"tags":["a",1]}`, `{"tags":["a",null]}`,
	`{"name":"\u00e9\ud83d\ude00 \"q\""}`, `{"ﬁrstName":"ligature"}`, `{"city":"x","city2":"y"}`, `[1]`, `"s"`, `null`,
	`{"a":"}{\"firstName\":1","city":"C"}`, `{"body":"note","pinned":true,"userId":null}`,
	`{"tags":["a","b"]}`, `{"tags":[null]}`, `{"tags":[1]}`, `{"TAGS":["x"]}`, `{"followers":["u1"],"tags":null}`,
	`{"followers":[]}`, `{"eventStartTime":null}`, `{"eventStartTime":"2026-01-01T00:00:00Z"}`, `{"eventStartTime":5}`,
}

// checkFill fills a T from the body decoded both ways the mock decodes (encoding/json, repeats
// unchecked; the fast parser, which refuses repeated keys).
func checkFill[T any](t *testing.T, body string) {
	t.Helper()
	var m any
	if json.Unmarshal([]byte(body), &m) != nil {
		return
	}
	checkFillFrom[T](t, body, m, false)
	if v, ok, unique := unmarshalAny([]byte(body)); ok && unique {
		checkFillFrom[T](t, body, v, true)
	}
}

func checkFillFrom[T any](t *testing.T, body string, m any, unique bool) {
	t.Helper()
	mm, ok := m.(map[string]any)
	if !ok {
		return
	}
	var got, zero T
	if !fillFromDecoded(mm, []byte(body), unique, &got) {
		// Refused (left to json.Unmarshal): nothing may have been written.
		if !reflect.DeepEqual(got, zero) {
			t.Fatalf("%T %s: refused, but filled %+v", got, body, got)
		}
		return
	}
	var want T
	if err := json.Unmarshal([]byte(body), &want); err != nil {
		t.Fatalf("%T %s: filled, but json.Unmarshal fails: %v", got, body, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%T %s:\nfilled    %+v\nunmarshal %+v", got, body, got, want)
	}
}

// TestFillFromDecodedMatchesUnmarshal: whenever fillFromDecoded fills an input, it fills what
// json.Unmarshal decodes; repeated keys, keys matching case-insensitively and fields of other
// types are left to json.Unmarshal.
func TestFillFromDecodedMatchesUnmarshal(t *testing.T) {
	filled := 0
	for _, body := range fillCases {
		checkFill[state.ContactInput](t, body)
		checkFill[state.NoteInput](t, body)
		checkFill[tagsIn](t, body)
		checkFill[followersIn](t, body)
		checkFill[workflowIn](t, body)
		var m map[string]any
		if json.Unmarshal([]byte(body), &m) == nil && fillFromDecoded(m, []byte(body), false, new(state.ContactInput)) {
			filled++
		}
	}
	if filled < 6 {
		t.Errorf("only %d bodies filled: the fast path is not in use", filled)
	}
	// The plain fields (tags, followers, eventStartTime) take the fast path too.
	for _, body := range []string{`{"tags":["a"]}`, `{"tags":null}`, `{"eventStartTime":"x"}`} {
		var m map[string]any
		_ = json.Unmarshal([]byte(body), &m)
		if !fillFromDecoded(m, []byte(body), false, new(tagsIn)) || !fillFromDecoded(m, []byte(body), false, new(workflowIn)) {
			t.Errorf("%s was not filled", body)
		}
	}
	// A prefilled input keeps a string a null does not set, and loses a list a null clears, as
	// with encoding/json.
	for _, body := range []string{`{"eventStartTime":null}`, `{"tags":null}`, `{"tags":["z"]}`} {
		got, want := workflowIn{EventStartTime: "kept"}, workflowIn{EventStartTime: "kept"}
		gotT, wantT := tagsIn{Tags: []string{"old"}}, tagsIn{Tags: []string{"old"}}
		var m map[string]any
		_ = json.Unmarshal([]byte(body), &m)
		fillFromDecoded(m, []byte(body), false, &got)
		fillFromDecoded(m, []byte(body), false, &gotT)
		_ = json.Unmarshal([]byte(body), &want)
		_ = json.Unmarshal([]byte(body), &wantT)
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotT, wantT) {
			t.Errorf("%s on prefilled inputs: %+v %+v, json.Unmarshal %+v %+v", body, got, gotT, want, wantT)
		}
	}
	for _, body := range []string{`{"firstName":"A","firstName":"B"}`, `{"FIRSTNAME":"A"}`, `{"dateOfBirth":"1990-01-01"}`, `{"ﬁrstName":"x"}`} {
		var m map[string]any
		_ = json.Unmarshal([]byte(body), &m)
		if fillFromDecoded(m, []byte(body), false, new(state.ContactInput)) {
			t.Errorf("%s was filled; it must go to json.Unmarshal", body)
		}
	}
}

func FuzzFillFromDecoded(f *testing.F) {
	for _, b := range fillCases {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkFill[state.ContactInput](t, string(body))
		checkFill[state.NoteInput](t, string(body))
		checkFill[state.TaskInput](t, string(body))
		checkFill[tagsIn](t, string(body))
		checkFill[followersIn](t, string(body))
		checkFill[workflowIn](t, string(body))
	})
}
