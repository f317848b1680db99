package redis_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/redis"
	"github.com/contactsmock/contactsmock/mockserver/redis/redistest"
)

// BenchmarkReplicas: get, list 20 and create through one replica and through two (requests
// alternate) on one redis-server, over real HTTP on loopback (make bench prints them beside the
// memory backend's figures).
func BenchmarkReplicas(b *testing.B) {
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("replicas=%d", n), func(b *testing.B) {
			prefix := fmt.Sprintf("bench-%d-%d", n, prefixes.Add(1))
			doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 3, Contacts: 200, Locations: 1})
			if err != nil {
				b.Fatal(err)
			}
			var bases []string
			var loc, tok, id string
			for i := range n {
				be, err := redis.Open(redis.Options{URL: redistest.Shared(b).URL(), Prefix: prefix})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(be.Close)
				srv := mockOnB(b, be, doc)
				hs := httptest.NewServer(srv)
				b.Cleanup(hs.Close)
				bases = append(bases, hs.URL)
				if i == 0 {
					loc = doc.Locations[0].ID
					id = doc.Locations[0].Contacts[0].ID
					tk, err := srv.MintToken(loc, []string{"contacts.readonly", "contacts.write"}, 0)
					if err != nil {
						b.Fatal(err)
					}
					tok = tk.AccessToken
					b.Cleanup(func() { _ = be.Drop(b.Context()) })
				}
			}
			// Lift the limits: the benchmark measures the pipeline, not 429s.
			req, _ := http.NewRequest("PUT", bases[0]+"/__admin/ratelimit", bytes.NewBufferString(`{"off":true}`))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("lifting the limits: %d", resp.StatusCode)
			}
			var next atomic.Uint64
			run := func(b *testing.B, method string, path func() string, body func() []byte, want int) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						base := bases[next.Add(1)%uint64(len(bases))]
						var rd io.Reader
						if body != nil {
							rd = bytes.NewReader(body())
						}
						req, _ := http.NewRequest(method, base+path(), rd)
						req.Header.Set("Authorization", "Bearer "+tok)
						req.Header.Set("Version", "2021-07-28")
						req.Header.Set("Content-Type", "application/json")
						resp, err := http.DefaultClient.Do(req)
						if err != nil {
							b.Fatal(err)
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if resp.StatusCode != want {
							b.Fatalf("%s: %d", method, resp.StatusCode)
						}
					}
				})
			}
			b.Run("get", func(b *testing.B) { run(b, "GET", func() string { return "/contacts/" + id }, nil, 200) })
			b.Run("list20", func(b *testing.B) {
				run(b, "GET", func() string { return "/contacts/?locationId=" + loc + "&limit=20" }, nil, 200)
			})
			var k atomic.Int64
			b.Run("create", func(b *testing.B) {
				run(b, "POST", func() string { return "/contacts/" }, func() []byte {
					return fmt.Appendf(nil, `{"locationId":%q,"firstName":"Bench","email":"bench%d@example.com"}`, loc, k.Add(1))
				}, 201)
			})
		})
	}
}
