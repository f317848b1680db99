package spec

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// sameDocument reports whether two loaded documents are the same once their servers are set
// equal, compared through kin-openapi's JSON of each.
func sameDocument(t *testing.T, a, b *Spec) bool {
	t.Helper()
	norm := func(s *Spec) any {
		d := *s.Doc
		d.Servers = openapi3.Servers{{URL: "x"}}
		data, err := json.Marshal(&d)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func TestRenderKeepsTheDocumentAndReplacesTheServer(t *testing.T) {
	ours := MustDefault()
	for _, format := range []string{"yaml", "json"} {
		t.Run(format, func(t *testing.T) {
			out, err := ours.Render(format, "http://127.0.0.1:4242")
			if err != nil {
				t.Fatal(err)
			}
			back, err := Load(out)
			if err != nil {
				t.Fatalf("the rendered document does not load: %v", err)
			}
			if len(back.Doc.Servers) != 1 || back.Doc.Servers[0].URL != "http://127.0.0.1:4242" {
				t.Errorf("servers: %+v", back.Doc.Servers)
			}
			if len(back.Operations) != len(ours.Operations) || len(back.Webhooks()) != len(ours.Webhooks()) {
				t.Errorf("%d operations and %d webhooks, want %d and %d", len(back.Operations), len(back.Webhooks()), len(ours.Operations), len(ours.Webhooks()))
			}
			if !sameDocument(t, ours, back) {
				t.Error("the rendered document differs from ours beyond its servers")
			}
			if format == "json" && !json.Valid(out) {
				t.Error("not JSON")
			}
			if format == "yaml" && !bytes.Contains(out, []byte("# Webhooks. OpenAPI 3.0.3 has no `webhooks` object")) {
				t.Error("the YAML lost the document's comments")
			}
			again, _ := ours.Render(format, "http://127.0.0.1:4242")
			if &again[0] != &out[0] {
				t.Error("a second render of the same server is not the cached one")
			}
		})
	}
	if _, err := ours.Render("xml", "http://x"); err == nil {
		t.Error("an unknown format renders")
	}
}

// TestRenderAJSONSource: a document given as JSON (--spec file.json) renders as block YAML and
// as JSON, and a document without servers gets one.
func TestRenderAJSONSource(t *testing.T) {
	ours := MustDefault()
	js, err := ours.Render("json", "https://services.leadconnectorhq.com")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "servers")
	noServers, _ := json.Marshal(m)
	fromJSON, err := Load(noServers)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"yaml", "json"} {
		out, err := fromJSON.Render(format, "http://localhost:9")
		if err != nil {
			t.Fatal(err)
		}
		if format == "yaml" && bytes.HasPrefix(bytes.TrimSpace(out), []byte("{")) {
			t.Errorf("a JSON source rendered as flow YAML: %.80s", out)
		}
		back, err := Load(out)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if len(back.Doc.Servers) != 1 || back.Doc.Servers[0].URL != "http://localhost:9" || !sameDocument(t, ours, back) {
			t.Errorf("%s: servers %+v, or the document changed", format, back.Doc.Servers)
		}
	}
}
