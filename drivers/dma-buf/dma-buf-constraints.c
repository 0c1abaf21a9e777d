// SPDX-License-Identifier: GPL-2.0-only
/*
 * dma-buf attacher constraints: what each attached device can reach, merged
 * over all attachments, so that an exporter can choose memory that works for
 * every importer and refuse (or move for) one that comes too late.
 *
 * The rule for an importer that attaches after the exporter chose its memory
 * (the race that sank the 2015 proposal): dma_buf_constraints_attach_check()
 * refuses it with -EBUSY when the memory does not suit it and the exporter
 * cannot move the memory, tells the exporter to move when it can, and refuses
 * with -ERANGE when no memory at all suits every attachment. Exporters that
 * do not call these helpers behave as before.
 */
#include <linux/dma-buf.h>
#include <linux/dma-buf-constraints.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-resv.h>
#include <linux/export.h>
#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/memblock.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>

/**
 * dma_buf_constraints_init() - constraints that any memory meets
 * @c: the constraints to initialise
 *
 * The identity of dma_buf_constraints_merge().
 */
void dma_buf_constraints_init(struct dma_buf_constraints *c)
{
	*c = (struct dma_buf_constraints) {
		.dma_mask = U64_MAX,
		.phys_mask = U64_MAX,
		.segment_boundary_mask = ULONG_MAX,
		.max_segment_size = UINT_MAX,
		.max_segments = UINT_MAX,
		.phys_max_segments = UINT_MAX,
		.alignment = 1,
		.flags = DMA_BUF_CONSTRAINT_TRANSLATED,
	};
}
EXPORT_SYMBOL_NS_GPL(dma_buf_constraints_init, "DMA_BUF");

/**
 * dma_buf_constraints_from_dev() - what a device can reach
 * @c: returns the constraints
 * @dev: the device
 *
 * Reads the DMA mask, the segment limits (when the device has DMA parameters;
 * without them nothing limits a segment), coherency and whether the device is
 * attached to a translating IOMMU domain; then the physical limits follow:
 * behind a translating IOMMU any page will do, without one the memory itself
 * must lie below the DMA mask. What a device structure cannot tell, such as
 * needing one contiguous range, the importer adds.
 *
 * Like dma_get_mask(), this is a snapshot: it does not follow later changes
 * of the device's mask or domain.
 */
void dma_buf_constraints_from_dev(struct dma_buf_constraints *c,
				  struct device *dev)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);

	dma_buf_constraints_init(c);
	c->dma_mask = dma_get_mask(dev);
	if (dev->dma_parms) {
		c->max_segment_size = dma_get_max_seg_size(dev);
		c->segment_boundary_mask = dma_get_seg_boundary(dev);
	}
	if (!domain || !(domain->type & __IOMMU_DOMAIN_PAGING)) {
		c->flags &= ~DMA_BUF_CONSTRAINT_TRANSLATED;
		c->phys_mask = c->dma_mask;
	}
	if (!dev_is_dma_coherent(dev))
		c->flags |= DMA_BUF_CONSTRAINT_NONCOHERENT;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_constraints_from_dev, "DMA_BUF");

/**
 * dma_buf_constraints_set_max_segments() - limit the DMA ranges a device takes
 * @c: constraints from dma_buf_constraints_from_dev()
 * @max_segments: the most contiguous DMA ranges; 1 for a device that needs
 *                the whole buffer as one range
 *
 * For a device without a translating IOMMU a DMA range is a physical one, so
 * this limits the memory's contiguous runs too.
 */
void dma_buf_constraints_set_max_segments(struct dma_buf_constraints *c,
					  unsigned int max_segments)
{
	c->max_segments = max_segments;
	if (!(c->flags & DMA_BUF_CONSTRAINT_TRANSLATED))
		c->phys_max_segments = max_segments;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_constraints_set_max_segments, "DMA_BUF");

/* The longest range one segment can cover without crossing a boundary. */
static u64 dma_buf_constraints_seg_span(const struct dma_buf_constraints *c)
{
	return (u64)c->segment_boundary_mask + 1 ?: U64_MAX;
}

/* Whether some layout of @size bytes satisfies @c. */
static bool dma_buf_constraints_fit(const struct dma_buf_constraints *c,
				    size_t size)
{
	u64 span = dma_buf_constraints_seg_span(c);
	u64 reach;

	if (!size)
		return true;
	if (size - 1 > c->dma_mask || size - 1 > c->phys_mask)
		return false;
	if (c->alignment - 1 > c->dma_mask || c->alignment - 1 > c->phys_mask)
		return false;
	if (check_mul_overflow((u64)c->max_segments, span, &reach))
		reach = U64_MAX;
	if (reach < size)
		return false;
	if (check_mul_overflow((u64)c->phys_max_segments, span, &reach))
		reach = U64_MAX;
	return reach >= size;
}

/**
 * dma_buf_constraints_merge() - intersect constraints
 * @acc: the constraints so far; becomes the intersection
 * @c: the constraints to add
 * @size: the size of the buffer they are for
 *
 * Every limit becomes the stricter of the two; the result is TRANSLATED only
 * if both are, NONCOHERENT if either is.
 *
 * Return: 0, or -ERANGE if no memory of @size bytes satisfies the
 * intersection (@acc is updated all the same), e.g. one device needs a single
 * contiguous range and another one cannot take a segment that long.
 */
int dma_buf_constraints_merge(struct dma_buf_constraints *acc,
			      const struct dma_buf_constraints *c, size_t size)
{
	acc->dma_mask = min(acc->dma_mask, c->dma_mask);
	acc->phys_mask = min(acc->phys_mask, c->phys_mask);
	acc->segment_boundary_mask = min(acc->segment_boundary_mask,
					 c->segment_boundary_mask);
	acc->max_segment_size = min(acc->max_segment_size, c->max_segment_size);
	acc->max_segments = min(acc->max_segments, c->max_segments);
	acc->phys_max_segments = min(acc->phys_max_segments,
				     c->phys_max_segments);
	acc->alignment = max(acc->alignment, c->alignment);
	acc->flags = ((acc->flags & c->flags) & DMA_BUF_CONSTRAINT_TRANSLATED) |
		     ((acc->flags | c->flags) & DMA_BUF_CONSTRAINT_NONCOHERENT);
	return dma_buf_constraints_fit(acc, size) ? 0 : -ERANGE;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_constraints_merge, "DMA_BUF");

/**
 * dma_buf_constraints_get() - the merged constraints of a buffer's attachments
 * @dmabuf: the buffer
 * @extra: an attachment not yet on @dmabuf's list (the one an exporter's
 *         &dma_buf_ops.check_attach is called for), or NULL
 * @merged: returns the intersection over all attachments and @extra
 *
 * Computed from the current attachments on every call, so a detach loosens
 * the result again.
 *
 * Context: the caller holds @dmabuf's reservation lock.
 * Return: 0, or -ERANGE if no memory of the buffer's size satisfies them all.
 */
int dma_buf_constraints_get(struct dma_buf *dmabuf,
			    const struct dma_buf_attachment *extra,
			    struct dma_buf_constraints *merged)
{
	struct dma_buf_attachment *attach;
	int ret = 0;

	dma_resv_assert_held(dmabuf->resv);
	dma_buf_constraints_init(merged);
	list_for_each_entry(attach, &dmabuf->attachments, node) {
		if (dma_buf_constraints_merge(merged, &attach->constraints,
					      dmabuf->size))
			ret = -ERANGE;
	}
	if (extra && dma_buf_constraints_merge(merged, &extra->constraints,
					       dmabuf->size))
		ret = -ERANGE;
	return ret;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_constraints_get, "DMA_BUF");

/**
 * dma_buf_constraints_sgt_ok() - whether memory suits merged constraints
 * @c: merged constraints
 * @sgt: the exporter's table of the memory: its pages (sg_phys()), not a DMA
 *       mapping
 *
 * Checks what the memory itself must meet: every byte below @c->phys_mask,
 * and, when a device without a translating IOMMU is attached, at most
 * @c->phys_max_segments contiguous runs once split at segment boundaries, the
 * first starting aligned to @c->alignment. DMA ranges of translated devices
 * are made by their IOMMU and checked when mapping.
 *
 * Return: true if the memory suits every attachment.
 */
bool dma_buf_constraints_sgt_ok(const struct dma_buf_constraints *c,
				struct sg_table *sgt)
{
	bool direct = !(c->flags & DMA_BUF_CONSTRAINT_TRANSLATED);
	u64 span = dma_buf_constraints_seg_span(c);
	phys_addr_t end = 0;
	unsigned int runs = 0;
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_sg(sgt, sg, i) {
		phys_addr_t pa = sg_phys(sg);

		if (!sg->length)
			continue;
		if ((u64)pa + sg->length - 1 > c->phys_mask)
			return false;
		if (!direct)
			continue;
		if (!runs && !IS_ALIGNED(pa, c->alignment))
			return false;
		/* A new run, or a run going on across a boundary */
		if (!runs || pa != end ||
		    (span != U64_MAX && !(pa & (span - 1))))
			runs++;
		/* Boundaries inside the entry */
		if (span != U64_MAX)
			runs += div64_u64(pa + sg->length - 1, span) -
				div64_u64(pa, span);
		end = pa + sg->length;
	}
	return !direct || runs <= c->phys_max_segments;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_constraints_sgt_ok, "DMA_BUF");

/**
 * dma_buf_constraints_gfp() - the zone to allocate memory for constraints from
 * @c: merged constraints
 *
 * For an exporter that allocates at the first map ("late allocation"), when
 * every attachment so far is known. The zone bounds the memory from above
 * only roughly; check the result with dma_buf_constraints_sgt_ok().
 *
 * Return: 0, GFP_DMA32 or GFP_DMA.
 */
gfp_t dma_buf_constraints_gfp(const struct dma_buf_constraints *c)
{
	if (c->phys_mask >= (u64)PFN_PHYS(max_pfn) - 1)
		return 0;
	if (IS_ENABLED(CONFIG_ZONE_DMA) && c->phys_mask < DMA_BIT_MASK(24))
		return GFP_DMA;
	return IS_ENABLED(CONFIG_ZONE_DMA32) ? GFP_DMA32 : 0;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_constraints_gfp, "DMA_BUF");

/**
 * dma_buf_constraints_attach_check() - the rule for an attach
 * @attach: the attachment an exporter's &dma_buf_ops.check_attach is called
 *          for, not yet on the buffer's list
 * @backing: the exporter's table of the memory it chose, or NULL if it has
 *           not chosen yet (it will allocate at the first map, for every
 *           attachment it has by then)
 * @can_move: whether the exporter can move the memory now (nothing pins it)
 * @merged: returns the constraints of all attachments, @attach included
 *
 * Call it from &dma_buf_ops.check_attach: there the check and the insertion
 * of @attach in the buffer's list are one locked section, so a first map or
 * another attach cannot decide without seeing @attach.
 *
 * Context: the caller holds the buffer's reservation lock.
 * Return: 0 if @attach may attach as things are; 1 if it may once the
 * exporter has moved the memory to memory that suits @merged (and has called
 * dma_buf_invalidate_mappings()); -ERANGE if no memory suits every
 * attachment; -EBUSY if the memory chosen does not suit @attach and cannot
 * move.
 */
int dma_buf_constraints_attach_check(struct dma_buf_attachment *attach,
				     struct sg_table *backing, bool can_move,
				     struct dma_buf_constraints *merged)
{
	int ret;

	ret = dma_buf_constraints_get(attach->dmabuf, attach, merged);
	if (ret)
		return ret;
	if (!backing || dma_buf_constraints_sgt_ok(merged, backing))
		return 0;
	return can_move ? 1 : -EBUSY;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_constraints_attach_check, "DMA_BUF");
