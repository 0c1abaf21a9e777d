/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the devices attached to a dma-buf can reach, so that an exporter can
 * choose (and check) memory that works for all of them.
 */
#ifndef _LINUX_DMA_BUF_CONSTRAINTS_H
#define _LINUX_DMA_BUF_CONSTRAINTS_H

#include <linux/types.h>

struct device;
struct dma_buf;
struct dma_buf_attachment;
struct sg_table;

/* The device sits behind a translating IOMMU. */
#define DMA_BUF_CONSTRAINT_TRANSLATED	BIT(0)
/* The device does not snoop CPU caches: CPU access needs cache maintenance. */
#define DMA_BUF_CONSTRAINT_NONCOHERENT	BIT(1)

/**
 * struct dma_buf_constraints - what one importer, or all of them, can take
 * @dma_mask: the highest DMA address the device can generate
 * @phys_mask: the highest physical address the memory may have; the DMA mask
 *             of a device that does not sit behind a translating IOMMU, all
 *             ones for one that does (its IOMMU maps any page)
 * @segment_boundary_mask: a DMA segment may not cross a multiple of this + 1
 * @max_segment_size: the longest DMA segment
 * @max_segments: the most DMA segments the device takes; 1 if it needs one
 *                contiguous DMA range
 * @phys_max_segments: the most physically contiguous runs the memory may
 *                     have: @max_segments for a device without a translating
 *                     IOMMU, unlimited for one with (its IOMMU makes one DMA
 *                     range of many pages)
 * @alignment: the alignment, a power of two, that the start of the memory and
 *             of its DMA range needs
 * @flags: DMA_BUF_CONSTRAINT_TRANSLATED, DMA_BUF_CONSTRAINT_NONCOHERENT; when
 *         merged, TRANSLATED if every device is, NONCOHERENT if any is
 *
 * dma_buf_constraints_from_dev() derives an importer's constraints from its
 * device; the importer tightens what the device cannot tell (such as
 * dma_buf_constraints_set_max_segments()) and passes them to
 * dma_buf_constrained_attach(). Exporters merge the constraints of all
 * attachments with dma_buf_constraints_get().
 */
struct dma_buf_constraints {
	u64 dma_mask;
	u64 phys_mask;
	unsigned long segment_boundary_mask;
	unsigned int max_segment_size;
	unsigned int max_segments;
	unsigned int phys_max_segments;
	unsigned int alignment;
	u32 flags;
};

void dma_buf_constraints_init(struct dma_buf_constraints *c);
void dma_buf_constraints_from_dev(struct dma_buf_constraints *c,
				  struct device *dev);
void dma_buf_constraints_set_max_segments(struct dma_buf_constraints *c,
					  unsigned int max_segments);
int dma_buf_constraints_merge(struct dma_buf_constraints *acc,
			      const struct dma_buf_constraints *c, size_t size);
int dma_buf_constraints_get(struct dma_buf *dmabuf,
			    const struct dma_buf_attachment *extra,
			    struct dma_buf_constraints *merged);
bool dma_buf_constraints_sgt_ok(const struct dma_buf_constraints *c,
				struct sg_table *sgt);
gfp_t dma_buf_constraints_gfp(const struct dma_buf_constraints *c);
int dma_buf_constraints_attach_check(struct dma_buf_attachment *attach,
				     struct sg_table *backing, bool can_move,
				     struct dma_buf_constraints *merged);

#endif
