package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// maxFlagFile is the most bytes a file named by a flag (--allow-file,
// --auth-file, --proxy-auth-file) may hold: lists and credentials, not
// data.
const maxFlagFile = 1 << 20

// readFlagFile reads the file a flag names. It opens it without
// blocking, so that a FIFO nobody writes to reads as empty instead of
// hanging sockit where no signal can reach it; a pipe with a writer
// (bash's <(...)) is read to its end. A directory, and a file over 1
// MiB, are errors.
func readFlagFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFlagFile+1))
	if errors.Is(err, syscall.EAGAIN) { // a device with nothing to read
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxFlagFile {
		return nil, fmt.Errorf("%s: longer than %d bytes", path, maxFlagFile)
	}
	return b, nil
}
