package shape

import (
	"net/http"
	"testing"
)

// FuzzOfCompare feeds answer bodies to Of and Compare: no body may panic them, and a shape
// compared with itself never differs.
func FuzzOfCompare(f *testing.F) {
	for _, s := range []string{`{"contacts":[{"id":"ocQHyuzHvysMo5N5VsXc"}],"meta":{"total":1}}`, `[1,"a",null]`, `{"a/b~c":{"x":[[]]}}`, `nope`, ``} {
		f.Add([]byte(s), []byte(`{"a":1}`))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		h := http.Header{"Content-Type": {"application/json"}}
		sa, sb := Of(200, h, a, "127.0.0.1:1"), Of(200, h, b, "127.0.0.1:1")
		if d := Compare(sa, sa); len(d) != 0 {
			t.Fatalf("a shape differs from itself: %v", d)
		}
		_ = Compare(sa, sb)
	})
}
