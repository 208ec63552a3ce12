#!/bin/sh
# Regenerates man/sockit.1 from the CLI definitions in cmd/ (the test
# TestManPage fails while it is stale).
set -eu
cd "$(dirname "$0")/.."
go test ./cmd -run '^TestManPage$' -count=1 -update
