package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"

	"go.yaml.in/yaml/v3"
)

// rendered caches Render's output per format and server URL: serving the document is a read of
// bytes, not a re-encoding, after the first request.
type rendered struct {
	mu  sync.Mutex // guards out
	out map[[2]string][]byte
}

// renderedMax bounds the cache (the server URL comes from a request's Host header); past it the
// cache starts again.
const renderedMax = 16

// Source returns the bytes the document was loaded from (YAML or JSON).
func (s *Spec) Source() []byte { return bytes.Clone(s.source) }

// Render returns the document as it was loaded, comments and order kept, with its servers replaced
// by one, serverURL: what a client generator or Swagger UI pointed at a mock needs. format is
// "yaml" or "json". The result is cached; callers must not modify it.
func (s *Spec) Render(format, serverURL string) ([]byte, error) {
	if format != "yaml" && format != "json" {
		return nil, fmt.Errorf("spec: render: format %q: want yaml or json", format)
	}
	key := [2]string{format, serverURL}
	s.rendered.mu.Lock()
	out, ok := s.rendered.out[key]
	s.rendered.mu.Unlock()
	if ok {
		return out, nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(s.source, &root); err != nil {
		return nil, fmt.Errorf("spec: render: %w", err)
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("spec: render: the document is not a mapping")
	}
	setServers(root.Content[0], serverURL)
	var err error
	if format == "yaml" {
		blockStyle(&root) // a JSON source becomes block YAML
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err = enc.Encode(&root); err == nil {
			err = enc.Close()
		}
		out = b.Bytes()
	} else {
		var b bytes.Buffer
		if err = writeJSON(&b, root.Content[0]); err == nil {
			var ind bytes.Buffer
			if err = json.Indent(&ind, b.Bytes(), "", "  "); err == nil {
				ind.WriteByte('\n')
				out = ind.Bytes()
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("spec: render %s: %w", format, err)
	}
	s.rendered.mu.Lock()
	if s.rendered.out == nil || len(s.rendered.out) >= renderedMax {
		s.rendered.out = map[[2]string][]byte{}
	}
	s.rendered.out[key] = out
	s.rendered.mu.Unlock()
	return out, nil
}

// setServers replaces (or adds, after info) the document's servers with one server.
func setServers(doc *yaml.Node, serverURL string) {
	servers := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{{
		Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: "url"},
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: serverURL},
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: "description"},
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: "this contactsmock"},
		},
	}}}
	at := len(doc.Content)
	for i := 0; i+1 < len(doc.Content); i += 2 {
		switch doc.Content[i].Value {
		case "servers":
			doc.Content[i+1] = servers
			return
		case "info":
			at = i + 2
		}
	}
	key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "servers"}
	doc.Content = append(doc.Content[:at], append([]*yaml.Node{key, servers}, doc.Content[at:]...)...)
}

// blockStyle drops the flow style of a JSON source's nodes and its quotes where YAML needs none
// (the encoder quotes a string that would read as another type).
func blockStyle(n *yaml.Node) {
	n.Style &^= yaml.FlowStyle
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
		n.Style &^= yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// writeJSON writes a YAML node as JSON, keys in the document's order.
func writeJSON(b *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.AliasNode:
		return writeJSON(b, n.Alias)
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(n.Content[i].Value)
			b.Write(k)
			b.WriteByte(':')
			if err := writeJSON(b, n.Content[i+1]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, c); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case yaml.ScalarNode:
		if n.ShortTag() == "!!timestamp" {
			// An unquoted date is a string to OpenAPI (and to kin-openapi's loader), not a time.
			data, _ := json.Marshal(n.Value)
			b.Write(data)
			return nil
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return err
		}
		if x, ok := v.(float64); ok && (math.IsInf(x, 0) || math.IsNaN(x)) {
			return fmt.Errorf("line %d: %s has no JSON form", n.Line, n.Value)
		}
		data, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
		b.Write(data)
	default:
		return fmt.Errorf("line %d: unexpected YAML node", n.Line)
	}
	return nil
}
