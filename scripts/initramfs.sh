#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# build/initramfs.cpio.gz: busybox-static, the statically linked vcm selftests, and an
# init that runs them (TAP on the second serial port, kernel log on the first), scans
# kmemleak, and powers off. The selftests' helper programs (TEST_GEN_PROGS_EXTENDED:
# vcm_bench) go into /vcm too, but not into its tests.list.
#
#   OBJ=dir      the kernel build whose uapi headers to use (default build/obj)
#   INITRD=file  the output (default build/initramfs.cpio.gz)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

INITRD=${INITRD:-$BUILD/initramfs.cpio.gz}

bb=/bin/busybox		# from busybox-static: the guest has no libc
[ -x "$bb" ] && ! ldd "$bb" >/dev/null 2>&1 || die "no static $bb: run 'make deps' (busybox-static)"
[ -f "$OBJ/.config" ] || die "no kernel build in $OBJ: run 'make kernel' first"

say "initramfs: uapi headers and selftests"
step "make headers" "$LOGS/initramfs-headers.log" kmake headers
KSFT=$BUILD/selftests
rm -rf "$KSFT"
mkdir -p "$KSFT"
step "build selftests (tools/testing/selftests/vcm)" "$LOGS/initramfs-selftests.log" \
	make -C "$SRC/tools/testing/selftests/vcm" OUTPUT="$KSFT" \
	KHDR_INCLUDES="-isystem $OBJ/usr/include" LDFLAGS=-static
tests=$(make -s -C "$SRC/tools/testing/selftests/vcm" OUTPUT="$KSFT" \
	KHDR_INCLUDES="-isystem $OBJ/usr/include" LDFLAGS=-static \
	--eval='print-tests: ; @echo $(notdir $(TEST_GEN_PROGS) $(TEST_PROGS))' print-tests)
extended=$(make -s -C "$SRC/tools/testing/selftests/vcm" OUTPUT="$KSFT" \
	KHDR_INCLUDES="-isystem $OBJ/usr/include" LDFLAGS=-static \
	--eval='print-extended: ; @echo $(notdir $(TEST_GEN_PROGS_EXTENDED))' print-extended)
info "selftests: $tests"
[ -z "$extended" ] || info "helpers: $extended"

R=$BUILD/initramfs
rm -rf "$R"
mkdir -p "$R"/{bin,sbin,dev,proc,sys,tmp,vcm,etc}
cp "$bb" "$R/bin/busybox"
for t in $tests $extended; do
	cp "$KSFT/$t" "$R/vcm/"
done
echo "$tests" | tr ' ' '\n' >"$R/vcm/tests.list"
cp "$TOP/scripts/guest-init.sh" "$R/init"
chmod +x "$R/init"
mkdir -p "$(dirname "$INITRD")"
(cd "$R" && find . -print0 | sort -z | cpio --null -o -H newc --quiet -R 0:0) | gzip -9n >"$INITRD"
info "initramfs: $(du -h "$INITRD" | cut -f1), $(echo "$tests" | wc -w) test programs"
