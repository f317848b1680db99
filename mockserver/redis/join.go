package redis

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/faults"
	"github.com/contactsmock/contactsmock/mockserver/ratelimit"
	"github.com/contactsmock/contactsmock/spec"
)

// Seed is what the first replica on an empty prefix puts in it. Replicas that join later take
// all of it from the prefix, whatever their own configuration says.
type Seed struct {
	// Initial is the state at start and after POST /__admin/reset.
	Initial fixtures.Document
	// Limits are the rate limits in force.
	Limits ratelimit.Limits
	// FaultSeed seeds the faults' draws; Faults are put in force (checked against Spec).
	FaultSeed int64
	Faults    []faults.Fault
	Spec      *spec.Spec
}

// Join makes the prefix ready to serve: the first replica on an empty prefix seeds it (and
// reports first); the others wait for it (up to wait) and join what is there.
func (b *Backend) Join(ctx context.Context, s Seed, wait time.Duration) (first bool, err error) {
	ready := b.g("ready")
	if n, err := b.do(ctx, b.c.B().Exists().Key(ready).Build()).AsInt64(); b.ok(err) != nil {
		return false, b.ok(err)
	} else if n == 1 {
		_, err := b.loadSettings(ctx)
		return false, err
	}
	got, err := b.do(ctx, b.c.B().Set().Key(b.g("seeding")).Value(b.replica).Nx().Ex(time.Minute).Build()).ToString()
	if err := b.ok(err); err != nil {
		return false, err
	}
	if got != "OK" {
		deadline := time.Now().Add(wait)
		for time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			if n, err := b.do(ctx, b.c.B().Exists().Key(ready).Build()).AsInt64(); err == nil && n == 1 {
				_, err := b.loadSettings(ctx)
				return false, err
			}
		}
		return false, fmt.Errorf("redis: prefix %q: another replica is seeding it and did not finish within %s", b.p, wait)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&s.Initial); err != nil {
		return false, fmt.Errorf("redis: the initial state: %w", err)
	}
	limits, err := json.Marshal(s.Limits)
	if err != nil {
		return false, err
	}
	for _, r := range b.multi(ctx,
		b.c.B().Set().Key(b.g("initial")).Value(buf.String()).Build(),
		b.c.B().Hset().Key(b.g("cfg")).FieldValue().FieldValue("limits", string(limits)).FieldValue("faultseed", strconv.FormatInt(s.FaultSeed, 10)).Build(),
	) {
		if err := b.ok(r.Error()); err != nil {
			return false, err
		}
	}
	if _, err := b.loadSettings(ctx); err != nil {
		return false, err
	}
	if err := b.store.Reset(ctx, s.Initial); err != nil {
		return false, err
	}
	fs := b.Faults(s.Spec)
	for i, f := range s.Faults {
		if _, err := fs.Add(ctx, f); err != nil {
			return false, fmt.Errorf("redis: fault %d: %w", i+1, err)
		}
	}
	if err := b.ok(b.do(ctx, b.c.B().Set().Key(ready).Value(b.replica).Build()).Error()); err != nil {
		return false, err
	}
	return true, nil
}

// Initial reads the document the prefix was first seeded with (what POST /__admin/reset returns
// to, on every replica).
func (b *Backend) Initial(ctx context.Context) (fixtures.Document, error) {
	data, err := b.do(ctx, b.c.B().Get().Key(b.g("initial")).Build()).AsBytes()
	if err := b.ok(err); err != nil {
		return fixtures.Document{}, err
	}
	var doc fixtures.Document
	if len(data) == 0 {
		return fixtures.Document{Version: fixtures.FormatVersion}, nil
	}
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return doc, fmt.Errorf("redis: the initial state: %w", err)
	}
	return doc, nil
}

// follow keeps this replica's views current in the background (every 250 ms), so that events of
// changes this replica did not make reach its Hooks even when nobody reads their location here.
func (b *Backend) follow(ctx context.Context) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if b.cfg.Load() == nil {
			continue
		}
		_, _, _ = b.store.syncAll(ctx)
	}
}

// Drop removes every key of the prefix (tests, and `contactsmock` never: a prefix is forever
// unless removed by hand). It scans each node of a cluster.
func (b *Backend) Drop(ctx context.Context) error {
	for _, c := range b.c.Nodes() {
		for _, pattern := range []string{"{" + b.p + "}*", "{" + b.p + ":*"} {
			var cursor uint64
			for {
				e, err := c.Do(ctx, c.B().Scan().Cursor(cursor).Match(pattern).Count(1000).Build()).AsScanEntry()
				if err != nil {
					return b.ok(err)
				}
				for _, k := range e.Elements {
					c.Do(ctx, c.B().Del().Key(k).Build())
				}
				if cursor = e.Cursor; cursor == 0 {
					break
				}
			}
		}
	}
	return nil
}
