package ipc

import "strings"

// isAbstract reports whether path is a Linux abstract socket name (@NAME):
// no file is created for it.
func isAbstract(path string) bool { return strings.HasPrefix(path, "@") }
