package cmd

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"sockit/transfer"
)

// TestResumable: whether send tells its user that a rerun resumes
// follows from the receiver's refusal code and the fatal flag, never
// from the words (a reason that says "refused" or not).
func TestResumable(t *testing.T) {
	ref := func(c transfer.Code, fatal bool, msg string) error {
		return fmt.Errorf("f: %w", &transfer.Refusal{Code: c, Fatal: fatal, Msg: msg})
	}
	cases := []struct {
		err  error
		want bool
	}{
		{ref(transfer.CodeWriteFailed, true, "write f: no space left on device"), true},
		{ref(transfer.CodeWriteFailed, true, "refused: write failed"), true},
		{ref(transfer.CodeWriteFailed, false, "read .f.sockit-partial: input/output error"), false},
		{ref(transfer.CodeBadName, true, `refused: name "../x" is not a clean relative path`), false},
		{ref(transfer.CodeBadName, true, "no such words"), false},
		{ref(transfer.CodeNotRegular, true, "d is a symbolic link; sockit writes only into real directories"), false},
		{ref(transfer.CodeOneFile, true, "refused b: this receiver takes one file"), false},
		{ref(transfer.CodeProtocol, true, "transfer protocol error: chunk of 1000000 bytes"), false},
		{ref(transfer.CodeExists, false, "f exists"), false},
		{&transfer.VersionError{Peer: 1, Ours: 2}, false},
		{fmt.Errorf("wrapped: %w", io.ErrUnexpectedEOF), true},
		{nil, false},
	}
	for _, c := range cases {
		if got := resumable(context.Background(), c.err); got != c.want {
			t.Errorf("resumable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if resumable(ctx, io.ErrUnexpectedEOF) {
		t.Error("a cancelled run is resumable")
	}
}

// TestVersionHint: a peer of another protocol version gets the hint to
// run one sockit version on both sides, and not the hint at --raw.
func TestVersionHint(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", &transfer.VersionError{Peer: 1, Ours: 2})
	hints := hintsFor(err)
	if !slices.ContainsFunc(hints, func(h string) bool { return strings.Contains(h, "same sockit version on both sides") }) ||
		slices.ContainsFunc(hints, func(h string) bool { return strings.Contains(h, "--raw") }) {
		t.Errorf("hints %q", hints)
	}
	if code, _ := exitCode(err, nil); code != exitFailure {
		t.Errorf("exit %d", code)
	}
}
