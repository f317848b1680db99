package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRefusals(t *testing.T) {
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--addr", "0.0.0.0:0"}, 1, "loopback"},
		{[]string{"--addr", "127.0.0.1:0", "--change", "melt:get-contact:x"}, 1, "unknown kind"},
		{[]string{"--addr", "127.0.0.1:0", "--change", "status:nope:201"}, 1, "unknown operation"},
		{[]string{"--addr", "127.0.0.1:0", "--seed", "0"}, 1, "--seed"},
		{[]string{"--bogus"}, 2, "flag provided but not defined"},
	}
	for _, c := range cases {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), c.args, &out, &errOut); code != c.code || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%v: exit %d (%s), want %d saying %q", c.args, code, errOut.String(), c.code, c.want)
		}
	}
}

func TestServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // it starts, prints its banner, and stops at once
	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"--addr", "127.0.0.1:0", "--contacts", "2"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"a live stand-in on http://127.0.0.1:", "location: ", "change: get-contact: /contact/dateAdded renamed to createdAt"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}
}
