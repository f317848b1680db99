package webhooks

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false}, {"5", 5 * time.Second, true}, {" 0 ", 0, true}, {"-3", 0, false}, {"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"99999999999999999999", 0, false},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	backoffs := func(r Retry) string {
		var got []time.Duration
		for a := 1; a <= 8; a++ {
			got = append(got, r.backoff(a))
		}
		return fmt.Sprint(got)
	}
	if got := backoffs(FastRetry); got != "[1s 2s 4s 8s 16s 30s 30s 30s]" {
		t.Errorf("fast backoff %v", got)
	}
	if got := backoffs(DefaultRetry); got != "[10m0s 10m0s 10m0s 10m0s 10m0s 10m0s 10m0s 10m0s]" || DefaultRetry != LiveRetry {
		t.Errorf("the default is not the live fixed interval: %v", got)
	}
	if p := (Retry{MaxAttempts: 2}).withDefaults(); p.RetryOn5xx || p.RetryAfter || p.BaseDelay != 10*time.Minute || p.MaxDelay != 10*time.Minute {
		t.Errorf("partial policy %+v", p)
	}
}
