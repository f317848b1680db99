package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
)

// FuzzStateFile: whatever bytes sit in the state file, the load path of the command (serveFlags'
// initialState, then mockserver.New) either refuses them, naming the file and leaving it byte for
// byte, or starts a mock whose state, written with SaveState and loaded again, is the same state.
// fixtures' FuzzParse covers the parser alone; this covers what the command does with a file.
func FuzzStateFile(f *testing.F) {
	// Small seeds: the fuzzer minimises every new interesting input, which takes long on big ones.
	small, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 1, Contacts: 1, Locations: 1})
	if err != nil {
		f.Fatal(err)
	}
	var saved bytes.Buffer
	if err := fixtures.Write(&saved, small); err != nil {
		f.Fatal(err)
	}
	f.Add(saved.Bytes())
	f.Add(saved.Bytes()[:saved.Len()/2])
	f.Add([]byte(`{"version":1,"locations":[]}`))
	f.Add([]byte(`{"version":1,"locations":[{"id":"LocAAAAAAAAAAAAAAAAA","name":"A","contacts":[{"id":"CtAAAAAAAAAAAAAAAAAA","tags":["VIP"],"dateAdded":"2026-01-01T00:00:00Z"}]}]}`))
	dir := f.TempDir()
	path := filepath.Join(dir, "state.json")
	again := filepath.Join(dir, "again.json")
	quiet := slog.New(slog.DiscardHandler)
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.Contains(data, []byte(`"generate"`)) {
			// A fixture file may ask for up to a million generated contacts; a state file the mock
			// wrote never does, and generating costs time, not coverage.
			return
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		fl := &serveFlags{stateFile: path, gen: genFlags{seed: 42}}
		doc, _, err := fl.initialState()
		if err != nil {
			if !strings.Contains(err.Error(), "state file") || !strings.Contains(err.Error(), path) {
				t.Errorf("refused without naming the state file: %v", err)
			}
			if now, _ := os.ReadFile(path); !bytes.Equal(now, data) {
				t.Error("a refused state file was changed")
			}
			return
		}
		srv, err := mockserver.New(mockserver.Config{Initial: doc, Logger: quiet})
		if err != nil {
			t.Fatalf("the state file loads but the mock does not start: %v", err)
		}
		defer srv.Close(context.Background())
		if err := srv.SaveState(again); err != nil {
			t.Fatal(err)
		}
		reread, err := fixtures.Load(again)
		if err != nil {
			t.Fatalf("the state the mock wrote does not load again: %v", err)
		}
		srv2, err := mockserver.New(mockserver.Config{Initial: reread, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		defer srv2.Close(context.Background())
		var a, b bytes.Buffer
		before, err := srv.Store().Snapshot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		after, err := srv2.Store().Snapshot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		_ = fixtures.Write(&a, before)
		_ = fixtures.Write(&b, after)
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatal("the state changed across a save and a load")
		}
	})
}
