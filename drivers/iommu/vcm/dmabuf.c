// SPDX-License-Identifier: GPL-2.0-only
/*
 * VCM memory as a dma-buf: a reservation becomes a dma-buf. An importer whose
 * device is associated with the reservation's VCM gets the reservation's
 * device address and no new IOMMU mapping; any other importer gets a DMA-API
 * mapping of the memory for its device. An export of an unbacked reservation
 * allocates its memory at the first map for the constraints of every
 * attachment so far; a movable one moves it for a stricter importer that
 * attaches later (struct dma_buf_constraints has the rules).
 *
 * The export owns what it exports: it holds a reference on the reservation
 * (and so on its VCM and memory) until the dma-buf is released, whatever its
 * owner does meanwhile. Each importer mapping holds a reference on what it
 * maps: the memory for a DMA-API mapping, so that memory the export moved
 * away from lives until the importer unmapped it; the association for a
 * mapping of the VCM address, so that the device stays in the VCM while the
 * importer uses that address.
 *
 * Lock order: the dma-buf's reservation lock, then vcm->lock.
 */
#include <linux/dma-buf.h>
#include <linux/dma-buf-constraints.h>
#include <linux/dma-resv.h>
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "vcm-priv.h"

MODULE_IMPORT_NS("DMA_BUF");

/**
 * struct vcm_dmabuf_export - a reservation exported as a dma-buf
 * @res: the reservation, referenced (const)
 * @dmabuf: the dma-buf (const)
 * @own: memory the export allocated (late allocation, or moved to),
 *       referenced; NULL if the reservation was backed when exported (the
 *       dma-buf's reservation lock)
 * @movable: the memory may move for a late importer (const)
 * @pins: pinned attachments (the dma-buf's reservation lock)
 * @nr_moves: times the memory moved (likewise)
 */
struct vcm_dmabuf_export {
	struct vcm_res *res;
	struct dma_buf *dmabuf;
	struct vcm_phys *own;
	bool movable;
	unsigned int pins;
	unsigned int nr_moves;
};

/**
 * struct vcm_export_map - one attachment of an export, and its mapping
 * @attach: the attachment (const)
 * @sgt: its current mapping, or NULL (the dma-buf's reservation lock)
 * @phys: for a DMA-API mapping, the memory it maps, referenced (likewise)
 * @assoc: for a mapping of the VCM address, the association of the device,
 *         referenced (likewise)
 * @node: while mapped, in @assoc->maps, or else in the VCM's api_maps
 *        (vcm->lock)
 * @seq: when it was mapped, in the VCM's map_seq (vcm->lock)
 * @asked: told to map again by the current round of invalidations
 *         (vcm->lock)
 * @dir: the direction it was mapped with (the dma-buf's reservation lock)
 */
struct vcm_export_map {
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	struct vcm_phys *phys;
	struct vcm_assoc *assoc;
	struct list_head node;
	u64 seq;
	bool asked;
	enum dma_data_direction dir;
};

static const struct dma_buf_ops vcm_dmabuf_ops;

/* How long a move waits for the work queued on the buffer */
#define VCM_MOVE_WAIT_MS	5000

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
			vcm_phys_put(phys);
			return ERR_CAST(sgt);
		}
		ok = dma_buf_constraints_sgt_ok(c, sgt);
		vcm_free_sgt(sgt);
		if (ok)
			return phys;
		vcm_phys_put(phys);
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
		vcm_phys_put(phys);
		return ret;
	}
	ex->own = phys;
	return 0;
}

/*
 * Move the memory to memory that suits @c. Importers are told to map again,
 * and the copy waits for the work queued on the buffer (its fences), as
 * dma_buf_invalidate_mappings() requires; the old memory lives on until the
 * last importer mapping of it is unmapped.
 */
static int vcm_export_move(struct vcm_dmabuf_export *ex,
			   const struct dma_buf_constraints *c)
{
	struct vcm_phys *to, *from = ex->own;
	long timeout;
	int ret;

	dma_resv_assert_held(ex->dmabuf->resv);
	to = vcm_export_alloc(ex, c);
	if (IS_ERR(to))
		return PTR_ERR(to);
	dma_buf_invalidate_mappings(ex->dmabuf);
	/*
	 * An attach neither expects to be interrupted nor to wait long: work
	 * that is still queued after a while keeps the memory where it is.
	 */
	timeout = dma_resv_wait_timeout(ex->dmabuf->resv, DMA_RESV_USAGE_BOOKKEEP,
					false, msecs_to_jiffies(VCM_MOVE_WAIT_MS));
	if (timeout <= 0) {
		ret = timeout ?: -EBUSY;
		goto err;
	}
	ret = vcm_res_move(ex->res, to);
	if (ret)
		goto err;
	ex->own = to;
	ex->nr_moves++;
	vcm_phys_put(from);
	return 0;

err:
	vcm_phys_put(to);
	return ret;
}

static int vcm_dmabuf_attach(struct dma_buf *dmabuf,
			     struct dma_buf_attachment *attach)
{
	struct vcm_export_map *map;

	map = kzalloc_obj(*map);
	if (!map)
		return -ENOMEM;
	map->attach = attach;
	INIT_LIST_HEAD(&map->node);
	attach->priv = map;
	vcm_test_window(VCM_WINDOW_ATTACH);
	return 0;
}

/*
 * The rule for a late attacher, in the section that adds it to the
 * attachments: the memory chosen suits it, or moves, or it is refused.
 */
static int vcm_dmabuf_check_attach(struct dma_buf_attachment *attach)
{
	struct vcm_dmabuf_export *ex = attach->dmabuf->priv;
	struct dma_buf_constraints merged;
	struct sg_table *sgt = NULL;
	struct vcm_phys *phys;
	bool can_move;
	int ret;

	dma_resv_assert_held(attach->dmabuf->resv);
	phys = READ_ONCE(ex->res->phys);
	if (phys) {
		sgt = vcm_phys_to_sgt(phys, &attach->constraints);
		if (IS_ERR(sgt))
			return PTR_ERR(sgt);
	}
	can_move = ex->movable && !ex->pins && !vcm_res_cpu_mapped(ex->res);
	ret = dma_buf_constraints_attach_check(attach, sgt, can_move, &merged);
	if (ret == 1)
		ret = vcm_export_move(ex, &merged);
	if (sgt)
		vcm_free_sgt(sgt);
	return ret;
}

/* Drop what a mapping of @map held */
static void vcm_export_map_put(struct vcm_export_map *map)
{
	struct vcm_dmabuf_export *ex = map->attach->dmabuf->priv;
	struct vcm *vcm = ex->res->vcm;

	mutex_lock(&vcm->lock);
	list_del_init(&map->node);
	mutex_unlock(&vcm->lock);
	if (map->assoc)
		__vcm_assoc_put(map->assoc);
	if (map->phys)
		vcm_phys_put(map->phys);
	map->assoc = NULL;
	map->phys = NULL;
	map->sgt = NULL;
}

static void vcm_dmabuf_detach(struct dma_buf *dmabuf,
			      struct dma_buf_attachment *attach)
{
	struct vcm_export_map *map = attach->priv;

	/* An importer that did not unmap: what the mapping held goes */
	if (map->sgt)
		vcm_export_map_put(map);
	kfree(map);
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
	struct vcm *vcm = res->vcm;
	struct vcm_assoc *assoc;
	struct vcm_phys *phys = NULL;
	struct sg_table *sgt;
	int ret;

	if (map->sgt)
		return ERR_PTR(-EBUSY);
	ret = vcm_export_back(ex);
	if (ret)
		return ERR_PTR(ret);
	/*
	 * The VCM address for a device in the VCM, which stays in it while
	 * mapped; else a DMA-API mapping, which keeps the device out of it.
	 */
	mutex_lock(&vcm->lock);
	assoc = vcm_assoc_get_active(vcm, attach->dev);
	if (assoc && res->addr + res->len - 1 > attach->constraints.dma_mask) {
		mutex_unlock(&vcm->lock);
		__vcm_assoc_put(assoc);
		return ERR_PTR(-ERANGE);
	}
	if (assoc) {
		list_add(&map->node, &assoc->maps);
	} else {
		phys = vcm_phys_get(res->phys);
		list_add(&map->node, &vcm->api_maps);
	}
	map->seq = ++vcm->map_seq;
	map->asked = false;
	mutex_unlock(&vcm->lock);

	if (assoc) {
		/* Already mapped in the device's domain: no new mapping */
		sgt = vcm_res_to_sgt(res, &attach->constraints);
		if (IS_ERR(sgt))
			goto err;
	} else {
		sgt = vcm_phys_to_sgt(phys, &attach->constraints);
		if (IS_ERR(sgt))
			goto err;
		ret = dma_map_sgtable(attach->dev, sgt, dir, 0);
		if (ret) {
			vcm_free_sgt(sgt);
			sgt = ERR_PTR(ret);
			goto err;
		}
	}
	map->sgt = sgt;
	map->phys = phys;
	map->assoc = assoc;
	map->dir = dir;
	return sgt;

err:
	map->assoc = assoc;
	map->phys = phys;
	vcm_export_map_put(map);
	return sgt;
}

static void vcm_dmabuf_unmap(struct dma_buf_attachment *attach,
			     struct sg_table *sgt, enum dma_data_direction dir)
{
	struct vcm_export_map *map = attach->priv;

	if (map->phys)
		dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	vcm_free_sgt(sgt);
	vcm_export_map_put(map);
}

static void vcm_dmabuf_release(struct dma_buf *dmabuf)
{
	struct vcm_dmabuf_export *ex = dmabuf->priv;
	struct vcm_res *res = ex->res;
	struct vcm *vcm = res->vcm;
	struct vcm_phys *unbacked = NULL;

	mutex_lock(&vcm->lock);
	res->export = NULL;
	/* Memory the export allocated goes with it, in the same section */
	if (ex->own)
		unbacked = __vcm_unback(res);
	mutex_unlock(&vcm->lock);
	vcm_test_window(VCM_WINDOW_EXPORT_RELEASE);
	if (unbacked)
		vcm_phys_put(unbacked);
	if (ex->own)
		vcm_phys_put(ex->own);
	vcm_res_put(res);
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

		if (!map->sgt || !map->phys)
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
	vaddr = __vcm_vmap(ex->res);
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
	.check_attach = vcm_dmabuf_check_attach,
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
 * frees it on release. The export holds a reference on the reservation, so
 * its owner may put it (and its memory and VCM) at any time; the dma-buf
 * holds nothing of the owner itself, so importing it back into a VCM of the
 * same owner makes no reference cycle. Clean up only with dma_buf_put().
 *
 * Return: the dma-buf, or ERR_PTR: -EBUSY (already exported), -EINVAL
 * (backed by imported memory, or @movable for a backed reservation),
 * -ENOMEM.
 */
struct dma_buf *vcm_export(struct vcm_res *res, bool movable)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct vcm *vcm = res->vcm;
	struct vcm_dmabuf_export *ex;
	struct dma_buf *dmabuf;
	int ret = 0;

	ex = kzalloc_obj(*ex);
	if (!ex)
		return ERR_PTR(-ENOMEM);
	ex->movable = movable;

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
	ex->res = vcm_res_get(res);

	exp_info.ops = &vcm_dmabuf_ops;
	exp_info.size = res->len;
	exp_info.flags = O_RDWR;
	exp_info.priv = ex;
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		mutex_lock(&vcm->lock);
		res->export = NULL;
		mutex_unlock(&vcm->lock);
		vcm_res_put(res);
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

/**
 * vcm_export_invalidate() - ask importers of a VCM's exports to map again
 * @vcm: the VCM
 * @maps: the importer mappings to ask: an association's maps (those that use
 *        the VCM address through it) or @vcm->api_maps (DMA-API mappings)
 * @dev: only mappings for this device, or NULL for all of @maps
 *
 * Every export with such a mapping is invalidated once: dynamic importers
 * let go and map again, static ones keep their mapping. Mappings made after
 * this started are not asked, so it ends even if importers map again at
 * once.
 *
 * Context: no dma-buf reservation lock or vcm->lock held.
 */
void vcm_export_invalidate(struct vcm *vcm, struct list_head *maps,
			   struct device *dev)
{
	struct vcm_export_map *map;
	struct dma_buf *dmabuf;
	u64 limit;

	mutex_lock(&vcm->lock);
	limit = vcm->map_seq;
	mutex_unlock(&vcm->lock);
	for (;;) {
		dmabuf = NULL;
		mutex_lock(&vcm->lock);
		list_for_each_entry(map, maps, node) {
			if (map->asked || map->seq > limit ||
			    (dev && map->attach->dev != dev))
				continue;
			map->asked = true;
			/* Its importer holds the dma-buf while it is attached */
			dmabuf = map->attach->dmabuf;
			get_dma_buf(dmabuf);
			break;
		}
		mutex_unlock(&vcm->lock);
		if (!dmabuf)
			return;
		dma_resv_lock(dmabuf->resv, NULL);
		dma_buf_invalidate_mappings(dmabuf);
		dma_resv_unlock(dmabuf->resv);
		dma_buf_put(dmabuf);
	}
}

/**
 * vcm_export_dev_mapped() - whether a device holds a DMA-API mapping of an
 *                           export of a VCM
 * @vcm: the VCM
 * @dev: the device
 *
 * Context: vcm->lock held.
 * Return: true if an importer holds one for @dev.
 */
bool vcm_export_dev_mapped(struct vcm *vcm, struct device *dev)
{
	struct vcm_export_map *map;

	lockdep_assert_held(&vcm->lock);
	list_for_each_entry(map, &vcm->api_maps, node)
		if (map->attach->dev == dev)
			return true;
	return false;
}
