package cmd

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// hoistFlags lets flags follow positional arguments (sockit connect host
// 80 -v), which urfave/cli v2 does not parse: it finds the command in
// args, moves the command's flags, with their values, in front of its
// positionals and puts "--" before those. A lone "-" stays positional,
// "--" ends the flags, and unknown flags are moved too so that they still
// fail as usage errors. A duration given as a bare number gets the unit
// s (--idle-timeout 5 is five seconds, as nc's -w 5).
func hoistFlags(app *cli.App, args []string) ([]string, error) {
	if len(args) < 2 {
		return args, nil
	}
	i := 1
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "--" {
		i++ // root flags take no values
	}
	if i >= len(args) {
		return args, nil
	}
	cmd := app.Command(args[i])
	if cmd == nil {
		return args, nil
	}
	name := cmd.Name
	for len(cmd.Subcommands) > 0 && i+1 < len(args) { // ipc listen ...
		sub := cmd.Command(args[i+1])
		if sub == nil {
			break
		}
		cmd, i, name = sub, i+1, name+" "+sub.Name
	}
	if len(cmd.Subcommands) > 0 { // ipc bogus -v: the missing subcommand is the error
		return args, nil
	}
	rest, err := hoist(cmd.Flags, args[i+1:])
	if err != nil {
		return nil, usagef(name, "%v", err)
	}
	return append(append([]string{}, args[:i+1]...), rest...), nil
}

// hoist moves the flags in args in front of the positionals.
func hoist(flags []cli.Flag, args []string) ([]string, error) {
	if n := len(args); n > 0 && args[n-1] == "--generate-bash-completion" {
		return args, nil
	}
	var fl, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		if n, v, ok := strings.Cut(name, "="); ok {
			if isDuration(flags, n) {
				a = a[:len(a)-len(v)] + seconds(v)
			}
			fl = append(fl, a)
			continue
		}
		fl = append(fl, a)
		if optional, ok := optionalValue[name]; ok && (i+1 == len(args) || !isCount(args[i+1])) {
			fl[len(fl)-1] = a + "=" + optional // bare --reconnect: for ever
			continue
		}
		if takesValue(flags, name) {
			if i+1 == len(args) {
				return nil, fmt.Errorf("flag needs an argument: %s", a)
			}
			i++
			v := args[i]
			if isDuration(flags, name) {
				v = seconds(v)
			}
			fl = append(fl, v)
		}
	}
	if len(pos) == 0 {
		return fl, nil
	}
	return append(append(fl, "--"), pos...), nil
}

// optionalValue holds the flags whose value may be left out, with the
// value that stands for none: a bare --reconnect reconnects for ever.
var optionalValue = map[string]string{"reconnect": "0"}

// isCount reports whether s is a whole number, the value of an optional
// count.
func isCount(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

// bareNumber is a duration without a unit: seconds, as in nc (-w 5).
var bareNumber = regexp.MustCompile(`^-?([0-9]+\.?[0-9]*|\.[0-9]+)$`)

// seconds gives a bare number the unit s; any other value is left for
// the flag's parser (and a negative one is refused as before).
func seconds(v string) string {
	if bareNumber.MatchString(v) {
		return v + "s"
	}
	return v
}

// isDuration reports whether the flag called name is a duration.
func isDuration(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		if _, ok := f.(*cli.DurationFlag); ok && slices.Contains(f.Names(), name) {
			return true
		}
	}
	return false
}

// takesValue reports whether the flag called name exists and takes a
// value (every kind but a BoolFlag).
func takesValue(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				_, isBool := f.(*cli.BoolFlag)
				return !isBool
			}
		}
	}
	return false
}
