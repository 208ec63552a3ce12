package xfer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
)

// A file arrives in a partial file beside its final name and is renamed
// into place once verified. Every path is opened through an *os.Root on
// the receiving directory, and every directory on the way is checked to
// be a real directory, not a symbolic link, so a name from the wire never
// reaches outside it.

// partialSuffix ends the name of a file still arriving.
const partialSuffix = ".sockit-partial"

// PartialName is the partial file that name arrives in.
func PartialName(name string) string {
	dir, base := path.Split(name)
	return dir + "." + base + partialSuffix
}

// isPartialName reports whether name's last element is that of a partial
// file, which a sender may not send.
func isPartialName(name string) bool {
	base := path.Base(name)
	return strings.HasPrefix(base, ".") && strings.HasSuffix(base, partialSuffix)
}

// ErrExists is wrapped by the refusal of a file that exists.
var ErrExists = errors.New("exists")

// place is where one file lands under a root.
type place struct {
	root    *os.Root
	name    string // final, relative to root
	partial string // relative to root
}

// newPlace checks name's directories under root, creating the missing
// ones (mode 0755 before the umask), and that the final name may be
// written: it must not be a directory, nor exist at all unless force.
func newPlace(root *os.Root, name string, force bool) (place, error) {
	p := place{root: root, name: name, partial: PartialName(name)}
	if err := mkdirs(root, path.Dir(name), 0o755, nil); err != nil {
		return p, err
	}
	if err := p.checkFinal(force); err != nil {
		return p, err
	}
	return p, nil
}

// checkFinal fails when the final name is a directory, or exists and
// force is false.
func (p place) checkFinal(force bool) error {
	fi, err := p.root.Lstat(p.name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("%s is a directory", p.name)
	case !force:
		return fmt.Errorf("%s %w (--force overwrites it)", p.name, ErrExists)
	}
	return nil
}

// mkdirs makes sure every element of dir under root is a real directory,
// creating the missing ones with mode; created, when not nil, collects
// the directories it made.
func mkdirs(root *os.Root, dir string, mode fs.FileMode, created *[]string) error {
	if dir == "." || dir == "" {
		return nil
	}
	sofar := ""
	for _, el := range strings.Split(dir, "/") {
		sofar = path.Join(sofar, el)
		fi, err := root.Lstat(sofar)
		if errors.Is(err, fs.ErrNotExist) {
			if err := root.Mkdir(sofar, mode); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
			if created != nil {
				*created = append(*created, sofar)
			}
			continue
		}
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s is a symbolic link; sockit writes only into real directories", sofar)
		case !fi.IsDir():
			return fmt.Errorf("%s is not a directory", sofar)
		}
	}
	return nil
}

// openPartial opens (creating) the partial file for reading and writing
// and locks it, so that two transfers never write the same file.
func (p place) openPartial() (*os.File, error) {
	if fi, err := p.root.Lstat(p.partial); err == nil && !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file; not touching it", p.partial)
	}
	f, err := p.root.OpenFile(p.partial, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another transfer is writing %s", p.name)
		}
		return nil, fmt.Errorf("lock %s: %w", p.partial, err)
	}
	// the file locked must still be the partial file: another transfer
	// may have renamed it into place meanwhile
	held, err1 := f.Stat()
	now, err2 := p.root.Lstat(p.partial)
	if err1 != nil || err2 != nil || !os.SameFile(held, now) {
		f.Close()
		return nil, fmt.Errorf("another transfer has just written %s", p.name)
	}
	return f, nil
}

// commit renames the partial file into place, checking again that it
// replaces nothing unless force.
func (p place) commit(force bool) error {
	if err := p.checkFinal(force); err != nil {
		return err
	}
	return p.root.Rename(p.partial, p.name)
}
