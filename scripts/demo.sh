#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The main job. Until the end-to-end scenario lands, it builds the series, boots it
# under each emulated IOMMU and shows the topology the VCM will use: the IOMMU
# instances, the two edu DMA devices, their groups and default domains.
#
#   IOMMUS="intel amd virtio"   which IOMMUs to boot (default: all three)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

IOMMUS=${IOMMUS:-intel amd virtio}
t0=$SECONDS
bash "$TOP/scripts/tree.sh"
bash "$TOP/scripts/kernel.sh"
bash "$TOP/scripts/initramfs.sh"
for i in $IOMMUS; do
	s=$SECONDS
	rc=0
	bash "$TOP/scripts/qemu.sh" "$i" >"$LOGS/demo-$i.log" 2>&1 || rc=$?
	tap=$LOGS/qemu-$i-tap.log
	con=$LOGS/qemu-$i-console.log
	say "demo: $i-iommu ($((SECONDS - s))s, $( [ $rc = 0 ] && echo 'all checks passed' || echo "FAILED, see $LOGS/demo-$i.log"))"
	drv=$(grep -m1 -oE 'DMAR: Intel\(R\) Virtualization Technology for Directed I/O|AMD-Vi: Interrupt remapping enabled|AMD-Vi: .*IOMMU|virtio_iommu [^ ]+: input address: [0-9]+ bits|iommu: Default domain type: [A-Za-z]+' "$con" || true)
	printf '    %-16s %s\n' "driver" "${drv:-?}"
	grep -oE 'iommu instance: .*' "$tap" | sed 's/iommu instance: /instance         /' | sed 's/^/    /' || true
	printf '    %-16s %-8s %s\n' "edu device" "group" "default domain"
	grep -oE 'edu [0-9a-f:.]+: iommu group [0-9]+' "$tap" | while read -r _ bdf _ _ grp; do
		bdf=${bdf%:}
		type=$(grep -oE "group $grp default domain: .*" "$tap" | head -n1 | sed 's/.*: //')
		printf '    %-16s %-8s %s\n' "$bdf" "$grp" "$type"
	done
	read -r a b c <"$BUILD/results/$i.counts" 2>/dev/null || { a=0; b=1; c=0; }
	info "checks: $a passed, $b failed"
	info "console log: $con"
done
say "demo: done in $((SECONDS - t0))s"
