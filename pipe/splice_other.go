//go:build !linux

package pipe

import (
	"errors"
	"io"
)

var errNoSplice = errors.New("splice not supported")

// pipeSplice is Linux only.
type pipeSplice struct{}

func (c *Conn) splicer(r io.Reader) (*pipeSplice, bool)    { return nil, false }
func (p *pipeSplice) once() (n int64, eof bool, err error) { return 0, false, nil }
func (p *pipeSplice) all() (int64, error)                  { return 0, nil }
func growPipeOf(w io.Writer)                               {}
