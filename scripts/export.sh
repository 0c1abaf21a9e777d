#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Export the series from build/linux (branch vcm, on tag vcm-base) back into the repo:
#   patches/       git format-patch output, cover letter from cover-letter.txt, base recorded
#   series         the patch names in order, under the base header
#   drivers/ include/ tools/ Documentation/
#                  the final content of every file the series creates
#   MAINTAINERS-fragment
#                  the MAINTAINERS lines the series adds
# Deterministic: running it twice changes nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BROWSE_DIRS=(drivers include tools Documentation)
g() { git -C "$SRC" "$@"; }

[ -d "$SRC/.git" ] || die "no tree in $SRC: run 'make tree' first"
g diff --quiet HEAD || die "build/linux has uncommitted edits: commit them first"
[ "$(g rev-parse --abbrev-ref HEAD)" = vcm ] || die "build/linux is not on branch vcm"
n=$(g rev-list --count "$BASE_TAG"..HEAD)
[ "$n" -gt 0 ] || die "the series is empty"

say "export: $n patches from build/linux"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Cover letter: subject on the first line of cover-letter.txt, body after it, with
# @BASE@ replaced by the recorded base. format-patch adds shortlog, diffstat, base-commit.
base_line="Linux $BASE_KVER (Debian linux-source-$BASE_MAJOR $BASE_DEBVER)"
sed "s/@BASE@/$base_line/g" "$TOP/cover-letter.txt" >"$tmp/desc"
g config branch.vcm.description "$(cat "$tmp/desc")"
# A fixed date keeps the cover letter byte-identical between runs.
GIT_COMMITTER_DATE="$(g log -1 --format=%cI HEAD)" \
g format-patch -q --cover-letter --cover-from-description=subject \
	--subject-prefix="RFC PATCH" --base="$BASE_TAG" --zero-commit \
	--signature="vcm series tooling" -o "$tmp/p" "$BASE_TAG"..HEAD
rm -rf "$TOP/patches"
mkdir -p "$TOP/patches"
cp "$tmp"/p/*.patch "$TOP/patches/"

# series: keep the header, list the patches.
{ grep '^#' "$TOP/series"; (cd "$TOP/patches" && ls -1 [0-9]*.patch | grep -v '^0000-cover-letter'); } >"$tmp/series"
mv "$tmp/series" "$TOP/series"

# Browsable copies of the files the series creates.
mapfile -t new < <(g diff --name-only --diff-filter=A "$BASE_TAG" HEAD)
for f in "${new[@]}"; do
	ok=0
	for d in "${BROWSE_DIRS[@]}"; do
		case "$f" in "$d"/*) ok=1 ;; esac
	done
	[ $ok = 1 ] || die "new file $f lies outside ${BROWSE_DIRS[*]}: add its directory to BROWSE_DIRS in scripts/export.sh and scripts/check.sh"
done
for d in "${BROWSE_DIRS[@]}"; do
	[ -d "$TOP/$d" ] || continue
	(cd "$TOP" && find "$d" -type f) | while read -r f; do
		printf '%s\n' "${new[@]}" | grep -qxF "$f" || { rm -f "$TOP/$f"; info "removed stale $f"; }
	done
	find "$TOP/$d" -type d -empty -delete
done
for f in "${new[@]}"; do
	mkdir -p "$TOP/$(dirname "$f")"
	g show "HEAD:$f" >"$TOP/$f"
	[ -x "$SRC/$f" ] && chmod +x "$TOP/$f" || chmod -x "$TOP/$f"
done

# MAINTAINERS-fragment: the lines the series adds to MAINTAINERS.
g diff -U0 "$BASE_TAG" HEAD -- MAINTAINERS | sed -n 's/^+\([^+]\|$\)/\1/p' >"$TOP/MAINTAINERS-fragment"

info "patches/: $(ls "$TOP/patches" | wc -l) files; ${#new[@]} new files copied; MAINTAINERS-fragment: $(wc -l <"$TOP/MAINTAINERS-fragment") lines"
# Record that the tree and patches/ agree, so 'make tree' knows nothing is unexported.
mapfile -t pl < <(grep -v '^#' "$TOP/series" | sed '/^\s*$/d')
stamp=$( (cat "$TOP/series"; for p in "${pl[@]}"; do cat "$TOP/patches/$p"; done) | sha256sum | cut -c1-16)
echo "$stamp $(g rev-parse HEAD)" >"$SRC/.git/vcm-applied"
