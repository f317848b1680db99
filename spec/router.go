package spec

import (
	"fmt"
	"net/url"
	"strings"
)

// router resolves paths to operations with a tree of path segments. It is built once by Load and
// only read afterwards, so it needs no lock. At each level a literal segment is tried before a
// parameter, which gives "/contacts/search" precedence over "/contacts/{contactId}" whatever the
// order of the document.
type router struct {
	root *node
}

type node struct {
	literal map[string]*node
	param   *node
	// paramName is the parameter's name when this node is a parameter segment.
	paramName string
	// ops maps a method to its operation for the path ending at this node.
	ops map[string]*Operation
	// paramNames are the names of the parameters on the path to this node, in order.
	paramNames []string
}

func newRouter() *router { return &router{root: &node{}} }

// A path the router knows has at most maxPathParams parameters (add refuses more); find splits at
// most maxPathSegments segments on its stack (a longer path takes a heap array, and matches
// nothing).
const (
	maxPathParams   = 8
	maxPathSegments = 16
)

// segments splits a path into its segments, ignoring the leading slash and one trailing slash.
func segments(path string) []string { return appendSegments(nil, path) }

// appendSegments appends the segments of a path to dst (strings.Split's segments, without the
// slice it makes: find passes an array on its stack).
func appendSegments(dst []string, path string) []string {
	path = strings.TrimPrefix(path, "/")
	path = strings.TrimSuffix(path, "/")
	if path == "" {
		return dst
	}
	for {
		i := strings.IndexByte(path, '/')
		if i < 0 {
			return append(dst, path)
		}
		dst = append(dst, path[:i])
		path = path[i+1:]
	}
}

func (rt *router) add(o *Operation) error {
	n := rt.root
	var names []string
	for _, seg := range segments(o.Path) {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := seg[1 : len(seg)-1]
			if n.param == nil {
				n.param = &node{paramName: name}
			} else if n.param.paramName != name {
				return fmt.Errorf("spec: %s names parameter {%s} where another path names {%s}", o.ID, name, n.param.paramName)
			}
			n = n.param
			names = append(names, name)
			if len(names) > maxPathParams {
				return fmt.Errorf("spec: %s has more than %d path parameters", o.ID, maxPathParams)
			}
			continue
		}
		if n.literal == nil {
			n.literal = map[string]*node{}
		}
		next := n.literal[seg]
		if next == nil {
			next = &node{}
			n.literal[seg] = next
		}
		n = next
	}
	if n.ops == nil {
		n.ops = map[string]*Operation{}
	}
	if prev := n.ops[o.Method]; prev != nil {
		return fmt.Errorf("spec: %s and %s share %s %s", prev.ID, o.ID, o.Method, o.Path)
	}
	n.paramNames = names
	n.ops[o.Method] = o
	return nil
}

func (rt *router) find(method, escapedPath string) (*Operation, map[string]string, error) {
	// The segments and the parameter values stay in arrays on this stack.
	var segStack [maxPathSegments]string
	segs := appendSegments(segStack[:0], escapedPath)
	var values [maxPathParams]string
	leaf, ok := rt.root.match(segs, &values, 0, method)
	if !ok {
		if leaf != nil {
			return nil, nil, ErrMethodNotAllowed
		}
		return nil, nil, ErrNotFound
	}
	op := leaf.ops[method]
	var params map[string]string
	if len(leaf.paramNames) > 0 {
		params = make(map[string]string, len(leaf.paramNames))
		for i, name := range leaf.paramNames {
			v, err := url.PathUnescape(values[i])
			if err != nil {
				return nil, nil, ErrNotFound
			}
			params[name] = v
		}
	}
	return op, params, nil
}

// match walks the tree. It returns the node reached and whether it has the method; when no node has
// the method, it returns the first node whose path matched (for a 405-style answer) with false.
func (n *node) match(segs []string, values *[maxPathParams]string, nv int, method string) (*node, bool) {
	if len(segs) == 0 {
		if n.ops == nil {
			return nil, false
		}
		_, ok := n.ops[method]
		return n, ok
	}
	seg := segs[0]
	var fallback *node
	if next := n.literal[seg]; next != nil {
		leaf, ok := next.match(segs[1:], values, nv, method)
		if ok {
			return leaf, true
		}
		fallback = leaf
	}
	if n.param != nil && seg != "" && nv < len(values) {
		values[nv] = seg
		leaf, ok := n.param.match(segs[1:], values, nv+1, method)
		if ok {
			return leaf, true
		}
		if fallback == nil {
			fallback = leaf
		}
	}
	return fallback, false
}
