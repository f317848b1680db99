package journal

import "sync"

// News tells the readers of the journal's live stream (GET /__admin/requests/stream) that
// entries were recorded, so that an open inspector shows a request at once rather than at its
// next poll. It is a signal of this process, not state: each replica signals what it records, and
// a stream also polls the journal for the others'. The zero value is ready to use.
type News struct {
	mu sync.Mutex    // guards ch
	ch chan struct{} // closed by the next Notify; nil while nobody waits
}

// Notify wakes every reader waiting on Wait. It costs a lock when nobody waits.
func (n *News) Notify() {
	n.mu.Lock()
	if n.ch != nil {
		close(n.ch)
		n.ch = nil
	}
	n.mu.Unlock()
}

// Wait returns a channel that is closed at the next Notify.
func (n *News) Wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch == nil {
		n.ch = make(chan struct{})
	}
	return n.ch
}
