// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only /dev/vcm commands (CONFIG_VCM_TEST): test devices behind the mock
 * IOMMU instances, per-domain counters, translation checks, simulated DMA and
 * injected faults. Not a stable ABI.
 */
#include <linux/dma-buf.h>
#include <linux/dma-buf-constraints.h>
#include <linux/dma-fence.h>
#include <linux/dma-resv.h>
#include <linux/delay.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vcm-priv.h"

/* Test DMA buffers are bounced through the kernel: keep them bounded. */
#define VCM_TEST_DMA_MAX	SZ_64M

/**
 * vcm_test_destroy_dev() - release a test device object's device
 * @obj: the device object
 *
 * A mock device is destroyed (unless it was removed already); a PCI device
 * only loses the object's reference.
 */
void vcm_test_destroy_dev(struct vcm_obj *obj)
{
	if (obj->pci)
		put_device(obj->ptr);
	else if (obj->ptr)
		vcm_mock_dev_destroy(obj->ptr);
}

static int vcm_test_instance_info(struct vcm_ucmd *ucmd, struct vcm_test_cmd *cmd)
{
	u32 max_pasids;
	u64 pgsizes;
	int ret;

	ret = vcm_mock_instance_info(cmd->instance_info.index, &max_pasids,
				     &pgsizes, cmd->instance_info.out_name);
	if (ret)
		return ret;
	cmd->instance_info.out_max_pasids = max_pasids;
	cmd->instance_info.out_pgsizes = pgsizes;
	return vcm_ucmd_respond(ucmd, sizeof(*cmd));
}

static int vcm_test_dev_create(struct vcm_ucmd *ucmd, struct vcm_test_cmd *cmd)
{
	struct vcm_obj *obj;
	struct device *dev;

	if (cmd->dev_create.flags & ~(VCM_TEST_DEV_PASID | VCM_TEST_DEV_NO_IOMMU |
				      VCM_TEST_DEV_DMA_API))
		return -EOPNOTSUPP;
	if (cmd->dev_create.dma_bits > 64)
		return -EINVAL;
	obj = vcm_obj_alloc(ucmd->vf, VCM_OBJ_DEV);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	dev = vcm_mock_dev_create(cmd->dev_create.instance, cmd->dev_create.flags,
				  cmd->dev_create.dma_bits);
	if (IS_ERR(dev)) {
		vcm_obj_abort(ucmd->vf, obj);
		return PTR_ERR(dev);
	}
	obj->ptr = dev;
	cmd->dev_create.out_dev_id = obj->id;
	return vcm_obj_respond(ucmd, obj, sizeof(*cmd));
}

/**
 * struct vcm_test_attach - a test importer's attachment to a dma-buf
 * @attach: the attachment
 * @dev: the device object it was made for
 * @sgt: its mapping, or NULL (under the dma-buf's reservation lock)
 * @invalidations: invalidations received (likewise)
 * @defer: it keeps its mapping when invalidated, until unmapped
 */
struct vcm_test_attach {
	struct dma_buf_attachment *attach;
	struct vcm_obj *dev;
	struct sg_table *sgt;
	unsigned int invalidations;
	bool defer;
};

/* Hot-unplug: the device goes away while it may still be associated. */
static int vcm_test_dev_remove(struct vcm_ucmd *ucmd, struct vcm_test_cmd *cmd)
{
	struct vcm_obj *obj = vcm_obj_find(ucmd->vf, cmd->id, VCM_OBJ_DEV);
	struct vcm_obj *aobj;
	unsigned long id;

	if (!obj)
		return -ENOENT;
	if (!obj->ptr)
		return -ENODEV;
	/* Like an importer's remove(): detach from every dma-buf first */
	xa_for_each(&ucmd->vf->objs, id, aobj) {
		struct vcm_test_attach *ta = aobj->ptr;

		if (aobj->type != VCM_OBJ_ATTACH || ta->dev != obj)
			continue;
		vcm_test_destroy_attach(aobj);
		vcm_obj_forget(ucmd->vf, aobj);
	}
	if (obj->pci) {
		/* Unbind: the driver's remove takes it out of every VCM. */
		device_release_driver(obj->ptr);
		return 0;
	}
	/* The test driver's remove() takes it out of every VCM */
	vcm_mock_dev_destroy(obj->ptr);
	obj->ptr = NULL;
	return 0;
}

/**
 * vcm_test_cover_run() - the fewest leaf PTEs that map one contiguous run
 * @iova: its device address
 * @pa: its physical address
 * @len: its length
 * @pgsizes: the domain's page sizes
 * @cover: incremented by the PTEs, indexed by ilog2(page size) - 12
 *
 * The run is covered greedily with the largest page size that the device and
 * physical addresses' alignment and the remaining length allow. Computed
 * here, apart from the page-table code whose PTEs the mock counts, so the two
 * can be compared.
 */
void vcm_test_cover_run(u64 iova, phys_addr_t pa, size_t len,
			unsigned long pgsizes, u64 *cover)
{
	while (len) {
		unsigned long fit = pgsizes & GENMASK(__fls(len), 0);
		unsigned int lg2;

		if (iova | pa)
			fit &= GENMASK(__ffs(iova | pa), 0);
		if (WARN_ON(!fit))
			return;
		lg2 = __fls(fit);
		if (lg2 >= 12 && lg2 - 12 < VCM_TEST_PGSIZE_SLOTS)
			cover[lg2 - 12]++;
		iova += 1UL << lg2;
		pa += 1UL << lg2;
		len -= 1UL << lg2;
	}
}

/* The cover of backed @res in a domain with page sizes @pgsizes */
static void vcm_test_cover(struct vcm_res *res, unsigned long pgsizes, u64 *cover)
{
	struct vcm_phys_iter it;
	u64 iova = res->addr;
	phys_addr_t pa;
	size_t len;

	/* Its backing may go meanwhile (an export's release): look under the lock */
	mutex_lock(&res->vcm->lock);
	if (!res->phys)
		goto out;
	vcm_phys_iter_init(&it, res->phys);
	while (vcm_phys_next_seg(&it, &pa, &len)) {
		vcm_test_cover_run(iova, pa, len, pgsizes, cover);
		iova += len;
	}
out:
	mutex_unlock(&res->vcm->lock);
}

static int vcm_test_domain_stats(struct vcm_ucmd *ucmd, struct vcm_test_cmd *cmd)
{
	struct vcm_mock_stats *st;
	struct iommu_domain *domain;
	struct vcm_assoc *assoc;
	struct vcm_res *res = NULL;
	int ret;

	if (cmd->domain_stats.flags & ~VCM_TEST_STATS_RESET)
		return -EOPNOTSUPP;
	if (cmd->domain_stats.__reserved2)
		return -EINVAL;
	assoc = vcm_obj_get(ucmd->vf, cmd->id, VCM_OBJ_ASSOC);
	if (!assoc)
		return -ENOENT;
	if (cmd->domain_stats.res_id) {
		res = vcm_obj_get(ucmd->vf, cmd->domain_stats.res_id, VCM_OBJ_RES);
		if (!res)
			return -ENOENT;
		if (res->vcm != assoc->vcm || !vcm_res_phys(res))
			return -EINVAL;
	}
	domain = vcm_assoc_get_domain(assoc);
	if (!domain)
		return -ENODEV;
	vcm_test_window(VCM_WINDOW_DOMAIN_STATS);

	st = kzalloc_obj(*st);
	if (!st) {
		vcm_assoc_put_domain(assoc, domain);
		return -ENOMEM;
	}
	/* A real IOMMU's domain has no counters, but a cover all the same. */
	ret = vcm_mock_domain_stats(domain, st, cmd->domain_stats.flags &
				    VCM_TEST_STATS_RESET);
	cmd->domain_stats.out_mock = !ret;
	cmd->domain_stats.out_pgsizes = domain->pgsize_bitmap;
	cmd->domain_stats.out_map_calls = st->map_calls;
	cmd->domain_stats.out_unmap_calls = st->unmap_calls;
	cmd->domain_stats.out_iotlb_sync_map = st->iotlb_sync_map;
	cmd->domain_stats.out_iotlb_sync = st->iotlb_sync;
	cmd->domain_stats.out_flush_all = st->flush_all;
	cmd->domain_stats.out_attach = st->attach;
	memcpy(cmd->domain_stats.out_ptes_mapped, st->ptes_mapped,
	       sizeof(st->ptes_mapped));
	memcpy(cmd->domain_stats.out_ptes_unmapped, st->ptes_unmapped,
	       sizeof(st->ptes_unmapped));
	memset(cmd->domain_stats.out_cover, 0, sizeof(cmd->domain_stats.out_cover));
	if (res)
		vcm_test_cover(res, domain->pgsize_bitmap, cmd->domain_stats.out_cover);
	vcm_assoc_put_domain(assoc, domain);
	ret = vcm_ucmd_respond(ucmd, sizeof(*cmd));
	kfree(st);
	return ret;
}

/* The physical address behind byte @off of @phys. */
static phys_addr_t vcm_test_phys_at(struct vcm_phys *phys, size_t off)
{
	struct vcm_phys_iter it;
	phys_addr_t pa;
	size_t len;

	vcm_phys_iter_init(&it, phys);
	while (vcm_phys_next_seg(&it, &pa, &len)) {
		if (off < len)
			return pa + off;
		off -= len;
	}
	return 0;
}

static int vcm_test_check_map(struct vcm_ucmd *ucmd, struct vcm_test_cmd *cmd)
{
	struct vcm_res *res = vcm_obj_get(ucmd->vf, cmd->id, VCM_OBJ_RES);
	u32 domains = 0, mismatches = 0;
	struct vcm_domain *vd;
	struct vcm *vcm;
	size_t off;

	if (!res)
		return -ENOENT;
	if (cmd->check_map.__reserved)
		return -EINVAL;
	vcm = res->vcm;
	mutex_lock(&vcm->lock);
	list_for_each_entry(vd, &vcm->domains, node) {
		domains++;
		for (off = 0; off < res->len; off += PAGE_SIZE) {
			phys_addr_t want = 0;

			if (res->phys)
				want = vcm_test_phys_at(res->phys, off);
			if (iommu_iova_to_phys(vd->domain, res->addr + off) != want)
				mismatches++;
		}
	}
	mutex_unlock(&vcm->lock);
	cmd->check_map.out_domains = domains;
	cmd->check_map.out_pages = res->len >> PAGE_SHIFT;
	cmd->check_map.out_mismatches = mismatches;
	return vcm_ucmd_respond(ucmd, sizeof(*cmd));
}

static int vcm_test_dma(struct vcm_ucmd *ucmd, struct vcm_test_cmd *cmd)
{
	void __user *uptr = u64_to_user_ptr(cmd->dma.uptr);
	bool write = cmd->dma.dir == 1;
	struct device *dev;
	size_t len = cmd->dma.len;
	void *buf;
	int ret;

	if (cmd->dma.dir > 1)
		return -EINVAL;
	if (!len || len > VCM_TEST_DMA_MAX)
		return -EINVAL;
	if (!vcm_obj_find(ucmd->vf, cmd->id, VCM_OBJ_DEV))
		return -ENOENT;
	dev = vcm_obj_get(ucmd->vf, cmd->id, VCM_OBJ_DEV);
	if (!dev)
		return -ENODEV;

	buf = kvmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (write && copy_from_user(buf, uptr, len)) {
		ret = -EFAULT;
		goto out;
	}
	ret = vcm_mock_dma(dev, cmd->dma.pasid, cmd->dma.iova, buf, len, write);
	if (!ret && !write && copy_to_user(uptr, buf, len))
		ret = -EFAULT;
out:
	kvfree(buf);
	return ret;
}

static int vcm_test_edu_open(struct vcm_ucmd *ucmd, struct vcm_test_cmd *cmd)
{
	struct vcm_obj *obj;
	struct device *dev;
	u32 bits;

	if (cmd->edu_open.__reserved)
		return -EINVAL;
	obj = vcm_obj_alloc(ucmd->vf, VCM_OBJ_DEV);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	dev = vcm_edu_get(cmd->edu_open.index, &bits);
	if (!dev) {
		vcm_obj_abort(ucmd->vf, obj);
		return -ENODEV;
	}
	obj->ptr = dev;
	obj->pci = true;
	cmd->edu_open.out_dma_bits = bits;
	cmd->edu_open.out_dev_id = obj->id;
	return vcm_obj_respond(ucmd, obj, sizeof(*cmd));
}

static int vcm_test_edu_copy(struct vcm_ucmd *ucmd, struct vcm_test_cmd *cmd)
{
	struct vcm_obj *obj = vcm_obj_find(ucmd->vf, cmd->id, VCM_OBJ_DEV);

	if (!obj || !obj->pci)
		return -ENOENT;
	if (cmd->edu_copy.__reserved)
		return -EINVAL;
	return vcm_edu_copy(obj->ptr, cmd->edu_copy.src, cmd->edu_copy.dst,
			    cmd->edu_copy.len);
}

static int vcm_test_fault(struct vcm_ucmd *ucmd, struct vcm_test_cmd *cmd)
{
	struct device *dev;
	int ret;

	if (!vcm_obj_find(ucmd->vf, cmd->id, VCM_OBJ_DEV))
		return -ENOENT;
	dev = vcm_obj_get(ucmd->vf, cmd->id, VCM_OBJ_DEV);
	if (!dev)
		return -ENODEV;
	/* Reported is success, whatever the handler made of it. */
	ret = vcm_mock_fault(dev, cmd->fault.pasid, cmd->fault.iova,
			     cmd->fault.write);
	return ret == -ENODEV ? ret : 0;
}

/*
 * A dynamic importer drops its mapping at once, as revocation requires; a
 * deferring one keeps it until it is unmapped, as a device with queued work.
 */
static void vcm_test_invalidate(struct dma_buf_attachment *attach)
{
	struct vcm_test_attach *ta = attach->importer_priv;

	ta->invalidations++;
	if (ta->sgt && !ta->defer) {
		dma_buf_unmap_attachment(attach, ta->sgt, DMA_BIDIRECTIONAL);
		ta->sgt = NULL;
	}
}

static const struct dma_buf_attach_ops vcm_test_attach_ops = {
	.invalidate_mappings = vcm_test_invalidate,
};

/**
 * vcm_test_destroy_attach() - unmap and detach a test attachment
 * @obj: the attachment object
 */
void vcm_test_destroy_attach(struct vcm_obj *obj)
{
	struct vcm_test_attach *ta = obj->ptr;
	struct dma_buf *dmabuf = ta->attach->dmabuf;

	dma_resv_lock(dmabuf->resv, NULL);
	if (ta->sgt)
		dma_buf_unmap_attachment(ta->attach, ta->sgt, DMA_BIDIRECTIONAL);
	ta->sgt = NULL;
	dma_resv_unlock(dmabuf->resv);
	dma_buf_detach(dmabuf, ta->attach);
	dma_buf_put(dmabuf);
	ta->dev->users--;
	kfree(ta);
}

static int vcm_test_dmabuf_attach(struct vcm_ucmd *ucmd, struct vcm_test_cmd *cmd)
{
	struct vcm_obj *dev = vcm_obj_find(ucmd->vf, cmd->id, VCM_OBJ_DEV);
	typeof(cmd->dmabuf_attach) *a = &cmd->dmabuf_attach;
	struct dma_buf_constraints c;
	struct vcm_test_attach *ta;
	struct dma_buf *dmabuf;
	struct vcm_obj *obj;
	int ret;

	if (!dev)
		return -ENOENT;
	if (!dev->ptr)
		return -ENODEV;
	if (a->flags & ~(VCM_TEST_ATTACH_DYNAMIC | VCM_TEST_ATTACH_DEFER))
		return -EOPNOTSUPP;
	if ((a->flags & VCM_TEST_ATTACH_DEFER) &&
	    !(a->flags & VCM_TEST_ATTACH_DYNAMIC))
		return -EINVAL;
	if (a->alignment && !is_power_of_2(a->alignment))
		return -EINVAL;
	if (a->segment_boundary_mask &&
	    (a->segment_boundary_mask != (unsigned long)a->segment_boundary_mask ||
	     !is_power_of_2(a->segment_boundary_mask + 1)))
		return -EINVAL;

	dma_buf_constraints_from_dev(&c, dev->ptr);
	if (a->max_segments)
		dma_buf_constraints_set_max_segments(&c, a->max_segments);
	if (a->alignment)
		c.alignment = a->alignment;
	if (a->max_segment_size)
		c.max_segment_size = a->max_segment_size;
	if (a->segment_boundary_mask)
		c.segment_boundary_mask = a->segment_boundary_mask;

	obj = vcm_obj_alloc(ucmd->vf, VCM_OBJ_ATTACH);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	ta = kzalloc_obj(*ta);
	if (!ta) {
		vcm_obj_abort(ucmd->vf, obj);
		return -ENOMEM;
	}
	dmabuf = dma_buf_get(a->fd);
	if (IS_ERR(dmabuf)) {
		ret = PTR_ERR(dmabuf);
		goto err_free;
	}
	ta->attach = dma_buf_constrained_attach(dmabuf, dev->ptr,
						a->flags & VCM_TEST_ATTACH_DYNAMIC ?
						&vcm_test_attach_ops : NULL, ta, &c);
	if (IS_ERR(ta->attach)) {
		ret = PTR_ERR(ta->attach);
		goto err_put;
	}
	ta->dev = dev;
	ta->defer = a->flags & VCM_TEST_ATTACH_DEFER;
	dev->users++;
	obj->ptr = ta;
	a->out_translated = !!(c.flags & DMA_BUF_CONSTRAINT_TRANSLATED);
	a->out_attach_id = obj->id;
	return vcm_obj_respond(ucmd, obj, sizeof(*cmd));

err_put:
	dma_buf_put(dmabuf);
err_free:
	kfree(ta);
	vcm_obj_abort(ucmd->vf, obj);
	return ret;
}

/* Count @sgt's DMA segments, contiguous ranges and misfits for @c. */
static void vcm_test_sgt_stats(struct sg_table *sgt,
			       const struct dma_buf_constraints *c,
			       struct vcm_test_cmd *cmd)
{
	u64 boundary = (u64)c->segment_boundary_mask + 1;
	struct scatterlist *sg;
	dma_addr_t end = 0;
	unsigned int i;

	cmd->dmabuf_map.out_nents = sgt->nents;
	cmd->dmabuf_map.out_ranges = 0;
	cmd->dmabuf_map.out_bad_segments = 0;
	cmd->dmabuf_map.out_dma_len = 0;
	cmd->dmabuf_map.out_dma_addr = sg_dma_address(sgt->sgl);
	for_each_sgtable_dma_sg(sgt, sg, i) {
		dma_addr_t addr = sg_dma_address(sg);
		unsigned int len = sg_dma_len(sg);

		if (!i || addr != end)
			cmd->dmabuf_map.out_ranges++;
		if (len > c->max_segment_size ||
		    (boundary && (addr & ~(boundary - 1)) !=
		     ((addr + len - 1) & ~(boundary - 1))))
			cmd->dmabuf_map.out_bad_segments++;
		cmd->dmabuf_map.out_dma_len += len;
		end = addr + len;
	}
}

static int vcm_test_dmabuf_map(struct vcm_ucmd *ucmd, struct vcm_test_cmd *cmd,
			       bool map)
{
	struct vcm_test_attach *ta = vcm_obj_get(ucmd->vf, cmd->id, VCM_OBJ_ATTACH);
	struct dma_buf *dmabuf;
	struct sg_table *sgt;
	int ret = 0;

	if (!ta)
		return -ENOENT;
	if (cmd->dmabuf_map.__reserved)
		return -EINVAL;
	dmabuf = ta->attach->dmabuf;
	dma_resv_lock(dmabuf->resv, NULL);
	if (!map) {
		if (ta->sgt)
			dma_buf_unmap_attachment(ta->attach, ta->sgt,
						 DMA_BIDIRECTIONAL);
		else
			ret = -EINVAL;
		ta->sgt = NULL;
		goto out;
	}
	if (ta->sgt) {
		ret = -EBUSY;
		goto out;
	}
	sgt = dma_buf_map_attachment(ta->attach, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto out;
	}
	ta->sgt = sgt;
	vcm_test_sgt_stats(sgt, &ta->attach->constraints, cmd);
	cmd->dmabuf_map.out_invalidations = ta->invalidations;
out:
	dma_resv_unlock(dmabuf->resv);
	if (ret || !map)
		return ret;
	return vcm_ucmd_respond(ucmd, sizeof(*cmd));
}

static u32 vcm_test_windows[VCM_WINDOW_NR];

/**
 * vcm_test_window() - pass a race window that a test may have widened
 * @window: VCM_WINDOW_*
 *
 * Context: process context; sleeps if VCM_TEST_OP_WINDOW armed @window.
 */
void vcm_test_window(unsigned int window)
{
	u32 us = READ_ONCE(vcm_test_windows[window]);

	if (us)
		fsleep(us);
}

/**
 * vcm_test_window_set() - widen a race window, or stop widening it
 * @window: VCM_WINDOW_*
 * @delay_us: how long each pass sleeps in it, 0 for not at all
 */
void vcm_test_window_set(unsigned int window, u32 delay_us)
{
	WRITE_ONCE(vcm_test_windows[window], delay_us);
}

static int vcm_test_set_window(struct vcm_test_cmd *cmd)
{
	if (!cmd->window.window || cmd->window.window >= VCM_WINDOW_NR ||
	    cmd->window.delay_us > VCM_WINDOW_MAX_US)
		return -EINVAL;
	vcm_test_window_set(cmd->window.window, cmd->window.delay_us);
	return 0;
}

static const char *vcm_test_fence_name(struct dma_fence *fence)
{
	return "vcm-test";
}

static const struct dma_fence_ops vcm_test_fence_ops = {
	.get_driver_name = vcm_test_fence_name,
	.get_timeline_name = vcm_test_fence_name,
};

/**
 * vcm_test_destroy_fence() - signal a test fence and drop it
 * @obj: the fence object
 */
void vcm_test_destroy_fence(struct vcm_obj *obj)
{
	dma_fence_signal(obj->ptr);
	dma_fence_put(obj->ptr);
}

static int vcm_test_fence_add(struct vcm_ucmd *ucmd, struct vcm_test_cmd *cmd)
{
	enum dma_resv_usage usage = cmd->fence_add.write ? DMA_RESV_USAGE_WRITE :
							   DMA_RESV_USAGE_READ;
	struct dma_fence *fence;
	struct dma_buf *dmabuf;
	struct vcm_obj *obj;
	bool backed;
	u64 addr;
	u32 nr;
	int ret;

	if (cmd->fence_add.__reserved || cmd->fence_add.write > 1)
		return -EINVAL;
	dmabuf = dma_buf_get(cmd->fence_add.fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	/* Only on a VCM export: it would hold up any other exporter's users */
	if (vcm_export_info(dmabuf, &addr, &nr, &nr, &backed)) {
		ret = -EINVAL;
		goto out;
	}
	obj = vcm_obj_alloc(ucmd->vf, VCM_OBJ_FENCE);
	if (IS_ERR(obj)) {
		ret = PTR_ERR(obj);
		goto out;
	}
	fence = kzalloc_obj(*fence);
	if (!fence) {
		vcm_obj_abort(ucmd->vf, obj);
		ret = -ENOMEM;
		goto out;
	}
	dma_fence_init(fence, &vcm_test_fence_ops, NULL,
		       dma_fence_context_alloc(1), 1);
	obj->ptr = fence;
	dma_resv_lock(dmabuf->resv, NULL);
	ret = dma_resv_reserve_fences(dmabuf->resv, 1);
	if (!ret)
		dma_resv_add_fence(dmabuf->resv, fence, usage);
	dma_resv_unlock(dmabuf->resv);
	if (ret) {
		vcm_obj_abort(ucmd->vf, obj);
		goto out;
	}
	cmd->fence_add.out_fence_id = obj->id;
	ret = vcm_obj_respond(ucmd, obj, sizeof(*cmd));
out:
	dma_buf_put(dmabuf);
	return ret;
}

static int vcm_test_fence_signal(struct vcm_ucmd *ucmd, struct vcm_test_cmd *cmd)
{
	struct dma_fence *fence = vcm_obj_get(ucmd->vf, cmd->id, VCM_OBJ_FENCE);

	if (!fence)
		return -ENOENT;
	/* true if it was signalled already */
	return dma_fence_check_and_signal(fence) ? -EINVAL : 0;
}

/**
 * struct vcm_test_exporter - a dma-buf whose table need not match its size
 * @nr_pages: pages it holds and maps
 * @pages: them
 */
struct vcm_test_exporter {
	unsigned int nr_pages;
	struct page **pages;
};

static struct sg_table *vcm_test_exp_map(struct dma_buf_attachment *attach,
					 enum dma_data_direction dir)
{
	struct vcm_test_exporter *te = attach->dmabuf->priv;
	struct sg_table *sgt;
	int ret;

	sgt = kzalloc_obj(*sgt);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table_from_pages(sgt, te->pages, te->nr_pages, 0,
					(size_t)te->nr_pages << PAGE_SHIFT,
					GFP_KERNEL);
	if (ret)
		goto err_free;
	ret = dma_map_sgtable(attach->dev, sgt, dir, 0);
	if (ret)
		goto err_table;
	return sgt;

err_table:
	sg_free_table(sgt);
err_free:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void vcm_test_exp_unmap(struct dma_buf_attachment *attach,
			       struct sg_table *sgt, enum dma_data_direction dir)
{
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	sg_free_table(sgt);
	kfree(sgt);
}

static int vcm_test_exp_pin(struct dma_buf_attachment *attach)
{
	return 0;
}

static void vcm_test_exp_unpin(struct dma_buf_attachment *attach)
{
}

static void vcm_test_exp_free(struct vcm_test_exporter *te)
{
	unsigned int i;

	for (i = 0; i < te->nr_pages; i++)
		if (te->pages[i])
			__free_page(te->pages[i]);
	kvfree(te->pages);
	kfree(te);
}

static void vcm_test_exp_release(struct dma_buf *dmabuf)
{
	vcm_test_exp_free(dmabuf->priv);
}

static const struct dma_buf_ops vcm_test_exp_ops = {
	.pin = vcm_test_exp_pin,
	.unpin = vcm_test_exp_unpin,
	.map_dma_buf = vcm_test_exp_map,
	.unmap_dma_buf = vcm_test_exp_unmap,
	.release = vcm_test_exp_release,
};

static int vcm_test_dmabuf_create(struct vcm_ucmd *ucmd, struct vcm_test_cmd *cmd)
{
	typeof(cmd->dmabuf_create) *c = &cmd->dmabuf_create;
	DEFINE_DMA_BUF_EXPORT_INFO(exp_info);
	struct vcm_test_exporter *te;
	struct dma_buf *dmabuf;
	unsigned int i;
	int fd, ret;

	if (c->__reserved)
		return -EINVAL;
	if (!c->size || !c->table_len || !PAGE_ALIGNED(c->size) ||
	    !PAGE_ALIGNED(c->table_len) || c->size > SZ_64M ||
	    c->table_len > SZ_64M)
		return -EINVAL;
	te = kzalloc_obj(*te);
	if (!te)
		return -ENOMEM;
	te->nr_pages = c->table_len >> PAGE_SHIFT;
	te->pages = kvcalloc(te->nr_pages, sizeof(*te->pages), GFP_KERNEL);
	if (!te->pages) {
		kfree(te);
		return -ENOMEM;
	}
	for (i = 0; i < te->nr_pages; i++) {
		te->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!te->pages[i]) {
			vcm_test_exp_free(te);
			return -ENOMEM;
		}
	}
	exp_info.ops = &vcm_test_exp_ops;
	exp_info.size = c->size;
	exp_info.flags = O_RDWR;
	exp_info.priv = te;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		vcm_test_exp_free(te);
		return fd;
	}
	dmabuf = dma_buf_export(&exp_info);
	if (IS_ERR(dmabuf)) {
		put_unused_fd(fd);
		vcm_test_exp_free(te);
		return PTR_ERR(dmabuf);
	}
	c->out_fd = fd;
	ret = vcm_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret) {
		put_unused_fd(fd);
		dma_buf_put(dmabuf);
		return ret;
	}
	dma_buf_fd_install(dmabuf, fd);
	return 0;
}

/**
 * vcm_test_cmd() - ioctl(VCM_TEST)
 * @ucmd: the ioctl, its struct vcm_test_cmd copied in
 *
 * Return: 0 or the op's errno; -EOPNOTSUPP for an unknown op.
 */
int vcm_test_cmd(struct vcm_ucmd *ucmd)
{
	struct vcm_test_cmd *cmd = ucmd->cmd;

	if (cmd->__reserved)
		return -EINVAL;
	switch (cmd->op) {
	case VCM_TEST_OP_INSTANCE_INFO:
		return vcm_test_instance_info(ucmd, cmd);
	case VCM_TEST_OP_DEV_CREATE:
		return vcm_test_dev_create(ucmd, cmd);
	case VCM_TEST_OP_DEV_REMOVE:
		return vcm_test_dev_remove(ucmd, cmd);
	case VCM_TEST_OP_DOMAIN_STATS:
		return vcm_test_domain_stats(ucmd, cmd);
	case VCM_TEST_OP_CHECK_MAP:
		return vcm_test_check_map(ucmd, cmd);
	case VCM_TEST_OP_DMA:
		return vcm_test_dma(ucmd, cmd);
	case VCM_TEST_OP_FAULT:
		return vcm_test_fault(ucmd, cmd);
	case VCM_TEST_OP_EDU_OPEN:
		return vcm_test_edu_open(ucmd, cmd);
	case VCM_TEST_OP_EDU_COPY:
		return vcm_test_edu_copy(ucmd, cmd);
	case VCM_TEST_OP_DMABUF_ATTACH:
		return vcm_test_dmabuf_attach(ucmd, cmd);
	case VCM_TEST_OP_DMABUF_MAP:
		return vcm_test_dmabuf_map(ucmd, cmd, true);
	case VCM_TEST_OP_DMABUF_UNMAP:
		return vcm_test_dmabuf_map(ucmd, cmd, false);
	case VCM_TEST_OP_BENCH:
		return vcm_test_bench(ucmd, cmd);
	case VCM_TEST_OP_WINDOW:
		return vcm_test_set_window(cmd);
	case VCM_TEST_OP_FENCE_ADD:
		return vcm_test_fence_add(ucmd, cmd);
	case VCM_TEST_OP_FENCE_SIGNAL:
		return vcm_test_fence_signal(ucmd, cmd);
	case VCM_TEST_OP_DMABUF_CREATE:
		return vcm_test_dmabuf_create(ucmd, cmd);
	default:
		return -EOPNOTSUPP;
	}
}
