package main

import (
	"io"
	"log/slog"
	"testing"
	"time"
)

// TestServeFlagsReachTheConfig: the rate-limit, fault-seed and journal flags are parsed into the
// mock's configuration (they were parsed and then dropped).
func TestServeFlagsReachTheConfig(t *testing.T) {
	f, err := parseServe([]string{"--rate-burst", "7", "--rate-window", "3s", "--rate-daily", "70", "--fault-seed", "99",
		"--journal-size", "-1", "--journal-bodies", "--contacts", "1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.config(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RateLimits.Burst != 7 || cfg.RateLimits.Window != 3*time.Second || cfg.RateLimits.Daily != 70 ||
		cfg.FaultSeed != 99 || cfg.JournalSize != -1 || !cfg.JournalBodies {
		t.Errorf("config %+v, %d, %d, %v: the flags did not reach it", cfg.RateLimits, cfg.FaultSeed, cfg.JournalSize, cfg.JournalBodies)
	}
}
