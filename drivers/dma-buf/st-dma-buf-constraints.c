// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the dma-buf constraint merge and memory checks.
 */
#include <kunit/test.h>
#include <linux/dma-buf-constraints.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>

static void test_identity(struct kunit *test)
{
	struct dma_buf_constraints acc, c;

	dma_buf_constraints_init(&c);
	c.dma_mask = DMA_BIT_MASK(32);
	c.phys_mask = DMA_BIT_MASK(32);
	c.segment_boundary_mask = SZ_64K - 1;
	c.max_segment_size = SZ_64K;
	c.max_segments = 64;
	c.alignment = SZ_4K;
	c.flags = DMA_BUF_CONSTRAINT_NONCOHERENT;
	dma_buf_constraints_init(&acc);
	KUNIT_EXPECT_EQ(test, dma_buf_constraints_merge(&acc, &c, SZ_1M), 0);
	KUNIT_EXPECT_MEMEQ(test, &acc, &c, sizeof(c));
}

/* The 28-bit edu and a 32-bit device: the stricter mask wins. */
static void test_masks_and_flags(struct kunit *test)
{
	struct dma_buf_constraints acc, a, b;

	dma_buf_constraints_init(&a);
	a.dma_mask = DMA_BIT_MASK(28);
	dma_buf_constraints_init(&b);
	b.dma_mask = DMA_BIT_MASK(32);
	b.phys_mask = DMA_BIT_MASK(32);
	b.flags = DMA_BUF_CONSTRAINT_NONCOHERENT;
	b.alignment = SZ_64K;

	dma_buf_constraints_init(&acc);
	KUNIT_EXPECT_EQ(test, dma_buf_constraints_merge(&acc, &a, SZ_16M), 0);
	KUNIT_EXPECT_TRUE(test, acc.flags & DMA_BUF_CONSTRAINT_TRANSLATED);
	KUNIT_EXPECT_EQ(test, dma_buf_constraints_merge(&acc, &b, SZ_16M), 0);
	KUNIT_EXPECT_EQ(test, acc.dma_mask, DMA_BIT_MASK(28));
	KUNIT_EXPECT_EQ(test, acc.phys_mask, DMA_BIT_MASK(32));
	KUNIT_EXPECT_EQ(test, acc.alignment, SZ_64K);
	/* Translated only if all are, non-coherent if any is */
	KUNIT_EXPECT_EQ(test, acc.flags, DMA_BUF_CONSTRAINT_NONCOHERENT);
}

static void test_max_segments(struct kunit *test)
{
	struct dma_buf_constraints c;

	dma_buf_constraints_init(&c);
	dma_buf_constraints_set_max_segments(&c, 1);
	KUNIT_EXPECT_EQ(test, c.max_segments, 1);
	/* Behind an IOMMU, one DMA range does not need contiguous memory */
	KUNIT_EXPECT_EQ(test, c.phys_max_segments, UINT_MAX);

	c.flags &= ~DMA_BUF_CONSTRAINT_TRANSLATED;
	dma_buf_constraints_set_max_segments(&c, 1);
	KUNIT_EXPECT_EQ(test, c.phys_max_segments, 1);
}

/* A contiguous-only device and a 64 KiB segment boundary: empty for 1 MiB. */
static void test_empty(struct kunit *test)
{
	struct dma_buf_constraints acc, contig, bound;

	dma_buf_constraints_init(&contig);
	dma_buf_constraints_set_max_segments(&contig, 1);
	dma_buf_constraints_init(&bound);
	bound.segment_boundary_mask = SZ_64K - 1;

	dma_buf_constraints_init(&acc);
	KUNIT_EXPECT_EQ(test, dma_buf_constraints_merge(&acc, &contig, SZ_1M), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_constraints_merge(&acc, &bound, SZ_1M), -ERANGE);
	/* The same two agree on a buffer that fits in one segment */
	dma_buf_constraints_init(&acc);
	KUNIT_EXPECT_EQ(test, dma_buf_constraints_merge(&acc, &contig, SZ_64K), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_constraints_merge(&acc, &bound, SZ_64K), 0);

	/* A buffer larger than a device can address */
	dma_buf_constraints_init(&acc);
	bound.dma_mask = DMA_BIT_MASK(20);
	KUNIT_EXPECT_EQ(test, dma_buf_constraints_merge(&acc, &bound, SZ_2M), -ERANGE);
	/* An alignment beyond the mask */
	dma_buf_constraints_init(&acc);
	contig.alignment = SZ_2M;
	KUNIT_EXPECT_EQ(test, dma_buf_constraints_merge(&acc, &contig, SZ_4K), 0);
	KUNIT_EXPECT_EQ(test, dma_buf_constraints_merge(&acc, &bound, SZ_4K), -ERANGE);
}

static void test_sgt(struct kunit *test)
{
	struct dma_buf_constraints c;
	struct sg_table sgt;
	struct page *page;

	/* 16 KiB, naturally aligned, physically contiguous */
	page = alloc_pages(GFP_KERNEL, 2);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, sg_alloc_table(&sgt, 2, GFP_KERNEL), 0);

	/* Two adjacent 8 KiB entries in address order: one run */
	sg_set_page(sgt.sgl, page, SZ_8K, 0);
	sg_set_page(sg_next(sgt.sgl), page + 2, SZ_8K, 0);
	dma_buf_constraints_init(&c);
	c.flags = 0;
	c.phys_max_segments = 1;
	KUNIT_EXPECT_TRUE(test, dma_buf_constraints_sgt_ok(&c, &sgt));
	c.alignment = SZ_16K;
	KUNIT_EXPECT_TRUE(test, dma_buf_constraints_sgt_ok(&c, &sgt));
	/* A boundary inside the run splits it into two segments */
	c.segment_boundary_mask = SZ_8K - 1;
	KUNIT_EXPECT_FALSE(test, dma_buf_constraints_sgt_ok(&c, &sgt));
	c.phys_max_segments = 2;
	KUNIT_EXPECT_TRUE(test, dma_buf_constraints_sgt_ok(&c, &sgt));

	/* The same pages in reverse order: two runs, misaligned start */
	sg_set_page(sgt.sgl, page + 2, SZ_8K, 0);
	sg_set_page(sg_next(sgt.sgl), page, SZ_8K, 0);
	dma_buf_constraints_init(&c);
	c.flags = 0;
	c.phys_max_segments = 1;
	KUNIT_EXPECT_FALSE(test, dma_buf_constraints_sgt_ok(&c, &sgt));
	c.phys_max_segments = 2;
	KUNIT_EXPECT_TRUE(test, dma_buf_constraints_sgt_ok(&c, &sgt));
	c.alignment = SZ_16K;
	KUNIT_EXPECT_FALSE(test, dma_buf_constraints_sgt_ok(&c, &sgt));
	/* Behind an IOMMU none of that matters, only the physical mask */
	c.flags = DMA_BUF_CONSTRAINT_TRANSLATED;
	c.phys_max_segments = 1;
	KUNIT_EXPECT_TRUE(test, dma_buf_constraints_sgt_ok(&c, &sgt));
	c.phys_mask = page_to_phys(page) + SZ_8K - 1;
	KUNIT_EXPECT_FALSE(test, dma_buf_constraints_sgt_ok(&c, &sgt));

	sg_free_table(&sgt);
	__free_pages(page, 2);
}

static void test_gfp(struct kunit *test)
{
	struct dma_buf_constraints c;

	dma_buf_constraints_init(&c);
	KUNIT_EXPECT_TRUE(test, !dma_buf_constraints_gfp(&c));
	c.phys_mask = DMA_BIT_MASK(20);
	KUNIT_EXPECT_TRUE(test, !!dma_buf_constraints_gfp(&c));
}

static struct kunit_case dma_buf_constraints_cases[] = {
	KUNIT_CASE(test_identity),
	KUNIT_CASE(test_masks_and_flags),
	KUNIT_CASE(test_max_segments),
	KUNIT_CASE(test_empty),
	KUNIT_CASE(test_sgt),
	KUNIT_CASE(test_gfp),
	{}
};

static struct kunit_suite dma_buf_constraints_suite = {
	.name = "dma-buf-constraints",
	.test_cases = dma_buf_constraints_cases,
};

kunit_test_suite(dma_buf_constraints_suite);

MODULE_DESCRIPTION("KUnit tests for dma-buf attacher constraints");
MODULE_LICENSE("GPL");
