package memory_test

import (
	"testing"

	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/mockserver/state/memory"
	"github.com/contactsmock/contactsmock/mockserver/state/statetest"
)

// TestConformance holds the memory store to the suite every backend passes.
func TestConformance(t *testing.T) {
	statetest.Run(t, func(t *testing.T) state.Store { return memory.New(memory.Options{}) })
}
