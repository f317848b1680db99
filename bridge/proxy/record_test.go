package proxy

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/contactsmock/contactsmock/bridge/inprocess"
	"github.com/contactsmock/contactsmock/bridge/record"
	"github.com/contactsmock/contactsmock/bridge/shape"
	"github.com/contactsmock/contactsmock/fixtures"
)

// personal lists the names, e-mails and phones of a document's contacts, lower-cased.
func personal(doc fixtures.Document) []string {
	var out []string
	for _, l := range doc.Locations {
		for _, c := range l.Contacts {
			for _, v := range append([]string{c.FirstName, c.LastName, c.Name, c.Email, c.Phone}, append(c.AdditionalEmails, c.AdditionalPhones...)...) {
				if len(v) >= 3 {
					out = append(out, strings.ToLower(v))
				}
			}
		}
	}
	return out
}

// holds returns an original found in text: e-mails and phones anywhere, names as whole words.
func holds(text string, originals []string) string {
	lower := strings.ToLower(text)
	for _, o := range originals {
		if strings.ContainsAny(o, "@+") {
			if strings.Contains(lower, o) {
				return o
			}
			continue
		}
		for i := 0; ; {
			j := strings.Index(lower[i:], o)
			if j < 0 {
				break
			}
			start, end := i+j, i+j+len(o)
			if (start == 0 || !isWordByte(lower[start-1])) && (end == len(lower) || !isWordByte(lower[end])) {
				return o
			}
			i = start + 1
		}
	}
	return ""
}

func isWordByte(b byte) bool { return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' }

type read struct {
	method, path string
	body         any
}

// replay sends the reads to a server and returns each answer's shape and body.
func replay(t *testing.T, c client, rs []read) ([]shape.Shape, []string) {
	t.Helper()
	u, _ := url.Parse(c.base)
	var shapes []shape.Shape
	var bodies []string
	for _, r := range rs {
		status, body := c.do(r.method, r.path, r.body)
		shapes = append(shapes, shape.Of(status, http.Header{}, body, u.Host))
		bodies = append(bodies, string(body))
	}
	return shapes, bodies
}

func TestARecordingServesTheSameReadsWithoutPersonalData(t *testing.T) {
	src := generated(t)
	orig, err := inprocess.Start(src, inprocess.Options{RateLimitsOff: true})
	if err != nil {
		t.Fatal(err)
	}
	defer orig.Close()
	rec := record.New()
	_, srv := newProxy(t, orig.URL, Config{Recorder: rec})
	detailed := reads(t, client{t, srv.URL, orig.Token}, orig.Location)

	doc, rep, err := rec.Document(record.Options{Seed: 2024})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Leaks) != 0 || len(rep.Dropped) != 0 {
		t.Errorf("report %+v", rep)
	}
	// Through the file, as `contactsmock serve --fixtures FILE` reads it.
	file := filepath.Join(t.TempDir(), "recording.json")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := fixtures.Write(f, doc); err != nil {
		t.Fatal(err)
	}
	f.Close()
	raw, _ := os.ReadFile(file)
	originals := personal(src)
	if o := holds(string(raw), originals); o != "" {
		t.Fatalf("the recording file holds %q", o)
	}
	loaded, err := fixtures.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	served, err := inprocess.Start(loaded, inprocess.Options{Location: orig.Location})
	if err != nil {
		t.Fatal(err)
	}
	defer served.Close()

	// The same reads on both: every contact the recording holds, its children, the list and a
	// search, and the duplicate lookup (by each side's own e-mail of the first contact).
	var ids []string
	for _, c := range doc.Locations[0].Contacts {
		ids = append(ids, c.ID)
	}
	if len(ids) != len(src.Locations[0].Contacts) {
		t.Fatalf("recorded %d contacts of %d", len(ids), len(src.Locations[0].Contacts))
	}
	common := []read{
		{"GET", "/contacts/?locationId=" + orig.Location + "&limit=100", nil},
		{"POST", "/contacts/search", map[string]any{"locationId": orig.Location, "pageLimit": 10, "sort": []map[string]any{{"field": "dateAdded", "direction": "asc"}}}},
	}
	for _, id := range detailed {
		common = append(common,
			read{"GET", "/contacts/" + id, nil}, read{"GET", "/contacts/" + id + "/tasks", nil},
			read{"GET", "/contacts/" + id + "/notes", nil}, read{"GET", "/contacts/" + id + "/appointments", nil})
	}
	emailOf := func(d fixtures.Document, id string) string {
		for _, c := range d.Locations[0].Contacts {
			if c.ID == id {
				return c.Email
			}
		}
		return ""
	}
	firstWithEmail := ""
	for _, c := range src.Locations[0].Contacts {
		if c.Email != "" {
			firstWithEmail = c.ID
			break
		}
	}
	dup := func(d fixtures.Document) read {
		return read{"GET", "/contacts/search/duplicate?locationId=" + orig.Location + "&email=" + url.QueryEscape(emailOf(d, firstWithEmail)), nil}
	}
	a, _ := replay(t, client{t, orig.URL, orig.Token}, append(slices.Clone(common), dup(src)))
	b, bodies := replay(t, client{t, served.URL, served.Token}, append(slices.Clone(common), dup(loaded)))
	for i := range a {
		if a[i].Status != 200 {
			t.Fatalf("read %d answered %d on the original", i, a[i].Status)
		}
		if d := shape.Compare(a[i], b[i]); len(d) != 0 {
			t.Errorf("read %d differs in shape: %v", i, d)
		}
		for list, want := range a[i].IDs {
			if got := b[i].IDs[list]; !slices.Equal(got, want) {
				t.Errorf("read %d: ids of %s are %v, want %v", i, list, got, want)
			}
		}
		if o := holds(bodies[i], originals); o != "" {
			t.Errorf("read %d of the recording's mock holds %q", i, o)
		}
	}
	var found struct {
		Contact *fixtures.Contact `json:"contact"`
	}
	if err := json.Unmarshal([]byte(bodies[len(bodies)-1]), &found); err != nil || found.Contact == nil || found.Contact.ID != firstWithEmail {
		t.Errorf("the duplicate lookup by the fake e-mail did not find the contact: %s", bodies[len(bodies)-1])
	}
}
