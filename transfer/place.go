package transfer

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
	"unicode/utf8"
)

// A file arrives in a partial file beside its final name and is renamed
// into place once verified. Both are opened through an *os.Root on their
// directory, which the walk (dirs.go) checked to be a real directory
// under the receiving one, and checked by type before anything opens
// them: a FIFO opened for reading would block the receiver for ever.

// partialSuffix ends the name of a file still arriving.
const partialSuffix = ".sockit-partial"

// maxElem is the longest file name (one path element) Linux and most
// file systems take, in bytes.
const maxElem = 255

// PartialName is the partial file that name arrives in: .BASE.sockit-partial
// beside it, or, when that would pass 255 bytes, the first 222 bytes of
// BASE (cut between characters), "~" and the first 16 hex digits of
// BASE's SHA-256, so that the same name always finds the same partial
// file.
func PartialName(name string) string {
	dir, base := path.Split(name)
	return dir + partialBase(base)
}

// partialBase is the name of the partial file of the file named base.
func partialBase(base string) string {
	if 1+len(base)+len(partialSuffix) <= maxElem {
		return "." + base + partialSuffix
	}
	sum := sha256.Sum256([]byte(base))
	cut := maxElem - 1 - 1 - 16 - len(partialSuffix)
	for cut > 0 && !utf8.RuneStart(base[cut]) {
		cut--
	}
	return "." + base[:cut] + "~" + hex.EncodeToString(sum[:8]) + partialSuffix
}

// isPartialName reports whether name's last element is that of a partial
// file, which a sender may not send.
func isPartialName(name string) bool {
	base := path.Base(name)
	return strings.HasPrefix(base, ".") && strings.HasSuffix(base, partialSuffix)
}

// place is where one file lands.
type place struct {
	dir     *os.Root // its directory; not owned
	name    string   // final, relative to the receiving directory (for messages)
	base    string   // final, in dir
	partial string   // the partial file, in dir
}

// newPlace checks that the file name (relative to the receiving
// directory) may land in dir, its directory: the final name must not be
// a directory or another non-regular file, nor exist at all unless
// force.
func newPlace(dir *os.Root, name string, force bool) (place, error) {
	base := path.Base(name)
	p := place{dir: dir, name: name, base: base, partial: partialBase(base)}
	return p, p.checkFinal(force)
}

// partialName is the partial file's path, relative to the receiving
// directory.
func (p place) partialName() string {
	return PartialName(p.name)
}

// checkFinal fails when the final name is a directory or another
// non-regular file, or exists and force is false.
func (p place) checkFinal(force bool) error {
	fi, err := p.dir.Lstat(p.base)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.IsDir():
		return tagf(CodeNotRegular, "%s is a directory", p.name)
	case !fi.Mode().IsRegular():
		return notRegular(p.name)
	case !force:
		return fmt.Errorf("%s %w", p.name, ErrExists)
	}
	return nil
}

// notRegular is the refusal of a name taken by something other than a
// regular file (a FIFO, a socket, a device, a symbolic link), --force or
// not.
func notRegular(name string) error {
	return fmt.Errorf("%s %w", name, ErrNotRegular)
}

// openRegular opens the regular file name in dir with flag, never
// following a symbolic link and never blocking on a FIFO: its type is
// checked before and after the open.
func openRegular(dir *os.Root, name, shown string, flag int, perm fs.FileMode) (*os.File, error) {
	if fi, err := dir.Lstat(name); err == nil && !fi.Mode().IsRegular() {
		return nil, notRegular(shown)
	}
	f, err := dir.OpenFile(name, flag|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, perm)
	if errors.Is(err, syscall.ELOOP) {
		return nil, notRegular(shown)
	}
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, notRegular(shown)
	}
	return f, nil
}

// openFinal opens the final file for reading.
func (p place) openFinal() (*os.File, error) {
	return openRegular(p.dir, p.base, p.name, os.O_RDONLY, 0)
}

// openPartial opens (creating) the partial file for reading and writing
// and locks it, so that two transfers never write the same file.
func (p place) openPartial() (*os.File, error) {
	f, err := openRegular(p.dir, p.partial, p.partialName(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, tagf(CodeBusy, "another transfer is writing %s", p.name)
		}
		return nil, fmt.Errorf("lock %s: %w", p.partialName(), err)
	}
	// the file locked must still be the partial file: another transfer
	// may have renamed it into place meanwhile
	if !p.holds(f, p.partial) {
		f.Close()
		return nil, tagf(CodeBusy, "another transfer has just written %s", p.name)
	}
	return f, nil
}

// holds reports whether name in the directory is f: the same regular
// file (device and inode), not a link to it or another file put there.
func (p place) holds(f *os.File, name string) bool {
	held, err1 := f.Stat()
	now, err2 := p.dir.Lstat(name)
	return err1 == nil && err2 == nil && now.Mode().IsRegular() && os.SameFile(held, now)
}

// removePartial removes the partial file, if it is still f.
func (p place) removePartial(f *os.File) {
	if p.holds(f, p.partial) {
		p.dir.Remove(p.partial)
	}
}

// commit renames the partial file f into place, checking again that it
// replaces nothing unless force, and that the file renamed is the one
// written: another local process may have swapped the partial file
// meanwhile.
func (p place) commit(f *os.File, force bool) error {
	if err := p.checkFinal(force); err != nil {
		return err
	}
	if !p.holds(f, p.partial) {
		return tagf(CodeChanged, "%s was replaced while the data arrived (it is not the file written); not saved", p.partialName())
	}
	if err := p.dir.Rename(p.partial, p.base); err != nil {
		return err
	}
	if !p.holds(f, p.base) {
		return tagf(CodeChanged, "%s was replaced as it was renamed into place (it is not the file written)", p.name)
	}
	return nil
}
