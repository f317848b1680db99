package faults

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/contactsmock/contactsmock/fixtures"
)

// Load reads faults from a JSON or YAML file (by extension: .json is JSON, anything else is
// read as YAML, which includes JSON): a list of faults, or an object {"faults": [...]}. Unknown
// fields are refused. Every fault is validated; operation ids are checked against the document
// when the store takes them (Store.Add), since a file can go with another document.
func Load(file string) ([]Fault, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("faults: %w", err)
	}
	faults, err := parseFaults(data, strings.EqualFold(filepath.Ext(file), ".json"))
	if err != nil {
		return nil, fmt.Errorf("faults: %s: %w", file, err)
	}
	return faults, nil
}

// faultsFile is a fault file's object form, {"faults": [...]}.
type faultsFile struct {
	Faults []Fault `json:"faults"`
}

func parseFaults(data []byte, isJSON bool) ([]Fault, error) {
	if !isJSON {
		// The fixtures' converter, guided by the Fault type: Retry-After: 5 or id: 2024 stay strings.
		var root yaml.Node
		if err := yaml.Unmarshal(data, &root); err != nil {
			return nil, err
		}
		if len(root.Content) == 0 {
			return nil, nil
		}
		t := reflect.TypeFor[[]Fault]()
		if root.Content[0].Kind == yaml.MappingNode {
			t = reflect.TypeFor[faultsFile]()
		}
		var err error
		if data, err = fixtures.YAMLToJSON(data, t); err != nil {
			return nil, err
		}
	}
	data = bytes.TrimSpace(data)
	var faults []Fault
	var err error
	if len(data) > 0 && data[0] == '{' {
		var doc faultsFile
		err = decodeStrict(data, &doc)
		faults = doc.Faults
	} else {
		err = decodeStrict(data, &faults)
	}
	if err != nil {
		return nil, err
	}
	var problems []string
	ids := map[string]bool{}
	for i := range faults {
		f := &faults[i]
		msgs := f.Problems(nil)
		if f.ID != "" && ids[f.ID] {
			msgs = append(msgs, "id "+f.ID+" is in use")
		}
		ids[f.ID] = true
		if len(msgs) > 0 {
			problems = append(problems, fmt.Sprintf("fault %d: %s", i+1, strings.Join(msgs, "; ")))
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return faults, nil
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return errors.New("the file holds more than one document")
	}
	return nil
}
