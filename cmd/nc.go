package cmd

// The command lines sockit takes besides "sockit COMMAND ...": "sockit
// help [COMMAND]", and netcat's own form, "sockit [flags] HOST PORT" and
// "sockit -l [flags] [HOST] PORT", with the OpenBSD nc flags that map
// cleanly onto sockit's.

import (
	"github.com/urfave/cli/v2"
)

// rewriteArgs turns the forms above into the command lines they stand
// for; any other args are returned as they are.
func rewriteArgs(app *cli.App, args []string) ([]string, error) {
	if len(args) >= 2 && args[1] == "help" {
		return helpArgs(app, args)
	}
	return args, nil
}

// helpArgs turns "sockit help [COMMAND [SUBCOMMAND]]" into "sockit
// [COMMAND [SUBCOMMAND]] --help".
func helpArgs(app *cli.App, args []string) ([]string, error) {
	out := []string{args[0]}
	words := args[2:]
	if len(words) == 0 {
		return append(out, "--help"), nil
	}
	c := app.Command(words[0])
	if c == nil {
		ue := usagef("", "unknown command %q", words[0])
		ue.hints = suggestCommand("", app.Commands, words[0])
		return nil, ue
	}
	out = append(out, c.Name)
	if len(words) > 1 && len(c.Subcommands) > 0 {
		sc := c.Command(words[1])
		if sc == nil {
			ue := usagef(c.Name, "unknown %s subcommand %q", c.Name, words[1])
			ue.hints = suggestCommand(c.Name, c.Subcommands, words[1])
			return nil, ue
		}
		out = append(out, sc.Name)
		words = words[1:]
	}
	if len(words) > 1 {
		return nil, usagef("", "help takes one command, got %q", words[1:])
	}
	return append(out, "--help"), nil
}
