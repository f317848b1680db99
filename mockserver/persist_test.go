package mockserver

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/contactsmock/contactsmock/fixtures"
)

// TestSaveStateFailureKeepsThePreviousFile: a write that fails before its rename (the moment a
// crash would hit) leaves the previous state file byte for byte and no temporary file behind; the
// next write succeeds.
func TestSaveStateFailureKeepsThePreviousFile(t *testing.T) {
	h := newHarness(t)
	path := filepath.Join(t.TempDir(), "state.json")
	if err := h.srv.SaveState(path); err != nil {
		t.Fatal(err)
	}
	previous, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h.do("POST", "/contacts/", h.full, map[string]any{"locationId": locA, "email": "new@example.com"}).must(t, 201)

	boom := errors.New("disk pulled out")
	renameFile = func(string, string) error { return boom }
	err = h.srv.SaveState(path)
	renameFile = os.Rename
	if !errors.Is(err, boom) {
		t.Fatalf("SaveState = %v, want the rename's error", err)
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, previous) {
		t.Fatal("a failed write changed the state file")
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), tempPattern(path))); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	if err := h.srv.SaveState(path); err != nil {
		t.Fatal(err)
	}
	doc, err := fixtures.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(doc.Locations[0].Contacts); n != 3 {
		t.Errorf("%d contacts in location A after the retry, want 3", n)
	}
}

// TestRemoveStaleSnapshots removes what a kill -9 mid-write leaves, and only that.
func TestRemoveStaleSnapshots(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	for _, name := range []string{"state.json", ".state.json.tmp-123", ".state.json.tmp-456", "other.json", ".other.json.tmp-1"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := RemoveStaleSnapshots(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 {
		t.Errorf("removed %v, want the two temporary files of state.json", removed)
	}
	for _, name := range []string{"state.json", "other.json", ".other.json.tmp-1"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
