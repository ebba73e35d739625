#!/bin/sh
#
# run.sh
#	  Build and run the unit tests: the JWT verifier, the token redactor
#	  and the audit trail's line checker.
#
# Usage: test/unit/run.sh     (from any directory)
#
# Compiles each test with the plain-C sources it tests (no server headers)
# into a temporary directory and runs it from the repository root; the line
# checker's test runs under AddressSanitizer and UndefinedBehaviorSanitizer,
# since it feeds the checker lines cut short.  Each test prints one line per
# case and ends with "N passed, N failed"; so does this script, in total.
#
# test/unit/run.sh
#

set -u

cd "$(dirname "$0")/../.." || exit 2
root=$(pwd)

build=$(mktemp -d "${TMPDIR:-/tmp}/governance-unit.XXXXXX") || exit 2
trap 'rm -rf "$build"' EXIT
trap 'exit 130' INT TERM

if ! ${CC:-cc} -Wall -Wextra -Werror -I src/include -I test/unit \
	-o "$build/test_jwt" test/unit/test_jwt.c src/identity/jwt.c src/identity/jwt_claims.c src/identity/jwt_keyset.c \
	-ljansson -lcrypto
then
	echo "test_jwt: build failed" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

"$build/test_jwt" "$root" > "$build/jwt.out"
jwt_rc=$?
cat "$build/jwt.out"

if ! ${CC:-cc} -Wall -Wextra -Werror -I src/include -I test/unit \
	-o "$build/test_redact" test/unit/test_redact.c src/identity/redact.c src/identity/redact_lex.c src/identity/jwt.c src/identity/jwt_claims.c \
	-Wl,--wrap=malloc,--wrap=realloc -ljansson -lcrypto
then
	echo "test_redact: build failed" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
"$build/test_redact" > "$build/redact.out"
redact_rc=$?
cat "$build/redact.out"

if ! ${CC:-cc} -Wall -Wextra -Werror -g -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -I src/include -I test/unit \
	-o "$build/test_line_check" test/unit/test_line_check.c \
	src/audit/record.c src/audit/line_check.c src/audit/chain.c -lcrypto
then
	echo "test_line_check: build failed" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 "$build/test_line_check" > "$build/line_check.out" 2>&1
line_check_rc=$?
cat "$build/line_check.out"

# One total for all.
cat "$build/jwt.out" "$build/redact.out" "$build/line_check.out" | awk '
	/^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3 }
	END { printf "%d passed, %d failed\n", p, f }'
[ $jwt_rc = 0 ] && [ $redact_rc = 0 ] && [ $line_check_rc = 0 ]
