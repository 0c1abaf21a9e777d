# SPDX-License-Identifier: GPL-2.0
# The VCM kernel series: tooling. See README.md.
#
#   make demo     the main job: install, build, boot, show what the series does
#   make check    every gate and every QEMU run; ends with "N passed, N failed"
#   make bench    VCM map/unmap against dma-buf and iommu_map(), in QEMU (QUICK=1: short)

IOMMU ?= intel
S := scripts

.PHONY: all deps tree export kernel initramfs qemu check demo bench clean distclean help

all: help

help:
	@echo "make demo    install, build, boot QEMU, show the IOMMU topology the series uses"
	@echo "make check   every gate and QEMU run on intel, amd and virtio IOMMUs"
	@echo "make bench   benchmark VCM map/unmap in QEMU; report in build/bench/bench.md"
	@echo "             [QUICK=1] [BENCH_ARGS='vcm_bench options'] [BENCH_TIMEOUT=s]"
	@echo "steps:       deps tree kernel initramfs qemu [IOMMU=intel|amd|virtio] export"

deps:
	@bash $(S)/deps.sh

tree: deps
	@bash $(S)/tree.sh

export:
	@bash $(S)/export.sh

kernel: tree
	@bash $(S)/kernel.sh

initramfs: kernel
	@bash $(S)/initramfs.sh

qemu: initramfs
	@bash $(S)/qemu.sh $(IOMMU)

check: deps
	@bash $(S)/check.sh

demo: deps
	@bash $(S)/demo.sh

# QUICK=1: vcm_bench -q (fewer sizes, devices and domains)
bench: deps tree
	@BENCH_ARGS="$(if $(filter 1,$(QUICK)),-q )$(BENCH_ARGS)" bash $(S)/bench.sh

clean:
	rm -rf build/obj build/obj-bench build/bench build/selftests build/bisect-ksft build/initramfs build/initramfs.cpio.gz build/results build/logs

distclean:
	rm -rf build
