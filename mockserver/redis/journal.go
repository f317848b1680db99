package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/contactsmock/contactsmock/mockserver/journal"
)

// Journal is the journal.Journal of a Backend: the last requests of every replica in one list,
// {P}:journal, newest first, numbered by {P}:journal:seq. Record returns once the entry is stored,
// before the answer leaves (mockserver records before the handler returns), so a client that
// reads the journal after an answer sees that answer's entry on any replica. Its round trip is
// not counted by CountRoundTrips: concurrent requests' entries share batches (the client
// pipelines them).
type Journal struct {
	b    *Backend
	size int
}

var _ journal.Journal = (*Journal)(nil)

// Journal returns the backend's journal, keeping size entries (journal.DefaultSize when 0).
func (b *Backend) Journal(size int) *Journal {
	if size <= 0 {
		size = journal.DefaultSize
	}
	b.journal.size = size
	return b.journal
}

var recordScript = newScript(`
local n = redis.call('INCR', KEYS[2])
redis.call('LPUSH', KEYS[1], n .. ' ' .. ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
return n`)

// Record implements journal.Journal.
func (j *Journal) Record(ctx context.Context, e journal.Entry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("redis: journal entry: %w", err)
	}
	b := j.b
	r := b.c.Do(context.WithoutCancel(ctx), b.evalsha(recordScript, []string{b.g("journal"), b.g("journal", "seq")}, string(data), strconv.Itoa(j.size)))
	if noScript(r.Error()) {
		r = b.c.Do(context.WithoutCancel(ctx), b.eval(recordScript, []string{b.g("journal"), b.g("journal", "seq")}, string(data), strconv.Itoa(j.size)))
	}
	b.note(r.Error())
	return b.ok(r.Error())
}

// List implements journal.Journal.
func (j *Journal) List(ctx context.Context, f journal.Filter) ([]journal.Entry, error) {
	items, err := j.b.do(ctx, j.b.c.B().Lrange().Key(j.b.g("journal")).Start(0).Stop(-1).Build()).AsStrSlice()
	if err := j.b.ok(err); err != nil {
		return nil, err
	}
	var out []journal.Entry
	for _, it := range items {
		if f.Limit > 0 && len(out) >= f.Limit {
			break
		}
		seq, data, _ := cutSpace(it)
		var e journal.Entry
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			return nil, fmt.Errorf("redis: journal entry: %w", err)
		}
		e.Seq, _ = strconv.ParseUint(seq, 10, 64)
		if f.Keep(&e) {
			out = append(out, e)
		}
	}
	return out, nil
}

func cutSpace(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// Clear implements journal.Journal.
func (j *Journal) Clear(ctx context.Context) error {
	return j.b.ok(j.b.do(ctx, j.b.c.B().Del().Key(j.b.g("journal")).Build()).Error())
}
