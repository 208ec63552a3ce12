#!/bin/sh
# Builds sockit with its version stamped in and installs it under PREFIX
# (default /usr/local): the binary, the man page and the bash, zsh and
# fish completion scripts, where those shells look for them.
#
#   scripts/install.sh [PREFIX]              # sudo for /usr/local
#   scripts/install.sh --uninstall [PREFIX]  # removes exactly those files
set -eu

usage() {
	echo "usage: scripts/install.sh [--uninstall] [PREFIX]" >&2
	exit 2
}

uninstall=0
prefix=
for a in "$@"; do
	case $a in
	--uninstall) uninstall=1 ;;
	-h | --help) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) usage ;;
	*) [ -z "$prefix" ] || usage; prefix=$a ;;
	esac
done
prefix=${prefix:-/usr/local}
case $prefix in /*) ;; *) prefix=$PWD/$prefix ;; esac

bin=$prefix/bin/sockit
man=$prefix/share/man/man1/sockit.1
bash=$prefix/share/bash-completion/completions/sockit
zsh=$prefix/share/zsh/site-functions/_sockit
fish=$prefix/share/fish/vendor_completions.d/sockit.fish

if [ $uninstall = 1 ]; then
	for f in "$bin" "$man" "$bash" "$zsh" "$fish"; do
		if [ -e "$f" ]; then
			rm -f "$f"
			echo "removed $f" >&2
		fi
	done
	exit 0
fi

cd "$(dirname "$0")/.."
version=$(git describe --tags --always --dirty 2>/dev/null || echo devel)
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then
	commit="$commit-dirty" # --version says "(modified)"
fi
date=$(git log -1 --format=%cI 2>/dev/null || echo unknown)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -trimpath -ldflags "-X sockit/cmd.Version=$version -X sockit/cmd.Commit=$commit -X sockit/cmd.Date=$date" -o "$tmp/sockit" .
for sh in bash zsh fish; do
	"$tmp/sockit" completion $sh >"$tmp/completion.$sh"
done

install -d "${bin%/*}" "${man%/*}" "${bash%/*}" "${zsh%/*}" "${fish%/*}"
install -m 755 "$tmp/sockit" "$bin"
install -m 644 man/sockit.1 "$man"
install -m 644 "$tmp/completion.bash" "$bash"
install -m 644 "$tmp/completion.zsh" "$zsh"
install -m 644 "$tmp/completion.fish" "$fish"
for f in "$bin" "$man" "$bash" "$zsh" "$fish"; do
	echo "installed $f" >&2
done
echo "sockit $version; open a new shell for completion" >&2
