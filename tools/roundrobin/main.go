// Command roundrobin is the smallest load balancer there is, for trying several replicas of the
// mock on one machine: it listens on --listen and sends each request to the next of the URLs it
// is given, in turn (docs/replicas.md). Not for production: use any real load balancer there.
//
//	go run ./tools/roundrobin --listen 127.0.0.1:8080 http://127.0.0.1:8081 http://127.0.0.1:8082
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sync/atomic"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "`host:port` to listen on (port 0 picks a free port)")
	ready := flag.String("ready-file", "", "write the proxy's base URL to this `FILE` once it listens")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: roundrobin [--listen host:port] URL...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	var backends []*httputil.ReverseProxy
	for _, raw := range flag.Args() {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			log.Fatalf("roundrobin: %q is not a URL", raw)
		}
		p := httputil.NewSingleHostReverseProxy(u)
		// A replica that is down answers 502, as a load balancer without health checks would.
		p.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "roundrobin: "+u.Host+": "+err.Error(), http.StatusBadGateway)
		}
		backends = append(backends, p)
	}
	var next atomic.Uint64
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("roundrobin: %s -> %v", ln.Addr(), flag.Args())
	if *ready != "" {
		if err := os.WriteFile(*ready, []byte("http://"+ln.Addr().String()+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	log.Fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		backends[(next.Add(1)-1)%uint64(len(backends))].ServeHTTP(w, r)
	})))
}
