// SPDX-License-Identifier: GPL-2.0-only
/*
 * A dma-buf as VCM memory: a dma-buf becomes a physical allocation that can
 * back reservations in any VCM. The VCM attaches as a dynamic importer with a
 * DMA-direct device of its own, so the DMA addresses it gets are physical
 * addresses; if the exporter invalidates the mapping, every reservation it
 * backs is unmapped from every domain (revoked) until unbacked.
 *
 * Lock order: the dma-buf's reservation lock, then vcm->lock.
 */
#include <linux/device/faux.h>
#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/dma-resv.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

#include "vcm-priv.h"

MODULE_IMPORT_NS("DMA_BUF");

/* The device the VCM imports with: no IOMMU, so DMA addresses are physical. */
static struct faux_device *vcm_import_fdev;

static void vcm_import_invalidate(struct dma_buf_attachment *attach)
{
	struct vcm_phys *phys = attach->importer_priv;

	if (!phys || !phys->sgt)
		return;
	vcm_phys_revoke(phys);
	dma_buf_unmap_attachment(attach, phys->sgt, DMA_BIDIRECTIONAL);
	phys->sgt = NULL;
}

static const struct dma_buf_attach_ops vcm_import_ops = {
	.invalidate_mappings = vcm_import_invalidate,
};

/*
 * Physical runs of @sgt as naturally aligned blocks; the count if !@phys.
 * The table must cover exactly @size bytes: one that maps more or less than
 * the dma-buf's size is refused, as the reservation it backs has that size.
 */
static int vcm_import_blocks(struct device *dev, struct sg_table *sgt,
			     size_t size, struct vcm_phys *phys)
{
	struct scatterlist *sg;
	unsigned int i, n = 0;
	size_t total = 0;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		phys_addr_t pa = dma_to_phys(dev, sg_dma_address(sg));
		size_t len = sg_dma_len(sg);

		if (!PAGE_ALIGNED(pa) || !PAGE_ALIGNED(len) ||
		    swiotlb_find_pool(dev, pa) || len > size - total)
			return -EINVAL;
		total += len;
		while (len) {
			unsigned long pfn = PHYS_PFN(pa);
			unsigned int order = MAX_PAGE_ORDER;

			if (pfn)
				order = min_t(unsigned int, order, __ffs(pfn));
			order = min_t(unsigned int, order, ilog2(len >> PAGE_SHIFT));

			if (!pfn_valid(pfn) || !pfn_valid(pfn + (1UL << order) - 1))
				return -EINVAL;
			if (phys) {
				if (n >= phys->max_blocks)
					return -EINVAL;
				phys->blocks[n].page = pfn_to_page(pfn);
				phys->blocks[n].order = order;
			}
			n++;
			pa += PAGE_SIZE << order;
			len -= PAGE_SIZE << order;
		}
	}
	return total == size ? n : -EINVAL;
}

/**
 * vcm_phys_import() - make the memory of a dma-buf a physical allocation
 * @dmabuf: the dma-buf; the allocation takes its own reference
 *
 * Attaches as a dynamic importer and maps the dma-buf once; vcm_back() then
 * maps its memory into every domain of a VCM with the largest page sizes its
 * runs allow. vcm_phys_free() or vcm_phys_put() gives it back. If the
 * exporter invalidates the mapping, the reservations it backs are unmapped
 * from every domain and vcm_back() with it fails with -ENODEV.
 *
 * Return: the allocation, or ERR_PTR: -EINVAL (not whole pages of RAM, or a
 * table that does not cover exactly the dma-buf's size), -ENODEV (no
 * importer device), or the exporter's error.
 */
struct vcm_phys *vcm_phys_import(struct dma_buf *dmabuf)
{
	struct dma_buf_attachment *attach;
	struct vcm_phys *phys = NULL;
	struct sg_table *sgt;
	struct device *dev;
	long timeout;
	int n, ret;

	if (!vcm_import_fdev)
		return ERR_PTR(-ENODEV);
	dev = &vcm_import_fdev->dev;
	attach = dma_buf_dynamic_attach(dmabuf, dev, &vcm_import_ops, NULL);
	if (IS_ERR(attach))
		return ERR_CAST(attach);
	get_dma_buf(dmabuf);

	dma_resv_lock(dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto err_unlock;
	}
	/* A dynamic importer waits for the exporter's moves to finish */
	timeout = dma_resv_wait_timeout(dmabuf->resv, DMA_RESV_USAGE_KERNEL,
					true, MAX_SCHEDULE_TIMEOUT);
	if (timeout < 0) {
		ret = timeout;
		goto err_unmap;
	}
	n = vcm_import_blocks(dev, sgt, dmabuf->size, NULL);
	if (n <= 0) {
		ret = n ?: -EINVAL;
		goto err_unmap;
	}
	phys = vcm_phys_alloc_blocks(n);
	if (!phys) {
		ret = -ENOMEM;
		goto err_unmap;
	}
	ret = vcm_import_blocks(dev, sgt, dmabuf->size, phys);
	if (ret < 0)
		goto err_unmap;
	phys->nr_blocks = n;
	phys->len = dmabuf->size;
	phys->cache = VCM_CACHE_WB;
	phys->attach = attach;
	phys->sgt = sgt;
	attach->importer_priv = phys;
	dma_resv_unlock(dmabuf->resv);
	return phys;

err_unmap:
	dma_buf_unmap_attachment(attach, sgt, DMA_BIDIRECTIONAL);
err_unlock:
	dma_resv_unlock(dmabuf->resv);
	kvfree(phys);	/* never published: no reference to drop */
	dma_buf_detach(dmabuf, attach);
	dma_buf_put(dmabuf);
	return ERR_PTR(ret);
}

/**
 * vcm_phys_is_imported() - whether an allocation's memory is a dma-buf's
 * @phys: the allocation
 *
 * Return: true for vcm_phys_import() memory.
 */
bool vcm_phys_is_imported(struct vcm_phys *phys)
{
	return phys->attach;
}

/**
 * vcm_phys_release_import() - give imported memory back to its exporter
 * @phys: from vcm_phys_import(), backing nothing
 */
void vcm_phys_release_import(struct vcm_phys *phys)
{
	struct dma_buf_attachment *attach = phys->attach;
	struct dma_buf *dmabuf = attach->dmabuf;

	dma_resv_lock(dmabuf->resv, NULL);
	if (phys->sgt)
		dma_buf_unmap_attachment(attach, phys->sgt, DMA_BIDIRECTIONAL);
	phys->sgt = NULL;
	attach->importer_priv = NULL;
	dma_resv_unlock(dmabuf->resv);
	dma_buf_detach(dmabuf, attach);
	dma_buf_put(dmabuf);
}

static int __init vcm_dmabuf_init(void)
{
	struct faux_device *fdev;

	fdev = faux_device_create("vcm-import", NULL, NULL);
	if (!fdev)
		return -ENODEV;
	dma_coerce_mask_and_coherent(&fdev->dev, DMA_BIT_MASK(64));
	vcm_import_fdev = fdev;
	return 0;
}
device_initcall(vcm_dmabuf_init);
