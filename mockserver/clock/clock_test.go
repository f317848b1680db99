package clock_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/clock"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// TestClockOffset: the clock reads its base plus the offset; advancing and setting the offset move
// it, the base stays what it is.
func TestClockOffset(t *testing.T) {
	ctx := context.Background()
	base := clock.NewManual(t0)
	c := clock.New(base.Now)
	if !c.Now().Equal(t0) {
		t.Fatalf("Now %v, want the base %v", c.Now(), t0)
	}
	if err := c.Advance(ctx, 25*time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := c.Now(); !got.Equal(t0.Add(25 * time.Hour)) {
		t.Errorf("after Advance: %v", got)
	}
	if !c.Base().Equal(t0) {
		t.Errorf("Base %v moved with the offset", c.Base())
	}
	base.Add(time.Minute)
	if d, err := c.Offset(ctx); err != nil || d != 25*time.Hour {
		t.Errorf("Offset %v %v", d, err)
	}
	if err := c.SetOffset(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := c.Now(); !got.Equal(t0.Add(time.Minute + time.Hour)) {
		t.Errorf("after SetOffset: %v", got)
	}
	if err := c.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.Now(); !got.Equal(t0.Add(time.Minute)) {
		t.Errorf("after Reset: %v", got)
	}
}

// failingOffset is an Offset whose store answers once, then fails.
type failingOffset struct {
	clock.MemoryOffset
	fail bool
}

func (f *failingOffset) Offset(ctx context.Context) (time.Duration, error) {
	if f.fail {
		return 0, errors.New("down")
	}
	return f.MemoryOffset.Offset(ctx)
}

// TestClockKeepsTheLastOffset: with an offset that cannot be read, the clock goes on with the last
// one it read instead of jumping back to its base.
func TestClockKeepsTheLastOffset(t *testing.T) {
	off := &failingOffset{}
	c := clock.WithOffset(clock.NewManual(t0).Now, off)
	if err := c.Advance(context.Background(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := c.Now(); !got.Equal(t0.Add(time.Hour)) {
		t.Fatalf("Now %v", got)
	}
	off.fail = true
	if got := c.Now(); !got.Equal(t0.Add(time.Hour)) {
		t.Errorf("with the offset unreadable Now is %v, want the last offset kept", got)
	}
}

// TestSleep: a wait ends early, with the context's cause, when the context ends.
func TestSleep(t *testing.T) {
	if err := clock.Sleep(context.Background(), 0); err != nil {
		t.Errorf("no wait: %v", err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("client left")
	cancel(cause)
	if err := clock.Sleep(ctx, time.Hour); !errors.Is(err, cause) {
		t.Errorf("Sleep on an ended context: %v, want its cause", err)
	}
}

// TestWaitEndsWhenTheClockIsAdvanced: a wait for an hour from now on the mock's clock ends as soon as the
// clock is advanced past it, and a canceled wait returns the context's cause.
func TestWaitEndsWhenTheClockIsAdvanced(t *testing.T) {
	c := clock.New(clock.NewManual(t0).Now)
	done := make(chan error, 1)
	go func() { done <- c.WaitUntil(context.Background(), t0.Add(time.Hour)) }()
	select {
	case err := <-done:
		t.Fatalf("the wait ended before the clock moved: %v", err)
	default:
	}
	// Advance in two steps: the first is not enough, the second is.
	if err := c.Advance(context.Background(), 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(context.Background(), 31*time.Minute); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Wait: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the wait did not end after the clock was advanced past it")
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("stopped")
	cancel(stop)
	if err := c.Wait(ctx, time.Hour); !errors.Is(err, stop) {
		t.Errorf("a canceled wait returned %v", err)
	}
}
