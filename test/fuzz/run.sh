#!/bin/sh
#
# run.sh
#	  Build the fuzz targets and run each for a while: the JWT verifier and
#	  key loader, the token redactor, the audit trail's line checker and
#	  the sensitive-data detectors -- the plain-C code that reads
#	  untrusted input.
#
# Usage: test/fuzz/run.sh [SECONDS]     (per target; default 60)
#
# Builds test/fuzz/fuzz_<target>.c with the sources it tests under
# libFuzzer, AddressSanitizer (with LeakSanitizer) and
# UndefinedBehaviorSanitizer into test/fuzz/build/, then fuzzes from the
# seeds in test/fuzz/corpus/<target>.  New inputs go to
# test/fuzz/build/corpus-<target>, never into the seed directory; a crashing
# or leaking input is kept as test/fuzz/build/<target>-crash-* (or leak-*,
# timeout-*, oom-*) and can be replayed with
#	test/fuzz/build/fuzz_<target> test/fuzz/build/<target>-crash-...
#
# Prints "N passed, M failed", one count per target.
#
# test/fuzz/run.sh
#

set -u

seconds=${1:-60}
case $seconds in
	''|*[!0-9]*)
		echo "usage: $0 [SECONDS]" >&2
		exit 2 ;;
esac

cd "$(dirname "$0")/../.." || exit 2

build=test/fuzz/build
cc=${FUZZ_CC:-clang-14}
command -v "$cc" >/dev/null 2>&1 || cc=clang
passed=0
failed=0

# libFuzzer's runtime ships in libclang-rt-14-dev on Debian bookworm.
if ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null |
	grep -q 'install ok installed'
then
	echo "installing libclang-rt-14-dev" >&2
	if ! env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
		install -y -qq libclang-rt-14-dev >&2; then
		echo "fuzz: cannot install libclang-rt-14-dev" >&2
		echo "0 passed, 4 failed"
		exit 1
	fi
fi

# Leaks are checked after each input that allocates more than it frees;
# UBSan reports abort the run through -fno-sanitize-recover.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

# fuzz TARGET MAX_LEN SOURCES... -- LIBS...
fuzz()
{
	target=$1
	max_len=$2
	shift 2
	sources=""
	while [ "$1" != "--" ]; do
		sources="$sources $1"
		shift
	done
	shift
	mkdir -p "$build/corpus-$target" || { failed=$((failed + 1)); return; }
	# shellcheck disable=SC2086
	if ! "$cc" -g -O1 -fno-omit-frame-pointer \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-I src/include -o "$build/fuzz_$target" "test/fuzz/fuzz_$target.c" \
		$sources "$@"
	then
		echo "fuzz_$target: build failed" >&2
		failed=$((failed + 1))
		return
	fi
	echo "fuzz_$target: ${seconds}s"
	if "$build/fuzz_$target" \
		-max_total_time="$seconds" \
		-max_len="$max_len" \
		-timeout=10 \
		-print_final_stats=1 \
		-artifact_prefix="$build/$target-" \
		"$build/corpus-$target" "test/fuzz/corpus/$target"
	then
		passed=$((passed + 1))
	else
		echo "fuzz_$target: the fuzzer stopped; see the report above" >&2
		failed=$((failed + 1))
	fi
}

fuzz jwt 20000 src/identity/jwt.c src/identity/jwt_claims.c src/identity/jwt_keyset.c -- \
	-ljansson -lcrypto
fuzz redact 8000 src/identity/redact.c src/identity/redact_lex.c src/identity/jwt.c src/identity/jwt_claims.c -- \
	-ljansson -lcrypto
fuzz line_check 20000 src/audit/record.c src/audit/line_check.c \
	src/audit/chain.c -- -lcrypto
fuzz detect 4096 src/common/detect*.c -- -lm

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
