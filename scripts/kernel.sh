#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Out-of-tree build of build/linux into build/obj: tinyconfig + config/base.config +
# config/debug.config + the series' kselftest fragment (tools/testing/selftests/vcm/config).
#
#   OBJ=dir             build there instead of build/obj
#   DEBUG_CONFIG=file   the debug fragment (default config/debug.config; make bench
#                       uses config/bench.config)
#
#   kernel.sh            build HEAD of build/linux; every requested option must be set
#   kernel.sh --partial  the same, but options the tree does not know yet only warn
#                        (used by the bisect gate on early patches)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

partial=0
[ "${1:-}" = --partial ] && partial=1
[ -d "$SRC/.git" ] || die "no tree in $SRC: run 'make tree' first"

DEBUG_CONFIG=${DEBUG_CONFIG:-$TOP/config/debug.config}
[ -f "$DEBUG_CONFIG" ] || die "no config fragment $DEBUG_CONFIG"
frags=("$TOP/config/base.config" "$DEBUG_CONFIG")
st=$SRC/tools/testing/selftests/vcm/config
[ -f "$st" ] && frags+=("$st")
[ -n "${EXTRA_CONFIG:-}" ] && frags+=("$EXTRA_CONFIG")

mkdir -p "$OBJ"
# Regenerate .config only when a fragment or any Kconfig file changed, so that an
# unchanged config keeps its timestamp and an incremental build stays incremental.
want=$( (cat "${frags[@]}"; cd "$SRC" && git ls-files -s -- '*Kconfig*' | sha256sum) | sha256sum | cut -c1-16)
if [ "$(cat "$OBJ/.vcm-config-stamp" 2>/dev/null)" != "$want" ] || [ ! -f "$OBJ/.config" ]; then
	say "kernel: configuring (tinyconfig + ${#frags[@]} fragments)"
	step "make tinyconfig" "$LOGS/kernel-config.log" kmake tinyconfig
	step "merge_config" "$LOGS/kernel-merge.log" \
		env ARCH=x86 "$SRC/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" "${frags[@]}"
	step "make olddefconfig" "$LOGS/kernel-olddefconfig.log" kmake olddefconfig
	# Every option a fragment asks for must have survived Kconfig's dependencies.
	miss=()
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=n) opt=${line%%=*}; grep -q "^$opt=" "$OBJ/.config" && miss+=("$line") ;;
		CONFIG_*=*) grep -qxF "$line" "$OBJ/.config" || miss+=("$line") ;;
		esac
	done < <(cat "${frags[@]}" | sed 's/#.*//; s/[[:space:]]*$//' | grep '^CONFIG_')
	if [ ${#miss[@]} -gt 0 ]; then
		if [ $partial = 1 ]; then
			info "options not (yet) available in this tree: ${miss[*]}"
		else
			printf '    not set as requested: %s\n' "${miss[@]}" >&2
			die "kernel config: ${#miss[@]} requested options did not survive olddefconfig (see $LOGS/kernel-merge.log)"
		fi
	fi
	echo "$want" >"$OBJ/.vcm-config-stamp"
fi

say "kernel: building bzImage in $OBJ (-j$JOBS$(command -v ccache >/dev/null && echo ', ccache'))"
with_progress "kernel" "$LOGS/kernel-build.log" kmake bzImage
ls -l "$OBJ/arch/x86/boot/bzImage" | awk '{printf "    bzImage: %.1f MiB\n", $5/1048576}'
if command -v ccache >/dev/null; then
	ccache -s 2>/dev/null | grep -Ei '^\s*(hits|misses|cache hit|cache miss)' | head -n 3 | sed 's/^/    ccache: /' || true
fi
