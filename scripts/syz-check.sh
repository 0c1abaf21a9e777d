#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Every ioctl the uapi header defines, every ioctl struct and every test op must appear in
# the syzkaller description syzkaller/dev_vcm.txt, so the fuzzer description cannot fall
# behind the interface.
#   syz-check.sh UAPI_HEADER TEST_HEADER DESCRIPTION
set -euo pipefail
uapi=$1 test=$2 desc=$3
for f in "$uapi" "$test" "$desc"; do [ -f "$f" ] || { echo "missing: $f"; exit 1; }; done
miss=()
[ "$(grep -cE '^#define VCM_[A-Z_]+ _IO' "$uapi")" -gt 0 ] || { echo "no ioctls in $uapi"; exit 1; }
for i in $(grep -oE '^#define VCM_[A-Z_]+ _IO' "$uapi" "$test" | awk '{print $2}'); do
	[ "$i" = VCM_TEST ] && continue
	grep -q "ioctl\$$i(" "$desc" || miss+=("ioctl $i")
done
for s in $(grep -oE '^struct vcm_[a-z_]+ \{' "$uapi" | awk '{print $2}'); do
	grep -qE "^$s \{" "$desc" || miss+=("struct $s")
done
for o in $(grep -oE '^\s*VCM_TEST_OP_[A-Z_]+' "$test" | tr -d '\t '); do
	case $o in	# read-only probes with nothing to fuzz beyond an id
	VCM_TEST_OP_INSTANCE_INFO|VCM_TEST_OP_DOMAIN_STATS|VCM_TEST_OP_CHECK_MAP|\
	VCM_TEST_OP_FAULT|VCM_TEST_OP_EDU_COPY) continue ;;
	# a timing loop (up to 64 devices x 256 MiB x 100000 cycles): a fuzzer would
	# spend its time inside it, and its argument checks are in the selftests
	VCM_TEST_OP_BENCH) continue ;;
	esac
	grep -q "$o" "$desc" || miss+=("test op $o")
done
n=$(grep -c '^ioctl\$' "$desc")
if [ ${#miss[@]} -gt 0 ]; then
	printf 'missing from %s: %s\n' "$desc" "${miss[@]}"
	exit 1
fi
echo "$n ioctl descriptions cover every ioctl and struct of the uapi"
