package transfer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Collect turns the paths named on a command line into the items to
// send: a file goes under its base name, a directory recursively under
// its own (parents before children, permission bits kept). Inside
// directories, symbolic links and special files are skipped and
// reported to skip; a path named on the command line is followed if it
// is a link. Two items with one name are an error.
func Collect(paths []string, skip func(path, why string)) ([]Item, error) {
	var items []Item
	seen := map[string]string{}
	add := func(it Item) error {
		if prev, ok := seen[it.Name]; ok {
			return fmt.Errorf("%s and %s would both arrive as %s", prev, it.Path, it.Name)
		}
		seen[it.Name] = it.Path
		items = append(items, it)
		return nil
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		base := filepath.Base(filepath.Clean(p))
		if base == "/" || base == "." || base == ".." {
			abs, err := filepath.Abs(p)
			if err != nil {
				return nil, err
			}
			base = filepath.Base(abs)
		}
		if base == "/" {
			return nil, fmt.Errorf("%s: sending / is not supported; name a directory under it", p)
		}
		if err := CheckName(base); err != nil {
			return nil, fmt.Errorf("%s: cannot be sent under its name: %w", p, err)
		}
		switch {
		case fi.Mode().IsRegular():
			err = add(Item{Header: Header{Name: base, Size: fi.Size(), Mode: fi.Mode().Perm()}, Path: p})
		case fi.IsDir():
			dir := p
			if dir, err = filepath.EvalSymlinks(p); err == nil { // a link named here is followed
				err = walkDir(dir, base, add, skip)
			}
		default:
			err = fmt.Errorf("%s is not a regular file or a directory", p)
		}
		if err != nil {
			return nil, err
		}
	}
	return items, nil
}

// walkDir adds the tree at dir under the name base.
func walkDir(dir, base string, add func(Item) error, skip func(path, why string)) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != dir && errors.Is(err, fs.ErrPermission) {
				skip(p, "permission denied")
				return nil
			}
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(filepath.Join(base, rel))
		if err := CheckName(name); err != nil {
			skip(p, err.Error())
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return add(Item{Header: Header{Name: name, Mode: fi.Mode().Perm(), Dir: true}, Path: p})
		case fi.Mode()&fs.ModeSymlink != 0:
			skip(p, "symbolic link")
		case fi.Mode().IsRegular():
			return add(Item{Header: Header{Name: name, Size: fi.Size(), Mode: fi.Mode().Perm()}, Path: p})
		default:
			skip(p, "not a regular file")
		}
		return nil
	})
}
