#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the test kernel under QEMU (TCG) with one emulated IOMMU and two edu devices,
# run the selftests, and judge the run from what the guest printed.
#
#   qemu.sh intel|amd|virtio
#
# Logs: build/logs/qemu-<iommu>-console.log (kernel, with KUnit's KTAP) and
#       build/logs/qemu-<iommu>-tap.log (the selftests' TAP, from the second serial port).
# Summary: build/results/<iommu>.counts = "<passed> <failed> <skipped>".
# Exit status: 0 only when every KUnit and kselftest case passed, the guest finished,
# and the console shows no kernel splat.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

iommu=${1:-${IOMMU:-intel}}
timeout_s=${QEMU_TIMEOUT:-900}
kernel=$OBJ/arch/x86/boot/bzImage
initrd=$BUILD/initramfs.cpio.gz
[ -f "$kernel" ] || die "no $kernel: run 'make kernel'"
[ -f "$initrd" ] || die "no $initrd: run 'make initramfs'"

case "$iommu" in
intel)	machine=q35,kernel-irqchip=split
	dev=(-device intel-iommu,intremap=on,caching-mode=on) ;;
amd)	machine=q35
	dev=(-device amd-iommu) ;;
virtio)	machine=q35
	dev=(-device virtio-iommu-pci) ;;
*)	die "unknown IOMMU '$iommu' (intel, amd or virtio)" ;;
esac

con=$LOGS/qemu-$iommu-console.log
tap=$LOGS/qemu-$iommu-tap.log
mkdir -p "$BUILD/results"
counts=$BUILD/results/$iommu.counts
rm -f "$con" "$tap" "$counts"

# edu #1 keeps QEMU's default 28-bit dma_mask; edu #2 reaches 32 bits.
say "qemu: booting with $iommu-iommu (TCG, timeout ${timeout_s}s)"
start=$SECONDS
set +e
timeout --foreground -k 10 "$timeout_s" qemu-system-x86_64 \
	-machine "$machine" -accel tcg -cpu max -m "${QEMU_MEM:-1024}" -smp 2 \
	"${dev[@]}" \
	-device edu -device edu,dma_mask=0xffffffff \
	-kernel "$kernel" -initrd "$initrd" \
	-append "console=ttyS0 iommu.strict=1 panic=-1 panic_on_warn=1 log_buf_len=8M kmemleak=on vcm_test.iommu=$iommu vcm.edu_dma_bits=28,32 vcm.bench_instances=2 vivid.allocators=1 ${KERNEL_CMDLINE:-}" \
	-display none -monitor none -serial "file:$con" -serial "file:$tap" \
	-no-reboot >"$LOGS/qemu-$iommu-stdout.log" 2>&1
qrc=$?
set -e
secs=$((SECONDS - start))

fail=0
if [ $qrc = 124 ] || [ $qrc = 137 ]; then
	echo "FAILED: qemu ($iommu) did not finish within ${timeout_s}s (console: $con)" >&2
	fail=1
elif [ $qrc != 0 ]; then
	echo "FAILED: qemu ($iommu) exited with $qrc (console: $con; qemu output: $LOGS/qemu-$iommu-stdout.log)" >&2
	fail=1
fi
if ! grep -q '^# vcm-selftests-done' "$tap" 2>/dev/null; then
	echo "FAILED: the guest did not finish its selftests (console: $con)" >&2
	tail -n 20 "$con" | sed 's/^/    | /' >&2
	fail=1
fi

# Kernel splats: any of these in the console fails the run, whatever the tests said.
splats=$(splat_lines "$con")
nsplat=0
if [ -n "$splats" ]; then
	nsplat=$(echo "$splats" | wc -l)
	echo "FAILED: $nsplat kernel splat line(s) in the console log ($con):" >&2
	echo "$splats" | head -n 10 | sed 's/^/    | /' >&2
	fail=1
fi

# KUnit: every leaf case from the console's KTAP, through the kernel's own parser.
ku_pass=0 ku_fail=0 ku_skip=0
if grep -q 'KTAP version' "$con" 2>/dev/null; then
	python3 "$SRC/tools/testing/kunit/kunit.py" parse --json="$BUILD/results/$iommu-kunit.json" \
		<"$con" >"$LOGS/qemu-$iommu-kunit.log" 2>&1 || true
	read -r ku_pass ku_fail ku_skip < <(python3 "$TOP/scripts/kunit-counts.py" "$BUILD/results/$iommu-kunit.json")
fi

# kselftests: each harness case; a program that failed without a failing case
# (crash, timeout) counts as one failure.
read -r ks_pass ks_fail ks_skip < <(python3 "$TOP/scripts/tap-counts.py" "$tap")

pass=$((ku_pass + ks_pass))
failed=$((ku_fail + ks_fail + fail))
skip=$((ku_skip + ks_skip))
echo "$pass $failed $skip" >"$counts"
info "$iommu: ${secs}s; KUnit $ku_pass passed/$ku_fail failed/$ku_skip skipped;" \
	"kselftest $ks_pass passed/$ks_fail failed/$ks_skip skipped; $nsplat splat lines"
grep -E '^# +(not )?ok |^(not )?ok ' "$tap" 2>/dev/null | grep -E 'not ok|SKIP' | sed 's/^/    | /' || true
[ $failed = 0 ]
