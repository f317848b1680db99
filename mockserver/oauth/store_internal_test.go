package oauth

import (
	"context"
	"testing"
	"time"
)

// TestSweeps: expired access tokens, codes and grants are dropped as new ones are stored, so a
// long run holds about the live ones only.
func TestSweeps(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	st := NewMemoryStore(func() time.Time { return now })
	n := 3 * minSweep
	for range n {
		if err := st.PutToken(ctx, Token{AccessToken: randomString(16), IssuedAt: now, ExpiresAt: now.Add(time.Second)}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(2 * time.Second)
	}
	if tokens := len(st.tokens); tokens > minSweep {
		t.Errorf("%d access tokens held after %d expired ones, want at most %d", tokens, n, minSweep)
	}
	for range n {
		if err := st.PutCode(ctx, randomHex(20), Code{Expires: now.Add(AuthorizationCodeTTL)}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(AuthorizationCodeTTL)
	}
	for range n {
		if err := st.PutGrant(ctx, Grant{ID: randomHex(12), RefreshExpires: now.Add(RefreshTokenTTL)}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(RefreshTokenTTL / 256) // each grant expires 256 grants later (years, not centuries: time.Duration overflows)
	}
	if codes, grants := len(st.codes), len(st.grants); codes > minSweep || grants > minSweep {
		t.Errorf("%d codes and %d grants held after storing %d of each, want at most %d", codes, grants, n, minSweep)
	}
}

// TestSweepDropsRevokedTokens: tokens of a revoked grant go at the next sweep.
func TestSweepDropsRevokedTokens(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	st := NewMemoryStore(func() time.Time { return now })
	if err := st.PutGrant(ctx, Grant{ID: "g1", RefreshExpires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	revoked := Token{AccessToken: "revoked", IssuedAt: now, ExpiresAt: now.Add(time.Hour), GrantID: "g1"}
	if err := st.PutToken(ctx, revoked); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RevokeGrants(ctx, GrantFilter{ID: "g1"}); err != nil {
		t.Fatal(err)
	}
	for range minSweep {
		if err := st.PutToken(ctx, Token{AccessToken: randomString(16), IssuedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if tok, _ := st.Token(ctx, "revoked"); tok != nil {
		t.Error("a revoked token survived the sweep")
	}
}

// FuzzParseRefresh: whatever a client sends as a refresh token, parsing never panics and accepts
// only what the mock signed.
func FuzzParseRefresh(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	// Deterministic, so that every fuzzing process has the same one.
	valid := signJWT(key, refreshClaims{Grant: "g1", Gen: 1, Exp: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC).Unix(), JTI: "fixed"})
	f.Add(valid)
	f.Add(jwtHeader + ".")
	f.Add(jwtHeader + "..")
	f.Add("a.b.c")
	f.Fuzz(func(t *testing.T, s string) {
		rc, ok := parseRefresh(key, s)
		if ok && s != valid {
			t.Fatalf("accepted %q (%+v), which the mock did not sign", s, rc)
		}
	})
}
