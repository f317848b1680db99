package memory

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestContactListIsASlice: the e-mail and phone index's list (first inline, the rest in a slice)
// holds what a plain slice appended to and deleted from holds, in the same order, over random
// adds and drops; other answers the first that is not excluded.
func TestContactListIsASlice(t *testing.T) {
	pool := make([]*contact, 6)
	for i := range pool {
		pool[i] = &contact{seq: uint64(i)}
	}
	rng := rand.New(rand.NewPCG(7, 8))
	var list contactList
	var want []*contact
	for step := range 5000 {
		c := pool[rng.IntN(len(pool))]
		if slices.Contains(want, c) {
			list, want = list.drop(c), slices.DeleteFunc(want, func(x *contact) bool { return x == c })
		} else {
			list, want = list.add(c), append(want, c)
		}
		var got []*contact
		if list.first != nil {
			got = []*contact{list.first}
			if list.rest != nil {
				if len(*list.rest) == 0 {
					t.Fatalf("step %d: an empty rest kept", step)
				}
				got = append(got, *list.rest...)
			}
		} else if list.rest != nil {
			t.Fatalf("step %d: an empty first with %d more", step, len(*list.rest))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("step %d: list %v, want %v", step, got, want)
		}
		exclude := pool[rng.IntN(len(pool))]
		var wantOther *contact
		for _, x := range want {
			if x != exclude {
				wantOther = x
				break
			}
		}
		if got := list.other(exclude); got != wantOther {
			t.Fatalf("step %d: other(%p) = %p, want %p", step, exclude, got, wantOther)
		}
	}
}
