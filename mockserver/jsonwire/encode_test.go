package jsonwire_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/jsonwire"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// encodingJSON is what the mock wrote before it used a library of its own: an Encoder with HTML
// escaping off, without the trailing newline.
func encodingJSON(t testing.TB, v any) ([]byte, error) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// same fails the test unless jsonwire writes what encoding/json writes for v (and fails where it
// fails).
func same(t testing.TB, name string, v any) {
	t.Helper()
	want, wantErr := encodingJSON(t, v)
	got, err := jsonwire.Append([]byte("prefix"), v)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%s: error %v, encoding/json's %v", name, err, wantErr)
	}
	if err == nil && !bytes.Equal(got[len("prefix"):], want) {
		t.Fatalf("%s: jsonwire differs from encoding/json\n got: %s\nwant: %s", name, got[len("prefix"):], want)
	}
}

// weird is a string with everything escaping must get right.
const weird = "a\"b\\c\x00\x01\x1f\b\f\n\r\t<>&'\u2028\u2029\xff\xfe é 日本 \U0001F600"

// fullContact fills every field, with the strings escaping must get right. Custom field values
// are compact, as the state keeps them (fixtures.Normalize and the handlers compact them): a raw
// value with insignificant white space is never stored, and encoding/json would compact it while
// jsonwire copies it.
func fullContact() fixtures.Contact {
	return fixtures.Contact{
		ID: weird, LocationID: "L", Name: weird, FirstName: "f", LastName: "l", FirstNameLowerCase: "f", LastNameLowerCase: "l",
		FullNameLowerCase: "f l", Email: "a@b.c", EmailLowerCase: "a@b.c", Phone: "+1", AdditionalEmails: []string{"x", weird},
		AdditionalPhones: []string{"+2"}, CompanyName: "<Acme & Co>", Timezone: "UTC", Gender: "female", DND: true,
		DNDSettings: &fixtures.DNDSettings{Call: &fixtures.DNDSetting{Status: "active", Message: "m", Code: "c"}, FB: &fixtures.DNDSetting{Status: "inactive"}},
		Type:        "customer", Source: "s", AssignedTo: "u", Address1: "a", City: "c", State: "s", Country: "US", PostalCode: "1",
		Website: "https://x.test/?a=1&b=<2>", Tags: []string{}, DateOfBirth: "1990-01-01T00:00:00.000Z", DateAdded: 1, DateUpdated: -5,
		LastActivity: 1768478400123,
		CustomFields: []fixtures.CustomField{
			{ID: "a", Value: json.RawMessage(`"text"`)}, {ID: "b", Value: json.RawMessage(`[1,2,{"k":"v w"}]`)},
			{ID: "c", Value: nil}, {ID: "d", Value: json.RawMessage("12.5e3")}, {ID: "e", Value: json.RawMessage(`"<&>\u2028"`)},
			{ID: "f", Value: json.RawMessage(`"\u00e9\/"`)},
		},
		BusinessID: "b", Followers: nil,
		AttributionSource:     &fixtures.Attribution{URL: "https://x.test/a?b=<c>&d", Medium: "m", SessionSource: weird, MSCLKID: "k"},
		LastAttributionSource: &fixtures.Attribution{},
		CreatedBy:             &fixtures.CreatedBy{Source: "INTEGRATION", SourceID: "s", Timestamp: 3},
	}
}

// TestAppendMatchesEncoding holds jsonwire to encoding/json's bytes over generated contacts (every
// field the generator fills, in many combinations), hand-made edge cases, and the shapes of the
// mock's bodies: pages of cached contacts (AppendTrusted), search hits with their cursors, maps,
// error bodies.
func TestAppendMatchesEncoding(t *testing.T) {
	n := 0
	for _, opts := range []fixtures.GenerateOptions{{Seed: 42}, {Seed: 7, Locations: 3, Contacts: 400}, {Seed: -3, Contacts: 1000}} {
		doc, err := fixtures.Generate(opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range doc.Locations {
			for i := range l.Contacts {
				same(t, l.Contacts[i].ID, &l.Contacts[i].Contact)
				n++
			}
			same(t, l.ID, l) // the location with everything under it: tasks, notes, appointments
		}
	}
	if n < 2000 {
		t.Fatalf("only %d generated contacts checked", n)
	}
	for name, c := range map[string]fixtures.Contact{
		"zero": {}, "full": fullContact(), "empty dnd settings": {DNDSettings: &fixtures.DNDSettings{}},
		"empty custom fields": {CustomFields: []fixtures.CustomField{}},
		"invalid raw value":   {CustomFields: []fixtures.CustomField{{ID: "x", Value: json.RawMessage(`{"a":`)}}},
		"empty raw value":     {CustomFields: []fixtures.CustomField{{ID: "x", Value: json.RawMessage{}}}},
		"empty extra lists":   {AdditionalEmails: []string{}, AdditionalPhones: []string{}, Tags: nil, Followers: []string{}},
		"no created-by extra": {CreatedBy: &fixtures.CreatedBy{}},
	} {
		same(t, name, &c)
	}
	for _, v := range []any{
		map[string]any{"z": 1, "a": []string{weird}, "m": map[string]any{"y": nil, "b": 1.5e300, "c": -0.0000001}},
		map[string]any{"statusCode": 422, "message": []string{"a <b>"}, "error": "Unprocessable Entity"},
		[]any{int64(1768478400000), "id", float64(1), true, nil, 1e21, 123456789.125},
		struct {
			A []string `json:"a,omitempty"`
			B *int     `json:"b"`
		}{},
	} {
		same(t, "value", v)
	}
}

// TestTrustedPageMatchesEncoding: a page made of stored contacts' cached JSON, written with
// AppendTrusted, is what encoding/json writes for the page of the contacts themselves.
func TestTrustedPageMatchesEncoding(t *testing.T) {
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 11, Contacts: 60})
	if err != nil {
		t.Fatal(err)
	}
	type meta struct {
		Total       int     `json:"total"`
		NextPageURL *string `json:"nextPageUrl"`
	}
	url := "http://127.0.0.1:1/contacts/?a=1&b=<2>"
	for _, page := range [][]fixtures.ContactRecord{{}, doc.Locations[0].Contacts[:1], doc.Locations[0].Contacts} {
		raws := make([]json.RawMessage, len(page))
		plain := make([]*fixtures.Contact, len(page))
		for i := range page {
			st := &state.Contact{Contact: page[i].Contact}
			if raws[i], err = st.JSON(); err != nil {
				t.Fatal(err)
			}
			again, _ := st.JSON()
			if &again[0] != &raws[i][0] {
				t.Fatal("a stored contact's JSON is made again")
			}
			plain[i] = &page[i].Contact
		}
		got, err := jsonwire.AppendTrusted(nil, struct {
			Contacts []json.RawMessage `json:"contacts"`
			Meta     meta              `json:"meta"`
		}{raws, meta{len(page), &url}})
		if err != nil {
			t.Fatal(err)
		}
		want, err := encodingJSON(t, struct {
			Contacts []*fixtures.Contact `json:"contacts"`
			Meta     meta                `json:"meta"`
		}{plain, meta{len(page), &url}})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("page of %d differs\n got: %.300s\nwant: %.300s", len(page), got, want)
		}
	}
}

// FuzzAppendMatchesEncoding: strings and raw values come out as encoding/json writes them,
// whatever their bytes. Raw values are valid and compact, as the state holds them (see the
// package's doc: an invalid one is not refused the way encoding/json refuses it).
func FuzzAppendMatchesEncoding(f *testing.F) {
	f.Add("plain", []byte(`"v"`))
	f.Add(weird, []byte(`[1,{"a":null}]`))
	f.Add("C21", []byte(`00000`))
	f.Fuzz(func(t *testing.T, s string, raw []byte) {
		var c bytes.Buffer
		if json.Compact(&c, raw) != nil {
			raw = nil // not JSON: never stored (the library decoded it, or fixtures checked it)
		} else {
			raw = c.Bytes()
		}
		same(t, "fuzz", &fixtures.Contact{ID: s, Tags: []string{s}, CustomFields: []fixtures.CustomField{{ID: s, Value: raw}}})
		same(t, "fuzz map", map[string]any{s: s, "k": []any{s}})
	})
}
