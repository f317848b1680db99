package faults

import "testing"

func TestPathPattern(t *testing.T) {
	cases := []struct {
		pattern, path string
		want          bool
	}{
		{"/contacts/abc", "/contacts/abc", true},
		{"/contacts/abc", "/contacts/abc/", true},
		{"/contacts/", "/contacts", true},
		{"/contacts/abc", "/contacts/abd", false},
		{"/contacts/abc", "/contacts/abc/tasks", false},
		{"/contacts/*", "/contacts/abc", true},
		{"/contacts/*", "/contacts/abc/tasks", false},
		{"/contacts/*", "/contacts/", false},
		{"/contacts/*/tasks", "/contacts/abc/tasks", true},
		{"/contacts/*/tasks", "/contacts/abc/notes", false},
		{"/contacts/ab*", "/contacts/abc", true},
		{"/contacts/ab*", "/contacts/xbc", false},
		{"/contacts/{contactId}", "/contacts/abc", true},
		{"/contacts/{contactId}/notes/{id}", "/contacts/abc/notes/n1", true},
		{"/contacts/{contactId}/notes/{id}", "/contacts/abc/notes", false},
		{"/contacts/**", "/contacts", true},
		{"/contacts/**", "/contacts/abc/tasks/t1", true},
		{"/**/tasks", "/contacts/abc/tasks", true},
		{"/**/tasks", "/contacts/abc/notes", false},
		{"/**", "/anything/at/all", true},
		{"/", "/", true},
		{"/", "/contacts", false},
	}
	for _, tc := range cases {
		t.Run(tc.pattern+" vs "+tc.path, func(t *testing.T) {
			pp, err := compilePathPattern(tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := pp.match(tc.path); got != tc.want {
				t.Errorf("match = %v, want %v", got, tc.want)
			}
		})
	}
}
