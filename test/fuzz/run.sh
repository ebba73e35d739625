#!/bin/sh
#
# run.sh
#	  Build the JWT fuzz target and run it for a while.
#
# Usage: test/fuzz/run.sh [SECONDS]     (default 60)
#
# Builds test/fuzz/fuzz_jwt.c with src/identity/jwt.c and jwt_keys.c under libFuzzer,
# AddressSanitizer (with LeakSanitizer) and UndefinedBehaviorSanitizer into
# test/fuzz/build/, then fuzzes from the seeds in test/fuzz/corpus.  New
# inputs go to test/fuzz/build/corpus, never into the seed directory; a
# crashing or leaking input is kept as test/fuzz/build/crash-* (or leak-*,
# timeout-*, oom-*) and can be replayed with
#	test/fuzz/build/fuzz_jwt test/fuzz/build/crash-...
#
# Prints "1 passed, 0 failed" if the run ended cleanly, "0 passed, 1 failed"
# (and exits non-zero) if the fuzzer found anything or could not be built.
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

fail()
{
	echo "fuzz_jwt: $1" >&2
	echo "0 passed, 1 failed"
	exit 1
}

# libFuzzer's runtime ships in libclang-rt-14-dev on Debian bookworm.
if ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null |
	grep -q 'install ok installed'
then
	echo "installing libclang-rt-14-dev" >&2
	apt-get install -y libclang-rt-14-dev >&2 ||
		fail "cannot install libclang-rt-14-dev"
fi

mkdir -p "$build/corpus" || fail "cannot create $build"

"$cc" -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I src/include \
	-o "$build/fuzz_jwt" test/fuzz/fuzz_jwt.c src/identity/jwt.c src/identity/jwt_keys.c \
	-ljwt -ljansson -lcrypto ||
	fail "build failed"

# Leaks are checked after each input that allocates more than it frees;
# UBSan reports abort the run through -fno-sanitize-recover.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

"$build/fuzz_jwt" \
	-max_total_time="$seconds" \
	-max_len=20000 \
	-timeout=10 \
	-print_final_stats=1 \
	-artifact_prefix="$build/" \
	"$build/corpus" test/fuzz/corpus
status=$?

if [ $status -ne 0 ]; then
	fail "the fuzzer stopped with status $status; see the report above"
fi
echo "1 passed, 0 failed"
exit 0
