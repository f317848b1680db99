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
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"sync/atomic"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "`host:port` to listen on")
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
	log.Printf("roundrobin: %s -> %v", *listen, flag.Args())
	log.Fatal(http.ListenAndServe(*listen, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		backends[(next.Add(1)-1)%uint64(len(backends))].ServeHTTP(w, r)
	})))
}
