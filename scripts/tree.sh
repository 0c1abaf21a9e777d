#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build/linux: a git tree holding the pristine base (tag vcm-base) and, on branch
# "vcm", the series from patches/ applied with `git am`. Developers edit there.
#
# Re-running it re-applies patches/ only when they changed; it refuses to throw away
# commits or edits in the tree that were never exported (FORCE=1 overrides).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tarball=$BUILD/linux-source-$BASE_MAJOR.tar.xz
[ -s "$tarball" ] || die "no kernel source in $tarball: run 'make deps' first"
got_debver=$(cat "$BUILD/linux-source.version")

# Fixed identities and dates make the base commit, and every applied patch, the same
# object on every machine, so `base-commit:` in the cover letter is reproducible.
export GIT_AUTHOR_NAME="Debian kernel team" GIT_AUTHOR_EMAIL="debian-kernel@lists.debian.org"
export GIT_COMMITTER_NAME="VCM series tooling" GIT_COMMITTER_EMAIL="vcm@localhost"
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"

g() { git -C "$SRC" "$@"; }

if [ ! -d "$SRC/.git" ] || ! g rev-parse -q --verify "refs/tags/$BASE_TAG" >/dev/null; then
	say "tree: unpacking linux-source-$BASE_MAJOR $got_debver into $SRC"
	rm -rf "$SRC" "$BUILD/linux-source-$BASE_MAJOR"
	tar xf "$tarball" -C "$BUILD"
	mv "$BUILD/linux-source-$BASE_MAJOR" "$SRC"
	say "tree: committing the pristine base (tag $BASE_TAG)"
	g init -q -b vcm
	g config core.autocrlf false
	g config gc.auto 0
	# Debian's tarball ignores everything at the top level ("/*", for its packaging
	# repository); drop that block so the tree tracks new files as mainline's does.
	sed -i '/^# Debian packaging: ignore everything/,/^!\/debian\/$/d' "$SRC/.gitignore"
	sed -i '${/^#$/d}' "$SRC/.gitignore"
	sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$SRC/.gitignore"
	step "git add base" "$LOGS/tree-base.log" g add -A -f .
	kver=$(make -s -C "$SRC" kernelversion)
	g commit -q -m "Linux $kver (Debian linux-source-$BASE_MAJOR $got_debver)" \
		-m "Pristine base of the VCM series, unpacked from Debian's linux-source-$BASE_MAJOR package." \
		-m "Only change: the Debian packaging block that ignores every top-level path is dropped from .gitignore."
	g tag "$BASE_TAG"
	info "base: $(g log -1 --format='%h %s' "$BASE_TAG")"
fi

unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_AUTHOR_DATE

mapfile -t pl < <(grep -v '^#' "$TOP/series" | sed '/^\s*$/d')
stamp=$( (cat "$TOP/series"; for p in "${pl[@]}"; do cat "$TOP/patches/$p"; done) | sha256sum | cut -c1-16)
state=$SRC/.git/vcm-applied		# "<patches stamp> <head after am>"

if [ -f "$state" ]; then
	read -r old_stamp old_head <"$state"
	head=$(g rev-parse HEAD)
	if [ "$old_stamp" = "$stamp" ] && [ "$old_head" = "$head" ] && g diff --quiet HEAD; then
		info "tree: up to date ($(g rev-list --count "$BASE_TAG"..HEAD) patches on $BASE_TAG)"
		exit 0
	fi
	if [ "${FORCE:-0}" != 1 ]; then
		if ! g diff --quiet HEAD; then
			die "build/linux has uncommitted edits: commit and 'make export', or FORCE=1 to discard"
		fi
		if [ "$old_head" != "$head" ] && [ "$old_stamp" = "$stamp" ]; then
			die "build/linux has commits not exported to patches/: 'make export' first, or FORCE=1 to discard"
		fi
		if [ "$old_head" != "$head" ]; then
			die "both build/linux and patches/ changed since the last 'make tree': reconcile by hand, or FORCE=1 to take patches/"
		fi
	fi
fi

say "tree: applying ${#pl[@]} patches from patches/ onto $BASE_TAG"
g am --abort >/dev/null 2>&1 || true
g checkout -q -f -B vcm "$BASE_TAG"
g clean -q -f -d -x -e '/.git' >/dev/null 2>&1 || true
amargs=(--committer-date-is-author-date --quiet)
if [ "$got_debver" != "$BASE_DEBVER" ]; then
	amargs+=(-3)		# a newer 7.3.y: let git merge where context moved
fi
for p in "${pl[@]}"; do
	[ -f "$TOP/patches/$p" ] || die "series names $p but patches/$p does not exist"
	if ! g am "${amargs[@]}" "$TOP/patches/$p" >"$LOGS/tree-am.log" 2>&1; then
		g am --abort >/dev/null 2>&1 || true
		cat "$LOGS/tree-am.log" >&2
		die "patch $p does not apply to $BASE_TAG (linux-source $got_debver; series recorded $BASE_DEBVER)"
	fi
	info "applied $p"
done
echo "$stamp $(g rev-parse HEAD)" >"$state"
info "tree: $SRC at $(g log -1 --format='%h %s')"
