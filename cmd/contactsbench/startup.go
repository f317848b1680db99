package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
)

// startupReport measures the real binary: start-up and memory with the default data and with
// o.contacts contacts, then page latency at that size.
func startupReport(ctx context.Context, o *options, stdout, stderr io.Writer) error {
	bin := o.binary
	if bin == "" {
		dir, err := os.MkdirTemp("", "contactsbench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "contactsmock")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/contactsmock/contactsmock/cmd/contactsmock")
		cmd.Stdout, cmd.Stderr = stderr, stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build of contactsmock (run from the module, or pass --binary): %w", err)
		}
	}
	sizes := []int{fixtures.DefaultContacts}
	if o.contacts > 0 && o.contacts != fixtures.DefaultContacts {
		sizes = append(sizes, o.contacts)
	}
	fmt.Fprintf(stdout, "Start-up and memory: %s serve --seed %d --contacts N (exec to first 200 on GET /contacts/{id}; VmRSS from /proc)\n", filepath.Base(bin), o.seed)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "contacts\truns\tstart-up min\tmedian\tmax\tRSS after start\tRSS at rest (after GC)\tpeak RSS\t")
	var large *child
	for _, n := range sizes {
		doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: o.seed, Contacts: n})
		if err != nil {
			return err
		}
		runs := o.startupRuns
		if n > 10000 {
			runs = min(runs, 3)
		}
		var times []time.Duration
		var last *child
		for i := range runs {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c, err := startChild(ctx, bin, o.seed, n, doc.Locations[0].Contacts[0].ID)
			if err != nil {
				return err
			}
			times = append(times, c.startup)
			if i < runs-1 {
				c.stop()
				continue
			}
			last = c
		}
		slices.Sort(times)
		rssStart := last.rss("VmRSS")
		if err := last.gc(); err != nil {
			last.stop()
			return err
		}
		time.Sleep(time.Second)
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", n, runs, ms(times[0]), ms(times[len(times)/2]), ms(times[len(times)-1]),
			mib(rssStart), mib(last.rss("VmRSS")), mib(last.rss("VmHWM")))
		if n == o.contacts && n > fixtures.DefaultContacts && o.pages {
			large = last
			large.doc = doc
		} else {
			last.stop()
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if large != nil {
		defer large.stop()
		return pageLatency(ctx, o, large, stdout)
	}
	return nil
}

func mib(kb int64) string {
	if kb < 0 {
		return "?"
	}
	return strconv.FormatFloat(float64(kb)/1024, 'f', 1, 64) + " MiB"
}

// child is a contactsmock process.
type child struct {
	cmd       *exec.Cmd
	t         target
	loc       string
	pprofAddr string
	startup   time.Duration
	stderr    *bytes.Buffer
	doc       fixtures.Document
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startChild runs the binary and waits for the first 200 on GET /contacts/{contactID}; startup is
// the time from exec to that answer.
func startChild(ctx context.Context, bin string, seed int64, contacts int, contactID string) (*child, error) {
	pprofAddr, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--seed", strconv.FormatInt(seed, 10),
		"--contacts", strconv.Itoa(contacts), "--rate-burst", strconv.Itoa(highLimits.Burst), "--rate-daily", strconv.Itoa(highLimits.Daily),
		"--pprof", pprofAddr, "--log-level", "warn")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, pprofAddr: pprofAddr, stderr: &bytes.Buffer{}}
	cmd.Stderr = c.stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	// The banner's "export BASE=... LOCATION_ID=... TOKEN=..." line names everything a request needs.
	found := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if sent || !strings.HasPrefix(line, "export BASE=") {
				continue
			}
			vars := map[string]string{}
			for _, f := range strings.Fields(strings.TrimPrefix(line, "export ")) {
				k, v, _ := strings.Cut(f, "=")
				vars[k] = v
			}
			addr := strings.TrimPrefix(vars["BASE"], "http://")
			c.t = target{name: "child", addr: addr, headers: authHeaders(vars["TOKEN"])}
			c.loc = vars["LOCATION_ID"]
			sent = true
			found <- nil
		}
		if !sent {
			found <- errors.New("the mock printed no banner")
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case err := <-found:
		if err != nil {
			_ = cmd.Wait()
			return nil, fmt.Errorf("%w; stderr: %s", err, c.stderr)
		}
	case <-time.After(60 * time.Second):
		c.stop()
		return nil, errors.New("the mock did not start within 60 s")
	case <-ctx.Done():
		c.stop()
		return nil, ctx.Err()
	}
	path := "/contacts/" + contactID
	for {
		st, body, err := fetch(c.t, "GET", path, nil)
		if err == nil && st == 200 {
			break
		}
		if err == nil {
			c.stop()
			return nil, fmt.Errorf("GET %s answered %d: %.300s", path, st, body)
		}
		if time.Since(start) > 60*time.Second {
			c.stop()
			return nil, fmt.Errorf("GET %s: %w", path, err)
		}
		time.Sleep(time.Millisecond)
	}
	c.startup = time.Since(start)
	return c, nil
}

// rss reads a memory line (VmRSS, VmHWM) of /proc/<pid>/status, in KiB; -1 when unknown.
func (c *child) rss(field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return -1
			}
			return n
		}
	}
	return -1
}

// gc forces a garbage collection in the child (the heap profile's gc=1 runs runtime.GC).
func (c *child) gc() error {
	st, _, err := fetch(target{addr: c.pprofAddr}, "GET", "/debug/pprof/heap?gc=1", nil)
	if err != nil || st != 200 {
		return fmt.Errorf("forcing a GC through --pprof: %d %v", st, err)
	}
	return nil
}

func (c *child) stop() {
	if c.cmd.Process == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// pageLatency measures list and search pages in the large location: one connection (the service
// time) and o.conns connections (under load).
func pageLatency(ctx context.Context, o *options, c *child, stdout io.Writer) error {
	contacts := c.doc.Locations[0].Contacts
	mid := contacts[len(contacts)/2]
	probe := contacts[0]
	word := strings.ToLower(probe.LastName)
	tag := "vip"
	if len(probe.Tags) > 0 {
		tag = probe.Tags[0]
	}
	loc := c.loc
	get := func(path string) gen {
		return func(uint64, *[]byte) (string, string, []byte) { return "GET", path, nil }
	}
	post := func(path, body string) gen {
		b := []byte(body)
		return func(uint64, *[]byte) (string, string, []byte) { return "POST", path, b }
	}
	cases := []struct {
		name string
		g    gen
	}{
		{"list first page", get("/contacts/?locationId=" + loc + "&limit=20")},
		{"list mid cursor", get(fmt.Sprintf("/contacts/?locationId=%s&limit=20&startAfter=%d&startAfterId=%s", loc, int64(mid.DateAdded), mid.ID))},
		{"list query", get("/contacts/?locationId=" + loc + "&limit=20&query=" + url.QueryEscape(word))},
		{"search first page", post("/contacts/search", `{"locationId":"`+loc+`","pageLimit":20}`)},
		{"search page 50", post("/contacts/search", `{"locationId":"`+loc+`","pageLimit":20,"page":50}`)},
		{"search query", post("/contacts/search", `{"locationId":"`+loc+`","pageLimit":20,"query":"`+word+`"}`)},
		{"search filter tag", post("/contacts/search", `{"locationId":"`+loc+`","pageLimit":20,"filters":[{"field":"tags","operator":"eq","value":"`+tag+`"}]}`)},
		{"search sort firstName", post("/contacts/search", `{"locationId":"`+loc+`","pageLimit":20,"sort":[{"field":"firstName","direction":"asc"}]}`)},
	}
	fmt.Fprintf(stdout, "Pages with %d contacts in one location (the real binary; %s per run)\n", len(contacts), o.pageDuration)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "request\t1 conn req/s\tp50\tp99\t%d conns req/s\tp50\tp99\terrors\t\n", o.conns)
	for _, tc := range cases {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		method, path, reqBody := tc.g(0, new([]byte))
		st, body, err := fetch(c.t, method, path, reqBody)
		if err != nil || st != 200 {
			return fmt.Errorf("%s: %d %v %.300s", tc.name, st, err, body)
		}
		one, err := drive(c.t, tc.g, status(200), 1, o.warmup, o.pageDuration)
		if err != nil {
			return err
		}
		many, err := drive(c.t, tc.g, status(200), o.conns, o.warmup, o.pageDuration)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%s\t%s\t%.0f\t%s\t%s\t%d\t\n", tc.name, one.rps(), ms(one.percentile(50)), ms(one.percentile(99)),
			many.rps(), ms(many.percentile(50)), ms(many.percentile(99)), one.errors+many.errors)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "RSS after the page runs: %s\n\n", mib(c.rss("VmRSS")))
	return nil
}
