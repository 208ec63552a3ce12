package transfer

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"
)

// A receiver follows the sender's walk of its tree, which is depth
// first: everything under a directory comes right after it. It keeps
// the directory it is in open, and every keepEvery-th one above it, so
// that a name in the same directory, or one just below or above, costs
// a few system calls whatever its depth, and the longest name (2048
// directories deep) one pass over its elements. Re-walking every name
// from the top cost the square of the depth per file: minutes for a
// tree 600 deep.
//
// Directories recv creates get the sender's mode, masked by the umask,
// when it creates them; one without the owner's rwx (read-only, as in
// Go's module cache) stays writable until the walk leaves it, so that
// it can still be filled. A directory that was there before is never
// changed.

// keepEvery spaces the directories held open above the current one: at
// most MaxName/2/keepEvery+1 descriptors, and at most keepEvery opens
// to reach any directory on the path again.
const keepEvery = 32

// dirWalk is where a session is in the tree under root.
type dirWalk struct {
	root  *os.Root
	umask fs.FileMode
	// path holds the elements of the current directory, all slices of
	// the last name entered (so no older name stays in memory).
	path []string
	// open[i] is the directory path[:i+1], held open when i+1 is a
	// multiple of keepEvery or the current directory; nil otherwise.
	open []*os.Root
	// owed are the modes owed to directories on the path, shallowest
	// first; never more than the path is deep.
	owed []owedMode
	// modeErr is the first failure to give a directory its mode.
	modeErr error
}

// owedMode is the mode owed to the directory path[:depth].
type owedMode struct {
	depth int
	mode  fs.FileMode
}

func newDirWalk(root *os.Root) *dirWalk {
	return &dirWalk{root: root, umask: processUmask()}
}

// enterFile makes the directory of the file name current, creating the
// missing directories (0755 under the umask), and returns it.
func (w *dirWalk) enterFile(name string) (*os.Root, error) {
	return w.enter(path.Dir(name), 0o755)
}

// enterDir makes the directory name current, creating it and its
// missing parents, and gives a directory it creates mode under the
// umask (when the walk leaves it, if mode takes the owner's rwx away).
func (w *dirWalk) enterDir(name string, mode fs.FileMode) error {
	_, err := w.enter(name, mode)
	return err
}

// enter leaves the directories of the path that do not hold dir
// (paying the modes owed to them), then walks down to dir, checking
// that every element is a real directory, never a symbolic link, and
// creating the missing ones: the last with mode, the others 0755.
func (w *dirWalk) enter(dir string, mode fs.FileMode) (*os.Root, error) {
	var parts []string
	if dir != "." && dir != "" {
		parts = strings.Split(dir, "/")
	}
	k := 0
	for k < len(w.path) && k < len(parts) && w.path[k] == parts[k] {
		w.path[k] = parts[k] // the same text, from the newest name
		k++
	}
	w.leave(k)
	// start from the deepest directory still held
	d := k
	for d > 0 && w.open[d-1] == nil {
		d--
	}
	for i := d; i < len(w.open); i++ {
		if w.open[i] != nil {
			w.open[i].Close()
		}
	}
	w.path, w.open = w.path[:d], w.open[:d]
	cur := w.at(d)
	for i := d; i < len(parts); i++ {
		m := fs.FileMode(0o755)
		if i == len(parts)-1 {
			m = mode
		}
		next, made, err := openDir(cur, parts[i], m, parts[:i+1])
		if err != nil {
			w.forget()
			return nil, err
		}
		if i > 0 && i%keepEvery != 0 { // cur is no checkpoint: let it go
			cur.Close()
			w.open[i-1] = nil
		}
		w.path = append(w.path, parts[i])
		w.open = append(w.open, next)
		if made && 0o700&^m&^w.umask != 0 {
			w.owed = append(w.owed, owedMode{i + 1, m &^ w.umask})
		}
		cur = next
	}
	return cur, nil
}

// at returns the directory path[:depth], which must be held.
func (w *dirWalk) at(depth int) *os.Root {
	if depth == 0 {
		return w.root
	}
	return w.open[depth-1]
}

// leave pays the modes owed to the directories of the path deeper than
// depth, deepest first.
func (w *dirWalk) leave(depth int) {
	for len(w.owed) > 0 && w.owed[len(w.owed)-1].depth > depth {
		o := w.owed[len(w.owed)-1]
		w.owed = w.owed[:len(w.owed)-1]
		held := o.depth
		for held > 0 && w.open[held-1] == nil {
			held--
		}
		rel := "."
		if held < o.depth {
			rel = strings.Join(w.path[held:o.depth], "/")
		}
		if err := w.at(held).Chmod(rel, o.mode); err != nil && w.modeErr == nil {
			w.modeErr = fmt.Errorf("%s: %w", strings.Join(w.path[:o.depth], "/"), err)
		}
	}
}

// forget drops the modes owed to directories deeper than the path: a
// walk that could not go back down (the tree changed under it) no
// longer knows where they are.
func (w *dirWalk) forget() {
	for len(w.owed) > 0 && w.owed[len(w.owed)-1].depth > len(w.path) {
		w.owed = w.owed[:len(w.owed)-1]
	}
}

// finish pays every mode still owed and returns the first failure to
// give a directory its mode.
func (w *dirWalk) finish() error {
	w.leave(0)
	return w.modeErr
}

// close lets go of the directories held.
func (w *dirWalk) close() {
	for _, r := range w.open {
		if r != nil {
			r.Close()
		}
	}
	w.path, w.open = nil, nil
}

// openDir opens the directory el of parent, creating it with mode
// (under the umask) when missing; it must be a real directory, and the
// one opened must be the one checked. name is its path from the top, for
// errors.
func openDir(parent *os.Root, el string, mode fs.FileMode, name []string) (*os.Root, bool, error) {
	made := false
	fi, err := parent.Lstat(el)
	if errors.Is(err, fs.ErrNotExist) {
		err = parent.Mkdir(el, mode|0o700)
		made = err == nil
		if err == nil || errors.Is(err, fs.ErrExist) {
			fi, err = parent.Lstat(el)
		}
	}
	if err != nil {
		return nil, false, err
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, false, tagf(CodeNotRegular, "%s is a symbolic link; sockit writes only into real directories", strings.Join(name, "/"))
	case !fi.IsDir():
		return nil, false, tagf(CodeNotRegular, "%s is not a directory", strings.Join(name, "/"))
	}
	r, err := parent.OpenRoot(el)
	if err != nil {
		return nil, false, err
	}
	if now, err := r.Stat("."); err != nil || !os.SameFile(fi, now) {
		r.Close()
		return nil, false, tagf(CodeChanged, "%s changed while it was checked", strings.Join(name, "/"))
	}
	return r, made, nil
}

// processUmask is the process's umask, read without changing it where
// Linux shows it; elsewhere the one it had at start-up.
func processUmask() fs.FileMode {
	if f, err := os.Open("/proc/self/status"); err == nil {
		defer f.Close()
		s := bufio.NewScanner(f)
		for s.Scan() {
			if v, ok := strings.CutPrefix(s.Text(), "Umask:"); ok {
				if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					return fs.FileMode(m) & fs.ModePerm
				}
			}
		}
	}
	return startUmask
}

// startUmask is the umask at start-up, read (and put back) before any
// goroutine of ours can create a file.
var startUmask = func() fs.FileMode {
	m := syscall.Umask(0o077)
	syscall.Umask(m)
	return fs.FileMode(m) & fs.ModePerm
}()
