//go:build !linux

package pipe

import "errors"

// fdReadable is unknown here: an idle input is assumed.
func fdReadable(fd uintptr) bool { return false }

// fdWait is not available here.
func fdWait(fd uintptr) error { return errors.ErrUnsupported }
