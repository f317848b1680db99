package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// checkPprofAddr accepts only a loopback address for --pprof: the profiles expose the process's
// memory (tokens included) and its handlers can be made to spin the CPU, so they are never offered
// to the network.
func checkPprofAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--pprof %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--pprof %q: only a loopback address is allowed (127.0.0.1:PORT, [::1]:PORT or localhost:PORT)", addr)
}

// startPprof serves net/http/pprof on its own listener, apart from the API and the admin API. It
// returns the address it listens on and a function that stops it.
func startPprof(addr string, logger *slog.Logger) (string, func(), error) {
	if err := checkPprofAddr(addr); err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("--pprof: %w", err)
	}
	// Checked again on the resolved address: "localhost" may resolve to anything.
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		_ = ln.Close()
		return "", nil, fmt.Errorf("--pprof %q: resolves to %s, which is not a loopback address", addr, ln.Addr())
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := hs.Serve(ln); err != nil && err != http.ErrServerClosed {
			logger.Warn("pprof listener stopped", "err", err)
		}
	}()
	logger.Info("pprof listening", "addr", ln.Addr().String(), "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}
	return ln.Addr().String(), stop, nil
}
