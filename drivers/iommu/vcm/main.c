// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/vcm: the VCM API for the selftests. Root only. Objects are named by
 * ids inside the open file and all released on close; ioctl structs are size
 * versioned (copy_struct_from_user) like iommufd's.
 */
#include <linux/capability.h>
#include <linux/device.h>
#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "vcm-priv.h"

/**
 * vcm_ucmd_respond() - copy an ioctl's struct back to the user
 * @ucmd: the ioctl
 * @len: the kernel's size of the struct
 *
 * Return: 0 or -EFAULT.
 */
int vcm_ucmd_respond(struct vcm_ucmd *ucmd, size_t len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd, min_t(size_t, ucmd->user_size, len)))
		return -EFAULT;
	return 0;
}

/**
 * vcm_obj_find() - look up an object of a given type
 * @vf: the file
 * @id: its id
 * @type: the type it must have
 *
 * Return: the object, or NULL if there is none of that type with that id.
 */
struct vcm_obj *vcm_obj_find(struct vcm_file *vf, u32 id, enum vcm_obj_type type)
{
	struct vcm_obj *obj = xa_load(&vf->objs, id);

	return obj && obj->type == type ? obj : NULL;
}

/**
 * vcm_obj_get() - look up what an object of a given type holds
 * @vf: the file
 * @id: its id
 * @type: the type it must have
 *
 * Return: the object's pointer, or NULL.
 */
void *vcm_obj_get(struct vcm_file *vf, u32 id, enum vcm_obj_type type)
{
	struct vcm_obj *obj = vcm_obj_find(vf, id, type);

	return obj ? obj->ptr : NULL;
}

/**
 * vcm_obj_alloc() - reserve an id for a new object
 * @vf: the file
 * @type: its type
 *
 * The first of two phases, as in iommufd: the id is reserved but looks up as
 * nothing until vcm_obj_respond() finalizes it once the user has it, or
 * aborts it.
 *
 * Return: the object, its pointer still NULL, or ERR_PTR: -ENOMEM, -EBUSY
 * (out of ids).
 */
struct vcm_obj *vcm_obj_alloc(struct vcm_file *vf, enum vcm_obj_type type)
{
	struct vcm_obj *obj;
	int ret;

	obj = kzalloc_obj(*obj, GFP_KERNEL_ACCOUNT);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->type = type;
	ret = xa_alloc_cyclic(&vf->objs, &obj->id, XA_ZERO_ENTRY,
			      XA_LIMIT(1, INT_MAX), &vf->next_id,
			      GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		kfree(obj);
		return ERR_PTR(ret);
	}
	return obj;
}

/* Let go of what @obj holds, whatever depends on it. Never fails. */
static void vcm_obj_put(struct vcm_obj *obj)
{
	switch (obj->type) {
	case VCM_OBJ_VCM:
		vcm_put(obj->ptr);
		break;
	case VCM_OBJ_ASSOC:
		vcm_assoc_put(obj->ptr);
		obj->dev->users--;
		break;
	case VCM_OBJ_PHYS:
		vcm_phys_put(obj->ptr);
		break;
	case VCM_OBJ_RES:
		vcm_res_put(obj->ptr);
		break;
	case VCM_OBJ_DEV:
		vcm_test_destroy_dev(obj);
		break;
	case VCM_OBJ_ATTACH:
		vcm_test_destroy_attach(obj);
		break;
	case VCM_OBJ_FENCE:
		vcm_test_destroy_fence(obj);
		break;
	default:
		WARN_ON_ONCE(1);
	}
}

/**
 * vcm_obj_abort() - undo a new object the user never got
 * @vf: the file
 * @obj: from vcm_obj_alloc(); what its pointer holds, if anything, is put
 */
void vcm_obj_abort(struct vcm_file *vf, struct vcm_obj *obj)
{
	if (obj->ptr)
		vcm_obj_put(obj);
	vcm_obj_forget(vf, obj);
}

/**
 * vcm_obj_forget() - remove an object from the file and free it
 * @vf: the file
 * @obj: the object, whose pointer no longer holds anything
 *
 * Under map_lock, which mmap() looks objects up under.
 */
void vcm_obj_forget(struct vcm_file *vf, struct vcm_obj *obj)
{
	mutex_lock(&vf->map_lock);
	xa_erase(&vf->objs, obj->id);
	mutex_unlock(&vf->map_lock);
	kfree(obj);
}

/**
 * vcm_obj_respond() - return a new object's ioctl struct, then publish it
 * @ucmd: the ioctl, its struct naming the new object's id
 * @obj: from vcm_obj_alloc(), its pointer set
 * @len: the kernel's size of the struct
 *
 * Return: 0, or -EFAULT, in which case the object is aborted.
 */
int vcm_obj_respond(struct vcm_ucmd *ucmd, struct vcm_obj *obj, size_t len)
{
	int ret = vcm_ucmd_respond(ucmd, len);

	if (ret)
		vcm_obj_abort(ucmd->vf, obj);
	else
		xa_store(&ucmd->vf->objs, obj->id, obj, GFP_KERNEL);
	return ret;
}

/* Destroy what @obj holds if nothing depends on it, then forget @obj. */
static int vcm_obj_destroy(struct vcm_file *vf, struct vcm_obj *obj)
{
	int ret = 0;

	switch (obj->type) {
	case VCM_OBJ_VCM:
		ret = vcm_free(obj->ptr);
		break;
	case VCM_OBJ_ASSOC:
		ret = vcm_deassoc(obj->ptr);
		if (!ret)
			obj->dev->users--;
		break;
	case VCM_OBJ_PHYS:
		ret = vcm_phys_free(obj->ptr);
		break;
	case VCM_OBJ_RES:
		/* mmap() uses what it looks up under map_lock: end it under it */
		mutex_lock(&vf->map_lock);
		ret = vcm_unreserve(obj->ptr);
		if (!ret)
			xa_erase(&vf->objs, obj->id);
		mutex_unlock(&vf->map_lock);
		if (!ret)
			kfree(obj);
		return ret;
	case VCM_OBJ_DEV:
		if (obj->users)
			ret = -EBUSY;
		else
			vcm_obj_put(obj);
		break;
	default:
		vcm_obj_put(obj);
	}
	if (ret)
		return ret;
	vcm_obj_forget(vf, obj);
	return 0;
}

static int vcm_ioctl_destroy(struct vcm_ucmd *ucmd)
{
	struct vcm_destroy *cmd = ucmd->cmd;
	struct vcm_obj *obj = xa_load(&ucmd->vf->objs, cmd->id);

	if (!obj)
		return -ENOENT;
	return vcm_obj_destroy(ucmd->vf, obj);
}

static int vcm_ioctl_create(struct vcm_ucmd *ucmd)
{
	struct vcm_create *cmd = ucmd->cmd;
	struct vcm_obj *obj;
	struct vcm *vcm;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;
	obj = vcm_obj_alloc(ucmd->vf, VCM_OBJ_VCM);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	vcm = vcm_create(cmd->start, cmd->len);
	if (IS_ERR(vcm)) {
		vcm_obj_abort(ucmd->vf, obj);
		return PTR_ERR(vcm);
	}
	obj->ptr = vcm;
	cmd->out_vcm_id = obj->id;
	return vcm_obj_respond(ucmd, obj, sizeof(*cmd));
}

static int vcm_ioctl_info(struct vcm_ucmd *ucmd)
{
	struct vcm_info *cmd = ucmd->cmd;
	struct vcm *vcm = vcm_obj_get(ucmd->vf, cmd->vcm_id, VCM_OBJ_VCM);

	if (!vcm)
		return -ENOENT;
	if (cmd->__reserved)
		return -EINVAL;
	cmd->out_pgsizes = vcm_get_pgsizes(vcm);
	mutex_lock(&vcm->lock);
	cmd->out_start = vcm->start;
	cmd->out_len = vcm->len;
	cmd->out_nr_res = vcm->nr_res;
	cmd->out_nr_backed = vcm->nr_backed;
	cmd->out_nr_assoc = vcm->nr_assoc;
	cmd->out_nr_domains = vcm->nr_domains;
	mutex_unlock(&vcm->lock);
	cmd->out_nr_faults = atomic_read(&vcm->nr_faults);
	cmd->out_last_fault = atomic64_read(&vcm->last_fault);
	return vcm_ucmd_respond(ucmd, sizeof(*cmd));
}

static int vcm_ioctl_assoc(struct vcm_ucmd *ucmd)
{
	struct vcm_associate *cmd = ucmd->cmd;
	ioasid_t pasid = IOMMU_NO_PASID;
	struct vcm_obj *dev, *obj;
	struct vcm_assoc *assoc;
	struct vcm *vcm;

	if (cmd->flags & ~VCM_ASSOC_PASID)
		return -EOPNOTSUPP;
	if (cmd->flags & VCM_ASSOC_PASID) {
		if (cmd->pasid == IOMMU_NO_PASID)
			return -EINVAL;
		pasid = cmd->pasid;
	} else if (cmd->pasid) {
		return -EINVAL;
	}
	vcm = vcm_obj_get(ucmd->vf, cmd->vcm_id, VCM_OBJ_VCM);
	dev = vcm_obj_find(ucmd->vf, cmd->dev_id, VCM_OBJ_DEV);
	if (!vcm || !dev)
		return -ENOENT;
	/* A device object whose device went away */
	if (!dev->ptr)
		return -ENODEV;

	obj = vcm_obj_alloc(ucmd->vf, VCM_OBJ_ASSOC);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	/* Bound, and so until vcm_assoc() returns: its remove comes after */
	device_lock(dev->ptr);
	assoc = vcm_assoc(vcm, dev->ptr, pasid);
	device_unlock(dev->ptr);
	if (IS_ERR(assoc)) {
		vcm_obj_abort(ucmd->vf, obj);
		return PTR_ERR(assoc);
	}
	obj->ptr = assoc;
	obj->dev = dev;
	dev->users++;
	cmd->out_assoc_id = obj->id;
	return vcm_obj_respond(ucmd, obj, sizeof(*cmd));
}

static int vcm_ioctl_activate(struct vcm_ucmd *ucmd)
{
	struct vcm_activate *cmd = ucmd->cmd;
	struct vcm_assoc *assoc = vcm_obj_get(ucmd->vf, cmd->assoc_id, VCM_OBJ_ASSOC);

	if (!assoc)
		return -ENOENT;
	return vcm_activate(assoc);
}

static int vcm_ioctl_deactivate(struct vcm_ucmd *ucmd)
{
	struct vcm_activate *cmd = ucmd->cmd;
	struct vcm_assoc *assoc = vcm_obj_get(ucmd->vf, cmd->assoc_id, VCM_OBJ_ASSOC);

	if (!assoc)
		return -ENOENT;
	return vcm_deactivate(assoc);
}

static unsigned int vcm_phys_nr_segments(struct vcm_phys *phys)
{
	struct vcm_phys_iter it;
	unsigned int n = 0;
	phys_addr_t pa;
	size_t len;

	vcm_phys_iter_init(&it, phys);
	while (vcm_phys_next_seg(&it, &pa, &len))
		n++;
	return n;
}

static int vcm_ioctl_phys_alloc(struct vcm_ucmd *ucmd)
{
	struct vcm_phys_alloc *cmd = ucmd->cmd;
	unsigned long pgsizes = cmd->pgsizes;
	enum vcm_cache cache = VCM_CACHE_WB;
	struct vcm_phys *phys;
	struct vcm_obj *obj;

	if (cmd->flags & ~(VCM_PHYS_CONTIG | VCM_PHYS_WC | VCM_PHYS_UNCACHED))
		return -EOPNOTSUPP;
	if ((cmd->flags & VCM_PHYS_WC) && (cmd->flags & VCM_PHYS_UNCACHED))
		return -EINVAL;
	if (cmd->flags & VCM_PHYS_WC)
		cache = VCM_CACHE_WC;
	if (cmd->flags & VCM_PHYS_UNCACHED)
		cache = VCM_CACHE_UNCACHED;
	if (cmd->pgsizes != pgsizes)
		return -EINVAL;
	if (!pgsizes) {
		struct vcm *vcm = vcm_obj_get(ucmd->vf, cmd->vcm_id, VCM_OBJ_VCM);

		if (!vcm)
			return -ENOENT;
		pgsizes = vcm_get_pgsizes(vcm);
	} else if (cmd->vcm_id) {
		return -EINVAL;
	}
	if (cmd->len != (size_t)cmd->len)
		return -EINVAL;

	obj = vcm_obj_alloc(ucmd->vf, VCM_OBJ_PHYS);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	phys = vcm_phys_alloc(cmd->len, pgsizes, cmd->flags & VCM_PHYS_CONTIG, cache);
	if (IS_ERR(phys)) {
		vcm_obj_abort(ucmd->vf, obj);
		return PTR_ERR(phys);
	}
	obj->ptr = phys;
	cmd->out_nr_blocks = vcm_phys_nr_blocks(phys);
	cmd->out_nr_segments = vcm_phys_nr_segments(phys);
	cmd->out_phys_id = obj->id;
	return vcm_obj_respond(ucmd, obj, sizeof(*cmd));
}

static int vcm_ioctl_phys_segments(struct vcm_ucmd *ucmd)
{
	struct vcm_phys_segments *cmd = ucmd->cmd;
	u8 __user *uorders = u64_to_user_ptr(cmd->block_orders);
	struct vcm_phys *phys;
	unsigned int i, n;

	if (cmd->__reserved)
		return -EINVAL;
	phys = vcm_obj_get(ucmd->vf, cmd->phys_id, VCM_OBJ_PHYS);
	if (!phys)
		return -ENOENT;
	n = vcm_phys_nr_blocks(phys);
	for (i = 0; i < n && i < cmd->nr_blocks; i++) {
		if (put_user((u8)vcm_phys_block_order(phys, i), uorders + i))
			return -EFAULT;
	}
	i = cmd->nr_blocks;
	cmd->nr_blocks = n;
	if (vcm_ucmd_respond(ucmd, sizeof(*cmd)))
		return -EFAULT;
	return i < n ? -EMSGSIZE : 0;
}

static int vcm_ioctl_reserve(struct vcm_ucmd *ucmd)
{
	const u32 cache_flags = VCM_RESERVE_WB | VCM_RESERVE_WC | VCM_RESERVE_UNCACHED;
	struct vcm_reserve *cmd = ucmd->cmd;
	struct vcm_obj *obj;
	struct vcm_res *res;
	struct vcm *vcm;
	int prot = 0;

	if (cmd->flags & ~(VCM_RESERVE_FIXED | VCM_RESERVE_READ |
			   VCM_RESERVE_WRITE | cache_flags))
		return -EOPNOTSUPP;
	if (hweight32(cmd->flags & cache_flags) > 1)
		return -EINVAL;
	if (cmd->flags & VCM_RESERVE_READ)
		prot |= IOMMU_READ;
	if (cmd->flags & VCM_RESERVE_WRITE)
		prot |= IOMMU_WRITE;
	if (cmd->len != (size_t)cmd->len)
		return -EINVAL;
	vcm = vcm_obj_get(ucmd->vf, cmd->vcm_id, VCM_OBJ_VCM);
	if (!vcm)
		return -ENOENT;

	if (cmd->flags & VCM_RESERVE_FIXED) {
		if (cmd->align && (!is_power_of_2(cmd->align) ||
				   cmd->align < PAGE_SIZE ||
				   cmd->align > VCM_MAX_ALIGN ||
				   !IS_ALIGNED(cmd->addr, cmd->align)))
			return -EINVAL;
	} else if (cmd->addr) {
		return -EINVAL;
	}

	obj = vcm_obj_alloc(ucmd->vf, VCM_OBJ_RES);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	if (cmd->flags & VCM_RESERVE_FIXED)
		res = vcm_reserve_at(vcm, cmd->addr, cmd->len, prot);
	else
		res = vcm_reserve(vcm, cmd->len, cmd->align, prot);
	if (IS_ERR(res)) {
		vcm_obj_abort(ucmd->vf, obj);
		return PTR_ERR(res);
	}
	obj->ptr = res;
	if (cmd->flags & cache_flags)
		vcm_res_require_cache(res, cmd->flags & VCM_RESERVE_WB ? VCM_CACHE_WB :
				      cmd->flags & VCM_RESERVE_WC ? VCM_CACHE_WC :
				      VCM_CACHE_UNCACHED);
	cmd->addr = vcm_res_addr(res);
	cmd->out_res_id = obj->id;
	return vcm_obj_respond(ucmd, obj, sizeof(*cmd));
}

static int vcm_ioctl_back(struct vcm_ucmd *ucmd)
{
	struct vcm_back *cmd = ucmd->cmd;
	struct vcm_phys *phys;
	struct vcm_res *res;

	if (cmd->__reserved)
		return -EINVAL;
	res = vcm_obj_get(ucmd->vf, cmd->res_id, VCM_OBJ_RES);
	phys = vcm_obj_get(ucmd->vf, cmd->phys_id, VCM_OBJ_PHYS);
	if (!res || !phys)
		return -ENOENT;
	return vcm_back(res, phys);
}

static int vcm_ioctl_unback(struct vcm_ucmd *ucmd)
{
	struct vcm_back *cmd = ucmd->cmd;
	struct vcm_res *res;

	if (cmd->__reserved || cmd->phys_id)
		return -EINVAL;
	res = vcm_obj_get(ucmd->vf, cmd->res_id, VCM_OBJ_RES);
	if (!res)
		return -ENOENT;
	/* -EBUSY while a user mapping of it exists */
	return vcm_unback(res);
}

static int vcm_ioctl_translate(struct vcm_ucmd *ucmd)
{
	struct vcm_translate *cmd = ucmd->cmd;
	struct vcm *src, *dst;
	int ret;

	if (cmd->__reserved)
		return -EINVAL;
	src = vcm_obj_get(ucmd->vf, cmd->src_vcm_id, VCM_OBJ_VCM);
	dst = vcm_obj_get(ucmd->vf, cmd->dst_vcm_id, VCM_OBJ_VCM);
	if (!src || !dst)
		return -ENOENT;
	ret = vcm_translate(src, cmd->addr, dst, &cmd->out_addr);
	if (ret)
		return ret;
	return vcm_ucmd_respond(ucmd, sizeof(*cmd));
}

/*
 * 0 if @res has memory the CPU can map here: not exported (map the dma-buf),
 * backed, and not imported
 */
static int vcm_res_cpu_ok(struct vcm_res *res)
{
	int ret = 0;

	mutex_lock(&res->vcm->lock);
	if (res->export)
		ret = -EBUSY;
	else if (!res->phys)
		ret = -EINVAL;
	else if (res->phys->attach)
		ret = -EOPNOTSUPP;
	mutex_unlock(&res->vcm->lock);
	return ret;
}

static int vcm_ioctl_cpu_access(struct vcm_ucmd *ucmd)
{
	struct vcm_cpu_access *cmd = ucmd->cmd;
	void __user *uptr = u64_to_user_ptr(cmd->uptr);
	struct vcm_phys *phys;
	struct vcm_res *res;
	void *vaddr;
	u64 end;
	int ret = 0;

	if (cmd->op > VCM_CPU_WRITE)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;
	res = vcm_obj_get(ucmd->vf, cmd->res_id, VCM_OBJ_RES);
	if (!res)
		return -ENOENT;
	if (!cmd->len || check_add_overflow(cmd->offset, cmd->len, &end) ||
	    end > vcm_res_len(res))
		return -EINVAL;
	ret = vcm_res_cpu_ok(res);
	if (ret)
		return ret;

	vcm_test_window(VCM_WINDOW_CPU_ACCESS);
	vaddr = vcm_vmap(res);
	if (!vaddr)
		return vcm_res_cpu_ok(res) ?: -ENOMEM;
	/* Its memory cannot change while it is mapped */
	phys = vcm_res_phys(res);
	if (cmd->op == VCM_CPU_READ) {
		vcm_phys_sync_for_cpu(phys, DMA_FROM_DEVICE);
		if (copy_to_user(uptr, vaddr + cmd->offset, cmd->len))
			ret = -EFAULT;
	} else if (fault_in_readable(uptr, cmd->len)) {
		/* copy_from_user() would zero what it could not read */
		ret = -EFAULT;
	} else {
		if (copy_from_user(vaddr + cmd->offset, uptr, cmd->len))
			ret = -EFAULT;
		vcm_phys_sync_for_device(phys, DMA_TO_DEVICE);
	}
	vcm_vunmap(res, vaddr);
	return ret;
}

static int vcm_ioctl_export(struct vcm_ucmd *ucmd)
{
	struct vcm_export *cmd = ucmd->cmd;
	struct dma_buf *dmabuf;
	struct vcm_res *res;
	int fd, ret;

	if (cmd->flags & ~VCM_EXPORT_MOVABLE)
		return -EOPNOTSUPP;
	res = vcm_obj_get(ucmd->vf, cmd->res_id, VCM_OBJ_RES);
	if (!res)
		return -ENOENT;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	dmabuf = vcm_export(res, cmd->flags & VCM_EXPORT_MOVABLE);
	if (IS_ERR(dmabuf)) {
		put_unused_fd(fd);
		return PTR_ERR(dmabuf);
	}
	cmd->out_fd = fd;
	ret = vcm_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret) {
		/* Once exported, only dma_buf_put() cleans up. */
		put_unused_fd(fd);
		dma_buf_put(dmabuf);
		return ret;
	}
	dma_buf_fd_install(dmabuf, fd);
	return 0;
}

static int vcm_ioctl_import(struct vcm_ucmd *ucmd)
{
	struct vcm_import *cmd = ucmd->cmd;
	struct dma_buf *dmabuf;
	struct vcm_phys *phys;
	struct vcm_obj *obj;

	if (cmd->flags)
		return -EOPNOTSUPP;
	if (cmd->__reserved)
		return -EINVAL;
	dmabuf = dma_buf_get(cmd->fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	obj = vcm_obj_alloc(ucmd->vf, VCM_OBJ_PHYS);
	if (IS_ERR(obj)) {
		dma_buf_put(dmabuf);
		return PTR_ERR(obj);
	}
	phys = vcm_phys_import(dmabuf);
	dma_buf_put(dmabuf);
	if (IS_ERR(phys)) {
		vcm_obj_abort(ucmd->vf, obj);
		return PTR_ERR(phys);
	}
	obj->ptr = phys;
	cmd->out_nr_blocks = vcm_phys_nr_blocks(phys);
	cmd->out_nr_segments = vcm_phys_nr_segments(phys);
	cmd->out_len = vcm_phys_len(phys);
	cmd->out_phys_id = obj->id;
	return vcm_obj_respond(ucmd, obj, sizeof(*cmd));
}

static int vcm_ioctl_dmabuf_info(struct vcm_ucmd *ucmd)
{
	struct vcm_dmabuf_info *cmd = ucmd->cmd;
	struct dma_buf_attachment *attach;
	struct dma_buf_constraints c;
	struct dma_buf *dmabuf;
	u32 nr_attach = 0;
	bool backed;

	if (cmd->__reserved || cmd->__reserved2)
		return -EINVAL;
	dmabuf = dma_buf_get(cmd->fd);
	if (IS_ERR(dmabuf))
		return PTR_ERR(dmabuf);
	dma_resv_lock(dmabuf->resv, NULL);
	cmd->out_flags = dma_buf_constraints_get(dmabuf, NULL, &c) ?
			 VCM_DMABUF_EMPTY : 0;
	list_for_each_entry(attach, &dmabuf->attachments, node)
		nr_attach++;
	dma_resv_unlock(dmabuf->resv);

	if (c.flags & DMA_BUF_CONSTRAINT_TRANSLATED)
		cmd->out_flags |= VCM_DMABUF_TRANSLATED;
	if (c.flags & DMA_BUF_CONSTRAINT_NONCOHERENT)
		cmd->out_flags |= VCM_DMABUF_NONCOHERENT;
	cmd->out_nr_attach = nr_attach;
	cmd->out_size = dmabuf->size;
	cmd->out_dma_mask = c.dma_mask;
	cmd->out_phys_mask = c.phys_mask;
	cmd->out_segment_boundary_mask = c.segment_boundary_mask;
	cmd->out_max_segment_size = c.max_segment_size;
	cmd->out_max_segments = c.max_segments;
	cmd->out_phys_max_segments = c.phys_max_segments;
	cmd->out_alignment = c.alignment;
	if (!vcm_export_info(dmabuf, &cmd->out_addr, &cmd->out_nr_segments,
			     &cmd->out_nr_moves, &backed)) {
		cmd->out_flags |= VCM_DMABUF_VCM;
		if (backed)
			cmd->out_flags |= VCM_DMABUF_BACKED;
	}
	dma_buf_put(dmabuf);
	return vcm_ucmd_respond(ucmd, sizeof(*cmd));
}

union vcm_ucmd_buffer {
	struct vcm_destroy destroy;
	struct vcm_create create;
	struct vcm_info info;
	struct vcm_associate assoc;
	struct vcm_activate activate;
	struct vcm_phys_alloc phys_alloc;
	struct vcm_phys_segments phys_segments;
	struct vcm_reserve reserve;
	struct vcm_back back;
	struct vcm_translate translate;
	struct vcm_cpu_access cpu_access;
	struct vcm_export export;
	struct vcm_import import;
	struct vcm_dmabuf_info dmabuf_info;
	struct vcm_test_cmd test;
};

struct vcm_ioctl_op {
	unsigned int size;
	unsigned int min_size;
	unsigned int ioctl_num;
	int (*execute)(struct vcm_ucmd *ucmd);
};

#define IOCTL_OP(_ioctl, _fn, _struct, _last)				\
	[_IOC_NR(_ioctl) - VCM_CMD_BASE] = {				\
		.size = sizeof(_struct) +				\
			BUILD_BUG_ON_ZERO(sizeof(union vcm_ucmd_buffer) < \
					  sizeof(_struct)),		\
		.min_size = offsetofend(_struct, _last),		\
		.ioctl_num = _ioctl,					\
		.execute = _fn,						\
	}

static const struct vcm_ioctl_op vcm_ioctl_ops[] = {
	IOCTL_OP(VCM_DESTROY, vcm_ioctl_destroy, struct vcm_destroy, id),
	IOCTL_OP(VCM_CREATE, vcm_ioctl_create, struct vcm_create, __reserved),
	IOCTL_OP(VCM_INFO, vcm_ioctl_info, struct vcm_info, out_last_fault),
	IOCTL_OP(VCM_ASSOC, vcm_ioctl_assoc, struct vcm_associate, out_assoc_id),
	IOCTL_OP(VCM_ACTIVATE, vcm_ioctl_activate, struct vcm_activate, assoc_id),
	IOCTL_OP(VCM_DEACTIVATE, vcm_ioctl_deactivate, struct vcm_activate, assoc_id),
	IOCTL_OP(VCM_PHYS_ALLOC, vcm_ioctl_phys_alloc, struct vcm_phys_alloc,
		 out_nr_segments),
	IOCTL_OP(VCM_PHYS_SEGMENTS, vcm_ioctl_phys_segments,
		 struct vcm_phys_segments, block_orders),
	IOCTL_OP(VCM_RESERVE, vcm_ioctl_reserve, struct vcm_reserve, addr),
	IOCTL_OP(VCM_BACK, vcm_ioctl_back, struct vcm_back, __reserved),
	IOCTL_OP(VCM_UNBACK, vcm_ioctl_unback, struct vcm_back, __reserved),
	IOCTL_OP(VCM_TRANSLATE, vcm_ioctl_translate, struct vcm_translate, out_addr),
	IOCTL_OP(VCM_CPU_ACCESS, vcm_ioctl_cpu_access, struct vcm_cpu_access, uptr),
	IOCTL_OP(VCM_EXPORT, vcm_ioctl_export, struct vcm_export, out_fd),
	IOCTL_OP(VCM_IMPORT, vcm_ioctl_import, struct vcm_import, out_len),
	IOCTL_OP(VCM_DMABUF_INFO, vcm_ioctl_dmabuf_info, struct vcm_dmabuf_info,
		 out_addr),
	IOCTL_OP(VCM_TEST, vcm_test_cmd, struct vcm_test_cmd, domain_stats),
};

static long vcm_fops_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct vcm_file *vf = filp->private_data;
	const struct vcm_ioctl_op *op;
	union vcm_ucmd_buffer buf;
	struct vcm_ucmd ucmd = {};
	unsigned int nr;
	int ret;

	nr = _IOC_NR(cmd);
	if (_IOC_TYPE(cmd) != VCM_TYPE || nr < VCM_CMD_BASE ||
	    nr - VCM_CMD_BASE >= ARRAY_SIZE(vcm_ioctl_ops))
		return -ENOIOCTLCMD;
	op = &vcm_ioctl_ops[nr - VCM_CMD_BASE];
	if (op->ioctl_num != cmd)
		return -ENOIOCTLCMD;

	ucmd.vf = vf;
	ucmd.ubuffer = (void __user *)arg;
	ret = get_user(ucmd.user_size, (u32 __user *)ucmd.ubuffer);
	if (ret)
		return ret;
	if (ucmd.user_size < op->min_size)
		return -EINVAL;
	ucmd.cmd = &buf;
	ret = copy_struct_from_user(ucmd.cmd, op->size, ucmd.ubuffer, ucmd.user_size);
	if (ret)
		return ret;

	mutex_lock(&vf->lock);
	ret = op->execute(&ucmd);
	mutex_unlock(&vf->lock);
	return ret;
}

static int vcm_fops_open(struct inode *inode, struct file *filp)
{
	struct vcm_file *vf;

	/* It programs IOMMUs and allocates physical memory: root only. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	vf = kzalloc_obj(*vf, GFP_KERNEL_ACCOUNT);
	if (!vf)
		return -ENOMEM;
	mutex_init(&vf->lock);
	mutex_init(&vf->map_lock);
	xa_init_flags(&vf->objs, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	filp->private_data = vf;
	return 0;
}

/*
 * Put every object of @type. Dependents go first; what a dma-buf export
 * still uses lives on with it.
 */
static void vcm_release_type(struct vcm_file *vf, enum vcm_obj_type type)
{
	struct vcm_obj *obj;
	unsigned long id;

	xa_for_each(&vf->objs, id, obj) {
		if (obj->type != type)
			continue;
		vcm_obj_put(obj);
		xa_erase(&vf->objs, obj->id);
		kfree(obj);
	}
}

static int vcm_fops_release(struct inode *inode, struct file *filp)
{
	struct vcm_file *vf = filp->private_data;

	mutex_lock(&vf->lock);
	vcm_release_type(vf, VCM_OBJ_FENCE);
	vcm_release_type(vf, VCM_OBJ_ATTACH);
	vcm_release_type(vf, VCM_OBJ_RES);
	vcm_release_type(vf, VCM_OBJ_ASSOC);
	vcm_release_type(vf, VCM_OBJ_VCM);
	vcm_release_type(vf, VCM_OBJ_PHYS);
	vcm_release_type(vf, VCM_OBJ_DEV);
	mutex_unlock(&vf->lock);
	WARN_ON(!xa_empty(&vf->objs));
	xa_destroy(&vf->objs);
	mutex_destroy(&vf->map_lock);
	mutex_destroy(&vf->lock);
	kfree(vf);
	return 0;
}

/*
 * The user view of a backed reservation: mmap() at offset res_id * PAGE_SIZE.
 * It keeps the reservation backed (VCM_UNBACK and VCM_DESTROY fail with
 * -EBUSY) until munmap().
 */
static int vcm_fops_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct vcm_file *vf = filp->private_data;
	struct vcm_res *res;
	int ret;

	if (vma->vm_pgoff > U32_MAX)
		return -EINVAL;
	mutex_lock(&vf->map_lock);
	res = vcm_obj_get(vf, vma->vm_pgoff, VCM_OBJ_RES);
	ret = res ? vcm_res_mmap(res, vma) : -ENOENT;
	mutex_unlock(&vf->map_lock);
	return ret;
}

static const struct file_operations vcm_fops = {
	.owner = THIS_MODULE,
	.open = vcm_fops_open,
	.release = vcm_fops_release,
	.unlocked_ioctl = vcm_fops_ioctl,
	.mmap = vcm_fops_mmap,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice vcm_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vcm",
	.fops = &vcm_fops,
	.nodename = "vcm",
	.mode = 0600,
};

static int __init vcm_dev_init(void)
{
	return misc_register(&vcm_misc);
}
device_initcall(vcm_dev_init);
