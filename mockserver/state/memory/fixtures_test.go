package memory_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state/memory"
)

func writeDoc(t *testing.T, doc fixtures.Document) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := fixtures.Write(&b, doc); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestRestoreKeepsFixtures: a normalised fixture document restored into the store comes back from
// Snapshot byte for byte, so the store keeps every field the fixtures carry.
func TestRestoreKeepsFixtures(t *testing.T) {
	example, err := fixtures.Load(filepath.Join("..", "..", "..", "fixtures", "testdata", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		doc  func(t *testing.T) fixtures.Document
	}{
		{"generated, default", func(t *testing.T) fixtures.Document {
			return generate(t, fixtures.GenerateOptions{Seed: 42})
		}},
		{"generated, several locations", func(t *testing.T) fixtures.Document {
			return generate(t, fixtures.GenerateOptions{Seed: 7, Locations: 3, Contacts: 300})
		}},
		{"hand-written example", func(t *testing.T) fixtures.Document { return example }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := tt.doc(t)
			if err := fixtures.Normalize(&doc); err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			want := writeDoc(t, doc)
			clock := func() time.Time { return fixtures.DefaultNow.Time() }
			m := memory.New(memory.Options{Now: clock})
			if err := m.Restore(ctx, doc); err != nil {
				t.Fatalf("Restore: %v", err)
			}
			got := writeDoc(t, snapshot(t, m))
			if !bytes.Equal(got, want) {
				dir := t.TempDir()
				_ = os.WriteFile(filepath.Join(dir, "want.json"), want, 0o644)
				_ = os.WriteFile(filepath.Join(dir, "got.json"), got, 0o644)
				t.Fatalf("Snapshot differs from the restored document (diff %s/want.json %s/got.json)", dir, dir)
			}
			stats := statsOf(t, m)
			contacts := 0
			for _, l := range doc.Locations {
				contacts += len(l.Contacts)
			}
			if stats.Locations != len(doc.Locations) || stats.Contacts != contacts {
				t.Errorf("stats %+v, want %d locations and %d contacts", stats, len(doc.Locations), contacts)
			}
		})
	}
}

func generate(t *testing.T, opts fixtures.GenerateOptions) fixtures.Document {
	t.Helper()
	doc, err := fixtures.Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
