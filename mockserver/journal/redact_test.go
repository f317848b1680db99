package journal_test

import (
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
