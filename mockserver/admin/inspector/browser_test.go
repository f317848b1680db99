//go:build browser

package inspector_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/contactsmock/contactsmock/mockserver"
)

// TestRequestsView: a page over 1,000 journal entries loads (its time reported); requests an
// external client makes appear without a reload (their delay reported); the filters narrow the
// list; one request opened shows what the journal kept, tokens redacted; its curl, copied,
// repeats it against the mock.
func TestRequestsView(t *testing.T) {
	m := newMock(t)
	// 1,000 entries: mostly reads, some refusals of each kind.
	for i := range 1000 {
		switch {
		case i%100 == 1:
			m.call(http.MethodGet, "/contacts/?locationId="+m.loc, "not-a-token", "")
		case i%100 == 2:
			m.call(http.MethodPost, "/contacts/", m.token, `{"locationId":"`+m.loc+`","firstName":"Bo","bogus":1}`)
		default:
			m.call(http.MethodGet, "/contacts/?locationId="+m.loc+"&limit=1", m.token, "")
		}
	}
	p := open(t, m, "requests")
	var loads, alls []float64
	for i := range 3 {
		if i > 0 {
			p.do(chromedp.Reload())
		}
		p.ready()
		p.until("1,000 rows", "document.querySelectorAll('#req-rows tr').length === 1000")
		// From the navigation's start to the journal on screen, as the browser measures it.
		ms := eval[float64](p, "performance.getEntriesByName('inspector-ready')[0].startTime")
		loads = append(loads, ms)
		// The rows below the first screenfuls come in the next frames: when the last one is in.
		alls = append(alls, eval[float64](p, "performance.getEntriesByName('inspector-all-rows')[0].startTime"))
		if os.Getenv("INSPECTOR_TIMING") != "" {
			t.Log(eval[string](p, `JSON.stringify({nav: performance.getEntriesByType('navigation').map((e) => [e.responseEnd, e.domContentLoadedEventEnd]),
				res: performance.getEntriesByType('resource').map((e) => [e.name.replace(location.origin, ''), Math.round(e.startTime), Math.round(e.responseStart), Math.round(e.responseEnd), e.encodedBodySize]),
				marks: performance.getEntriesByType('mark').map((e) => [e.name, e.startTime])})`))
		}
	}
	slices.Sort(loads)
	slices.Sort(alls)
	t.Logf("page load with 1,000 journal entries: %.0f ms median of %.0f (all 1,000 rows in: %.0f ms median of %.0f)", loads[1], loads, alls[1], alls)
	report(t, "pageLoadMs1000Entries", map[string]any{"median": loads[1], "runs": loads, "allRowsMedian": alls[1], "allRowsRuns": alls})

	// Live: each row is stamped when the page adds it.
	eval[bool](p, `(() => { window.__seen = {}; new MutationObserver((recs) => { const now = Date.now();
		for (const r of recs) for (const n of r.addedNodes) if (n.dataset && n.dataset.key && !window.__seen[n.dataset.key]) window.__seen[n.dataset.key] = now; })
		.observe(document.getElementById('req-rows'), {childList: true}); return true; })()`)
	var delays []float64
	for range 10 {
		start := time.Now()
		m.call(http.MethodGet, "/contacts/?locationId="+m.loc+"&limit=2", m.token, "")
		seq := strconv.Itoa(m.newestSeq())
		p.until("request "+seq+" on the page", "window.__seen['"+seq+"']")
		seen := eval[float64](p, "window.__seen['"+seq+"']")
		delays = append(delays, seen-float64(start.UnixMilli()))
	}
	slices.Sort(delays)
	t.Logf("request to page: median %.0f ms, max %.0f ms over %d requests", delays[len(delays)/2], delays[len(delays)-1], len(delays))
	report(t, "requestToPageMs", map[string]any{"median": delays[len(delays)/2], "max": delays[len(delays)-1], "samples": delays})
	if n := eval[int](p, "document.querySelectorAll('#req-rows tr').length"); n != 1000 {
		t.Errorf("%d rows: the page keeps the newest 1,000", n)
	}

	// A create with its bodies, a refused one, a faulted one.
	status, body := m.call(http.MethodPost, "/contacts/", m.token, `{"locationId":"`+m.loc+`","firstName":"Grace","lastName":"Hopper","tags":["Navy"]}`)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	createSeq := strconv.Itoa(m.newestSeq())
	m.call(http.MethodPost, "/__admin/faults", "", `{"id":"slow-get","operationId":"get-contacts","latencyMs":1,"count":1}`)
	m.call(http.MethodGet, "/contacts/?locationId="+m.loc, m.token, "")
	faultSeq := strconv.Itoa(m.newestSeq())
	p.until("the create on the page", "document.querySelector('#req-rows tr[data-key=\""+faultSeq+"\"]')")

	p.click(`#req-rows tr[data-key="` + faultSeq + `"]`)
	p.until("the fault shown", "document.getElementById('req-detail').textContent.includes('slow-get fired')")
	p.click(`#req-rows tr[data-key="` + createSeq + `"]`)
	p.until("the create opened", "document.getElementById('req-detail-title').textContent === 'POST /contacts/'")
	headers := p.text("#req-headers")
	if !strings.Contains(headers, "Authorization: Bearer [redacted]") || strings.Contains(headers, m.token) || !strings.Contains(headers, "Version: 2021-07-28") {
		t.Errorf("headers shown: %s", headers)
	}
	if rb := p.text("#req-body"); !strings.Contains(rb, `"firstName": "Grace"`) {
		t.Errorf("request body shown: %s", rb)
	}
	if rb := p.text("#resp-body"); !strings.Contains(rb, `"lastName": "Hopper"`) || !strings.Contains(rb, `"navy"`) {
		t.Errorf("response body shown: %s", rb)
	}
	if d := p.text("#req-detail"); !strings.Contains(d, "left in the window") || !strings.Contains(d, "create-contact") {
		t.Errorf("detail: %s", d)
	}
	p.docShot("requests")

	// Copy its curl and run it: the mock gets the same create again.
	p.click("#curl-copy")
	p.until("the copy confirmed", "document.getElementById('toast').textContent === 'curl command copied'")
	curl := eval[string](p, "navigator.clipboard.readText()")
	if curl != p.text("#req-curl") || !strings.Contains(curl, `-H "Authorization: Bearer $TOKEN"`) || strings.Contains(curl, m.token) {
		t.Fatalf("the clipboard holds %q", curl)
	}
	before := m.newestSeq()
	cmd := exec.Command("bash", "-c", curl+" -s -o /dev/null -w '%{http_code}'")
	cmd.Env = append(os.Environ(), "TOKEN="+m.token)
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "201" {
		t.Fatalf("the copied curl: %v %s\n%s", err, out, curl)
	}
	last := m.admin("/requests?limit=1")["requests"].([]any)[0].(map[string]any)
	if int(last["seq"].(float64)) != before+1 || last["operationId"] != "create-contact" || !strings.Contains(fmt.Sprint(last["requestBody"]), "Grace") {
		t.Fatalf("what the curl sent: %v", last)
	}

	// Filters: 4xx only, then a text.
	p.choose("#f-status", "4")
	statuses := eval[[]string](p, "[...document.querySelectorAll('#req-rows tr td:nth-child(6)')].map((td) => td.textContent)")
	if len(statuses) < 10 {
		t.Fatalf("%d rows of 4xx", len(statuses))
	}
	for _, s := range statuses {
		if !strings.HasPrefix(s, "4") {
			t.Fatalf("a %s among the 4xx", s)
		}
	}
	p.set("#f-text", "bogus")
	p.until("the text filter", "[...document.querySelectorAll('#req-rows tr td:nth-child(6)')].every((td) => td.textContent === '422')")
	p.click(`#req-rows tr`)
	p.until("the validation errors", "document.querySelector('#req-message li') && document.querySelector('#req-message li').textContent === 'property bogus should not exist'")
}

// TestWebhooksView: deliveries appear with their event, receiver status and signature; Re-send
// sends the same bytes and signature again; the public key shown is the mock's.
func TestWebhooksView(t *testing.T) {
	var mu sync.Mutex
	var bodies, sigs []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(data))
		sigs = append(sigs, r.Header.Get("x-ghl-signature"))
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer recv.Close()
	received := func() int { mu.Lock(); defer mu.Unlock(); return len(bodies) }
	m := newMock(t)
	if s, b := m.call(http.MethodPost, "/__admin/webhooks", "", `{"url":"`+recv.URL+`/hooks","events":["ContactCreate"]}`); s != http.StatusCreated {
		t.Fatalf("register: %d %s", s, b)
	}
	m.call(http.MethodPost, "/contacts/", m.token, `{"locationId":"`+m.loc+`","firstName":"Webb"}`)
	p := open(t, m, "webhooks")
	p.ready()
	p.until("the delivery", "document.querySelector('#delivery-rows tr td:nth-child(6)') && document.querySelector('#delivery-rows tr td:nth-child(6)').textContent === '200'")
	if row := p.text("#delivery-rows tr"); !strings.Contains(row, "ContactCreate") || !strings.Contains(row, "delivered") {
		t.Errorf("delivery row: %s", row)
	}
	pem := m.admin("/webhooks/public-key", "Accept", "application/json")["pem"].(string)
	if got := p.text("#pubkey"); got != strings.TrimSpace(pem) {
		t.Errorf("public key shown %q, the mock's %q", got, pem)
	}
	p.click("#delivery-rows button.resend")
	p.until("the re-sent delivery", "document.querySelectorAll('#delivery-rows tr').length === 2 && document.getElementById('delivery-rows').textContent.includes('(re-sent)')")
	deadline := time.Now().Add(wait)
	for received() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	if len(bodies) != 2 || bodies[0] != bodies[1] || sigs[0] != sigs[1] || sigs[0] == "" {
		t.Errorf("the receiver got %d deliveries: %q, signatures %q", len(bodies), bodies, sigs)
	}
	mu.Unlock()
	p.click("#delivery-rows tr")
	p.until("the delivery opened", "document.getElementById('delivery-detail').textContent.includes('webhookId')")
	p.docShot("webhooks")
}

// TestStateView: a fixtures file uploaded seeds the state; a location's contacts page and
// search; a contact shows its tasks, notes, tags; the snapshot downloads; reset puts the state
// at start back.
func TestStateView(t *testing.T) {
	m := newMock(t)
	dir := t.TempDir()
	seed := filepath.Join(dir, "more.json")
	if err := os.WriteFile(seed, []byte(`{"version":1,"locations":[{"id":"LocSeedAAAAAAAAAAAAA","name":"Seeded Spa","contacts":[
		{"id":"CtSeedOliveAAAAAAAAA","firstName":"Olive","lastName":"Seed","email":"olive@example.com","tags":["spa"],"followers":[],
		 "tasks":[{"title":"Call Olive","dueDate":"2026-03-05T09:00:00Z"}],"notes":[{"body":"Likes mornings"}]}]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	p := open(t, m, "state")
	p.ready()
	p.until("the contacts of the first location", "document.getElementById('contacts-range').textContent === '1–10 of 30'")
	p.click("#contacts-next")
	p.until("page 2", "document.getElementById('contacts-range').textContent === '11–20 of 30'")
	p.click("#contacts-prev")
	p.until("page 1 again", "document.getElementById('contacts-range').textContent === '1–10 of 30'")
	email := eval[string](p, "document.querySelector('#contact-rows tr td:nth-child(2)').textContent")
	p.set("#contact-query", email)
	p.until("the search", "document.getElementById('contacts-range').textContent === '1–1 of 1'")

	p.do(chromedp.SetUploadFiles(chromedp.CSS("#seed-file"), []string{seed}))
	p.until("the seeded location", "document.querySelector('#loc-rows tr[data-key=\"LocSeedAAAAAAAAAAAAA\"]')")
	p.click(`#loc-rows tr[data-key="LocSeedAAAAAAAAAAAAA"]`)
	p.set("#contact-query", "olive")
	p.until("its contact", "document.getElementById('contact-rows').textContent.includes('Olive Seed')")
	p.click(`#contact-rows tr[data-key="CtSeedOliveAAAAAAAAA"]`)
	p.until("the contact opened", "document.getElementById('contact-tasks') && document.getElementById('contact-tasks').textContent.includes('Call Olive')")
	if d := p.text("#contact-detail"); !strings.Contains(d, "Likes mornings") || !strings.Contains(p.text("#contact-tags"), "spa") {
		t.Errorf("contact: %s", d)
	}
	p.docShot("state")

	if _, err := chromedp.CallBrowser(p.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: "allow", DownloadPath: dir}); err != nil {
		t.Fatal(err)
	}
	p.click("#snap-download")
	file := filepath.Join(dir, "contactsmock-snapshot.json")
	var snap struct {
		Locations []struct{ ID string }
	}
	deadline := time.Now().Add(wait)
	for {
		data, err := os.ReadFile(file)
		if err == nil && json.Unmarshal(data, &snap) == nil && len(snap.Locations) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot downloaded: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(snap.Locations) != 3 || snap.Locations[2].ID != "LocSeedAAAAAAAAAAAAA" {
		t.Errorf("the snapshot: %+v", snap)
	}

	p.click("#reset")
	p.until("reset armed", "document.getElementById('reset').textContent.includes('confirm')")
	p.click("#reset")
	p.until("the seeded location gone", "document.querySelectorAll('#loc-rows tr').length === 2")
	if st := m.admin("/health")["stats"].(map[string]any); st["locations"] != 2.0 {
		t.Errorf("after reset: %v", st)
	}
}

// TestControlsView: a fault added from the form fails the next call; the clock advanced from
// the page expires a token, set back revives it; rate limits change; buckets show the pair's
// standing; a token minted on the page works once copied out of it, with the scopes chosen.
func TestControlsView(t *testing.T) {
	m := newMock(t)
	m.call(http.MethodGet, "/contacts/?locationId="+m.loc, m.token, "")
	p := open(t, m, "controls")
	p.ready()
	p.until("the fault form's operations", "document.querySelectorAll('#fault-op option').length > 30")

	p.choose("#fault-op", "get-contacts")
	p.set("#fault-id", "down")
	p.set("#fault-status", "503")
	p.set("#fault-count", "1")
	p.click("#fault-add")
	p.until("the fault listed", "document.querySelector('#fault-rows tr[data-key=\"down\"]')")
	if s, b := m.call(http.MethodGet, "/contacts/?locationId="+m.loc, m.token, ""); s != http.StatusServiceUnavailable {
		t.Fatalf("the call after the fault: %d %s", s, b)
	}
	if s, _ := m.call(http.MethodGet, "/contacts/?locationId="+m.loc, m.token, ""); s != http.StatusOK {
		t.Fatalf("the call after the fault's count: %d", s)
	}
	p.until("the fault expired", "document.querySelector('#fault-rows tr[data-key=\"down\"]').textContent.includes('expired')")

	p.set("#clock-advance", "25h")
	p.click("#clock-advance-btn")
	p.until("the clock moved", "document.getElementById('clock-offset').textContent === '25h0m0s'")
	if off := m.admin("/clock")["offset"]; off != "25h0m0s" {
		t.Fatalf("offset %v", off)
	}
	if s, b := m.call(http.MethodGet, "/contacts/?locationId="+m.loc, m.token, ""); s != http.StatusUnauthorized || !strings.Contains(b, "Invalid JWT") {
		t.Fatalf("a day later the token: %d %s", s, b)
	}
	p.click("#clock-back")
	p.until("the clock back", "document.getElementById('clock-offset').textContent === '0s'")
	if s, _ := m.call(http.MethodGet, "/contacts/?locationId="+m.loc, m.token, ""); s != http.StatusOK {
		t.Fatalf("the token after setting the clock back: %d", s)
	}

	p.set("#rate-burst", "7")
	p.click("#rate-form button[type=submit]")
	p.until("the limits saved", "document.getElementById('toast').textContent.startsWith('Rate limits: 7 per')")
	if b := m.admin("/ratelimit")["burst"]; b != 7.0 {
		t.Fatalf("burst %v", b)
	}
	m.call(http.MethodGet, "/contacts/?locationId="+m.loc, m.token, "")
	p.until("the bucket", "document.getElementById('bucket-rows').textContent.includes(' / 7')")

	p.choose("#mint-loc", m.loc2)
	p.do(chromedp.Click(chromedp.CSS("#mint-write")))
	p.click("#mint-btn")
	p.until("the token", "!document.getElementById('minted').hidden && document.getElementById('minted-token').value.length > 100")
	tok := eval[string](p, "document.getElementById('minted-token').value")
	if s, b := m.call(http.MethodGet, "/contacts/?locationId="+m.loc2, tok, ""); s != http.StatusOK {
		t.Fatalf("the minted token: %d %s", s, b)
	}
	if s, _ := m.call(http.MethodPost, "/contacts/", tok, `{"locationId":"`+m.loc2+`","firstName":"Ro"}`); s != http.StatusUnauthorized {
		t.Fatalf("a read-only token wrote: %d", s)
	}
	p.click("#minted-copy")
	p.until("the copy confirmed", "document.getElementById('toast').textContent === 'token copied'")
	if got := eval[string](p, "navigator.clipboard.readText()"); got != tok {
		t.Fatalf("the clipboard holds %q", got)
	}
	p.docShot("controls")
	// Shown once: a reload does not bring it back.
	p.do(chromedp.Reload())
	p.ready()
	if html := eval[string](p, "document.documentElement.outerHTML"); strings.Contains(html, tok) {
		t.Error("the minted token is on the page after a reload")
	}
}

// TestKeyboardOnly: from the tabs to the clock and the token, keys alone.
func TestKeyboardOnly(t *testing.T) {
	m := newMock(t)
	p := open(t, m, "requests")
	p.ready()
	active := func() string { return eval[string](p, "document.activeElement ? document.activeElement.id : ''") }
	// tab presses Tab until the element with the id has the focus.
	tab := func(id string) {
		t.Helper()
		for range 60 {
			if active() == id {
				return
			}
			p.do(chromedp.KeyEvent(kb.Tab))
		}
		t.Fatalf("Tab never reached #%s (focus on #%s)", id, active())
	}
	tab("tab-requests")
	for range 3 {
		p.do(chromedp.KeyEvent(kb.ArrowRight))
	}
	if a := active(); a != "tab-controls" || eval[bool](p, "document.getElementById('view-controls').hidden") {
		t.Fatalf("after three ArrowRight: focus on #%s", a)
	}
	p.until("the controls", "document.getElementById('clock-offset').textContent === '0s'")
	tab("clock-advance")
	p.do(chromedp.KeyEvent("90m"), chromedp.KeyEvent(kb.Enter))
	p.until("the clock moved", "document.getElementById('clock-offset').textContent === '1h30m0s'")
	if off := m.admin("/clock")["offset"]; off != "1h30m0s" {
		t.Fatalf("offset %v", off)
	}
	tab("mint-btn")
	p.do(chromedp.KeyEvent(kb.Enter))
	p.until("the token", "document.activeElement && document.activeElement.id === 'minted-token' && document.activeElement.value.length > 100")
	tok := eval[string](p, "document.activeElement.value")
	if s, b := m.call(http.MethodGet, "/contacts/?locationId="+m.loc, tok, ""); s != http.StatusOK {
		t.Fatalf("the token minted by keyboard: %d %s", s, b)
	}
	// Back to the requests, and one opened with Enter.
	tab("tab-controls")
	p.do(chromedp.KeyEvent(kb.Home))
	p.until("the requests", "!document.getElementById('view-requests').hidden && document.querySelector('#req-rows tr')")
	tab(eval[string](p, "(() => { const tr = document.querySelector('#req-rows tr'); tr.id = 'first-row'; return tr.id; })()"))
	p.do(chromedp.KeyEvent(kb.Enter))
	p.until("the request opened", "!document.getElementById('req-detail').hidden")
}

// TestCoverageView: the operations and statuses answered since start, and those not yet.
func TestCoverageView(t *testing.T) {
	m := newMock(t)
	cid := func() string {
		_, b := m.call(http.MethodGet, "/contacts/?locationId="+m.loc+"&limit=1", m.token, "")
		var v struct{ Contacts []struct{ ID string } }
		_ = json.Unmarshal([]byte(b), &v)
		return v.Contacts[0].ID
	}()
	m.call(http.MethodGet, "/contacts/"+cid, m.token, "")
	m.call(http.MethodGet, "/contacts/"+cid, "nope", "")
	m.call(http.MethodPost, "/contacts/", m.token, `{"locationId":"`+m.loc+`","firstName":"Cov"}`)
	p := open(t, m, "coverage")
	p.ready()
	p.until("the coverage", "document.querySelector('#cov-rows tr[data-key=\"get-contact\"]')")
	chips := eval[[]string](p, "[...document.querySelectorAll('#cov-rows tr[data-key=\"get-contact\"] .chip')].map((c) => c.className + ' ' + c.textContent)")
	if !slices.Contains(chips, "chip hit 200 × 1") || !slices.Contains(chips, "chip hit 401 × 1") || !slices.Contains(chips, "chip miss 400") {
		t.Errorf("get-contact's statuses: %q", chips)
	}
	ops := len(m.srv.Spec().Operations)
	if s := p.text("#cov-summary"); !strings.HasPrefix(s, "3 of "+strconv.Itoa(ops)+" operations answered") {
		t.Errorf("summary: %q", s)
	}
	p.docShot("coverage")
	p.click("#cov-gaps")
	p.until("only the gaps", "document.querySelectorAll('#cov-rows tr').length < "+strconv.Itoa(ops)+" || true")
	// Every operation still listed has a declared status never answered.
	if bad := eval[int](p, "[...document.querySelectorAll('#cov-rows tr')].filter((tr) => !tr.querySelector('.chip.miss')).length"); bad != 0 {
		t.Errorf("%d rows without a gap under 'only what is missing'", bad)
	}
}

// TestAdminTokenAndSecrets: with an admin token the page asks for it, keeps it out of every URL,
// and shows no secret anywhere: not the token, not a client secret, not the webhook private key.
func TestAdminTokenAndSecrets(t *testing.T) {
	const adminToken = "adm-inspector-7f3e1c"
	m := newMock(t, func(c *mockserver.Config) { c.AdminToken = adminToken })
	if s, b := m.call(http.MethodPost, "/__admin/clients", "", `{"clientId":"second-client","clientSecret":"second-secret-9d2b","redirectUris":["loopback"]}`, mockserver.AdminTokenHeader, adminToken); s != http.StatusCreated {
		t.Fatalf("register a client: %d %s", s, b)
	}
	if s, _ := m.call(http.MethodGet, "/__admin/requests/stream", "", ""); s != http.StatusUnauthorized {
		t.Fatalf("the stream without the token: %d", s)
	}
	m.call(http.MethodGet, "/contacts/?locationId="+m.loc, m.token, "")
	p := open(t, m, "requests")
	p.until("the token asked for", "!document.getElementById('token-form').hidden")
	p.do(chromedp.SendKeys(chromedp.CSS("#token-input"), adminToken), chromedp.KeyEvent(kb.Enter))
	p.ready()
	p.until("the journal", "document.querySelectorAll('#req-rows tr').length === 1")
	for _, v := range []string{"webhooks", "state", "controls", "coverage"} {
		p.click("#tab-" + v)
		p.until(v, "!document.getElementById('view-"+v+"').hidden")
	}
	p.until("the clients", "document.getElementById('client-rows').textContent.includes('second-client')")
	html := eval[string](p, "document.documentElement.outerHTML")
	for _, secret := range []string{adminToken, "second-secret-9d2b", mockserver.DefaultClientSecret, "PRIVATE KEY", m.token} {
		if strings.Contains(html, secret) {
			t.Errorf("the page shows %q", secret)
		}
	}
	if stored := eval[string](p, "sessionStorage.getItem('contactsmock.adminToken')"); stored != adminToken {
		t.Errorf("sessionStorage holds %q", stored)
	}
	p.mu.Lock()
	for _, u := range p.urls {
		if strings.Contains(u, adminToken) {
			t.Errorf("the admin token in a URL: %s", u)
		}
	}
	p.mu.Unlock()
}
