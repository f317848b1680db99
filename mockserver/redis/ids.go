package redis

import (
	"context"
	"math/rand/v2"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/ids"
)

// IDs is the ids.Source of a Backend, for what is created outside a location's change log (a
// location created without an id): seeded, the n-th id is a function of the seed and of n, n
// counted in {P}:idseq; random, no round trip is needed. The ids of a location's contents come
// from the location's change log (see view).
type IDs struct{ b *Backend }

var _ ids.Source = IDs{}

// IDs returns the backend's id source.
func (b *Backend) IDs() IDs { return IDs{b} }

func (x IDs) rng(ctx context.Context) (*rand.Rand, error) {
	if x.b.idSeed == 0 {
		return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())), nil
	}
	n, err := x.b.do(ctx, x.b.c.B().Incr().Key(x.b.g("idseq")).Build()).AsUint64()
	if err := x.b.ok(err); err != nil {
		return nil, err
	}
	return rand.New(rand.NewPCG(uint64(x.b.idSeed), n)), nil
}

// NewID implements ids.Source.
func (x IDs) NewID(ctx context.Context) (string, error) {
	r, err := x.rng(ctx)
	if err != nil {
		return "", err
	}
	return fixtures.NewID(r.IntN), nil
}

// NewObjectID implements ids.Source.
func (x IDs) NewObjectID(ctx context.Context) (string, error) {
	r, err := x.rng(ctx)
	if err != nil {
		return "", err
	}
	return fixtures.NewObjectID(r.IntN), nil
}

// Restart implements ids.Source.
func (x IDs) Restart(ctx context.Context) error {
	return x.b.ok(x.b.do(ctx, x.b.c.B().Del().Key(x.b.g("idseq")).Build()).Error())
}

// Seeded implements ids.Source.
func (x IDs) Seeded() bool { return x.b.idSeed != 0 }
