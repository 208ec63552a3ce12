package cmd

// "Did you mean" for mistyped commands and flags, and the hints that
// name sockit's equivalent of a netcat flag it does not take.

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"
)

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of two neighbours each
// cost one (idel-timeout is one away from idle-timeout).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// closest returns the candidate nearest to typed, or "" when none is
// near enough to be what was meant: at most two edits, and fewer than a
// third of the word, so that "bogus" suggests nothing. A candidate that
// typed is a prefix of (--idle for --idle-timeout) also counts.
func closest(typed string, candidates []string) string {
	if len(typed) < 2 {
		return ""
	}
	best, bestD := "", 3
	for _, c := range candidates {
		if len(c) < 2 || c == typed {
			continue
		}
		d := editDistance(typed, c)
		if d < bestD && d*3 <= len(typed) {
			best, bestD = c, d
		}
	}
	if best == "" && len(typed) >= 3 {
		for _, c := range candidates {
			if strings.HasPrefix(c, typed) {
				return c
			}
		}
	}
	return best
}

// commandNames lists the names (and aliases) of cmds.
func commandNames(cmds []*cli.Command) []string {
	var names []string
	for _, c := range cmds {
		if !c.Hidden {
			names = append(names, c.Names()...)
		}
	}
	return names
}

// suggestCommand is the hint for an unknown command typed where one of
// cmds was expected ("sockit conect"); parent is "" or "ipc".
func suggestCommand(parent string, cmds []*cli.Command, typed string) []string {
	c := closest(typed, commandNames(cmds))
	if c == "" {
		return nil
	}
	return []string{fmt.Sprintf("did you mean 'sockit %s'?", strings.TrimSpace(parent+" "+c))}
}

// undefinedFlag matches the flag package's error for an unknown flag.
var undefinedFlag = regexp.MustCompile(`^flag provided but not defined: -+(.+)$`)

// flagHints returns the hints for a usage error of the flag parser in
// command cmd (nil at the root) whose flags are flags: a flag close to
// one that exists, or the equivalent of a netcat flag.
func flagHints(app *cli.App, flags []cli.Flag, err error) []string {
	m := undefinedFlag.FindStringSubmatch(err.Error())
	if m == nil {
		return nil
	}
	typed := m[1]
	if h := ncHint(app, typed); h != "" {
		return []string{h}
	}
	var names []string
	for _, f := range flags {
		names = append(names, f.Names()...)
	}
	if c := closest(typed, names); c != "" {
		return []string{fmt.Sprintf("did you mean %s?", flagName(c))}
	}
	return nil
}

// ncFlag is what sockit calls one of OpenBSD netcat's flags.
type ncFlag struct {
	equiv string // sockit's equivalent, in the words of a hint
	needs string // the command or flag it depends on, "" when always there
}

// ncFlags are netcat's one-letter flags and sockit's names for them.
var ncFlags = map[string]ncFlag{
	"l": {equiv: "the listen command ('sockit listen PORT', or 'sockit -l PORT')"},
	"p": {equiv: "the port argument when listening ('sockit listen PORT') and --source-port when dialling"},
	"k": {equiv: "listen's --keep-open (-k)"},
	"w": {equiv: "--connect-timeout and --idle-timeout"},
	"q": {equiv: "--idle-timeout (after stdin ends, sockit waits for the peer's end)"},
	"N": {equiv: "the default (sockit half-closes when stdin ends; --no-shutdown keeps the write side open)"},
	"s": {equiv: "--source when dialling, and the listen address ('sockit listen ADDR:PORT') when listening"},
	"U": {equiv: "a unix:PATH address, or the ipc command ('sockit ipc connect PATH')"},
	"C": {equiv: "--crlf"},
	"d": {equiv: "--recv-only"},
	"n": {equiv: "a numeric address (sockit looks up only names it is given)"},
	"z": {equiv: "the scan command ('sockit scan HOST PORTS...')", needs: "scan"},
	"t": {equiv: "--telnet", needs: "--telnet"},
	"u": {equiv: "-u on connect, listen, echo and relay, or the udp: address prefix", needs: "udp"},
	"x": {equiv: "--proxy URL (-x HOST:PORT is --proxy socks5h://HOST:PORT)", needs: "--proxy"},
	"X": {equiv: "the scheme of --proxy URL (-X 4 is socks4://, -X 5 socks5h://, -X connect http://)", needs: "--proxy"},
}

// ncHint is the hint for -LETTER, a netcat flag the command does not
// take, or "" when LETTER is not one.
func ncHint(app *cli.App, letter string) string {
	f, ok := ncFlags[letter]
	if !ok {
		return ""
	}
	h := fmt.Sprintf("nc's -%s is %s here", letter, f.equiv)
	if f.needs != "" && !available(app, f.needs) {
		h = fmt.Sprintf("nc's -%s is %s in sockit, which is not available yet", letter, f.equiv)
	}
	return h
}

// available reports whether sockit has feature: a command ("scan"), a
// flag of connect ("--telnet"), or udp: addresses ("udp").
func available(app *cli.App, feature string) bool {
	if app == nil {
		return false
	}
	switch {
	case feature == "udp":
		return udpAvailable
	case strings.HasPrefix(feature, "--"):
		if c := app.Command("connect"); c != nil {
			for _, f := range c.Flags {
				for _, n := range f.Names() {
					if n == feature[2:] {
						return true
					}
				}
			}
		}
		return false
	}
	return app.Command(feature) != nil
}

// udpAvailable tells whether udp: addresses work.
const udpAvailable = true
