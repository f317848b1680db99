package mockserver

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// unmarshalAny decodes a JSON body into the generic value json.Unmarshal(body, &v) with v of type
// any gives (map[string]any, []any, string, float64, bool, nil), and reports whether it decoded.
//
// The common body (plain strings without escapes, ordinary numbers, shallow nesting) is parsed here
// in one pass, its strings sliced out of one copy of the body instead of one allocation each.
// Anything the fast parser is not sure of (an escape, a control character or invalid UTF-8 in a
// string, a number strconv refuses, deep nesting, anything that is not JSON) goes to json.Unmarshal,
// so results and failures stay exactly encoding/json's. FuzzUnmarshalAny checks the fast path
// against json.Unmarshal.
//
// unique reports that no object of the body repeats a key (the fast path refuses those), which
// fillFromDecoded would otherwise have to check on the body.
func unmarshalAny(body []byte) (v any, ok, unique bool) {
	if v, ok := fastUnmarshalAny(body); ok {
		return v, true, true
	}
	return slowUnmarshalAny(body)
}

// slowUnmarshalAny is unmarshalAny's fallback, apart so that its &v (which escapes) costs only
// the bodies that need encoding/json.
func slowUnmarshalAny(body []byte) (any, bool, bool) {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil, false, false
	}
	return v, true, false
}

// shareLimit is the largest body whose strings are slices of one copy of it: a decoded string may
// be stored (a contact's name), and keeps that copy alive.
const shareLimit = 4 << 10

type anyParser struct {
	src   string // the body, as one string
	i     int
	share bool
	depth int
}

const maxFastDepth = 64

// fastUnmarshalAny is the fast path of unmarshalAny; false means "ask encoding/json".
func fastUnmarshalAny(body []byte) (any, bool) {
	p := anyParser{src: string(body), share: len(body) <= shareLimit}
	p.skipSpace()
	v, ok := p.value()
	if !ok {
		return nil, false
	}
	p.skipSpace()
	if p.i != len(p.src) {
		return nil, false
	}
	return v, true
}

func (p *anyParser) skipSpace() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *anyParser) value() (any, bool) {
	if p.i >= len(p.src) {
		return nil, false
	}
	switch c := p.src[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, ok := p.str()
		if !ok {
			return nil, false
		}
		return s, true
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	}
	return nil, false
}

func (p *anyParser) literal(word string) bool {
	if len(p.src)-p.i < len(word) || p.src[p.i:p.i+len(word)] != word {
		return false
	}
	p.i += len(word)
	return true
}

func (p *anyParser) object() (any, bool) {
	if p.depth++; p.depth > maxFastDepth {
		return nil, false
	}
	p.i++ // {
	m := make(map[string]any)
	p.skipSpace()
	if p.i < len(p.src) && p.src[p.i] == '}' {
		p.i++
		p.depth--
		return m, true
	}
	pairs := 0
	for {
		if p.i >= len(p.src) || p.src[p.i] != '"' {
			return nil, false
		}
		k, ok := p.str()
		if !ok {
			return nil, false
		}
		p.skipSpace()
		if p.i >= len(p.src) || p.src[p.i] != ':' {
			return nil, false
		}
		p.i++
		p.skipSpace()
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		m[k] = v
		pairs++
		p.skipSpace()
		if p.i >= len(p.src) {
			return nil, false
		}
		switch p.src[p.i] {
		case ',':
			p.i++
			p.skipSpace()
		case '}':
			if pairs != len(m) {
				return nil, false // a repeated key: encoding/json's answer (the last one wins)
			}
			p.i++
			p.depth--
			return m, true
		default:
			return nil, false
		}
	}
}

func (p *anyParser) array() (any, bool) {
	if p.depth++; p.depth > maxFastDepth {
		return nil, false
	}
	p.i++ // [
	list := make([]any, 0)
	p.skipSpace()
	if p.i < len(p.src) && p.src[p.i] == ']' {
		p.i++
		p.depth--
		return list, true
	}
	for {
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		list = append(list, v)
		p.skipSpace()
		if p.i >= len(p.src) {
			return nil, false
		}
		switch p.src[p.i] {
		case ',':
			p.i++
			p.skipSpace()
		case ']':
			p.i++
			p.depth--
			return list, true
		default:
			return nil, false
		}
	}
}

// str reads a string without escapes, of valid UTF-8 without control characters: encoding/json
// returns such a string's bytes as they are.
func (p *anyParser) str() (string, bool) {
	start := p.i + 1
	ascii := true
	for j := start; j < len(p.src); j++ {
		c := p.src[j]
		switch {
		case c == '"':
			s := p.src[start:j]
			if !ascii && !utf8.ValidString(s) {
				return "", false
			}
			p.i = j + 1
			if !p.share {
				s = string([]byte(s)) // a copy of its own: a large body is not kept alive
			}
			return s, true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// number reads a number in JSON's grammar and converts it as encoding/json does (ParseFloat).
func (p *anyParser) number() (any, bool) {
	s, j := p.src, p.i
	if s[j] == '-' {
		j++
	}
	switch {
	case j < len(s) && s[j] == '0':
		j++
	case j < len(s) && s[j] >= '1' && s[j] <= '9':
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
	default:
		return nil, false
	}
	if j < len(s) && s[j] == '.' {
		j++
		if j >= len(s) || s[j] < '0' || s[j] > '9' {
			return nil, false
		}
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		j++
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j >= len(s) || s[j] < '0' || s[j] > '9' {
			return nil, false
		}
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
	}
	f, err := strconv.ParseFloat(s[p.i:j], 64)
	if err != nil {
		return nil, false
	}
	p.i = j
	return f, true
}
