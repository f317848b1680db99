package mockserver

import (
	"bytes"
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
	got, ok, unique := unmarshalAny(body)
	if ok != (werr == nil) || !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: unmarshalAny %#v, %v; json.Unmarshal %#v, %v", body, got, ok, want, werr)
	}
	if unique && repeatsAKey(body) {
		t.Fatalf("%q: unmarshalAny says no object repeats a key, but one does", body)
	}
}

// repeatsAKey reports whether an object of a JSON text repeats a key (after unescaping), read with
// encoding/json's tokenizer.
func repeatsAKey(body []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		keys   map[string]bool
		object bool
		atKey  bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].object && stack[top].atKey {
			if k, isKey := tok.(string); isKey {
				if stack[top].keys[k] {
					return true
				}
				stack[top].keys[k] = true
				stack[top].atKey = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{keys: map[string]bool{}, object: true, atKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:top]
		}
		// A value ended: the enclosing object expects a key next.
		if top := len(stack) - 1; top >= 0 && stack[top].object {
			stack[top].atKey = true
		}
	}
}

// TestFastParserRefusesRepeatedKeys: a repeated key, at any depth and however it is escaped,
// sends the body to encoding/json, so that unique never lies.
func TestFastParserRefusesRepeatedKeys(t *testing.T) {
	for _, body := range []string{`{"a":1,"a":2}`, `{"x":{"a":1,"b":2,"a":3}}`, `[{"a":1},{"a":1,"\u0061":2}]`, `{"firstName":"A","firstName":"B"}`} {
		if !repeatsAKey([]byte(body)) {
			t.Errorf("%s: repeatsAKey misses the repeat", body)
		}
		if _, ok, unique := unmarshalAny([]byte(body)); !ok || unique {
			t.Errorf("%s: ok %v, unique %v; want decoded, not unique", body, ok, unique)
		}
	}
	for _, body := range []string{`{"a":1,"b":{"a":1}}`, `[{"a":1},{"a":2}]`, `{"a":[{"a":1}]}`} {
		if repeatsAKey([]byte(body)) {
			t.Errorf("%s: repeatsAKey sees a repeat that is not there", body)
		}
		if _, ok, unique := unmarshalAny([]byte(body)); !ok || !unique {
			t.Errorf("%s: ok %v, unique %v; want decoded and unique", body, ok, unique)
		}
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
