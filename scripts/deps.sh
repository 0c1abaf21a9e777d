#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install what the build and the tests need, and fetch the base kernel source.
# Idempotent: a second run installs nothing and downloads nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PKGS=(build-essential flex bison bc libelf-dev libssl-dev cpio xz-utils kmod
      python3 python3-ply python3-git perl git rsync ccache dpkg-dev coccinelle ocaml-nox python3-sphinx b4 git-filter-repo qemu-system-x86
      busybox-static gnuplot-nox ca-certificates)

say "deps: Debian packages"
missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
	info "installing: ${missing[*]}"
	step "apt-get update" "$LOGS/deps-apt-update.log" apt-get update -q
	step "apt-get install" "$LOGS/deps-apt-install.log" \
		env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
	info "installed: ${missing[*]}"
else
	info "all ${#PKGS[@]} packages already installed"
fi

# Sparse: Linux 7.3's checker-valid.sh needs __typeof_unqual__, which bookworm's
# sparse 0.6.4 lacks (the kernel then silently skips C=1). Build sid's 0.6.5 source.
say "deps: sparse 0.6.5 (from Debian's sid source package)"
if [ -x "$SPARSE" ] && printf 'static inline int u(const int *q)\n{\n\t__typeof_unqual__(*q) v = *q;\n\treturn v;\n}\n' |
	"$SPARSE" - 2>&1 | grep -vq error; then
	info "already built: $SPARSE"
else
	apt_private_opts
	step "apt-get update (private lists)" "$LOGS/deps-src-update.log" apt-get "${APT_OPTS[@]}" update -q
	rm -rf "$BUILD/tools/sparse-src"
	mkdir -p "$BUILD/tools/sparse-src"
	(cd "$BUILD/tools/sparse-src" && step "apt-get source sparse" "$LOGS/deps-sparse-source.log" \
		apt-get "${APT_OPTS[@]}" source -q --download-only sparse)
	tar xzf "$BUILD"/tools/sparse-src/sparse_*.orig.tar.gz -C "$BUILD/tools/sparse-src"
	d=$(find "$BUILD/tools/sparse-src" -maxdepth 1 -mindepth 1 -type d -name 'sparse-*' | head -n 1)
	step "build sparse" "$LOGS/deps-sparse-build.log" \
		make -C "$d" -j"$JOBS" sparse HAVE_LLVM=no HAVE_SQLITE=no HAVE_GTK=no HAVE_LIBXML=no
	mkdir -p "$BUILD/tools/bin"
	cp "$d/sparse" "$SPARSE"
	info "built $SPARSE from $(basename "$d")"
fi

say "deps: kernel source linux-source-$BASE_MAJOR ($BASE_DEBVER) from trixie-backports"
tarball=$BUILD/linux-source-$BASE_MAJOR.tar.xz
if [ -s "$tarball" ] && [ -s "$BUILD/linux-source.version" ]; then
	info "already have $(cat "$BUILD/linux-source.version") in $tarball"
	exit 0
fi
apt_private_opts
step "apt-get update (trixie-backports)" "$LOGS/deps-src-update.log" apt-get "${APT_OPTS[@]}" update -q
avail=$(apt-cache "${APT_OPTS[@]}" madison "linux-source-$BASE_MAJOR" | awk '{print $3}')
[ -n "$avail" ] || die "Debian no longer serves linux-source-$BASE_MAJOR in trixie-backports"
if echo "$avail" | grep -qxF "$BASE_DEBVER"; then
	ver=$BASE_DEBVER
else
	ver=$(echo "$avail" | sort -V | tail -n 1)
	info "WARNING: recorded base $BASE_DEBVER is no longer served; taking the newest, $ver"
	info "         the series will be applied with 'git am -3' (see scripts/tree.sh)"
fi
rm -f "$BUILD"/linux-source-"$BASE_MAJOR"_*.deb
(cd "$BUILD" && step "apt-get download" "$LOGS/deps-src-download.log" \
	apt-get "${APT_OPTS[@]}" download "linux-source-$BASE_MAJOR=$ver")
deb=$(ls "$BUILD"/linux-source-"$BASE_MAJOR"_*.deb)
rm -rf "$BUILD/x"
dpkg -x "$deb" "$BUILD/x"
mv "$BUILD/x/usr/src/linux-source-$BASE_MAJOR.tar.xz" "$tarball"
rm -rf "$BUILD/x" "$deb"
echo "$ver" >"$BUILD/linux-source.version"
info "fetched linux-source-$BASE_MAJOR $ver ($(du -h "$tarball" | cut -f1))"
