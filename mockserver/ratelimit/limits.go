package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
)

// Limits configures the per (OAuth client, location) limits. The defaults are the live API's; a
// zero field takes its default (see WithDefaults).
type Limits struct {
	// Burst is the number of requests allowed per Window (live: 100).
	Burst int
	// Window is the burst window (live: 10 s).
	Window time.Duration
	// Daily is the number of requests allowed per UTC day (live: 200,000).
	Daily int
	// Off disables limiting: requests are neither counted nor refused; headers show full quotas.
	Off bool
	// NoRetryAfter leaves Retry-After out of 429s. The mock sends it by default (Zapier's platform
	// reads it), but live does not document it (reference §5): with it off, a client or a suite
	// shows that it manages with X-RateLimit-Interval-Milliseconds alone, as against live.
	NoRetryAfter bool
}

// Defaults are the live API's limits.
var Defaults = Limits{Burst: 100, Window: 10 * time.Second, Daily: 200000}

// Bounds of the limits the admin API and the mock's configuration accept.
const (
	MinWindow = time.Millisecond // X-RateLimit-Interval-Milliseconds must not read 0
	MaxWindow = 24 * time.Hour
)

// TooManyRequests is the start of every refusal's message: the text the official SDK falls back
// to.
const TooManyRequests = "Too Many Requests - Rate limit exceeded"

// WithDefaults fills the zero fields with Defaults'.
func (l Limits) WithDefaults() Limits {
	if l.Burst == 0 {
		l.Burst = Defaults.Burst
	}
	if l.Window == 0 {
		l.Window = Defaults.Window
	}
	if l.Daily == 0 {
		l.Daily = Defaults.Daily
	}
	return l
}

// Problems lists what is wrong with limits that have their defaults filled in, in the API's 422
// message style; nil when they are usable.
func (l Limits) Problems() []string {
	var msgs []string
	if l.Burst < 1 {
		msgs = append(msgs, "burst must not be less than 1")
	}
	if l.Window < MinWindow || l.Window > MaxWindow {
		msgs = append(msgs, "window must be between 1ms and 24h")
	}
	if l.Daily < 1 {
		msgs = append(msgs, "daily must not be less than 1")
	}
	return msgs
}

// Wire is the admin API's form of Limits: the window as a Go duration string.
type Wire struct {
	Burst  int    `json:"burst"`
	Window string `json:"window"`
	Daily  int    `json:"daily"`
	Off    bool   `json:"off"`
	// RetryAfter says whether 429s carry Retry-After (the mock's addition; !NoRetryAfter).
	RetryAfter bool `json:"retryAfter"`
}

// Wire returns the admin API's form of l.
func (l Limits) Wire() Wire {
	return Wire{Burst: l.Burst, Window: l.Window.String(), Daily: l.Daily, Off: l.Off, RetryAfter: !l.NoRetryAfter}
}

// Settings stores the limits in force: state, so that an admin change on one replica governs the
// next request on every replica.
type Settings interface {
	Limits(ctx context.Context) (Limits, error)
	SetLimits(ctx context.Context, l Limits) error
}

// MemorySettings is the in-process Settings: the limits, with their refusal messages, behind one
// atomic pointer, so reading them on every request takes no lock.
type MemorySettings struct{ cur atomic.Pointer[inForce] }

var _ Settings = (*MemorySettings)(nil)

// NewMemorySettings returns settings holding l.
func NewMemorySettings(l Limits) *MemorySettings {
	s := &MemorySettings{}
	s.cur.Store(newInForce(l))
	return s
}

// Limits implements Settings.
func (s *MemorySettings) Limits(context.Context) (Limits, error) { return s.cur.Load().Limits, nil }

// SetLimits implements Settings.
func (s *MemorySettings) SetLimits(_ context.Context, l Limits) error {
	s.cur.Store(newInForce(l))
	return nil
}

// inForce are limits with the refusal messages that state them, made once when the limits are
// set rather than on every refused request. Never changed once made.
type inForce struct {
	Limits
	burstMessage, dailyMessage string
}

func newInForce(l Limits) *inForce {
	return &inForce{
		Limits:       l,
		burstMessage: fmt.Sprintf("%s: %d requests per %s", TooManyRequests, l.Burst, windowText(l.Window)),
		dailyMessage: fmt.Sprintf("%s: %d requests per day", TooManyRequests, l.Daily),
	}
}

// windowText says a window in words: "10 seconds", "1 minute", "1.5 seconds", "250ms".
func windowText(d time.Duration) string {
	switch {
	case d == time.Second:
		return "second"
	case d == time.Minute:
		return "minute"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + " minutes"
	case d >= time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " seconds"
	}
	return d.String()
}
