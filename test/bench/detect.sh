#!/bin/bash
#
# detect.sh
#	  Build and run test/bench/detect.c: the output scan's cost per byte
#	  on ordinary prose, CSV of ids and JSON documents, and on each FILE
#	  named (one value a line), beside memchr over the same values.
#	  Needs a C compiler, no server.  Builds with
#	  the flags the extension is built with (-O2, the compiler's default
#	  target), so the figures are the server's.
#
# Usage: test/bench/detect.sh [FILE...]
#
# test/bench/detect.sh
#
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/governance-detect.XXXXXX")
trap 'rm -rf "$out"' EXIT
${CC:-cc} -O2 -Wall -Wextra -Werror -I"$repo/src/include" -o "$out/detect" \
	"$repo/test/bench/detect.c" "$repo"/src/common/detect*.c -lm
"$out/detect" "$@"
