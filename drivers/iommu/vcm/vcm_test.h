/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-only /dev/vcm commands, built with CONFIG_VCM_TEST. Not a stable ABI:
 * the selftests in tools/testing/selftests/vcm/ include this file directly.
 */
#ifndef _VCM_TEST_H
#define _VCM_TEST_H

#include <linux/types.h>

#include "vcm_ioctl.h"

enum {
	VCM_TEST_OP_INSTANCE_INFO = 1,
	VCM_TEST_OP_DEV_CREATE,
	VCM_TEST_OP_DEV_REMOVE,
	VCM_TEST_OP_DOMAIN_STATS,
	VCM_TEST_OP_CHECK_MAP,
	VCM_TEST_OP_DMA,
	VCM_TEST_OP_FAULT,
	VCM_TEST_OP_EDU_OPEN,
	VCM_TEST_OP_EDU_COPY,
	VCM_TEST_OP_DMABUF_ATTACH,
	VCM_TEST_OP_DMABUF_MAP,
	VCM_TEST_OP_DMABUF_UNMAP,
	VCM_TEST_OP_BENCH,
	VCM_TEST_OP_WINDOW,
	VCM_TEST_OP_FENCE_ADD,
	VCM_TEST_OP_FENCE_SIGNAL,
	VCM_TEST_OP_DMABUF_CREATE,
};

/*
 * VCM_TEST_OP_WINDOW: places where one path has decided something and acts on
 * it a moment later, which the kernel can widen with a sleep so that a test
 * meets them from another thread every time rather than by chance.
 */
enum {
	/* an export's release, after it let go of its reservation's memory */
	VCM_WINDOW_EXPORT_RELEASE = 1,
	/* VCM_CPU_ACCESS, between finding the memory and mapping it */
	VCM_WINDOW_CPU_ACCESS,
	/* an export's attach, before the attachment is checked and added */
	VCM_WINDOW_ATTACH,
	/* VCM_TEST_OP_DOMAIN_STATS, after it found the domain */
	VCM_WINDOW_DOMAIN_STATS,
	/* vcm_set_fault_handler(), between the cookie and the handler */
	VCM_WINDOW_FAULT_HANDLER,
	VCM_WINDOW_NR,
};

/* Mock IOMMU instances, registered at boot, each with its own iommu_ops. */
enum {
	VCM_MOCK_ARMV7S,	/* io-pgtable ARM short descriptor: 4K|64K|1M|16M */
	VCM_MOCK_LPAE_4K,	/* io-pgtable ARM LPAE, 4K granule: 4K|2M|1G; PASID */
	VCM_MOCK_LPAE_64K,	/* io-pgtable ARM LPAE, 64K granule: 64K|512M */
	VCM_MOCK_VTDSS,		/* generic_pt VT-d second stage: 4K|2M|1G */
	VCM_MOCK_NR,
};

#define VCM_TEST_PGSIZE_SLOTS 32	/* counters indexed by ilog2(pgsize) - 12 */

/**
 * struct vcm_test_cmd - ioctl(VCM_TEST)
 * @size: sizeof(struct vcm_test_cmd)
 * @op: VCM_TEST_OP_*
 * @id: the object the op works on (see each op)
 * @__reserved: must be 0
 * @instance_info: VCM_TEST_OP_INSTANCE_INFO, @id unused
 * @instance_info.index: which mock instance (< VCM_MOCK_NR)
 * @instance_info.out_max_pasids: PASIDs it supports (0: none)
 * @instance_info.out_pgsizes: its page sizes
 * @instance_info.out_name: its format's name
 * @dev_create: VCM_TEST_OP_DEV_CREATE, @id unused
 * @dev_create.instance: the mock instance the device sits behind
 * @dev_create.flags: VCM_TEST_DEV_PASID for a PASID-capable device;
 *                   VCM_TEST_DEV_NO_IOMMU for a device behind no IOMMU at
 *                   all (DMA-direct; @dev_create.instance must be 0), which
 *                   cannot be associated with a VCM (-ENODEV);
 *                   VCM_TEST_DEV_DMA_API for a device behind the first
 *                   benchmark instance of format @dev_create.instance (see
 *                   the vcm.bench_instances parameter), in a DMA API domain,
 *                   so that dma-buf importers map it through the IOMMU
 * @dev_create.dma_bits: the device's DMA mask in bits (0: 64)
 * @dev_create.out_dev_id: the new device object
 *
 * VCM_TEST_OP_DEV_REMOVE: @id is a test device, which goes away as if
 * hot-unplugged: every association of it is detached and dead (activate and
 * deactivate fail with -ENODEV, destroy succeeds), simulated DMA through it
 * fails with -ENODEV; the device object stays until destroyed.
 * @domain_stats: VCM_TEST_OP_DOMAIN_STATS; @id is an association, the
 *                counters are those of the domain it uses
 * @domain_stats.flags: VCM_TEST_STATS_RESET to zero the counters after reading
 * @domain_stats.res_id: 0, or a backed reservation whose minimal PTE cover in
 *                       this domain to compute into @domain_stats.out_cover
 * @domain_stats.out_map_calls: map_pages calls
 * @domain_stats.out_unmap_calls: unmap_pages calls
 * @domain_stats.out_iotlb_sync_map: iotlb_sync_map calls
 * @domain_stats.out_iotlb_sync: iotlb_sync calls
 * @domain_stats.out_flush_all: flush_iotlb_all calls
 * @domain_stats.out_attach: attach_dev and set_dev_pasid calls
 * @domain_stats.out_ptes_mapped: leaf PTEs written, by page size
 * @domain_stats.out_ptes_unmapped: leaf PTEs cleared, by page size
 * @domain_stats.out_cover: the fewest leaf PTEs, by page size, that map
 *                          @domain_stats.res_id in this domain: a greedy cover
 *                          of each physically contiguous run with the largest
 *                          page size that the device and physical addresses'
 *                          alignment and the remaining length allow
 * @domain_stats.out_pgsizes: the domain's page sizes
 * @domain_stats.out_mock: 1 for a mock domain, whose counters are measured;
 *                         0 for a real IOMMU's domain, whose counters read 0
 * @domain_stats.__reserved2: must be 0
 * @check_map: VCM_TEST_OP_CHECK_MAP; @id is a reservation. Checks that every
 *             domain of its VCM translates each page of it to the backing
 *             memory, or translates nothing if it is not backed
 * @check_map.out_domains: domains checked
 * @check_map.out_pages: pages checked in each
 * @check_map.out_mismatches: pages that translated wrongly, over all domains
 * @dma: VCM_TEST_OP_DMA; @id is a test device. Copies through the device's
 *       attached domain as its DMA would, page by page; an untranslated page
 *       reports a fault to the domain's handler and fails with -EFAULT
 * @dma.pasid: 0 for the RID, else the PASID whose domain to use
 * @dma.dir: 0 to read device memory into @dma.uptr, 1 to write @dma.uptr to it
 * @dma.iova: device address
 * @dma.len: bytes
 * @dma.uptr: user buffer
 * @fault: VCM_TEST_OP_FAULT; @id is a test device. Reports a translation
 *         fault at @fault.iova to the handler of its attached domain
 * @fault.pasid: 0 for the RID, else the PASID
 * @fault.write: non-zero for a write fault
 * @fault.iova: device address
 * @edu_open: VCM_TEST_OP_EDU_OPEN, @id unused: a device object for a QEMU
 *            edu device bound to the VCM test driver (VCM_TEST_OP_DEV_REMOVE
 *            unbinds it)
 * @edu_open.index: 0 for the first edu device in bus order
 * @edu_open.out_dma_bits: the DMA mask its driver declared, in bits
 * @edu_open.out_dev_id: the new device object
 * @edu_open.__reserved: must be 0
 * @edu_copy: VCM_TEST_OP_EDU_COPY; @id is an edu device object. Its DMA
 *            engine reads @edu_copy.len bytes at @edu_copy.src and writes
 *            them at @edu_copy.dst, through its attached domain. -ERANGE for
 *            an address beyond its DMA mask (never given to the device),
 *            -ENODEV once it is unbound, -ETIMEDOUT if it does not complete
 * @edu_copy.len: bytes, 1 to 4096 (its internal buffer)
 * @edu_copy.__reserved: must be 0
 * @edu_copy.src: device address to read
 * @edu_copy.dst: device address to write
 * @dmabuf_attach: VCM_TEST_OP_DMABUF_ATTACH; @id is a device object, which
 *                 becomes an importer of a dma-buf with the constraints its
 *                 device has, tightened by the fields below. The attachment
 *                 is an object: VCM_DESTROY detaches it. The device object
 *                 cannot be destroyed while attached
 * @dmabuf_attach.fd: the dma-buf
 * @dmabuf_attach.flags: VCM_TEST_ATTACH_DYNAMIC for a dynamic importer, which
 *                       drops its mapping when the exporter invalidates it;
 *                       else a static one, which pins the memory while mapped.
 *                       With VCM_TEST_ATTACH_DEFER too, the importer only
 *                       notes the invalidation and keeps using its mapping
 *                       until VCM_TEST_OP_DMABUF_UNMAP, as a device whose
 *                       work is still queued does
 * @dmabuf_attach.max_segments: 0, or the most contiguous DMA ranges it takes
 *                              (1: it needs one range)
 * @dmabuf_attach.alignment: 0, or the alignment it needs (a power of two)
 * @dmabuf_attach.max_segment_size: 0, or the longest segment it takes
 * @dmabuf_attach.segment_boundary_mask: 0, or its segment boundary
 * @dmabuf_attach.out_attach_id: the new attachment object
 * @dmabuf_attach.out_translated: 1 if its device is behind a translating IOMMU
 * @dmabuf_map: VCM_TEST_OP_DMABUF_MAP; @id is an attachment. Maps it and
 *              keeps the mapping until VCM_TEST_OP_DMABUF_UNMAP, detach, or an
 *              invalidation (for a dynamic importer); -EBUSY if mapped. Also
 *              reports, mapped or not, the invalidations it saw
 * @dmabuf_map.out_nents: DMA segments
 * @dmabuf_map.out_ranges: contiguous DMA ranges (adjacent segments merged)
 * @dmabuf_map.out_invalidations: invalidations it received so far
 * @dmabuf_map.out_bad_segments: segments longer than its maximum segment
 *                               size or crossing its segment boundary
 * @dmabuf_map.out_dma_addr: the first segment's DMA address
 * @dmabuf_map.out_dma_len: the DMA length, over all segments
 * @dmabuf_map.__reserved: must be 0
 * @bench: VCM_TEST_OP_BENCH, @id unused: time @bench.iterations map and
 *         unmap cycles of one buffer into @bench.nr_devs devices, in each of
 *         @bench.threads kernel threads, as kernel/dma/map_benchmark.c does.
 *         The devices, VCM, reservations and memory are made for the run and
 *         gone when it returns. -EINVAL for a bad field, -ENODEV for edu
 *         devices that are not there or too few mock instances (see the
 *         vcm.bench_instances parameter), -EOPNOTSUPP for VCM_BENCH_HEAP on
 *         devices without a DMA API domain (the DMA API takes no IOMMU
 *         granule above PAGE_SIZE, so VCM_MOCK_LPAE_64K has none)
 * @bench.kind: VCM_BENCH_*: what one map and one unmap are
 * @bench.instance: the mock format (VCM_MOCK_*) of the devices, each behind
 *                  its own instance of it; or VCM_BENCH_EDU for the QEMU edu
 *                  devices, behind the platform IOMMU
 * @bench.nr_devs: devices, 1 to VCM_BENCH_MAX_DEVS; 0 for VCM_BENCH_RESERVE
 * @bench.threads: threads, 1 to VCM_BENCH_MAX_THREADS, each with its own
 *                 buffer (VCM_BENCH_HEAP: its own attachments)
 * @bench.iterations: cycles per thread, 1 to VCM_BENCH_MAX_ITERATIONS
 * @bench.fd: VCM_BENCH_HEAP: a dma-buf of @bench.size bytes; else -1
 * @bench.size: buffer bytes, a multiple of the page size; for
 *              VCM_BENCH_RESERVE the length of each reservation
 * @bench.live: VCM_BENCH_RESERVE: reservations that stay in the VCM while
 *              one more is reserved and unreserved, up to VCM_BENCH_MAX_LIVE
 * @bench.__reserved: must be 0
 * @bench.out_map_ns: average time of one map into every device, in ns
 * @bench.out_map_stddev_ns: its standard deviation
 * @bench.out_unmap_ns: average time of one unmap from every device, in ns
 * @bench.out_unmap_stddev_ns: its standard deviation
 * @bench.out_ptes: leaf PTEs written by one map, over all domains (mock only)
 * @bench.out_cover: the fewest leaf PTEs that map the same memory at the same
 *                   device addresses, over all domains (the greedy cover of
 *                   @domain_stats.out_cover)
 * @bench.out_iotlb_syncs: IOTLB syncs and flushes of one map and unmap cycle,
 *                         over all domains (mock only)
 * @bench.out_domains: IOMMU domains one map writes
 * @bench.out_mock: 1 if the counters were measured on mock domains; 0 for a
 *                  real IOMMU, where @bench.out_ptes, @bench.out_cover and
 *                  @bench.out_iotlb_syncs read 0
 * @bench.out_samples: timed cycles, @bench.threads * @bench.iterations
 * @bench.out_map_median_ns: the median time of one map, in ns: under
 *                           emulation a rare cycle can take ten times the
 *                           others, so compare medians between runs
 * @bench.out_unmap_median_ns: the median time of one unmap, in ns
 * @window: VCM_TEST_OP_WINDOW, @id unused: from now on, sleep
 *          @window.delay_us in window @window.window (VCM_WINDOW_*) each
 *          time a path passes it; 0 to stop. Global, for every file
 * @window.window: VCM_WINDOW_*
 * @window.delay_us: microseconds, at most VCM_WINDOW_MAX_US
 * @fence_add: VCM_TEST_OP_FENCE_ADD, @id unused: adds an unsignalled fence to
 *             a VCM export's reservation object, as a device whose work on
 *             the buffer is still running would; the fence is an object of
 *             the file, signalled by VCM_TEST_OP_FENCE_SIGNAL or when
 *             destroyed. A move of the export waits for it 5 s at most
 * @fence_add.fd: the dma-buf, a VCM export (-EINVAL for any other)
 * @fence_add.write: 1 for DMA_RESV_USAGE_WRITE, 0 for DMA_RESV_USAGE_READ
 * @fence_add.out_fence_id: the new fence object
 * @fence_add.__reserved: must be 0
 *
 * VCM_TEST_OP_FENCE_SIGNAL: @id is a fence object; signals it (once).
 * @dmabuf_create: VCM_TEST_OP_DMABUF_CREATE, @id unused: a test exporter's
 *                 dma-buf of @dmabuf_create.size bytes whose mapping holds
 *                 @dmabuf_create.table_len bytes of memory: an exporter whose
 *                 table does not match its size, as a buggy one would have
 * @dmabuf_create.size: the dma-buf's size, pages
 * @dmabuf_create.table_len: bytes its table maps, pages
 * @dmabuf_create.out_fd: the dma-buf
 * @dmabuf_create.__reserved: must be 0
 */
struct vcm_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		struct {
			__u32 index;
			__u32 out_max_pasids;
			__aligned_u64 out_pgsizes;
			char out_name[16];
		} instance_info;
		struct {
			__u32 instance;
			__u32 flags;
			__u32 dma_bits;
			__u32 out_dev_id;
		} dev_create;
		struct {
			__u32 flags;
			__u32 res_id;
			__aligned_u64 out_map_calls;
			__aligned_u64 out_unmap_calls;
			__aligned_u64 out_iotlb_sync_map;
			__aligned_u64 out_iotlb_sync;
			__aligned_u64 out_flush_all;
			__aligned_u64 out_attach;
			__aligned_u64 out_ptes_mapped[VCM_TEST_PGSIZE_SLOTS];
			__aligned_u64 out_ptes_unmapped[VCM_TEST_PGSIZE_SLOTS];
			__aligned_u64 out_cover[VCM_TEST_PGSIZE_SLOTS];
			__aligned_u64 out_pgsizes;
			__u32 out_mock;
			__u32 __reserved2;
		} domain_stats;
		struct {
			__u32 out_domains;
			__u32 out_pages;
			__u32 out_mismatches;
			__u32 __reserved;
		} check_map;
		struct {
			__u32 pasid;
			__u32 dir;
			__aligned_u64 iova;
			__aligned_u64 len;
			__aligned_u64 uptr;
		} dma;
		struct {
			__u32 pasid;
			__u32 write;
			__aligned_u64 iova;
		} fault;
		struct {
			__u32 index;
			__u32 out_dma_bits;
			__u32 out_dev_id;
			__u32 __reserved;
		} edu_open;
		struct {
			__u32 len;
			__u32 __reserved;
			__aligned_u64 src;
			__aligned_u64 dst;
		} edu_copy;
		struct {
			__s32 fd;
			__u32 flags;
			__u32 max_segments;
			__u32 alignment;
			__u32 max_segment_size;
			__u32 out_attach_id;
			__aligned_u64 segment_boundary_mask;
			__u32 out_translated;
		} dmabuf_attach;
		struct {
			__u32 out_nents;
			__u32 out_ranges;
			__u32 out_invalidations;
			__u32 out_bad_segments;
			__aligned_u64 out_dma_addr;
			__aligned_u64 out_dma_len;
			__u32 __reserved;
		} dmabuf_map;
		struct {
			__u32 kind;
			__u32 instance;
			__u32 nr_devs;
			__u32 threads;
			__u32 iterations;
			__s32 fd;
			__aligned_u64 size;
			__u32 live;
			__u32 __reserved;
			__aligned_u64 out_map_ns;
			__aligned_u64 out_map_stddev_ns;
			__aligned_u64 out_unmap_ns;
			__aligned_u64 out_unmap_stddev_ns;
			__aligned_u64 out_ptes;
			__aligned_u64 out_cover;
			__aligned_u64 out_iotlb_syncs;
			__u32 out_domains;
			__u32 out_mock;
			__aligned_u64 out_samples;
			__aligned_u64 out_map_median_ns;
			__aligned_u64 out_unmap_median_ns;
		} bench;
		struct {
			__u32 window;
			__u32 delay_us;
		} window;
		struct {
			__s32 fd;
			__u32 write;
			__u32 out_fence_id;
			__u32 __reserved;
		} fence_add;
		struct {
			__aligned_u64 size;
			__aligned_u64 table_len;
			__s32 out_fd;
			__u32 __reserved;
		} dmabuf_create;
	};
};

enum {
	VCM_TEST_DEV_PASID = 1 << 0,
	VCM_TEST_DEV_NO_IOMMU = 1 << 1,
	VCM_TEST_DEV_DMA_API = 1 << 2,
};

enum {
	VCM_TEST_ATTACH_DYNAMIC = 1 << 0,
	VCM_TEST_ATTACH_DEFER = 1 << 1,
};

#define VCM_WINDOW_MAX_US	1000000

enum {
	VCM_TEST_STATS_RESET = 1 << 0,
};

/* VCM_TEST_OP_BENCH: what one timed map and unmap are. */
enum {
	VCM_BENCH_VCM = 1,	/* vcm_back() + vcm_unback(), largest blocks */
	VCM_BENCH_VCM_4K,	/* the same with the smallest page size: 4 KiB (64 KiB) */
	VCM_BENCH_HEAP,		/* dma_buf_attach() + map, unmap + detach, per device */
	VCM_BENCH_RAW,		/* iommu_map()/iommu_unmap() of the same blocks */
	VCM_BENCH_RESERVE,	/* vcm_reserve() + vcm_unreserve() */
};

#define VCM_BENCH_EDU			0x100	/* @bench.instance: the edu devices */
#define VCM_BENCH_MAX_DEVS		64
#define VCM_BENCH_MAX_THREADS		8
#define VCM_BENCH_MAX_ITERATIONS	100000
#define VCM_BENCH_MAX_LIVE		1048576	/* 2^20 */

#define VCM_CMD_TEST 0xA0
#define VCM_TEST _IO(VCM_TYPE, VCM_CMD_TEST)

#endif
