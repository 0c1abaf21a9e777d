// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only /dev/vcm commands (CONFIG_VCM_TEST): test devices behind the mock
 * IOMMU instances, per-domain counters, translation checks, simulated DMA and
 * injected faults. Not a stable ABI.
 */
#include <linux/dma-buf.h>
#include <linux/dma-buf-constraints.h>
#include <linux/dma-resv.h>
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
	struct device *dev;
	int ret;

	if (cmd->dev_create.flags & ~(VCM_TEST_DEV_PASID | VCM_TEST_DEV_NO_IOMMU))
		return -EOPNOTSUPP;
	if (cmd->dev_create.dma_bits > 64)
		return -EINVAL;
	dev = vcm_mock_dev_create(cmd->dev_create.instance, cmd->dev_create.flags,
				  cmd->dev_create.dma_bits);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	ret = vcm_obj_add(ucmd->vf, VCM_OBJ_DEV, dev, &cmd->dev_create.out_dev_id);
	if (ret) {
		vcm_mock_dev_destroy(dev);
		return ret;
	}
	return vcm_ucmd_respond(ucmd, sizeof(*cmd));
}

/**
 * struct vcm_test_attach - a test importer's attachment to a dma-buf
 * @attach: the attachment
 * @dev: the device object it was made for
 * @sgt: its mapping, or NULL (under the dma-buf's reservation lock)
 * @invalidations: invalidations received (likewise)
 */
struct vcm_test_attach {
	struct dma_buf_attachment *attach;
	struct vcm_obj *dev;
	struct sg_table *sgt;
	unsigned int invalidations;
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
		xa_erase(&ucmd->vf->objs, aobj->id);
		vcm_test_destroy_attach(aobj);
		kfree(aobj);
	}
	if (obj->pci) {
		/* Unbind: the driver's remove takes it out of every VCM. */
		device_release_driver(obj->ptr);
		return 0;
	}
	vcm_device_removed(obj->ptr);
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

	vcm_phys_iter_init(&it, res->phys);
	while (vcm_phys_next_seg(&it, &pa, &len)) {
		vcm_test_cover_run(iova, pa, len, pgsizes, cover);
		iova += len;
	}
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
		if (!vcm_res_phys(res))
			return -EINVAL;
	}
	domain = vcm_assoc_domain(assoc);
	if (!domain)
		return -ENODEV;

	st = kzalloc_obj(*st);
	if (!st)
		return -ENOMEM;
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
	int ret;

	if (cmd->edu_open.__reserved)
		return -EINVAL;
	dev = vcm_edu_get(cmd->edu_open.index, &bits);
	if (!dev)
		return -ENODEV;
	ret = vcm_obj_add(ucmd->vf, VCM_OBJ_DEV, dev, &cmd->edu_open.out_dev_id);
	if (ret) {
		put_device(dev);
		return ret;
	}
	obj = vcm_obj_find(ucmd->vf, cmd->edu_open.out_dev_id, VCM_OBJ_DEV);
	obj->pci = true;
	cmd->edu_open.out_dma_bits = bits;
	ret = vcm_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret) {
		xa_erase(&ucmd->vf->objs, obj->id);
		kfree(obj);
		put_device(dev);
	}
	return ret;
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

/* A dynamic importer drops its mapping at once, as revocation requires. */
static void vcm_test_invalidate(struct dma_buf_attachment *attach)
{
	struct vcm_test_attach *ta = attach->importer_priv;

	ta->invalidations++;
	if (ta->sgt) {
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
	int ret;

	if (!dev)
		return -ENOENT;
	if (!dev->ptr)
		return -ENODEV;
	if (a->flags & ~VCM_TEST_ATTACH_DYNAMIC)
		return -EOPNOTSUPP;
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

	ta = kzalloc_obj(*ta);
	if (!ta)
		return -ENOMEM;
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
	ret = vcm_obj_add(ucmd->vf, VCM_OBJ_ATTACH, ta, &a->out_attach_id);
	if (ret)
		goto err_detach;
	dev->users++;
	a->out_translated = !!(c.flags & DMA_BUF_CONSTRAINT_TRANSLATED);
	ret = vcm_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret) {
		struct vcm_obj *obj = vcm_obj_find(ucmd->vf, a->out_attach_id,
						   VCM_OBJ_ATTACH);

		xa_erase(&ucmd->vf->objs, obj->id);
		kfree(obj);
		vcm_test_destroy_attach(&(struct vcm_obj){ .ptr = ta });
	}
	return ret;

err_detach:
	dma_buf_detach(dmabuf, ta->attach);
err_put:
	dma_buf_put(dmabuf);
err_free:
	kfree(ta);
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
	default:
		return -EOPNOTSUPP;
	}
}
