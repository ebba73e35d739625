#!/bin/sh
#
# run.sh
#	  Build and run the JWT verifier's unit test.
#
# Usage: test/unit/run.sh     (from any directory)
#
# Compiles test/unit/test_jwt.c with src/identity/jwt.c and jwt_keys.c (no server headers)
# into a temporary directory, runs it from the repository root and passes
# its exit status on.  The test prints one line per case and ends with
# "N passed, N failed".
#
# test/unit/run.sh
#

set -u

cd "$(dirname "$0")/../.." || exit 2
root=$(pwd)

build=$(mktemp -d "${TMPDIR:-/tmp}/governance-unit.XXXXXX") || exit 2
trap 'rm -rf "$build"' EXIT
trap 'exit 130' INT TERM

if ! ${CC:-cc} -Wall -Wextra -Werror -I src/include \
	-o "$build/test_jwt" test/unit/test_jwt.c src/identity/jwt.c src/identity/jwt_keys.c \
	-ljwt -ljansson -lcrypto
then
	echo "test_jwt: build failed" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

"$build/test_jwt" "$root"
