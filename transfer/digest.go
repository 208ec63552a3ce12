package transfer

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
)

// A file's digest is a one-level hash tree: the [Hash] of each BlockSize
// block of the file (the last may be short), and the Hash of those
// digests in order. A resume keeps the leading whole blocks of the
// receiver's partial file whose digests match the sender's blocks, and
// their digests carry over into the file's, so no hash state is ever
// saved or restored.

// Hash is the hash a session verifies with; both sides must use the same
// one. The zero value is SHA-256.
type Hash struct {
	// Name identifies it on the wire, as "sha256" or "xxh3-128"; at most
	// 64 bytes.
	Name string
	// New returns a fresh hash.
	New func() hash.Hash
}

// orDefault returns h, or SHA-256 for the zero Hash.
func (h Hash) orDefault() Hash {
	if h.New == nil {
		return Hash{Name: "sha256", New: sha256.New}
	}
	return h
}

// tree computes a file's digest from the bytes written to it.
type tree struct {
	h      Hash
	size   int       // digest length in bytes
	blocks [][]byte  // digests of the finished blocks
	cur    hash.Hash // the block being written
	curN   int64     // bytes in cur
}

// newTree starts a digest that already holds the blocks kept.
func newTree(h Hash, kept [][]byte) *tree {
	cur := h.New()
	return &tree{h: h, size: cur.Size(), blocks: kept, cur: cur}
}

// Write adds p, splitting it at block boundaries.
func (t *tree) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		m := min(int64(len(p)), BlockSize-t.curN)
		t.cur.Write(p[:m])
		t.curN += m
		p = p[m:]
		if t.curN == BlockSize {
			t.blocks = append(t.blocks, t.cur.Sum(nil))
			t.cur, t.curN = t.h.New(), 0
		}
	}
	return n, nil
}

// Sum is the digest of the whole file written so far.
func (t *tree) Sum() []byte {
	top := t.h.New()
	for _, b := range t.blocks {
		top.Write(b)
	}
	if t.curN > 0 {
		top.Write(t.cur.Sum(nil))
	}
	return top.Sum(nil)
}

// keepable is how much of a partial file of held bytes may be offered
// for a file of size bytes (-1: a stream, never resumed): whole blocks
// only, unless the partial holds the whole file.
func keepable(held, size int64) int64 {
	switch {
	case size < 0:
		return 0
	case held >= size:
		return size
	}
	return held - held%BlockSize
}

// scanBlocks returns the digests of the blocks of the first n bytes of r,
// reporting progress to add.
func scanBlocks(r io.Reader, n int64, h Hash, buf []byte, add func(int64)) ([][]byte, error) {
	t := newTree(h, nil)
	if err := copyHashed(r, n, buf, add, t); err != nil {
		return nil, err
	}
	if t.curN > 0 { // the last, short block of a complete file
		t.blocks = append(t.blocks, t.cur.Sum(nil))
	}
	return t.blocks, nil
}

// resumeAt compares the receiver's block digests with the first have
// bytes of r: it returns the offset of the first block that differs (or
// have) and the digests of the blocks before it.
func resumeAt(r io.Reader, have int64, sums [][]byte, h Hash, buf []byte, add func(int64)) (int64, [][]byte, error) {
	off := int64(0)
	for i, want := range sums {
		size := min(BlockSize, have-off)
		block := h.New()
		if err := copyHashed(r, size, buf, add, block); err != nil {
			return 0, nil, err
		}
		if !bytes.Equal(block.Sum(nil), want) {
			return off, sums[:i], nil
		}
		off += size
	}
	return off, sums, nil
}

// copyHashed reads exactly n bytes of r into w.
func copyHashed(r io.Reader, n int64, buf []byte, add func(int64), w io.Writer) error {
	for n > 0 {
		m, err := io.ReadFull(r, buf[:min(int64(len(buf)), n)])
		w.Write(buf[:m])
		add(int64(m))
		n -= int64(m)
		if err != nil {
			if err == io.ErrUnexpectedEOF || err == io.EOF {
				return fmt.Errorf("file shorter than expected: %w", io.ErrUnexpectedEOF)
			}
			return err
		}
	}
	return nil
}

// blocksIn is how many blocks the first n bytes of a file span.
func blocksIn(n int64) int {
	return int(n/BlockSize + min(n%BlockSize, 1))
}
