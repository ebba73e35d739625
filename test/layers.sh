#!/bin/bash
# The folders of src/ depend on each other without a cycle.
#
# Each file's folder is a node: src/<folder>/..., src/governance.c (the
# entry point, "governance"), and for a header src/include/governance/
# <concern>[_part].h the concern its name begins with.  Each
# #include "governance/<header>" is an edge from the including file's node
# to the header's.  The graph is printed, then sorted by tsort, which
# fails on a cycle and names it.
#
# Usage: test/layers.sh [--print]
set -euo pipefail
cd "$(dirname "$0")/.."

node_of_header() {
	local base
	base=$(basename "$1" .h)
	echo "${base%%_*}"
}

node_of_file() {
	case "$1" in
		src/include/governance/*) node_of_header "$1" ;;
		src/governance.c) echo governance ;;
		src/*/*) local rest=${1#src/}; echo "${rest%%/*}" ;;
		*) echo "unplaced file $1" >&2; exit 2 ;;
	esac
}

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
while IFS= read -r file; do
	from=$(node_of_file "$file")
	echo "$from $from" >>"$edges"	# every node appears, even a leaf
	{ grep -o '^#include "governance/[a-z_]*\.h"' "$file" || true; } |
		sed 's/.*governance\/\([a-z_]*\)\.h"/\1/' |
		while IFS= read -r header; do
			if [ ! -f "src/include/governance/$header.h" ]; then
				echo "$file includes a header that does not exist: $header.h" >&2
				exit 2
			fi
			to=$(node_of_header "$header")
			[ "$to" = "$from" ] || echo "$from $to"
		done >>"$edges"
done < <(if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
			 git ls-files 'src/*.c' 'src/*.h'
		 else
			 find src -name '*.[ch]' | sort
		 fi)

# A node's own line pair keeps leaves in the graph; it is not a cycle.
graph=$(sort -u "$edges" | awk '$1 != $2')
if [ "${1:-}" = "--print" ]; then
	echo "$graph" | awk '{d[$1] = d[$1] " " $2} END {for (n in d) print n " ->" d[n]}' | sort
fi
if ! order=$(sort -u "$edges" | tsort 2>&1 >/dev/null); then
	echo "layers: the folders of src/ include each other in a cycle:" >&2
	echo "$order" >&2
	exit 1
fi
if echo "$order" | grep -q 'loop'; then
	echo "layers: the folders of src/ include each other in a cycle:" >&2
	echo "$order" >&2
	exit 1
fi
echo "layers: no cycle between the folders of src/ ($(echo "$graph" | wc -l) dependencies)"
