// SPDX-License-Identifier: GPL-2.0-only
/*
 * VCM and dma-buf, both ways.
 *
 * Export: a reservation becomes a dma-buf. An importer whose device is
 * associated with the reservation's VCM gets the reservation's device
 * address and no new IOMMU mapping; any other importer gets a DMA-API
 * mapping of the memory for its device. An export of an unbacked reservation
 * allocates its memory at the first map for the constraints of every
 * attachment so far; a movable one moves it for a stricter importer that
 * attaches later (struct dma_buf_constraints has the rules).
 *
 * Import: a dma-buf becomes a physical allocation that can back reservations
 * in any VCM. The VCM attaches as a dynamic importer with a DMA-direct device
 * of its own, so the DMA addresses it gets are physical addresses; if the
 * exporter invalidates the mapping, every reservation it backs is unmapped
 * from every domain (revoked) until unbacked.
 *
 * Lock order: the dma-buf's reservation lock, then vcm->lock.
 */
#include <linux/device/faux.h>
#include <linux/dma-buf.h>
#include <linux/dma-buf-constraints.h>
#include <linux/dma-direct.h>
#include <linux/dma-resv.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>

#include "vcm-priv.h"

MODULE_IMPORT_NS("DMA_BUF");

/**
 * struct vcm_dmabuf_export - a reservation exported as a dma-buf
 * @res: the reservation
 * @dmabuf: the dma-buf
 * @own: memory the export allocated (late allocation, or moved to), freed
 *       with it; NULL if the reservation was backed when exported
 * @movable: the memory may move for a late importer
 * @pins: pinned attachments (under the dma-buf's reservation lock)
 * @mmaps: user mappings of the dma-buf
 * @nr_moves: times the memory moved
 */
struct vcm_dmabuf_export {
	struct vcm_res *res;
	struct dma_buf *dmabuf;
	struct vcm_phys *own;
	bool movable;
	unsigned int pins;
	atomic_t mmaps;
	unsigned int nr_moves;
};

/**
 * struct vcm_export_map - one attachment of an export
 * @sgt: its current mapping, or NULL
 * @dma_api: @sgt is a DMA-API mapping (not the VCM address)
 * @dir: the direction it was mapped with
 */
struct vcm_export_map {
	struct sg_table *sgt;
	bool dma_api;
	enum dma_data_direction dir;
};

static const struct dma_buf_ops vcm_dmabuf_ops;

/* The memory of @phys as a table of pages, a segment at most @max long. */
static struct sg_table *vcm_phys_to_sgt(struct vcm_phys *phys,
					const struct dma_buf_constraints *c)
{
	u64 span = min_t(u64, c->max_segment_size,
			 (u64)c->segment_boundary_mask + 1 ?: U64_MAX);
	struct scatterlist *sg = NULL;
	struct vcm_phys_iter it;
	unsigned int nents = 0;
	struct sg_table *sgt;
	phys_addr_t pa;
	size_t len, n;
	int pass, ret;

	span = max_t(u64, rounddown_pow_of_two(span), PAGE_SIZE);
	sgt = kzalloc_obj(*sgt);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	/* Count, then fill: no entry crosses a multiple of @span */
	for (pass = 0; pass < 2; pass++) {
		vcm_phys_iter_init(&it, phys);
		while (vcm_phys_next_seg(&it, &pa, &len)) {
			while (len) {
				n = min_t(u64, len, span - (pa & (span - 1)));
				if (pass) {
					sg_set_page(sg, pfn_to_page(PHYS_PFN(pa)), n, 0);
					sg = sg_next(sg);
				} else {
					nents++;
				}
				pa += n;
				len -= n;
			}
		}
		if (pass)
			break;
		ret = sg_alloc_table(sgt, nents, GFP_KERNEL);
		if (ret) {
			kfree(sgt);
			return ERR_PTR(ret);
		}
		sg = sgt->sgl;
	}
	return sgt;
}

static void vcm_free_sgt(struct sg_table *sgt)
{
	sg_free_table(sgt);
	kfree(sgt);
}

/* A table of the reservation's device addresses, for a device in the VCM. */
static struct sg_table *vcm_res_to_sgt(struct vcm_res *res,
				       const struct dma_buf_constraints *c)
{
	u64 span = min_t(u64, c->max_segment_size,
			 (u64)c->segment_boundary_mask + 1 ?: U64_MAX);
	struct scatterlist *sg;
	struct sg_table *sgt;
	unsigned int nents = 0;
	u64 addr, left, n;
	int ret;

	span = max_t(u64, rounddown_pow_of_two(span), PAGE_SIZE);
	for (addr = res->addr, left = res->len; left; addr += n, left -= n) {
		n = min(left, span - (addr & (span - 1)));
		nents++;
	}
	sgt = kzalloc_obj(*sgt);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table(sgt, nents, GFP_KERNEL);
	if (ret) {
		kfree(sgt);
		return ERR_PTR(ret);
	}
	/* Device addresses only: no pages, like a wrapped sg_table */
	sg = sgt->sgl;
	for (addr = res->addr, left = res->len; left; addr += n, left -= n) {
		n = min(left, span - (addr & (span - 1)));
		sg->length = n;
		sg_dma_address(sg) = addr;
		sg_dma_len(sg) = n;
		sg = sg_next(sg);
	}
	return sgt;
}

/* The export's memory for @c: allocated, checked, not yet mapped. */
static struct vcm_phys *vcm_export_alloc(struct vcm_dmabuf_export *ex,
					 const struct dma_buf_constraints *c)
{
	struct vcm_res *res = ex->res;
	unsigned long pgsizes = vcm_get_pgsizes(res->vcm) ?: PAGE_SIZE;
	enum vcm_cache cache = res->cache >= 0 ? res->cache : VCM_CACHE_WB;
	gfp_t zone = dma_buf_constraints_gfp(c);
	struct vcm_phys *phys = NULL;
	struct sg_table *sgt;
	int attempt, err = 0;
	bool ok;

	/* Largest blocks first; contiguous memory if that does not suit */
	for (attempt = c->phys_max_segments > 1 ? 0 : 1; attempt < 2; attempt++) {
		phys = __vcm_phys_alloc(res->len, attempt ? PAGE_SIZE : pgsizes,
					attempt, cache, zone);
		if (IS_ERR(phys)) {
			/* The first reason counts, not "too large for contiguous" */
			err = err ?: PTR_ERR(phys);
			continue;
		}
		sgt = vcm_phys_to_sgt(phys, c);
		if (IS_ERR(sgt)) {
			vcm_phys_free(phys);
			return ERR_CAST(sgt);
		}
		ok = dma_buf_constraints_sgt_ok(c, sgt);
		vcm_free_sgt(sgt);
		if (ok)
			return phys;
		vcm_phys_free(phys);
		err = err ?: -ENOMEM;
	}
	return ERR_PTR(err ?: -ENOMEM);
}

/* Late allocation: back the reservation for every attachment so far. */
static int vcm_export_back(struct vcm_dmabuf_export *ex)
{
	struct dma_buf_constraints c;
	struct vcm_phys *phys;
	int ret;

	dma_resv_assert_held(ex->dmabuf->resv);
	if (READ_ONCE(ex->res->phys))
		return 0;
	ret = dma_buf_constraints_get(ex->dmabuf, NULL, &c);
	if (ret)
		return ret;
	phys = vcm_export_alloc(ex, &c);
	if (IS_ERR(phys))
		return PTR_ERR(phys);
	ret = __vcm_back(ex->res, phys, ex);
	if (ret) {
		vcm_phys_free(phys);
		return ret;
	}
	ex->own = phys;
	return 0;
}

/* Move the memory to memory that suits @c; importers remap. */
static int vcm_export_move(struct vcm_dmabuf_export *ex,
			   const struct dma_buf_constraints *c)
{
	struct vcm_phys *to, *from = ex->own;
	int ret;

	to = vcm_export_alloc(ex, c);
	if (IS_ERR(to))
		return PTR_ERR(to);
	/* Importers drop their mappings of the old memory first */
	dma_buf_invalidate_mappings(ex->dmabuf);
	ret = vcm_res_move(ex->res, to);
	if (ret) {
		vcm_phys_free(to);
		return ret;
	}
	ex->own = to;
	ex->nr_moves++;
	WARN_ON(vcm_phys_free(from));
	return 0;
}

static int vcm_dmabuf_attach(struct dma_buf *dmabuf,
			     struct dma_buf_attachment *attach)
{
	struct vcm_dmabuf_export *ex = dmabuf->priv;
	struct vcm_res *res = ex->res;
	struct dma_buf_constraints merged;
	struct vcm_export_map *map;
	struct sg_table *sgt = NULL;
	struct vcm_phys *phys;
	bool can_move;
	int ret;

	/* A device in the VCM uses the reservation's address: it must reach it */
	if (vcm_dev_is_active(res->vcm, attach->dev) &&
	    res->addr + res->len - 1 > attach->constraints.dma_mask)
		return -ERANGE;

	map = kzalloc_obj(*map);
	if (!map)
		return -ENOMEM;

	dma_resv_lock(dmabuf->resv, NULL);
	phys = READ_ONCE(res->phys);
	if (phys) {
		sgt = vcm_phys_to_sgt(phys, &attach->constraints);
		if (IS_ERR(sgt)) {
			ret = PTR_ERR(sgt);
			goto out;
		}
	}
	can_move = ex->movable && !ex->pins && !atomic_read(&ex->mmaps);
	ret = dma_buf_constraints_attach_check(attach, sgt, can_move, &merged);
	if (ret == 1)
		ret = vcm_export_move(ex, &merged);
	if (sgt)
		vcm_free_sgt(sgt);
out:
	dma_resv_unlock(dmabuf->resv);
	if (ret) {
		kfree(map);
		return ret;
	}
	attach->priv = map;
	return 0;
}

static void vcm_dmabuf_detach(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attach)
{
	kfree(attach->priv);
}

static int vcm_dmabuf_pin(struct dma_buf_attachment *attach)
{
	struct vcm_dmabuf_export *ex = attach->dmabuf->priv;

	ex->pins++;
	return 0;
}

static void vcm_dmabuf_unpin(struct dma_buf_attachment *attach)
{
	struct vcm_dmabuf_export *ex = attach->dmabuf->priv;

	ex->pins--;
}

static struct sg_table *vcm_dmabuf_map(struct dma_buf_attachment *attach,
				       enum dma_data_direction dir)
{
	struct vcm_dmabuf_export *ex = attach->dmabuf->priv;
	struct vcm_export_map *map = attach->priv;
	struct vcm_res *res = ex->res;
	struct sg_table *sgt;
	int ret;

	ret = vcm_export_back(ex);
	if (ret)
		return ERR_PTR(ret);
	if (vcm_dev_is_active(res->vcm, attach->dev)) {
		/* Already mapped in the device's domain: no new mapping */
		sgt = vcm_res_to_sgt(res, &attach->constraints);
		if (IS_ERR(sgt))
			return sgt;
		map->dma_api = false;
	} else {
		sgt = vcm_phys_to_sgt(res->phys, &attach->constraints);
		if (IS_ERR(sgt))
			return sgt;
		ret = dma_map_sgtable(attach->dev, sgt, dir, 0);
		if (ret) {
			vcm_free_sgt(sgt);
			return ERR_PTR(ret);
		}
		map->dma_api = true;
	}
	map->sgt = sgt;
	map->dir = dir;
	return sgt;
}

static void vcm_dmabuf_unmap(struct dma_buf_attachment *attach,
			     struct sg_table *sgt, enum dma_data_direction dir)
{
	struct vcm_export_map *map = attach->priv;

	if (map->dma_api)
		dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	if (map->sgt == sgt)
		map->sgt = NULL;
	vcm_free_sgt(sgt);
}

static void vcm_dmabuf_release(struct dma_buf *dmabuf)
{
	struct vcm_dmabuf_export *ex = dmabuf->priv;
	struct vcm_res *res = ex->res;
	bool orphan;

	mutex_lock(&res->vcm->lock);
	res->export = NULL;
	orphan = res->orphan;
	mutex_unlock(&res->vcm->lock);
	if (ex->own) {
		WARN_ON(vcm_unback(res));
		WARN_ON(vcm_phys_free(ex->own));
	}
	/* Its owner went away first: the reservation ends here */
	if (orphan) {
		if (res->phys)
			WARN_ON(vcm_unback(res));
		WARN_ON(vcm_unreserve(res));
	}
	kfree(ex);
}

/* Cache maintenance for every DMA-API mapping and for the memory itself. */
static int vcm_dmabuf_cpu_access(struct dma_buf *dmabuf,
				 enum dma_data_direction dir, bool begin)
{
	struct vcm_dmabuf_export *ex = dmabuf->priv;
	struct dma_buf_attachment *attach;
	struct vcm_phys *phys;

	dma_resv_lock(dmabuf->resv, NULL);
	list_for_each_entry(attach, &dmabuf->attachments, node) {
		struct vcm_export_map *map = attach->priv;

		if (!map->sgt || !map->dma_api)
			continue;
		if (begin)
			dma_sync_sgtable_for_cpu(attach->dev, map->sgt, dir);
		else
			dma_sync_sgtable_for_device(attach->dev, map->sgt, dir);
	}
	phys = READ_ONCE(ex->res->phys);
	if (phys && begin)
		vcm_phys_sync_for_cpu(phys, dir);
	else if (phys)
		vcm_phys_sync_for_device(phys, dir);
	dma_resv_unlock(dmabuf->resv);
	return 0;
}

static int vcm_dmabuf_begin_cpu_access(struct dma_buf *dmabuf,
				       enum dma_data_direction dir)
{
	return vcm_dmabuf_cpu_access(dmabuf, dir, true);
}

static int vcm_dmabuf_end_cpu_access(struct dma_buf *dmabuf,
				     enum dma_data_direction dir)
{
	return vcm_dmabuf_cpu_access(dmabuf, dir, false);
}

static void vcm_dmabuf_vm_open(struct vm_area_struct *vma)
{
	struct vcm_dmabuf_export *ex = vma->vm_private_data;

	atomic_inc(&ex->mmaps);
}

static void vcm_dmabuf_vm_close(struct vm_area_struct *vma)
{
	struct vcm_dmabuf_export *ex = vma->vm_private_data;

	atomic_dec(&ex->mmaps);
}

static const struct vm_operations_struct vcm_dmabuf_vm_ops = {
	.open = vcm_dmabuf_vm_open,
	.close = vcm_dmabuf_vm_close,
};

static int vcm_dmabuf_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct vcm_dmabuf_export *ex = dmabuf->priv;
	int ret;

	if (vma->vm_pgoff)
		return -EINVAL;
	dma_resv_lock(dmabuf->resv, NULL);
	ret = vcm_export_back(ex);
	if (!ret)
		ret = __vcm_res_mmap(ex->res, vma);
	if (!ret) {
		vma->vm_private_data = ex;
		vma->vm_ops = &vcm_dmabuf_vm_ops;
		atomic_inc(&ex->mmaps);
	}
	dma_resv_unlock(dmabuf->resv);
	return ret;
}

static int vcm_dmabuf_vmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct vcm_dmabuf_export *ex = dmabuf->priv;
	void *vaddr;
	int ret;

	ret = vcm_export_back(ex);
	if (ret)
		return ret;
	vaddr = vcm_vmap(ex->res);
	if (!vaddr)
		return -ENOMEM;
	iosys_map_set_vaddr(map, vaddr);
	return 0;
}

static void vcm_dmabuf_vunmap(struct dma_buf *dmabuf, struct iosys_map *map)
{
	struct vcm_dmabuf_export *ex = dmabuf->priv;

	vcm_vunmap(ex->res, map->vaddr);
}

static const struct dma_buf_ops vcm_dmabuf_ops = {
	.attach = vcm_dmabuf_attach,
	.detach = vcm_dmabuf_detach,
	.pin = vcm_dmabuf_pin,
	.unpin = vcm_dmabuf_unpin,
	.map_dma_buf = vcm_dmabuf_map,
	.unmap_dma_buf = vcm_dmabuf_unmap,
	.release = vcm_dmabuf_release,
	.begin_cpu_access = vcm_dmabuf_begin_cpu_access,
	.end_cpu_access = vcm_dmabuf_end_cpu_access,
	.mmap = vcm_dmabuf_mmap,
	.vmap = vcm_dmabuf_vmap,
	.vunmap = vcm_dmabuf_vunmap,
};

/**
 * vcm_export() - export a reservation as a dma-buf
 * @res: the reservation, backed or not
 * @movable: the export may move the memory for an importer it does not suit;
 *           only for a reservation that is not backed
 *
 * Until the dma-buf is released, the reservation cannot be unbacked or
 * unreserved (-EBUSY) and vcm_res_mmap() of it fails: the dma-buf's mmap is
 * its user view. If it is not backed, the export allocates memory at the
 * first map, mmap or vmap, for the constraints of every attachment then, and
 * frees it on release. If the reservation's owner goes away first, it hands
 * the reservation over with vcm_res_orphan() (and its allocation and VCM
 * with vcm_phys_orphan() and vcm_orphan()): the release then ends them. The
 * dma-buf holds no reference to its owner, so importing it back cannot make
 * a reference cycle. Clean up only with dma_buf_put().
 *
 * Return: the dma-buf, or ERR_PTR: -EBUSY (already exported), -EINVAL
 * (backed by imported memory, or @movable for a backed reservation),
 * -ENOMEM.
 */
struct dma_buf *vcm_export(struct vcm_res *res, bool movable)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct vcm *vcm = res->vcm;
	struct dma_buf *dmabuf;
	struct vcm_dmabuf_export *ex;
	int ret = 0;

	ex = kzalloc_obj(*ex);
	if (!ex)
		return ERR_PTR(-ENOMEM);
	ex->res = res;
	ex->movable = movable;
	atomic_set(&ex->mmaps, 0);

	mutex_lock(&vcm->lock);
	if (res->export)
		ret = -EBUSY;
	else if (res->phys && (res->phys->attach || movable))
		ret = -EINVAL;
	else
		res->export = ex;
	mutex_unlock(&vcm->lock);
	if (ret) {
		kfree(ex);
		return ERR_PTR(ret);
	}

	exp_info.ops = &vcm_dmabuf_ops;
	exp_info.size = res->len;
	exp_info.flags = O_RDWR;
	exp_info.priv = ex;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		mutex_lock(&vcm->lock);
		res->export = NULL;
		mutex_unlock(&vcm->lock);
		kfree(ex);
		return dmabuf;
	}
	ex->dmabuf = dmabuf;
	return dmabuf;
}

/**
 * vcm_export_info() - facts about a dma-buf exported by vcm_export()
 * @dmabuf: any dma-buf
 * @addr: returns the reservation's device address
 * @nr_segments: returns the physically contiguous runs of its memory (0 if
 *               none is allocated yet)
 * @nr_moves: returns how often the memory moved
 * @backed: returns whether memory is allocated
 *
 * Return: 0, or -EINVAL if @dmabuf is not a VCM export.
 */
int vcm_export_info(struct dma_buf *dmabuf, u64 *addr, u32 *nr_segments,
		    u32 *nr_moves, bool *backed)
{
	struct vcm_dmabuf_export *ex = dmabuf->priv;
	struct vcm_phys_iter it;
	struct vcm_phys *phys;
	phys_addr_t pa;
	size_t len;

	if (dmabuf->ops != &vcm_dmabuf_ops)
		return -EINVAL;
	dma_resv_lock(dmabuf->resv, NULL);
	*addr = ex->res->addr;
	*nr_moves = ex->nr_moves;
	*nr_segments = 0;
	mutex_lock(&ex->res->vcm->lock);
	phys = ex->res->phys;
	*backed = phys;
	if (phys) {
		vcm_phys_iter_init(&it, phys);
		while (vcm_phys_next_seg(&it, &pa, &len))
			(*nr_segments)++;
	}
	mutex_unlock(&ex->res->vcm->lock);
	dma_resv_unlock(dmabuf->resv);
	return 0;
}

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

/* Physical runs of @sgt as naturally aligned blocks; the count if !@phys. */
static int vcm_import_blocks(struct device *dev, struct sg_table *sgt,
			     struct vcm_phys *phys)
{
	struct scatterlist *sg;
	unsigned int i, n = 0;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		phys_addr_t pa = dma_to_phys(dev, sg_dma_address(sg));
		size_t len = sg_dma_len(sg);

		if (!PAGE_ALIGNED(pa) || !PAGE_ALIGNED(len) ||
		    swiotlb_find_pool(dev, pa))
			return -EINVAL;
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
	return n;
}

/**
 * vcm_phys_import() - make the memory of a dma-buf a physical allocation
 * @dmabuf: the dma-buf; the allocation takes its own reference
 *
 * Attaches as a dynamic importer and maps the dma-buf once; vcm_back() then
 * maps its memory into every domain of a VCM with the largest page sizes its
 * runs allow. vcm_phys_free() gives it back. If the exporter invalidates the
 * mapping, the reservations it backs are unmapped from every domain and
 * vcm_back() with it fails with -ENODEV.
 *
 * Return: the allocation, or ERR_PTR: -EINVAL (not whole pages of RAM),
 * -ENODEV (no importer device), or the exporter's error.
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
	n = vcm_import_blocks(dev, sgt, NULL);
	if (n <= 0) {
		ret = n ?: -EINVAL;
		goto err_unmap;
	}
	phys = vcm_phys_alloc_blocks(n);
	if (!phys) {
		ret = -ENOMEM;
		goto err_unmap;
	}
	ret = vcm_import_blocks(dev, sgt, phys);
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
	kvfree(phys);
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
