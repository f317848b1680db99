package mockserver

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
)

// SaveState writes the whole state to path as a fixture document, atomically: the document goes to a
// temporary file in the same directory, which is synced and then renamed over path, so a crash at
// any moment leaves either the previous file or the new one, never a torn one.
func (s *Server) SaveState(path string) error {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	doc, err := s.store.Snapshot(context.Background())
	if err != nil {
		return fmt.Errorf("mockserver: state file: %w", err)
	}
	return writeFileAtomic(path, doc)
}

func writeFileAtomic(path string, doc fixtures.Document) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPattern(path))
	if err != nil {
		return fmt.Errorf("mockserver: state file: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err = fixtures.Write(bw, doc); err != nil {
		return fmt.Errorf("mockserver: state file: %w", err)
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("mockserver: state file: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("mockserver: state file: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("mockserver: state file: %w", err)
	}
	if err = renameFile(tmp.Name(), path); err != nil {
		return fmt.Errorf("mockserver: state file: %w", err)
	}
	// Make the rename itself durable.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// renameFile renames the written temporary file over the state file; tests make it fail to
// check that a write that never reaches the rename leaves the previous file as it was.
var renameFile = os.Rename

// tempPattern is the name pattern of SaveState's temporary files next to path.
func tempPattern(path string) string { return "." + filepath.Base(path) + ".tmp-*" }

// RemoveStaleSnapshots removes the temporary files that SaveState calls killed mid-write left next
// to path (a kill -9 between creating the temporary file and renaming it), and returns their
// names. Call it at start, before anything writes the state file.
func RemoveStaleSnapshots(path string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(filepath.Dir(path), tempPattern(path)))
	if err != nil {
		return nil, fmt.Errorf("mockserver: state file: %w", err)
	}
	var removed []string
	for _, m := range matches {
		if err := os.Remove(m); err != nil && !os.IsNotExist(err) {
			return removed, fmt.Errorf("mockserver: state file: %w", err)
		}
		removed = append(removed, m)
	}
	return removed, nil
}

// SnapshotEvery writes the state to path every interval until the returned stop function is called
// (stop waits for a write in progress). Write errors are logged and retried at the next tick.
func (s *Server) SnapshotEvery(path string, interval time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := s.SaveState(path); err != nil {
					s.log.Error("periodic snapshot failed", "err", err)
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		wg.Wait()
	}
}
