package coverage

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
)

// Counts keeps how often each operation answered each status.
type Counts interface {
	// Add counts one answer of the operation with the status.
	Add(ctx context.Context, operationID string, status int) error
	// List returns every (operation, status) answered at least once, by operation then status.
	List(ctx context.Context) ([]Count, error)
	// Reset forgets every count.
	Reset(ctx context.Context) error
}

// Count is how many answers an operation gave with one status.
type Count struct {
	OperationID string `json:"operationId"`
	Status      int    `json:"status"`
	N           int64  `json:"count"`
}

// key is what Memory counts per.
type key struct {
	op     string
	status int
}

// Memory is the in-process Counts: a map behind one mutex, held for a map increment per answer.
type Memory struct {
	mu sync.Mutex // guards n
	n  map[key]int64
}

var _ Counts = (*Memory)(nil)

// NewMemory returns counts with nothing counted.
func NewMemory() *Memory { return &Memory{n: map[key]int64{}} }

// Add implements Counts.
func (m *Memory) Add(_ context.Context, operationID string, status int) error {
	m.mu.Lock()
	m.n[key{operationID, status}]++
	m.mu.Unlock()
	return nil
}

// List implements Counts.
func (m *Memory) List(context.Context) ([]Count, error) {
	m.mu.Lock()
	out := make([]Count, 0, len(m.n))
	for k, n := range m.n {
		out = append(out, Count{OperationID: k.op, Status: k.status, N: n})
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b Count) int {
		return cmp.Or(strings.Compare(a.OperationID, b.OperationID), cmp.Compare(a.Status, b.Status))
	})
	return out, nil
}

// Reset implements Counts.
func (m *Memory) Reset(context.Context) error {
	m.mu.Lock()
	clear(m.n)
	m.mu.Unlock()
	return nil
}
