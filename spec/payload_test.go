package spec

import "testing"

// TestBodiesDeclare413: every operation that takes a body declares 413 (the mock answers it for a
// body over its cap), so strict response validation accepts that answer.
func TestBodiesDeclare413(t *testing.T) {
	for _, op := range MustDefault().Operations {
		if op.HasBody && !op.Declares(413) {
			t.Errorf("%s takes a body but does not declare 413", op.ID)
		}
		if !op.HasBody && op.Declares(413) {
			t.Errorf("%s takes no body but declares 413", op.ID)
		}
	}
}
