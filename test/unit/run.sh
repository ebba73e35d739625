#!/bin/sh
#
# run.sh
#	  Build and run the unit tests: the JWT verifier, the token redactor,
#	  the audit trail's line checker and the sensitive-data detectors.
#
# Usage: test/unit/run.sh     (from any directory)
#
# Compiles each test with the plain-C sources it tests (no server headers)
# into a temporary directory and runs it from the repository root; the line
# checker's and the detectors' tests run under AddressSanitizer and
# UndefinedBehaviorSanitizer, since they feed their code inputs cut short.
# The detectors' timing (the scan linear on adversarial input) runs from a
# second build with -O2 and no sanitizer.  Each test prints one line per
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

# build_detect NAME SOURCE [CFLAGS...]: the detectors' tests, linked with
# src/common/detect*.c alone.
build_detect()
{
	name=$1
	src=$2
	shift 2
	if ! ${CC:-cc} -Wall -Wextra -Werror -I src/include -I test/unit "$@" \
		-o "$build/$name" "$src" src/common/detect*.c -lm
	then
		echo "$name: build failed" >&2
		return 1
	fi
}

detect_rc=0
for t in detect detect_name detect_bytes; do
	if build_detect "test_$t" "test/unit/test_$t.c" -g \
		-fsanitize=address,undefined -fno-sanitize-recover=undefined
	then
		ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 "$build/test_$t" > "$build/$t.out" 2>&1 ||
			detect_rc=1
	else
		echo "0 passed, 1 failed" > "$build/$t.out"
		detect_rc=1
	fi
	cat "$build/$t.out"
done
if build_detect test_detect_linear test/unit/test_detect.c -O2; then
	"$build/test_detect_linear" --linear > "$build/detect_linear.out" 2>&1 || detect_rc=1
else
	echo "0 passed, 1 failed" > "$build/detect_linear.out"
	detect_rc=1
fi
cat "$build/detect_linear.out"

# One total for all.
cat "$build/jwt.out" "$build/redact.out" "$build/line_check.out" \
	"$build/detect.out" "$build/detect_name.out" "$build/detect_bytes.out" \
	"$build/detect_linear.out" | awk '
	/^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3 }
	END { printf "%d passed, %d failed\n", p, f }'
[ $jwt_rc = 0 ] && [ $redact_rc = 0 ] && [ $line_check_rc = 0 ] && [ $detect_rc = 0 ]
