//go:build !unix

package listen

// closeInheritedOnExec does nothing where descriptors are not inherited
// by exec.
func closeInheritedOnExec() {}
