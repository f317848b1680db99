// Package jsonwire is the one place the mock's JSON is configured: github.com/segmentio/encoding's
// json, set to write what encoding/json writes with HTML escaping off (object keys of maps sorted,
// U+2028 and U+2029 escaped, invalid UTF-8 replaced), and to decode what encoding/json decodes. Where
// the two libraries word an error differently, the error is encoding/json's, since the mock's
// messages are made of it.
//
// jsonwire imports no other package of this module and no HTTP code.
package jsonwire
