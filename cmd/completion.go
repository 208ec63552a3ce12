package cmd

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"
)

// flagValues are the flags whose values are a fixed set, for completion.
var flagValues = map[string][]string{
	"log-format": {"text", "json"},
	"color":      {"auto", "always", "never"},
	"balance":    {"failover", "round-robin"},
}

// completionShells are the shells sockit completion writes scripts for.
var completionShells = []string{"bash", "zsh", "fish"}

func completionCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: commands, flags, fixed flag values, files",
		ArgsUsage: "bash | zsh | fish",
		Description: `Prints a completion script for bash, zsh or fish on stdout, built from
sockit's own commands and flags. Load it for this shell
(source <(sockit completion bash) in ~/.bashrc), or install it where the
shell looks (scripts/install.sh does).

   source <(sockit completion bash)               # ~/.bashrc
   source <(sockit completion zsh)                # ~/.zshrc
   sockit completion fish | source                # config.fish`,
		Action: e.completion,
	}
}

// completion is the action of sockit completion.
func (e *env) completion(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("completion", "want one shell: bash, zsh or fish")
	}
	tree := completionTree(c.App)
	switch sh := c.Args().First(); sh {
	case "bash":
		return writeBash(e.stdout, tree, false)
	case "zsh":
		return writeBash(e.stdout, tree, true)
	case "fish":
		return writeFish(e.stdout, tree)
	default:
		return usagef("completion", "unknown shell %q: want bash, zsh or fish", sh)
	}
}

// compCmd is one command as completion sees it: its path ("ipc connect"),
// subcommands, flags and what its arguments are.
type compCmd struct {
	path  string
	usage string
	subs  []string
	flags []compFlag
	files bool // its arguments after the first are files (send)
}

// compFlag is one flag: its names as typed, and its value's kind.
type compFlag struct {
	names  []string // "--retry", "-s"
	long   string   // the first long name, without dashes
	short  string   // a one-letter alias, without the dash
	usage  string
	value  bool     // takes a value
	file   bool     // the value is a file
	values []string // the value is one of these
}

// completionTree walks app's visible commands.
func completionTree(app *cli.App) []compCmd {
	var cmds []compCmd
	var walk func(prefix string, cs []*cli.Command)
	walk = func(prefix string, cs []*cli.Command) {
		for _, c := range cs {
			if c.Hidden {
				continue
			}
			cc := compCmd{path: strings.TrimSpace(prefix + " " + c.Name), usage: c.Usage, files: c.Name == "send"}
			for _, s := range c.Subcommands {
				if !s.Hidden {
					cc.subs = append(cc.subs, s.Name)
				}
			}
			for _, f := range c.Flags {
				if f.Names()[0] == "help" {
					continue // added below, on every command
				}
				if cf, ok := compFlagOf(f); ok {
					cc.flags = append(cc.flags, cf)
				}
			}
			cc.flags = append(cc.flags, compFlag{names: []string{"--help", "-h"}, long: "help", short: "h", usage: "show help"})
			cmds = append(cmds, cc)
			walk(cc.path, c.Subcommands)
		}
	}
	walk("", app.Commands)
	return cmds
}

// placeholder finds a flag usage's `NAME`.
var placeholder = regexp.MustCompile("`([A-Z_]+)`")

// compFlagOf describes f, or reports false for a hidden flag.
func compFlagOf(f cli.Flag) (compFlag, bool) {
	if vf, ok := f.(cli.VisibleFlag); ok && !vf.IsVisible() {
		return compFlag{}, false
	}
	cf := compFlag{}
	for _, n := range f.Names() {
		if len(n) == 1 {
			cf.names = append(cf.names, "-"+n)
			if cf.short == "" {
				cf.short = n
			}
			continue
		}
		cf.names = append(cf.names, "--"+n)
		if cf.long == "" {
			cf.long = n
		}
	}
	if df, ok := f.(cli.DocGenerationFlag); ok {
		cf.value = df.TakesValue()
		cf.usage = df.GetUsage()
	}
	if m := placeholder.FindStringSubmatch(cf.usage); m != nil {
		cf.file = m[1] == "FILE" || m[1] == "DIR" || m[1] == "PATH"
	}
	cf.usage = strings.ReplaceAll(cf.usage, "`", "")
	cf.values = flagValues[f.Names()[0]]
	return cf, true
}

// writeBash writes the bash script; for zsh, behind bashcompinit.
func writeBash(w io.Writer, cmds []compCmd, zsh bool) error {
	var b strings.Builder
	fn := "_sockit"
	if zsh {
		fn = "_sockit_bash" // _sockit is the name compinit autoloads this file as
		b.WriteString("#compdef sockit\n# zsh completion for sockit (sockit completion zsh): the bash functions, through bashcompinit\n")
		b.WriteString("(( $+functions[compdef] )) || { autoload -U +X compinit && compinit; }\nautoload -U +X bashcompinit && bashcompinit\n")
	} else {
		b.WriteString("# bash completion for sockit: sockit completion bash\n")
	}
	var top []string
	for _, c := range cmds {
		if !strings.Contains(c.path, " ") {
			top = append(top, c.path)
		}
	}
	fmt.Fprintf(&b, `%[1]s() {
    [[ -n ${ZSH_VERSION-} ]] && setopt localoptions ksharrays noequals
    local cur=${COMP_WORDS[COMP_CWORD]} prev= cmd= npos=0 i w
    (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}
    if [[ $prev == '=' ]] && (( COMP_CWORD > 1 )); then prev=${COMP_WORDS[COMP_CWORD-2]}
    elif [[ $cur == '=' ]]; then cur=; fi
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
        '=') ((i++)); continue ;;
        -*) _sockit_takes_value "$cmd" "$w" && [[ ${COMP_WORDS[i+1]} != '=' ]] && ((i++)); continue ;;
        esac
        if (( npos == 0 )) && [[ $(_sockit_subs "$cmd") == *" $w "* ]]; then
            cmd="${cmd:+$cmd }$w"
        else
            ((npos++))
        fi
    done
    case $prev in -*)
        if _sockit_takes_value "$cmd" "$prev"; then
            case "$(_sockit_value "$cmd" "$prev")" in
            @file) _sockit_filenames; COMPREPLY=($(compgen -f -- "$cur")) ;;
            @any) COMPREPLY=() ;;
            *) COMPREPLY=($(compgen -W "$(_sockit_value "$cmd" "$prev")" -- "$cur")) ;;
            esac
            return
        fi ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_sockit_flags "$cmd")" -- "$cur"))
        return
    fi
    local subs=$(_sockit_subs "$cmd")
    if [[ -n ${subs// } ]] && (( npos == 0 )); then
        COMPREPLY=($(compgen -W "$subs" -- "$cur"))
        return
    fi
    case $cmd in
    completion) (( npos == 0 )) && COMPREPLY=($(compgen -W "%[2]s" -- "$cur")) ;;
`, fn, strings.Join(completionShells, " "))
	for _, c := range cmds {
		if c.files {
			fmt.Fprintf(&b, "    %q) (( npos > 0 )) && { _sockit_filenames; COMPREPLY=($(compgen -f -- \"$cur\")); } ;;\n", c.path)
		}
	}
	b.WriteString("    esac\n}\n\n_sockit_subs() {\n    case $1 in\n")
	fmt.Fprintf(&b, "    '') echo \" %s \" ;;\n", strings.Join(top, " "))
	for _, c := range cmds {
		if len(c.subs) > 0 {
			fmt.Fprintf(&b, "    %q) echo \" %s \" ;;\n", c.path, strings.Join(c.subs, " "))
		}
	}
	b.WriteString("    esac\n}\n\n_sockit_flags() {\n    case $1 in\n")
	for _, c := range cmds {
		var names []string
		for _, f := range c.flags {
			names = append(names, f.names...)
		}
		fmt.Fprintf(&b, "    %q) echo %q ;;\n", c.path, strings.Join(names, " "))
	}
	b.WriteString("    '') echo '--help --version' ;;\n    esac\n}\n\n")
	b.WriteString("# _sockit_filenames marks the words as files (a slash after a directory) where the shell can\n")
	b.WriteString("_sockit_filenames() { command -v compopt >/dev/null && compopt -o filenames 2>/dev/null; return 0; }\n\n")
	b.WriteString("_sockit_takes_value() { [[ -n $(_sockit_value \"$1\" \"$2\") ]]; }\n\n")
	b.WriteString("_sockit_value() {\n    case \"$1 ${2%%=*}\" in\n")
	for _, c := range cmds {
		for _, f := range c.flags {
			if !f.value {
				continue
			}
			v := "@any"
			switch {
			case f.file:
				v = "@file"
			case len(f.values) > 0:
				v = strings.Join(f.values, " ")
			}
			var pats []string
			for _, n := range f.names {
				pats = append(pats, fmt.Sprintf("%q", c.path+" "+n))
			}
			fmt.Fprintf(&b, "    %s) echo %q ;;\n", strings.Join(pats, "|"), v)
		}
	}
	fmt.Fprintf(&b, "    esac\n}\n\ncomplete -F %s sockit\n", fn)
	if zsh { // autoloaded by compinit as _sockit for this completion: complete now too
		fmt.Fprintf(&b, "[[ ${funcstack[1]} == _sockit ]] && _bash_complete -F %s\n", fn)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeFish writes the fish script: static complete lines.
func writeFish(w io.Writer, cmds []compCmd) error {
	var b strings.Builder
	b.WriteString("# fish completion for sockit: sockit completion fish\ncomplete -c sockit -f\n")
	for _, c := range cmds {
		words := strings.Fields(c.path)
		// the condition: the command's words seen, and none of its subcommands yet
		var cond string
		if len(words) == 1 {
			cond = "__fish_seen_subcommand_from " + words[0]
		} else {
			cond = "__fish_seen_subcommand_from " + words[0] + "; and __fish_seen_subcommand_from " + words[1]
		}
		if len(words) == 1 {
			fmt.Fprintf(&b, "complete -c sockit -n '__fish_use_subcommand' -a %s -d %s\n", fishQuote(c.path), fishQuote(c.usage))
		}
		if len(c.subs) > 0 {
			fmt.Fprintf(&b, "complete -c sockit -n '%s; and not __fish_seen_subcommand_from %s' -a %s\n", cond, strings.Join(c.subs, " "), fishQuote(strings.Join(c.subs, " ")))
			continue
		}
		if c.path == "completion" {
			fmt.Fprintf(&b, "complete -c sockit -n '%s' -a %s\n", cond, fishQuote(strings.Join(completionShells, " ")))
		}
		if c.files {
			fmt.Fprintf(&b, "complete -c sockit -n '%s' -F\n", cond)
		}
		for _, f := range c.flags {
			line := "complete -c sockit -n '" + cond + "'"
			if f.long != "" {
				line += " -l " + f.long
			}
			if f.short != "" {
				line += " -s " + f.short
			}
			switch {
			case f.file:
				line += " -r -F"
			case len(f.values) > 0:
				line += " -x -a " + fishQuote(strings.Join(f.values, " "))
			case f.value:
				line += " -x"
			}
			b.WriteString(line + " -d " + fishQuote(f.usage) + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// fishQuote quotes s for fish in single quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
