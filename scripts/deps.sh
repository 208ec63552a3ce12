#!/bin/sh
# Installs the Debian packages the tests and benchmarks talk to: OpenBSD
# nc, socat, ncat, openssl, curl, python3, haproxy, script(1), setpriv(1),
# the proxies microsocks, danted and tinyproxy, sshd and ssh,
# zsh and fish (completion scripts) (and,
# with --bench, pv and iperf3). Needs root
# or sudo; does nothing for packages already installed.
set -eu
pkgs="netcat-openbsd socat ncat openssl curl python3 haproxy bsdutils util-linux groff-base zsh fish microsocks dante-server tinyproxy openssh-server openssh-client"
[ "${1:-}" = --bench ] && pkgs="$pkgs pv iperf3"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
