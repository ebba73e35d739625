#!/bin/sh
#
# run.sh
#	  Build and run the unit tests: the JWT verifier and the token redactor.
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

"$build/test_jwt" "$root" > "$build/jwt.out"
jwt_rc=$?
cat "$build/jwt.out"

if ! ${CC:-cc} -Wall -Wextra -Werror -I src/include \
	-o "$build/test_redact" test/unit/test_redact.c src/identity/redact.c src/identity/jwt.c \
	-Wl,--wrap=malloc,--wrap=realloc -ljwt -ljansson -lcrypto
then
	echo "test_redact: build failed" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
"$build/test_redact" > "$build/redact.out"
redact_rc=$?
cat "$build/redact.out"

# One total for both.
cat "$build/jwt.out" "$build/redact.out" | awk '
	/^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3 }
	END { printf "%d passed, %d failed\n", p, f }'
[ $jwt_rc = 0 ] && [ $redact_rc = 0 ]
