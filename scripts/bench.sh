#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench: build a kernel without the sanitizers (config/bench.config, in
# build/obj-bench), boot it under QEMU with intel-iommu and the two edu devices, run
# tools/testing/selftests/vcm/vcm_bench in the guest, and write the report.
#
#   BENCH_ARGS="-q"      vcm_bench's options (make bench QUICK=1 adds -q); no commas:
#                        give sections as "-s main -s scale", not "-s main,scale"
#   BENCH_TIMEOUT=2400   seconds for the QEMU run
#
# Results: build/bench/bench.csv (one row per run), bench.md (the report, printed at
#          the end) and bench.png; build/bench/bench.raw is the guest's second serial
#          port as received.
# Logs:    build/logs/bench-console.log (kernel log and vcm_bench's progress).
# Exit status: 0 only when the guest ran every benchmark without a failure, QEMU
# finished in time and the console shows no kernel splat.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

OBJ=$BUILD/obj-bench
OUT=$BUILD/bench
timeout_s=${BENCH_TIMEOUT:-2400}
args=${BENCH_ARGS:-}
[ "${QUICK:-0}" = 1 ] && [[ " $args " != *" -q "* ]] && args="-q${args:+ $args}"
case "$args" in
*,*) die "BENCH_ARGS must not contain commas (they separate words on the kernel command line): '$args'" ;;
esac
# The kernel command line has no quoting the guest reads: words travel joined by commas.
read -r -a words <<<"$args"
cmdline_args=$(IFS=,; echo "${words[*]}")

kernel=$OBJ/arch/x86/boot/bzImage
initrd=$OUT/initramfs.cpio.gz
con=$LOGS/bench-console.log
raw=$OUT/bench.raw
csv=$OUT/bench.csv
mkdir -p "$OUT"

# --- 1. the bench kernel and its initramfs -----------------------------------------
OBJ=$OBJ DEBUG_CONFIG=$TOP/config/bench.config bash "$TOP/scripts/kernel.sh" ||
	die "bench: kernel build failed (log: $LOGS/kernel-build.log)"
[ -f "$kernel" ] || die "bench: no $kernel after the kernel build"
say "bench: initramfs with vcm_bench"
with_progress "bench initramfs" "$LOGS/bench-initramfs.log" \
	env OBJ="$OBJ" INITRD="$initrd" bash "$TOP/scripts/initramfs.sh" ||
	die "bench: initramfs build failed (log: $LOGS/bench-initramfs.log)"

# --- 2. QEMU: intel-iommu, two edu devices (as qemu.sh intel), CSV on ttyS1 ----------
rm -f "$con" "$raw" "$csv" "$OUT/bench.md" "$OUT/bench.png"
say "bench: booting QEMU (intel-iommu, TCG, timeout ${timeout_s}s), vcm_bench ${args:-(all sections)}"
start=$SECONDS
set +e
# edu #1 keeps QEMU's default 28-bit dma_mask; edu #2 reaches 32 bits.
timeout --foreground -k 10 "$timeout_s" qemu-system-x86_64 \
	-machine q35,kernel-irqchip=split -accel tcg -cpu max -m "${BENCH_MEM:-2048}" -smp 2 \
	-device intel-iommu,intremap=on,caching-mode=on \
	-device edu -device edu,dma_mask=0xffffffff \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 iommu.strict=1 panic=-1 panic_on_oops=1 panic_on_warn=1 kunit.enable=0 vcm.bench_instances=64 vcm.edu_dma_bits=28,32 vcm_bench=1 vcm_bench.args=$cmdline_args ${KERNEL_CMDLINE:-}" \
	-display none -monitor none -serial "file:$con" -serial "file:$raw" \
	-no-reboot >"$LOGS/bench-qemu-stdout.log" 2>&1 &
qpid=$!
set -e
trap 'kill "$qpid" 2>/dev/null || true' INT TERM EXIT

# "<rows> rows, last: <kind> <format> <size> x<devices>" from what ttyS1 gave so far
# (the guest's tty turns each "\n" into "\r\n")
progress() {
	tr -d '\r' <"$raw" 2>/dev/null | awk -F, '
		function hs(b) {
			if (b >= 1048576 && b % 1048576 == 0) return b / 1048576 "M"
			if (b >= 1024 && b % 1024 == 0) return b / 1024 "K"
			return b
		}
		$1 == "section" { nf = NF; next }
		nf && NF == nf {
			n++
			last = $2 " " $3 " " hs($5) ($1 == "reserve" ? " live=" $8 : " x" $4)
		}
		END { printf "%d rows%s", n, n ? ", last: " last : "" }'
}

while kill -0 "$qpid" 2>/dev/null; do
	for _ in $(seq "$PROGRESS_EVERY"); do
		kill -0 "$qpid" 2>/dev/null || break
		sleep 1
	done
	kill -0 "$qpid" 2>/dev/null || break
	printf '    [bench %4ds] %s\n' $((SECONDS - start)) "$(progress)"
done
set +e
wait "$qpid"
qrc=$?
set -e
trap - INT TERM EXIT
secs=$((SECONDS - start))
info "bench: QEMU finished in ${secs}s; $(progress)"

# --- 3. judge the run -----------------------------------------------------------------
fail=0
if [ $qrc = 124 ] || [ $qrc = 137 ]; then
	echo "FAILED: bench: qemu did not finish within ${timeout_s}s (console: $con)" >&2
	fail=1
elif [ $qrc != 0 ]; then
	echo "FAILED: bench: qemu exited with $qrc (console: $con; qemu output: $LOGS/bench-qemu-stdout.log)" >&2
	fail=1
fi
done_line=$(tr -d '\r' <"$raw" 2>/dev/null | grep '^# vcm-bench-done' | tail -n 1 || true)
if [ -z "$done_line" ]; then
	echo "FAILED: bench: the guest did not finish vcm_bench (console: $con; CSV so far: $raw)" >&2
	tail -n 20 "$con" 2>/dev/null | sed 's/^/    | /' >&2
	fail=1
else
	brc=${done_line##*rc=}
	if [ "$brc" != 0 ]; then
		echo "FAILED: bench: vcm_bench exited with $brc (console: $con)" >&2
		tr -d '\r' <"$con" | grep '^# FAILED' | head -n 20 | sed 's/^/    | /' >&2 || true
		fail=1
	fi
fi
# Kernel splats: the same list as qemu.sh's.
splats=$(splat_lines "$con")
if [ -n "$splats" ]; then
	echo "FAILED: bench: $(echo "$splats" | wc -l) kernel splat line(s) in the console log ($con):" >&2
	echo "$splats" | head -n 10 | sed 's/^/    | /' >&2
	fail=1
fi

# --- 4. the CSV and the report (also of a partial run, to see how far it got) --------
# Rows with as many fields as the header: a line cut off at the end is dropped.
tr -d '\r' <"$raw" 2>/dev/null | grep -v '^#' |
	awk -F, '$1 == "section" { nf = NF } nf && NF == nf' >"$csv" || true
rows=$(($(wc -l <"$csv") - 1))
if [ "$rows" -le 0 ] || ! head -n 1 "$csv" | grep -q '^section,kind,format,'; then
	die "bench: no CSV rows from the guest (console: $con; raw: $raw)"
fi
step "bench report" "$LOGS/bench-report.log" python3 "$TOP/scripts/bench-report.py" "$csv" "$OUT" ||
	die "bench: report failed (log: $LOGS/bench-report.log)"
grep -i 'warning' "$LOGS/bench-report.log" | sed 's/^/    /' || true
say "bench: $rows runs in ${secs}s: $csv, $OUT/bench.md$([ -f "$OUT/bench.png" ] && echo ", $OUT/bench.png")"
cat "$OUT/bench.md"
[ $fail = 0 ] || die "bench: the run failed (see above); the report covers the rows it produced"
