package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The load generator speaks HTTP/1.1 itself over raw keep-alive connections: a request is appended
// into a reused buffer and written in one call, and a response is parsed just enough to find its
// status and skip its body. net/http's client costs several times what it measures here (two
// goroutines per connection, a header map per response), and on two cores the generator's cost is
// taken from the server it drives, so a heavy client would flatten the difference between the mock
// and the baseline.

// target is one server the generator drives.
type target struct {
	name string
	addr string // host:port
	// headers are sent with every request (Authorization, Version), each line ending in CRLF.
	headers string
}

// gen returns the n-th request's method, path and body (nil for none) for one worker. scratch is
// the worker's own buffer for a body it builds (see buildIn).
type gen func(n uint64, scratch *[]byte) (method, path string, body []byte)

// buildIn builds a body in the worker's scratch buffer, keeping the buffer for the next request.
func buildIn(scratch *[]byte, build func([]byte) []byte) []byte {
	*scratch = build((*scratch)[:0])
	return *scratch
}

// result is what one run of a workload against one target measured.
type result struct {
	requests  int64
	elapsed   time.Duration
	statuses  map[int]int64
	errors    int64 // transport errors and unexpected statuses
	latencies []time.Duration
	firstErr  string
}

func (r *result) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// percentile returns the p-th percentile (0..100) of the sorted latencies.
func (r *result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.latencies)-1) * p / 100)
	return r.latencies[i]
}

// drive runs conns workers against t for warmup (not measured) and then for dur, each on its own
// keep-alive connection, and returns what the measured part saw. expect says which statuses count
// as success.
func drive(t target, g gen, expect func(int) bool, conns int, warmup, dur time.Duration) (*result, error) {
	clients := make([]*client, conns)
	for i := range clients {
		c, err := dial(t)
		if err != nil {
			for _, c := range clients[:i] {
				c.close()
			}
			return nil, err
		}
		clients[i] = c
	}
	defer func() {
		for _, c := range clients {
			c.close()
		}
	}()
	var (
		measuring atomic.Bool
		stop      atomic.Bool
		wg        sync.WaitGroup
	)
	type workerOut struct {
		n, errs   int64
		statuses  map[int]int64
		latencies []time.Duration
		firstErr  string
	}
	outs := make([]workerOut, conns)
	var seq atomic.Uint64
	for i, c := range clients {
		wg.Add(1)
		go func(i int, c *client) {
			defer wg.Done()
			o := &outs[i]
			o.statuses = map[int]int64{}
			o.latencies = make([]time.Duration, 0, 1<<14)
			var scratch, req []byte
			for !stop.Load() {
				n := seq.Add(1)
				method, path, body := g(n, &scratch)
				req = c.appendRequest(req[:0], method, path, body)
				t0 := time.Now()
				status, err := c.roundTrip(req)
				lat := time.Since(t0)
				if err != nil {
					// Reconnect and go on: a refused or reset connection is an error, not the end.
					if measuring.Load() {
						o.errs++
						if o.firstErr == "" {
							o.firstErr = err.Error()
						}
					}
					c.close()
					if nc, derr := dial(t); derr == nil {
						*c = *nc
					} else {
						time.Sleep(time.Millisecond)
					}
					continue
				}
				if !measuring.Load() {
					continue
				}
				o.n++
				o.statuses[status]++
				if !expect(status) {
					o.errs++
					if o.firstErr == "" {
						o.firstErr = "unexpected status " + strconv.Itoa(status) + " for " + method + " " + path
					}
				}
				o.latencies = append(o.latencies, lat)
			}
		}(i, c)
	}
	time.Sleep(warmup)
	measuring.Store(true)
	start := time.Now()
	time.Sleep(dur)
	measuring.Store(false)
	elapsed := time.Since(start)
	stop.Store(true)
	wg.Wait()
	res := &result{elapsed: elapsed, statuses: map[int]int64{}}
	for _, o := range outs {
		res.requests += o.n
		res.errors += o.errs
		for k, v := range o.statuses {
			res.statuses[k] += v
		}
		res.latencies = append(res.latencies, o.latencies...)
		if res.firstErr == "" {
			res.firstErr = o.firstErr
		}
	}
	slices.Sort(res.latencies)
	return res, nil
}

// client is one keep-alive HTTP/1.1 connection.
type client struct {
	t    target
	conn net.Conn
	br   *bufio.Reader
}

func dial(t target) (*client, error) {
	conn, err := net.Dial("tcp", t.addr)
	if err != nil {
		return nil, err
	}
	return &client{t: t, conn: conn, br: bufio.NewReaderSize(conn, 32<<10)}, nil
}

func (c *client) close() {
	if c.conn != nil {
		_ = c.conn.Close()
	}
}

// appendRequest appends a whole request to dst.
func (c *client) appendRequest(dst []byte, method, path string, body []byte) []byte {
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, path...)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, c.t.addr...)
	dst = append(dst, "\r\n"...)
	dst = append(dst, c.t.headers...)
	if body != nil {
		dst = append(dst, "Content-Type: application/json\r\nContent-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(body)), 10)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	return append(dst, body...)
}

var errMalformed = errors.New("malformed response")

// roundTrip writes a request and reads its response, skipping the body. It returns the status.
func (c *client) roundTrip(req []byte) (int, error) {
	if _, err := c.conn.Write(req); err != nil {
		return 0, err
	}
	return readResponse(c.br, nil)
}

// readResponse reads one response from br, appends its body to body (nil skips it), and returns its
// status. It understands Content-Length and chunked bodies, which is all net/http sends.
func readResponse(br *bufio.Reader, body *bytes.Buffer) (int, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	length, chunked := -1, false
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(line) <= 2 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, fmt.Errorf("%w: header %q", errMalformed, line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return 0, fmt.Errorf("%w: Content-Length %q", errMalformed, value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		}
	}
	switch {
	case status == 204 || status == 304 || status < 200:
		return status, nil
	case chunked:
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return 0, err
			}
			hex, _, _ := bytes.Cut(bytes.TrimSpace(line), []byte(";"))
			n, err := strconv.ParseInt(string(hex), 16, 64)
			if err != nil {
				return 0, fmt.Errorf("%w: chunk size %q", errMalformed, line)
			}
			if n == 0 {
				for { // trailers, then the final CRLF
					line, err := br.ReadSlice('\n')
					if err != nil {
						return 0, err
					}
					if len(line) <= 2 {
						return status, nil
					}
				}
			}
			if err := readBody(br, body, n); err != nil {
				return 0, err
			}
			if _, err := br.Discard(2); err != nil {
				return 0, err
			}
		}
	case length >= 0:
		if err := readBody(br, body, int64(length)); err != nil {
			return 0, err
		}
		return status, nil
	}
	return 0, fmt.Errorf("%w: a body without a length (the server would close the connection)", errMalformed)
}

// readBody reads n bytes of body into body, or skips them when body is nil.
func readBody(br *bufio.Reader, body *bytes.Buffer, n int64) error {
	if body == nil {
		_, err := br.Discard(int(n))
		return err
	}
	_, err := io.CopyN(body, br, n)
	return err
}

// fetch sends one request on a fresh connection and returns the status and the body.
func fetch(t target, method, path string, body []byte) (int, []byte, error) {
	c, err := dial(t)
	if err != nil {
		return 0, nil, err
	}
	defer c.close()
	if _, err := c.conn.Write(c.appendRequest(nil, method, path, body)); err != nil {
		return 0, nil, err
	}
	var out bytes.Buffer
	status, err := readResponse(c.br, &out)
	return status, out.Bytes(), err
}
