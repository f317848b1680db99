package shape

import (
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactsmock/contactsmock/spec"
)

// Untyped reports whether the document leaves the value at a generalized pointer of an answer
// untyped (any JSON, as a custom field's value): there, types and formats are values, and two
// servers holding different data may differ in them without drifting. A pointer the document does
// not describe at all is not untyped.
func Untyped(op *spec.Operation, status int, ptr string) bool {
	if op == nil || op.Route() == nil || op.Route().Operation.Responses == nil {
		return false
	}
	resp := op.Route().Operation.Responses.Status(status)
	if resp == nil || resp.Value == nil {
		return false
	}
	media := resp.Value.Content.Get("application/json")
	if media == nil || media.Schema == nil {
		return false
	}
	s := media.Schema.Value
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		s = child(s, tok, 0)
		if s == nil {
			return false
		}
	}
	return untyped(s)
}

func untyped(s *openapi3.Schema) bool {
	if s.Type != nil && len(*s.Type) > 0 || len(s.AllOf) > 0 || len(s.OneOf) > 0 {
		return false
	}
	return len(s.AnyOf) == 0 || anyJSON(s.AnyOf)
}

// anyJSON reports whether the branches of an anyOf take every JSON type: how a document that
// must give every schema a type (OpenAPI 3.0 has no type list) says "any value".
func anyJSON(branches openapi3.SchemaRefs) bool {
	seen := map[string]bool{}
	for _, b := range branches {
		if b == nil || b.Value == nil || b.Value.Type == nil {
			continue
		}
		for _, t := range *b.Value.Type {
			seen[t] = true
		}
	}
	for _, t := range []string{"string", "number", "boolean", "array", "object"} {
		if !seen[t] {
			return false
		}
	}
	return true
}

// child finds the schema of a pointer token below s, through allOf, oneOf and anyOf.
func child(s *openapi3.Schema, tok string, depth int) *openapi3.Schema {
	if s == nil || depth > 8 {
		return nil
	}
	tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
	if tok == "*" || isIndex(tok) {
		if s.Items != nil && s.Items.Value != nil {
			return s.Items.Value
		}
	} else if p := s.Properties[tok]; p != nil && p.Value != nil {
		return p.Value
	}
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, ref := range group {
			if c := child(ref.Value, tok, depth+1); c != nil {
				return c
			}
		}
	}
	return nil
}

func isIndex(tok string) bool {
	_, err := strconv.Atoi(tok)
	return err == nil
}
