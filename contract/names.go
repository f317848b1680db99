package contract

import (
	"crypto/rand"
	"fmt"
	"strings"
	"sync/atomic"
)

// RunIDLength is the length of generated run ids.
const RunIDLength = 8

// NewRunID returns a random lower-case alphanumeric id for one run of the suites. Parallel
// processes of one run share it (the suite's first process draws it and hands it out).
func NewRunID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, RunIDLength)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Namer hands out names that are unique per run and per parallel process, for everything a suite
// creates, so that a run against a shared deployment only ever touches its own data and can prove
// it cleaned up (every contact it creates carries RunTag).
type Namer struct {
	// Run is the run id shared by every process of the run.
	Run string
	// Proc is the parallel process (GinkgoParallelProcess()).
	Proc int
	n    atomic.Int64
}

// NewNamer returns a namer for a run and process.
func NewNamer(run string, proc int) *Namer { return &Namer{Run: run, Proc: proc} }

// RunTag is the tag put on every contact the run creates: contract-run-<run>.
func (n *Namer) RunTag() string { return "contract-run-" + n.Run }

// ProcTag is the tag put on every contact this process creates: contract-run-<run>-p<proc>.
func (n *Namer) ProcTag() string { return fmt.Sprintf("contract-run-%s-p%d", n.Run, n.Proc) }

// Next returns the next sequence number of this process (1, 2, ...).
func (n *Namer) Next() int64 { return n.n.Add(1) }

// Email returns a fresh address: ct-<run>-<proc>-<n>@contract.test (a reserved test domain).
func (n *Namer) Email() string {
	return fmt.Sprintf("ct-%s-%d-%d@contract.test", n.Run, n.Proc, n.Next())
}

// Name returns a fresh name with a prefix: <prefix>-<run>-<proc>-<n>.
func (n *Namer) Name(prefix string) string {
	return fmt.Sprintf("%s-%s-%d-%d", prefix, n.Run, n.Proc, n.Next())
}

// Tag returns a fresh lower-case tag: ct-<prefix>-<run>-<proc>-<n>.
func (n *Namer) Tag(prefix string) string {
	return strings.ToLower(fmt.Sprintf("ct-%s-%s-%d-%d", prefix, n.Run, n.Proc, n.Next()))
}

// Phone returns a fresh E.164 number in the +1 555 01xx fictional range, made unique by the run,
// process and sequence: +1555<7 digits>.
func (n *Namer) Phone() string {
	h := uint32(2166136261)
	for _, c := range []byte(n.Run) {
		h = (h ^ uint32(c)) * 16777619
	}
	v := (uint64(h)*1000 + uint64(n.Proc)*100000 + uint64(n.Next())) % 10000000
	return fmt.Sprintf("+1555%07d", v)
}
