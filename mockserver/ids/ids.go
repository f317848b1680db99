package ids

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"sync"

	"github.com/contactsmock/contactsmock/fixtures"
)

// Source draws ids.
type Source interface {
	// NewID returns a new 20-character id (fixtures.NewID's form).
	NewID(ctx context.Context) (string, error)
	// NewObjectID returns a new 24-hex id (fixtures.NewObjectID's form: businesses).
	NewObjectID(ctx context.Context) (string, error)
	// Restart starts a seeded sequence again from its seed (POST /__admin/reset); a random source
	// goes on.
	Restart(ctx context.Context) error
	// Seeded reports whether the sequence repeats from run to run: then the state may already
	// hold the ids it is about to give (a state file of an earlier run), and callers check.
	Seeded() bool
}

// Memory is the in-process Source: a PCG generator, seeded or seeded at random.
type Memory struct {
	seed   uint64
	seeded bool

	mu  sync.Mutex // guards rng
	rng *rand.Rand
}

var _ Source = (*Memory)(nil)

// NewSeeded returns a source whose ids are a function of the seed and of the order they are drawn
// in: the same writes in the same order get the same ids on every run.
func NewSeeded(seed uint64) *Memory {
	m := &Memory{seed: seed, seeded: true}
	m.rng = seededRand(seed)
	return m
}

// NewRandom returns a source seeded at random.
func NewRandom() *Memory {
	var seed [16]byte
	_, _ = crand.Read(seed[:])
	return &Memory{rng: rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))}
}

func seededRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// NewID implements Source.
func (m *Memory) NewID(context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return fixtures.NewID(m.rng.IntN), nil
}

// NewObjectID implements Source.
func (m *Memory) NewObjectID(context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return fixtures.NewObjectID(m.rng.IntN), nil
}

// Restart implements Source.
func (m *Memory) Restart(context.Context) error {
	if !m.seeded {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rng = seededRand(m.seed)
	return nil
}

// Seeded implements Source.
func (m *Memory) Seeded() bool { return m.seeded }

// NewUUID returns a random UUID (version 4), the shape of the live API's trace ids and of webhook
// delivery ids. It is not drawn from any sequence: these ids are random by design.
func NewUUID() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
