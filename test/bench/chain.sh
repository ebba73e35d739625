#!/bin/bash
#
# chain.sh
#	  Build and run test/bench/chain.c: the audit worker's CPU per event
#	  for rendering and hashing, and a check of the batched hash chain
#	  against OpenSSL.  Needs a C compiler and libcrypto, no server.
#
# test/bench/chain.sh
#
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/governance-chain.XXXXXX")
trap 'rm -rf "$out"' EXIT
cc -O2 -Wall -Wextra -Werror -I"$repo/src/include" -o "$out/chain" \
	"$repo/test/bench/chain.c" "$repo/src/audit/record.c" "$repo/src/audit/line_check.c" \
	"$repo/src/audit/chain.c" -lcrypto
"$out/chain"
