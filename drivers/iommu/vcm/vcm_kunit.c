// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the VCM core's logic: which blocks "maximum munch" takes for
 * each IOMMU page-size set, and where aligned reservations land.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sizes.h>

#include "vcm-priv.h"

/*
 * The page-size sets of the formats VCM is tested with, as bits (the SZ_*
 * constants below are lengths, and are added).
 */
#define PGSIZES_ARMV7S	(BIT(12) | BIT(16) | BIT(20) | BIT(24))	/* 4K 64K 1M 16M */
#define PGSIZES_VTD	(BIT(12) | BIT(21) | BIT(30))		/* 4K 2M 1G */
#define PGSIZES_LPAE64K	(BIT(16) | BIT(29))			/* 64K 512M */

static void vcm_test_orders(struct kunit *test)
{
	/* Sizes the buddy allocator cannot hand out in one block are dropped. */
	KUNIT_EXPECT_EQ(test, vcm_phys_orders(PGSIZES_ARMV7S),
			BIT(0) | BIT(4) | BIT(8));
	KUNIT_EXPECT_EQ(test, vcm_phys_orders(PGSIZES_VTD), BIT(0) | BIT(9));
	KUNIT_EXPECT_EQ(test, vcm_phys_orders(PGSIZES_LPAE64K), BIT(4));
	KUNIT_EXPECT_EQ(test, vcm_phys_orders(SZ_2K), 0);
	KUNIT_EXPECT_EQ(test, vcm_phys_orders(BIT(11) | BIT(12)), BIT(0));
}

struct vcm_munch_case {
	const char *name;
	unsigned long pgsizes;
	size_t len;
	/* expected block counts by order, largest first, when memory is plentiful */
	unsigned int order[3];
	unsigned int count[3];
};

static const struct vcm_munch_case vcm_munch_cases[] = {
	{ "armv7s 16M+1M+64K+4K", PGSIZES_ARMV7S, SZ_16M + SZ_1M + SZ_64K + SZ_4K,
	  { 8, 4, 0 }, { 17, 1, 1 } },
	{ "vtd 5M+8K", PGSIZES_VTD, SZ_4M + SZ_1M + SZ_8K, { 9, 0, 0 }, { 2, 258, 0 } },
	{ "lpae64k 1M+64K", PGSIZES_LPAE64K, SZ_1M + SZ_64K, { 4, 0, 0 }, { 17, 0, 0 } },
	{ "armv7s 64K", PGSIZES_ARMV7S, SZ_64K, { 4, 0, 0 }, { 1, 0, 0 } },
};

static void vcm_munch_desc(const struct vcm_munch_case *t, char *desc)
{
	strscpy(desc, t->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(vcm_munch, vcm_munch_cases, vcm_munch_desc);

static void vcm_test_max_munch(struct kunit *test)
{
	const struct vcm_munch_case *t = test->param_value;
	unsigned int i, n, c, expected = 0;
	struct vcm_phys *phys;
	size_t total = 0;
	u8 *va;

	phys = vcm_phys_alloc(t->len, t->pgsizes, false, VCM_CACHE_WB);
	KUNIT_ASSERT_FALSE(test, IS_ERR(phys));

	n = vcm_phys_nr_blocks(phys);
	for (i = 0; i < n; i++) {
		unsigned int order = vcm_phys_block_order(phys, i);
		phys_addr_t pa = page_to_phys(phys->blocks[i].page);

		total += PAGE_SIZE << order;
		/* Largest first, each block naturally aligned, zeroed. */
		if (i)
			KUNIT_EXPECT_LE(test, order, vcm_phys_block_order(phys, i - 1));
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED(pa, PAGE_SIZE << order));
		KUNIT_EXPECT_TRUE(test, t->pgsizes & (PAGE_SIZE << order));
		va = page_address(phys->blocks[i].page);
		KUNIT_EXPECT_EQ(test, va[0] | va[(PAGE_SIZE << order) - 1], 0);
	}
	KUNIT_EXPECT_EQ(test, total, t->len);

	/*
	 * With memory to spare in the test VM every large block is available,
	 * so the exact max-munch split is expected.
	 */
	for (c = 0; c < ARRAY_SIZE(t->count); c++) {
		unsigned int got = 0;

		if (!t->count[c])
			continue;
		for (i = 0; i < n; i++)
			got += vcm_phys_block_order(phys, i) == t->order[c];
		KUNIT_EXPECT_EQ_MSG(test, got, t->count[c], "order %u", t->order[c]);
		expected += t->count[c];
	}
	KUNIT_EXPECT_EQ(test, n, expected);
	KUNIT_EXPECT_EQ(test, vcm_phys_free(phys), 0);
}

static void vcm_test_phys_contig(struct kunit *test)
{
	struct vcm_phys_iter it;
	struct vcm_phys *phys;
	phys_addr_t pa;
	size_t len;

	phys = vcm_phys_alloc(SZ_64K + SZ_4K, PGSIZES_ARMV7S, true, VCM_CACHE_WB);
	KUNIT_ASSERT_FALSE(test, IS_ERR(phys));
	vcm_phys_iter_init(&it, phys);
	KUNIT_ASSERT_TRUE(test, vcm_phys_next_seg(&it, &pa, &len));
	KUNIT_EXPECT_EQ(test, len, SZ_64K + SZ_4K);
	KUNIT_EXPECT_FALSE(test, vcm_phys_next_seg(&it, &pa, &len));
	KUNIT_EXPECT_EQ(test, vcm_phys_free(phys), 0);
}

static void vcm_test_phys_errors(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_phys_alloc(0, PGSIZES_VTD, false, 0)), -EINVAL);
	/* Not a multiple of the smallest block. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_phys_alloc(SZ_4K, PGSIZES_LPAE64K, false, 0)),
			-EINVAL);
	/* No usable block size. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_phys_alloc(SZ_4K, SZ_2K, false, 0)), -EINVAL);
	/* Contiguous beyond the buddy allocator's largest block. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_phys_alloc(SZ_16M, PGSIZES_VTD, true, 0)),
			-EINVAL);
	/* More than the machine has. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_phys_alloc(SZ_1G * 64UL, PGSIZES_VTD, false, 0)),
			-ENOMEM);
}

static void vcm_test_reserve_aligned(struct kunit *test)
{
	const int rw = IOMMU_READ | IOMMU_WRITE;
	struct vcm_res *a, *b, *c, *d;
	struct vcm *vcm;

	/* The 2010 example's address space. */
	vcm = vcm_create(0x1000, SZ_128M);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vcm));

	a = vcm_reserve(vcm, SZ_64K, SZ_64K, rw);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_EXPECT_EQ(test, vcm_res_addr(a), 0x10000);
	b = vcm_reserve(vcm, SZ_16M, SZ_16M, rw);
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_EQ(test, vcm_res_addr(b), SZ_16M);
	/* The lowest free page goes to an unaligned request. */
	c = vcm_reserve(vcm, SZ_4K, 0, rw);
	KUNIT_ASSERT_FALSE(test, IS_ERR(c));
	KUNIT_EXPECT_EQ(test, vcm_res_addr(c), 0x1000);
	/* Overlaps and ranges outside the VCM. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_reserve_at(vcm, SZ_16M + SZ_4K, SZ_4K, rw)),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_reserve_at(vcm, 0, SZ_4K, rw)), -ERANGE);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_reserve_at(vcm, SZ_128M, SZ_8K, rw)), -ERANGE);
	/* Bad alignment requests. */
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_reserve(vcm, SZ_4K, SZ_2G, rw)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_reserve(vcm, SZ_4K, 3 * SZ_4K, rw)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_reserve(vcm, SZ_4K, SZ_4K, 0)), -EINVAL);
	/* 64 MiB aligned: the only aligned slot left is at 64 MiB. */
	d = vcm_reserve(vcm, SZ_32M, SZ_64M, rw);
	KUNIT_ASSERT_FALSE(test, IS_ERR(d));
	KUNIT_EXPECT_EQ(test, vcm_res_addr(d), SZ_64M);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_reserve(vcm, SZ_64M, SZ_64M, rw)), -ENOSPC);

	KUNIT_EXPECT_EQ(test, vcm_free(vcm), -EBUSY);
	KUNIT_EXPECT_EQ(test, vcm_unreserve(a), 0);
	KUNIT_EXPECT_EQ(test, vcm_unreserve(b), 0);
	KUNIT_EXPECT_EQ(test, vcm_unreserve(c), 0);
	KUNIT_EXPECT_EQ(test, vcm_unreserve(d), 0);
	KUNIT_EXPECT_EQ(test, vcm_free(vcm), 0);
}

/* A gap that fits the aligned range exactly, but not range + alignment. */
static void vcm_test_reserve_tight_gap(struct kunit *test)
{
	const int rw = IOMMU_READ | IOMMU_WRITE;
	struct vcm_res *lo, *hi, *r;
	struct vcm *vcm;

	vcm = vcm_create(0, SZ_8M);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vcm));
	lo = vcm_reserve_at(vcm, 0, SZ_2M, rw);
	hi = vcm_reserve_at(vcm, SZ_4M, SZ_4M, rw);
	KUNIT_ASSERT_FALSE(test, IS_ERR(lo));
	KUNIT_ASSERT_FALSE(test, IS_ERR(hi));

	r = vcm_reserve(vcm, SZ_2M, SZ_2M, rw);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, vcm_res_addr(r), SZ_2M);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_reserve(vcm, SZ_4K, 0, rw)), -ENOSPC);

	KUNIT_EXPECT_EQ(test, vcm_unreserve(r), 0);
	/* Shift the gap off alignment: 2 MiB free at 1 MiB holds no aligned 2 MiB. */
	KUNIT_EXPECT_EQ(test, vcm_unreserve(lo), 0);
	lo = vcm_reserve_at(vcm, 0, SZ_1M, rw);
	KUNIT_ASSERT_FALSE(test, IS_ERR(lo));
	r = vcm_reserve_at(vcm, SZ_3M, SZ_1M, rw);
	KUNIT_ASSERT_FALSE(test, IS_ERR(r));
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_reserve(vcm, SZ_2M, SZ_2M, rw)), -ENOSPC);
	KUNIT_EXPECT_EQ(test, vcm_unreserve(r), 0);
	KUNIT_EXPECT_EQ(test, vcm_unreserve(lo), 0);
	KUNIT_EXPECT_EQ(test, vcm_unreserve(hi), 0);
	KUNIT_EXPECT_EQ(test, vcm_free(vcm), 0);
}

/* Many live reservations: placement stays lowest-fit and exact. */
static void vcm_test_reserve_many(struct kunit *test)
{
	const unsigned int n = 4096;
	struct vcm_res **res;
	struct vcm *vcm;
	unsigned int i;

	res = kunit_kcalloc(test, n, sizeof(*res), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, res);
	vcm = vcm_create(0, (u64)n * 2 * SZ_64K);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vcm));
	for (i = 0; i < n; i++) {
		res[i] = vcm_reserve(vcm, SZ_64K, SZ_64K, IOMMU_READ);
		KUNIT_ASSERT_FALSE(test, IS_ERR(res[i]));
		KUNIT_EXPECT_EQ(test, vcm_res_addr(res[i]), (u64)i * SZ_64K);
	}
	/* Free every other one: a 128 KiB aligned request must go past them all. */
	for (i = 0; i < n; i += 2)
		KUNIT_EXPECT_EQ(test, vcm_unreserve(res[i]), 0);
	res[0] = vcm_reserve(vcm, SZ_128K, SZ_128K, IOMMU_READ);
	KUNIT_ASSERT_FALSE(test, IS_ERR(res[0]));
	KUNIT_EXPECT_EQ(test, vcm_res_addr(res[0]), (u64)n * SZ_64K);
	/* A 64 KiB one takes the lowest hole. */
	res[2] = vcm_reserve(vcm, SZ_64K, 0, IOMMU_READ);
	KUNIT_ASSERT_FALSE(test, IS_ERR(res[2]));
	KUNIT_EXPECT_EQ(test, vcm_res_addr(res[2]), 0);

	KUNIT_EXPECT_EQ(test, vcm_unreserve(res[0]), 0);
	KUNIT_EXPECT_EQ(test, vcm_unreserve(res[2]), 0);
	for (i = 1; i < n; i += 2)
		KUNIT_EXPECT_EQ(test, vcm_unreserve(res[i]), 0);
	KUNIT_EXPECT_EQ(test, vcm_free(vcm), 0);
}

static void vcm_test_create_errors(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_create(0, 0)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_create(0x800, SZ_1M)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_create(0, SZ_1M + 1)), -EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcm_create(U64_MAX - SZ_1M + 1, SZ_2M)), -EINVAL);
}

#if IS_ENABLED(CONFIG_VCM_TEST)
static u64 vcm_test_ptes(const u64 *slots)
{
	u64 n = 0;
	int i;

	for (i = 0; i < VCM_TEST_PGSIZE_SLOTS; i++)
		n += slots[i];
	return n;
}

/*
 * All or nothing across domains: a back that fails in the second domain
 * unmaps the first again, leaves the reservation unbacked and the allocation
 * free to go, and the same back succeeds once the failure is gone.
 */
static void vcm_test_back_unwind(struct kunit *test)
{
	const int rw = IOMMU_READ | IOMMU_WRITE;
	struct iommu_domain *dom[2];
	struct vcm_mock_stats *st;
	struct vcm_assoc *a[2];
	struct device *dev[2];
	struct vcm_phys *phys;
	struct vcm_res *res;
	struct vcm *vcm;
	size_t off;
	int i;

	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	dev[0] = vcm_mock_dev_create(VCM_MOCK_ARMV7S, 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev[0]));
	dev[1] = vcm_mock_dev_create(VCM_MOCK_LPAE_4K, 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev[1]));
	vcm = vcm_create(SZ_1M, SZ_64M);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vcm));
	for (i = 0; i < 2; i++) {
		a[i] = vcm_assoc(vcm, dev[i], IOMMU_NO_PASID);
		KUNIT_ASSERT_FALSE(test, IS_ERR(a[i]));
		dom[i] = vcm_assoc_get_domain(a[i]);
	}
	res = vcm_reserve(vcm, SZ_4M, SZ_2M, rw);
	KUNIT_ASSERT_FALSE(test, IS_ERR(res));
	phys = vcm_phys_alloc(SZ_4M, vcm_get_pgsizes(vcm), false, VCM_CACHE_WB);
	KUNIT_ASSERT_FALSE(test, IS_ERR(phys));

	KUNIT_EXPECT_EQ(test, vcm_mock_domain_fail_map(dom[1], 0), 0);
	KUNIT_EXPECT_EQ(test, vcm_back(res, phys), -ENOMEM);
	KUNIT_EXPECT_NULL(test, vcm_res_phys(res));
	for (off = 0; off < SZ_4M; off += SZ_64K) {
		KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(dom[0], vcm_res_addr(res) + off), 0);
		KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(dom[1], vcm_res_addr(res) + off), 0);
	}
	/* The first domain was mapped, then unmapped: every PTE cleared again. */
	KUNIT_EXPECT_EQ(test, vcm_mock_domain_stats(dom[0], st, true), 0);
	KUNIT_EXPECT_GT(test, vcm_test_ptes(st->ptes_mapped), 0);
	KUNIT_EXPECT_EQ(test, vcm_test_ptes(st->ptes_mapped),
			vcm_test_ptes(st->ptes_unmapped));
	KUNIT_EXPECT_EQ(test, vcm_mock_domain_stats(dom[1], st, true), 0);
	KUNIT_EXPECT_EQ(test, vcm_test_ptes(st->ptes_mapped), 0);

	KUNIT_EXPECT_EQ(test, vcm_mock_domain_fail_map(dom[1], -1), 0);
	KUNIT_EXPECT_EQ(test, vcm_back(res, phys), 0);
	KUNIT_EXPECT_EQ(test, vcm_phys_free(phys), -EBUSY);
	for (off = 0; off < SZ_4M; off += SZ_64K)
		KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(dom[0], vcm_res_addr(res) + off),
				iommu_iova_to_phys(dom[1], vcm_res_addr(res) + off));
	KUNIT_EXPECT_NE(test, iommu_iova_to_phys(dom[0], vcm_res_addr(res)), 0);

	KUNIT_EXPECT_EQ(test, vcm_unback(res), 0);
	KUNIT_EXPECT_EQ(test, vcm_phys_free(phys), 0);
	KUNIT_EXPECT_EQ(test, vcm_unreserve(res), 0);
	for (i = 0; i < 2; i++) {
		vcm_assoc_put_domain(a[i], dom[i]);
		KUNIT_EXPECT_EQ(test, vcm_deassoc(a[i]), 0);
	}
	KUNIT_EXPECT_EQ(test, vcm_free(vcm), 0);
	for (i = 0; i < 2; i++)
		vcm_mock_dev_destroy(dev[i]);
}

/* Handlers and cookies that vcm_test_fault_pair() installs in pairs */
static int vcm_test_cookies[2];
static atomic_t vcm_test_torn;

static int vcm_test_fault_h0(struct vcm *vcm, struct device *dev, u64 addr,
			     int flags, void *data)
{
	if (data != &vcm_test_cookies[0])
		atomic_inc(&vcm_test_torn);
	return 0;
}

static int vcm_test_fault_h1(struct vcm *vcm, struct device *dev, u64 addr,
			     int flags, void *data)
{
	if (data != &vcm_test_cookies[1])
		atomic_inc(&vcm_test_torn);
	return 0;
}

static int vcm_test_fault_toggle(void *p)
{
	struct vcm *vcm = p;

	while (!kthread_should_stop()) {
		vcm_set_fault_handler(vcm, vcm_test_fault_h0, &vcm_test_cookies[0]);
		vcm_set_fault_handler(vcm, vcm_test_fault_h1, &vcm_test_cookies[1]);
	}
	return 0;
}

/*
 * A fault handler and its cookie change together: a fault reported while
 * another thread replaces them sees the old pair or the new one, never the
 * new cookie with the old handler. The window between the two is widened.
 */
static void vcm_test_fault_pair(struct kunit *test)
{
	struct task_struct *toggler;
	struct vcm_assoc *assoc;
	struct device *dev;
	struct vcm *vcm;
	int i;

	dev = vcm_mock_dev_create(VCM_MOCK_LPAE_4K, 0, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dev));
	vcm = vcm_create(SZ_1M, SZ_64M);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vcm));
	assoc = vcm_assoc(vcm, dev, IOMMU_NO_PASID);
	KUNIT_ASSERT_FALSE(test, IS_ERR(assoc));
	KUNIT_ASSERT_EQ(test, vcm_activate(assoc), 0);
	vcm_set_fault_handler(vcm, vcm_test_fault_h0, &vcm_test_cookies[0]);
	atomic_set(&vcm_test_torn, 0);

	vcm_test_window_set(VCM_WINDOW_FAULT_HANDLER, 1000);
	toggler = kthread_run(vcm_test_fault_toggle, vcm, "vcm-kunit-fault");
	KUNIT_ASSERT_FALSE(test, IS_ERR(toggler));
	for (i = 0; i < 100; i++) {
		KUNIT_EXPECT_EQ(test, vcm_mock_fault(dev, 0, SZ_1M, false), 0);
		usleep_range(300, 700);
	}
	kthread_stop(toggler);
	vcm_test_window_set(VCM_WINDOW_FAULT_HANDLER, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&vcm_test_torn), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&vcm->nr_faults), 100);

	vcm_set_fault_handler(vcm, NULL, NULL);
	KUNIT_EXPECT_EQ(test, vcm_deactivate(assoc), 0);
	KUNIT_EXPECT_EQ(test, vcm_deassoc(assoc), 0);
	KUNIT_EXPECT_EQ(test, vcm_free(vcm), 0);
	vcm_mock_dev_destroy(dev);
}
#endif

static struct kunit_case vcm_test_cases[] = {
	KUNIT_CASE(vcm_test_orders),
	KUNIT_CASE_PARAM(vcm_test_max_munch, vcm_munch_gen_params),
	KUNIT_CASE(vcm_test_phys_contig),
	KUNIT_CASE(vcm_test_phys_errors),
	KUNIT_CASE(vcm_test_create_errors),
	KUNIT_CASE(vcm_test_reserve_aligned),
	KUNIT_CASE(vcm_test_reserve_tight_gap),
	KUNIT_CASE(vcm_test_reserve_many),
#if IS_ENABLED(CONFIG_VCM_TEST)
	KUNIT_CASE(vcm_test_back_unwind),
	KUNIT_CASE(vcm_test_fault_pair),
#endif
	{}
};

static struct kunit_suite vcm_test_suite = {
	.name = "vcm",
	.test_cases = vcm_test_cases,
};

kunit_test_suite(vcm_test_suite);

MODULE_DESCRIPTION("KUnit tests for the VCM core");
MODULE_LICENSE("GPL");
