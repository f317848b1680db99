package redis

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/contactsmock/contactsmock/mockserver/oauth"
	"github.com/contactsmock/contactsmock/mockserver/webhooks"
)

// Keys are the keys every replica of a prefix signs with: access and refresh tokens (HMAC) and
// webhooks (Ed25519). The first replica stores its own (given or generated) in {P}:keys; the
// others take the stored ones, so every replica accepts every replica's tokens and deliveries
// carry one signature key.
type Keys struct {
	Access, Refresh []byte
	Webhook         ed25519.PrivateKey
}

// SharedKeys returns the prefix's keys, storing mine when the prefix has none yet. A webhook key
// given that differs from the stored one is refused: receivers would get two keys.
func (b *Backend) SharedKeys(ctx context.Context, mine Keys) (Keys, error) {
	if mine.Access == nil {
		mine.Access = oauth.RandomKey()
	}
	if mine.Refresh == nil {
		mine.Refresh = oauth.RandomKey()
	}
	given := mine.Webhook != nil
	if !given {
		k, err := webhooks.GenerateKey()
		if err != nil {
			return Keys{}, err
		}
		mine.Webhook = k
	}
	enc := func(k []byte) string { return base64.StdEncoding.EncodeToString(k) }
	rs := b.multi(ctx,
		b.c.B().Hsetnx().Key(b.g("keys")).Field("access").Value(enc(mine.Access)).Build(),
		b.c.B().Hsetnx().Key(b.g("keys")).Field("refresh").Value(enc(mine.Refresh)).Build(),
		b.c.B().Hsetnx().Key(b.g("keys")).Field("webhook").Value(enc(mine.Webhook)).Build(),
		b.c.B().Hgetall().Key(b.g("keys")).Build(),
	)
	for _, r := range rs {
		if err := b.ok(r.Error()); err != nil {
			return Keys{}, err
		}
	}
	m, _ := rs[3].AsStrMap()
	var out Keys
	var err error
	dec := func(s string) []byte {
		v, e := base64.StdEncoding.DecodeString(s)
		if e != nil || len(v) == 0 {
			err = errors.New("redis: the stored keys are not readable")
		}
		return v
	}
	out.Access, out.Refresh, out.Webhook = dec(m["access"]), dec(m["refresh"]), dec(m["webhook"])
	if err != nil {
		return Keys{}, err
	}
	if len(out.Webhook) != ed25519.PrivateKeySize {
		return Keys{}, fmt.Errorf("redis: the stored webhook key has %d bytes", len(out.Webhook))
	}
	if given && !mine.Webhook.Equal(out.Webhook) {
		return Keys{}, fmt.Errorf("redis: prefix %q signs webhooks with another key than --webhook-key: give every replica the same key (or none: the stored one is used)", b.p)
	}
	return out, nil
}

func jsonOf(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("redis: %w", err)
	}
	return string(b), nil
}
