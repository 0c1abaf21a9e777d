#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the test guest. The kernel log goes to ttyS0; the selftests' TAP goes to
# ttyS1, so the host reads each without the other mixed in.
#
# vcm_test.only= runs only the named programs, vcm_test.args= passes each of them
# arguments (commas for spaces), e.g. vcm_test.args=-t,lead_release_vs_close.
#
# With vcm_bench=1 on the kernel command line (make bench) it runs /vcm/vcm_bench
# instead, with the arguments of vcm_bench.args= (commas for spaces): its CSV goes to
# ttyS1, its progress to the console, then "# vcm-bench-done rc=<exit status>".
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

out=/dev/ttyS1
[ -c $out ] || out=/dev/console
per_test_timeout=600
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	vcm_test.timeout=*) per_test_timeout=${arg#*=} ;;
	vcm_test.only=*) only=$(echo "${arg#*=}" | tr ',' ' ') ;;
	vcm_test.args=*) test_args=$(echo "${arg#*=}" | tr ',' ' ') ;;
	vcm_bench=1) bench=1 ;;
	vcm_bench.args=*) bench_args=$(echo "${arg#*=}" | tr ',' ' ') ;;
	esac
done

if [ "${bench:-0}" = 1 ]; then
	echo "vcm-init: running vcm_bench ${bench_args:-}" >/dev/console
	/vcm/vcm_bench ${bench_args:-} >$out 2>/dev/console
	rc=$?
	echo "# vcm-bench-done rc=$rc" >>$out
	echo "vcm-init: done, powering off" >/dev/console
	sync
	poweroff -f
	exit 1
fi

echo "vcm-init: running selftests" >/dev/console
cd /vcm
set -- ${only:-$(cat tests.list)}
{
	echo "TAP version 13"
	echo "1..$(( $# + 1 ))"
	i=0
	for t in "$@"; do
		i=$((i + 1))
		echo "# selftests: vcm: $t"
		timeout "$per_test_timeout" ./$t ${test_args:-} >/tmp/out 2>&1
		rc=$?
		sed 's/^/# /' /tmp/out
		if [ $rc = 0 ]; then
			echo "ok $i selftests: vcm: $t"
		elif [ $rc = 4 ]; then
			echo "ok $i selftests: vcm: $t # SKIP"
		else
			echo "not ok $i selftests: vcm: $t # exit=$rc"
		fi
	done

	# Leak check: two scans, as kmemleak's documentation advises, then report.
	i=$((i + 1))
	if [ -w /sys/kernel/debug/kmemleak ]; then
		echo scan >/sys/kernel/debug/kmemleak
		sleep 1
		echo scan >/sys/kernel/debug/kmemleak
		cat /sys/kernel/debug/kmemleak >/tmp/leaks
		n=$(grep -c '^unreferenced object' /tmp/leaks)
		sed 's/^/# /' /tmp/leaks
		if [ "$n" = 0 ]; then
			echo "ok $i kmemleak # 0 unreferenced objects"
		else
			echo "not ok $i kmemleak # $n unreferenced objects"
		fi
	else
		echo "ok $i kmemleak # SKIP not built in"
	fi
	echo "# vcm-selftests-done"
} >$out 2>&1

echo "vcm-init: done, powering off" >/dev/console
sync
poweroff -f
