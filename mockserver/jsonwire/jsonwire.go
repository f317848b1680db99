package jsonwire

import (
	stdjson "encoding/json"
	"reflect"

	"github.com/segmentio/encoding/json"
)

// flags are encoding/json's defaults with SetEscapeHTML(false): maps in sorted key order, nothing
// HTML-escaped.
const flags = json.SortMapKeys

// Append appends the JSON of v to dst, the bytes encoding/json's Encoder writes with
// SetEscapeHTML(false), without its trailing newline.
func Append(dst []byte, v any) ([]byte, error) { return json.Append(dst, v, flags) }

// AppendTrusted is Append for values whose json.RawMessage parts were all made by Append (a
// stored contact's JSON): those are copied as they are, without being parsed again. A raw value
// from anywhere else (a client, a file) must go through Append, which checks it.
func AppendTrusted(dst []byte, v any) ([]byte, error) {
	return json.Append(dst, v, flags|json.TrustRawMessage)
}

// Marshal returns the JSON of v, as Append writes it.
func Marshal(v any) ([]byte, error) { return Append(nil, v) }

// Unmarshal decodes data into v (a pointer to a zero value: the mock decodes into fresh inputs)
// as encoding/json does. A document that does not decode is decoded again by encoding/json from a
// zero value, so that the error and what v holds after it are exactly encoding/json's: errors are
// rare, and their wording is part of the wire.
func Unmarshal(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() {
			rv.Elem().SetZero() // what the first decode filled before it failed
		}
		return stdjson.Unmarshal(data, v)
	}
	return nil
}

// DecodeAny decodes data into the generic value encoding/json gives (map[string]any, []any,
// string, float64, bool, nil), or reports false for data that does not decode (the caller has
// encoding/json word why).
//
// The strings of the value share data's memory (the library's ZeroCopy): the value is for reading
// (request validation, the location check) while data lives, and data must not change meanwhile.
// Nothing that is kept is taken from it: handlers decode their inputs with Unmarshal.
func DecodeAny(data []byte) (any, bool) {
	var v any
	rest, err := json.Parse(data, &v, json.ZeroCopy)
	if err != nil || len(rest) != 0 {
		return nil, false
	}
	return v, true
}
