package redis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/oauth"
)

// OAuth is the oauth.Store of a Backend. Clients and the consent settings are settings (see
// settings.go). Tokens are hashes {P}:tok:SHA (SHA of the token string: the store never holds a
// bearer token itself) with indexes by client and location for revocation; grants are hashes
// {P}:grant:ID whose generation and revocation change by script (Rotate, RevokeGrants), and
// {P}:revoked lists revoked grants; codes are hashes {P}:code:CODE spent by script (MarkUsed). What
// expires is given to Redis to expire, at its expiry on the base clock or later (see
// oauth.MemoryStore: what expired only because the mock's clock ran ahead must come back).
type OAuth struct{ b *Backend }

var _ oauth.Store = OAuth{}

// OAuth returns the backend's OAuth store.
func (b *Backend) OAuth() OAuth { return OAuth{b} }

func (b *Backend) tokenKey(access string) string {
	sum := sha256.Sum256([]byte(access))
	return b.g("tok", hex.EncodeToString(sum[:16]))
}

// --- clients ----------------------------------------------------------------------------------

// AddClient implements oauth.Clients.
func (o OAuth) AddClient(ctx context.Context, c oauth.Client) error {
	c = c.Normalized()
	order, err := o.b.nextOrder(ctx)
	if err != nil {
		return err
	}
	data, err := jsonOf(storedClient{Client: c, Order: order})
	if err != nil {
		return err
	}
	ok, err := o.b.setEntry(ctx, o.b.g("clients"), c.ID, data, true)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: %s", oauth.ErrClientExists, c.ID)
	}
	_, err = o.b.loadSettings(ctx)
	return err
}

// Client implements oauth.Clients.
func (o OAuth) Client(ctx context.Context, id string) (*oauth.Client, error) {
	st, err := o.b.current(ctx)
	if err != nil {
		return nil, err
	}
	c, ok := st.clients[id]
	if !ok {
		return nil, nil
	}
	cp := c.Client.Normalized()
	return &cp, nil
}

// ListClients implements oauth.Clients.
func (o OAuth) ListClients(ctx context.Context) ([]oauth.Client, error) {
	st, err := o.b.current(ctx)
	if err != nil {
		return nil, err
	}
	list := make([]storedClient, 0, len(st.clients))
	for _, c := range st.clients {
		list = append(list, c)
	}
	slices.SortFunc(list, func(a, b storedClient) int { return int(a.Order - b.Order) })
	out := make([]oauth.Client, len(list))
	for i, c := range list {
		out[i] = c.Client.Normalized()
	}
	return out, nil
}

// RemoveClient implements oauth.Clients.
func (o OAuth) RemoveClient(ctx context.Context, id string) (bool, error) {
	ok, err := o.b.setEntry(ctx, o.b.g("clients"), id, "", false)
	if err != nil || !ok {
		return ok, err
	}
	if _, err := o.RevokeGrants(ctx, oauth.GrantFilter{ClientID: id}); err != nil {
		return true, err
	}
	_, err = o.b.loadSettings(ctx)
	return true, err
}

// --- codes ------------------------------------------------------------------------------------

// PutCode implements oauth.Codes.
func (o OAuth) PutCode(ctx context.Context, code string, c oauth.Code) error {
	data, err := jsonOf(c)
	if err != nil {
		return err
	}
	k := o.b.g("code", code)
	rs := o.b.multi(ctx,
		o.b.c.B().Hset().Key(k).FieldValue().FieldValue("j", data).Build(),
		o.b.c.B().Pexpireat().Key(k).MillisecondsTimestamp(c.Expires.UnixMilli()+1000).Build())
	return o.b.ok(rs[0].Error())
}

// Code implements oauth.Codes.
func (o OAuth) Code(ctx context.Context, code string) (oauth.Code, bool, error) {
	vals, err := o.b.do(ctx, o.b.c.B().Hmget().Key(o.b.g("code", code)).Field("j", "used", "g").Build()).ToArray()
	if err := o.b.ok(err); err != nil {
		return oauth.Code{}, false, err
	}
	j, err := vals[0].ToString()
	if err != nil {
		return oauth.Code{}, false, nil
	}
	var c oauth.Code
	if err := json.Unmarshal([]byte(j), &c); err != nil {
		return c, false, fmt.Errorf("redis: code: %w", err)
	}
	used, _ := vals[1].ToString()
	c.Used = used == "1"
	c.GrantID, _ = vals[2].ToString()
	return c, true, nil
}

var markUsedScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HGET', KEYS[1], 'used') == '1' then return 1 end
redis.call('HSET', KEYS[1], 'used', '1', 'g', ARGV[1])
return 0`)

// MarkUsed implements oauth.Codes: one script spends the code, so that of two replicas
// exchanging it at once one wins and the other sees it spent.
func (o OAuth) MarkUsed(ctx context.Context, code, grantID string) (bool, error) {
	n, err := o.b.run(ctx, markUsedScript, []string{o.b.g("code", code)}, grantID).AsInt64()
	return n == 1, o.b.ok(err)
}

// --- grants -----------------------------------------------------------------------------------

var putGrantScript = newScript(`
redis.call('HSET', KEYS[1], 'j', ARGV[1], 'gen', ARGV[2], 'exp', ARGV[3], 'rev', ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ARGV[5])
redis.call('SADD', KEYS[2], ARGV[6])
if KEYS[3] ~= KEYS[2] then redis.call('SADD', KEYS[3], ARGV[6]) end
return 1`)

func (o OAuth) grantIndexes(clientID, loc string) (string, string) {
	c := o.b.g("grantidx", "c", clientID)
	if loc == "" {
		return c, c
	}
	return c, o.b.g("grantidx", "l", loc)
}

// PutGrant implements oauth.Grants.
func (o OAuth) PutGrant(ctx context.Context, g oauth.Grant) error {
	data, err := jsonOf(g)
	if err != nil {
		return err
	}
	rev := "0"
	if g.Revoked {
		rev = "1"
	}
	ci, li := o.grantIndexes(g.ClientID, g.LocationID)
	return o.b.ok(o.b.run(ctx, putGrantScript, []string{o.b.g("grant", g.ID), ci, li}, data, strconv.Itoa(g.Gen),
		strconv.FormatInt(g.RefreshExpires.UnixNano(), 10), rev, strconv.FormatInt(g.RefreshExpires.UnixMilli()+1000, 10), g.ID).Error())
}

// Grant implements oauth.Grants.
func (o OAuth) Grant(ctx context.Context, id string) (oauth.Grant, bool, error) {
	vals, err := o.b.do(ctx, o.b.c.B().Hmget().Key(o.b.g("grant", id)).Field("j", "gen", "exp", "rev").Build()).ToArray()
	if err := o.b.ok(err); err != nil {
		return oauth.Grant{}, false, err
	}
	j, err := vals[0].ToString()
	if err != nil {
		return oauth.Grant{}, false, nil
	}
	var g oauth.Grant
	if err := json.Unmarshal([]byte(j), &g); err != nil {
		return g, false, fmt.Errorf("redis: grant: %w", err)
	}
	gen, _ := vals[1].ToString()
	g.Gen, _ = strconv.Atoi(gen)
	exp, _ := vals[2].ToString()
	ns, _ := strconv.ParseInt(exp, 10, 64)
	g.RefreshExpires = time.Unix(0, ns)
	rev, _ := vals[3].ToString()
	g.Revoked = rev == "1"
	return g, true, nil
}

var rotateScript = newScript(`
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HGET', KEYS[1], 'rev') == '1' or redis.call('HGET', KEYS[1], 'gen') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'gen', tonumber(ARGV[1]) + 1, 'exp', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1`)

// Rotate implements oauth.Grants: one script moves the generation, so a refresh token rotated on
// one replica is spent for every other.
func (o OAuth) Rotate(ctx context.Context, id string, gen int, expires time.Time) (bool, error) {
	n, err := o.b.run(ctx, rotateScript, []string{o.b.g("grant", id)}, strconv.Itoa(gen),
		strconv.FormatInt(expires.UnixNano(), 10), strconv.FormatInt(expires.UnixMilli()+1000, 10)).AsInt64()
	return n == 1, o.b.ok(err)
}

var revokeGrantsScript = newScript(`
local ids = {}
if ARGV[1] ~= '' then ids = {ARGV[1]} else ids = redis.call('SMEMBERS', KEYS[1]) end
local n = 0
for _, id in ipairs(ids) do
  local k = ARGV[2] .. id
  if redis.call('EXISTS', k) == 1 and redis.call('HGET', k, 'rev') ~= '1' then
    redis.call('HSET', k, 'rev', '1')
    n = n + 1
  end
  if redis.call('EXISTS', k) == 1 or ARGV[1] ~= '' then redis.call('SADD', KEYS[2], id) end
end
return n`)

// GrantsOf implements oauth.Grants: the members of the client's or the location's grant index,
// each read as Grant reads it (an index may still name a grant that has expired: it is skipped).
func (o OAuth) GrantsOf(ctx context.Context, f oauth.GrantFilter) ([]oauth.Grant, error) {
	var idx string
	switch {
	case f.ID != "":
		g, ok, err := o.Grant(ctx, f.ID)
		if err != nil || !ok {
			return nil, err
		}
		return []oauth.Grant{g}, nil
	case f.ClientID != "":
		idx = o.b.g("grantidx", "c", f.ClientID)
	case f.LocationID != "":
		idx = o.b.g("grantidx", "l", f.LocationID)
	default:
		return nil, nil
	}
	ids, err := o.b.do(ctx, o.b.c.B().Smembers().Key(idx).Build()).AsStrSlice()
	if err := o.b.ok(err); err != nil {
		return nil, err
	}
	var out []oauth.Grant
	for _, id := range ids {
		g, ok, err := o.Grant(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok && f.Selects(g) {
			out = append(out, g)
		}
	}
	return out, nil
}

// RevokeGrants implements oauth.Grants.
func (o OAuth) RevokeGrants(ctx context.Context, f oauth.GrantFilter) (int, error) {
	idx := o.b.g("cfg") // unused by an id filter
	switch {
	case f.ID != "":
	case f.ClientID != "":
		idx = o.b.g("grantidx", "c", f.ClientID)
	case f.LocationID != "":
		idx = o.b.g("grantidx", "l", f.LocationID)
	default:
		return 0, nil
	}
	n, err := o.b.run(ctx, revokeGrantsScript, []string{idx, o.b.g("revoked")}, f.ID, o.b.g("grant")+":").AsInt64()
	return int(n), o.b.ok(err)
}

// GrantRevoked implements oauth.Grants.
func (o OAuth) GrantRevoked(ctx context.Context, id string) (bool, error) {
	if pf := prefetchedOf(ctx); pf != nil && pf.tok != "" && pf.grant() == id {
		return pf.revoked, nil
	}
	n, err := o.b.do(ctx, o.b.c.B().Sismember().Key(o.b.g("revoked")).Member(id).Build()).AsInt64()
	return n == 1, o.b.ok(err)
}

// grant returns the grant of the prefetched token.
func (pf *prefetched) grant() string {
	var t struct {
		GrantID string `json:"grantId"`
	}
	_ = json.Unmarshal([]byte(pf.tok), &t)
	return t.GrantID
}

// --- tokens -----------------------------------------------------------------------------------

// storedToken is a token as {P}:tok:SHA keeps it: the grant too (oauth.Token leaves it out of
// its JSON).
type storedToken struct {
	oauth.Token
	GrantID string `json:"grantId,omitempty"`
}

var putTokenScript = newScript(`
redis.call('HSET', KEYS[1], 'j', ARGV[1], 'g', ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('SADD', KEYS[2], KEYS[1])
redis.call('PEXPIREAT', KEYS[2], math.max(tonumber(ARGV[3]), redis.call('PEXPIRETIME', KEYS[2])))
if KEYS[3] ~= KEYS[2] then
  redis.call('SADD', KEYS[3], KEYS[1])
  redis.call('PEXPIREAT', KEYS[3], math.max(tonumber(ARGV[3]), redis.call('PEXPIRETIME', KEYS[3])))
end
return 1`)

// PutToken implements oauth.Tokens.
func (o OAuth) PutToken(ctx context.Context, t oauth.Token) error {
	stored := storedToken{Token: t, GrantID: t.GrantID}
	stored.AccessToken = ""
	data, err := jsonOf(stored)
	if err != nil {
		return err
	}
	ci := o.b.g("tokidx", "c", t.ClientID)
	li := ci
	if t.LocationID != "" {
		li = o.b.g("tokidx", "l", t.LocationID)
	}
	return o.b.ok(o.b.run(ctx, putTokenScript, []string{o.b.tokenKey(t.AccessToken), ci, li}, data, t.GrantID,
		strconv.FormatInt(t.ExpiresAt.UnixMilli()+1000, 10)).Error())
}

// Token implements oauth.Tokens: from the request's prefetch when it read this token.
func (o OAuth) Token(ctx context.Context, access string) (*oauth.Token, error) {
	var j string
	if pf := prefetchedOf(ctx); pf != nil && pf.bearer == access {
		j = pf.tok
	} else {
		s, err := o.b.do(ctx, o.b.c.B().Hget().Key(o.b.tokenKey(access)).Field("j").Build()).ToString()
		if err := o.b.ok(err); err != nil {
			return nil, err
		}
		j = s
	}
	if j == "" {
		return nil, nil
	}
	var st storedToken
	if err := json.Unmarshal([]byte(j), &st); err != nil {
		return nil, fmt.Errorf("redis: token: %w", err)
	}
	t := st.Token
	t.AccessToken, t.GrantID = access, st.GrantID
	return &t, nil
}

var revokeTokensScript = newScript(`
local n = 0
for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do n = n + redis.call('DEL', k) end
redis.call('DEL', KEYS[1])
return n`)

// RevokeTokens implements oauth.Tokens.
func (o OAuth) RevokeTokens(ctx context.Context, f oauth.TokenFilter) (int, error) {
	var idx string
	switch {
	case f.ClientID != "":
		idx = o.b.g("tokidx", "c", f.ClientID)
	case f.LocationID != "":
		idx = o.b.g("tokidx", "l", f.LocationID)
	default:
		return 0, nil
	}
	n, err := o.b.run(ctx, revokeTokensScript, []string{idx}).AsInt64()
	return int(n), o.b.ok(err)
}

// --- consent ----------------------------------------------------------------------------------

// Consent implements oauth.Consents.
func (o OAuth) Consent(ctx context.Context) (oauth.ConsentSettings, error) {
	st, err := o.b.current(ctx)
	if err != nil {
		return oauth.ConsentSettings{}, err
	}
	return st.consent, nil
}

// SetConsent implements oauth.Consents.
func (o OAuth) SetConsent(ctx context.Context, c oauth.ConsentSettings) error {
	data, err := jsonOf(c)
	if err != nil {
		return err
	}
	if err := o.b.setField(ctx, "consent", data); err != nil {
		return err
	}
	_, err = o.b.loadSettings(ctx)
	return err
}
