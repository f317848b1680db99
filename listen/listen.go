package listen

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/contactsmock/contactsmock/contract/adminclient"
	"github.com/contactsmock/contactsmock/contract/webhooksig"
)

// Options configure a Listener. Admin and Out are required.
type Options struct {
	// Admin reaches the mock's admin API; its BaseURL is the mock's base URL.
	Admin *adminclient.Client
	// Addr is where the receiver listens; empty means 127.0.0.1:0, a free loopback port. The
	// registration names this address, so the mock must be able to reach it.
	Addr string
	// Events narrows the registration to these events (nil: every event), LocationID to one
	// location's events (empty: every location's).
	Events     []string
	LocationID string
	// ForwardTo, when set, receives every delivery as it came: the same method, body bytes and
	// headers (the hop-by-hop ones excepted, as HTTP requires).
	ForwardTo string
	// Answer, when not 0, is the status every delivery is answered with (429 makes the mock
	// schedule a retry); otherwise the mock gets the forward target's status (and its
	// Retry-After), 502 when the target does not answer, or 200 without a target.
	Answer int
	// JSON writes each payload, as received, on a line of Out instead of a description; notes
	// about the delivery (a bad signature, a failed forward) then go to Notes.
	JSON bool
	// Out receives one line per delivery; Notes the rest (nil: discarded).
	Out, Notes io.Writer
	// HTTP forwards the deliveries; nil means a client with a 10 s timeout that does not follow
	// redirects (a receiver's redirect is its answer, as it is to the mock).
	HTTP *http.Client
}

// Listener receives the deliveries of one registration. It is safe for concurrent use.
type Listener struct {
	o   Options
	pub ed25519.PublicKey
	reg adminclient.Webhook
	url string
	srv *http.Server
	// served carries http.Server.Serve's error once it returns.
	served chan error

	mu sync.Mutex // guards seen and the order of the lines written
	// seen is the last payload of each resource ("Contact/<id>", ...), to tell what changed.
	seen map[string]map[string]rawValue
}

// seenMax bounds the resources remembered; past it the memory starts again (the next event of a
// forgotten resource is described as first seen).
const seenMax = 10000

// Start fetches the mock's public key, listens, and registers the receiver with the mock. The
// receiver serves until Close.
func Start(ctx context.Context, o Options) (*Listener, error) {
	if o.Admin == nil || o.Out == nil {
		return nil, errors.New("listen: Options.Admin and Options.Out are required")
	}
	if o.Answer != 0 && (o.Answer < 200 || o.Answer > 599) {
		return nil, fmt.Errorf("listen: answer %d is not an HTTP status from 200 to 599", o.Answer)
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Notes == nil {
		o.Notes = io.Discard
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}}
	}
	pemText, err := o.Admin.WebhookPublicKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("listen: the mock's public key: %w", err)
	}
	pub, err := webhooksig.ParsePublicKey(pemText)
	if err != nil {
		return nil, fmt.Errorf("listen: the mock's public key: %w", err)
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	l := &Listener{o: o, pub: pub, url: "http://" + ln.Addr().String() + "/", served: make(chan error, 1),
		seen: map[string]map[string]rawValue{}}
	l.reg, err = o.Admin.RegisterWebhook(ctx, adminclient.Webhook{URL: l.url, Events: o.Events, LocationID: o.LocationID})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("listen: registering %s with the mock: %w", l.url, err)
	}
	l.srv = &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second}
	go func() { l.served <- l.srv.Serve(ln) }()
	return l, nil
}

// URL is the receiver's address, as registered with the mock.
func (l *Listener) URL() string { return l.url }

// Registration is the mock's registration of the receiver.
func (l *Listener) Registration() adminclient.Webhook { return l.reg }

// Close unregisters the receiver (the mock drops what it still had queued for it) and stops
// serving once the deliveries in progress are answered, or ctx ends.
func (l *Listener) Close(ctx context.Context) error {
	unreg := l.o.Admin.DeleteWebhook(ctx, l.reg.ID)
	if unreg != nil {
		unreg = fmt.Errorf("listen: unregistering %s: %w", l.reg.ID, unreg)
	}
	shut := l.srv.Shutdown(ctx)
	if err := <-l.served; !errors.Is(err, http.ErrServerClosed) && shut == nil {
		shut = err
	}
	return errors.Join(unreg, shut)
}

// ServeHTTP receives one delivery: verify, forward or answer, describe.
func (l *Listener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "the mock's webhooks are POSTs", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, webhooksig.MaxBodySize+1))
	if err != nil {
		http.Error(w, "the body could not be read", http.StatusBadRequest)
		return
	}
	if len(body) > webhooksig.MaxBodySize {
		http.Error(w, "the body is larger than a webhook's", http.StatusRequestEntityTooLarge)
		return
	}
	sigErr := webhooksig.Verify(l.pub, body, r.Header.Get(webhooksig.SignatureHeader))
	out := l.forward(r, body)
	status := out.status
	switch {
	case l.o.Answer != 0:
		status = l.o.Answer
	case out.err != nil:
		status = http.StatusBadGateway
	case l.o.ForwardTo == "":
		status = http.StatusOK
	default:
		if ra := out.retryAfter; ra != "" {
			w.Header().Set("Retry-After", ra)
		}
	}
	w.WriteHeader(status)
	l.report(r, body, sigErr, out, status)
}

// forwarded is the forward target's answer to a delivery.
type forwarded struct {
	status     int
	retryAfter string
	err        error
}

// hopByHop are the headers that belong to one connection, never forwarded (RFC 9110, 7.6.1).
var hopByHop = map[string]bool{"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true}

// forward sends the delivery to ForwardTo as it came: the body's bytes (the signature covers
// them) and the headers, x-ghl-signature and the mock's delivery headers included.
func (l *Listener) forward(r *http.Request, body []byte) forwarded {
	if l.o.ForwardTo == "" {
		return forwarded{}
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, l.o.ForwardTo, bytes.NewReader(body))
	if err != nil {
		return forwarded{err: err}
	}
	for k, v := range r.Header {
		if !hopByHop[k] && k != "Content-Length" && k != "Host" {
			req.Header[k] = v
		}
	}
	resp, err := l.o.HTTP.Do(req)
	if err != nil {
		return forwarded{err: err}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return forwarded{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After")}
}

// report writes the delivery's line: its description, or its payload in JSON mode (notes then go
// to Notes).
func (l *Listener) report(r *http.Request, body []byte, sigErr error, out forwarded, status int) {
	attempt, _ := strconv.Atoi(r.Header.Get("X-Contactsmock-Attempt"))
	var note []string
	if sigErr == nil {
		note = append(note, "signature ok")
	} else {
		note = append(note, "signature INVALID ("+strings.TrimPrefix(sigErr.Error(), "webhooksig: ")+")")
	}
	if attempt > 0 {
		note = append(note, "attempt "+strconv.Itoa(attempt))
	}
	switch {
	case l.o.ForwardTo != "" && out.err != nil:
		note = append(note, "forward failed: "+out.err.Error())
	case l.o.ForwardTo != "":
		note = append(note, "forwarded: "+strconv.Itoa(out.status))
	}
	note = append(note, "answered "+strconv.Itoa(status))
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.o.JSON {
		fmt.Fprintf(l.o.Out, "%s\n", bytes.TrimSpace(body))
		if sigErr != nil || out.err != nil || attempt > 1 || l.o.Answer != 0 {
			fmt.Fprintf(l.o.Notes, "%s: %s\n", eventType(body), strings.Join(note, ", "))
		}
		return
	}
	fmt.Fprintf(l.o.Out, "%s  [%s]\n", l.describe(body), strings.Join(note, ", "))
}
