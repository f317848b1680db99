package state

import "sync"

// Outbox is the part of a Store that keeps Store's promise about events: it holds the events writes
// made until they are delivered. A write queues its events under the store's write lock, in the order of the changes; after releasing the lock it delivers every
// event queued so far, its own included, unless another write is delivering, in which case it
// waits until that one has delivered its events too. One writer delivers at a time, in queue
// order, so the subscriber sees the events in the order of the changes, never under the store's
// lock, and each write returns only once its events are delivered.
type Outbox struct {
	mu      sync.Mutex // guards everything below; taken after the store's lock, never before it
	cond    sync.Cond  // on mu: a delivery finished
	sink    func(Event)
	pending []Event
	spare   []Event // the last batch delivered, emptied: the next pending, without an allocation
	queued  uint64  // events ever queued
	done    uint64  // events delivered (or dropped for want of a subscriber)
	busy    bool    // a writer is delivering
}

// NewOutbox returns an empty outbox with no subscriber.
func NewOutbox() *Outbox {
	o := &Outbox{}
	o.cond.L = &o.mu
	return o
}

// Subscribe sets the function events go to (nil: none).
func (o *Outbox) Subscribe(sink func(Event)) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sink = sink
}

// Push queues an event; the caller holds the store's write lock.
func (o *Outbox) Push(e Event) {
	o.mu.Lock()
	o.pending = append(o.pending, e)
	o.queued++
	o.mu.Unlock()
}

// Queued returns how many events were ever queued; the caller holds the store's write lock,
// so the count includes every event of its write.
func (o *Outbox) Queued() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.queued
}

// Deliver returns once the first upto events are delivered, delivering them itself when no other
// writer is; whoever delivers goes on until nothing is queued. Deliver(0) waits for nothing: it
// delivers what is queued unless a delivery is under way (which then delivers it too), so a read
// that queued events (a replica catching up) may call it from a subscriber. The caller holds no
// lock of the store.
func (o *Outbox) Deliver(upto uint64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for o.done < upto || (!o.busy && o.queued > o.done) {
		if o.busy {
			o.cond.Wait()
			continue
		}
		batch, sink := o.pending, o.sink
		o.pending, o.spare, o.busy = o.spare[:0], nil, true
		o.mu.Unlock()
		o.send(sink, batch)
		o.mu.Lock()
		o.done += uint64(len(batch))
		o.busy = false
		clear(batch) // the events are delivered: their contacts need not stay reachable from here
		o.spare = batch[:0]
		o.cond.Broadcast()
	}
}

// send hands a batch to the subscriber. A panicking subscriber must not leave the outbox busy for
// good: the deferred unlock in deliver would run with busy still set, so recover, finish the
// bookkeeping through deliver's path, and panic again.
func (o *Outbox) send(sink func(Event), batch []Event) {
	if sink == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			o.mu.Lock()
			o.done += uint64(len(batch))
			o.busy = false
			o.cond.Broadcast()
			o.mu.Unlock()
			// deliver re-locks o.mu after send returns; the panic skips that, and its deferred
			// unlock needs the lock held.
			o.mu.Lock()
			panic(p)
		}
	}()
	for _, e := range batch {
		sink(e)
	}
}
