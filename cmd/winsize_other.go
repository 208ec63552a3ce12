//go:build !unix

package cmd

import "os"

// termCols is the width of the terminal f: 80 where sockit cannot ask.
func termCols(*os.File) int { return 80 }
