package jsonwire_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/contactsmock/contactsmock/mockserver/jsonwire"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

var anyCases = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e3`, `-12.25E-2`, `1e400`, `01`, `1.`, `.5`, `-`, `+1`,
	`"s"`, `""`, ` {"a" : [1, "x", null, true, {"b":{}}] } `, `{"a":1,"a":2}`, `{"a":1,}`, `[1,]`, `{"a"}`,
	`{"name":"\u00e9\ud83d\ude00 \"q\""}`, `"é ü 😀"`, "\"\xff\"", "\"a\x01\"", "\"\xed\xa0\x80\"", `{"a":1}x`,
	`{"a":1} `, "\t\r\n[1]\n", `tru`, `nul`, `nulls`, `[1 2]`, `{"a":1 "b":2}`, `{1:2}`, ``, ` `,
	`123456789012345678901234567890`, `1e-400`, `-1e308`, `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	strings.Repeat("[", 100) + strings.Repeat("]", 100), `"\ud800"`, `"\u0000"`, `{"a":"\/"}`,
	`{"locationId":"L1","firstName":"Bench","email":"b@example.com","tags":["bench","load"]}`,
	`{"x":"` + strings.Repeat("y", 5000) + `"}`,
}

// checkAny: DecodeAny decodes exactly the bodies encoding/json decodes, to the same value.
func checkAny(t *testing.T, body []byte) {
	t.Helper()
	var want any
	werr := json.Unmarshal(body, &want)
	got, ok := jsonwire.DecodeAny(body)
	if ok != (werr == nil) || !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: DecodeAny %#v, %v; json.Unmarshal %#v, %v", body, got, ok, want, werr)
	}
}

func TestDecodeAnyMatchesUnmarshal(t *testing.T) {
	for _, body := range anyCases {
		checkAny(t, []byte(body))
	}
}

func FuzzDecodeAny(f *testing.F) {
	for _, b := range anyCases {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkAny(t, body) })
}

var inputCases = []string{
	`{}`, `{"firstName":"A","lastName":null,"email":"a@b.c","tags":["x","y"],"dnd":true,"locationId":"L"}`,
	`{"tags":[]}`, `{"tags":null}`, `{"firstName":"A","firstName":"B"}`, `{"firstName":5,"firstName":"B"}`,
	`{"FIRSTNAME":"A"}`, `{"firstname":"A"}`, `{"unknown":{"a":[1,2]},"city":"C"}`, `{"dateOfBirth":"1990-01-01"}`,
	`{"customFields":[{"id":"x","field_value":"y"}]}`, `{"customFields":[{"key":"k","field_value":[1,{"a":2}]}]}`,
	`{"dnd":"yes"}`, `{"tags":["a",1]}`, `{"tags":["a",null]}`, `{"dndSettings":{"SMS":{"status":"active"}}}`,
	`{"name":"\u00e9\ud83d\ude00 \"q\""}`, `{"city":"x","city2":"y"}`, `[1]`, `"s"`, `null`,
	`{"a":"}{\"firstName\":1","city":"C"}`, `{"body":"note","pinned":true,"userId":null}`, `{"title":"t","dueDate":"2026-03-08T10:00:00Z"}`,
	`{"dueDate":1768478400000}`, `{"dueDate":"soon"}`, `{"completed":true}`, `{"pageLimit":10,"page":2,"searchAfter":[1,"x"]}`,
	`{"pageLimit":1e300}`, `{"filters":[{"field":"tags","operator":"eq","value":"a"},{"group":"OR","filters":[]}]}`,
	`{"attributionSource":{"url":"u","campaign":"c"}}`, `{"firstName":"A"`, `{"firstName":"A"} x`,
}

// checkInput decodes a body into a T both ways: jsonwire must end with the same value and the same
// error as encoding/json.
func checkInput[T any](t *testing.T, body string) {
	t.Helper()
	var got, want T
	gerr := jsonwire.Unmarshal([]byte(body), &got)
	werr := json.Unmarshal([]byte(body), &want)
	if (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
		t.Fatalf("%T %s: error %v, encoding/json's %v", got, body, gerr, werr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%T %s:\n got %+v\nwant %+v", got, body, got, want)
	}
}

// TestUnmarshalMatchesUnmarshal: the mock's inputs decode as with encoding/json, errors included.
func TestUnmarshalMatchesUnmarshal(t *testing.T) {
	for _, body := range inputCases {
		checkInputs(t, body)
	}
}

func checkInputs(t *testing.T, body string) {
	t.Helper()
	checkInput[state.ContactInput](t, body)
	checkInput[state.NoteInput](t, body)
	checkInput[state.TaskInput](t, body)
	checkInput[state.SearchQuery](t, body)
	checkInput[struct {
		Tags []string `json:"tags"`
	}](t, body)
}

func FuzzUnmarshal(f *testing.F) {
	for _, b := range inputCases {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkInputs(t, string(body)) })
}
