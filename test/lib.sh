#!/bin/bash
#
# lib.sh
#	  What test/check.sh, test/demo.sh and test/bench/run.sh share:
#	  installing dependencies, building and installing the extension, and
#	  running PostgreSQL programs as a non-root user.
#
# Source it; it defines functions and sets GOV_REPO and PG_BIN.
#
# test/lib.sh
#

GOV_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# GOV_PG_CONFIG names another (relocated) PostgreSQL 15 to build against,
# install into and test with; by default, Debian's.
GOV_PG_CONFIG=${GOV_PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
PG_BIN=$(dirname "$GOV_PG_CONFIG")

# Debian packages the project needs to build and run (all that the demo
# needs), and those only its tests and benchmarks need.
GOV_PACKAGES="make gcc perl openssl postgresql-15 postgresql-server-dev-15
	libjansson-dev libssl-dev libkrb5-dev libcurl4-openssl-dev"
GOV_TEST_PACKAGES="libipc-run-perl postgresql-15-pgaudit clang libclang-rt-14-dev
	sqlsmith pgbouncer rsyslog rsyslog-gnutls"

gov_say()
{
	printf '\n==> %s\n' "$*"
}

# Run a command as root: directly, or through sudo.
gov_as_root()
{
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "need root (or sudo) for: $*" >&2
		return 1
	fi
}

# Install whatever Debian packages are missing (apt-get update once).
gov_ensure_packages()
{
	local missing="" p
	for p in $GOV_PACKAGES "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		local log
		log=$(mktemp "${TMPDIR:-/tmp}/governance-apt.XXXXXX")
		gov_say "installing:$missing"
		# A fresh machine's unattended upgrades may hold the dpkg lock:
		# wait for it (up to 10 minutes) rather than fail.  What apt and
		# debconf say is shown only if the installation fails.
		if ! { gov_as_root env DEBIAN_FRONTEND=noninteractive apt-get \
				-o DPkg::Lock::Timeout=600 update -qq &&
			gov_as_root env DEBIAN_FRONTEND=noninteractive apt-get \
				-o DPkg::Lock::Timeout=600 install -y -qq $missing; } >"$log" 2>&1
		then
			cat "$log" >&2
			rm -f "$log"
			return 1
		fi
		rm -f "$log"
	fi
}

# Node.js and npm, for the tokens test/jose mints with the jose library:
# Debian's packages, only where no node is installed already.
gov_node_packages()
{
	command -v node >/dev/null 2>&1 || echo nodejs npm
}

# Install test/jose's pinned packages from its package-lock.json, from
# npm's cache when it has them.  gov_pg_workdir copies node_modules along.
gov_jose_install()
{
	gov_say "installing test/jose's packages (npm ci)"
	(cd "$GOV_REPO/test/jose" &&
		npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
}

# Build with the warnings-as-errors flags, then install into PostgreSQL.
gov_build_install()
{
	gov_say "building governance"
	make -C "$GOV_REPO" -s PG_CONFIG="$GOV_PG_CONFIG" >/dev/null &&
		gov_as_root make -C "$GOV_REPO" -s install PG_CONFIG="$GOV_PG_CONFIG" >/dev/null
}

# The user PostgreSQL runs as: never root.
gov_pg_user()
{
	if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi
}

# Run a command as that user.
gov_as_pg()
{
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# A copy of the source tree the PostgreSQL user owns (tests write into it).
gov_pg_workdir()
{
	local dir
	dir=$(mktemp -d "${TMPDIR:-/tmp}/governance.XXXXXX")
	tar -C "$GOV_REPO" --exclude=.git --exclude='*.o' --exclude='*.bc' \
		--exclude='*.so' --exclude=tmp_check --exclude=results -cf - . |
		tar -C "$dir" -xf -
	chmod 700 "$dir"
	[ "$(id -u)" = 0 ] && chown -R postgres "$dir"
	echo "$dir"
}
