package main

import (
	"bufio"
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestReadResponse: the generator's parser reads what net/http writes, with a length and chunked,
// several responses in a row on one keep-alive connection.
func TestReadResponse(t *testing.T) {
	small := `{"ok":true}`
	large := strings.Repeat("x", 10000) // past net/http's buffer: sent chunked
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/small":
			_, _ = w.Write([]byte(small))
		case "/large":
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(large))
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	c, err := dial(target{addr: strings.TrimPrefix(srv.URL, "http://"), headers: "X-Test: 1\r\n"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	for i, tc := range []struct {
		method, path string
		body         []byte
		status       int
		want         string
	}{
		{"GET", "/small", nil, 200, small},
		{"POST", "/large", []byte(`{"a":1}`), 201, large},
		{"GET", "/empty", nil, 204, ""},
		{"GET", "/small", nil, 200, small},
		{"GET", "/large", nil, 201, large},
	} {
		if _, err := c.conn.Write(c.appendRequest(nil, tc.method, tc.path, tc.body)); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		status, err := readResponse(c.br, &got)
		if err != nil || status != tc.status || got.String() != tc.want {
			t.Fatalf("response %d: %d %v, %d bytes; want %d, %d bytes", i, status, err, got.Len(), tc.status, len(tc.want))
		}
	}
	// Skipping bodies leaves the connection in step too.
	for range 3 {
		if _, err := c.conn.Write(c.appendRequest(nil, "GET", "/large", nil)); err != nil {
			t.Fatal(err)
		}
		if status, err := readResponse(c.br, nil); err != nil || status != 201 {
			t.Fatalf("skipping: %d %v", status, err)
		}
	}
}

func TestReadResponseMalformed(t *testing.T) {
	for _, raw := range []string{"garbage\r\n\r\n", "HTTP/1.1 200 OK\r\nno-colon\r\n\r\n", "HTTP/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"} {
		if _, err := readResponse(bufio.NewReader(strings.NewReader(raw)), nil); err == nil {
			t.Errorf("%q: no error", raw)
		}
	}
}
