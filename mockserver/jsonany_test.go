package mockserver

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

var anyCases = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e3`, `-12.25E-2`, `1e400`, `01`, `1.`, `.5`, `-`, `+1`,
	`"s"`, `""`, ` {"a" : [1, "x", null, true, {"b":{}}] } `, `{"a":1,"a":2}`, `{"a":1,}`, `[1,]`, `{"a"}`,
	`{"name":"\u00e9\ud83d\ude00 \"q\""}`, `"é ü 😀"`, "\"\xff\"", "\"a\x01\"", "\"\xed\xa0\x80\"", `{"a":1}x`,
	`{"a":1} `, "\t\r\n[1]\n", `tru`, `nul`, `nulls`, `[1 2]`, `{"a":1 "b":2}`, `{1:2}`, ``, ` `,
	`123456789012345678901234567890`, `1e-400`, `-1e308`, `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	strings.Repeat("[", 100) + strings.Repeat("]", 100),
	`{"locationId":"L1","firstName":"Bench","email":"b@example.com","tags":["bench","load"]}`,
	`{"x":"` + strings.Repeat("y", shareLimit) + `"}`,
}

// checkAny: whenever the fast parser decodes a body, json.Unmarshal decodes it to the same value;
// and unmarshalAny agrees with json.Unmarshal on every body.
func checkAny(t *testing.T, body []byte) {
	t.Helper()
	var want any
	werr := json.Unmarshal(body, &want)
	if got, ok := fastUnmarshalAny(body); ok {
		if werr != nil {
			t.Fatalf("%q: fast path decoded %#v, json.Unmarshal fails: %v", body, got, werr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nfast      %#v\nunmarshal %#v", body, got, want)
		}
	}
	got, ok := unmarshalAny(body)
	if ok != (werr == nil) || !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: unmarshalAny %#v, %v; json.Unmarshal %#v, %v", body, got, ok, want, werr)
	}
}

func TestUnmarshalAnyMatchesUnmarshal(t *testing.T) {
	fast := 0
	for _, body := range anyCases {
		checkAny(t, []byte(body))
		if _, ok := fastUnmarshalAny([]byte(body)); ok {
			fast++
		}
	}
	if fast < 15 {
		t.Errorf("only %d bodies took the fast path", fast)
	}
}

func FuzzUnmarshalAny(f *testing.F) {
	for _, b := range anyCases {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) { checkAny(t, body) })
}
