package redis

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/contactsmock/contactsmock/mockserver/coverage"
)

// Coverage is the coverage.Counts of a Backend: one hash, {P}:coverage, field "OPERATION STATUS",
// counted by every replica. Like the journal's, its write is not counted by CountRoundTrips (it
// shares batches with other requests' through the client's pipelining).
type Coverage struct{ b *Backend }

var _ coverage.Counts = Coverage{}

// Coverage returns the backend's coverage counts.
func (b *Backend) Coverage() Coverage { return Coverage{b} }

// Add implements coverage.Counts.
func (c Coverage) Add(ctx context.Context, operationID string, status int) error {
	r := c.b.c.Do(context.WithoutCancel(ctx), c.b.c.B().Hincrby().Key(c.b.g("coverage")).Field(operationID+" "+strconv.Itoa(status)).Increment(1).Build())
	c.b.note(r.Error())
	return c.b.ok(r.Error())
}

// List implements coverage.Counts.
func (c Coverage) List(ctx context.Context) ([]coverage.Count, error) {
	m, err := c.b.do(ctx, c.b.c.B().Hgetall().Key(c.b.g("coverage")).Build()).AsStrMap()
	if err := c.b.ok(err); err != nil {
		return nil, err
	}
	out := make([]coverage.Count, 0, len(m))
	for k, v := range m {
		op, st, _ := strings.Cut(k, " ")
		status, _ := strconv.Atoi(st)
		n, _ := strconv.ParseInt(v, 10, 64)
		out = append(out, coverage.Count{OperationID: op, Status: status, N: n})
	}
	slices.SortFunc(out, func(a, b coverage.Count) int {
		return cmp.Or(strings.Compare(a.OperationID, b.OperationID), cmp.Compare(a.Status, b.Status))
	})
	return out, nil
}

// Reset implements coverage.Counts.
func (c Coverage) Reset(ctx context.Context) error {
	return c.b.ok(c.b.do(ctx, c.b.c.B().Del().Key(c.b.g("coverage")).Build()).Error())
}
