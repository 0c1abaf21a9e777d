#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The gates every submission passes, each with its own pass/fail line, then the QEMU
# runs; ends with one line "N passed, N failed" counting every KUnit and kselftest case
# over all runs (a failed gate counts as one failure).
#
#   IOMMUS="intel amd virtio"   which QEMU runs (default: all three)
#   GATES="apply checkpatch bisect sparse kerneldoc rst coccicheck maintainers syzkaller b4 qemu"
#                               which gates (default: all)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

IOMMUS=${IOMMUS:-intel amd virtio}
GATES=${GATES:-apply checkpatch bisect sparse kerneldoc rst coccicheck maintainers syzkaller b4 qemu}
BROWSE_DIRS=(drivers include tools Documentation)
g() { git -C "$SRC" "$@"; }
want() { [[ " $GATES " == *" $1 "* ]]; }

declare -a gate_lines=()
gate_fail=0
t0=$SECONDS
gate() {	# gate NAME STATUS DETAIL
	local line
	line=$(printf '%-12s %s  %s' "$1" "$2" "$3")
	gate_lines+=("$line")
	echo "$line"
	[ "$2" = PASS ] || gate_fail=$((gate_fail + 1))
}
finish() {
	local p=0 f=0 s=0 a b c
	for i in $IOMMUS; do
		if [ -f "$BUILD/results/$i.counts" ]; then
			read -r a b c <"$BUILD/results/$i.counts"
			p=$((p + a)); f=$((f + b)); s=$((s + c))
		fi
	done
	f=$((f + gate_fail))
	say "check: summary ($((SECONDS - t0))s)"
	printf '    %s\n' "${gate_lines[@]}"
	if [ "$s" -gt 0 ]; then
		echo "$p passed, $f failed, $s skipped"
	else
		echo "$p passed, $f failed"
	fi
	[ "$f" = 0 ]
	exit
}
rm -f "$BUILD"/results/*.counts

new_files() { g diff --name-only --diff-filter=A "$BASE_TAG" HEAD; }

# --- 1. apply: the series applies to the pristine base; the copies equal its files ----
if want apply; then
	say "gate apply: patches/ onto $BASE_TAG, and the browsable copies"
	if ! bash "$TOP/scripts/tree.sh"; then
		gate apply FAIL "the series does not apply (see above)"
		finish
	fi
	drift=()
	mapfile -t nf < <(new_files)
	for f in "${nf[@]}"; do
		if [ ! -f "$TOP/$f" ]; then
			drift+=("missing copy: $f")
		elif ! g show "HEAD:$f" | cmp -s - "$TOP/$f"; then
			drift+=("differs: $f")
		fi
	done
	for d in "${BROWSE_DIRS[@]}"; do
		[ -d "$TOP/$d" ] || continue
		while read -r f; do
			printf '%s\n' "${nf[@]}" | grep -qxF "$f" || drift+=("not created by the series: $f")
		done < <(cd "$TOP" && find "$d" -type f)
	done
	if ! g diff -U0 "$BASE_TAG" HEAD -- MAINTAINERS | sed -n 's/^+\([^+]\|$\)/\1/p' | cmp -s - "$TOP/MAINTAINERS-fragment"; then
		drift+=("MAINTAINERS-fragment differs from what the series adds to MAINTAINERS")
	fi
	listed=$(grep -v '^#' "$TOP/series" | sed '/^\s*$/d' | sort)
	present=$(cd "$TOP/patches" && ls -1 [0-9]*.patch | grep -v '^0000-cover-letter' | sort)
	[ "$listed" = "$present" ] || drift+=("series does not list exactly the patches in patches/")
	[ -f "$TOP/patches/0000-cover-letter.patch" ] || drift+=("no patches/0000-cover-letter.patch")
	if [ ${#drift[@]} = 0 ]; then
		gate apply PASS "$(g rev-list --count "$BASE_TAG"..HEAD) patches apply; ${#nf[@]} browsable copies match"
	else
		printf '    %s\n' "${drift[@]}" >&2
		gate apply FAIL "${#drift[@]} drift(s) between the repo and the series: run 'make export'"
	fi
fi

# --- 2. checkpatch --strict on every patch, with recorded exceptions ------------------
if want checkpatch; then
	say "gate checkpatch: scripts/checkpatch.pl --strict on every patch"
	bad=0 n=0
	: >"$LOGS/checkpatch.log"
	for p in "$TOP"/patches/[0-9]*.patch; do
		b=$(basename "$p")
		[ "$b" = 0000-cover-letter.patch ] && continue
		n=$((n + 1))
		ign=$(awk -v b="$b" '!/^#/ && NF >= 3 && b ~ $1 { printf "%s,", $2 }' "$TOP/checkpatch-exceptions" 2>/dev/null)
		args=(--strict --no-summary --show-types)
		[ -n "$ign" ] && args+=(--ignore "${ign%,}")
		out=$(cd "$SRC" && perl scripts/checkpatch.pl "${args[@]}" "$p" 2>&1)
		if [ -n "$out" ] && ! echo "$out" | grep -q '^total: 0 errors, 0 warnings, 0 checks'; then
			if echo "$out" | grep -qE '^(ERROR|WARNING|CHECK):'; then
				bad=$((bad + 1))
				{ echo "== $b"; echo "$out"; } >>"$LOGS/checkpatch.log"
				echo "$out" | grep -E '^(ERROR|WARNING|CHECK):' | sed "s|^|    $b: |" >&2
			fi
		fi
	done
	if [ $bad = 0 ]; then
		gate checkpatch PASS "$n patches: 0 errors, 0 warnings, 0 checks"
	else
		gate checkpatch FAIL "$bad of $n patches have findings (log: $LOGS/checkpatch.log)"
	fi
fi

# --- 3. bisectability: the kernel (and the selftests) build after each patch ---------
if want bisect; then
	say "gate bisect: building after each patch, in order"
	mapfile -t commits < <(g rev-list --reverse "$BASE_TAG"..vcm)
	broken=""
	i=0
	for c in "${commits[@]}"; do
		i=$((i + 1))
		subj=$(g log -1 --format=%s "$c")
		info "[$i/${#commits[@]}] $subj"
		g checkout -q "$c" || { broken="$i ($subj): checkout failed"; break; }
		mode=--partial
		[ "$i" = "${#commits[@]}" ] && mode=
		if ! bash "$TOP/scripts/kernel.sh" $mode 2>&1 | tee "$LOGS/bisect-$i.log" | sed -u 's/^/  /'; then
			broken="patch $i ($subj): kernel build failed (log: $LOGS/bisect-$i.log, $LOGS/kernel-build.log)"
			break
		fi
		if g diff --name-only "$c~1" "$c" | grep -q '^tools/testing/selftests/vcm/'; then
			mkdir -p "$BUILD/bisect-ksft"
			if ! kmake headers >"$LOGS/bisect-$i-headers.log" 2>&1 ||
			   ! make -C "$SRC/tools/testing/selftests/vcm" OUTPUT="$BUILD/bisect-ksft" \
				KHDR_INCLUDES="-isystem $OBJ/usr/include" >"$LOGS/bisect-$i-selftests.log" 2>&1; then
				broken="patch $i ($subj): selftests do not build (log: $LOGS/bisect-$i-selftests.log)"
				break
			fi
		fi
	done
	g checkout -q vcm
	if [ -z "$broken" ]; then
		gate bisect PASS "kernel builds after each of ${#commits[@]} patches"
	else
		gate bisect FAIL "$broken"
		finish
	fi
elif want qemu; then
	bash "$TOP/scripts/kernel.sh" || { gate kernel FAIL "build failed (log: $LOGS/kernel-build.log)"; finish; }
fi

# --- 4. sparse (C=2) and W=1 on every kernel .c file the series creates or touches ---
if want sparse; then
	say "gate sparse: make C=2 W=1 on the files the series touches (diagnostics on its lines)"
	mapfile -t cfiles < <(g diff --name-only --diff-filter=AM "$BASE_TAG" HEAD -- '*.c' | grep -v '^tools/' || true)
	bad=0 checked=0
	: >"$LOGS/sparse.log"
	for f in "${cfiles[@]}"; do
		o=${f%.c}.o
		if ! grep -q "^cmd_$o\b\|^savedcmd_$o\b" "$OBJ/${o%/*}/.${o##*/}.cmd" 2>/dev/null; then
			info "$f is not built in this configuration: skipped"
			continue
		fi
		checked=$((checked + 1))
		kmake C=2 W=1 "$o" >"$LOGS/sparse-one.log" 2>&1 || true
		cat "$LOGS/sparse-one.log" >>"$LOGS/sparse.log"
		w=$(python3 "$TOP/scripts/new-warnings.py" "$SRC" "$OBJ" "$BASE_TAG" "$LOGS/sparse-one.log")
		if [ -n "$w" ]; then
			bad=$((bad + 1))
			echo "$w" | sed 's/^/    /' >&2
		fi
	done
	if [ $bad = 0 ]; then
		gate sparse PASS "$checked files sparse and W=1 clean"
	else
		gate sparse FAIL "$bad of $checked files have warnings (log: $LOGS/sparse.log)"
	fi
	# Rebuild what W=1 recompiled with its flags, so the test kernel is the normal one.
	[ $checked = 0 ] || bash "$TOP/scripts/kernel.sh" >"$LOGS/sparse-rebuild.log" 2>&1 ||
		{ gate kernel FAIL "rebuild after sparse failed (log: $LOGS/sparse-rebuild.log)"; finish; }
fi

# --- 5. kernel-doc -none -Wall on every new source file ------------------------------
if want kerneldoc; then
	say "gate kerneldoc: scripts/kernel-doc -none -Wall on every new .c/.h"
	mapfile -t docf < <(new_files | grep -E '\.(c|h)$' || true)
	if [ ${#docf[@]} = 0 ]; then
		gate kerneldoc PASS "no new .c/.h files"
	else
		out=$(cd "$SRC" && scripts/kernel-doc -none -Wall "${docf[@]}" 2>&1)
		if [ -z "$out" ]; then
			gate kerneldoc PASS "${#docf[@]} files clean"
		else
			echo "$out" | sed 's/^/    /' >&2
			gate kerneldoc FAIL "$(echo "$out" | wc -l) kernel-doc warnings"
		fi
	fi
fi

# --- 5b. rst: every new Documentation/*.rst builds alone with Sphinx -W -----------
if want rst; then
	say "gate rst: sphinx-build -W of the new .rst files with the kernel's kernel-doc extension"
	mapfile -t rstf < <(new_files | grep -E '^Documentation/.*\.rst$' || true)
	if [ ${#rstf[@]} = 0 ]; then
		gate rst PASS "no new .rst files"
	elif python3 "$TOP/scripts/rst-check.py" "$SRC" "$BUILD/rst" "${rstf[@]}" \
		>"$LOGS/rst.log" 2>&1; then
		gate rst PASS "${#rstf[@]} file(s) build without warnings, kernel-doc included"
	else
		sed 's/^/    /' "$LOGS/rst.log" | tail -n 20 >&2
		gate rst FAIL "Sphinx warnings (log: $LOGS/rst.log)"
	fi
fi

# --- 6. Coccinelle: make coccicheck MODE=report over the new files -------------------
if want coccicheck; then
	say "gate coccicheck: make coccicheck MODE=report on the directories of new .c files"
	mapfile -t ccf < <(new_files | grep -E '\.c$' | grep -v '^tools/' || true)
	mapfile -t ccd < <(printf '%s\n' "${ccf[@]}" | xargs -r -n1 dirname | sort -u)
	: >"$LOGS/coccicheck.log"
	for d in "${ccd[@]}"; do
		kmake coccicheck MODE=report M="$d" J="$JOBS" SPFLAGS="-I $SRC/$d" \
			>>"$LOGS/coccicheck.log" 2>&1
	done
	# Reports name "./file:line:..." relative to the directory; only the series'
	# new files count (base files in the same directories are not ours to fix).
	hits=$(grep -F -f <(printf './%s:\n' "${ccf[@]##*/}") "$LOGS/coccicheck.log" || true)
	ran=$(grep -c -- '--cocci-file' "$LOGS/coccicheck.log" || true)
	# spatch run from a subdirectory cannot follow some relative includes: say so
	exn=$(grep '^EXN' "$LOGS/coccicheck.log" |
		grep -F -f <(printf ' in ./%s\n' "${ccf[@]##*/}") | sort | uniq -c |
		awk '{ print $1 " x " $NF }' | tr '\n' ' ' || true)
	note=""
	[ -n "$exn" ] && note=" (spatch could not parse, so did not check: ${exn% })"
	if [ "$ran" = 0 ]; then
		gate coccicheck FAIL "no semantic patch ran (log: $LOGS/coccicheck.log)"
	elif [ -z "$hits" ]; then
		gate coccicheck PASS "${#ccf[@]} new files, $ran semantic patch runs: no reports$note"
	else
		echo "$hits" | sed 's/^/    /' >&2
		gate coccicheck FAIL "$(echo "$hits" | wc -l) reports on new files (log: $LOGS/coccicheck.log)"
	fi
fi

# --- 7. MAINTAINERS: self-test, and every patch reaches the right lists -------------
if want maintainers; then
	say "gate maintainers: get_maintainer.pl --self-test=patterns, and per patch"
	bad=0
	# Warnings on the MAINTAINERS lines the series adds (the base has its own)
	mapfile -t mlines < <(g diff -U0 "$BASE_TAG" HEAD -- MAINTAINERS |
		awk '/^@@/ { split($3, a, /[+,]/); n = (a[3] == "" ? 1 : a[3]);
			     for (i = 0; i < n; i++) print a[2] + i }')
	(cd "$SRC" && perl scripts/get_maintainer.pl --self-test=patterns) >"$LOGS/maintainers.log" 2>&1
	selfbad=0
	for l in "${mlines[@]}"; do
		if grep -q "MAINTAINERS:$l:" "$LOGS/maintainers.log"; then
			grep "MAINTAINERS:$l:" "$LOGS/maintainers.log" | sed 's/^/    /' >&2
			selfbad=$((selfbad + 1))
		fi
	done
	[ "$selfbad" = 0 ] || bad=$((bad + 1))
	# Each patch names the lists of what it touches: iommu for VCM, dma-buf's for
	# dma-buf, media's for media
	np=0
	for p in "$TOP"/patches/[0-9][0-9][0-9][0-9]-*.patch; do
		[ "$(basename "$p")" = 0000-cover-letter.patch ] && continue
		np=$((np + 1))
		lists=$(cd "$SRC" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
			--no-rolestats --l --nom --nor "$p" 2>&1)
		echo "== $(basename "$p"): $(echo $lists)" >>"$LOGS/maintainers.log"
		need=()
		grep -qE '^\+\+\+ b/(drivers/iommu/|tools/testing/selftests/vcm/|include/(uapi/)?linux/vcm)' "$p" &&
			need+=(iommu@lists.linux.dev)
		grep -qE '^\+\+\+ b/(drivers/dma-buf/|include/linux/dma-buf)' "$p" &&
			need+=(linaro-mm-sig@lists.linaro.org)
		grep -qE '^\+\+\+ b/drivers/media/' "$p" && need+=(linux-media@vger.kernel.org)
		for l in "${need[@]}"; do
			if ! grep -qF "$l" <<<"$lists"; then
				echo "    $(basename "$p"): get_maintainer.pl does not name $l" >&2
				bad=$((bad + 1))
			fi
		done
	done
	if [ "$bad" = 0 ]; then
		gate maintainers PASS "self-test clean on ${#mlines[@]} added lines; $np patches name their lists"
	else
		gate maintainers FAIL "$bad problems (log: $LOGS/maintainers.log)"
	fi
fi

# --- 7b. syzkaller: the description of /dev/vcm covers the whole uapi ------------
if want syzkaller; then
	say "gate syzkaller: syzkaller/dev_vcm.txt covers every ioctl of the uapi"
	if out=$(bash "$TOP/scripts/syz-check.sh" "$TOP/drivers/iommu/vcm/vcm_ioctl.h" \
		"$TOP/drivers/iommu/vcm/vcm_test.h" "$TOP/syzkaller/dev_vcm.txt" 2>&1); then
		gate syzkaller PASS "$out"
	else
		gate syzkaller FAIL "$out"
	fi
fi

# --- 7c. b4: `b4 prep` takes the series over (enroll, cover, To/Cc, RFC, send -o) --
if want b4; then
	say "gate b4: b4 prep enrolls the series and writes it with b4 send -o"
	if out=$(bash "$TOP/scripts/b4-check.sh" "$SRC" "$TOP" "$BUILD/b4" 2>&1); then
		gate b4 PASS "$out"
	else
		echo "$out" | sed 's/^/    /' >&2
		gate b4 FAIL "$(echo "$out" | tail -n 1)"
	fi
fi

# --- 8. QEMU: every IOMMU variant --------------------------------------------------
if want qemu; then
	bash "$TOP/scripts/initramfs.sh" || { gate initramfs FAIL "initramfs build failed"; finish; }
	for i in $IOMMUS; do
		if bash "$TOP/scripts/qemu.sh" "$i"; then
			read -r a b c <"$BUILD/results/$i.counts"
			gate "qemu-$i" PASS "$a passed, $b failed, $c skipped"
		else
			if [ -f "$BUILD/results/$i.counts" ]; then
				read -r a b c <"$BUILD/results/$i.counts"
				gate "qemu-$i" FAIL "$a passed, $b failed (console: $LOGS/qemu-$i-console.log)"
				gate_fail=$((gate_fail - 1))	# its failures are already counted
			else
				gate "qemu-$i" FAIL "no results (console: $LOGS/qemu-$i-console.log)"
			fi
		fi
	done
fi
finish
