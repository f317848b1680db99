package memory_test

import (
	"context"
	"testing"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/mockserver/state/memory"
)

// ctx is the context of every call of the tests.
var ctx = context.Background()

// snapshot is Memory.Snapshot, failing the test on an error.
func snapshot(t testing.TB, m *memory.Memory) fixtures.Document {
	t.Helper()
	doc, err := m.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// statsOf is Memory.Stats, failing the test on an error.
func statsOf(t testing.TB, m *memory.Memory) state.Stats {
	t.Helper()
	st, err := m.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// locationsOf is Memory.Locations, failing the test on an error.
func locationsOf(t testing.TB, m *memory.Memory) []fixtures.Location {
	t.Helper()
	locs, err := m.Locations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return locs
}
