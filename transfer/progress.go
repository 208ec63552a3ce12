package transfer

// Phase is what a transfer is doing with a file.
type Phase int

const (
	// Checking: hashing the partial data both sides hold before a resume.
	Checking Phase = iota
	// Moving: sending or receiving the file's data.
	Moving
)

func (p Phase) String() string {
	if p == Checking {
		return "checking"
	}
	return "moving"
}

// Result is how one file's transfer ended.
type Result struct {
	// Kept is how many bytes the receiver already held and kept (a
	// resume), Moved how many crossed the connection.
	Kept, Moved int64
	// Digest is the file's digest (see [Hash]), once verified.
	Digest []byte
	// Err is why the file failed; nil when it is in place.
	Err error
}

// Progress follows a transfer, file by file; cmd draws progress bars and
// -v lines from it. Its methods are called from the transfer's goroutine,
// in order: Begin (once per phase), Add, End.
type Progress interface {
	// Begin starts a phase of a file: total is the bytes the phase will
	// cover (-1 when unknown) and done those it starts with (the bytes
	// kept by a resume).
	Begin(h Header, p Phase, done, total int64)
	// Add reports n more bytes of the phase done.
	Add(n int64)
	// End reports how the file ended.
	End(h Header, r Result)
}

// orNop returns o, or a Progress that reports nothing for nil.
func orNop(o Progress) Progress {
	if o == nil {
		return nopProgress{}
	}
	return o
}

// nopProgress reports nothing.
type nopProgress struct{}

func (nopProgress) Begin(Header, Phase, int64, int64) {}
func (nopProgress) Add(int64)                         {}
func (nopProgress) End(Header, Result)                {}
