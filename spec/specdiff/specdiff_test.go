package specdiff

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func loadFile(t *testing.T, path string) *Document {
	t.Helper()
	d, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func ids(cs []Change) map[string]Change {
	out := map[string]Change{}
	for _, c := range cs {
		out[c.ID+" "+c.Method+" "+c.Path] = c
	}
	return out
}

func TestBreakingAndNonBreaking(t *testing.T) {
	res, err := Compare(loadFile(t, "testdata/old.yaml"), loadFile(t, "testdata/new.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	br, nb := ids(res.Breaking), ids(res.NonBreaking)
	for _, want := range []string{
		"api-path-removed-without-deprecation GET /contacts/{contactId}/notes",
		"response-required-property-removed GET /contacts/{contactId}",
	} {
		c, ok := br[want]
		if !ok {
			t.Errorf("breaking change %q not found in %v", want, res.Breaking)
			continue
		}
		if !c.Breaking || c.Level == "info" || c.Text == "" {
			t.Errorf("%q: %+v", want, c)
		}
	}
	for _, want := range []string{"endpoint-added GET /contacts/{contactId}/tasks", "new-optional-request-parameter GET /contacts/{contactId}"} {
		if c, ok := nb[want]; !ok || c.Breaking || c.Level != "info" {
			t.Errorf("non-breaking change %q: %+v (in %v)", want, c, res.NonBreaking)
		}
	}
	if c := br["response-required-property-removed GET /contacts/{contactId}"]; c.OperationID != "get-contact" {
		t.Errorf("operation id %q", c.OperationID)
	}
	var text bytes.Buffer
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"testdata/old.yaml → testdata/new.yaml", "breaking changes (", "GET /contacts/{contactId} (get-contact)", "[error] response-required-property-removed"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	var js bytes.Buffer
	_ = res.WriteJSON(&js)
	var back Result
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || len(back.Breaking) != len(res.Breaking) {
		t.Errorf("JSON: %v", err)
	}
}

func TestTheEmbeddedDocumentAgainstItself(t *testing.T) {
	ours, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Compare(ours, ours)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Breaking)+len(res.NonBreaking) != 0 {
		t.Errorf("a document differs from itself: %v %v", res.Breaking, res.NonBreaking)
	}
}

func TestRefusals(t *testing.T) {
	if _, err := LoadFile("testdata/remote.yaml"); err == nil {
		t.Error("a reference over the network was followed")
	}
	if _, err := LoadFile("testdata/missing.yaml"); err == nil || !strings.HasPrefix(err.Error(), "specdiff: ") {
		t.Errorf("a missing file: %v", err)
	}
}
