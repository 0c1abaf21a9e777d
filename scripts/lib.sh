# SPDX-License-Identifier: GPL-2.0
# Common settings and helpers for the VCM series tooling. Sourced, not run.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Debian's python3 first: the packages deps.sh installs (python3-ply and
# python3-git for checkpatch's SPDX check) belong to it, not to another python3.
export PATH=/usr/bin:/bin:$PATH
BUILD=${BUILD:-$TOP/build}
SRC=$BUILD/linux			# git tree: pristine base + series
OBJ=${OBJ:-$BUILD/obj}			# out-of-tree kernel build
LOGS=$BUILD/logs
SPARSE=$BUILD/tools/bin/sparse		# 0.6.5, built by deps.sh: 7.3 needs __typeof_unqual__
JOBS=${JOBS:-$(( $(nproc) + 1 ))}

# The base, as recorded in `series`. Read it from there so there is one source of truth.
BASE_KVER=$(sed -n 's/^# base-kernel: *//p' "$TOP/series" 2>/dev/null)
BASE_DEBVER=$(sed -n 's/^# base-debian-package: *linux-source-[0-9.]* *//p' "$TOP/series" 2>/dev/null)
BASE_KVER=${BASE_KVER:-7.3.4}
BASE_MAJOR=${BASE_KVER%.*}
BASE_TAG=vcm-base

mkdir -p "$LOGS"

say()  { printf '\033[1m==> %s\033[0m\n' "$*"; }
info() { printf '    %s\n' "$*"; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# step NAME LOGFILE CMD...: run CMD with its output in LOGFILE; on failure name the step
# and show the end of the log.
step() {
	local name=$1 log=$2
	shift 2
	if ! "$@" >"$log" 2>&1; then
		printf 'FAILED: %s (log: %s)\n' "$name" "$log" >&2
		tail -n 30 "$log" | sed 's/^/    | /' >&2
		return 1
	fi
}

# splat_lines LOG: the kernel splats in a console log (KASAN, lockdep, UBSAN, WARN,
# BUG, Oops, hung tasks, kmemleak reports), one a line; nothing if there are none.
splat_lines() {
	grep -E 'BUG:|WARNING:|Oops|Kernel panic|general protection fault|UBSAN:|KASAN:|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|unreferenced object|list_(add|del) corruption' "$1" 2>/dev/null || true
}

# Run a long command, printing one progress line every $PROGRESS_EVERY seconds
# with the last line of its log, so a 10-minute build is never silent.
PROGRESS_EVERY=${PROGRESS_EVERY:-30}
with_progress() {
	local name=$1 log=$2 start=$SECONDS pid rc
	shift 2
	"$@" >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		for _ in $(seq "$PROGRESS_EVERY"); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 1
		done
		kill -0 "$pid" 2>/dev/null || break
		printf '    [%s %4ds] %s\n' "$name" $((SECONDS - start)) \
			"$(grep -E '^\s+(CC|LD|AR|AS|HOSTCC|CHECK|OBJCOPY|GEN|BUILD)' "$log" | wc -l) objects, last: $(tail -n 1 "$log" | cut -c1-80)"
	done
	wait "$pid"
	rc=$?
	if [ $rc -ne 0 ]; then
		printf 'FAILED: %s after %ds (log: %s)\n' "$name" $((SECONDS - start)) "$log" >&2
		grep -E 'error|Error' "$log" | head -n 20 | sed 's/^/    | /' >&2
		tail -n 15 "$log" | sed 's/^/    | /' >&2
		return $rc
	fi
	info "$name: done in $((SECONDS - start))s"
}

# Private apt configuration for the trixie-backports suite, reusing the machine's
# own Debian archive URI so that no mirror host name is written in the repository.
apt_private_opts() {
	local uri
	uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
	[ -n "$uri" ] || uri=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
	[ -n "$uri" ] || die "cannot find the machine's Debian archive URI"
	mkdir -p "$BUILD/apt/lists/partial" "$BUILD/apt/archives/partial"
	# Binaries from trixie-backports (the kernel source); sources from sid (sparse,
	# built here because sid's binary needs a newer libc than bookworm's).
	printf 'deb [signed-by=%s] %s trixie-backports main\ndeb-src [signed-by=%s] %s sid main\n' \
		/usr/share/keyrings/debian-archive-keyring.gpg "$uri" \
		/usr/share/keyrings/debian-archive-keyring.gpg "$uri" >"$BUILD/apt/sources.list"
	APT_OPTS=(-o "Dir::Etc::SourceList=$BUILD/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$BUILD/apt/lists" -o "Dir::Cache::Archives=$BUILD/apt/archives")
}

# ccache: rewrite absolute paths below the checkout so that a fresh clone in another
# directory (CI) hits the cache filled by an earlier build on the same machine.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$TOP} CCACHE_NOHASHDIR=true

kmake() {
	local cc=gcc
	command -v ccache >/dev/null && cc="ccache gcc"
	make -C "$SRC" O="$OBJ" CC="$cc" HOSTCC="$cc" CHECK="$SPARSE" KBUILD_BUILD_TIMESTAMP=vcm-build \
		KBUILD_BUILD_USER=vcm KBUILD_BUILD_HOST=vcm -j"$JOBS" "$@"
}
