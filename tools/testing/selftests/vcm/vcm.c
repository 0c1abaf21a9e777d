// SPDX-License-Identifier: GPL-2.0-only
/*
 * Selftests for /dev/vcm: Virtual Contiguous Memory, one device address space
 * mirrored into one IOMMU domain per IOMMU instance.
 *
 * The tests drive the mock IOMMU instances of CONFIG_VCM_TEST (see
 * drivers/iommu/vcm/vcm_test.h), each with its own page-table format, count
 * the PTEs each domain is given, check every domain's translation of every
 * page and move data through simulated device DMA and the kernel's view.
 * /dev/vcm must exist: the VCM selftest kernel config always has it, so its
 * absence is a failure, not a skip.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "vcm_utils.h"

/* No test allocates more than 16 MiB, so never more than this many blocks */
#define MAX_BLOCKS	(SZ_16M / SZ_4K)

/* vcm_test.h counts PTEs in slot ilog2(pgsize) - 12 */
#define PTE_SLOT_SHIFT	12

/*
 * A physical allocation, the block orders VCM_PHYS_SEGMENTS gave for it, and
 * the reservation it backs.
 */
struct vbuf {
	__u32 phys_id;
	__u32 res_id;
	__u64 len;
	__u64 addr;
	__u32 nr_blocks;
	__u32 nr_segments;
	__u8 orders[MAX_BLOCKS];
};

/* Block orders are page orders: a block is PAGE_SIZE << order bytes */
static __u64 block_len(const struct vbuf *b, __u32 i)
{
	return (__u64)page_size << b->orders[i];
}

/*
 * Allocates @len bytes with @flags in the block sizes @pgsizes (0: the page
 * sizes of @vcm_id) and checks what VCM_PHYS_SEGMENTS reports: as many blocks
 * as VCM_PHYS_ALLOC said, in non-increasing order, each of an allowed size
 * (a VCM_PHYS_CONTIG allocation is one block of any size), summing to @len.
 */
static void buf_alloc(struct __test_metadata *_metadata, int fd, __u32 vcm_id,
		      __u32 flags, __u64 pgsizes, __u64 len, struct vbuf *b)
{
	__u64 allowed = pgsizes, sum = 0;
	struct vcm_info info;
	__u32 i, n;

	memset(b, 0, sizeof(*b));
	b->len = len;
	if (!pgsizes) {
		ASSERT_EQ(0, _test_ioctl_vcm_info(fd, vcm_id, &info));
		allowed = info.out_pgsizes;
	}
	ASSERT_EQ(0, _test_ioctl_phys_alloc(fd, flags, len, pgsizes,
					    pgsizes ? 0 : vcm_id, &b->phys_id,
					    &b->nr_blocks, &b->nr_segments));
	ASSERT_NE(0, b->phys_id);
	ASSERT_LE(1, b->nr_blocks);
	ASSERT_GE(MAX_BLOCKS, b->nr_blocks);
	ASSERT_LE(1, b->nr_segments);
	ASSERT_GE(b->nr_blocks, b->nr_segments);

	n = MAX_BLOCKS;
	ASSERT_EQ(0, _test_ioctl_phys_segments(fd, b->phys_id, &n, b->orders));
	ASSERT_EQ(b->nr_blocks, n);
	for (i = 0; i < n; i++) {
		if (i)
			ASSERT_GE(b->orders[i - 1], b->orders[i])
				TH_LOG("block %u: order %u after order %u", i,
				       b->orders[i], b->orders[i - 1]);
		if (!(flags & VCM_PHYS_CONTIG))
			ASSERT_NE(0, allowed & block_len(b, i))
				TH_LOG("block %u of 0x%llx bytes, allowed 0x%llx",
				       i, block_len(b, i), allowed);
		sum += block_len(b, i);
	}
	ASSERT_EQ(len, sum);
	if (flags & VCM_PHYS_CONTIG) {
		ASSERT_EQ(1, b->nr_blocks);
		ASSERT_EQ(1, b->nr_segments);
	}
}

/*
 * Reserves @b->len bytes aligned to the largest block, so that every block
 * lands at a device address aligned to its own size, and checks that the
 * address is aligned and inside the VCM.
 */
static void buf_reserve(struct __test_metadata *_metadata, int fd,
			__u32 vcm_id, struct vbuf *b)
{
	__u64 align = block_len(b, 0);
	struct vcm_info info;

	ASSERT_EQ(0, _test_ioctl_vcm_info(fd, vcm_id, &info));
	ASSERT_EQ(0, _test_ioctl_reserve_rw(fd, vcm_id, b->len, align, &b->addr,
					    &b->res_id));
	ASSERT_NE(0, b->res_id);
	ASSERT_EQ(0, b->addr & (align - 1));
	ASSERT_LE(info.out_start, b->addr);
	ASSERT_GE(info.out_start + info.out_len, b->addr + b->len);
}

/* Allocation, reservation and back in one go */
static void buf_setup(struct __test_metadata *_metadata, int fd, __u32 vcm_id,
		      __u64 pgsizes, __u64 len, struct vbuf *b)
{
	buf_alloc(_metadata, fd, vcm_id, 0, pgsizes, len, b);
	buf_reserve(_metadata, fd, vcm_id, b);
	ASSERT_EQ(0, _test_ioctl_back(fd, b->res_id, b->phys_id));
}

/*
 * Adds to @ptes the leaf PTEs a domain with page sizes @pgsizes needs to map
 * @b at @b->addr: each block on its own, from its start, with the largest page
 * size that divides the current device address and fits in what is left of
 * the block. Blocks are naturally aligned in physical memory and, as the
 * reservation is aligned to the largest block and blocks come largest first,
 * at device addresses aligned to their size, so inside a block the device and
 * the physical address have the same alignment.
 *
 * The cover is computed per block, never across blocks: VCM_PHYS_SEGMENTS
 * gives no physical addresses, so the test cannot tell whether neighbouring
 * blocks are physically contiguous and aligned enough for a larger page to
 * span them. The kernel's cover (domain_stats.out_cover) is per physically
 * contiguous run; the two are equal when no blocks were merged into runs
 * (out_nr_segments == out_nr_blocks), and otherwise the kernel's can only
 * need fewer PTEs. See check_cover().
 */
static void buf_cover(struct __test_metadata *_metadata, __u64 pgsizes,
		      const struct vbuf *b, __u64 *ptes)
{
	__u64 addr = b->addr;
	__u32 i;

	for (i = 0; i < b->nr_blocks; i++) {
		__u64 left = block_len(b, i);

		while (left) {
			int bit;

			for (bit = 63; bit >= PTE_SLOT_SHIFT; bit--) {
				__u64 pg = 1ULL << bit;

				if ((pgsizes & pg) && pg <= left && !(addr & (pg - 1)))
					break;
			}
			ASSERT_LE(PTE_SLOT_SHIFT, bit)
				TH_LOG("no page size in 0x%llx maps 0x%llx", pgsizes, addr);
			ASSERT_GT(VCM_TEST_PGSIZE_SLOTS, bit - PTE_SLOT_SHIFT);
			ptes[bit - PTE_SLOT_SHIFT]++;
			addr += 1ULL << bit;
			left -= 1ULL << bit;
		}
	}
}

static void expect_pte_slot(struct __test_metadata *_metadata, const char *what,
			    int slot, __u64 expect, __u64 seen)
{
	EXPECT_EQ(expect, seen)
		TH_LOG("%s: PTEs of %llu KiB", what, (SZ_4K << slot) / 1024);
}

/* Expects the PTE counts @seen, by page size, to be @expect */
static void assert_ptes(struct __test_metadata *_metadata, const char *what,
			const __u64 *expect, const __u64 *seen)
{
	int i;

	for (i = 0; i < VCM_TEST_PGSIZE_SLOTS; i++)
		expect_pte_slot(_metadata, what, i, expect[i], seen[i]);
}

static const __u64 no_ptes[VCM_TEST_PGSIZE_SLOTS];

/* A test device, its association with a VCM, and its instance's page sizes */
struct tdev {
	__u32 dev_id;
	__u32 assoc_id;
	__u64 pgsizes;
};

/*
 * Reads the counters of the domain @d uses (zeroing them after, with @reset)
 * together with the kernel's minimal PTE cover of backed @b in that domain,
 * and checks that cover against the test's own (buf_cover()): it maps exactly
 * @b->len bytes with page sizes of the domain, and equals the per-block cover
 * when every block is a physically contiguous run of its own; when blocks
 * were merged into runs a page may span blocks, so it needs no more PTEs.
 */
static void check_cover(struct __test_metadata *_metadata, int fd,
			const struct tdev *d, const struct vbuf *b, bool reset,
			struct vcm_test_cmd *st)
{
	__u64 mine[VCM_TEST_PGSIZE_SLOTS] = { 0 };
	__u64 bytes = 0, nr_mine = 0, nr_kernel = 0;
	const __u64 *cover;
	int i;

	ASSERT_EQ(0, _test_cmd_domain_stats(fd, d->assoc_id, b->res_id, reset, st));
	cover = st->domain_stats.out_cover;
	buf_cover(_metadata, d->pgsizes, b, mine);
	for (i = 0; i < VCM_TEST_PGSIZE_SLOTS; i++) {
		if (cover[i])
			ASSERT_NE(0, d->pgsizes & (SZ_4K << i))
				TH_LOG("cover uses %llu KiB pages", (SZ_4K << i) / 1024);
		bytes += cover[i] * (SZ_4K << i);
		nr_kernel += cover[i];
		nr_mine += mine[i];
	}
	ASSERT_EQ(b->len, bytes);
	if (b->nr_segments == b->nr_blocks)
		assert_ptes(_metadata, "kernel cover vs per-block cover", mine, cover);
	else
		ASSERT_GE(nr_mine, nr_kernel);
}

/*
 * Asserts that VCM_TEST_OP_CHECK_MAP finds each of the @domains domains of
 * @b's VCM translating every page of @b right: to its backing, or not at all.
 */
static void assert_map(struct __test_metadata *_metadata, int fd,
		       const struct vbuf *b, __u32 domains)
{
	__u32 nr_domains, pages, mismatches;

	ASSERT_EQ(0, _test_cmd_check_map(fd, b->res_id, &nr_domains, &pages,
					 &mismatches));
	EXPECT_EQ(domains, nr_domains);
	EXPECT_EQ(b->len / page_size, pages);
	EXPECT_EQ(0, mismatches) TH_LOG("reservation at 0x%llx", b->addr);
}

/* Creates a device behind mock @instance, associated with @vcm_id (inactive) */
static void tdev_assoc(struct __test_metadata *_metadata, int fd, __u32 vcm_id,
		       __u32 instance, __u32 dev_flags, struct tdev *d)
{
	ASSERT_EQ(0, _test_cmd_instance_info(fd, instance, NULL, &d->pgsizes, NULL));
	ASSERT_EQ(0, _test_cmd_dev_create(fd, instance, dev_flags, 0, &d->dev_id));
	ASSERT_NE(0, d->dev_id);
	ASSERT_EQ(0, _test_ioctl_assoc(fd, vcm_id, d->dev_id, 0, 0, &d->assoc_id));
	ASSERT_NE(0, d->assoc_id);
}

/* The same, and activated */
static void tdev_attach(struct __test_metadata *_metadata, int fd, __u32 vcm_id,
			__u32 instance, __u32 dev_flags, struct tdev *d)
{
	tdev_assoc(_metadata, fd, vcm_id, instance, dev_flags, d);
	ASSERT_EQ(0, _test_ioctl_activate(fd, d->assoc_id));
}

FIXTURE(vcm)
{
	int fd;
};

FIXTURE_SETUP(vcm)
{
	self->fd = vcm_open(_metadata);
}

FIXTURE_TEARDOWN(vcm)
{
	if (self->fd != -1)
		EXPECT_EQ(0, close(self->fd));
}

/* The mock instances have the page sizes and PASID support vcm_test.h names */
TEST_F(vcm, instances)
{
	char names[VCM_MOCK_NR][16];
	__u32 i, j, max_pasids;
	__u64 pgsizes;

	for (i = 0; i < VCM_MOCK_NR; i++) {
		test_cmd_instance_info(i, &max_pasids, &pgsizes, names[i]);
		ASSERT_NE(NULL, memchr(names[i], '\0', sizeof(names[i])));
		ASSERT_NE('\0', names[i][0]);
		TH_LOG("instance %u: %s, page sizes 0x%llx, %u PASIDs", i,
		       names[i], pgsizes, max_pasids);
		EXPECT_EQ(mock_pgsizes[i], pgsizes);
		/* Only lpae-4k has PASIDs, and PASID 1 is among them */
		EXPECT_EQ(i == VCM_MOCK_LPAE_4K, max_pasids != 0);
		EXPECT_EQ(i == VCM_MOCK_LPAE_4K, max_pasids >= 2);
		for (j = 0; j < i; j++)
			EXPECT_STRNE(names[j], names[i]);
	}
}

TEST_F(vcm, create_info_destroy)
{
	struct vcm_info info;
	__u32 vcm_id, vcm2_id;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	ASSERT_NE(0, vcm_id);
	test_ioctl_vcm_info(vcm_id, &info);
	EXPECT_EQ(VCM_START, info.out_start);
	EXPECT_EQ(VCM_LEN, info.out_len);
	/* No domains: the union of their page sizes is empty */
	EXPECT_EQ(0, info.out_pgsizes);
	EXPECT_EQ(0, info.out_nr_res);
	EXPECT_EQ(0, info.out_nr_backed);
	EXPECT_EQ(0, info.out_nr_assoc);
	EXPECT_EQ(0, info.out_nr_domains);
	EXPECT_EQ(0, info.out_nr_faults);

	/* A second VCM over the same addresses is an address space of its own */
	test_ioctl_vcm_create(VCM_START, SZ_16M, &vcm2_id);
	ASSERT_NE(vcm_id, vcm2_id);

	test_ioctl_destroy(vcm_id);
	test_err_vcm_info(ENOENT, vcm_id);
	test_err_destroy(ENOENT, vcm_id);

	test_ioctl_vcm_info(vcm2_id, &info);
	EXPECT_EQ(VCM_START, info.out_start);
	EXPECT_EQ(SZ_16M, info.out_len);
	test_ioctl_destroy(vcm2_id);
	test_err_vcm_info(ENOENT, vcm2_id);
}

/* An id of the wrong object type is -ENOENT, like a stale one */
TEST_F(vcm, ids_wrong_type)
{
	__u32 vcm_id, phys_id, res_id, ids[5];
	struct vcm_test_cmd stats;
	__u32 nr = 1, i, j;
	struct tdev dev;
	__u64 addr;
	__u8 order;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	tdev_assoc(_metadata, self->fd, vcm_id, VCM_MOCK_ARMV7S, 0, &dev);
	test_ioctl_phys_alloc(page_size, vcm_id, &phys_id);
	test_ioctl_reserve(vcm_id, page_size, 0, &addr, &res_id);

	/* Ids are unique across types */
	ids[0] = vcm_id;
	ids[1] = dev.dev_id;
	ids[2] = dev.assoc_id;
	ids[3] = phys_id;
	ids[4] = res_id;
	for (i = 0; i < ARRAY_SIZE(ids); i++)
		for (j = 0; j < i; j++)
			ASSERT_NE(ids[j], ids[i]);

	test_err_vcm_info(ENOENT, res_id);
	test_err_vcm_info(ENOENT, dev.dev_id);
	test_err_assoc(ENOENT, res_id, dev.dev_id, 0, 0);
	test_err_assoc(ENOENT, vcm_id, vcm_id, 0, 0);
	test_err_activate(ENOENT, vcm_id);
	test_err_deactivate(ENOENT, dev.dev_id);
	test_err_phys_alloc(ENOENT, 0, page_size, 0, res_id);
	EXPECT_ERRNO(ENOENT, _test_ioctl_phys_segments(self->fd, res_id, &nr, &order));
	test_err_reserve(ENOENT, phys_id, page_size, 0);
	test_err_back(ENOENT, phys_id, phys_id);
	test_err_back(ENOENT, res_id, res_id);
	test_err_unback(ENOENT, vcm_id);
	test_err_translate(ENOENT, res_id, addr, vcm_id);
	EXPECT_ERRNO(ENOENT, _test_ioctl_cpu_access(self->fd, VCM_CPU_READ, vcm_id,
						    0, &order, 1));
	EXPECT_ERRNO(ENOENT, _test_cmd_domain_stats(self->fd, dev.dev_id, 0, false,
						    &stats));
	EXPECT_ERRNO(ENOENT, _test_cmd_domain_stats(self->fd, dev.assoc_id, vcm_id,
						    false, &stats));
	EXPECT_ERRNO(ENOENT, _test_cmd_check_map(self->fd, vcm_id, NULL, NULL, NULL));
	EXPECT_ERRNO(ENOENT, _test_cmd_dma(self->fd, dev.assoc_id, 0, false, addr,
					   &order, 1));
	EXPECT_ERRNO(ENOENT, _test_cmd_fault(self->fd, res_id, 0, false, addr));
	EXPECT_ERRNO(ENOENT, _test_cmd_dev_remove(self->fd, dev.assoc_id));
}

/* Ids belong to one open file; closing it releases everything it holds */
TEST_F(vcm, ids_per_file)
{
	__u32 vcm_id, vcm2_id;
	struct vcm_info info;
	struct vbuf *b = xmalloc(_metadata, sizeof(*b));
	struct tdev dev;
	int fd2;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);

	fd2 = open("/dev/vcm", O_RDWR);
	ASSERT_NE(-1, fd2);
	EXPECT_ERRNO(ENOENT, _test_ioctl_vcm_info(fd2, vcm_id, &info));
	EXPECT_ERRNO(ENOENT, _test_ioctl_destroy(fd2, vcm_id));

	/* Everything live when the file is closed */
	ASSERT_EQ(0, _test_ioctl_vcm_create(fd2, VCM_START, VCM_LEN, &vcm2_id));
	tdev_attach(_metadata, fd2, vcm2_id, VCM_MOCK_ARMV7S, 0, &dev);
	buf_setup(_metadata, fd2, vcm2_id, 0, SZ_1M, b);
	ASSERT_EQ(0, _test_ioctl_vcm_info(fd2, vcm2_id, &info));
	EXPECT_EQ(1, info.out_nr_backed);
	ASSERT_EQ(0, close(fd2));

	/* The first file is untouched */
	test_ioctl_vcm_info(vcm_id, &info);
	EXPECT_EQ(VCM_START, info.out_start);

	fd2 = open("/dev/vcm", O_RDWR);
	ASSERT_NE(-1, fd2);
	EXPECT_ERRNO(ENOENT, _test_ioctl_vcm_info(fd2, vcm2_id, &info));
	ASSERT_EQ(0, close(fd2));
	free(b);
}

/* A VCM with reservations or associations, or an associated device: -EBUSY */
TEST_F(vcm, destroy_busy)
{
	__u32 vcm_id, res_id;
	struct vcm_info info;
	struct tdev dev;
	__u64 addr;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	test_ioctl_reserve(vcm_id, page_size, 0, &addr, &res_id);
	test_err_destroy(EBUSY, vcm_id);
	test_ioctl_vcm_info(vcm_id, &info);
	EXPECT_EQ(1, info.out_nr_res);
	test_ioctl_destroy(res_id);

	tdev_assoc(_metadata, self->fd, vcm_id, VCM_MOCK_ARMV7S, 0, &dev);
	test_err_destroy(EBUSY, vcm_id);
	test_err_destroy(EBUSY, dev.dev_id);
	test_ioctl_vcm_info(vcm_id, &info);
	EXPECT_EQ(1, info.out_nr_assoc);
	EXPECT_EQ(1, info.out_nr_domains);

	test_ioctl_destroy(dev.assoc_id);
	test_ioctl_vcm_info(vcm_id, &info);
	EXPECT_EQ(0, info.out_nr_assoc);
	/* The domain goes with the last association on its instance */
	EXPECT_EQ(0, info.out_nr_domains);
	test_ioctl_destroy(dev.dev_id);
	test_ioctl_destroy(vcm_id);
}

/* Aligned reservations land at the lowest free address that fits */
TEST_F(vcm, reserve_aligned)
{
	static const struct {
		__u64 len, align, addr;
	} want[] = {
		{ SZ_64K, SZ_1M, SZ_1M },
		{ SZ_64K, SZ_2M, SZ_2M },
		{ SZ_1M, SZ_16M, SZ_16M },
		{ SZ_4K, 0, VCM_START },
		{ SZ_64K, SZ_64K, SZ_64K },
		/* 1M and 2M hold the first two: next free 1 MiB slot is 3M */
		{ SZ_1M, SZ_1M, 3 * SZ_1M },
		{ SZ_4K, SZ_4K, VCM_START + SZ_4K },
		/* The only 128 MiB-aligned address, the VCM's last page */
		{ SZ_4K, SZ_128M, SZ_128M },
	};
	__u32 vcm_id, res_id[ARRAY_SIZE(want)];
	struct vcm_info info;
	__u64 addr;
	__u32 i;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		test_ioctl_reserve(vcm_id, want[i].len, want[i].align, &addr,
				   &res_id[i]);
		EXPECT_EQ(want[i].addr, addr) TH_LOG("reservation %u", i);
		if (want[i].align)
			EXPECT_EQ(0, addr & (want[i].align - 1));
		EXPECT_LE(VCM_START, addr);
		EXPECT_GE(VCM_END, addr + want[i].len);
	}
	test_ioctl_vcm_info(vcm_id, &info);
	EXPECT_EQ(ARRAY_SIZE(want), info.out_nr_res);
	EXPECT_EQ(0, info.out_nr_backed);

	/* No 128 MiB-aligned room for two pages, no 1 GiB-aligned address */
	test_err_reserve(ENOSPC, vcm_id, 2 * SZ_4K, SZ_128M);
	test_err_reserve(ENOSPC, vcm_id, SZ_4K, SZ_1G);

	/* A freed range is reused */
	test_ioctl_destroy(res_id[0]);
	test_ioctl_reserve(vcm_id, SZ_64K, SZ_1M, &addr, &res_id[0]);
	EXPECT_EQ(SZ_1M, addr);
}

TEST_F(vcm, reserve_fixed)
{
	__u64 fixed = SZ_64M, addr;
	__u32 vcm_id, res_id;
	struct vcm_info info;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	test_ioctl_reserve_fixed(vcm_id, fixed, SZ_1M, &res_id);

	/* Overlapping it: -EEXIST */
	test_err_reserve_fixed(EEXIST, vcm_id, fixed - SZ_4K, 2 * SZ_4K);
	test_err_reserve_fixed(EEXIST, vcm_id, fixed + SZ_1M - SZ_4K, 2 * SZ_4K);
	test_err_reserve_fixed(EEXIST, vcm_id, fixed + SZ_64K, SZ_4K);
	test_err_reserve_fixed(EEXIST, vcm_id, fixed - SZ_1M, 4 * SZ_1M);
	test_err_reserve_fixed(EEXIST, vcm_id, fixed, SZ_1M);

	/* Touching it is fine */
	test_ioctl_reserve_fixed(vcm_id, fixed - SZ_4K, SZ_4K, NULL);
	test_ioctl_reserve_fixed(vcm_id, fixed + SZ_1M, SZ_4K, NULL);

	/* Aligned placement goes around it */
	test_ioctl_reserve(vcm_id, SZ_1M, SZ_32M, &addr, NULL);
	EXPECT_EQ(SZ_32M, addr);
	test_err_reserve(ENOSPC, vcm_id, SZ_1M, SZ_64M);

	/* Outside the VCM, wholly or partly (and overlapping nothing): -ERANGE */
	test_err_reserve_fixed(ERANGE, vcm_id, 0, SZ_4K);
	test_err_reserve_fixed(ERANGE, vcm_id, 0, 2 * SZ_4K);
	test_err_reserve_fixed(ERANGE, vcm_id, VCM_END, SZ_4K);
	test_err_reserve_fixed(ERANGE, vcm_id, SZ_1G, SZ_4K);
	test_err_reserve_fixed(ERANGE, vcm_id, VCM_END - SZ_1M, 2 * SZ_1M);

	/* The first and the last page of the VCM */
	test_ioctl_reserve_fixed(vcm_id, VCM_START, SZ_4K, NULL);
	test_ioctl_reserve_fixed(vcm_id, VCM_END - SZ_4K, SZ_4K, NULL);

	/* With an alignment, the fixed address must have it */
	addr = 80 * SZ_1M;
	EXPECT_EQ(0, _test_ioctl_reserve(self->fd, vcm_id,
					 VCM_RESERVE_FIXED | VCM_RESERVE_READ,
					 SZ_64K, SZ_1M, &addr, NULL));
	EXPECT_EQ(80 * SZ_1M, addr);
	addr = 90 * SZ_1M + SZ_64K;
	EXPECT_ERRNO(EINVAL, _test_ioctl_reserve(self->fd, vcm_id,
						 VCM_RESERVE_FIXED |
						 VCM_RESERVE_READ,
						 SZ_64K, SZ_1M, &addr, NULL));

	test_ioctl_vcm_info(vcm_id, &info);
	EXPECT_EQ(7, info.out_nr_res);
}

TEST_F(vcm, reserve_errors)
{
	__u32 vcm_id, res_id;
	__u64 addr;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);

	/* Bad lengths and alignments */
	test_err_reserve(EINVAL, vcm_id, 0, 0);
	test_err_reserve(EINVAL, vcm_id, page_size + page_size / 2, 0);
	test_err_reserve(EINVAL, vcm_id, page_size, 3 * page_size);
	test_err_reserve(EINVAL, vcm_id, page_size, page_size / 2);
	test_err_reserve(EINVAL, vcm_id, page_size, SZ_2G);
	test_err_reserve(EINVAL, vcm_id, page_size, SZ_1G + SZ_4K);
	test_err_reserve_fixed(EINVAL, vcm_id, SZ_1M + page_size / 2, page_size);

	/* Larger than the VCM */
	test_err_reserve(ENOSPC, vcm_id, VCM_LEN + page_size, 0);

	/* Filling the VCM */
	test_ioctl_reserve(vcm_id, VCM_LEN, 0, &addr, &res_id);
	EXPECT_EQ(VCM_START, addr);
	test_err_reserve(ENOSPC, vcm_id, page_size, 0);
	test_err_reserve_fixed(EEXIST, vcm_id, SZ_1M, page_size);
	test_ioctl_destroy(res_id);
	test_ioctl_reserve(vcm_id, page_size, 0, &addr, &res_id);
	EXPECT_EQ(VCM_START, addr);
}

TEST_F(vcm, assoc_errors)
{
	__u32 vcm_id, high_id, dev_id, dev32_id, devp_id, assoc_id;
	struct vcm_info info;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	/* Crosses 4 GiB */
	test_ioctl_vcm_create(0x100000000ULL - SZ_64K, 2 * SZ_64K, &high_id);

	/* Beyond a 32-bit DMA mask */
	test_cmd_dev_create_dma_bits(VCM_MOCK_LPAE_4K, 32, &dev32_id);
	test_err_assoc(ERANGE, high_id, dev32_id, 0, 0);
	test_ioctl_assoc(vcm_id, dev32_id, &assoc_id);
	test_ioctl_destroy(assoc_id);

	/* Beyond the 32-bit aperture of an ARMv7 short-descriptor domain */
	test_cmd_dev_create(VCM_MOCK_ARMV7S, 0, &dev_id);
	test_err_assoc(ERANGE, high_id, dev_id, 0, 0);

	/* PASID of an instance, or of a device, without PASID support */
	test_err_assoc(EOPNOTSUPP, vcm_id, dev_id, VCM_ASSOC_PASID, 1);
	test_cmd_dev_create(VCM_MOCK_LPAE_4K, 0, &devp_id);
	test_err_assoc(EOPNOTSUPP, vcm_id, devp_id, VCM_ASSOC_PASID, 1);
	/* A PASID without VCM_ASSOC_PASID */
	test_err_assoc(EINVAL, vcm_id, devp_id, 0, 1);

	/* Nothing was associated, no domain allocated */
	test_ioctl_vcm_info(vcm_id, &info);
	EXPECT_EQ(0, info.out_nr_assoc);
	EXPECT_EQ(0, info.out_nr_domains);
	test_ioctl_vcm_info(high_id, &info);
	EXPECT_EQ(0, info.out_nr_assoc);
	EXPECT_EQ(0, info.out_nr_domains);
}

/*
 * One VCM, devices behind two instances with different formats: two domains,
 * each given the PTEs its own page sizes need, one sync each per back and per
 * unback, and the same bytes at the same address for both devices.
 */
TEST_F(vcm, multi_domain)
{
	static const __u64 sizes[] = { SZ_16M, SZ_1M + SZ_64K + SZ_4K };
	__u64 ptes[2][VCM_TEST_PGSIZE_SLOTS];
	struct vbuf *b = xmalloc(_metadata, sizeof(*b));
	struct vcm_test_cmd st;
	struct tdev dev[2];
	struct vcm_info info;
	__u32 vcm_id, i, d;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	tdev_attach(_metadata, self->fd, vcm_id, VCM_MOCK_ARMV7S, 0, &dev[0]);
	tdev_attach(_metadata, self->fd, vcm_id, VCM_MOCK_LPAE_4K, 0, &dev[1]);
	test_ioctl_vcm_info(vcm_id, &info);
	EXPECT_EQ(2, info.out_nr_assoc);
	EXPECT_EQ(2, info.out_nr_domains);
	EXPECT_EQ(dev[0].pgsizes | dev[1].pgsizes, info.out_pgsizes);

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		__u64 len = sizes[i];
		void *wr = xmalloc(_metadata, len), *rd = xmalloc(_metadata, len);

		buf_alloc(_metadata, self->fd, vcm_id, 0, 0, len, b);
		buf_reserve(_metadata, self->fd, vcm_id, b);
		for (d = 0; d < 2; d++)
			test_cmd_domain_stats(dev[d].assoc_id, true, &st);

		test_ioctl_back(b->res_id, b->phys_id);
		for (d = 0; d < 2; d++) {
			/* Each domain gets the cover its own page sizes allow */
			check_cover(_metadata, self->fd, &dev[d], b, true, &st);
			memcpy(ptes[d], st.domain_stats.out_cover, sizeof(ptes[d]));
			EXPECT_EQ(1, st.domain_stats.out_iotlb_sync_map);
			assert_ptes(_metadata, "back", ptes[d],
				    st.domain_stats.out_ptes_mapped);
		}
		assert_map(_metadata, self->fd, b, 2);

		/* Written by one device, read by the other, at the same address */
		fill_pattern(wr, len, i, 0);
		test_cmd_dma_write(dev[0].dev_id, 0, b->addr, wr, len);
		test_cmd_dma_read(dev[1].dev_id, 0, b->addr, rd, len);
		assert_same(_metadata, wr, rd, len, "armv7s -> lpae-4k");
		fill_pattern(wr, len, i + 100, 0);
		test_cmd_dma_write(dev[1].dev_id, 0, b->addr, wr, len);
		test_cmd_dma_read(dev[0].dev_id, 0, b->addr, rd, len);
		assert_same(_metadata, wr, rd, len, "lpae-4k -> armv7s");

		test_ioctl_unback(b->res_id);
		for (d = 0; d < 2; d++) {
			test_cmd_domain_stats(dev[d].assoc_id, true, &st);
			EXPECT_EQ(1, st.domain_stats.out_iotlb_sync);
			assert_ptes(_metadata, "unback", ptes[d],
				    st.domain_stats.out_ptes_unmapped);
		}
		assert_map(_metadata, self->fd, b, 2);
		test_ioctl_destroy(b->res_id);
		test_ioctl_destroy(b->phys_id);
		free(wr);
		free(rd);
	}
	free(b);
}

/*
 * A domain allocated for a device associated after reservations were backed
 * gets every backed reservation replayed, and nothing else.
 */
TEST_F(vcm, replay_new_instance)
{
	/* Blocks of at least 64 KiB, so the lpae-64k domain can map them */
	const __u64 pgsizes = SZ_16M | SZ_1M | SZ_64K;
	__u64 ptes[VCM_TEST_PGSIZE_SLOTS] = { 0 };
	struct vbuf *b = xmalloc(_metadata, 3 * sizeof(*b));
	struct vcm_test_cmd st;
	struct tdev dec, late;
	struct vcm_info info;
	void *wr, *rd;
	__u32 vcm_id, i, j;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	tdev_attach(_metadata, self->fd, vcm_id, VCM_MOCK_ARMV7S, 0, &dec);

	buf_setup(_metadata, self->fd, vcm_id, pgsizes, SZ_16M, &b[0]);
	buf_setup(_metadata, self->fd, vcm_id, pgsizes, SZ_1M + SZ_64K, &b[1]);
	/* Reserved but not backed: must not be mapped in the new domain */
	buf_alloc(_metadata, self->fd, vcm_id, 0, pgsizes, SZ_64K, &b[2]);
	buf_reserve(_metadata, self->fd, vcm_id, &b[2]);

	wr = xmalloc(_metadata, SZ_16M);
	rd = xmalloc(_metadata, SZ_16M);
	for (i = 0; i < 2; i++) {
		fill_pattern(wr, b[i].len, i, 0);
		test_ioctl_cpu_write(b[i].res_id, 0, wr, b[i].len);
	}

	tdev_assoc(_metadata, self->fd, vcm_id, VCM_MOCK_LPAE_64K, 0, &late);
	test_ioctl_vcm_info(vcm_id, &info);
	EXPECT_EQ(2, info.out_nr_domains);
	EXPECT_EQ(2, info.out_nr_backed);
	/* Replayed at association, before activation */
	for (i = 0; i < 3; i++)
		assert_map(_metadata, self->fd, &b[i], 2);
	/* The new domain holds exactly the covers of the two backed ones */
	for (i = 0; i < 2; i++) {
		check_cover(_metadata, self->fd, &late, &b[i], false, &st);
		for (j = 0; j < VCM_TEST_PGSIZE_SLOTS; j++)
			ptes[j] += st.domain_stats.out_cover[j];
	}
	assert_ptes(_metadata, "replay", ptes, st.domain_stats.out_ptes_mapped);
	assert_ptes(_metadata, "replay", no_ptes, st.domain_stats.out_ptes_unmapped);

	test_ioctl_activate(late.assoc_id);
	for (i = 0; i < 2; i++) {
		fill_pattern(wr, b[i].len, i, 0);
		test_cmd_dma_read(late.dev_id, 0, b[i].addr, rd, b[i].len);
		assert_same(_metadata, wr, rd, b[i].len, "replayed mapping");
	}
	test_err_dma(EFAULT, late.dev_id, 0, false, b[2].addr, rd, page_size);
	free(wr);
	free(rd);
	free(b);
}

/* Two devices behind one instance share one domain */
TEST_F(vcm, same_instance_one_domain)
{
	struct vbuf *b = xmalloc(_metadata, sizeof(*b));
	struct vcm_test_cmd st;
	struct tdev d1, d2;
	struct vcm_info info;
	void *wr, *rd;
	__u32 vcm_id;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	tdev_attach(_metadata, self->fd, vcm_id, VCM_MOCK_ARMV7S, 0, &d1);
	tdev_attach(_metadata, self->fd, vcm_id, VCM_MOCK_ARMV7S, 0, &d2);
	ASSERT_NE(d1.dev_id, d2.dev_id);
	test_ioctl_vcm_info(vcm_id, &info);
	EXPECT_EQ(2, info.out_nr_assoc);
	EXPECT_EQ(1, info.out_nr_domains);
	EXPECT_EQ(d1.pgsizes, info.out_pgsizes);

	/* Both attached to the one domain */
	test_cmd_domain_stats(d2.assoc_id, true, &st);
	EXPECT_EQ(2, st.domain_stats.out_attach);

	buf_alloc(_metadata, self->fd, vcm_id, 0, 0, SZ_1M + SZ_64K, b);
	buf_reserve(_metadata, self->fd, vcm_id, b);
	test_ioctl_back(b->res_id, b->phys_id);

	/* Read and reset through one association ... */
	check_cover(_metadata, self->fd, &d1, b, true, &st);
	EXPECT_EQ(1, st.domain_stats.out_iotlb_sync_map);
	assert_ptes(_metadata, "back", st.domain_stats.out_cover,
		    st.domain_stats.out_ptes_mapped);
	/* ... they are gone through the other: the same counters */
	test_cmd_domain_stats(d2.assoc_id, false, &st);
	EXPECT_EQ(0, st.domain_stats.out_iotlb_sync_map);
	assert_ptes(_metadata, "shared", no_ptes, st.domain_stats.out_ptes_mapped);
	assert_map(_metadata, self->fd, b, 1);

	wr = xmalloc(_metadata, b->len);
	rd = xmalloc(_metadata, b->len);
	fill_pattern(wr, b->len, 7, 0);
	test_cmd_dma_write(d1.dev_id, 0, b->addr, wr, b->len);
	test_cmd_dma_read(d2.dev_id, 0, b->addr, rd, b->len);
	assert_same(_metadata, wr, rd, b->len, "same domain");

	/* Dropping one of the two associations keeps the shared domain */
	test_ioctl_deactivate(d2.assoc_id);
	test_ioctl_destroy(d2.assoc_id);
	test_ioctl_vcm_info(vcm_id, &info);
	EXPECT_EQ(1, info.out_nr_assoc);
	EXPECT_EQ(1, info.out_nr_domains);
	assert_map(_metadata, self->fd, b, 1);
	free(wr);
	free(rd);
	free(b);
}

/*
 * One device, two address spaces: its RID in VCM A, its PASID 1 in VCM B.
 * The same device address reaches different memory depending on the PASID.
 */
TEST_F(vcm, pasid)
{
	const __u64 addr = SZ_1M, len = SZ_64K;
	__u32 vcm_a, vcm_b, dev_id, assoc_a, assoc_b, max_pasids;
	__u32 phys_a, phys_b, res_a, res_b;
	void *wa, *wb, *rd;
	struct vcm_test_cmd st;
	struct vcm_info info;

	test_cmd_instance_info(VCM_MOCK_LPAE_4K, &max_pasids, NULL, NULL);
	ASSERT_LE(2, max_pasids);
	test_cmd_dev_create(VCM_MOCK_LPAE_4K, VCM_TEST_DEV_PASID, &dev_id);

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_a);
	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_b);
	test_ioctl_assoc(vcm_a, dev_id, &assoc_a);
	test_ioctl_assoc_pasid(vcm_b, dev_id, 1, &assoc_b);
	test_ioctl_activate(assoc_a);
	test_ioctl_activate(assoc_b);
	test_cmd_domain_stats(assoc_a, false, &st);
	EXPECT_EQ(1, st.domain_stats.out_attach);
	test_cmd_domain_stats(assoc_b, false, &st);
	EXPECT_EQ(1, st.domain_stats.out_attach);
	test_ioctl_vcm_info(vcm_b, &info);
	EXPECT_EQ(1, info.out_nr_domains);
	EXPECT_EQ(1, info.out_nr_assoc);

	test_ioctl_phys_alloc(len, vcm_a, &phys_a);
	test_ioctl_phys_alloc(len, vcm_b, &phys_b);
	test_ioctl_reserve_fixed(vcm_a, addr, len, &res_a);
	test_ioctl_reserve_fixed(vcm_b, addr, len, &res_b);
	test_ioctl_back(res_a, phys_a);
	test_ioctl_back(res_b, phys_b);

	wa = xmalloc(_metadata, len);
	wb = xmalloc(_metadata, len);
	rd = xmalloc(_metadata, len);
	fill_pattern(wa, len, 0xa, 0);
	fill_pattern(wb, len, 0xb, 0);
	test_ioctl_cpu_write(res_a, 0, wa, len);
	test_ioctl_cpu_write(res_b, 0, wb, len);

	test_cmd_dma_read(dev_id, 0, addr, rd, len);
	assert_same(_metadata, wa, rd, len, "RID");
	test_cmd_dma_read(dev_id, 1, addr, rd, len);
	assert_same(_metadata, wb, rd, len, "PASID 1");

	/* A write through the PASID lands in B only */
	fill_pattern(wb, len, 0xc, 0);
	test_cmd_dma_write(dev_id, 1, addr, wb, len);
	test_ioctl_cpu_read(res_b, 0, rd, len);
	assert_same(_metadata, wb, rd, len, "B after PASID write");
	test_ioctl_cpu_read(res_a, 0, rd, len);
	assert_same(_metadata, wa, rd, len, "A after PASID write");

	/* Deactivating the PASID leaves the RID alone */
	test_ioctl_deactivate(assoc_b);
	test_cmd_dma_read(dev_id, 0, addr, rd, len);
	assert_same(_metadata, wa, rd, len, "RID after PASID detach");
	free(wa);
	free(wb);
	free(rd);
}

/* One allocation backing reservations in two VCMs */
TEST_F(vcm, translate)
{
	const __u64 b_addr = 0x10300000ULL, len = SZ_1M;
	__u32 vcm_a, vcm_b, vcm_c, phys_id, res_a, res_b, res_a2;
	__u64 a_addr, a2_addr, out;
	struct tdev da, db;
	void *wr, *rd;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_a);
	test_ioctl_vcm_create(0x10000000ULL, VCM_LEN, &vcm_b);
	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_c);
	tdev_attach(_metadata, self->fd, vcm_a, VCM_MOCK_ARMV7S, 0, &da);
	tdev_attach(_metadata, self->fd, vcm_b, VCM_MOCK_LPAE_4K, 0, &db);

	ASSERT_EQ(0, _test_ioctl_phys_alloc(self->fd, 0, len, SZ_1M | SZ_64K | SZ_4K,
					    0, &phys_id, NULL, NULL));
	test_ioctl_reserve(vcm_a, len, SZ_1M, &a_addr, &res_a);
	test_ioctl_reserve(vcm_a, len, SZ_1M, &a2_addr, &res_a2);
	test_ioctl_reserve_fixed(vcm_b, b_addr, len, &res_b);
	test_ioctl_back(res_a, phys_id);
	test_ioctl_back(res_b, phys_id);

	test_ioctl_translate(vcm_a, a_addr, vcm_b, &out);
	EXPECT_EQ(b_addr, out);
	test_ioctl_translate(vcm_a, a_addr + 0x1234, vcm_b, &out);
	EXPECT_EQ(b_addr + 0x1234, out);
	test_ioctl_translate(vcm_b, b_addr + len - 1, vcm_a, &out);
	EXPECT_EQ(a_addr + len - 1, out);

	/* Not backed in the source (reserved, or not even that) */
	test_err_translate(ENOENT, vcm_a, a2_addr, vcm_b);
	test_err_translate(ENOENT, vcm_a, VCM_END - SZ_4K, vcm_b);
	/* Not backed anywhere in the destination */
	test_err_translate(ENOENT, vcm_a, a_addr, vcm_c);

	/* The same memory: what one device writes, the other reads */
	wr = xmalloc(_metadata, len);
	rd = xmalloc(_metadata, len);
	fill_pattern(wr, len, 3, 0);
	test_cmd_dma_write(da.dev_id, 0, a_addr, wr, len);
	test_cmd_dma_read(db.dev_id, 0, b_addr, rd, len);
	assert_same(_metadata, wr, rd, len, "A -> B");
	test_ioctl_cpu_read(res_b, 0, rd, len);
	assert_same(_metadata, wr, rd, len, "kernel view of B");

	/* Freed only once it backs nothing */
	test_err_destroy(EBUSY, phys_id);
	test_ioctl_unback(res_a);
	test_err_destroy(EBUSY, phys_id);
	test_err_translate(ENOENT, vcm_b, b_addr, vcm_a);
	test_err_translate(ENOENT, vcm_a, a_addr, vcm_b);
	test_ioctl_unback(res_b);
	test_ioctl_destroy(phys_id);
	free(wr);
	free(rd);
}

/*
 * A reservation that names a CPU cache attribute takes only allocations of
 * that attribute, so no two mappings of one allocation alias with different
 * attributes; one that names none takes any.
 */
TEST_F(vcm, cache_attributes)
{
	static const __u32 phys_flags[3] = { 0, VCM_PHYS_WC, VCM_PHYS_UNCACHED };
	static const __u32 res_flags[3] = {
		VCM_RESERVE_WB, VCM_RESERVE_WC, VCM_RESERVE_UNCACHED,
	};
	const __u32 rw = VCM_RESERVE_READ | VCM_RESERVE_WRITE;
	__u32 vcm_id, phys_id[3], res_id[3], any_id, i, j;
	__u64 addr[3] = { 0 }, any_addr;
	__u8 wr[256], rd[256];
	struct vcm_info info;
	struct tdev dev;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	tdev_attach(_metadata, self->fd, vcm_id, VCM_MOCK_ARMV7S, 0, &dev);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, _test_ioctl_phys_alloc(self->fd, phys_flags[i], SZ_64K,
						    0, vcm_id, &phys_id[i], NULL,
						    NULL));
		ASSERT_EQ(0, _test_ioctl_reserve(self->fd, vcm_id,
						 rw | res_flags[i], SZ_64K, SZ_64K,
						 &addr[i], &res_id[i]));
	}
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			if (i != j)
				test_err_back(EINVAL, res_id[i], phys_id[j]);
	test_ioctl_vcm_info(vcm_id, &info);
	EXPECT_EQ(0, info.out_nr_backed);

	for (i = 0; i < 3; i++) {
		test_ioctl_back(res_id[i], phys_id[i]);
		assert_map(_metadata, self->fd,
			   &(struct vbuf){ .res_id = res_id[i], .len = SZ_64K }, 1);
		memset(wr, 0x5a + i, sizeof(wr));
		test_ioctl_cpu_write(res_id[i], SZ_64K - sizeof(wr), wr, sizeof(wr));
		test_cmd_dma_read(dev.dev_id, 0, addr[i] + SZ_64K - sizeof(wr), rd,
				  sizeof(rd));
		assert_same(_metadata, wr, rd, sizeof(wr), "cache attribute");
	}

	/* No attribute named: a write-combined allocation is fine */
	test_ioctl_unback(res_id[1]);
	test_ioctl_reserve(vcm_id, SZ_64K, SZ_64K, &any_addr, &any_id);
	test_ioctl_back(any_id, phys_id[1]);
}

/*
 * Zach Pfeffer's 2010 example (linux-mm, "[RFC] mm: iommu: An API to unify
 * IOMMU, CPU and device memory management"): video playback, a decoder and a
 * display engine behind IOMMUs with different page-table formats sharing one
 * 128 MiB address space. The steps are numbered as in the mail.
 */
TEST_F_TIMEOUT(vcm, video_playback_2010, 120)
{
	struct vbuf *bufs = xmalloc(_metadata, 4 * sizeof(*bufs));
	struct vbuf *buf_64k = &bufs[0], *frame = &bufs[2], *res_8x64k = &bufs[3];
	struct tdev dec, disp, third;
	struct vcm_test_cmd st;
	struct vcm_info info;
	__u64 off, pgsizes;
	__u32 vcm_out, i;
	__u8 *exp, *rd;

	/* 1. A 128 MiB region for the decoder and the display, at 0x1000 */
	test_ioctl_vcm_create(0x1000, SZ_128M, &vcm_out);

	/*
	 * 2. Associate it with the decoder's IOMMU (ARMv7 short descriptor)
	 *    and the display's (LPAE): different page-table formats, one domain
	 *    each.
	 */
	tdev_assoc(_metadata, self->fd, vcm_out, VCM_MOCK_ARMV7S, 0, &dec);
	tdev_assoc(_metadata, self->fd, vcm_out, VCM_MOCK_LPAE_4K, 0, &disp);
	test_ioctl_vcm_info(vcm_out, &info);
	EXPECT_EQ(2, info.out_nr_assoc);
	EXPECT_EQ(2, info.out_nr_domains);
	pgsizes = info.out_pgsizes;
	EXPECT_EQ(dec.pgsizes | disp.pgsizes, pgsizes);

	/* 3. Program the IOMMUs: attach each device to its domain */
	test_ioctl_activate(dec.assoc_id);
	test_ioctl_activate(disp.assoc_id);
	test_cmd_domain_stats(dec.assoc_id, false, &st);
	EXPECT_EQ(1, st.domain_stats.out_attach);
	test_cmd_domain_stats(disp.assoc_id, false, &st);
	EXPECT_EQ(1, st.domain_stats.out_attach);

	/*
	 * 4. Two buffers for the DMA engine and the decoder, each 64 KiB
	 *    physically contiguous (2010: one 2 * SZ_64K allocation of 64 KiB
	 *    blocks; here two contiguous allocations).
	 */
	for (i = 0; i < 2; i++)
		buf_alloc(_metadata, self->fd, vcm_out, VCM_PHYS_CONTIG, 0, SZ_64K,
			  &buf_64k[i]);

	/*
	 * 5. A 16 MiB frame for the decoder's output and the display's input,
	 *    in the largest blocks (2010: 1 MiB, 64 KiB and 4 KiB). None below
	 *    64 KiB, so that the lpae-64k device of step 14 can map them too.
	 */
	buf_alloc(_metadata, self->fd, vcm_out, 0, pgsizes & ~(SZ_64K - 1), SZ_16M,
		  frame);

	/*
	 * 6. Program the DMA controller from each buffer's segments. Userspace
	 *    never sees physical addresses, but can see each buffer is one
	 *    64 KiB block.
	 */
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(1, buf_64k[i].nr_blocks);
		EXPECT_EQ(SZ_64K, block_len(&buf_64k[i], 0));
	}

	/*
	 * 7. Reserve device addresses aligned to the buffer sizes. The mail
	 *    reserved 8 * SZ_64K for the 2 * SZ_64K allocation: backing a
	 *    reservation with an allocation of another length is refused.
	 */
	memset(res_8x64k, 0, sizeof(*res_8x64k));
	test_ioctl_reserve(vcm_out, 8 * SZ_64K, SZ_64K, &res_8x64k->addr,
			   &res_8x64k->res_id);
	test_err_back(EINVAL, res_8x64k->res_id, buf_64k[0].phys_id);
	test_ioctl_destroy(res_8x64k->res_id);

	for (i = 0; i < 2; i++) {
		test_ioctl_reserve(vcm_out, SZ_64K, SZ_64K, &buf_64k[i].addr,
				   &buf_64k[i].res_id);
		/* The lowest 64 KiB-aligned addresses above 0x1000 */
		EXPECT_EQ((i + 1) * SZ_64K, buf_64k[i].addr);
	}
	test_ioctl_reserve(vcm_out, SZ_16M, SZ_16M, &frame->addr, &frame->res_id);
	EXPECT_EQ(SZ_16M, frame->addr);

	/* 8. Connect the reservations with the physical allocations */
	for (i = 0; i < 3; i++)
		test_ioctl_back(bufs[i].res_id, bufs[i].phys_id);
	test_ioctl_vcm_info(vcm_out, &info);
	EXPECT_EQ(3, info.out_nr_res);
	EXPECT_EQ(3, info.out_nr_backed);
	for (i = 0; i < 3; i++)
		assert_map(_metadata, self->fd, &bufs[i], 2);

	/*
	 * 9. Program the decoder and the display with the device addresses:
	 *    both use the same ones. The decoder writes a frame; the display
	 *    reads it at both ends, across every block boundary, and whole.
	 */
	exp = xmalloc(_metadata, SZ_16M);
	rd = xmalloc(_metadata, SZ_16M);
	fill_pattern(exp, SZ_16M, 2010, 0);
	test_cmd_dma_write(dec.dev_id, 0, frame->addr, exp, SZ_16M);

	test_cmd_dma_read(disp.dev_id, 0, frame->addr, rd, page_size);
	assert_same(_metadata, exp, rd, page_size, "frame start");
	off = SZ_16M - page_size;
	test_cmd_dma_read(disp.dev_id, 0, frame->addr + off, rd, page_size);
	assert_same(_metadata, exp + off, rd, page_size, "frame end");
	for (i = 0, off = 0; i + 1 < frame->nr_blocks; i++) {
		off += block_len(frame, i);
		test_cmd_dma_read(disp.dev_id, 0, frame->addr + off - page_size,
				  rd, 2 * page_size);
		assert_same(_metadata, exp + off - page_size, rd, 2 * page_size,
			    "block boundary");
	}
	test_cmd_dma_read(disp.dev_id, 0, frame->addr, rd, SZ_16M);
	assert_same(_metadata, exp, rd, SZ_16M, "whole frame");

	/* The DMA engine fills the 64 KiB buffers, the decoder reads them */
	for (i = 0; i < 2; i++) {
		__u8 *wr64 = rd + SZ_1M;

		fill_pattern(wr64, SZ_64K, 64 + i, 0);
		test_cmd_dma_write(disp.dev_id, 0, buf_64k[i].addr, wr64, SZ_64K);
		test_cmd_dma_read(dec.dev_id, 0, buf_64k[i].addr, rd, SZ_64K);
		assert_same(_metadata, wr64, rd, SZ_64K, "64 KiB buffer");
	}

	/*
	 * 10.-13. A kernel mapping of the same memory. The mail built a
	 *    prebuilt kernel VCM, reserved 16 MiB in it and backed that with
	 *    the frame; here VCM_CPU_ACCESS maps the frame for the kernel on
	 *    demand. The kernel reads what the decoder wrote, and what it
	 *    writes across the first block boundary the display reads.
	 */
	test_ioctl_cpu_read(frame->res_id, 0, rd, SZ_16M);
	assert_same(_metadata, exp, rd, SZ_16M, "kernel view");
	off = block_len(frame, 0) - SZ_64K;
	if (frame->nr_blocks == 1)
		off = SZ_1M;
	fill_pattern(exp + off, 2 * SZ_64K, 13, off);
	test_ioctl_cpu_write(frame->res_id, off, exp + off, 2 * SZ_64K);
	test_cmd_dma_read(disp.dev_id, 0, frame->addr, rd, SZ_16M);
	assert_same(_metadata, exp, rd, SZ_16M, "display after kernel write");

	/*
	 * 14. (Not in the mail.) A third device, behind an LPAE 64 KiB-granule
	 *     IOMMU, joins later: its new domain gets every mapping replayed.
	 */
	tdev_assoc(_metadata, self->fd, vcm_out, VCM_MOCK_LPAE_64K, 0, &third);
	test_ioctl_vcm_info(vcm_out, &info);
	EXPECT_EQ(3, info.out_nr_domains);
	EXPECT_EQ(3, info.out_nr_assoc);
	for (i = 0; i < 3; i++)
		assert_map(_metadata, self->fd, &bufs[i], 3);
	test_ioctl_activate(third.assoc_id);
	test_cmd_dma_read(third.dev_id, 0, frame->addr, rd, SZ_16M);
	assert_same(_metadata, exp, rd, SZ_16M, "third device");

	/* Tear down in dependency order; each step succeeds */
	test_ioctl_deactivate(dec.assoc_id);
	test_ioctl_deactivate(disp.assoc_id);
	test_ioctl_deactivate(third.assoc_id);
	for (i = 0; i < 3; i++) {
		test_ioctl_unback(bufs[i].res_id);
		assert_map(_metadata, self->fd, &bufs[i], 3);
		test_ioctl_destroy(bufs[i].res_id);
		test_ioctl_destroy(bufs[i].phys_id);
	}
	test_ioctl_destroy(dec.assoc_id);
	test_ioctl_destroy(disp.assoc_id);
	test_ioctl_destroy(third.assoc_id);
	test_ioctl_vcm_info(vcm_out, &info);
	EXPECT_EQ(0, info.out_nr_res);
	EXPECT_EQ(0, info.out_nr_assoc);
	EXPECT_EQ(0, info.out_nr_domains);
	test_ioctl_destroy(dec.dev_id);
	test_ioctl_destroy(disp.dev_id);
	test_ioctl_destroy(third.dev_id);
	test_ioctl_destroy(vcm_out);
	free(exp);
	free(rd);
	free(bufs);
}

/*
 * A device removed (hot-unplug) while associated, active and backed: its
 * association can no longer be used, every object can still be destroyed,
 * and the other device keeps its view.
 */
TEST_F(vcm, dev_remove)
{
	struct vbuf *b = xmalloc(_metadata, sizeof(*b));
	struct tdev keep, gone;
	struct vcm_info info;
	void *wr, *rd;
	__u32 vcm_id;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	tdev_attach(_metadata, self->fd, vcm_id, VCM_MOCK_LPAE_4K, 0, &keep);
	tdev_attach(_metadata, self->fd, vcm_id, VCM_MOCK_ARMV7S, 0, &gone);
	buf_setup(_metadata, self->fd, vcm_id, 0, SZ_1M, b);
	wr = xmalloc(_metadata, SZ_1M);
	rd = xmalloc(_metadata, SZ_1M);
	fill_pattern(wr, SZ_1M, 5, 0);
	test_ioctl_cpu_write(b->res_id, 0, wr, SZ_1M);

	test_cmd_dev_remove(gone.dev_id);

	/* The association outlives the device, but can do nothing */
	test_err_activate(ENODEV, gone.assoc_id);
	test_err_deactivate(ENODEV, gone.assoc_id);
	test_ioctl_vcm_info(vcm_id, &info);
	EXPECT_EQ(2, info.out_nr_assoc);

	/* The other device is untouched */
	test_cmd_dma_read(keep.dev_id, 0, b->addr, rd, SZ_1M);
	assert_same(_metadata, wr, rd, SZ_1M, "remaining device");

	/* Though it was active, the dead association can be destroyed */
	test_ioctl_destroy(gone.assoc_id);
	test_ioctl_vcm_info(vcm_id, &info);
	EXPECT_EQ(1, info.out_nr_assoc);
	EXPECT_EQ(1, info.out_nr_domains);
	assert_map(_metadata, self->fd, b, 1);
	test_ioctl_destroy(gone.dev_id);

	/* The last device of a VCM removed while backed */
	test_cmd_dev_remove(keep.dev_id);
	test_err_activate(ENODEV, keep.assoc_id);
	test_ioctl_destroy(keep.assoc_id);
	test_ioctl_unback(b->res_id);
	test_ioctl_destroy(b->res_id);
	test_ioctl_destroy(b->phys_id);
	test_ioctl_destroy(keep.dev_id);
	test_ioctl_vcm_info(vcm_id, &info);
	EXPECT_EQ(0, info.out_nr_assoc);
	EXPECT_EQ(0, info.out_nr_domains);
	EXPECT_EQ(0, info.out_nr_res);
	test_ioctl_destroy(vcm_id);
	free(wr);
	free(rd);
	free(b);
}

/*
 * One VCM, one device behind each mock instance in turn, so that the PTE
 * counts are checked for every page-table format.
 */
FIXTURE(vcm_mock)
{
	int fd;
	__u32 vcm_id;
	struct tdev dev;
	__u64 min_pgsize;
	/* 64 KiB, 1 MiB, 16 MiB, and an odd size: 1 MiB + 64 KiB + a page */
	__u64 sizes[4];
};

FIXTURE_VARIANT(vcm_mock)
{
	__u32 instance;
};

FIXTURE_VARIANT_ADD(vcm_mock, armv7s)
{
	.instance = VCM_MOCK_ARMV7S,
};

FIXTURE_VARIANT_ADD(vcm_mock, lpae_4k)
{
	.instance = VCM_MOCK_LPAE_4K,
};

FIXTURE_VARIANT_ADD(vcm_mock, lpae_64k)
{
	.instance = VCM_MOCK_LPAE_64K,
};

FIXTURE_VARIANT_ADD(vcm_mock, vtdss)
{
	.instance = VCM_MOCK_VTDSS,
};

FIXTURE_SETUP(vcm_mock)
{
	self->fd = vcm_open(_metadata);
	test_ioctl_vcm_create(VCM_START, VCM_LEN, &self->vcm_id);
	tdev_attach(_metadata, self->fd, self->vcm_id, variant->instance, 0,
		    &self->dev);
	ASSERT_EQ(mock_pgsizes[variant->instance], self->dev.pgsizes);

	/* The smallest page of the instance: 4 KiB, or 64 KiB for lpae-64k */
	self->min_pgsize = self->dev.pgsizes & -self->dev.pgsizes;
	self->sizes[0] = SZ_64K;
	self->sizes[1] = SZ_1M;
	self->sizes[2] = SZ_16M;
	self->sizes[3] = SZ_1M + SZ_64K + self->min_pgsize;
}

FIXTURE_TEARDOWN(vcm_mock)
{
	if (self->fd != -1)
		EXPECT_EQ(0, close(self->fd));
}

TEST_F(vcm_mock, info)
{
	struct vcm_test_cmd st;
	struct vcm_info info;

	test_ioctl_vcm_info(self->vcm_id, &info);
	EXPECT_EQ(VCM_START, info.out_start);
	EXPECT_EQ(VCM_LEN, info.out_len);
	/* One domain: the VCM's page sizes are exactly the instance's */
	EXPECT_EQ(self->dev.pgsizes, info.out_pgsizes);
	EXPECT_EQ(1, info.out_nr_assoc);
	EXPECT_EQ(1, info.out_nr_domains);
	EXPECT_EQ(0, info.out_nr_res);
	EXPECT_EQ(0, info.out_nr_backed);
	EXPECT_EQ(0, info.out_nr_faults);

	test_cmd_domain_stats(self->dev.assoc_id, false, &st);
	EXPECT_EQ(1, st.domain_stats.out_attach);
	EXPECT_EQ(0, st.domain_stats.out_map_calls);
	EXPECT_EQ(0, st.domain_stats.out_iotlb_sync_map);
	assert_ptes(_metadata, "fresh domain", no_ptes,
		    st.domain_stats.out_ptes_mapped);
}

/* Allocations in the VCM's page sizes: blocks non-increasing, summing up */
TEST_F(vcm_mock, phys_blocks)
{
	struct vbuf *b = xmalloc(_metadata, sizeof(*b));
	__u32 i, j, nr;

	for (i = 0; i < ARRAY_SIZE(self->sizes); i++) {
		buf_alloc(_metadata, self->fd, self->vcm_id, 0, 0, self->sizes[i], b);
		TH_LOG("0x%llx bytes: %u blocks (first order %u, last order %u), %u segments",
		       b->len, b->nr_blocks, b->orders[0],
		       b->orders[b->nr_blocks - 1], b->nr_segments);
		for (j = 0; j < b->nr_blocks; j++)
			ASSERT_LE(self->min_pgsize, block_len(b, j));

		test_ioctl_destroy(b->phys_id);
		nr = MAX_BLOCKS;
		EXPECT_ERRNO(ENOENT, _test_ioctl_phys_segments(self->fd, b->phys_id,
							       &nr, b->orders));
	}
	free(b);
}

/*
 * Back and unback: one IOTLB sync each, exactly the minimal PTE cover, every
 * page translated while backed and none after.
 */
TEST_F(vcm_mock, back_unback_ptes)
{
	struct vbuf *b = xmalloc(_metadata, sizeof(*b));
	__u64 ptes[VCM_TEST_PGSIZE_SLOTS];
	struct vcm_test_cmd st;
	struct vcm_info info;
	__u32 i, j;

	for (i = 0; i < ARRAY_SIZE(self->sizes); i++) {
		buf_alloc(_metadata, self->fd, self->vcm_id, 0, 0, self->sizes[i], b);
		buf_reserve(_metadata, self->fd, self->vcm_id, b);

		test_cmd_domain_stats(self->dev.assoc_id, true, &st);
		test_ioctl_back(b->res_id, b->phys_id);
		check_cover(_metadata, self->fd, &self->dev, b, true, &st);
		memcpy(ptes, st.domain_stats.out_cover, sizeof(ptes));
		for (j = 0; j < VCM_TEST_PGSIZE_SLOTS; j++)
			if (ptes[j])
				TH_LOG("0x%llx at 0x%llx, %u blocks, %u runs: %llu x %llu KiB",
				       b->len, b->addr, b->nr_blocks, b->nr_segments,
				       ptes[j], (SZ_4K << j) / 1024);
		EXPECT_EQ(1, st.domain_stats.out_iotlb_sync_map);
		EXPECT_LE(1, st.domain_stats.out_map_calls);
		EXPECT_EQ(0, st.domain_stats.out_unmap_calls);
		assert_ptes(_metadata, "back", ptes, st.domain_stats.out_ptes_mapped);
		assert_map(_metadata, self->fd, b, 1);
		test_ioctl_vcm_info(self->vcm_id, &info);
		EXPECT_EQ(1, info.out_nr_backed);

		test_ioctl_unback(b->res_id);
		test_cmd_domain_stats(self->dev.assoc_id, true, &st);
		EXPECT_EQ(1, st.domain_stats.out_iotlb_sync);
		EXPECT_EQ(0, st.domain_stats.out_map_calls);
		EXPECT_LE(1, st.domain_stats.out_unmap_calls);
		assert_ptes(_metadata, "unback", ptes,
			    st.domain_stats.out_ptes_unmapped);
		assert_ptes(_metadata, "unback", no_ptes,
			    st.domain_stats.out_ptes_mapped);
		/* Nothing translates any more */
		assert_map(_metadata, self->fd, b, 1);
		test_ioctl_vcm_info(self->vcm_id, &info);
		EXPECT_EQ(0, info.out_nr_backed);

		test_ioctl_destroy(b->res_id);
		test_ioctl_destroy(b->phys_id);
	}
	free(b);
}

/* The dependency rules: -EBUSY and -EINVAL, each changing nothing */
TEST_F(vcm_mock, busy_and_state_errors)
{
	struct vbuf *b = xmalloc(_metadata, 2 * sizeof(*b));
	struct vbuf *small = &b[1];
	struct vcm_test_cmd st;
	struct vcm_info info;
	__u32 res2_id;
	__u64 addr;

	buf_setup(_metadata, self->fd, self->vcm_id, 0, SZ_1M, b);

	test_err_back(EBUSY, b->res_id, b->phys_id);
	test_err_destroy(EBUSY, b->res_id);
	test_err_destroy(EBUSY, b->phys_id);
	test_err_destroy(EBUSY, self->vcm_id);
	test_err_destroy(EBUSY, self->dev.assoc_id);
	test_err_destroy(EBUSY, self->dev.dev_id);
	test_ioctl_vcm_info(self->vcm_id, &info);
	EXPECT_EQ(1, info.out_nr_res);
	EXPECT_EQ(1, info.out_nr_backed);
	EXPECT_EQ(1, info.out_nr_assoc);
	assert_map(_metadata, self->fd, b, 1);

	/* A length mismatch maps nothing */
	buf_alloc(_metadata, self->fd, self->vcm_id, 0, 0, SZ_64K, small);
	test_ioctl_reserve(self->vcm_id, SZ_1M, SZ_1M, &addr, &res2_id);
	test_cmd_domain_stats(self->dev.assoc_id, true, &st);
	test_err_back(EINVAL, res2_id, small->phys_id);
	test_cmd_domain_stats(self->dev.assoc_id, true, &st);
	EXPECT_EQ(0, st.domain_stats.out_map_calls);
	EXPECT_EQ(0, st.domain_stats.out_iotlb_sync_map);
	assert_ptes(_metadata, "refused back", no_ptes,
		    st.domain_stats.out_ptes_mapped);
	test_ioctl_vcm_info(self->vcm_id, &info);
	EXPECT_EQ(1, info.out_nr_backed);

	test_ioctl_unback(b->res_id);
	test_err_unback(EINVAL, b->res_id);
	test_err_unback(EINVAL, res2_id);

	test_ioctl_deactivate(self->dev.assoc_id);
	test_err_deactivate(EINVAL, self->dev.assoc_id);
	/* Inactive but still associated */
	test_err_destroy(EBUSY, self->dev.dev_id);
	test_ioctl_activate(self->dev.assoc_id);
	test_err_activate(EBUSY, self->dev.assoc_id);

	/* Dependency order: every destroy succeeds */
	test_ioctl_destroy(b->res_id);
	test_ioctl_destroy(res2_id);
	test_ioctl_destroy(b->phys_id);
	test_ioctl_destroy(small->phys_id);
	test_err_destroy(EBUSY, self->vcm_id);
	test_ioctl_deactivate(self->dev.assoc_id);
	test_ioctl_destroy(self->dev.assoc_id);
	test_ioctl_vcm_info(self->vcm_id, &info);
	EXPECT_EQ(0, info.out_nr_res);
	EXPECT_EQ(0, info.out_nr_assoc);
	EXPECT_EQ(0, info.out_nr_domains);
	test_ioctl_destroy(self->dev.dev_id);
	test_ioctl_destroy(self->vcm_id);
	free(b);
}

/* Data written by the CPU is read by the device, and the other way round */
TEST_F(vcm_mock, dma_cpu_access)
{
	struct vbuf *b = xmalloc(_metadata, sizeof(*b));
	__u64 len = self->sizes[3], pg = self->min_pgsize;
	__u8 *exp, *cpu, *dma;

	buf_setup(_metadata, self->fd, self->vcm_id, 0, len, b);
	exp = xmalloc(_metadata, len);
	cpu = xmalloc(_metadata, len);
	dma = xmalloc(_metadata, len);

	/* New memory is zeroed, seen from either side */
	test_ioctl_cpu_read(b->res_id, 0, cpu, len);
	assert_zero(_metadata, cpu, len, "CPU view of new memory");
	test_cmd_dma_read(self->dev.dev_id, 0, b->addr, dma, len);
	assert_zero(_metadata, dma, len, "device view of new memory");

	/* CPU writes, device reads */
	fill_pattern(exp, len, 1, 0);
	test_ioctl_cpu_write(b->res_id, 0, exp, len);
	test_cmd_dma_read(self->dev.dev_id, 0, b->addr, dma, len);
	assert_same(_metadata, exp, dma, len, "device read");

	/* Device writes all but the first and last page, CPU reads */
	fill_pattern(exp + pg, len - 2 * pg, 2, pg);
	test_cmd_dma_write(self->dev.dev_id, 0, b->addr + pg, exp + pg, len - 2 * pg);
	test_ioctl_cpu_read(b->res_id, 0, cpu, len);
	assert_same(_metadata, exp, cpu, len, "CPU read");

	/* At an offset */
	test_ioctl_cpu_read(b->res_id, len - pg, cpu, pg);
	assert_same(_metadata, exp + len - pg, cpu, pg, "CPU read at an offset");

	/* Past the end of the reservation */
	EXPECT_EQ(-1, _test_ioctl_cpu_access(self->fd, VCM_CPU_READ, b->res_id,
					     len - pg, cpu, 2 * pg));
	EXPECT_EQ(-1, _test_ioctl_cpu_access(self->fd, VCM_CPU_WRITE, b->res_id,
					     len, cpu, 1));

	/* Not backed */
	test_ioctl_unback(b->res_id);
	EXPECT_EQ(-1, _test_ioctl_cpu_access(self->fd, VCM_CPU_READ, b->res_id, 0,
					     cpu, pg));
	free(exp);
	free(cpu);
	free(dma);
	free(b);
}

/* DMA to an untranslated page faults, and the VCM counts it */
TEST_F(vcm_mock, faults)
{
	struct vbuf *b = xmalloc(_metadata, sizeof(*b));
	__u64 pg = self->min_pgsize;
	struct vcm_info info;
	__u8 *buf;

	buf = xmalloc(_metadata, 2 * pg);
	buf_setup(_metadata, self->fd, self->vcm_id, 0, SZ_1M, b);
	test_cmd_dma_read(self->dev.dev_id, 0, b->addr + pg, buf, pg);
	test_ioctl_vcm_info(self->vcm_id, &info);
	EXPECT_EQ(0, info.out_nr_faults);

	/* One page past the reservation: the first page is fine, then a fault */
	test_err_dma(EFAULT, self->dev.dev_id, 0, false, b->addr + SZ_1M - pg, buf,
		     2 * pg);
	test_ioctl_vcm_info(self->vcm_id, &info);
	EXPECT_EQ(1, info.out_nr_faults);
	EXPECT_EQ(b->addr + SZ_1M, info.out_last_fault);

	test_ioctl_unback(b->res_id);
	test_err_dma(EFAULT, self->dev.dev_id, 0, false, b->addr + pg, buf, pg);
	test_ioctl_vcm_info(self->vcm_id, &info);
	EXPECT_EQ(2, info.out_nr_faults);
	EXPECT_EQ(b->addr + pg, info.out_last_fault);

	test_err_dma(EFAULT, self->dev.dev_id, 0, true, b->addr, buf, pg);
	test_ioctl_vcm_info(self->vcm_id, &info);
	EXPECT_EQ(3, info.out_nr_faults);
	EXPECT_EQ(b->addr, info.out_last_fault);

	/* An injected fault */
	test_cmd_fault(self->dev.dev_id, 0, true, VCM_END - pg);
	test_ioctl_vcm_info(self->vcm_id, &info);
	EXPECT_EQ(4, info.out_nr_faults);
	EXPECT_EQ(VCM_END - pg, info.out_last_fault);
	free(buf);
	free(b);
}

/*
 * VCM_TEST_OP_BENCH measures as well as times: the counters of the mock
 * domains say what one map wrote. The boot gives each format 2 benchmark
 * instances (vcm.bench_instances=2).
 */
TEST_F(vcm, bench_counts)
{
	struct vcm_test_cmd c;
	int buf;

	/* One 2 MiB block: one PTE in each of 2 domains, one sync each way */
	test_cmd_bench(&c, VCM_BENCH_VCM, VCM_MOCK_LPAE_4K, 2, 2, 3, -1, SZ_2M, 0);
	EXPECT_EQ(6, c.bench.out_samples);
	EXPECT_EQ(2, c.bench.out_domains);
	EXPECT_EQ(1, c.bench.out_mock);
	EXPECT_EQ(2, c.bench.out_ptes);
	EXPECT_EQ(2, c.bench.out_cover);
	EXPECT_EQ(4, c.bench.out_iotlb_syncs);
	EXPECT_LT(0, c.bench.out_map_ns);
	EXPECT_LT(0, c.bench.out_unmap_ns);
	EXPECT_LT(0, c.bench.out_map_median_ns);
	EXPECT_LT(0, c.bench.out_unmap_median_ns);

	/* 4 KiB blocks: 512 PTEs per domain, and the cover agrees */
	test_cmd_bench(&c, VCM_BENCH_VCM_4K, VCM_MOCK_VTDSS, 2, 1, 2, -1, SZ_2M, 0);
	EXPECT_EQ(1024, c.bench.out_ptes);
	EXPECT_EQ(1024, c.bench.out_cover);
	EXPECT_EQ(4, c.bench.out_iotlb_syncs);

	/* Raw iommu_map() writes the same PTEs as VCM */
	test_cmd_bench(&c, VCM_BENCH_RAW, VCM_MOCK_ARMV7S, 2, 1, 2, -1, SZ_1M, 0);
	EXPECT_EQ(2, c.bench.out_domains);
	EXPECT_EQ(2, c.bench.out_ptes);
	EXPECT_EQ(2, c.bench.out_cover);
	EXPECT_EQ(4, c.bench.out_iotlb_syncs);

	/* The status quo: each device's own DMA API domain */
	buf = heap_alloc(SZ_1M);
	ASSERT_NE(-1, buf);
	test_cmd_bench(&c, VCM_BENCH_HEAP, VCM_MOCK_LPAE_4K, 2, 1, 2, buf, SZ_1M, 0);
	EXPECT_EQ(2, c.bench.out_domains);
	EXPECT_EQ(1, c.bench.out_mock);
	EXPECT_LE(2 * 256, c.bench.out_ptes);	/* no 2 MiB page fits 1 MiB */
	EXPECT_EQ(c.bench.out_cover, c.bench.out_ptes);
	EXPECT_LT(0, c.bench.out_iotlb_syncs);
	/* The attachments are gone */
	test_err_bench(EINVAL, VCM_BENCH_HEAP, VCM_MOCK_LPAE_4K, 1, 1, 1, buf,
		       SZ_2M, 0);
	EXPECT_EQ(0, close(buf));

	test_cmd_bench(&c, VCM_BENCH_RESERVE, 0, 0, 2, 10, -1, SZ_4K, 100);
	EXPECT_EQ(20, c.bench.out_samples);
	EXPECT_EQ(0, c.bench.out_domains);
	EXPECT_EQ(0, c.bench.out_mock);
}

/* Both edu devices sit behind one platform IOMMU: VCM writes one domain */
TEST_F(vcm, bench_real_iommu)
{
	struct vcm_test_cmd c;
	int buf;

	test_cmd_bench(&c, VCM_BENCH_VCM, VCM_BENCH_EDU, 2, 1, 2, -1, SZ_1M, 0);
	EXPECT_EQ(1, c.bench.out_domains);
	EXPECT_EQ(0, c.bench.out_mock);
	EXPECT_EQ(0, c.bench.out_ptes);

	buf = heap_alloc(SZ_1M);
	ASSERT_NE(-1, buf);
	test_cmd_bench(&c, VCM_BENCH_HEAP, VCM_BENCH_EDU, 2, 1, 2, buf, SZ_1M, 0);
	EXPECT_EQ(2, c.bench.out_domains);
	EXPECT_EQ(0, close(buf));
	test_err_bench(ENODEV, VCM_BENCH_VCM, VCM_BENCH_EDU, 3, 1, 1, -1, SZ_1M, 0);
}

TEST_F(vcm, bench_errors)
{
	int buf = heap_alloc(SZ_1M);

	ASSERT_NE(-1, buf);
	test_err_bench(EINVAL, 0, 0, 1, 1, 1, -1, SZ_1M, 0);
	test_err_bench(EINVAL, VCM_BENCH_RESERVE + 1, 0, 1, 1, 1, -1, SZ_1M, 0);
	test_err_bench(EINVAL, VCM_BENCH_VCM, 0, 0, 1, 1, -1, SZ_1M, 0);
	test_err_bench(EINVAL, VCM_BENCH_VCM, 0, VCM_BENCH_MAX_DEVS + 1, 1, 1, -1,
		       SZ_1M, 0);
	test_err_bench(EINVAL, VCM_BENCH_VCM, 0, 1, 0, 1, -1, SZ_1M, 0);
	test_err_bench(EINVAL, VCM_BENCH_VCM, 0, 1, VCM_BENCH_MAX_THREADS + 1, 1,
		       -1, SZ_1M, 0);
	test_err_bench(EINVAL, VCM_BENCH_VCM, 0, 1, 1, 0, -1, SZ_1M, 0);
	test_err_bench(EINVAL, VCM_BENCH_VCM, 0, 1, 1, VCM_BENCH_MAX_ITERATIONS + 1,
		       -1, SZ_1M, 0);
	test_err_bench(EINVAL, VCM_BENCH_VCM, 0, 1, 1, 1, -1, 0, 0);
	test_err_bench(EINVAL, VCM_BENCH_VCM, 0, 1, 1, 1, -1, SZ_1M + 1, 0);
	test_err_bench(EINVAL, VCM_BENCH_VCM, VCM_MOCK_NR, 1, 1, 1, -1, SZ_1M, 0);
	test_err_bench(EINVAL, VCM_BENCH_VCM, 0, 1, 1, 1, buf, SZ_1M, 0);
	test_err_bench(EINVAL, VCM_BENCH_VCM, 0, 1, 1, 1, -1, SZ_1M, 1);
	test_err_bench(EINVAL, VCM_BENCH_HEAP, 0, 1, 1, 1, -1, SZ_1M, 0);
	/* The DMA API takes no 64 KiB granule on 4 KiB pages */
	test_err_bench(EOPNOTSUPP, VCM_BENCH_HEAP, VCM_MOCK_LPAE_64K, 1, 1, 1, buf,
		       SZ_1M, 0);
	test_err_bench(EINVAL, VCM_BENCH_HEAP, 0, 1, 1, 1, self->fd, SZ_1M, 0);
	test_err_bench(EBADF, VCM_BENCH_HEAP, 0, 1, 1, 1, 1000, SZ_1M, 0);
	test_err_bench(EINVAL, VCM_BENCH_RESERVE, 0, 1, 1, 1, -1, SZ_4K, 0);
	test_err_bench(EINVAL, VCM_BENCH_RESERVE, 1, 0, 1, 1, -1, SZ_4K, 0);
	test_err_bench(EINVAL, VCM_BENCH_RESERVE, 0, 0, 1, 1, -1, SZ_4K,
		       VCM_BENCH_MAX_LIVE + 1);
	/* More devices than the boot made benchmark instances for */
	test_err_bench(ENODEV, VCM_BENCH_VCM, 0, 3, 1, 1, -1, SZ_1M, 0);
	test_err_bench(ENODEV, VCM_BENCH_HEAP, 0, 3, 1, 1, buf, SZ_1M, 0);
	EXPECT_EQ(0, close(buf));
}

TEST_HARNESS_MAIN
