//go:build browser

package inspector_test

// The inspector's end-to-end tests drive Debian's Chromium, headless, through chromedp (make
// browser-test; make test runs it). One browser serves the whole package; each test opens a tab
// of its own on a mock of its own, served over loopback. Every test fails on a console error of
// the page, and on a request the page sends anywhere but its mock; a failed test leaves a
// screenshot in reports/. Waits poll with generous bounds; latencies are measured and reported
// (reports/inspector-latency.json), never asserted.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
)

var docsDir = flag.String("inspector.docs", "", "write a screenshot of each view to this `DIR` (docs/inspector)")

// browserCtx is the browser every test opens its tabs in.
var browserCtx context.Context

// wait bounds every wait for the page: generous, since the machine may be loaded.
const wait = 30 * time.Second

func TestMain(m *testing.M) {
	flag.Parse()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		var err error
		if path, err = exec.LookPath("chromium"); err != nil {
			fmt.Fprintln(os.Stderr, "inspector browser tests: chromium is not installed: install Debian's chromium package (make browser-test does it with tools/ensure-deb chromium chromium)")
			os.Exit(1)
		}
	}
	dir, err := os.MkdirTemp("", "inspector-chromium-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The flags the brief of this machine asks for: without the background-networking ones,
	// Chromium tries to reach Google's servers, which a closed network refuses.
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(dir), chromedp.WindowSize(1200, 760),
	)
	b, cancelBrowser := chromedp.NewContext(alloc)
	if err := chromedp.Do(b); err != nil {
		fmt.Fprintln(os.Stderr, "inspector browser tests: starting chromium:", err)
		os.Exit(1)
	}
	browserCtx = b
	code := m.Run()
	cancelBrowser()
	cancelAlloc()
	os.RemoveAll(dir)
	os.Exit(code)
}

// mock is a mock under test with its base URL, its first location and a full token of it.
type mock struct {
	t     *testing.T
	srv   *mockserver.Server
	base  string
	loc   string
	loc2  string
	token string
	http  *http.Client
}

func newMock(t *testing.T, mutate ...func(*mockserver.Config)) *mock {
	t.Helper()
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 7, Contacts: 30, Locations: 2})
	if err != nil {
		t.Fatal(err)
	}
	cfg := mockserver.Config{Initial: doc, JournalBodies: true, IDSeed: 3, FaultSeed: 5,
		RateLimits: mockserver.RateLimits{Burst: 100000, Daily: 1000000}}
	for _, f := range mutate {
		f(&cfg)
	}
	srv, err := mockserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.EndStreams()
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
	})
	m := &mock{t: t, srv: srv, base: hs.URL, loc: doc.Locations[0].ID, loc2: doc.Locations[1].ID, http: hs.Client()}
	tok, err := srv.MintToken(m.loc, []string{mockserver.ScopeContactsReadonly, mockserver.ScopeContactsWrite}, 0)
	if err != nil {
		t.Fatal(err)
	}
	m.token = tok.AccessToken
	return m
}

// call sends a request as an external client would and returns the status and body.
func (m *mock) call(method, path, token, body string, hdr ...string) (int, string) {
	m.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, m.base+path, rd)
	if err != nil {
		m.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if !strings.HasPrefix(path, "/__admin") {
		req.Header.Set("Version", "2021-07-28")
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := m.http.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// admin is a GET of the admin API, decoded.
func (m *mock) admin(path string, hdr ...string) map[string]any {
	m.t.Helper()
	status, body := m.call(http.MethodGet, "/__admin"+path, "", "", hdr...)
	if status != http.StatusOK {
		m.t.Fatalf("GET /__admin%s: %d %s", path, status, body)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		m.t.Fatal(err)
	}
	return v
}

// newestSeq is the seq of the newest journal entry.
func (m *mock) newestSeq() int {
	reqs, _ := m.admin("/requests?limit=1")["requests"].([]any)
	if len(reqs) == 0 {
		return 0
	}
	return int(reqs[0].(map[string]any)["seq"].(float64))
}

// page is a tab of the browser on a mock's inspector.
type page struct {
	t   *testing.T
	m   *mock
	ctx context.Context

	mu       sync.Mutex // guards problems and urls
	problems []string   // console errors, exceptions, requests elsewhere
	urls     []string   // every URL the page requested
}

// open opens the inspector of m at a view (its hash) in a new tab.
func open(t *testing.T, m *mock, view string) *page {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browserCtx)
	p := &page{t: t, m: m, ctx: ctx}
	t.Cleanup(func() {
		p.mu.Lock()
		for _, pr := range p.problems {
			t.Errorf("page: %s", pr)
		}
		p.mu.Unlock()
		if t.Failed() {
			p.screenshotTo(filepath.Join(reportsDir(t), "inspector-"+strings.ReplaceAll(t.Name(), "/", "-")+".png"))
		}
		cancel()
	})
	err := chromedp.Listen(ctx, func(ev any) {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				p.problems = append(p.problems, "console."+string(ev.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			p.problems = append(p.problems, "exception: "+text)
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				p.problems = append(p.problems, "browser log: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			u := ev.Request.URL
			p.urls = append(p.urls, u)
			if !strings.HasPrefix(u, m.base+"/") && !strings.HasPrefix(u, "blob:"+m.base+"/") && !strings.HasPrefix(u, "data:") {
				p.problems = append(p.problems, "a request elsewhere than the mock: "+u)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// The page copies to the clipboard (curl, tokens); the test reads it back.
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: "granted", Origin: m.base,
		}); err != nil {
			t.Fatal(err)
		}
	}
	p.do(chromedp.Navigate(m.base + "/__admin/ui/#" + view))
	return p
}

// do runs actions, failing the test on an error.
func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, wait)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatal(err)
	}
}

// eval evaluates an expression (awaiting a promise) and decodes its value.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, wait)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// until waits for an expression to be truthy, polling the page.
func (p *page) until(what, expr string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, wait)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool]("!!("+expr+")", chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		p.t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

// ready waits until the page has loaded what it shows first.
func (p *page) ready() {
	p.t.Helper()
	p.until("the page to be ready", "document.documentElement.dataset.ready === 'true'")
}

func (p *page) text(sel string) string {
	p.t.Helper()
	return eval[string](p, "(document.querySelector("+jsString(sel)+") || {}).textContent || ''")
}

func (p *page) click(sel string) {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// set types a value into a field (replacing what it held).
func (p *page) set(sel, value string) {
	p.t.Helper()
	eval[bool](p, "(() => { const el = document.querySelector("+jsString(sel)+"); el.value = ''; el.focus(); return true; })()")
	p.do(chromedp.SendKeys(chromedp.CSS(sel), value))
}

// choose picks an option of a select as a change of the user would.
func (p *page) choose(sel, value string) {
	p.t.Helper()
	eval[bool](p, "(() => { const s = document.querySelector("+jsString(sel)+"); s.value = "+jsString(value)+
		"; s.dispatchEvent(new Event('change', {bubbles: true})); return s.value === "+jsString(value)+"; })()")
}

func (p *page) screenshotTo(path string) {
	ctx, cancel := context.WithTimeout(p.ctx, wait)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Logf("screenshot: %v", err)
		return
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
		if err := os.WriteFile(path, png, 0o644); err == nil {
			p.t.Logf("screenshot: %s", path)
		}
	}
}

// docShot writes the view's screenshot for docs/ when -inspector.docs is given.
func (p *page) docShot(name string) {
	if *docsDir != "" {
		p.do(chromedp.Evaluate[chromedp.Void]("window.scrollTo(0, 0)"))
		p.screenshotTo(filepath.Join(*docsDir, name+".png"))
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// reportsDir is the repository's reports/ (the module root's).
func reportsDir(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "reports")
		}
		if filepath.Dir(d) == d {
			return filepath.Join(dir, "reports")
		}
	}
}

// latencies collects what the tests measure, for reports/inspector-latency.json.
var latencies = struct {
	sync.Mutex
	m map[string]any
}{m: map[string]any{}}

func report(t *testing.T, key string, v any) {
	latencies.Lock()
	defer latencies.Unlock()
	latencies.m[key] = v
	data, _ := json.MarshalIndent(latencies.m, "", "  ")
	dir := reportsDir(t)
	if err := os.MkdirAll(dir, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "inspector-latency.json"), append(data, '\n'), 0o644)
	}
}
