#!/bin/sh
# Runs the whole test suite as CI does: gofmt, go vet, then every test
# with the race detector. Tests against nc, socat and ncat run when those
# are installed (scripts/deps.sh installs them); SOCKIT_REQUIRE_PEERS=1
# makes a missing one a failure instead of a skip.
set -eu
cd "$(dirname "$0")/.."
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go vet ./...
GORACE="${GORACE:-atexit_sleep_ms=10}" go test -race -timeout 10m "$@" ./...
