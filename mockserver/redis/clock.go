package redis

import (
	"context"
	"strconv"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/clock"
)

// Offset is the clock.Offset of a Backend: the offset is a field of the settings ({P}:cfg
// "offset", nanoseconds), so a request reads the one its first round trip checked; outside a
// request the clock reads the one last read (clock.Clock calls without a request's context).
type Offset struct{ b *Backend }

var _ clock.Offset = Offset{}

// Offset returns the backend's clock.Offset.
func (b *Backend) Offset() Offset { return Offset{b} }

// Offset implements clock.Offset.
func (o Offset) Offset(ctx context.Context) (time.Duration, error) {
	if st := o.b.cfg.Load(); st != nil {
		return st.offset, nil
	}
	st, err := o.b.current(ctx)
	if err != nil {
		return 0, err
	}
	return st.offset, nil
}

// SetOffset implements clock.Offset.
func (o Offset) SetOffset(ctx context.Context, d time.Duration) error {
	if err := o.b.setField(ctx, "offset", strconv.FormatInt(int64(d), 10)); err != nil {
		return err
	}
	_, err := o.b.loadSettings(ctx)
	return err
}

var advanceScript = newScript(`redis.call('HINCRBY', KEYS[1], 'offset', ARGV[1]) ` + bumpRev + ` return 1`)

// Advance implements clock.Offset.
func (o Offset) Advance(ctx context.Context, d time.Duration) error {
	if err := o.b.ok(o.b.run(ctx, advanceScript, []string{o.b.g("cfg")}, strconv.FormatInt(int64(d), 10)).Error()); err != nil {
		return err
	}
	_, err := o.b.loadSettings(ctx)
	return err
}
