// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/vcm and dma-buf, both ways: VCM_EXPORT makes a reservation a dma-buf
 * whose importers' constraints decide (or move) its memory, VCM_IMPORT makes
 * a dma-buf (udmabuf, a dma-heap buffer, another VCM's export) the memory
 * behind a reservation, and VCM_DMABUF_INFO reports what the attached devices
 * can reach.
 *
 * Importers are test devices (VCM_TEST_OP_DMABUF_ATTACH): mock-IOMMU devices,
 * DMA-direct devices behind no IOMMU, and QEMU's two edu devices behind the
 * platform's IOMMU (28-bit and 32-bit DMA masks); and real consumers: vivid
 * (videobuf2-dma-contig, no IOMMU, 32-bit) and vgem (DRM PRIME).
 *
 * /dev/vcm must exist. A consumer test is skipped only when its device node
 * (or the edu devices) is missing.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <drm/drm.h>
#include <drm/drm_mode.h>
#include <linux/videodev2.h>

#include "vcm_utils.h"

#define MASK(bits)	((1ULL << (bits)) - 1)	/* a DMA mask of @bits < 64 */

static __u64 pte_total(const __u64 *ptes)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < VCM_TEST_PGSIZE_SLOTS; i++)
		sum += ptes[i];
	return sum;
}

/*
 * A mapping of @len bytes is split into at least @len / max_segment_size
 * segments of the importer, and into exactly one if it takes @len at once.
 * @max_segment_size is the importer's, from VCM_DMABUF_INFO while it is the
 * only attachment.
 */
static void expect_nents(struct __test_metadata *_metadata,
			 const struct vcm_test_cmd *map, __u32 max_segment_size,
			 __u64 len)
{
	__u64 min_nents = (len + max_segment_size - 1) / max_segment_size;

	EXPECT_LE(min_nents, map->dmabuf_map.out_nents);
	EXPECT_TRUE(max_segment_size < len || map->dmabuf_map.out_nents == 1)
		TH_LOG("%u segments of a %u-byte maximum for 0x%llx bytes",
		       map->dmabuf_map.out_nents, max_segment_size, len);
	EXPECT_EQ(0, map->dmabuf_map.out_bad_segments);
}

/* A device behind mock @instance, associated with @vcm_id and active */
static void mock_attach(struct __test_metadata *_metadata, int fd, __u32 vcm_id,
			__u32 instance, __u32 *dev_id, __u32 *assoc_id)
{
	ASSERT_EQ(0, _test_cmd_dev_create(fd, instance, 0, 0, dev_id));
	ASSERT_EQ(0, _test_ioctl_assoc(fd, vcm_id, *dev_id, 0, 0, assoc_id));
	ASSERT_EQ(0, _test_ioctl_activate(fd, *assoc_id));
}

/* A VCM [VCM_START, + VCM_LEN) with both edus associated and active */
static void edu_vcm(struct __test_metadata *_metadata, int fd, const __u32 *edu,
		    __u32 *vcm_id)
{
	__u32 assoc, i;

	ASSERT_EQ(0, _test_ioctl_vcm_create(fd, VCM_START, VCM_LEN, vcm_id));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, _test_ioctl_assoc(fd, *vcm_id, edu[i], 0, 0, &assoc));
		ASSERT_EQ(0, _test_ioctl_activate(fd, assoc));
	}
}

/* Reserves @len bytes (aligned to @align) of @vcm_id and backs them */
static void res_backed(struct __test_metadata *_metadata, int fd, __u32 vcm_id,
		       __u64 len, __u64 align, __u32 phys_flags, __u32 *res_id,
		       __u64 *addr)
{
	__u32 phys_id;

	ASSERT_EQ(0, _test_ioctl_phys_alloc(fd, phys_flags, len, 0, vcm_id,
					    &phys_id, NULL, NULL));
	ASSERT_EQ(0, _test_ioctl_reserve_rw(fd, vcm_id, len, align, addr, res_id));
	ASSERT_EQ(0, _test_ioctl_back(fd, *res_id, phys_id));
}

FIXTURE(vcm_dmabuf)
{
	int fd;
};

FIXTURE_SETUP(vcm_dmabuf)
{
	self->fd = vcm_open(_metadata);
}

FIXTURE_TEARDOWN(vcm_dmabuf)
{
	if (self->fd != -1)
		EXPECT_EQ(0, close(self->fd));
}

/*
 * The constraint matrix on real DMA masks: edu 1 (32 bits) is in a VCM that
 * reaches past 2^28, edu 0 (28 bits) cannot be (VCM_ASSOC refuses a VCM
 * beyond a device's mask), so edu 0 imports through the DMA API. The merged
 * DMA mask is the lowest of the attached devices', and a detach loosens it.
 */
TEST_F_TIMEOUT(vcm_dmabuf, edu_28_vs_32, 60)
{
	__u32 edu[2], bits[2], vcm_id, mock, assoc[2], res[2], at0[2], at1[2];
	__u32 phys_id;
	__u64 addr[2] = { 1ULL << 28 }, edu0_dma[2];
	struct vcm_test_cmd st0, st1, map;
	struct vcm_dmabuf_info info;
	__u8 *pat, *buf;
	int dfd[2], i;

	if (!edu_open(_metadata, self->fd, edu, bits))
		SKIP(return, EDU_SKIP);
	ASSERT_EQ(28, bits[0]);
	ASSERT_EQ(32, bits[1]);
	pat = xmalloc(_metadata, SZ_1M);
	buf = xmalloc(_metadata, SZ_1M);

	test_ioctl_vcm_create(VCM_START, SZ_512M, &vcm_id);
	test_err_assoc(ERANGE, vcm_id, edu[0], 0, 0);
	test_ioctl_assoc(vcm_id, edu[1], &assoc[0]);
	test_ioctl_activate(assoc[0]);
	mock_attach(_metadata, self->fd, vcm_id, VCM_MOCK_LPAE_4K, &mock, &assoc[1]);

	/* 1 MiB at 2^28: within edu 1's reach, beyond edu 0's */
	test_ioctl_reserve_fixed(vcm_id, addr[0], SZ_1M, &res[0]);
	test_ioctl_phys_alloc(SZ_1M, vcm_id, &phys_id);
	test_ioctl_back(res[0], phys_id);
	fill_pattern(pat, SZ_1M, 28, 0);
	test_ioctl_cpu_write(res[0], 0, pat, SZ_1M);
	test_ioctl_export(res[0], 0, &dfd[0]);

	/* edu 1 is in the VCM: the reservation's address, no new mapping */
	test_cmd_domain_stats(assoc[1], false, &st0);
	test_cmd_dmabuf_attach(edu[1], dfd[0], 0, 0, &at1[0]);
	test_ioctl_dmabuf_info(dfd[0], &info);
	EXPECT_EQ(1, info.out_nr_attach);
	EXPECT_EQ(MASK(32), info.out_dma_mask);
	test_cmd_dmabuf_map(at1[0], &map);
	expect_nents(_metadata, &map, info.out_max_segment_size, SZ_1M);
	EXPECT_EQ(1, map.dmabuf_map.out_ranges);
	EXPECT_EQ(addr[0], map.dmabuf_map.out_dma_addr);
	EXPECT_EQ(SZ_1M, map.dmabuf_map.out_dma_len);
	test_cmd_domain_stats(assoc[1], false, &st1);
	EXPECT_EQ(pte_total(st0.domain_stats.out_ptes_mapped),
		  pte_total(st1.domain_stats.out_ptes_mapped));
	EXPECT_EQ(st0.domain_stats.out_map_calls, st1.domain_stats.out_map_calls);
	test_ioctl_dmabuf_info(dfd[0], &info);
	EXPECT_EQ(VCM_DMABUF_TRANSLATED | VCM_DMABUF_VCM | VCM_DMABUF_BACKED,
		  info.out_flags);
	EXPECT_EQ(addr[0], info.out_addr);
	EXPECT_EQ(SZ_1M, info.out_size);

	/*
	 * edu 0 is not in the VCM: a DMA-API mapping in its own domain, below
	 * its 28 bits, and the merged mask drops to 28 bits.
	 */
	test_cmd_dmabuf_attach(edu[0], dfd[0], 0, 0, &at0[0]);
	test_cmd_dmabuf_map(at0[0], &map);
	EXPECT_EQ(1, map.dmabuf_map.out_ranges);
	EXPECT_EQ(SZ_1M, map.dmabuf_map.out_dma_len);
	EXPECT_EQ(0, map.dmabuf_map.out_bad_segments);
	EXPECT_GE(MASK(28) + 1 - SZ_1M, map.dmabuf_map.out_dma_addr);
	edu0_dma[0] = map.dmabuf_map.out_dma_addr;
	test_ioctl_dmabuf_info(dfd[0], &info);
	EXPECT_EQ(2, info.out_nr_attach);
	EXPECT_EQ(MASK(28), info.out_dma_mask);
	EXPECT_NE(0, info.out_flags & VCM_DMABUF_TRANSLATED);

	/* A second reservation below 2^28: both reach it */
	test_ioctl_reserve(vcm_id, SZ_1M, SZ_1M, &addr[1], &res[1]);
	ASSERT_GE(MASK(28) + 1 - SZ_1M, addr[1]);
	test_ioctl_phys_alloc(SZ_1M, vcm_id, &phys_id);
	test_ioctl_back(res[1], phys_id);
	test_ioctl_export(res[1], 0, &dfd[1]);
	test_cmd_dmabuf_attach(edu[1], dfd[1], 0, 0, &at1[1]);
	test_cmd_dmabuf_map(at1[1], &map);
	EXPECT_EQ(addr[1], map.dmabuf_map.out_dma_addr);
	EXPECT_EQ(1, map.dmabuf_map.out_ranges);
	EXPECT_EQ(SZ_1M, map.dmabuf_map.out_dma_len);
	test_cmd_dmabuf_attach(edu[0], dfd[1], 0, 0, &at0[1]);
	test_cmd_dmabuf_map(at0[1], &map);
	EXPECT_EQ(1, map.dmabuf_map.out_ranges);
	EXPECT_EQ(SZ_1M, map.dmabuf_map.out_dma_len);
	EXPECT_GE(MASK(28) + 1 - SZ_1M, map.dmabuf_map.out_dma_addr);
	edu0_dma[1] = map.dmabuf_map.out_dma_addr;
	test_ioctl_dmabuf_info(dfd[1], &info);
	EXPECT_EQ(2, info.out_nr_attach);
	EXPECT_EQ(MASK(28), info.out_dma_mask);
	EXPECT_NE(0, info.out_flags & VCM_DMABUF_TRANSLATED);
	EXPECT_NE(0, info.out_flags & VCM_DMABUF_VCM);
	EXPECT_EQ(addr[1], info.out_addr);

	/*
	 * Real DMA through both kinds of mapping: edu 0 copies the first page
	 * through its DMA-API mappings, edu 1 the second at the VCM addresses.
	 */
	test_cmd_edu_copy(edu[0], edu0_dma[0], edu0_dma[1], EDU_CHUNK);
	test_cmd_edu_copy(edu[1], addr[0] + EDU_CHUNK, addr[1] + EDU_CHUNK,
			  EDU_CHUNK);
	dmabuf_read(dfd[1], SZ_1M, 0, buf, SZ_1M);
	assert_same(_metadata, pat, buf, 2 * EDU_CHUNK, "edu copies");
	assert_zero(_metadata, buf + 2 * EDU_CHUNK, SZ_1M - 2 * EDU_CHUNK,
		    "rest of the second reservation");

	/* Detach recomputes: edu 1's 32 bits are the limit again */
	test_ioctl_destroy(at0[1]);
	test_ioctl_dmabuf_info(dfd[1], &info);
	EXPECT_EQ(1, info.out_nr_attach);
	EXPECT_EQ(MASK(32), info.out_dma_mask);

	for (i = 0; i < 2; i++) {
		if (!i)
			test_ioctl_destroy(at0[0]);
		test_ioctl_destroy(at1[i]);
		EXPECT_EQ(0, close(dfd[i]));
		test_ioctl_unback(res[i]);
	}
	free(pat);
	free(buf);
}

/*
 * An unbacked export allocates at the first map, for the importers attached
 * by then: one that needs a single range without an IOMMU gets one
 * physically contiguous block below its DMA mask.
 */
TEST_F(vcm_dmabuf, contiguous_importer_late_allocation)
{
	__u32 vcm_id, mock, assoc, res_id, dev, at, translated;
	struct vcm_dmabuf_info info;
	struct vcm_test_cmd map;
	struct vcm_info vinfo;
	__u8 *pat, *buf;
	__u64 addr;
	int dfd;

	pat = xmalloc(_metadata, SZ_1M);
	buf = xmalloc(_metadata, SZ_1M);
	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	mock_attach(_metadata, self->fd, vcm_id, VCM_MOCK_LPAE_4K, &mock, &assoc);
	test_ioctl_reserve(vcm_id, SZ_1M, SZ_1M, &addr, &res_id);
	test_ioctl_export(res_id, 0, &dfd);

	test_ioctl_dmabuf_info(dfd, &info);
	EXPECT_EQ(0, info.out_flags & VCM_DMABUF_BACKED);
	EXPECT_NE(0, info.out_flags & VCM_DMABUF_VCM);
	EXPECT_EQ(0, info.out_nr_attach);
	EXPECT_EQ(0, info.out_nr_segments);
	EXPECT_EQ(addr, info.out_addr);
	EXPECT_EQ(SZ_1M, info.out_size);
	test_ioctl_vcm_info(vcm_id, &vinfo);
	EXPECT_EQ(0, vinfo.out_nr_backed);

	test_cmd_dev_create_no_iommu(32, &dev);
	ASSERT_EQ(0, _test_cmd_dmabuf_attach(self->fd, dev, dfd, 0, 1, 0, 0, 0,
					     &at, &translated));
	EXPECT_EQ(0, translated);
	test_cmd_dmabuf_map(at, &map);
	EXPECT_EQ(1, map.dmabuf_map.out_ranges);
	EXPECT_EQ(SZ_1M, map.dmabuf_map.out_dma_len);
	EXPECT_EQ(0, map.dmabuf_map.out_bad_segments);
	EXPECT_GE(MASK(32) + 1 - SZ_1M, map.dmabuf_map.out_dma_addr);

	test_ioctl_dmabuf_info(dfd, &info);
	EXPECT_NE(0, info.out_flags & VCM_DMABUF_BACKED);
	EXPECT_EQ(0, info.out_flags & VCM_DMABUF_TRANSLATED);
	EXPECT_EQ(0, info.out_flags & VCM_DMABUF_EMPTY);
	EXPECT_EQ(1, info.out_nr_attach);
	EXPECT_EQ(1, info.out_nr_segments);
	EXPECT_EQ(1, info.out_max_segments);
	EXPECT_EQ(1, info.out_phys_max_segments);
	EXPECT_EQ(MASK(32), info.out_phys_mask);
	EXPECT_EQ(MASK(32), info.out_dma_mask);
	test_ioctl_vcm_info(vcm_id, &vinfo);
	EXPECT_EQ(1, vinfo.out_nr_backed);

	/* The VCM's device writes at the reservation, the dma-buf's user reads */
	fill_pattern(pat, SZ_1M, 2, 0);
	test_cmd_dma_write(mock, 0, addr, pat, SZ_1M);
	dmabuf_read(dfd, SZ_1M, 0, buf, SZ_1M);
	assert_same(_metadata, pat, buf, SZ_1M, "dma-buf mmap after device write");

	test_ioctl_destroy(at);
	EXPECT_EQ(0, close(dfd));
	free(pat);
	free(buf);
}

/* A DMA-direct importer's segment limits split the mapping, never break it */
TEST_F(vcm_dmabuf, segment_boundary)
{
	__u32 vcm_id, mock, assoc, phys_id, res_id, dev, at, nr_segments;
	struct vcm_dmabuf_info info;
	struct vcm_test_cmd map;
	__u64 addr;
	int dfd;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	mock_attach(_metadata, self->fd, vcm_id, VCM_MOCK_LPAE_4K, &mock, &assoc);
	ASSERT_EQ(0, _test_ioctl_phys_alloc(self->fd, 0, SZ_1M, SZ_1M | SZ_4K, 0,
					    &phys_id, NULL, &nr_segments));
	test_ioctl_reserve(vcm_id, SZ_1M, SZ_1M, &addr, &res_id);
	test_ioctl_back(res_id, phys_id);
	test_ioctl_export(res_id, 0, &dfd);

	test_cmd_dev_create_no_iommu(0, &dev);
	ASSERT_EQ(0, _test_cmd_dmabuf_attach(self->fd, dev, dfd, 0, 0, 0, SZ_64K,
					     SZ_64K - 1, &at, NULL));
	test_ioctl_dmabuf_info(dfd, &info);
	EXPECT_EQ(SZ_64K - 1, info.out_segment_boundary_mask);
	EXPECT_GE(SZ_64K, info.out_max_segment_size);
	test_cmd_dmabuf_map(at, &map);
	TH_LOG("1 MiB in %u physical runs: %u segments, %u ranges", nr_segments,
	       map.dmabuf_map.out_nents, map.dmabuf_map.out_ranges);
	EXPECT_EQ(0, map.dmabuf_map.out_bad_segments);
	EXPECT_LE(16, map.dmabuf_map.out_nents);
	EXPECT_EQ(SZ_1M, map.dmabuf_map.out_dma_len);

	test_ioctl_destroy(at);
	EXPECT_EQ(0, close(dfd));
}

/*
 * One importer needs a single range, another cannot take a segment across
 * 64 KiB: no memory of 1 MiB suits both, so the second is refused and
 * leaves no trace in the merged constraints.
 */
TEST_F(vcm_dmabuf, empty_intersection)
{
	__u32 vcm_id, dev[2], assoc[2], res_id, at, translated;
	struct vcm_dmabuf_info info;
	__u64 addr;
	int dfd;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	mock_attach(_metadata, self->fd, vcm_id, VCM_MOCK_LPAE_4K, &dev[0], &assoc[0]);
	mock_attach(_metadata, self->fd, vcm_id, VCM_MOCK_LPAE_4K, &dev[1], &assoc[1]);
	test_ioctl_reserve(vcm_id, SZ_1M, SZ_1M, &addr, &res_id);
	test_ioctl_export(res_id, 0, &dfd);

	/* Behind an IOMMU one range is no constraint on the memory */
	ASSERT_EQ(0, _test_cmd_dmabuf_attach(self->fd, dev[0], dfd, 0, 1, 0, 0, 0,
					     &at, &translated));
	EXPECT_EQ(1, translated);
	EXPECT_ERRNO(ERANGE, _test_cmd_dmabuf_attach(self->fd, dev[1], dfd, 0, 0, 0,
						     0, SZ_64K - 1, NULL, NULL));

	test_ioctl_dmabuf_info(dfd, &info);
	EXPECT_EQ(1, info.out_nr_attach);
	EXPECT_EQ(0, info.out_flags & VCM_DMABUF_EMPTY);
	EXPECT_NE(0, info.out_flags & VCM_DMABUF_TRANSLATED);
	EXPECT_EQ(0, info.out_flags & VCM_DMABUF_BACKED);
	EXPECT_EQ(1, info.out_max_segments);
	EXPECT_EQ(~0ULL, info.out_segment_boundary_mask);

	test_ioctl_destroy(at);
	EXPECT_EQ(0, close(dfd));
}

/*
 * Memory already chosen that does not suit a new importer: refused with
 * -EBUSY when the export cannot move it (backed when exported, or pinned by
 * a static importer's mapping); a movable export moves it once unpinned.
 */
TEST_F(vcm_dmabuf, late_attacher_refused)
{
	__u32 vcm_id, mock, assoc, phys_id, res_id, contig, at_a, at_c, nr_segments;
	struct vcm_dmabuf_info info;
	struct vcm_test_cmd map;
	__u64 addr;
	int dfd, try;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	mock_attach(_metadata, self->fd, vcm_id, VCM_MOCK_LPAE_4K, &mock, &assoc);
	test_cmd_dev_create_no_iommu(0, &contig);

	/*
	 * (a) Backed when exported: 256 KiB of 4 KiB blocks in more than one
	 * run. A contiguous allocation stays allocated until the end, so the
	 * next try gets other pages.
	 */
	for (try = 0; try < 16; try++) {
		scatter_free_pages(_metadata, self->fd, 64);
		ASSERT_EQ(0, _test_ioctl_phys_alloc(self->fd, 0, SZ_256K, SZ_4K, 0,
						    &phys_id, NULL, &nr_segments));
		if (nr_segments > 1)
			break;
	}
	ASSERT_LT(1, nr_segments)
		TH_LOG("256 KiB of 4 KiB blocks came out contiguous %d times", try);
	test_ioctl_reserve(vcm_id, SZ_256K, 0, &addr, &res_id);
	test_ioctl_back(res_id, phys_id);
	test_ioctl_export(res_id, 0, &dfd);
	test_cmd_dmabuf_attach(mock, dfd, 0, 0, &at_a);
	test_cmd_dmabuf_map(at_a, &map);
	EXPECT_EQ(addr, map.dmabuf_map.out_dma_addr);
	test_ioctl_dmabuf_info(dfd, &info);
	EXPECT_EQ(nr_segments, info.out_nr_segments);
	EXPECT_EQ(1, info.out_nr_attach);

	test_err_dmabuf_attach(EBUSY, contig, dfd, 0, 1);
	test_ioctl_dmabuf_info(dfd, &info);
	EXPECT_EQ(1, info.out_nr_attach);
	EXPECT_EQ(0, info.out_nr_moves);
	EXPECT_EQ(nr_segments, info.out_nr_segments);
	EXPECT_EQ(~0U, info.out_phys_max_segments);
	test_ioctl_destroy(at_a);
	EXPECT_EQ(0, close(dfd));

	/*
	 * (b) Movable, allocated at the static importer's first map, which
	 * pins it: refused while pinned, moved once unmapped.
	 */
	for (try = 0; try < FRAGMENT_TRIES; try++) {
		test_ioctl_reserve(vcm_id, SZ_256K, 0, &addr, &res_id);
		test_ioctl_export(res_id, VCM_EXPORT_MOVABLE, &dfd);
		test_cmd_dmabuf_attach(mock, dfd, 0, 0, &at_a);
		scatter_free_pages(_metadata, self->fd, 64);
		test_cmd_dmabuf_map(at_a, &map);
		EXPECT_EQ(addr, map.dmabuf_map.out_dma_addr);
		test_ioctl_dmabuf_info(dfd, &info);
		ASSERT_NE(0, info.out_flags & VCM_DMABUF_BACKED);
		if (info.out_nr_segments > 1)
			break;
		/* One run: nothing to refuse. A fresh export. */
		test_ioctl_destroy(at_a);
		EXPECT_EQ(0, close(dfd));
		test_ioctl_destroy(res_id);
	}
	ASSERT_LT(1, info.out_nr_segments)
		TH_LOG("late allocation came out contiguous %d times", try);

	test_err_dmabuf_attach(EBUSY, contig, dfd, 0, 1);
	test_ioctl_dmabuf_info(dfd, &info);
	EXPECT_EQ(1, info.out_nr_attach);
	EXPECT_EQ(0, info.out_nr_moves);

	test_cmd_dmabuf_unmap(at_a);
	test_cmd_dmabuf_attach(contig, dfd, 0, 1, &at_c);
	test_ioctl_dmabuf_info(dfd, &info);
	EXPECT_EQ(2, info.out_nr_attach);
	EXPECT_EQ(1, info.out_nr_moves);
	EXPECT_EQ(1, info.out_nr_segments);
	/* The static importer maps again, at the same address */
	test_cmd_dmabuf_map(at_a, &map);
	EXPECT_EQ(addr, map.dmabuf_map.out_dma_addr);

	test_ioctl_destroy(at_c);
	test_ioctl_destroy(at_a);
	EXPECT_EQ(0, close(dfd));
}

/*
 * A movable export moves for a late importer that needs one contiguous
 * range: the dynamic importer's mapping is invalidated, it maps again at the
 * same device address, and the data moved with the memory.
 */
TEST_F(vcm_dmabuf, late_attacher_migrated)
{
	__u32 vcm_id, mock, assoc, res_id, dev_b, at_a, at_b, domains, pages, bad;
	struct vcm_dmabuf_info info;
	struct vcm_test_cmd map;
	struct vcm_info vinfo;
	__u8 *pat, *buf;
	__u64 addr;
	int dfd, try;

	pat = xmalloc(_metadata, SZ_256K);
	buf = xmalloc(_metadata, SZ_256K);
	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	mock_attach(_metadata, self->fd, vcm_id, VCM_MOCK_LPAE_4K, &mock, &assoc);
	test_ioctl_vcm_info(vcm_id, &vinfo);
	ASSERT_EQ(1, vinfo.out_nr_domains);
	ASSERT_EQ(SZ_4K | SZ_2M | SZ_1G, vinfo.out_pgsizes);

	for (try = 0; try < FRAGMENT_TRIES; try++) {
		test_ioctl_reserve(vcm_id, SZ_256K, 0, &addr, &res_id);
		test_ioctl_export(res_id, VCM_EXPORT_MOVABLE, &dfd);
		test_cmd_dmabuf_attach(mock, dfd, VCM_TEST_ATTACH_DYNAMIC, 0, &at_a);
		scatter_free_pages(_metadata, self->fd, 64);
		test_cmd_dmabuf_map(at_a, &map);
		EXPECT_EQ(addr, map.dmabuf_map.out_dma_addr);
		EXPECT_EQ(SZ_256K, map.dmabuf_map.out_dma_len);
		EXPECT_EQ(0, map.dmabuf_map.out_invalidations);
		test_ioctl_dmabuf_info(dfd, &info);
		ASSERT_NE(0, info.out_flags & VCM_DMABUF_BACKED);
		if (info.out_nr_segments > 1)
			break;
		test_ioctl_destroy(at_a);
		EXPECT_EQ(0, close(dfd));
		test_ioctl_destroy(res_id);
	}
	ASSERT_LT(1, info.out_nr_segments)
		TH_LOG("late allocation came out contiguous %d times", try);
	TH_LOG("late allocation: %u runs after %d retries", info.out_nr_segments, try);

	fill_pattern(pat, SZ_256K, 6, 0);
	dmabuf_write(dfd, SZ_256K, 0, pat, SZ_256K);

	/* B needs one range and has no IOMMU: the memory moves */
	test_cmd_dev_create_no_iommu(0, &dev_b);
	test_cmd_dmabuf_attach(dev_b, dfd, 0, 1, &at_b);
	test_ioctl_dmabuf_info(dfd, &info);
	EXPECT_EQ(1, info.out_nr_moves);
	EXPECT_EQ(1, info.out_nr_segments);
	EXPECT_EQ(2, info.out_nr_attach);

	/* A's mapping was dropped: it maps again, at the same address */
	test_cmd_dmabuf_map(at_a, &map);
	EXPECT_EQ(1, map.dmabuf_map.out_invalidations);
	EXPECT_EQ(addr, map.dmabuf_map.out_dma_addr);
	EXPECT_EQ(SZ_256K, map.dmabuf_map.out_dma_len);

	/* The data moved with it, seen by the CPU, the device and the domain */
	dmabuf_read(dfd, SZ_256K, 0, buf, SZ_256K);
	assert_same(_metadata, pat, buf, SZ_256K, "dma-buf mmap after the move");
	memset(buf, 0, SZ_256K);
	test_cmd_dma_read(mock, 0, addr, buf, SZ_256K);
	assert_same(_metadata, pat, buf, SZ_256K, "device read after the move");
	test_cmd_check_map(res_id, &domains, &pages, &bad);
	EXPECT_EQ(1, domains);
	EXPECT_EQ(SZ_256K / page_size, pages);
	EXPECT_EQ(0, bad);

	test_cmd_dmabuf_map(at_b, &map);
	EXPECT_EQ(1, map.dmabuf_map.out_ranges);
	EXPECT_EQ(SZ_256K, map.dmabuf_map.out_dma_len);
	EXPECT_EQ(0, map.dmabuf_map.out_invalidations);

	test_ioctl_destroy(at_b);
	test_ioctl_destroy(at_a);
	EXPECT_EQ(0, close(dfd));
	free(pat);
	free(buf);
}

/*
 * A udmabuf (memfd pages) backs a reservation: the edus write into it by
 * DMA, the memfd reads the bytes. Its memory has no view through /dev/vcm.
 */
TEST_F_TIMEOUT(vcm_dmabuf, udmabuf_backs_reservation, 60)
{
	static const __u64 offs[] = { 0, SZ_512K, SZ_1M - SZ_4K };
	static const __u64 zero_offs[] = { SZ_4K, SZ_256K, SZ_1M - 2 * SZ_4K };
	__u32 edu[2], bits[2], vcm_id, phys_id, res_id, src_id, domains, pages, bad;
	__u64 len, addr, src;
	__u8 *pat, *buf;
	int memfd, ufd;
	unsigned int i;
	void *map;

	ufd = udmabuf_alloc(SZ_1M, &memfd);
	if (ufd == -1 && errno == ENOENT)
		SKIP(return, "no /dev/udmabuf");
	ASSERT_LE(0, ufd) TH_LOG("udmabuf: %s", strerror(errno));
	if (!edu_open(_metadata, self->fd, edu, bits))
		SKIP(return, EDU_SKIP);
	pat = xmalloc(_metadata, SZ_4K);
	buf = xmalloc(_metadata, SZ_4K);

	test_ioctl_import(ufd, &phys_id, &len);
	EXPECT_EQ(SZ_1M, len);
	/* The import holds its own reference */
	EXPECT_EQ(0, close(ufd));

	edu_vcm(_metadata, self->fd, edu, &vcm_id);
	test_ioctl_reserve(vcm_id, SZ_1M, SZ_1M, &addr, &res_id);
	ASSERT_GE(MASK(28) + 1 - SZ_1M, addr);
	test_ioctl_back(res_id, phys_id);
	res_backed(_metadata, self->fd, vcm_id, SZ_4K, 0, 0, &src_id, &src);
	fill_pattern(pat, SZ_4K, 7, 0);
	test_ioctl_cpu_write(src_id, 0, pat, SZ_4K);

	for (i = 0; i < ARRAY_SIZE(offs); i++)
		test_cmd_edu_copy(edu[i & 1], src, addr + offs[i], EDU_CHUNK);

	/* The memfd's pages are the memory the edus wrote */
	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		ASSERT_EQ(SZ_4K, pread(memfd, buf, SZ_4K, offs[i]));
		assert_same(_metadata, pat, buf, SZ_4K, "memfd at a copied page");
	}
	for (i = 0; i < ARRAY_SIZE(zero_offs); i++) {
		ASSERT_EQ(SZ_4K, pread(memfd, buf, SZ_4K, zero_offs[i]));
		assert_zero(_metadata, buf, SZ_4K, "memfd at an untouched page");
	}
	test_cmd_check_map(res_id, &domains, &pages, &bad);
	EXPECT_EQ(1, domains);
	EXPECT_EQ(SZ_1M / page_size, pages);
	EXPECT_EQ(0, bad);

	/* Reached through the dma-buf only */
	EXPECT_ERRNO(EOPNOTSUPP, _test_ioctl_cpu_access(self->fd, VCM_CPU_READ,
							res_id, 0, buf, SZ_4K));
	map = mmap(NULL, SZ_1M, PROT_READ, MAP_SHARED, self->fd,
		   (off_t)res_id * page_size);
	EXPECT_EQ(MAP_FAILED, map);
	EXPECT_EQ(EOPNOTSUPP, errno);

	test_ioctl_unback(res_id);
	test_ioctl_destroy(phys_id);
	EXPECT_EQ(0, close(memfd));
	free(pat);
	free(buf);
}

/* A system-heap buffer backs a reservation a device writes */
TEST_F(vcm_dmabuf, system_heap_backs_reservation)
{
	__u32 vcm_id, mock, assoc, phys_id, res_id, domains, pages, bad;
	__u8 *pat, *buf;
	__u64 len, addr;
	int hfd;

	hfd = heap_alloc(SZ_1M);
	if (hfd == -1 && errno == ENOENT)
		SKIP(return, "no /dev/dma_heap/system");
	ASSERT_LE(0, hfd) TH_LOG("system heap: %s", strerror(errno));
	pat = xmalloc(_metadata, SZ_1M);
	buf = xmalloc(_metadata, SZ_1M);

	test_ioctl_import(hfd, &phys_id, &len);
	EXPECT_EQ(SZ_1M, len);
	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	mock_attach(_metadata, self->fd, vcm_id, VCM_MOCK_LPAE_4K, &mock, &assoc);
	test_ioctl_reserve(vcm_id, SZ_1M, SZ_1M, &addr, &res_id);
	test_ioctl_back(res_id, phys_id);
	test_cmd_check_map(res_id, &domains, &pages, &bad);
	EXPECT_EQ(1, domains);
	EXPECT_EQ(0, bad);

	fill_pattern(pat, SZ_1M, 8, 0);
	test_cmd_dma_write(mock, 0, addr, pat, SZ_1M);
	dmabuf_read(hfd, SZ_1M, 0, buf, SZ_1M);
	assert_same(_metadata, pat, buf, SZ_1M, "heap buffer after device write");

	test_ioctl_unback(res_id);
	test_ioctl_destroy(phys_id);
	EXPECT_EQ(0, close(hfd));
	free(pat);
	free(buf);
}

/*
 * One VCM's movable export backs a reservation in another VCM. When the
 * memory moves for a late importer, the importing VCM's mapping is revoked:
 * its device faults there until it is unbacked.
 */
TEST_F(vcm_dmabuf, revoke)
{
	__u32 vcm_a, vcm_b, dev_a, dev_b, assoc_a, assoc_b, res_a, res_b, res_b2;
	__u32 phys_id, contig, at;
	struct vcm_dmabuf_info info;
	struct vcm_info vinfo;
	__u64 len, addr_a, addr_b, addr_b2;
	__u8 *pat, *buf;
	__u32 faults;
	int dfd, try;

	pat = xmalloc(_metadata, SZ_256K);
	buf = xmalloc(_metadata, SZ_256K);
	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_a);
	mock_attach(_metadata, self->fd, vcm_a, VCM_MOCK_LPAE_4K, &dev_a, &assoc_a);
	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_b);
	mock_attach(_metadata, self->fd, vcm_b, VCM_MOCK_LPAE_4K, &dev_b, &assoc_b);

	for (try = 0; try < FRAGMENT_TRIES; try++) {
		test_ioctl_reserve(vcm_a, SZ_256K, 0, &addr_a, &res_a);
		test_ioctl_export(res_a, VCM_EXPORT_MOVABLE, &dfd);
		scatter_free_pages(_metadata, self->fd, 64);
		/* The import maps the dma-buf: the late allocation */
		test_ioctl_import(dfd, &phys_id, &len);
		EXPECT_EQ(SZ_256K, len);
		test_ioctl_dmabuf_info(dfd, &info);
		ASSERT_NE(0, info.out_flags & VCM_DMABUF_BACKED);
		EXPECT_EQ(1, info.out_nr_attach);
		if (info.out_nr_segments > 1)
			break;
		test_ioctl_destroy(phys_id);
		EXPECT_EQ(0, close(dfd));
		test_ioctl_destroy(res_a);
	}
	ASSERT_LT(1, info.out_nr_segments)
		TH_LOG("late allocation came out contiguous %d times", try);

	test_ioctl_reserve(vcm_b, SZ_256K, 0, &addr_b, &res_b);
	test_ioctl_back(res_b, phys_id);
	fill_pattern(pat, SZ_256K, 9, 0);
	test_cmd_dma_write(dev_b, 0, addr_b, pat, SZ_256K);
	test_cmd_dma_read(dev_b, 0, addr_b, buf, SZ_256K);
	assert_same(_metadata, pat, buf, SZ_256K, "VCM B's device");
	/* The same memory as VCM A's reservation */
	memset(buf, 0, SZ_256K);
	test_cmd_dma_read(dev_a, 0, addr_a, buf, SZ_256K);
	assert_same(_metadata, pat, buf, SZ_256K, "VCM A's device");
	test_ioctl_vcm_info(vcm_b, &vinfo);
	faults = vinfo.out_nr_faults;

	/* One contiguous range without an IOMMU: the memory moves */
	test_cmd_dev_create_no_iommu(0, &contig);
	test_cmd_dmabuf_attach(contig, dfd, 0, 1, &at);
	test_ioctl_dmabuf_info(dfd, &info);
	EXPECT_EQ(1, info.out_nr_moves);
	EXPECT_EQ(1, info.out_nr_segments);
	dmabuf_read(dfd, SZ_256K, 0, buf, SZ_256K);
	assert_same(_metadata, pat, buf, SZ_256K, "export after the move");

	/* VCM B's mapping of the old memory is gone */
	test_err_dma(EFAULT, dev_b, 0, false, addr_b, buf, page_size);
	test_ioctl_vcm_info(vcm_b, &vinfo);
	EXPECT_EQ(faults + 1, vinfo.out_nr_faults);
	EXPECT_EQ(addr_b, vinfo.out_last_fault);
	test_ioctl_reserve(vcm_b, SZ_256K, 0, &addr_b2, &res_b2);
	test_err_back(ENODEV, res_b2, phys_id);
	test_ioctl_unback(res_b);
	test_ioctl_destroy(phys_id);

	test_ioctl_destroy(at);
	EXPECT_EQ(0, close(dfd));
	free(pat);
	free(buf);
}

/* The vivid capture node (single-planar, streaming), or -1 */
static int vivid_open(bool *any_node)
{
	char path[32];
	int i;

	*any_node = false;
	for (i = 0; i < 16; i++) {
		struct v4l2_capability cap = { 0 };
		__u32 caps;
		int fd;

		snprintf(path, sizeof(path), "/dev/video%d", i);
		fd = open(path, O_RDWR);
		if (fd == -1)
			continue;
		*any_node = true;
		if (ioctl(fd, VIDIOC_QUERYCAP, &cap)) {
			close(fd);
			continue;
		}
		caps = cap.capabilities & V4L2_CAP_DEVICE_CAPS ?
		       cap.device_caps : cap.capabilities;
		if (!strcmp((char *)cap.driver, "vivid") &&
		    (caps & V4L2_CAP_VIDEO_CAPTURE) &&
		    (caps & V4L2_CAP_STREAMING))
			return fd;
		close(fd);
	}
	return -1;
}

/*
 * vivid, with videobuf2-dma-contig behind no IOMMU and a 32-bit mask,
 * captures a frame into a contiguous VCM reservation; edu 0 then reads the
 * frame by DMA at its VCM address.
 */
TEST_F_TIMEOUT(vcm_dmabuf, vivid_capture_into_vcm, 90)
{
	__u32 edu[2], bits[2], vcm_id, res_id, dst_id, i;
	struct v4l2_requestbuffers req = { 0 };
	struct v4l2_buffer vbuf = { 0 };
	struct v4l2_format fmt = { 0 };
	struct vcm_dmabuf_info info;
	__u64 len, addr, dst, off[3];
	int vfd, dfd, type, ret;
	char result[64] = "";
	struct pollfd pfd;
	bool any_node;
	__u8 *frame, *buf;
	__u32 nonzero = 0;

	vfd = vivid_open(&any_node);
	if (vfd == -1 && !any_node)
		SKIP(return, "no /dev/video* node (vivid)");
	ASSERT_NE(-1, vfd) TH_LOG("no vivid single-planar capture node");
	if (!edu_open(_metadata, self->fd, edu, bits))
		SKIP(return, EDU_SKIP);

	/* A small frame keeps it fast under TCG; vivid picks the nearest */
	fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	ASSERT_EQ(0, ioctl(vfd, VIDIOC_G_FMT, &fmt));
	fmt.fmt.pix.width = 320;
	fmt.fmt.pix.height = 240;
	fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_YUYV;
	fmt.fmt.pix.field = V4L2_FIELD_NONE;
	ASSERT_EQ(0, ioctl(vfd, VIDIOC_S_FMT, &fmt));
	ASSERT_EQ(0, ioctl(vfd, VIDIOC_G_FMT, &fmt));
	ASSERT_LT(0, fmt.fmt.pix.sizeimage);
	len = (fmt.fmt.pix.sizeimage + SZ_4K - 1) & ~(SZ_4K - 1);
	ASSERT_LE(3 * SZ_4K, len);

	edu_vcm(_metadata, self->fd, edu, &vcm_id);
	/* vb2-dma-contig without an IOMMU needs one physical block */
	res_backed(_metadata, self->fd, vcm_id, len, 0, VCM_PHYS_CONTIG, &res_id,
		   &addr);
	ASSERT_GE(MASK(28) + 1 - len, addr);
	test_ioctl_export(res_id, 0, &dfd);

	req.count = 1;
	req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	req.memory = V4L2_MEMORY_DMABUF;
	ASSERT_EQ(0, ioctl(vfd, VIDIOC_REQBUFS, &req))
		TH_LOG("REQBUFS: %s", strerror(errno));
	ASSERT_LE(1, req.count);
	vbuf.index = 0;
	vbuf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	vbuf.memory = V4L2_MEMORY_DMABUF;
	vbuf.m.fd = dfd;
	vbuf.length = len;
	ASSERT_EQ(0, ioctl(vfd, VIDIOC_QBUF, &vbuf))
		TH_LOG("QBUF: %s", strerror(errno));
	type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	ASSERT_EQ(0, ioctl(vfd, VIDIOC_STREAMON, &type));
	pfd.fd = vfd;
	pfd.events = POLLIN;
	ret = poll(&pfd, 1, 20000);
	ASSERT_EQ(1, ret) TH_LOG("no frame within 20 s");
	memset(&vbuf, 0, sizeof(vbuf));
	vbuf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	vbuf.memory = V4L2_MEMORY_DMABUF;
	ASSERT_EQ(0, ioctl(vfd, VIDIOC_DQBUF, &vbuf))
		TH_LOG("DQBUF: %s", strerror(errno));
	EXPECT_EQ(0, vbuf.index);
	EXPECT_EQ(0, vbuf.flags & V4L2_BUF_FLAG_ERROR);

	/* Before STREAMOFF: vivid's device is attached */
	test_ioctl_dmabuf_info(dfd, &info);
	EXPECT_LE(1, info.out_nr_attach);
	EXPECT_EQ(0, info.out_flags & VCM_DMABUF_TRANSLATED);
	EXPECT_EQ(MASK(32), info.out_phys_mask);
	/* vb2-dma-contig takes the buffer as one DMA range */
	EXPECT_EQ(1, info.out_phys_max_segments);
	EXPECT_EQ(1, info.out_nr_segments);

	ASSERT_EQ(0, ioctl(vfd, VIDIOC_STREAMOFF, &type));
	req.count = 0;
	ASSERT_EQ(0, ioctl(vfd, VIDIOC_REQBUFS, &req));
	EXPECT_EQ(0, close(vfd));

	ASSERT_LT(0, vbuf.bytesused);
	ASSERT_GE(len, vbuf.bytesused);
	frame = xmalloc(_metadata, len);
	buf = xmalloc(_metadata, SZ_4K);
	dmabuf_read(dfd, len, 0, frame, len);
	for (i = 0; i < vbuf.bytesused; i++)
		nonzero += !!frame[i];
	ASSERT_LT(0, nonzero) TH_LOG("the frame is all zeros");

	/* edu 0 reads the frame at the reservation's device address */
	off[0] = 0;
	off[1] = (len / 2) & ~(SZ_4K - 1);
	off[2] = len - SZ_4K;
	res_backed(_metadata, self->fd, vcm_id, 3 * SZ_4K, 0, 0, &dst_id, &dst);
	for (i = 0; i < 3; i++) {
		test_cmd_edu_copy(edu[0], addr + off[i], dst + i * SZ_4K, EDU_CHUNK);
		test_ioctl_cpu_read(dst_id, i * SZ_4K, buf, SZ_4K);
		assert_same(_metadata, frame + off[i], buf, SZ_4K,
			    "edu 0's read of the frame");
		snprintf(result + strlen(result), sizeof(result) - strlen(result),
			 "%s0x%llx ok", i ? ", " : "read ", (unsigned long long)off[i]);
	}
	ksft_print_msg("vivid: %ux%u %.4s sizeimage %u bytesused %u (%u non-zero), edu 0 %s\n",
		       fmt.fmt.pix.width, fmt.fmt.pix.height,
		       (char *)&fmt.fmt.pix.pixelformat, fmt.fmt.pix.sizeimage,
		       vbuf.bytesused, nonzero, result);
	fflush(stdout);

	EXPECT_EQ(0, close(dfd));
	free(frame);
	free(buf);
}

/* The vgem DRM node, or -1 */
static int vgem_open(bool *any_node)
{
	char path[32], name[16];
	int i;

	*any_node = false;
	for (i = 0; i < 8; i++) {
		struct drm_version v = { 0 };
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd == -1)
			continue;
		*any_node = true;
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -1;
}

/*
 * vgem imports a VCM export by PRIME and maps it for the CPU; the dma-buf
 * keeps the reservation backed until every reference to it is gone.
 */
TEST_F_TIMEOUT(vcm_dmabuf, vgem_prime_import, 60)
{
	__u32 edu[2], bits[2], vcm_id, src_id, res_id, i;
	struct drm_prime_handle prime = { 0 };
	struct drm_mode_map_dumb dumb = { 0 };
	struct drm_gem_close gem_close = { 0 };
	struct vcm_dmabuf_info info;
	struct stat st_export, st_prime;
	__u64 src, addr;
	__u8 *img, *buf;
	int card, dfd, ret, err, tries;
	bool any_node;
	void *map;

	card = vgem_open(&any_node);
	if (card == -1 && !any_node)
		SKIP(return, "no /dev/dri/card* node (vgem)");
	ASSERT_NE(-1, card) TH_LOG("no DRM node named vgem");
	if (!edu_open(_metadata, self->fd, edu, bits))
		SKIP(return, EDU_SKIP);
	img = xmalloc(_metadata, SZ_64K);
	buf = xmalloc(_metadata, SZ_64K);

	/*
	 * The edus write the four pages of a 16 KiB source at 0, 20, 40 and
	 * 60 KiB of a 64 KiB buffer.
	 */
	edu_vcm(_metadata, self->fd, edu, &vcm_id);
	res_backed(_metadata, self->fd, vcm_id, SZ_16K, 0, 0, &src_id, &src);
	res_backed(_metadata, self->fd, vcm_id, SZ_64K, SZ_64K, 0, &res_id, &addr);
	fill_pattern(buf, SZ_16K, 11, 0);
	test_ioctl_cpu_write(src_id, 0, buf, SZ_16K);
	for (i = 0; i < 4; i++) {
		__u64 dst_off = i * (SZ_16K + SZ_4K);

		memcpy(img + dst_off, buf + i * EDU_CHUNK, EDU_CHUNK);
		test_cmd_edu_copy(edu[i & 1], src + i * EDU_CHUNK, addr + dst_off,
				  EDU_CHUNK);
	}
	test_ioctl_export(res_id, 0, &dfd);

	prime.fd = dfd;
	ASSERT_EQ(0, ioctl(card, DRM_IOCTL_PRIME_FD_TO_HANDLE, &prime))
		TH_LOG("PRIME_FD_TO_HANDLE: %s", strerror(errno));
	test_ioctl_dmabuf_info(dfd, &info);
	EXPECT_EQ(1, info.out_nr_attach);
	/* vgem's faux device has no IOMMU */
	EXPECT_EQ(0, info.out_flags & VCM_DMABUF_TRANSLATED);

	/* The CPU view through vgem's own node, where DRM allows it */
	dumb.handle = prime.handle;
	ret = ioctl(card, DRM_IOCTL_MODE_MAP_DUMB, &dumb);
	err = errno;
	if (!ret) {
		map = mmap(NULL, SZ_64K, PROT_READ, MAP_SHARED, card, dumb.offset);
		ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap of vgem: %s", strerror(errno));
		ASSERT_EQ(0, dmabuf_sync(dfd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ));
		assert_same(_metadata, img, map, SZ_64K, "vgem mmap");
		ASSERT_EQ(0, dmabuf_sync(dfd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ));
		ASSERT_EQ(0, munmap(map, SZ_64K));
	} else {
		/* drm_gem_dumb_map_offset() refuses imported objects */
		ASSERT_EQ(EINVAL, err) TH_LOG("MAP_DUMB: %s", strerror(err));
		TH_LOG("vgem: MAP_DUMB refused for an imported object, reading via PRIME");
	}

	/* vgem gives back the same dma-buf, with the same bytes */
	prime.fd = -1;
	prime.flags = DRM_CLOEXEC | DRM_RDWR;
	ASSERT_EQ(0, ioctl(card, DRM_IOCTL_PRIME_HANDLE_TO_FD, &prime));
	ASSERT_EQ(0, fstat(dfd, &st_export));
	ASSERT_EQ(0, fstat(prime.fd, &st_prime));
	EXPECT_EQ(st_export.st_ino, st_prime.st_ino);
	dmabuf_read(prime.fd, SZ_64K, 0, buf, SZ_64K);
	assert_same(_metadata, img, buf, SZ_64K, "vgem's dma-buf");
	EXPECT_EQ(0, close(prime.fd));

	/* While exported the reservation stays backed */
	test_err_unback(EBUSY, res_id);
	test_err_destroy(EBUSY, res_id);

	gem_close.handle = prime.handle;
	ASSERT_EQ(0, ioctl(card, DRM_IOCTL_GEM_CLOSE, &gem_close));
	test_ioctl_dmabuf_info(dfd, &info);
	EXPECT_EQ(0, info.out_nr_attach);
	EXPECT_EQ(0, close(dfd));
	EXPECT_EQ(0, close(card));

	/* Released with its last reference */
	for (tries = 0; tries < 100; tries++) {
		ret = _test_ioctl_unback(self->fd, res_id);
		if (!ret || errno != EBUSY)
			break;
		usleep(20000);
	}
	ASSERT_EQ(0, ret) TH_LOG("unback after release: %s", strerror(errno));
	test_ioctl_destroy(res_id);
	free(img);
	free(buf);
}

/*
 * The dma-buf keeps the reservation, its VCM and the file alive: mapped and
 * read after /dev/vcm is closed. While it exists the reservation cannot be
 * unbacked, destroyed or mapped through /dev/vcm.
 */
TEST_F(vcm_dmabuf, export_outlives_close)
{
	__u32 vcm_id, mock, assoc, res_id;
	__u8 *pat, *buf;
	__u64 addr;
	void *map;
	int dfd;

	pat = xmalloc(_metadata, SZ_64K);
	buf = xmalloc(_metadata, SZ_64K);
	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	mock_attach(_metadata, self->fd, vcm_id, VCM_MOCK_LPAE_4K, &mock, &assoc);
	res_backed(_metadata, self->fd, vcm_id, SZ_64K, 0, 0, &res_id, &addr);
	fill_pattern(pat, SZ_64K, 12, 0);
	test_ioctl_cpu_write(res_id, 0, pat, SZ_64K);
	test_ioctl_export(res_id, 0, &dfd);

	test_err_unback(EBUSY, res_id);
	test_err_destroy(EBUSY, res_id);
	map = mmap(NULL, SZ_64K, PROT_READ, MAP_SHARED, self->fd,
		   (off_t)res_id * page_size);
	EXPECT_EQ(MAP_FAILED, map);
	EXPECT_EQ(EBUSY, errno);

	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	dmabuf_read(dfd, SZ_64K, 0, buf, SZ_64K);
	assert_same(_metadata, pat, buf, SZ_64K, "dma-buf after close(/dev/vcm)");
	EXPECT_EQ(0, close(dfd));
	free(pat);
	free(buf);
}

/*
 * Close /dev/vcm while its export is imported by another /dev/vcm: the
 * buffer stays valid, mapped in the importer's domain, until the importer
 * lets go; then everything the exporter left behind is freed (the kmemleak
 * scan at the end of the run checks that).
 */
TEST_F(vcm_dmabuf, export_imported_outlives_close)
{
	__u32 vcm_id, mock, assoc, res_id, vcm_b, mock_b, assoc_b, res_b, phys_b;
	__u64 addr, addr_b, len;
	struct vcm_info info;
	__u8 *pat, *buf;
	int fd_b, dfd;

	pat = xmalloc(_metadata, SZ_64K);
	buf = xmalloc(_metadata, SZ_64K);
	fd_b = open("/dev/vcm", O_RDWR);
	ASSERT_LE(0, fd_b);

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	mock_attach(_metadata, self->fd, vcm_id, VCM_MOCK_LPAE_4K, &mock, &assoc);
	res_backed(_metadata, self->fd, vcm_id, SZ_64K, 0, 0, &res_id, &addr);
	fill_pattern(pat, SZ_64K, 21, 0);
	test_ioctl_cpu_write(res_id, 0, pat, SZ_64K);
	test_ioctl_export(res_id, 0, &dfd);

	/* The second file imports it and maps it into a VCM of its own */
	ASSERT_EQ(0, _test_ioctl_vcm_create(fd_b, VCM_START, VCM_LEN, &vcm_b));
	mock_attach(_metadata, fd_b, vcm_b, VCM_MOCK_ARMV7S, &mock_b, &assoc_b);
	ASSERT_EQ(0, _test_ioctl_import(fd_b, dfd, &phys_b, &len, NULL, NULL));
	EXPECT_EQ(SZ_64K, len);
	ASSERT_EQ(0, close(dfd));
	ASSERT_EQ(0, _test_ioctl_reserve_rw(fd_b, vcm_b, SZ_64K, 0, &addr_b, &res_b));
	ASSERT_EQ(0, _test_ioctl_back(fd_b, res_b, phys_b));

	/* The exporter goes away, objects and all */
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;

	memset(buf, 0, SZ_64K);
	ASSERT_EQ(0, _test_cmd_dma(fd_b, mock_b, 0, false, addr_b, buf, SZ_64K));
	assert_same(_metadata, pat, buf, SZ_64K, "importer's DMA after close");
	ASSERT_EQ(0, _test_ioctl_vcm_info(fd_b, vcm_b, &info));
	EXPECT_EQ(0, info.out_nr_faults);

	ASSERT_EQ(0, _test_ioctl_unback(fd_b, res_b));
	ASSERT_EQ(0, _test_ioctl_destroy(fd_b, phys_b));
	ASSERT_EQ(0, close(fd_b));
	free(pat);
	free(buf);
}

/*
 * A file that imports its own export and is closed without cleaning up:
 * the export holds the reservation, not the file, so there is no reference
 * cycle and closing frees everything (checked by the kmemleak scan).
 */
TEST_F(vcm_dmabuf, self_import_no_cycle)
{
	__u32 vcm_id, mock, assoc, res_id, res2, phys2;
	__u64 addr, addr2, len;
	int dfd;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	mock_attach(_metadata, self->fd, vcm_id, VCM_MOCK_LPAE_4K, &mock, &assoc);
	res_backed(_metadata, self->fd, vcm_id, SZ_64K, 0, 0, &res_id, &addr);
	test_ioctl_export(res_id, 0, &dfd);
	test_ioctl_import(dfd, &phys2, &len);
	ASSERT_EQ(0, close(dfd));
	/* An imported reservation cannot be exported again */
	ASSERT_EQ(0, _test_ioctl_reserve_rw(self->fd, vcm_id, SZ_64K, 0, &addr2,
					    &res2));
	test_ioctl_back(res2, phys2);
	test_err_export(EINVAL, res2, 0);
	/* The fixture's teardown closes the file with all of this in place */
}

/*
 * RLIMIT_NOFILE exhausted during VCM_EXPORT (the udmabuf leak when
 * dma_buf_fd() failed after export): -EMFILE, and no export is left behind,
 * so the reservation can be unbacked and destroyed at once.
 */
TEST_F(vcm_dmabuf, export_rlimit_nofile)
{
	__u32 vcm_id, mock, assoc, res_id;
	struct rlimit old, lim;
	__u64 addr;
	int dfd, spare;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	mock_attach(_metadata, self->fd, vcm_id, VCM_MOCK_LPAE_4K, &mock, &assoc);
	res_backed(_metadata, self->fd, vcm_id, SZ_64K, 0, 0, &res_id, &addr);

	/* No fd number is free: the limit is the lowest free one */
	spare = dup(0);
	ASSERT_LE(0, spare);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &old));
	lim = old;
	lim.rlim_cur = spare;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &lim));
	EXPECT_ERRNO(EMFILE, _test_ioctl_export(self->fd, res_id, 0, &dfd));
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &old));
	EXPECT_EQ(0, close(spare));

	/* Nothing holds the reservation: it unbacks and goes */
	test_ioctl_unback(res_id);
	test_ioctl_destroy(res_id);
}

struct race_arg {
	int fd;
	int dfd;
	__u32 vcm_id;
	int stop;
	unsigned int ok, failed;
};

/* Hammer a /dev/vcm fd with ioctls while another thread closes it */
static void *race_ioctls(void *p)
{
	struct race_arg *a = p;

	while (!__atomic_load_n(&a->stop, __ATOMIC_RELAXED)) {
		struct vcm_info info;
		struct vcm_dmabuf_info di;

		if (_test_ioctl_vcm_info(a->fd, a->vcm_id, &info))
			a->failed++;
		else
			a->ok++;
		if (a->dfd >= 0 && _test_ioctl_dmabuf_info(a->fd, a->dfd, &di))
			a->failed++;
	}
	return NULL;
}

/*
 * Two threads: one issues ioctls on /dev/vcm and DMABUF_INFO on an export
 * while the other closes the export and then /dev/vcm itself. Every call
 * either works or fails with EBADF/ENOENT; nothing is left (kmemleak) and
 * nothing splats (KASAN, lockdep).
 */
TEST_F(vcm_dmabuf, close_races_ioctl_and_release)
{
	__u32 mock, assoc, res_id;
	struct race_arg a = { .dfd = -1 };
	pthread_t t;
	__u64 addr;
	int round;

	for (round = 0; round < 8; round++) {
		a.fd = open("/dev/vcm", O_RDWR);
		ASSERT_LE(0, a.fd);
		ASSERT_EQ(0, _test_ioctl_vcm_create(a.fd, VCM_START, VCM_LEN, &a.vcm_id));
		mock_attach(_metadata, a.fd, a.vcm_id, VCM_MOCK_LPAE_4K, &mock, &assoc);
		res_backed(_metadata, a.fd, a.vcm_id, SZ_64K, 0, 0, &res_id, &addr);
		ASSERT_EQ(0, _test_ioctl_export(a.fd, res_id, 0, &a.dfd));
		__atomic_store_n(&a.stop, 0, __ATOMIC_RELAXED);
		ASSERT_EQ(0, pthread_create(&t, NULL, race_ioctls, &a));
		usleep(1000 * (round + 1));
		/* The dma-buf goes first on even rounds, /dev/vcm first on odd */
		if (round & 1) {
			EXPECT_EQ(0, close(a.fd));
			usleep(1000);
			EXPECT_EQ(0, close(a.dfd));
		} else {
			EXPECT_EQ(0, close(a.dfd));
			usleep(1000);
			EXPECT_EQ(0, close(a.fd));
		}
		__atomic_store_n(&a.stop, 1, __ATOMIC_RELAXED);
		ASSERT_EQ(0, pthread_join(t, NULL));
		a.dfd = -1;
	}
	TH_LOG("%u ioctls succeeded, %u failed cleanly around 8 closes", a.ok, a.failed);
	EXPECT_LT(0, a.ok);
}

/*
 * A mock device that is associated, has a backed reservation mapped and is
 * attached to the export goes away (hot-unplug): its attachment is
 * detached as an importer's remove() would, its association is dead, and
 * the reservation and the export are released normally.
 */
TEST_F(vcm_dmabuf, remove_device_attached_and_backed)
{
	__u32 vcm_id, mock, assoc, res_id, attach_id;
	struct vcm_dmabuf_info di;
	struct vcm_test_cmd map;
	__u64 addr;
	__u8 buf[64];
	int dfd;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	mock_attach(_metadata, self->fd, vcm_id, VCM_MOCK_LPAE_4K, &mock, &assoc);
	res_backed(_metadata, self->fd, vcm_id, SZ_64K, 0, 0, &res_id, &addr);
	test_ioctl_export(res_id, 0, &dfd);
	test_cmd_dmabuf_attach(mock, dfd, 0, 0, &attach_id);
	ASSERT_EQ(0, _test_cmd_dmabuf_map(self->fd, attach_id, &map));
	EXPECT_EQ(addr, map.dmabuf_map.out_dma_addr);

	test_cmd_dev_remove(mock);
	ASSERT_EQ(0, _test_ioctl_dmabuf_info(self->fd, dfd, &di));
	EXPECT_EQ(0, di.out_nr_attach);
	test_err_destroy(ENOENT, attach_id);
	test_err_activate(ENODEV, assoc);
	test_err_dma(ENODEV, mock, 0, false, addr, buf, sizeof(buf));

	EXPECT_EQ(0, close(dfd));
	test_ioctl_unback(res_id);
	test_ioctl_destroy(res_id);
	test_ioctl_destroy(assoc);
	test_ioctl_destroy(mock);
}

TEST_HARNESS_MAIN
