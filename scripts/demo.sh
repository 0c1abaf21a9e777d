#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The main job: build the series, boot it under each emulated IOMMU, and narrate
# the 2010 video-playback example on real DMA (tools/testing/selftests/vcm/vcm_edu.c):
# two QEMU edu devices and a mock-format device share one VCM; a 16 MiB frame in the
# largest blocks is written by one device's DMA and read back by the other's.
#
#   IOMMUS="intel amd virtio"   which IOMMUs to boot (default: all three)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

IOMMUS=${IOMMUS:-intel amd virtio}
t0=$SECONDS
bash "$TOP/scripts/deps.sh" >"$LOGS/demo-deps.log" 2>&1 || { cat "$LOGS/demo-deps.log"; exit 1; }
bash "$TOP/scripts/tree.sh"
bash "$TOP/scripts/kernel.sh"
bash "$TOP/scripts/initramfs.sh"
fail=0
for i in $IOMMUS; do
	s=$SECONDS
	rc=0
	KERNEL_CMDLINE="vcm_test.only=vcm_topology,vcm_edu" \
		bash "$TOP/scripts/qemu.sh" "$i" >"$LOGS/demo-$i.log" 2>&1 || rc=$?
	[ $rc = 0 ] || fail=1
	tap=$LOGS/qemu-$i-tap.log
	con=$LOGS/qemu-$i-console.log
	say "demo: $i-iommu ($((SECONDS - s)) s, $( [ $rc = 0 ] && echo 'all checks passed' || echo "FAILED, see $LOGS/demo-$i.log"))"
	drv=$(grep -m1 -oE 'DMAR: Intel\(R\) Virtualization Technology for Directed I/O|AMD-Vi: Extended features.*|virtio_iommu virtio[0-9]+: input address: [0-9]+ bits' "$con" || true)
	printf '    %-18s %s\n' "IOMMU driver" "${drv:-?}"
	printf '    %-18s %s\n' "IOMMU instances" "$(grep -oE 'iommu instance: .*' "$tap" | sed 's/iommu instance: //' | tr '\n' ' ')"
	grep -oE 'edu [0-9a-f:.]+: iommu group [0-9]+' "$tap" | while read -r _ bdf _ _ grp; do
		printf '    %-18s %s, IOMMU group %s, %s-bit DMA\n' "edu device" "${bdf%:}" "$grp" \
			"$(grep -oE "${bdf%:}: vcm test device, [0-9]+-bit" "$con" | grep -oE '[0-9]+-bit' | cut -d- -f1)"
	done
	grep -oE 'demo: .*' "$tap" | sed 's/^demo: /    /'
	read -r a b _ <"$BUILD/results/$i.counts" 2>/dev/null || { a=0; b=1; }
	info "checks: $a passed, $b failed; console log: $con"
done
say "demo: done in $((SECONDS - t0)) s"
exit $fail
