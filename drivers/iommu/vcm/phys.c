// SPDX-License-Identifier: GPL-2.0-only
/*
 * VCM physical allocations: zeroed memory in the largest naturally aligned
 * blocks the IOMMU page sizes allow, largest first ("maximum munch", as the
 * system dma-heap does for 1M/64K/4K), so every block maps with the fewest
 * PTEs and the fewest IOTLB entries.
 */
#include <linux/dma-map-ops.h>
#include <linux/gfp.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "vcm-priv.h"

/* Large blocks are opportunistic: fail fast and fall back to smaller ones. */
#define VCM_HIGH_ORDER_GFP	(((GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN | \
				   __GFP_NORETRY) & ~__GFP_RECLAIM) | __GFP_COMP)
#define VCM_LOW_ORDER_GFP	(GFP_KERNEL | __GFP_ZERO | __GFP_COMP)

/**
 * vcm_phys_orders() - block orders the allocator may use for page sizes
 * @pgsizes: a bitmap of page sizes, as in iommu_domain.pgsize_bitmap
 *
 * Sizes below PAGE_SIZE are dropped, sizes above the buddy allocator's largest
 * block too; PAGE_SIZE itself is always usable, as every IOMMU can map a large
 * page as several small ones only if it has a page size that small.
 *
 * Return: a bitmap of orders (bit n: PAGE_SIZE << n), 0 if none is usable.
 */
unsigned long vcm_phys_orders(unsigned long pgsizes)
{
	unsigned long orders = 0;
	unsigned int bit;

	for_each_set_bit(bit, &pgsizes, BITS_PER_LONG) {
		if (bit < PAGE_SHIFT || bit - PAGE_SHIFT > MAX_PAGE_ORDER)
			continue;
		orders |= BIT(bit - PAGE_SHIFT);
	}
	return orders;
}

/* Free the memory of an allocation made here (not imported), not the struct */
static void vcm_phys_free_blocks(struct vcm_phys *phys)
{
	unsigned int i;

	if (phys->contig) {
		if (phys->nr_blocks)
			free_pages_exact(page_address(phys->blocks[0].page), phys->len);
		return;
	}
	for (i = 0; i < phys->nr_blocks; i++)
		__free_pages(phys->blocks[i].page, phys->blocks[i].order);
}

/* The number of blocks max-munch needs for @len, at most. */
static unsigned int vcm_phys_max_blocks(size_t len, unsigned long orders)
{
	unsigned int smallest = __ffs(orders);

	return len >> (PAGE_SHIFT + smallest);
}

/**
 * vcm_phys_alloc_blocks() - an empty allocation with room for blocks
 * @nr_blocks: entries for vcm_phys.blocks
 *
 * Return: the allocation, its length and blocks still to fill, or NULL.
 */
struct vcm_phys *vcm_phys_alloc_blocks(unsigned int nr_blocks)
{
	struct vcm_phys *phys;

	phys = kvzalloc_flex(*phys, blocks, nr_blocks);
	if (!phys)
		return NULL;
	phys->max_blocks = nr_blocks;
	refcount_set(&phys->users, 1);
	INIT_LIST_HEAD(&phys->backings);
	return phys;
}

static void vcm_phys_release(struct vcm_phys *phys)
{
	if (phys->attach)
		vcm_phys_release_import(phys);
	else
		vcm_phys_free_blocks(phys);
	kvfree(phys);
}

/**
 * __vcm_phys_alloc() - vcm_phys_alloc() from a given zone
 * @len: see vcm_phys_alloc()
 * @pgsizes: see vcm_phys_alloc()
 * @contig: see vcm_phys_alloc()
 * @cache: see vcm_phys_alloc()
 * @zone: 0, GFP_DMA32 or GFP_DMA, for memory that devices without an IOMMU
 *        must reach
 *
 * Return: see vcm_phys_alloc().
 */
struct vcm_phys *__vcm_phys_alloc(size_t len, unsigned long pgsizes, bool contig,
				  enum vcm_cache cache, gfp_t zone)
{
	unsigned long orders = vcm_phys_orders(pgsizes);
	unsigned int nr = 0, max_blocks, order;
	struct vcm_phys *phys;
	size_t left = len;

	if (!orders || !len || cache > VCM_CACHE_UNCACHED)
		return ERR_PTR(-EINVAL);
	if (!IS_ALIGNED(len, PAGE_SIZE << __ffs(orders)))
		return ERR_PTR(-EINVAL);
	if (contig && len > (PAGE_SIZE << MAX_PAGE_ORDER))
		return ERR_PTR(-EINVAL);
	if (len >> PAGE_SHIFT > totalram_pages())
		return ERR_PTR(-ENOMEM);

	max_blocks = contig ? 1 : vcm_phys_max_blocks(len, orders);
	phys = vcm_phys_alloc_blocks(max_blocks);
	if (!phys)
		return ERR_PTR(-ENOMEM);
	phys->len = len;
	phys->contig = contig;
	phys->cache = cache;

	if (contig) {
		void *va = alloc_pages_exact(len, GFP_KERNEL | __GFP_ZERO | zone);

		if (!va)
			goto err;
		phys->blocks[0].page = virt_to_page(va);
		phys->blocks[0].order = get_order(len);
		phys->nr_blocks = 1;
		return phys;
	}

	order = __fls(orders);
	while (left) {
		size_t bsize = PAGE_SIZE << order;
		struct page *page = NULL;

		if (bsize <= left)
			page = alloc_pages((order ? VCM_HIGH_ORDER_GFP :
					    VCM_LOW_ORDER_GFP) | zone, order);
		if (!page && order == __ffs(orders) && bsize <= left)
			page = alloc_pages(VCM_LOW_ORDER_GFP | zone, order);
		if (!page) {
			unsigned long smaller = orders & (BIT(order) - 1);

			if (!smaller)
				goto err;
			order = __fls(smaller);
			continue;
		}
		phys->blocks[nr].page = page;
		phys->blocks[nr].order = order;
		phys->nr_blocks = ++nr;
		left -= bsize;
	}
	return phys;

err:
	vcm_phys_release(phys);
	return ERR_PTR(-ENOMEM);
}

/**
 * vcm_phys_alloc() - allocate zeroed memory in the largest blocks allowed
 * @len: bytes, a non-zero multiple of the smallest allowed block
 * @pgsizes: the block sizes allowed, e.g. vcm_get_pgsizes() of the VCM it
 *           will back
 * @contig: one physically contiguous run (at most 1 << MAX_PAGE_ORDER pages)
 * @cache: the CPU cache attribute of every mapping of it
 *
 * Blocks are taken largest first; a large block that is not available right
 * now is replaced by smaller ones. Each block is naturally aligned, so in a
 * reservation aligned to the largest block every block maps with its own
 * page size. The caller holds the one reference; vcm_phys_free() or
 * vcm_phys_put() drops it.
 *
 * Context: process context, may sleep.
 * Return: the allocation, or ERR_PTR(-EINVAL) for bad arguments,
 * ERR_PTR(-ENOMEM) when memory is short.
 */
struct vcm_phys *vcm_phys_alloc(size_t len, unsigned long pgsizes, bool contig,
				enum vcm_cache cache)
{
	return __vcm_phys_alloc(len, pgsizes, contig, cache, 0);
}

/**
 * vcm_phys_get() - take a reference on a physical allocation
 * @phys: an allocation the caller holds a reference on, or that backs a
 *        reservation whose VCM's lock the caller holds
 *
 * Return: @phys.
 */
struct vcm_phys *vcm_phys_get(struct vcm_phys *phys)
{
	refcount_inc(&phys->users);
	return phys;
}

/**
 * vcm_phys_put() - drop a reference on a physical allocation
 * @phys: the allocation
 *
 * For an owner that goes away whatever still uses the memory (the
 * reservations it backs): it is freed with the last reference. Memory
 * imported from a dma-buf is then given back to its exporter.
 *
 * Context: not under the reservation lock of the dma-buf it was imported
 * from.
 */
void vcm_phys_put(struct vcm_phys *phys)
{
	if (refcount_dec_and_test(&phys->users))
		vcm_phys_release(phys);
}

/**
 * vcm_phys_free() - free a physical allocation nothing uses
 * @phys: the allocation
 *
 * Memory imported from a dma-buf is given back to its exporter: the
 * attachment is unmapped and detached, and the dma-buf reference dropped.
 *
 * Return: 0, or -EBUSY (nothing freed) while it backs a reservation or an
 * importer of an export maps it.
 */
int vcm_phys_free(struct vcm_phys *phys)
{
	if (!refcount_dec_if_one(&phys->users))
		return -EBUSY;
	vcm_phys_release(phys);
	return 0;
}

/**
 * vcm_phys_len() - the length of a physical allocation
 * @phys: the allocation
 *
 * Return: its length in bytes.
 */
size_t vcm_phys_len(struct vcm_phys *phys)
{
	return phys->len;
}

/**
 * vcm_phys_nr_blocks() - the number of blocks of a physical allocation
 * @phys: the allocation
 *
 * Return: how many blocks it was allocated in.
 */
unsigned int vcm_phys_nr_blocks(struct vcm_phys *phys)
{
	return phys->nr_blocks;
}

/**
 * vcm_phys_block_order() - the size of one block
 * @phys: the allocation
 * @i: the block, in device-address order
 *
 * Return: its order; a physically contiguous allocation reports the order of
 * the run it was carved from.
 */
unsigned int vcm_phys_block_order(struct vcm_phys *phys, unsigned int i)
{
	return phys->blocks[i].order;
}

/**
 * vcm_phys_iter_init() - start walking the contiguous runs of an allocation
 * @it: the iterator
 * @phys: the allocation
 */
void vcm_phys_iter_init(struct vcm_phys_iter *it, struct vcm_phys *phys)
{
	it->phys = phys;
	it->block = 0;
}

/**
 * vcm_phys_next_seg() - the next physically contiguous run
 * @it: the iterator
 * @phys: returns the run's physical address
 * @len: returns its length
 *
 * Adjacent blocks that are physically contiguous form one run, so a DMA
 * controller can be programmed with the fewest descriptors.
 *
 * Return: true and a run, or false at the end.
 */
bool vcm_phys_next_seg(struct vcm_phys_iter *it, phys_addr_t *phys, size_t *len)
{
	struct vcm_phys *p = it->phys;
	phys_addr_t start, end;

	if (it->block >= p->nr_blocks)
		return false;
	if (p->contig) {
		it->block = p->nr_blocks;
		*phys = page_to_phys(p->blocks[0].page);
		*len = p->len;
		return true;
	}
	start = page_to_phys(p->blocks[it->block].page);
	end = start + (PAGE_SIZE << p->blocks[it->block].order);
	while (++it->block < p->nr_blocks &&
	       page_to_phys(p->blocks[it->block].page) == end)
		end += PAGE_SIZE << p->blocks[it->block].order;
	*phys = start;
	*len = end - start;
	return true;
}

static void vcm_phys_sync(struct vcm_phys *phys, enum dma_data_direction dir,
			  bool for_device)
{
	struct vcm_phys_iter it;
	phys_addr_t pa;
	size_t len;

	/* Both are empty stubs on cache-coherent architectures. */
	vcm_phys_iter_init(&it, phys);
	while (vcm_phys_next_seg(&it, &pa, &len)) {
		if (for_device)
			arch_sync_dma_for_device(pa, len, dir);
		else
			arch_sync_dma_for_cpu(pa, len, dir);
	}
}

/**
 * vcm_phys_sync_for_device() - make CPU writes visible to devices
 * @phys: the allocation
 * @dir: the direction of the coming DMA
 *
 * Cache maintenance is separate from mapping: a buffer is mapped once and
 * synchronised around each use. A no-op on cache-coherent architectures.
 */
void vcm_phys_sync_for_device(struct vcm_phys *phys, enum dma_data_direction dir)
{
	vcm_phys_sync(phys, dir, true);
}

/**
 * vcm_phys_sync_for_cpu() - make device writes visible to the CPU
 * @phys: the allocation
 * @dir: the direction of the DMA that completed
 *
 * A no-op on cache-coherent architectures.
 */
void vcm_phys_sync_for_cpu(struct vcm_phys *phys, enum dma_data_direction dir)
{
	vcm_phys_sync(phys, dir, false);
}
