package mockserver

import (
	"testing"

	"github.com/contactsmock/contactsmock/spec"
)

var bodyLocationCases = []string{
	``, ` `, `null`, `[]`, `"x"`, `5`, `{}`, `{"locationId":"L1"}`, `{"locationId":5}`, `{"locationId":null}`,
	`{"LOCATIONID":"L2"}`, `{"locationid":"L3","x":1}`, `{"locationId":"a","LocationId":"b"}`, `{"LocationId":"b","locationId":"a"}`,
	`{"locationId":"a","locationId":"b"}`, `{"locat\u0069onId":"esc"}`, `{"locationId":"\u00e9\n"}`, `{"locationId":"L1"`,
	`{"locationId":"L1"} x`, `{"ｌocationId":"wide"}`, `{"locatıonId":"dotless"}`, `{"lo\u0441ationId":"cyrillic"}`,
	`{"a":{"locationId":"nested"}}`, `[{"locationId":"in array"}]`, `{"locationId":["L1"]}`, `{"locationId":{"id":"L1"}}`,
	"{\"locationId\":\"\xff\"}", `{"x":"\xff","locationId":"L9"}`,
}

// TestBodyLocationMatchesProbe: reading the location from the decoded body gives what the struct
// probe gives, for every shape of body (and the decoded value is the JSON decoding).
func TestBodyLocationMatchesProbe(t *testing.T) {
	op := spec.MustDefault().Operation("create-contact")
	for _, body := range bodyLocationCases {
		c := &call{op: op, body: []byte(body)}
		if got, want := c.bodyLocation(), probeLocation([]byte(body)); got != want {
			t.Errorf("%q: %q, the probe reads %q", body, got, want)
		}
	}
}

func FuzzBodyLocation(f *testing.F) {
	for _, b := range bodyLocationCases {
		f.Add([]byte(b))
	}
	op := spec.MustDefault().Operation("create-contact")
	f.Fuzz(func(t *testing.T, body []byte) {
		c := &call{op: op, body: body}
		if got, want := c.bodyLocation(), probeLocation(body); got != want {
			t.Errorf("%q: %q, the probe reads %q", body, got, want)
		}
	})
}
