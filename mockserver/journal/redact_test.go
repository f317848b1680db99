package journal_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/contactsmock/contactsmock/mockserver/journal"
)

func TestRedactQuery(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"nothing secret", "locationId=L&limit=5", "locationId=L&limit=5"},
		{"a secret among others", "client_id=c&client_secret=s3&x=1", "client_id=c&client_secret=[redacted]&x=1"},
		{"escaped name", "client%5Fsecret=s3", "client%5Fsecret=[redacted]"},
		{"upper case name", "Access_Token=t", "Access_Token=[redacted]"},
		{"repeated", "code=a&code=b", "code=[redacted]&code=[redacted]"},
		{"no value", "token", "token"},
		{"empty", "", ""},
		{"broken escape kept", "%zz=1&refresh_token=r", "%zz=1&refresh_token=[redacted]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := journal.RedactQuery(tc.in); got != tc.want {
				t.Errorf("RedactQuery(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestRedactHeader(t *testing.T) {
	long := strings.Repeat("x", 5000)
	in := map[string][]string{
		"Authorization":   {"Bearer eyJhbGciOi.secret.sig"},
		"X-Admin-Token":   {"admintok"},
		"Cookie":          {"a=b"},
		"Version":         {"2021-07-28"},
		"X-Forwarded-For": {"1.2.3.4", "5.6.7.8"},
		"User-Agent":      {long},
	}
	got := journal.RedactHeader(in).Map()
	want := map[string]string{
		"Authorization": "Bearer [redacted]", "X-Admin-Token": "[redacted]", "Cookie": "[redacted]",
		"Version": "2021-07-28",
	}
	for k, v := range want {
		if len(got[k]) != 1 || got[k][0] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if ff := got["X-Forwarded-For"]; len(ff) != 2 || ff[1] != "5.6.7.8" {
		t.Errorf("X-Forwarded-For: %q", ff)
	}
	if ua := got["User-Agent"][0]; len(ua) > 1100 || !strings.HasPrefix(ua, "xxx") {
		t.Errorf("User-Agent kept %d bytes", len(ua))
	}
	if in["Authorization"][0] != "Bearer eyJhbGciOi.secret.sig" {
		t.Error("the request's own headers were changed")
	}
	if got := journal.RedactHeader(map[string][]string{"Authorization": {"garbage"}}).Map(); got["Authorization"][0] != "[redacted]" {
		t.Errorf("a value without a scheme: %q", got["Authorization"])
	}
	if journal.RedactHeader(nil).Map() != nil {
		t.Error("nil headers are not nil")
	}
}

// TestHeadersJSON: headers travel as their map form (a shared journal stores entries as JSON) and
// come back with the same names and values.
func TestHeadersJSON(t *testing.T) {
	h := journal.RedactHeader(map[string][]string{"Authorization": {"Bearer x.y.z"}, "Accept": {"a", "b"}, "Version": {"2021-07-28"}})
	data, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != `{"Accept":["a","b"],"Authorization":["Bearer [redacted]"],"Version":["2021-07-28"]}` {
		t.Errorf("JSON %s", data)
	}
	var back journal.Headers
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Map(), h.Map()) {
		t.Errorf("round trip %v, want %v", back.Map(), h.Map())
	}
	if err := json.Unmarshal([]byte(`["not", "a map"]`), &back); err == nil {
		t.Error("a list was taken for headers")
	}
}
