package state

import (
	"encoding/json"
	"reflect"
	"testing"
)

var optCases = []string{`"x"`, `""`, `"a b é"`, `"a\"b"`, `"a\\b"`, `"\u0041"`, "\"a\tb\"", "\"\xff\"", `"</>"`, `true`, `false`,
	`null`, `1`, `"true"`, `[]`, `{}`, `"unterminated`, ` "x"`}

// TestOptMatchesUnmarshal: the direct reads of strings and booleans decode exactly what
// json.Unmarshal decodes, and fail where it fails.
func TestOptMatchesUnmarshal(t *testing.T) {
	for _, c := range optCases {
		checkOpt[string](t, c)
		checkOpt[bool](t, c)
	}
}

func checkOpt[T any](t *testing.T, raw string) {
	t.Helper()
	var got Opt[T]
	gotErr := got.UnmarshalJSON([]byte(raw))
	var want T
	wantErr := json.Unmarshal([]byte(raw), &want)
	if raw == "null" {
		wantErr = nil
	}
	if (gotErr != nil) != (wantErr != nil) || (gotErr == nil && !reflect.DeepEqual(got.V, want)) || !got.Set {
		t.Errorf("%T %q: %v %v, json.Unmarshal: %v %v", got, raw, got.V, gotErr, want, wantErr)
	}
}

func FuzzOptString(f *testing.F) {
	for _, c := range optCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return // inside a document encoding/json only hands over valid values
		}
		checkOpt[string](t, string(raw))
		checkOpt[bool](t, string(raw))
	})
}
