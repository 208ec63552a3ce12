package tls

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadRoute is a server-name pattern [Routes.Add] refuses.
var ErrBadRoute = errors.New("bad server name pattern")

// Routes chooses a value (an upstream) by the server name a client asks
// for. A pattern is a name (example.com) or a wildcard (*.example.com,
// any name below example.com, however many labels deep, but not
// example.com itself); names compare without case. An exact name wins
// over a wildcard, and the longest wildcard over shorter ones. The zero
// value is empty and ready to use.
type Routes[T any] struct {
	exact map[string]T
	wild  map[string]T // by suffix, ".example.com"
}

// Add routes pattern to v. Its error wraps [ErrBadRoute] for a pattern
// that is not a host name or *.NAME, or one added already.
func (r *Routes[T]) Add(pattern string, v T) error {
	p := strings.ToLower(strings.TrimSuffix(pattern, "."))
	suffix, wild := strings.CutPrefix(p, "*")
	if !validName(strings.TrimPrefix(suffix, ".")) || wild && !strings.HasPrefix(suffix, ".") {
		return fmt.Errorf("%w %q: want a host name or *.NAME", ErrBadRoute, pattern)
	}
	m := &r.exact
	if wild {
		m, p = &r.wild, suffix
	}
	if *m == nil {
		*m = map[string]T{}
	}
	if _, dup := (*m)[p]; dup {
		return fmt.Errorf("%w %q: given twice", ErrBadRoute, pattern)
	}
	(*m)[p] = v
	return nil
}

// Len is how many patterns r has.
func (r *Routes[T]) Len() int { return len(r.exact) + len(r.wild) }

// Lookup returns the value for name and whether a pattern matched it.
func (r *Routes[T]) Lookup(name string) (T, bool) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if v, ok := r.exact[name]; ok && name != "" {
		return v, true
	}
	for i := 0; i < len(name); i++ { // the longest suffix first
		if name[i] != '.' || i == 0 {
			continue
		}
		if v, ok := r.wild[name[i:]]; ok {
			return v, true
		}
	}
	var zero T
	return zero, false
}

// validName reports whether s is a host name: dot-separated labels of
// letters, digits, hyphens and underscores, 1 to 63 bytes each.
func validName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
