package specdiff

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"

	"github.com/contactsmock/contactsmock/spec"
)

// Document is a loaded document and the name it is reported under.
type Document struct {
	// Name says where the document came from ("embedded", or the file's path).
	Name string
	// Doc is the parsed document.
	Doc *openapi3.T
}

// Embedded returns our embedded document.
func Embedded() (*Document, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec.Embedded())
	if err != nil {
		return nil, fmt.Errorf("specdiff: the embedded document: %w", err)
	}
	return &Document{Name: "embedded", Doc: doc}, nil
}

// errRemoteRef refuses references that are not local files: a diff never reaches the network.
var errRemoteRef = errors.New("specdiff: only references to local files are followed")

// LoadFile loads a document from a file, YAML or JSON. References to other local files are
// followed relative to it (the vendor's documents point at ../common/common-schemas.json);
// references over the network are refused. The document is not validated: a vendor's document
// that our stricter loader would refuse can still be compared.
func LoadFile(path string) (*Document, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	loader.ReadFromURIFunc = func(l *openapi3.Loader, u *url.URL) ([]byte, error) {
		if u.Scheme != "" && u.Scheme != "file" || u.Host != "" {
			return nil, errRemoteRef
		}
		return openapi3.ReadFromFile(l, u)
	}
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("specdiff: %s: %w", path, err)
	}
	return &Document{Name: filepath.Clean(path), Doc: doc}, nil
}

// Change is one change between the documents.
type Change struct {
	// ID names the rule (oasdiff's), e.g. "response-property-became-optional".
	ID string `json:"id"`
	// Level is "error" or "warning" for a breaking change, "info" otherwise.
	Level string `json:"level"`
	// Breaking reports whether a client of the old document may break.
	Breaking bool `json:"breaking"`
	// Method, Path and OperationID name the operation ("" for a change to the document as a
	// whole, such as a security scheme).
	Method      string `json:"method,omitempty"`
	Path        string `json:"path,omitempty"`
	OperationID string `json:"operationId,omitempty"`
	// Text says what changed.
	Text string `json:"text"`
}

// Result is what changed from Old to New.
type Result struct {
	Old         string   `json:"old"`
	New         string   `json:"new"`
	Breaking    []Change `json:"breaking"`
	NonBreaking []Change `json:"nonBreaking"`
}

// Compare lists the changes from old to new.
func Compare(old, new *Document) (*Result, error) {
	a := &load.SpecInfo{Spec: old.Doc, Source: load.NewSource(old.Name)}
	b := &load.SpecInfo{Spec: new.Doc, Source: load.NewSource(new.Name)}
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), a, b)
	if err != nil {
		return nil, fmt.Errorf("specdiff: %w", err)
	}
	changes := checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources, checker.INFO)
	l := checker.NewDefaultLocalizer()
	res := &Result{Old: old.Name, New: new.Name, Breaking: []Change{}, NonBreaking: []Change{}}
	for _, c := range changes {
		ch := Change{
			ID: c.GetId(), Level: strings.ToLower(c.GetLevel().String()), Breaking: c.IsBreaking(),
			Method: c.GetOperation(), Path: c.GetPath(), OperationID: c.GetOperationId(), Text: c.GetUncolorizedText(l),
		}
		if ch.Breaking {
			res.Breaking = append(res.Breaking, ch)
		} else {
			res.NonBreaking = append(res.NonBreaking, ch)
		}
	}
	for _, list := range [][]Change{res.Breaking, res.NonBreaking} {
		sort.SliceStable(list, func(i, j int) bool {
			x, y := list[i], list[j]
			if x.Path != y.Path {
				return x.Path < y.Path
			}
			if x.Method != y.Method {
				return x.Method < y.Method
			}
			return x.ID < y.ID
		})
	}
	return res, nil
}

// WriteText writes the changes for a terminal, breaking ones first, grouped by operation.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "spec diff: %s → %s\n", r.Old, r.New)
	section := func(title string, list []Change) {
		fmt.Fprintf(&b, "\n%s (%d)\n", title, len(list))
		last := "\x00"
		for _, c := range list {
			where := strings.TrimSpace(c.Method + " " + c.Path)
			if where == "" {
				where = "(the document)"
			}
			if where != last {
				if c.OperationID != "" {
					fmt.Fprintf(&b, "  %s (%s)\n", where, c.OperationID)
				} else {
					fmt.Fprintf(&b, "  %s\n", where)
				}
				last = where
			}
			fmt.Fprintf(&b, "    [%s] %s: %s\n", c.Level, c.ID, c.Text)
		}
	}
	section("breaking changes", r.Breaking)
	section("non-breaking changes", r.NonBreaking)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the result as indented JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
