package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/redis/redistest"
)

// Several replicas of the real binary on one Redis (docs/replicas.md): each test starts three on
// a prefix of its own, on a redis-server this file starts (and, in TestReplicasOnACluster, on a
// three-node Redis Cluster), and checks what a client of any of them may rely on.

// replicas starts n replicas on the Redis the args name.
func replicas(t *testing.T, n int, args ...string) []*process {
	t.Helper()
	var out []*process
	for range n {
		out = append(out, startProcess(t, append([]string{"--contacts", "3", "--log-level", "warn"}, args...)...))
	}
	return out
}

// replicaSuite runs every replica test against the Redis that redisArgs names (with a prefix of
// the test's own).
func replicaSuite(t *testing.T, redisArgs func(t *testing.T) []string) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, args []string)
	}{
		{"a write on one replica is read on every other at once", writesEverywhere},
		{"the burst limit holds exactly across replicas", exactLimit},
		{"an authorization code works once across replicas", singleUseCode},
		{"a refresh token rotated on one is refused on every other", rotation},
		{"each webhook event is delivered once, in order", exactlyOnce},
		{"a replica killed mid-run loses no acknowledged write and no event", killReplica},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(redisArgs(t), "--redis-prefix", fmt.Sprintf("rt-%d", time.Now().UnixNano()))
			tc.run(t, args)
		})
	}
}

func TestReplicas(t *testing.T) {
	srv := redistest.Start(t)
	replicaSuite(t, func(*testing.T) []string { return []string{"--redis", srv.URL()} })
}

func TestReplicasOnACluster(t *testing.T) {
	c := redistest.StartCluster(t)
	// Any one node: the client learns the others from it.
	replicaSuite(t, func(*testing.T) []string { return []string{"--redis", "redis://" + c.Addrs()[1]} })
}

func writesEverywhere(t *testing.T, args []string) {
	rs := replicas(t, 3, args...)
	tok, loc := mintToken(t, rs[0].base)
	st, body, err := call(t, http.DefaultClient, "POST", rs[0].base+"/contacts/", tok, map[string]any{"locationId": loc, "firstName": "Ada", "email": "ada.replica@example.com"})
	if err != nil || st != 201 {
		t.Fatalf("create on replica 0: %d %v %v", st, body, err)
	}
	id := body["contact"].(map[string]any)["id"].(string)
	if st, body, _ := call(t, http.DefaultClient, "GET", rs[1].base+"/contacts/"+id, tok, nil); st != 200 {
		t.Fatalf("get on replica 1: %d %v", st, body)
	}
	if st, body, _ := call(t, http.DefaultClient, "POST", rs[2].base+"/contacts/", tok, map[string]any{"locationId": loc, "firstName": "Ada", "email": "ada.replica@example.com"}); st != 400 || body["meta"].(map[string]any)["contactId"] != id {
		t.Fatalf("the duplicate on replica 2: %d %v", st, body)
	}
	st, body, _ = call(t, http.DefaultClient, "POST", rs[2].base+"/contacts/search", tok, map[string]any{"locationId": loc, "pageLimit": 10, "query": "ada.replica"})
	if st != 200 || body["total"] != float64(1) {
		t.Fatalf("search on replica 2: %d %v", st, body)
	}
	if st, _, _ := call(t, http.DefaultClient, "DELETE", rs[1].base+"/contacts/"+id, tok, nil); st != 200 {
		t.Fatalf("delete on replica 1: %d", st)
	}
	if st, _, _ := call(t, http.DefaultClient, "GET", rs[0].base+"/contacts/"+id, tok, nil); st != 400 {
		t.Fatalf("get after the delete on replica 0: %d, want 400", st)
	}
	// An admin change on one governs the next request on another.
	if st, _, _ := call(t, http.DefaultClient, "POST", rs[0].base+"/__admin/faults", "", map[string]any{"operationId": "get-contacts", "status": 503, "count": 1}); st != 201 {
		t.Fatalf("fault: %d", st)
	}
	if st, _, _ := call(t, http.DefaultClient, "GET", rs[2].base+"/contacts/?locationId="+loc, tok, nil); st != 503 {
		t.Fatalf("the next list on replica 2: %d, want the fault's 503", st)
	}
	if st, _, _ := call(t, http.DefaultClient, "GET", rs[1].base+"/contacts/?locationId="+loc, tok, nil); st != 200 {
		t.Fatalf("the list after on replica 1: %d, want 200 (count 1)", st)
	}
	// The journal shows every replica's traffic.
	_, j, _ := call(t, http.DefaultClient, "GET", rs[1].base+"/__admin/requests?operationId=get-contacts", "", nil)
	if n := len(j["requests"].([]any)); n != 2 {
		t.Errorf("the journal on replica 1 holds %d list requests, want the 2 of replicas 1 and 2", n)
	}
}

// parallel sends n requests round-robin over the replicas at once and counts the statuses.
func parallel(t *testing.T, rs []*process, n int, do func(base string) int) map[int]int {
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			st := do(rs[i%len(rs)].base)
			mu.Lock()
			got[st]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return got
}

func exactLimit(t *testing.T, args []string) {
	rs := replicas(t, 3, append(args, "--rate-burst", "40", "--rate-window", "1m")...)
	tok, loc := mintToken(t, rs[0].base)
	got := parallel(t, rs, 90, func(base string) int {
		st, _, err := call(t, http.DefaultClient, "GET", base+"/contacts/?locationId="+loc+"&limit=1", tok, nil)
		if err != nil {
			t.Error(err)
		}
		return st
	})
	if got[200] != 40 || got[429] != 50 {
		t.Fatalf("statuses %v, want exactly 40 × 200 and 50 × 429 across three replicas", got)
	}
}

// consentCode runs the consent step on a replica and returns the code.
func consentCode(t *testing.T, base string) string {
	t.Helper()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"response_type": {"code"}, "client_id": {"6650c2b5a1f0e8c1d2a3b4c5-contactsmock"},
		"redirect_uri": {"http://127.0.0.1:9000/callback"}, "scope": {"contacts.readonly contacts.write"}}
	resp, err := noRedirect.Get(base + "/oauth/chooselocation?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || u.Query().Get("code") == "" {
		t.Fatalf("consent: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return u.Query().Get("code")
}

// token posts the token endpoint's form.
func token(t *testing.T, base string, form url.Values) (int, map[string]any) {
	t.Helper()
	form.Set("client_id", "6650c2b5a1f0e8c1d2a3b4c5-contactsmock")
	form.Set("client_secret", "contactsmock-secret")
	resp, err := http.PostForm(base+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func singleUseCode(t *testing.T, args []string) {
	rs := replicas(t, 3, args...)
	for round := range 5 {
		code := consentCode(t, rs[round%3].base)
		got := parallel(t, rs, 6, func(base string) int {
			st, _ := token(t, base, url.Values{"grant_type": {"authorization_code"}, "code": {code}})
			return st
		})
		if got[200] != 1 || got[400] != 5 {
			t.Fatalf("round %d: the code exchanged on three replicas at once: %v, want one 200", round, got)
		}
	}
}

func rotation(t *testing.T, args []string) {
	rs := replicas(t, 3, args...)
	st, first := token(t, rs[0].base, url.Values{"grant_type": {"authorization_code"}, "code": {consentCode(t, rs[0].base)}})
	if st != 200 {
		t.Fatalf("exchange: %d %v", st, first)
	}
	st, second := token(t, rs[1].base, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first["refresh_token"].(string)}})
	if st != 200 {
		t.Fatalf("refresh on replica 1: %d %v", st, second)
	}
	loc := second["locationId"].(string)
	if st, _, _ := call(t, http.DefaultClient, "GET", rs[2].base+"/contacts/?locationId="+loc, second["access_token"].(string), nil); st != 200 {
		t.Fatalf("the new access token on replica 2: %d", st)
	}
	st, reuse := token(t, rs[2].base, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first["refresh_token"].(string)}})
	if st != 400 || !strings.Contains(fmt.Sprint(reuse["message"]), "already been used") {
		t.Fatalf("the spent refresh token on replica 2: %d %v", st, reuse)
	}
	for i, r := range rs {
		if st, _, _ := call(t, http.DefaultClient, "GET", r.base+"/contacts/?locationId="+loc, second["access_token"].(string), nil); st != 401 {
			t.Errorf("replica %d accepts a token of the revoked grant: %d", i, st)
		}
	}
}

// receiver records deliveries by webhookId.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []map[string]any
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		data, _ := io.ReadAll(req.Body)
		var p map[string]any
		_ = json.Unmarshal(data, &p)
		r.mu.Lock()
		r.got = append(r.got, p)
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) all() []map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]map[string]any(nil), r.got...)
}

func register(t *testing.T, base, recvURL, loc string) {
	t.Helper()
	if st, body, _ := call(t, http.DefaultClient, "POST", base+"/__admin/webhooks", "", map[string]any{"url": recvURL, "locationId": loc}); st != 201 {
		t.Fatalf("register: %d %v", st, body)
	}
}

// checkOnce checks that the receiver got want distinct events (by webhookId), each contact's in
// the order the writes were made, and returns how many deliveries repeated one.
func checkOnce(t *testing.T, recv *receiver, want int, order map[string][]string) int {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d webhook events", want), 40*time.Second, func() bool {
		seen := map[any]bool{}
		for _, p := range recv.all() {
			seen[p["webhookId"]] = true
		}
		return len(seen) >= want
	})
	seen := map[any]bool{}
	dups := 0
	byContact := map[string][]string{}
	for _, p := range recv.all() {
		if seen[p["webhookId"]] {
			dups++
			continue
		}
		seen[p["webhookId"]] = true
		id, _ := p["id"].(string)
		byContact[id] = append(byContact[id], p["type"].(string))
	}
	if len(seen) != want {
		t.Errorf("%d distinct events, want %d", len(seen), want)
	}
	for id, evs := range order {
		if fmt.Sprint(byContact[id]) != fmt.Sprint(evs) {
			t.Errorf("contact %s: events %v, want %v", id, byContact[id], evs)
		}
	}
	return dups
}

func exactlyOnce(t *testing.T, args []string) {
	rs := replicas(t, 3, args...)
	tok, loc := mintToken(t, rs[0].base)
	recv := newReceiver(t)
	register(t, rs[1].base, recv.srv.URL, loc)
	order := map[string][]string{}
	for i := range 12 {
		st, body, _ := call(t, http.DefaultClient, "POST", rs[i%3].base+"/contacts/", tok, map[string]any{"locationId": loc, "firstName": fmt.Sprint("Once", i)})
		if st != 201 {
			t.Fatalf("create: %d %v", st, body)
		}
		id := body["contact"].(map[string]any)["id"].(string)
		if st, _, _ := call(t, http.DefaultClient, "PUT", rs[(i+1)%3].base+"/contacts/"+id, tok, map[string]any{"city": "Onceville"}); st != 200 {
			t.Fatalf("update: %d", st)
		}
		order[id] = []string{"ContactCreate", "ContactUpdate"}
	}
	if dups := checkOnce(t, recv, 24, order); dups != 0 {
		t.Errorf("%d deliveries came twice with no replica down", dups)
	}
	_, regs, _ := call(t, http.DefaultClient, "GET", rs[2].base+"/__admin/webhooks", "", nil)
	t.Logf("registrations: %v", regs)
}

func killReplica(t *testing.T, args []string) {
	rs := replicas(t, 3, append(args, "--rate-off")...)
	tok, loc := mintToken(t, rs[0].base)
	recv := newReceiver(t)
	register(t, rs[0].base, recv.srv.URL, loc)
	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range 3 {
		wg.Go(func() {
			for i := range 40 {
				st, body, err := call(t, client, "POST", rs[(w+i)%3].base+"/contacts/", tok, map[string]any{"locationId": loc, "firstName": fmt.Sprint("K", w, "-", i)})
				if err == nil && st == 201 {
					mu.Lock()
					acked[body["contact"].(map[string]any)["id"].(string)] = true
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(150 * time.Millisecond)
	_ = rs[2].cmd.Process.Signal(syscall.SIGKILL)
	wg.Wait()
	<-rs[2].done
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 40 {
		t.Fatalf("only %d creates acknowledged", len(acked))
	}
	for id := range acked {
		if st, _, _ := call(t, http.DefaultClient, "GET", rs[1].base+"/contacts/"+id, tok, nil); st != 200 {
			t.Fatalf("acknowledged contact %s is gone after the kill: %d", id, st)
		}
	}
	order := map[string][]string{}
	for id := range acked {
		order[id] = []string{"ContactCreate"}
	}
	// Every acknowledged write's event arrives (a write that was not acknowledged may have been
	// made too: its event counts as well).
	waitFor(t, "an event for every acknowledged contact", 40*time.Second, func() bool {
		got := map[string]bool{}
		for _, p := range recv.all() {
			id, _ := p["id"].(string)
			got[id] = true
		}
		for id := range acked {
			if !got[id] {
				return false
			}
		}
		return true
	})
	ids := map[any]string{}
	for _, p := range recv.all() {
		id, _ := p["id"].(string)
		if prev, ok := ids[p["webhookId"]]; ok && prev != id {
			t.Fatalf("webhookId %v names two contacts", p["webhookId"])
		}
		ids[p["webhookId"]] = id
	}
	perContact := map[string]int{}
	for _, id := range ids {
		perContact[id]++
	}
	for id, n := range perContact {
		if n != 1 {
			t.Errorf("contact %s's ContactCreate came under %d webhookIds", id, n)
		}
	}
}

// TestRedisAway: while Redis answers nothing the mock answers 503 in the live error shape (API and
// health alike), and it serves again by itself once Redis is back, with nothing lost.
func TestRedisAway(t *testing.T) {
	srv := redistest.Start(t)
	rs := replicas(t, 1, "--redis", srv.URL())
	tok, loc := mintToken(t, rs[0].base)
	client := &http.Client{Timeout: 30 * time.Second}
	st, body, err := call(t, client, "POST", rs[0].base+"/contacts/", tok, map[string]any{"locationId": loc, "firstName": "Before"})
	if err != nil || st != 201 {
		t.Fatalf("create: %d %v %v", st, body, err)
	}
	id := body["contact"].(map[string]any)["id"].(string)
	srv.Freeze()
	st, body, err = call(t, client, "GET", rs[0].base+"/contacts/"+id, tok, nil)
	if err != nil || st != 503 || body["statusCode"] != float64(503) || body["error"] != "Service Unavailable" {
		srv.Thaw()
		t.Fatalf("with Redis away: %d %v %v, want 503 in the live shape", st, body, err)
	}
	if st, _, _ := call(t, client, "GET", rs[0].base+"/__admin/health", "", nil); st != 503 {
		srv.Thaw()
		t.Fatalf("health with Redis away: %d, want 503", st)
	}
	srv.Thaw()
	waitFor(t, "service again", 30*time.Second, func() bool {
		st, _, _ := call(t, client, "GET", rs[0].base+"/contacts/"+id, tok, nil)
		return st == 200
	})
	if st, _, _ := call(t, client, "GET", rs[0].base+"/__admin/health", "", nil); st != 200 {
		t.Fatalf("health after: %d", st)
	}
}
