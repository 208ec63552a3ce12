#!/usr/bin/env bash
# shellcheck disable=SC2002 # case 2 pipes on purpose: "cat file |" is what it measures
# Measures sockit against OpenBSD nc, socat, ncat, iperf3 and a bare Go
# echo server on loopback, in one run, as the median of several runs with
# the tools alternating, and prints a table of values and ratios against
# the targets of issue #7. With --write it also regenerates the top of
# docs/BENCHMARKS.md (everything from "## Analysis" on is kept).
#
#   scripts/bench.sh [--write]
#
# Environment: BENCH_RUNS (default 5), BENCH_SIZE (bytes, or with K, M or
# G: default 2G), BENCH_TIME (duration of the echo and connection-rate
# runs, per server, default 3s), BENCH_IDLE_CONNS (default 5000),
# BENCH_THROTTLE (bytes/s of the throttled receiver of case 7, default
# 100000000),
# BENCH_RELAY_PAIRS (idle pairs of case 9, default 2000),
# BENCH_UDP_SENDERS and BENCH_UDP_WINDOW (case 10: sockets sending 64-byte
# datagrams, and how many each keeps unanswered; default 8 and 16),
# BENCH_UDP_SESSIONS (peers of case 11, default 10000),
# BENCH_CASES (which cases to run, default "1 2 3 4 5 6 7 8 9 10 11 12").
# Missing Debian peers are installed by scripts/deps.sh --bench.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD

write=0
case "${1:-}" in
--write) write=1 ;;
"") ;;
*)
	echo "usage: scripts/bench.sh [--write]" >&2
	exit 2
	;;
esac

runs=${BENCH_RUNS:-5}
size_arg=${BENCH_SIZE:-2G}
dur=${BENCH_TIME:-3s}
idle_conns=${BENCH_IDLE_CONNS:-5000}
throttle=${BENCH_THROTTLE:-100000000}
relay_pairs=${BENCH_RELAY_PAIRS:-2000}
udp_senders=${BENCH_UDP_SENDERS:-8}
udp_window=${BENCH_UDP_WINDOW:-16}
udp_sessions=${BENCH_UDP_SESSIONS:-10000}
cases=${BENCH_CASES:-1 2 3 4 5 6 7 8 9 10 11 12}
tmo=600 # seconds any one transfer may take before it counts as failed

case "$size_arg" in
*K) size=$((${size_arg%K} << 10)) ;;
*M) size=$((${size_arg%M} << 20)) ;;
*G) size=$((${size_arg%G} << 30)) ;;
*) size=$size_arg ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockit-bench.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { printf '%s\n' "$*" >&2; }
has() { case " $cases " in *" $1 "*) return 0 ;; esac; return 1; }

# --- setup -----------------------------------------------------------------

sh scripts/deps.sh --bench
for t in nc socat ncat iperf3 microsocks tinyproxy; do
	command -v "$t" >/dev/null || {
		log "bench: $t is missing after scripts/deps.sh --bench"
		exit 1
	}
done

log "bench: building sockit and the helpers into $tmp"
go build -o "$tmp/sockit" .
go build -o "$tmp/" ./scripts/benchtools/echoserver ./scripts/benchtools/loadgen
sockit=$tmp/sockit
echoserver=$tmp/echoserver
loadgen=$tmp/loadgen

# 5,000 idle connections need 5,000 descriptors on each side, and a
# splicing server (the bare Go one: io.Copy splices) two more per
# connection for its pipe.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((3 * idle_conns + 100)) ]; then
	idle_conns=$((($(ulimit -n) - 100) / 3))
	log "bench: ulimit -n is $(ulimit -n): holding $idle_conns idle connections"
fi

data=$tmp/data
log "bench: writing $size bytes of test data"
head -c "$size" /dev/urandom >"$data"

af=$tmp/addr       # --addr-file of the server under test
sockpath=$tmp/sock # Unix socket path
res=$tmp/results   # one file per case and tool, one value per run
mkdir -p "$res"
addr=""
port=""

now() { date +%s%N; }
mibps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.0f\n", b / 1048576 / (ns / 1e9) }'; }
median() {
	[ -s "$1" ] || {
		echo "-"
		return
	}
	sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# median2: median, kept to two decimals (descriptors per connection).
median2() {
	[ -s "$1" ] || {
		echo "-"
		return
	}
	sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ready KIND: wait until the server just started accepts connections, by
# polling its --addr-file (file), /proc/net/tcp (tcp) or /proc/net/unix
# (unix); never by a fixed sleep.
ready() {
	case "$1" in
	file)
		local i=0
		while [ ! -s "$af" ]; do
			i=$((i + 1))
			[ "$i" -lt 2000 ] || {
				log "bench: no $af after 20s"
				return 1
			}
			sleep 0.01
		done
		addr=$(cat "$af")
		;;
	tcp) "$loadgen" wait "tcp:$port" 20s ;;
	unix) "$loadgen" wait "unix:$sockpath" 20s ;;
	esac
}

# fresh: new rendezvous for the next server.
fresh() {
	rm -f "$af" "$sockpath"
	port=$("$loadgen" freeport)
	addr=127.0.0.1:$port
}

# rotate N LIST...: LIST rotated left by N, so each run starts with another
# tool.
rotate() {
	local n=$1
	shift
	local -a l=("$@")
	local i k=${#l[@]}
	for ((i = 0; i < k; i++)); do
		printf '%s\n' "${l[$(((i + n) % k))]}"
	done
}

# --- transfers (cases 1-3, 8) ----------------------------------------------
# Each tool has a server function srv_CASE_TOOL (run in the background) and
# a client function cli_CASE_TOOL; kind() names how to wait for it. The
# time runs from the client's start until both have exited.
# sockit listeners run with --recv-only: with stdin at /dev/null they would
# otherwise half-close at once, and a client reading a pipe stops at the
# peer's EOF (nc's listener does not shut down without -N either). Case 2
# counts the bytes that arrive.

# 1: file -> socket -> /dev/null
srv_file_sockit() { timeout "$tmo" "$sockit" listen --recv-only --addr-file "$af" 127.0.0.1:0 </dev/null >/dev/null; }
cli_file_sockit() { timeout "$tmo" "$sockit" connect "$addr" <"$data" >/dev/null; }
srv_file_nc() { timeout "$tmo" nc -l 127.0.0.1 "$port" </dev/null >/dev/null; }
cli_file_nc() { timeout "$tmo" nc -N 127.0.0.1 "$port" <"$data" >/dev/null; }
srv_file_socat() { timeout "$tmo" socat -u "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" STDOUT </dev/null >/dev/null; }
cli_file_socat() { timeout "$tmo" socat -u STDIN "TCP:127.0.0.1:$port" <"$data"; }
srv_file_ncat() { timeout "$tmo" ncat -l 127.0.0.1 "$port" --recv-only </dev/null >/dev/null; }
cli_file_ncat() { timeout "$tmo" ncat --send-only 127.0.0.1 "$port" <"$data"; }

# 2: shell pipe -> socket -> shell pipe (cat is the point: a pipe, not a file)
srv_pipe_sockit() { timeout "$tmo" "$sockit" listen --recv-only --addr-file "$af" 127.0.0.1:0 </dev/null | wc -c >"$tmp/count"; }
cli_pipe_sockit() { cat "$data" | timeout "$tmo" "$sockit" connect "$addr" >/dev/null; }
srv_pipe_nc() { timeout "$tmo" nc -l 127.0.0.1 "$port" </dev/null | wc -c >"$tmp/count"; }
cli_pipe_nc() { cat "$data" | timeout "$tmo" nc -N 127.0.0.1 "$port" >/dev/null; }
srv_pipe_socat() { timeout "$tmo" socat -u "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr" STDOUT </dev/null | wc -c >"$tmp/count"; }
cli_pipe_socat() { cat "$data" | timeout "$tmo" socat -u STDIN "TCP:127.0.0.1:$port"; }
srv_pipe_ncat() { timeout "$tmo" ncat -l 127.0.0.1 "$port" --recv-only </dev/null | wc -c >"$tmp/count"; }
cli_pipe_ncat() { cat "$data" | timeout "$tmo" ncat --send-only 127.0.0.1 "$port"; }

# 3: file -> Unix socket -> /dev/null
srv_unix_sockit() { timeout "$tmo" "$sockit" listen --recv-only --addr-file "$af" "unix:$sockpath" </dev/null >/dev/null; }
cli_unix_sockit() { timeout "$tmo" "$sockit" connect "unix:$sockpath" <"$data" >/dev/null; }
srv_unix_nc() { timeout "$tmo" nc -lU "$sockpath" </dev/null >/dev/null; }
cli_unix_nc() { timeout "$tmo" nc -NU "$sockpath" <"$data" >/dev/null; }
srv_unix_socat() { timeout "$tmo" socat -u "UNIX-LISTEN:$sockpath" STDOUT </dev/null >/dev/null; }
cli_unix_socat() { timeout "$tmo" socat -u STDIN "UNIX-CONNECT:$sockpath" <"$data"; }

# 8: plain sockit (case 1 again, alternating with the others so that the
# ratios compare runs made side by side), TLS (a throwaway certificate;
# the client skips verification) and send/recv with verification. recv
# writes to stdout (-o -, still verified) and stdout is /dev/null, as in
# case 1: a file on this disk would measure the disk (about 500 MB/s
# here), not sockit.
srv_c8_plain() { srv_file_sockit; }
cli_c8_plain() { cli_file_sockit; }
srv_c8_tls() { timeout "$tmo" "$sockit" listen --recv-only --tls --addr-file "$af" 127.0.0.1:0 </dev/null >/dev/null 2>/dev/null; }
cli_c8_tls() { timeout "$tmo" "$sockit" connect --tls --insecure "$addr" <"$data" >/dev/null 2>/dev/null; }
srv_c8_verified() { timeout "$tmo" "$sockit" recv -o - --addr-file "$af" 127.0.0.1:0 </dev/null >/dev/null 2>/dev/null; }
cli_c8_verified() { timeout "$tmo" "$sockit" send "$addr" "$data" </dev/null >/dev/null 2>/dev/null; }

kind() {
	case "$1:$2" in
	c9:socat | c12:microsocks) echo tcp ;;
	*:sockit | c8:* | c9:* | c12:*) echo file ;;
	unix:*) echo unix ;;
	*) echo tcp ;;
	esac
}

# xfer CASE TOOL: one transfer; prints MiB/s, or nothing when it failed.
xfer() {
	local c=$1 t=$2 s t0 t1 ok=1
	fresh
	rm -f "$tmp/count"
	"srv_${c}_$t" &
	s=$!
	pids+=("$s")
	if ! ready "$(kind "$c" "$t")"; then
		kill "$s" 2>/dev/null || true
		wait "$s" 2>/dev/null || true
		return 0
	fi
	t0=$(now)
	"cli_${c}_$t" || ok=0
	wait "$s" || ok=0
	t1=$(now)
	if [ "$ok" = 1 ] && [ -s "$tmp/count" ] && [ "$(tr -d " " <"$tmp/count")" != "$size" ]; then
		log "bench: $c $t delivered $(tr -d " " <"$tmp/count") bytes, not $size"
		ok=0
	fi
	if [ "$ok" = 1 ]; then
		mibps "$size" $((t1 - t0))
	else
		log "bench: $c $t failed"
	fi
}

# iperf3's own receiver figure: it runs no file through, and its setup
# (control connection) should not count.
xfer_file_iperf3() {
	local s out=$tmp/iperf.json
	fresh
	timeout "$tmo" iperf3 -s -1 -B 127.0.0.1 -p "$port" >/dev/null 2>&1 &
	s=$!
	pids+=("$s")
	ready tcp || return 0
	if timeout "$tmo" iperf3 -c 127.0.0.1 -p "$port" -n "$size" -J >"$out" 2>/dev/null; then
		awk '/"sum_received"/ { f = 1 } f && /"bits_per_second"/ { gsub(/[^0-9.e+]/, "", $2); printf "%.0f\n", $2 / 8 / 1048576; exit }' "$out"
	else
		log "bench: iperf3 failed"
	fi
	wait "$s" 2>/dev/null || true
}

# measure CASE TOOLS...: RUNS alternating runs of every tool.
measure() {
	local c=$1 r t v
	shift
	for ((r = 0; r < runs; r++)); do
		for t in $(rotate "$r" "$@"); do
			if [ "$c:$t" = file:iperf3 ]; then
				v=$(xfer_file_iperf3)
			else
				v=$(xfer "$c" "$t")
			fi
			log "bench: $c $t run $((r + 1)): ${v:-failed} MiB/s"
			[ -z "$v" ] || echo "$v" >>"$res/$c.$t"
		done
	done
}

# --- echo servers (cases 4-6) ----------------------------------------------
# goecho is the bare Go echo server (io.Copy, which splices through a pipe
# per connection); goloop is the same server copying with a Read/Write
# loop and a 16 KiB buffer per connection.

# start_echo TOOL: starts a fresh echo server in the background and waits
# until it accepts; it sets $addr and $server (its PID).
server=""
start_echo() {
	local t=$1 k=tcp
	fresh
	case "$t" in
	sockit | goecho | goloop) k="file" ;;
	esac
	# exec: $! is the server itself, whose memory case 6 reads.
	case "$t" in
	sockit) "$sockit" echo --addr-file "$af" 127.0.0.1:0 </dev/null 2>/dev/null & ;;
	goecho) "$echoserver" -addr-file "$af" 127.0.0.1:0 </dev/null 2>/dev/null & ;;
	goloop) "$echoserver" -loop -addr-file "$af" 127.0.0.1:0 </dev/null 2>/dev/null & ;;
	ncat) ncat -l -k 127.0.0.1 "$port" --exec /bin/cat </dev/null 2>/dev/null & ;;
	socat) socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" EXEC:cat </dev/null 2>/dev/null & ;;
	esac
	server=$!
	pids+=("$server")
	ready "$k"
}

# stop_echo PID...: stops echo servers.
stop_echo() {
	kill "$@" 2>/dev/null || true
	wait "$@" 2>/dev/null || true
}

# with_echo TOOL CMD...: runs CMD (which sees $addr and $server) against
# a fresh echo server, then stops the server.
with_echo() {
	local t=$1
	shift
	if start_echo "$t"; then
		"$@" || log "bench: $t: $* failed"
	fi
	stop_echo "$server"
}

# start_all START WHAT TOOLS...: starts each tool's server with START
# (start_echo, start_udp), appending its address and pid to the caller's
# addrs and servers; if one does not start, stops those started and
# fails.
start_all() {
	local start=$1 what=$2 t
	shift 2
	for t in "$@"; do
		"$start" "$t" || {
			log "bench: $what $t did not start"
			stop_echo "${servers[@]}" "$server"
			return 1
		}
		addrs+=("$addr")
		servers+=("$server")
	done
}

# measure_rtt TOOLS...: case 4. Every server runs at once and each run of
# loadgen takes round trips from all of them in turn, 1000 at a time, so
# that the load of the moment on this machine falls on all alike: the
# ratios are side by side, not minutes apart. A run's value for a server
# is its median slice.
measure_rtt() {
	local r i t
	local -a tools=("$@") addrs=() servers=() vs
	start_all start_echo rtt "${tools[@]}" || return 0
	for ((r = 0; r < runs; r++)); do
		read -ra vs <<<"$("$loadgen" rtt "$dur" "${addrs[@]}" || true)"
		for i in "${!tools[@]}"; do
			t=${tools[$i]}
			log "bench: rtt $t run $((r + 1)): ${vs[$i]:-failed}"
			[ -z "${vs[$i]:-}" ] || echo "${vs[$i]}" >>"$res/rtt.$t"
		done
	done
	stop_echo "${servers[@]}"
}

conns_run() { "$loadgen" conns "$addr" "$dur" 4; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }
# idle_run: the server's RSS (KiB) and descriptors per connection while
# loadgen holds BENCH_IDLE_CONNS idle connections to it, each after one
# round trip.
idle_run() {
	local before after fbefore fafter c
	before=$(rss_kib "$server")
	fbefore=$(fds "$server")
	rm -f "$tmp/idle.ready"
	"$loadgen" idle "$addr" "$idle_conns" "$tmp/idle.ready" &
	c=$!
	pids+=("$c")
	while [ ! -e "$tmp/idle.ready" ]; do
		kill -0 "$c" 2>/dev/null || return 1
		sleep 0.05
	done
	after=$(rss_kib "$server")
	fafter=$(fds "$server")
	kill "$c" 2>/dev/null || true
	wait "$c" 2>/dev/null || true
	awk -v a="$after" -v b="$before" -v fa="$fafter" -v fb="$fbefore" -v n="$idle_conns" \
		'BEGIN { printf "%.1f %.2f\n", (a - b) / n, (fa - fb) / n }'
}

# measure_with WITH CASE FN TARGET...: runs FN under WITH (with_echo or
# with_relay) for each target in turn, runs times, and files the values.
measure_with() {
	local with=$1 c=$2 fn=$3 r t v v2
	shift 3
	for ((r = 0; r < runs; r++)); do
		for t in $(rotate "$r" "$@"); do
			v=$("$with" "$t" "$fn")
			log "bench: $c $t run $((r + 1)): ${v:-failed}"
			[ -n "$v" ] || continue
			# A second value (case 6: descriptors) goes to its own file.
			read -r v v2 <<<"$v"
			echo "$v" >>"$res/$c.$t"
			[ -z "$v2" ] || echo "$v2" >>"$res/$c.2.$t"
		done
	done
}

# --- relays (case 9) -------------------------------------------------------
# sockit relay against the same transfer sent directly (case 1's sockit
# pair) and against socat's fork relay, each relaying to a one-shot
# sockit listener (the sink); then new connections per second through
# each relay to the bare Go echo server, and the relay's RSS per idle
# relayed pair.

# start_sink: a one-shot sockit listener; sets $sink (its PID) and
# $sinkaddr.
sink=""
sinkaddr=""
start_sink() {
	rm -f "$tmp/sink"
	timeout "$tmo" "$sockit" listen --recv-only --addr-file "$tmp/sink" 127.0.0.1:0 </dev/null >/dev/null &
	sink=$!
	while [ ! -s "$tmp/sink" ]; do
		kill -0 "$sink" 2>/dev/null || return 1
		sleep 0.01
	done
	sinkaddr=$(cat "$tmp/sink")
}
srv_c9_sockit() {
	start_sink || return 1
	timeout "$tmo" "$sockit" relay --once --addr-file "$af" 127.0.0.1:0 "$sinkaddr" 2>/dev/null
	wait "$sink"
}
cli_c9_sockit() { cli_file_sockit; }
srv_c9_direct() { srv_file_sockit; }
cli_c9_direct() { cli_file_sockit; }
srv_c9_socat() {
	local s rc=0
	start_sink || return 1
	socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" "TCP:$sinkaddr" </dev/null 2>/dev/null &
	s=$!
	wait "$sink" || rc=$?
	kill "$s" 2>/dev/null || true
	wait "$s" 2>/dev/null || true
	return "$rc"
}
cli_c9_socat() { cli_file_sockit; }

# start_relay TOOL: the bare Go echo server and a relay to it; sets $addr
# (the relay's), $server (the relay's PID) and $upstream (the echo
# server's PID).
upstream=""
start_relay() {
	local t=$1 up k=tcp
	start_echo goecho || return 1
	upstream=$server
	up=$addr
	fresh
	case "$t" in
	sockit)
		k=file
		"$sockit" relay --addr-file "$af" 127.0.0.1:0 "$up" </dev/null 2>/dev/null &
		;;
	socat) socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" "TCP:$up" </dev/null 2>/dev/null & ;;
	esac
	server=$!
	pids+=("$server")
	ready "$k"
}

# with_relay TOOL CMD...: with_echo for a relay in front of an echo server.
with_relay() {
	local t=$1
	shift
	if start_relay "$t"; then
		"$@" || log "bench: relay $t: $* failed"
	fi
	stop_echo "$server" "$upstream"
}

# relay_idle_run: idle_run with BENCH_RELAY_PAIRS pairs.
relay_idle_run() {
	local idle_conns=$relay_pairs
	idle_run
}


# --- UDP (cases 10-11) -----------------------------------------------------
# Case 10: datagrams/s of UDP echo servers under loadgen udp (SENDERS
# sockets, each keeping WINDOW 64-byte datagrams unanswered, sending and
# receiving in batches so that the server is the bottleneck). Only
# replies count; datagrams never answered are the loss. goudp is the bare
# Go server (ReadFrom/WriteTo, one goroutine); socat forks a cat per
# datagram; ncat -k echoes through one cat.

# start_udp TOOL: starts a UDP echo server; sets $addr and $server.
start_udp() {
	local t=$1
	fresh
	case "$t" in
	sockit) "$sockit" echo -u --addr-file "$af" 127.0.0.1:0 </dev/null 2>/dev/null & ;;
	goudp) "$echoserver" -udp -addr-file "$af" 127.0.0.1:0 </dev/null 2>/dev/null & ;;
	socat) socat "UDP-RECVFROM:$port,bind=127.0.0.1,fork" EXEC:cat </dev/null 2>/dev/null & ;;
	ncat) ncat -u -l -k 127.0.0.1 "$port" --exec /bin/cat </dev/null 2>/dev/null & ;;
	esac
	server=$!
	pids+=("$server")
	case "$t" in
	sockit | goudp) ready file ;;
	*) "$loadgen" wait "udp:$port" 20s ;;
	esac
}

# measure_udp TOOLS...: case 10, every server at once, as case 4: each
# run of loadgen takes slices of 0.5s from all of them in turn; a value
# is the median slice's replies/s, the loss is over the whole run.
measure_udp() {
	local r i t
	local -a tools=("$@") addrs=() servers=() vs
	start_all start_udp udp "${tools[@]}" || return 0
	for ((r = 0; r < runs; r++)); do
		read -ra vs <<<"$("$loadgen" udp "$dur" "$udp_senders" "$udp_window" "${addrs[@]}" || true)"
		for i in "${!tools[@]}"; do
			t=${tools[$i]}
			log "bench: udp $t run $((r + 1)): ${vs[$((2 * i))]:-failed} datagrams/s, loss ${vs[$((2 * i + 1))]:-?}"
			[ -z "${vs[$((2 * i))]:-}" ] && continue
			echo "${vs[$((2 * i))]}" >>"$res/udp.$t"
			awk -v l="${vs[$((2 * i + 1))]}" 'BEGIN { printf "%.2f\n", l * 100 }' >>"$res/udp.2.$t"
		done
	done
	stop_echo "${servers[@]}"
}

# Case 11: sockit listen -u -k with BENCH_UDP_SESSIONS peers (loadgen
# udpsessions: a socket per peer, one datagram each): RSS per session,
# RSS once every session has expired (--session-timeout 5s; the close
# events are counted), and RSS per session of a second wave of as many
# new peers after that, which shows whether the first wave's memory was
# reused. Sessions are counted from the -v events.

# count_events FILE WORD N: waits (at most 30s) until FILE has N lines
# with WORD; prints how many it has.
count_events() {
	local i=0 n
	while n=$(grep -c " $2 " "$1" || true) && [ "$n" -lt "$3" ] && [ "$i" -lt 600 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	echo "$n"
}

# session_wave N: N new peers, held until kill_wave; waits until they
# have sessions and sets $got to how many did. (Not in a subshell: $wave
# must reach kill_wave.)
wave=""
got=0
session_wave() {
	local want=$1 before
	before=$(grep -c " connection " "$tmp/ev" || true)
	rm -f "$tmp/wave.ready"
	"$loadgen" udpsessions "$addr" "$want" "$tmp/wave.ready" </dev/null >/dev/null &
	wave=$!
	pids+=("$wave")
	while [ ! -e "$tmp/wave.ready" ]; do
		kill -0 "$wave" 2>/dev/null || {
			got=0
			return 0
		}
		sleep 0.05
	done
	got=$(($(count_events "$tmp/ev" connection $((before + want))) - before))
}
kill_wave() {
	kill "$wave" 2>/dev/null || true
	wait "$wave" 2>/dev/null || true
}

# sessions_run: one run of case 11; prints "PER_SESSION_KIB
# AFTER_EXPIRY_MIB SECOND_WAVE_KIB", or nothing when the sessions did
# not all appear or expire.
sessions_run() {
	local r0 r1 r2 r3 n1 n2 c
	fresh
	"$sockit" listen -u -k --recv-only --recv-buffer 4M --session-timeout 5s -v --addr-file "$af" 127.0.0.1:0 </dev/null >/dev/null 2>"$tmp/ev" &
	server=$!
	pids+=("$server")
	ready file || return 0
	r0=$(rss_kib "$server")
	session_wave "$udp_sessions"
	n1=$got
	r1=$(rss_kib "$server")
	kill_wave
	c=$(count_events "$tmp/ev" close "$n1")
	r2=$(rss_kib "$server")
	session_wave "$udp_sessions"
	n2=$got
	r3=$(rss_kib "$server")
	kill_wave
	stop_echo "$server"
	if [ "$n1" != "$udp_sessions" ] || [ "$c" != "$n1" ] || [ "$n2" != "$udp_sessions" ]; then
		log "bench: sessions: $n1 and $n2 of $udp_sessions peers got sessions, $c expired"
		return 0
	fi
	awk -v r0="$r0" -v r1="$r1" -v r2="$r2" -v r3="$r3" -v n="$udp_sessions" \
		'BEGIN { printf "%.2f %.1f %.2f %.1f\n", (r1 - r0) / n, r2 / 1024, (r3 - r2) / n, r0 / 1024 }'
}

# --- proxies (case 12) -----------------------------------------------------
# The same transfer through sockit proxy (SOCKS5 and HTTP CONNECT), through
# sockit relay (no handshake: the ceiling of a spliced pair) and through
# microsocks, each to a one-shot sockit listener (the sink); the client is
# loadgen put (the handshake, then sendfile). Then tunnels per second
# (handshake, a 64-byte round trip with the bare Go echo server, close)
# through sockit proxy, microsocks and tinyproxy.

# srv_proxy_to_sink CMD...: the sink, and CMD (a proxy, in the
# background) until the sink has its transfer. The clients read the
# sink's address from its file (this runs in a background subshell).
srv_proxy_to_sink() {
	local p rc=0
	start_sink || return 1
	"$@" </dev/null >/dev/null 2>&1 &
	p=$!
	wait "$sink" || rc=$?
	kill "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
	return "$rc"
}
srv_c12_socks5() { srv_proxy_to_sink "$sockit" proxy --addr-file "$af" 127.0.0.1:0; }
cli_c12_socks5() { timeout "$tmo" "$loadgen" put socks5 "$addr" "$(cat "$tmp/sink")" "$data"; }
srv_c12_connect() { srv_c12_socks5; }
cli_c12_connect() { timeout "$tmo" "$loadgen" put connect "$addr" "$(cat "$tmp/sink")" "$data"; }
srv_c12_relay() {
	start_sink || return 1
	timeout "$tmo" "$sockit" relay --once --addr-file "$af" 127.0.0.1:0 "$sinkaddr" 2>/dev/null
	wait "$sink"
}
cli_c12_relay() { timeout "$tmo" "$loadgen" put direct "$addr" - "$data"; }
srv_c12_microsocks() { srv_proxy_to_sink microsocks -i 127.0.0.1 -p "$port"; }
cli_c12_microsocks() { timeout "$tmo" "$loadgen" put socks5 "$addr" "$(cat "$tmp/sink")" "$data"; }

# start_proxy TOOL: the bare Go echo server and a proxy; sets $addr (the
# proxy's), $echoaddr, $server (the proxy's PID) and $upstream.
echoaddr=""
start_proxy() {
	local t=$1 k=tcp
	start_echo goecho || return 1
	upstream=$server
	echoaddr=$addr
	fresh
	case "$t" in
	sockit)
		k=file
		"$sockit" proxy --addr-file "$af" 127.0.0.1:0 </dev/null 2>/dev/null &
		;;
	microsocks) microsocks -i 127.0.0.1 -p "$port" </dev/null >/dev/null 2>&1 & ;;
	tinyproxy)
		printf 'Port %s\nListen 127.0.0.1\nAllow 127.0.0.1\nMaxClients 1000\nLogLevel Critical\n' "$port" >"$tmp/tinyproxy.conf"
		tinyproxy -d -c "$tmp/tinyproxy.conf" </dev/null >/dev/null 2>&1 &
		;;
	esac
	server=$!
	pids+=("$server")
	ready "$k"
}
with_proxy() {
	local t=$1
	shift
	if start_proxy "$t"; then
		"$@" || log "bench: proxy $t: $* failed"
	fi
	stop_echo "$server" "$upstream"
}
tunnels_socks5() { "$loadgen" tunnels socks5 "$addr" "$echoaddr" "$dur" 4; }
tunnels_connect() { "$loadgen" tunnels connect "$addr" "$echoaddr" "$dur" 4; }

# --- send RSS (case 7) -----------------------------------------------------

# send_rss: peak RSS (MiB) of sockit send while a receiver behind a
# BENCH_THROTTLE bytes/s proxy takes the file.
send_rss() {
	local s p snd peak
	fresh
	srv_c8_verified &
	s=$!
	pids+=("$s")
	ready file || return 0
	rm -f "$tmp/paddr"
	"$loadgen" throttle 127.0.0.1:0 "$tmp/paddr" "$addr" "$throttle" &
	p=$!
	pids+=("$p")
	while [ ! -s "$tmp/paddr" ]; do sleep 0.01; done
	"$sockit" send "$(cat "$tmp/paddr")" "$data" </dev/null >/dev/null 2>/dev/null &
	snd=$!
	pids+=("$snd")
	peak=$("$loadgen" peakrss "$snd")
	wait "$snd" && awk -v k="$peak" 'BEGIN { printf "%.1f\n", k / 1024 }'
	kill "$p" "$s" 2>/dev/null || true
	wait "$p" "$s" 2>/dev/null || true
}

# --- run -------------------------------------------------------------------

has_xfer=0
if "$sockit" send --help >/dev/null 2>&1; then
	has_xfer=1
fi

has 1 && measure file sockit nc socat ncat iperf3
has 2 && measure pipe sockit nc socat ncat
has 3 && measure unix sockit nc socat
has 4 && measure_rtt sockit goecho goloop ncat socat
has 5 && measure_with with_echo conns conns_run sockit goecho ncat socat
has 6 && measure_with with_echo idle idle_run sockit goecho goloop
if has 7 && [ "$has_xfer" = 1 ]; then
	for ((r = 0; r < runs; r++)); do
		v=$(send_rss)
		log "bench: send-rss run $((r + 1)): ${v:-failed} MiB"
		[ -z "$v" ] || echo "$v" >>"$res/sendrss.sockit"
	done
fi
if has 8; then
	if [ "$has_xfer" = 1 ]; then
		measure c8 plain verified tls
	else
		measure c8 plain tls
	fi
fi

if has 9; then
	measure c9 sockit direct socat
	measure_with with_relay rconns conns_run sockit socat
	measure_with with_relay ridle relay_idle_run sockit
fi

has 10 && measure_udp sockit goudp socat ncat
if has 11; then
	for ((r = 0; r < runs; r++)); do
		v=$(sessions_run)
		log "bench: udp sessions run $((r + 1)): ${v:-failed} (KiB/session, MiB after expiry, KiB/session of wave 2, MiB before)"
		[ -n "$v" ] || continue
		read -r a b c d <<<"$v"
		echo "$a" >>"$res/usess.sockit"
		echo "$b" >>"$res/usess.2.sockit"
		echo "$c" >>"$res/usess.3.sockit"
		echo "$d" >>"$res/usess.4.sockit"
	done
fi
if has 12; then
	measure c12 socks5 connect relay microsocks
	# measure_with files values under the tool's name: the SOCKS5 runs
	# go to t5, the CONNECT runs to tc (sockit against tinyproxy there)
	measure_with with_proxy t5 tunnels_socks5 sockit microsocks
	measure_with with_proxy tc tunnels_connect sockit tinyproxy
fi

# --- table -----------------------------------------------------------------

rows=$tmp/rows
: >"$rows"
# row CASE TOOL VALUE UNIT RATIO TARGET RESULT
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$rows"; }
# ratio A B: A / B to two places, or "-".
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f\n", a / b }'; }
# judge VALUE OP LIMIT: pass or miss.
judge() {
	awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
		if (v == "-") { print "n/a"; exit }
		ok = (op == ">=") ? (v + 0 >= l + 0) : (v + 0 <= l + 0)
		print ok ? "pass" : "miss"
	}'
}

# compare CASENAME KEY UNIT TOOL...: a row per tool; for each other tool
# the ratio is sockit / tool, checked against the target given as
# TOOL=LIMIT in the TARGETS variable.
compare() {
	local name=$1 key=$2 unit=$3 t s v q tgt
	shift 3
	s=$(median "$res/$key.sockit")
	row "$name" sockit "$s" "$unit" "" "" ""
	for t in "$@"; do
		v=$(median "$res/$key.$t")
		q=$(ratio "$s" "$v")
		tgt=""
		for x in $TARGETS; do
			[ "${x%%=*}" = "$t" ] && tgt=${x#*=}
		done
		if [ -n "$tgt" ]; then
			row "$name" "$t" "$v" "$unit" "$q" ">= $tgt" "$(judge "$q" ">=" "$tgt")"
		else
			row "$name" "$t" "$v" "$unit" "$q" "" ""
		fi
	done
}

has 1 && TARGETS="nc=1.5 iperf3=0.8" compare "1 file -> TCP -> /dev/null" file MiB/s nc iperf3 socat ncat
has 2 && TARGETS="nc=1.3" compare "2 pipe -> TCP -> pipe" pipe MiB/s nc socat ncat
has 3 && TARGETS="nc=1.5" compare "3 file -> Unix -> /dev/null" unix MiB/s nc socat
has 4 && TARGETS="goecho=1.0" compare "4 echo round trips, 64 B" rtt ops/s goecho goloop ncat socat
has 5 && TARGETS="ncat=20" compare "5 new connections to echo" conns conn/s ncat socat goecho
if has 6; then
	v=$(median "$res/idle.sockit")
	row "6 RSS per idle echo connection" sockit "$v" KiB "" "<= 16" "$(judge "$v" "<=" 16)"
	row "6 RSS per idle echo connection" goecho "$(median "$res/idle.goecho")" KiB "" "" ""
	row "6 RSS per idle echo connection" goloop "$(median "$res/idle.goloop")" KiB "" "" ""
	v=$(median2 "$res/idle.2.sockit")
	row "6 descriptors per idle echo conn" sockit "$v" fds "" "<= 1" "$(judge "$v" "<=" 1)"
	row "6 descriptors per idle echo conn" goecho "$(median2 "$res/idle.2.goecho")" fds "" "" ""
	row "6 descriptors per idle echo conn" goloop "$(median2 "$res/idle.2.goloop")" fds "" "" ""
fi
if has 7; then
	if [ "$has_xfer" = 1 ]; then
		v=$(median "$res/sendrss.sockit")
		row "7 send RSS, receiver at $throttle B/s" sockit "$v" MiB "" "<= 64" "$(judge "$v" "<=" 64)"
	else
		row "7 send RSS, receiver at $throttle B/s" sockit "-" MiB "" "<= 64" "not built"
	fi
fi
if has 8; then
	ref=$(median "$res/c8.plain")
	row "8 (case 1 again, side by side)" "sockit" "$ref" MiB/s "" "" ""
	if [ "$has_xfer" = 1 ]; then
		v=$(median "$res/c8.verified")
		q=$(ratio "$v" "$ref")
		row "8 send/recv vs case 1" "sockit send" "$v" MiB/s "$q" ">= 0.8" "$(judge "$q" ">=" 0.8)"
	else
		row "8 send/recv vs case 1" "sockit send" "-" MiB/s "" ">= 0.8" "not built"
	fi
	v=$(median "$res/c8.tls")
	q=$(ratio "$v" "$ref")
	row "8 TLS vs case 1" "sockit --tls" "$v" MiB/s "$q" ">= 0.5" "$(judge "$q" ">=" 0.5)"
fi

if has 9; then
	TARGETS="direct=0.9 socat=2" compare "9 file -> sockit relay -> sink" c9 MiB/s direct socat
	TARGETS="socat=20" compare "9 new connections through a relay" rconns conn/s socat
	v=$(median "$res/ridle.sockit")
	row "9 RSS per idle relayed pair" sockit "$v" KiB "" "<= 32" "$(judge "$v" "<=" 32)"
	row "9 descriptors per idle relayed pair" sockit "$(median2 "$res/ridle.2.sockit")" fds "" "" ""
fi

if has 10; then
	TARGETS="goudp=1.0 socat=3 ncat=1" compare "10 UDP echo, 64 B, $udp_senders senders" udp datagram/s goudp socat ncat
	for t in sockit goudp socat ncat; do
		row "10 UDP echo: datagrams unanswered" "$t" "$(median2 "$res/udp.2.$t")" % "" "" ""
	done
fi
if has 11; then
	v=$(median2 "$res/usess.sockit")
	row "11 RSS per UDP session, listen -u -k" sockit "$v" KiB "" "<= 4" "$(judge "$v" "<=" 4)"
	row "11 RSS before any session" sockit "$(median2 "$res/usess.4.sockit")" MiB "" "" ""
	row "11 RSS once all $udp_sessions expired" sockit "$(median2 "$res/usess.2.sockit")" MiB "" "" ""
	row "11 RSS per session, 2nd wave after expiry" sockit "$(median2 "$res/usess.3.sockit")" KiB "" "" ""
fi
if has 12; then
	for p in socks5 connect; do
		v=$(median "$res/c12.$p")
		row "12 file -> sockit proxy -> sink" "$p" "$v" MiB/s "" "" ""
		for t in relay microsocks; do
			w=$(median "$res/c12.$t")
			q=$(ratio "$v" "$w")
			lim=$([ "$t" = relay ] && echo 0.9 || echo 1.5)
			row "12 file -> sockit proxy -> sink" "$p vs $t" "$w" MiB/s "$q" ">= $lim" "$(judge "$q" ">=" "$lim")"
		done
	done
	TARGETS="microsocks=1" compare "12 SOCKS5 tunnels (64 B round trip)" t5 tunnel/s microsocks
	TARGETS="tinyproxy=1" compare "12 CONNECT tunnels (64 B round trip)" tc tunnel/s tinyproxy
fi

header="case	tool	value	unit	sockit ratio	target	result"
{
	echo "$header"
	cat "$rows"
} | awk -F'\t' '{ printf "%-38s %-13s %10s %-7s %12s %-8s %s\n", $1, $2, $3, $4, $5, $6, $7 }'

if [ "$write" = 1 ]; then
	out=docs/BENCHMARKS.md
	mkdir -p docs
	keep=""
	if [ -f "$out" ]; then
		keep=$(awk '/^## Analysis/ { f = 1 } f' "$out")
	fi
	{
		echo "# sockit benchmarks"
		echo
		echo "Generated by \`scripts/bench.sh --write\` on $(date -u '+%Y-%m-%d %H:%M UTC'); everything above"
		echo "\"Analysis\" is rewritten by each run. Loopback only; the median of $runs runs per tool, the tools"
		echo "alternating (case 4: all servers at once, 1000 round trips from each in turn); transfers of"
		echo "$size bytes ($size_arg); echo runs of $dur per server."
		echo
		echo "## Machine"
		echo
		echo "- CPU: $(lscpu | awk -F: '/^Model name/ { gsub(/^[ \t]+/, "", $2); print $2; exit }'), $(nproc) CPUs online"
		echo "- Kernel: $(uname -srm)"
		echo "- Memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
		echo "- Go: $(go version | awk '{ print $3, $4 }')"
		echo "- Peers: OpenBSD nc $(dpkg-query -W -f='${Version}' netcat-openbsd 2>/dev/null), socat $(dpkg-query -W -f='${Version}' socat 2>/dev/null), ncat $(dpkg-query -W -f='${Version}' ncat 2>/dev/null), iperf3 $(dpkg-query -W -f='${Version}' iperf3 2>/dev/null)"
		echo "- sockit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
		echo
		echo "## Results"
		echo
		echo "\"sockit ratio\" is sockit's value divided by the tool's on that row (for rows 8: the row's value"
		echo "divided by plain sockit's, measured again in case 8 alternating with them). A target on a row is"
		echo "issue #7's target for that ratio or value."
		echo
		echo "| case | tool | value | unit | sockit ratio | target | result |"
		echo "|---|---|--:|---|--:|---|---|"
		awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }' "$rows"
		echo
		if [ -n "$keep" ]; then
			printf '%s\n' "$keep"
		else
			echo "## Analysis"
			echo
			echo "(to be written)"
		fi
	} >"$out.tmp"
	mv "$out.tmp" "$out"
	log "bench: wrote $out"
fi
