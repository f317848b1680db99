// Package jsonwire is the one place the mock's JSON is configured: github.com/segmentio/encoding's
// json, set to write what encoding/json writes with HTML escaping off (object keys of maps sorted,
// U+2028 and U+2029 escaped, invalid UTF-8 replaced), and to decode what encoding/json decodes. Where
// the two libraries word an error differently, the error is encoding/json's, since the mock's
// messages are made of it.
//
// One difference stays: a json.RawMessage that is not valid JSON (a valid value followed by more
// bytes, say) is not refused as encoding/json refuses it. The mock never holds one: every raw value
// it writes was decoded by the library, checked by fixtures, compacted by encoding/json, or made
// by Append.
//
// The library reads Go values through unsafe pointers and links to two functions of the reflect
// package's internals (go:linkname reflect.unsafe_NewArray, reflect.typedslicecopy): a Go upgrade
// must run this package's differential tests (go test ./mockserver/jsonwire, with -race) before
// anything else, and a library upgrade too. Only this package imports it, so replacing it (with
// encoding/json/v2 once that ships, say) is a change of this package and of state.Opt alone.
//
// jsonwire imports no other package of this module and no HTTP code.
package jsonwire
