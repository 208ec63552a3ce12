package transfer

import (
	"fmt"
	"time"
)

// Stats sums up a session.
type Stats struct {
	// Files is how many files were transferred whole (directories not
	// counted); Failed how many were refused or failed.
	Files, Failed int
	// Bytes is how many bytes of file data crossed the connection; Kept
	// how many the receiver already held.
	Bytes, Kept int64
	// Elapsed is the session's duration.
	Elapsed time.Duration
}

// FilesFailed is the error of a session in which some files failed and
// the others went through; each failure was reported to the Progress.
type FilesFailed struct {
	// Errs are the first failures (at most 100), each naming its file.
	Errs []error
	// N is how many files failed in all; zero means len(Errs).
	N int
}

// Count is how many files failed.
func (e *FilesFailed) Count() int { return max(e.N, len(e.Errs)) }

func (e *FilesFailed) Error() string {
	if e.Count() == 1 {
		return e.Errs[0].Error()
	}
	return fmt.Sprintf("%d files failed; the first: %v", e.Count(), e.Errs[0])
}

func (e *FilesFailed) Unwrap() []error { return e.Errs }

// maxFailures is how many failures a session keeps: a peer whose every
// file fails must not grow it without end.
const maxFailures = 100

// failures collects the files that failed: all counted, the first
// maxFailures kept.
type failures struct {
	errs []error
	n    int
}

func (f *failures) add(err error) {
	f.n++
	if len(f.errs) < maxFailures {
		f.errs = append(f.errs, err)
	}
}

// err is the session's FilesFailed, or nil.
func (f *failures) err() error {
	if f.n == 0 {
		return nil
	}
	return &FilesFailed{Errs: f.errs, N: f.n}
}
