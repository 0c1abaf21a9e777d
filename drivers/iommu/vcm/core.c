// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtual Contiguous Memory: one device address space, kept identical in one
 * paging iommu_domain per IOMMU instance of the devices associated with it.
 *
 * Nothing here maps memory in a way the IOMMU API cannot: a VCM is bookkeeping
 * (reservations, associations, physical allocations) on top of domains that
 * the devices' own iommu_ops allocate, and every mapping is an iommu_map of
 * the same physical runs at the same address in each domain.
 */
#include <linux/device.h>
#include <linux/dma-resv.h>
#include <linux/highmem.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "vcm-priv.h"

/* DMA ownership cookie: every VCM activation of a device claims it alike. */
static const char vcm_dma_owner[] = "vcm";

/* All VCMs, for vcm_device_removed() and vcm_translate(). */
static LIST_HEAD(vcm_list);
static DEFINE_MUTEX(vcm_list_lock);

static u64 vcm_last(struct vcm *vcm)
{
	return vcm->start + vcm->len - 1;
}

/**
 * vcm_create() - create an empty device address space
 * @start: first device address, page aligned
 * @len: length in bytes, page aligned, non-zero
 *
 * Return: the VCM, or ERR_PTR(-EINVAL) for a bad range, ERR_PTR(-ENOMEM).
 */
struct vcm *vcm_create(u64 start, u64 len)
{
	struct vcm *vcm;
	u64 end;

	if (!len || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(len) ||
	    check_add_overflow(start, len - 1, &end))
		return ERR_PTR(-EINVAL);

	vcm = kzalloc_obj(*vcm);
	if (!vcm)
		return ERR_PTR(-ENOMEM);
	mutex_init(&vcm->lock);
	vcm->start = start;
	vcm->len = len;
	mt_init_flags(&vcm->res_mt, MT_FLAGS_ALLOC_RANGE | MT_FLAGS_LOCK_EXTERN);
	mt_set_external_lock(&vcm->res_mt, &vcm->lock);
	INIT_LIST_HEAD(&vcm->domains);
	INIT_LIST_HEAD(&vcm->assocs);
	INIT_LIST_HEAD(&vcm->node);

	mutex_lock(&vcm_list_lock);
	list_add_tail(&vcm->node, &vcm_list);
	mutex_unlock(&vcm_list_lock);
	return vcm;
}

/**
 * vcm_free() - free a VCM
 * @vcm: the VCM
 *
 * Return: 0, or -EBUSY (nothing freed) while it has reservations or
 * associations.
 */
int vcm_free(struct vcm *vcm)
{
	mutex_lock(&vcm_list_lock);
	mutex_lock(&vcm->lock);
	if (vcm->nr_res || vcm->nr_assoc) {
		mutex_unlock(&vcm->lock);
		mutex_unlock(&vcm_list_lock);
		return -EBUSY;
	}
	list_del(&vcm->node);
	__mt_destroy(&vcm->res_mt);
	mutex_unlock(&vcm->lock);
	mutex_unlock(&vcm_list_lock);
	WARN_ON(!list_empty(&vcm->domains));
	mutex_destroy(&vcm->lock);
	kfree(vcm);
	return 0;
}

/**
 * vcm_get_start_addr() - the first device address of a VCM
 * @vcm: the VCM
 *
 * Return: its start.
 */
u64 vcm_get_start_addr(struct vcm *vcm)
{
	return vcm->start;
}

/**
 * vcm_get_len() - the length of a VCM
 * @vcm: the VCM
 *
 * Return: its length in bytes.
 */
u64 vcm_get_len(struct vcm *vcm)
{
	return vcm->len;
}

/**
 * vcm_get_pgsizes() - the page sizes of a VCM
 * @vcm: the VCM
 *
 * The union of its domains' page sizes, less any size smaller than some
 * domain's smallest page: a block of any of these sizes maps with one PTE in
 * at least one domain and with whole PTEs in all of them. Pass it to
 * vcm_phys_alloc().
 *
 * Return: the page sizes, or 0 while the VCM has no domain.
 */
unsigned long vcm_get_pgsizes(struct vcm *vcm)
{
	unsigned long pgsizes = 0, floor = 0;
	struct vcm_domain *vd;

	mutex_lock(&vcm->lock);
	list_for_each_entry(vd, &vcm->domains, node) {
		pgsizes |= vd->domain->pgsize_bitmap;
		floor = max(floor, vd->domain->pgsize_bitmap &
				   -vd->domain->pgsize_bitmap);
	}
	mutex_unlock(&vcm->lock);
	return pgsizes & ~(floor - 1);
}

static int vcm_fault(struct iommu_domain *domain, struct device *dev,
		     unsigned long iova, int flags, void *token)
{
	vcm_fault_handler_t handler;
	struct vcm *vcm = token;

	atomic_inc(&vcm->nr_faults);
	atomic64_set(&vcm->last_fault, iova);
	/* Lockless: this may run in atomic context, under the IOMMU's locks. */
	handler = READ_ONCE(vcm->fault_handler);
	if (!handler)
		return -EFAULT;
	return handler(vcm, dev, iova, flags, READ_ONCE(vcm->fault_data));
}

/**
 * vcm_set_fault_handler() - install a translation fault handler
 * @vcm: the VCM
 * @handler: called for a fault in any of its domains, or NULL
 * @data: passed to @handler
 *
 * Faults are counted whether or not a handler is installed.
 */
void vcm_set_fault_handler(struct vcm *vcm, vcm_fault_handler_t handler,
			   void *data)
{
	WRITE_ONCE(vcm->fault_data, data);
	WRITE_ONCE(vcm->fault_handler, handler);
}

/*
 * Map @res's backing at its address in @domain: one iommu_map_nosync() per
 * physically contiguous run, each with the largest page sizes the alignment
 * allows, and one IOTLB sync for the whole reservation.
 */
int vcm_map_domain(struct iommu_domain *domain, struct vcm_res *res,
		   struct vcm_phys *phys)
{
	struct iommu_iotlb_gather gather;
	struct vcm_phys_iter it;
	u64 iova = res->addr;
	phys_addr_t pa;
	size_t len;
	int prot;
	int ret;

	prot = res->prot;
	if (phys->cache == VCM_CACHE_WB)
		prot |= IOMMU_CACHE;

	vcm_phys_iter_init(&it, phys);
	while (vcm_phys_next_seg(&it, &pa, &len)) {
		ret = iommu_map_nosync(domain, iova, pa, len, prot, GFP_KERNEL);
		if (ret)
			goto unwind;
		iova += len;
	}
	ret = iommu_sync_map(domain, res->addr, res->len);
	if (ret)
		goto unwind;
	return 0;

unwind:
	if (iova != res->addr) {
		iommu_iotlb_gather_init(&gather);
		iommu_unmap_fast(domain, res->addr, iova - res->addr, &gather);
		iommu_iotlb_sync(domain, &gather);
	}
	return ret;
}

void vcm_unmap_domain(struct iommu_domain *domain, struct vcm_res *res)
{
	struct iommu_iotlb_gather gather;
	size_t unmapped;

	iommu_iotlb_gather_init(&gather);
	unmapped = iommu_unmap_fast(domain, res->addr, res->len, &gather);
	iommu_iotlb_sync(domain, &gather);
	WARN_ON(unmapped != res->len);
}

static void vcm_domain_put(struct vcm_domain *vd)
{
	struct vcm *vcm = vd->vcm;

	lockdep_assert_held(&vcm->lock);
	if (--vd->users)
		return;
	list_del(&vd->node);
	vcm->nr_domains--;
	iommu_domain_free(vd->domain);
	kfree(vd);
}

/*
 * A new domain for @dev's IOMMU instance, with every backed reservation of
 * the VCM replayed into it, so it is identical to the VCM's other domains.
 */
static struct vcm_domain *vcm_domain_add(struct vcm *vcm, struct device *dev)
{
	struct iommu_domain *domain;
	struct vcm_domain *vd;
	struct vcm_res *res, *failed = NULL;
	unsigned int flags = 0;
	int ret;

	MA_STATE(mas, &vcm->res_mt, 0, 0);

	lockdep_assert_held(&vcm->lock);
	vd = kzalloc_obj(*vd);
	if (!vd)
		return ERR_PTR(-ENOMEM);

	if (dev->iommu->max_pasids)
		flags |= IOMMU_HWPT_ALLOC_PASID;
	domain = iommu_paging_domain_alloc_flags(dev, flags);
	if (PTR_ERR_OR_ZERO(domain) == -EOPNOTSUPP && flags)
		domain = iommu_paging_domain_alloc(dev);
	if (IS_ERR(domain)) {
		ret = PTR_ERR(domain);
		goto err_free;
	}
	if (domain->geometry.force_aperture &&
	    (vcm->start < domain->geometry.aperture_start ||
	     vcm_last(vcm) > domain->geometry.aperture_end)) {
		ret = -ERANGE;
		goto err_domain;
	}
	iommu_set_fault_handler(domain, vcm_fault, vcm);

	mas_for_each(&mas, res, ULONG_MAX) {
		if (!res->phys || res->revoked)
			continue;
		ret = vcm_map_domain(domain, res, res->phys);
		if (ret) {
			failed = res;
			goto err_unmap;
		}
	}

	vd->vcm = vcm;
	vd->domain = domain;
	vd->iommu = dev->iommu->iommu_dev;
	list_add_tail(&vd->node, &vcm->domains);
	vcm->nr_domains++;
	return vd;

err_unmap:
	mas_set(&mas, 0);
	mas_for_each(&mas, res, ULONG_MAX) {
		if (res == failed)
			break;
		if (res->phys && !res->revoked)
			vcm_unmap_domain(domain, res);
	}
err_domain:
	iommu_domain_free(domain);
err_free:
	kfree(vd);
	return ERR_PTR(ret);
}

/**
 * vcm_assoc() - associate a device, or one PASID of it, with a VCM
 * @vcm: the VCM
 * @dev: the device; its IOMMU is found through the device's own iommu_ops
 * @pasid: IOMMU_NO_PASID for the device's RID, else the PASID
 *
 * The VCM reuses its domain for the device's IOMMU instance, or allocates one
 * through the device and replays every backed reservation into it. The
 * association is usable once this returns; vcm_activate() attaches it.
 *
 * Return: the association, or ERR_PTR: -ENODEV (no IOMMU), -EOPNOTSUPP (no
 * PASID support), -EINVAL (PASID out of range), -ERANGE (the VCM lies beyond
 * the device's DMA mask or the domain's aperture), -EEXIST (already
 * associated), -ENOMEM.
 */
struct vcm_assoc *vcm_assoc(struct vcm *vcm, struct device *dev, ioasid_t pasid)
{
	struct vcm_domain *vd = NULL, *it;
	struct vcm_assoc *assoc, *a;
	int ret;

	if (!device_iommu_mapped(dev) || !dev->iommu || !dev->iommu->iommu_dev)
		return ERR_PTR(-ENODEV);
	if (pasid != IOMMU_NO_PASID) {
		if (!dev->iommu->max_pasids)
			return ERR_PTR(-EOPNOTSUPP);
		if (pasid >= dev->iommu->max_pasids)
			return ERR_PTR(-EINVAL);
	}
	/* Never hand a device an address it cannot reach. */
	if (dev->dma_mask && vcm_last(vcm) > dma_get_mask(dev))
		return ERR_PTR(-ERANGE);

	assoc = kzalloc_obj(*assoc);
	if (!assoc)
		return ERR_PTR(-ENOMEM);

	mutex_lock(&vcm->lock);
	list_for_each_entry(a, &vcm->assocs, node) {
		if (a->dev == dev && a->pasid == pasid) {
			ret = -EEXIST;
			goto err_unlock;
		}
	}
	list_for_each_entry(it, &vcm->domains, node) {
		if (it->iommu == dev->iommu->iommu_dev) {
			vd = it;
			break;
		}
	}
	if (!vd) {
		vd = vcm_domain_add(vcm, dev);
		if (IS_ERR(vd)) {
			ret = PTR_ERR(vd);
			goto err_unlock;
		}
	}
	vd->users++;
	assoc->vcm = vcm;
	assoc->dev = get_device(dev);
	assoc->vd = vd;
	assoc->pasid = pasid;
	list_add_tail(&assoc->node, &vcm->assocs);
	vcm->nr_assoc++;
	mutex_unlock(&vcm->lock);
	return assoc;

err_unlock:
	mutex_unlock(&vcm->lock);
	kfree(assoc);
	return ERR_PTR(ret);
}

/**
 * vcm_deassoc() - end an association
 * @assoc: the association
 *
 * Return: 0, or -EBUSY (nothing changed) while it is active.
 */
int vcm_deassoc(struct vcm_assoc *assoc)
{
	struct vcm *vcm = assoc->vcm;

	mutex_lock(&vcm->lock);
	if (assoc->active) {
		mutex_unlock(&vcm->lock);
		return -EBUSY;
	}
	if (assoc->vd)
		vcm_domain_put(assoc->vd);
	list_del(&assoc->node);
	vcm->nr_assoc--;
	mutex_unlock(&vcm->lock);
	put_device(assoc->dev);
	kfree(assoc);
	return 0;
}

static int vcm_attach(struct vcm_assoc *assoc)
{
	struct iommu_domain *domain = assoc->vd->domain;
	int ret;

	/*
	 * The RID and every PASID hold a claim on the device's DMA ownership,
	 * so that the RID can be detached while PASIDs stay attached (the
	 * ownership is released with the last claim, never under a PASID).
	 */
	ret = iommu_device_claim_dma_owner(assoc->dev, (void *)vcm_dma_owner);
	if (ret)
		return ret;
	if (assoc->pasid != IOMMU_NO_PASID)
		ret = iommu_attach_device_pasid(domain, assoc->dev, assoc->pasid,
						NULL);
	else
		ret = iommu_attach_device(domain, assoc->dev);
	if (ret)
		iommu_device_release_dma_owner(assoc->dev);
	return ret;
}

static void vcm_detach(struct vcm_assoc *assoc)
{
	if (assoc->pasid != IOMMU_NO_PASID)
		iommu_detach_device_pasid(assoc->vd->domain, assoc->dev,
					  assoc->pasid);
	else
		iommu_detach_device(assoc->vd->domain, assoc->dev);
	iommu_device_release_dma_owner(assoc->dev);
}

/**
 * vcm_activate() - attach an association's device to the VCM's domain
 * @assoc: the association
 *
 * For the RID, takes DMA ownership of the device (its driver must set
 * driver_managed_dma) and attaches it; for a PASID, attaches that PASID. A
 * device that cannot attach to its instance's shared domain (-EINVAL, as
 * iommufd treats it) gets a domain of its own, with every mapping replayed.
 *
 * Return: 0, or -EBUSY (already active, or the device is in use), -ENODEV (the
 * device went away), or the IOMMU core's error.
 */
int vcm_activate(struct vcm_assoc *assoc)
{
	struct vcm *vcm = assoc->vcm;
	struct vcm_domain *vd;
	int ret;

	mutex_lock(&vcm->lock);
	if (assoc->dead) {
		ret = -ENODEV;
		goto out;
	}
	if (assoc->active) {
		ret = -EBUSY;
		goto out;
	}
	ret = vcm_attach(assoc);
	if (ret == -EINVAL && assoc->vd->users > 1) {
		vd = vcm_domain_add(vcm, assoc->dev);
		if (IS_ERR(vd)) {
			ret = PTR_ERR(vd);
			goto out;
		}
		vd->users++;
		vcm_domain_put(assoc->vd);
		assoc->vd = vd;
		ret = vcm_attach(assoc);
	}
	if (!ret)
		assoc->active = true;
out:
	mutex_unlock(&vcm->lock);
	return ret;
}

/**
 * vcm_deactivate() - detach an association's device from the VCM
 * @assoc: the association
 *
 * The device's RID goes back to its default domain (and its DMA ownership is
 * released); a PASID is detached.
 *
 * Return: 0, or -EINVAL if it is not active.
 */
int vcm_deactivate(struct vcm_assoc *assoc)
{
	struct vcm *vcm = assoc->vcm;
	int ret = 0;

	mutex_lock(&vcm->lock);
	if (!assoc->active) {
		ret = assoc->dead ? -ENODEV : -EINVAL;
	} else {
		vcm_detach(assoc);
		assoc->active = false;
	}
	mutex_unlock(&vcm->lock);
	return ret;
}

/**
 * vcm_is_active() - is an association attached
 * @assoc: the association
 *
 * Return: true if it is.
 */
bool vcm_is_active(struct vcm_assoc *assoc)
{
	bool active;

	mutex_lock(&assoc->vcm->lock);
	active = assoc->active;
	mutex_unlock(&assoc->vcm->lock);
	return active;
}

/**
 * vcm_assoc_domain() - the domain an association attaches to
 * @assoc: the association
 *
 * Return: the domain, or NULL once its device went away.
 */
struct iommu_domain *vcm_assoc_domain(struct vcm_assoc *assoc)
{
	struct iommu_domain *domain = NULL;

	mutex_lock(&assoc->vcm->lock);
	if (assoc->vd)
		domain = assoc->vd->domain;
	mutex_unlock(&assoc->vcm->lock);
	return domain;
}

/**
 * vcm_device_removed() - a device is going away
 * @dev: the device
 *
 * For a driver whose device is removed while associated: detaches it from
 * every VCM and drops the domains only it used. Its associations stay, dead,
 * until vcm_deassoc(); every other call on them fails with -ENODEV.
 */
void vcm_device_removed(struct device *dev)
{
	struct vcm_assoc *assoc;
	struct vcm *vcm;

	mutex_lock(&vcm_list_lock);
	list_for_each_entry(vcm, &vcm_list, node) {
		mutex_lock(&vcm->lock);
		list_for_each_entry(assoc, &vcm->assocs, node) {
			if (assoc->dev != dev || assoc->dead)
				continue;
			if (assoc->active)
				vcm_detach(assoc);
			assoc->active = false;
			assoc->dead = true;
			vcm_domain_put(assoc->vd);
			assoc->vd = NULL;
		}
		mutex_unlock(&vcm->lock);
	}
	mutex_unlock(&vcm_list_lock);
}

static int vcm_check_prot(int prot)
{
	if (prot & ~(IOMMU_READ | IOMMU_WRITE) || !prot)
		return -EINVAL;
	return 0;
}

static struct vcm_res *vcm_res_insert(struct vcm *vcm, struct ma_state *mas,
				      u64 addr, size_t len, int prot)
{
	struct vcm_res *res;
	int ret;

	res = kzalloc_obj(*res);
	if (!res)
		return ERR_PTR(-ENOMEM);
	res->vcm = vcm;
	res->addr = addr;
	res->len = len;
	res->prot = prot;
	res->cache = -1;
	mas_set_range(mas, addr, addr + len - 1);
	ret = mas_store_gfp(mas, res, GFP_KERNEL);
	if (ret) {
		kfree(res);
		return ERR_PTR(ret);
	}
	vcm->nr_res++;
	return res;
}

/**
 * vcm_reserve() - reserve an aligned range of device addresses
 * @vcm: the VCM
 * @len: bytes, page aligned, non-zero
 * @align: a power of two from PAGE_SIZE to VCM_MAX_ALIGN, or 0 for PAGE_SIZE
 * @prot: IOMMU_READ and/or IOMMU_WRITE, for the devices' mappings
 *
 * Takes the lowest free range that fits. The search is O(log n) in the live
 * reservations: the maple tree finds the lowest gap of @len + @align - PAGE_SIZE
 * bytes, which always holds an aligned range (the same rule as mm's
 * unmapped_area()); only when no such gap exists are the smaller gaps tried.
 *
 * Return: the reservation, or ERR_PTR: -EINVAL (bad arguments), -ENOSPC (no
 * room), -ENOMEM.
 */
struct vcm_res *vcm_reserve(struct vcm *vcm, size_t len, u64 align, int prot)
{
	MA_STATE(mas, &vcm->res_mt, 0, 0);
	struct vcm_res *res;
	u64 min, need, addr;

	if (!align)
		align = PAGE_SIZE;
	if (!len || !PAGE_ALIGNED(len) || !is_power_of_2(align) ||
	    align < PAGE_SIZE || align > VCM_MAX_ALIGN || vcm_check_prot(prot))
		return ERR_PTR(-EINVAL);
	if (len > vcm->len)
		return ERR_PTR(-ENOSPC);

	mutex_lock(&vcm->lock);
	/* A gap of @need always holds an aligned range of @len */
	if (!check_add_overflow(len, align - PAGE_SIZE, &need) && need <= vcm->len &&
	    !mas_empty_area(&mas, vcm->start, vcm_last(vcm), need)) {
		addr = ALIGN(mas.index, align);
		goto found;
	}
	/* Slow path: a gap smaller than @need may still hold an aligned range. */
	for (min = vcm->start; min <= vcm_last(vcm) && len <= vcm_last(vcm) - min + 1;) {
		unsigned long idx;

		mas_reset(&mas);
		if (mas_empty_area(&mas, min, vcm_last(vcm), len))
			break;
		addr = ALIGN(mas.index, align);
		if (addr < mas.index || addr > vcm_last(vcm) ||
		    len - 1 > vcm_last(vcm) - addr)
			break;
		idx = addr;
		res = mt_find(&vcm->res_mt, &idx, addr + len - 1);
		if (!res)
			goto found;
		if (res->addr + res->len - 1 >= vcm_last(vcm))
			break;
		min = res->addr + res->len;
	}
	mutex_unlock(&vcm->lock);
	return ERR_PTR(-ENOSPC);

found:
	res = vcm_res_insert(vcm, &mas, addr, len, prot);
	mutex_unlock(&vcm->lock);
	return res;
}

/**
 * vcm_reserve_at() - reserve a range of device addresses at a fixed address
 * @vcm: the VCM
 * @addr: first device address, page aligned
 * @len: bytes, page aligned, non-zero
 * @prot: IOMMU_READ and/or IOMMU_WRITE
 *
 * Return: the reservation, or ERR_PTR: -EINVAL (bad arguments), -ERANGE
 * (outside the VCM), -EEXIST (overlaps a reservation), -ENOMEM.
 */
struct vcm_res *vcm_reserve_at(struct vcm *vcm, u64 addr, size_t len, int prot)
{
	MA_STATE(mas, &vcm->res_mt, 0, 0);
	unsigned long idx = addr;
	struct vcm_res *res;

	if (!len || !PAGE_ALIGNED(len) || !PAGE_ALIGNED(addr) ||
	    vcm_check_prot(prot))
		return ERR_PTR(-EINVAL);
	if (addr < vcm->start || addr > vcm_last(vcm) ||
	    len - 1 > vcm_last(vcm) - addr)
		return ERR_PTR(-ERANGE);

	mutex_lock(&vcm->lock);
	if (mt_find(&vcm->res_mt, &idx, addr + len - 1))
		res = ERR_PTR(-EEXIST);
	else
		res = vcm_res_insert(vcm, &mas, addr, len, prot);
	mutex_unlock(&vcm->lock);
	return res;
}

/**
 * vcm_unreserve() - release a reservation
 * @res: the reservation
 *
 * Return: 0, or -EBUSY (nothing changed) while it is backed or exported.
 */
int vcm_unreserve(struct vcm_res *res)
{
	struct vcm *vcm = res->vcm;
	bool free_vcm;

	MA_STATE(mas, &vcm->res_mt, res->addr, res->addr + res->len - 1);

	mutex_lock(&vcm->lock);
	if (res->phys || res->export) {
		mutex_unlock(&vcm->lock);
		return -EBUSY;
	}
	mas_erase(&mas);
	vcm->nr_res--;
	free_vcm = vcm->orphan && !vcm->nr_res && !vcm->nr_assoc;
	mutex_unlock(&vcm->lock);
	kfree(res);
	if (free_vcm)
		WARN_ON(vcm_free(vcm));
	return 0;
}

/**
 * vcm_res_require_cache() - state the cache attribute a reservation needs
 * @res: the reservation
 * @cache: the attribute any allocation backing it must have
 *
 * For devices whose use of a range needs memory of one attribute (e.g. a
 * non-coherent display scanning out write-combined memory): vcm_back() then
 * refuses an allocation of another attribute, instead of mapping memory
 * that the CPU maps with a conflicting one.
 *
 * Return: 0, or -EINVAL if it is backed by memory of another attribute or
 * @cache is not an enum vcm_cache.
 */
int vcm_res_require_cache(struct vcm_res *res, enum vcm_cache cache)
{
	struct vcm *vcm = res->vcm;
	int ret = 0;

	if (cache > VCM_CACHE_UNCACHED)
		return -EINVAL;
	mutex_lock(&vcm->lock);
	if (res->phys && res->phys->cache != cache)
		ret = -EINVAL;
	else
		res->cache = cache;
	mutex_unlock(&vcm->lock);
	return ret;
}

/**
 * vcm_res_addr() - the device address of a reservation
 * @res: the reservation
 *
 * Return: its first device address, the same in every domain of its VCM.
 */
u64 vcm_res_addr(struct vcm_res *res)
{
	return res->addr;
}

/**
 * vcm_res_len() - the length of a reservation
 * @res: the reservation
 *
 * Return: its length in bytes.
 */
size_t vcm_res_len(struct vcm_res *res)
{
	return res->len;
}

/**
 * vcm_res_phys() - the allocation backing a reservation
 * @res: the reservation
 *
 * Return: the allocation, or NULL if it is not backed.
 */
struct vcm_phys *vcm_res_phys(struct vcm_res *res)
{
	return res->phys;
}

/**
 * vcm_back() - map a physical allocation at a reservation in every domain
 * @res: the reservation
 * @phys: the allocation, of the same length
 *
 * All or nothing: if mapping into one domain fails, the domains already
 * mapped are unmapped again. Each domain is synchronised once.
 *
 * Memory imported from a dma-buf is backed under the dma-buf's reservation
 * lock, taken before the VCM's, so that a revocation sees every reservation
 * it backs.
 *
 * Return: 0, or -EINVAL (lengths differ, or @phys has another cache
 * attribute than vcm_res_require_cache() asked for), -EBUSY (already
 * backed, or exported), -ENODEV (the exporter of imported memory revoked
 * it), or the IOMMU's error.
 */
int vcm_back(struct vcm_res *res, struct vcm_phys *phys)
{
	return __vcm_back(res, phys, NULL);
}

/**
 * __vcm_back() - vcm_back() for the export of a reservation
 * @res: the reservation
 * @phys: the allocation
 * @ex: the export that backs it (late allocation), or NULL for any other
 *      caller, which may not back an exported reservation
 *
 * Return: see vcm_back(); -EBUSY if @res is exported and @ex is not its
 * export.
 */
int __vcm_back(struct vcm_res *res, struct vcm_phys *phys,
	       struct vcm_dmabuf_export *ex)
{
	struct dma_resv *resv = phys->attach ? phys->attach->dmabuf->resv : NULL;
	struct vcm *vcm = res->vcm;
	struct vcm_domain *vd, *done;
	int ret = 0;

	if (phys->len != res->len)
		return -EINVAL;

	if (resv)
		dma_resv_lock(resv, NULL);
	mutex_lock(&vcm->lock);
	if (res->phys || res->export != ex) {
		ret = -EBUSY;
		goto out;
	}
	if (phys->attach && !phys->sgt) {
		ret = -ENODEV;
		goto out;
	}
	if (res->cache >= 0 && res->cache != phys->cache) {
		ret = -EINVAL;
		goto out;
	}
	/* Pin @phys first: vcm_phys_free() fails from here on. */
	mutex_lock(&phys->lock);
	phys->nr_backings++;
	mutex_unlock(&phys->lock);
	list_for_each_entry(vd, &vcm->domains, node) {
		ret = vcm_map_domain(vd->domain, res, phys);
		if (ret)
			goto unwind;
	}
	res->phys = phys;
	res->revoked = false;
	if (resv)
		list_add(&res->phys_node, &phys->backings);
	vcm->nr_backed++;
	goto out;

unwind:
	list_for_each_entry(done, &vcm->domains, node) {
		if (done == vd)
			break;
		vcm_unmap_domain(done->domain, res);
	}
	mutex_lock(&phys->lock);
	phys->nr_backings--;
	mutex_unlock(&phys->lock);
out:
	mutex_unlock(&vcm->lock);
	if (resv)
		dma_resv_unlock(resv);
	return ret;
}

/**
 * vcm_unback() - unmap a reservation from every domain
 * @res: the reservation
 *
 * Each domain is unmapped with one IOTLB sync.
 *
 * Return: 0, or -EINVAL if it is not backed, -EBUSY while it is exported.
 */
int vcm_unback(struct vcm_res *res)
{
	struct dma_resv *resv = NULL;
	bool free_phys;
	struct vcm *vcm = res->vcm;
	struct vcm_phys *phys;
	struct vcm_domain *vd;

	/* The backing cannot change under an unexported, unlocked caller. */
	phys = READ_ONCE(res->phys);
	if (phys && phys->attach) {
		resv = phys->attach->dmabuf->resv;
		dma_resv_lock(resv, NULL);
	}
	mutex_lock(&vcm->lock);
	phys = res->phys;
	if (!phys || res->export) {
		mutex_unlock(&vcm->lock);
		if (resv)
			dma_resv_unlock(resv);
		return res->export ? -EBUSY : -EINVAL;
	}
	if (!res->revoked) {
		list_for_each_entry(vd, &vcm->domains, node)
			vcm_unmap_domain(vd->domain, res);
	}
	if (resv)
		list_del(&res->phys_node);
	res->phys = NULL;
	res->revoked = false;
	vcm->nr_backed--;
	mutex_unlock(&vcm->lock);
	if (resv)
		dma_resv_unlock(resv);

	mutex_lock(&phys->lock);
	free_phys = !--phys->nr_backings && phys->orphan;
	mutex_unlock(&phys->lock);
	if (free_phys)
		WARN_ON(vcm_phys_free(phys));
	return 0;
}

/* The backed reservation of @vcm at @addr, or NULL. */
static struct vcm_res *vcm_find_backed(struct vcm *vcm, u64 addr)
{
	unsigned long idx = addr;
	struct vcm_res *res;

	lockdep_assert_held(&vcm->lock);
	res = mt_find(&vcm->res_mt, &idx, addr);
	return res && res->phys ? res : NULL;
}

/**
 * vcm_translate() - the address of the same memory in another VCM
 * @src: the VCM @addr belongs to
 * @addr: a backed device address in @src
 * @dst: the VCM to translate to
 * @out: returns the device address in @dst
 *
 * The memory behind @addr may back a reservation in @dst too; this finds it.
 *
 * Return: 0, or -ENOENT if @addr is not backed in @src or its memory is not
 * backed in @dst.
 */
int vcm_translate(struct vcm *src, u64 addr, struct vcm *dst, u64 *out)
{
	MA_STATE(mas, &dst->res_mt, 0, 0);
	struct vcm_phys *phys;
	struct vcm_res *res;
	u64 offset;
	int ret = -ENOENT;

	mutex_lock(&src->lock);
	res = vcm_find_backed(src, addr);
	if (res) {
		phys = res->phys;
		offset = addr - res->addr;
	}
	mutex_unlock(&src->lock);
	if (!res)
		return -ENOENT;

	/* @phys stays allocated while @res is backed; compare it only. */
	mutex_lock(&dst->lock);
	mas_for_each(&mas, res, ULONG_MAX) {
		if (res->phys == phys) {
			*out = res->addr + offset;
			ret = 0;
			break;
		}
	}
	mutex_unlock(&dst->lock);
	return ret;
}

static pgprot_t vcm_pgprot(enum vcm_cache cache)
{
	switch (cache) {
	case VCM_CACHE_WC:
		return pgprot_writecombine(PAGE_KERNEL);
	case VCM_CACHE_UNCACHED:
		return pgprot_noncached(PAGE_KERNEL);
	default:
		return PAGE_KERNEL;
	}
}

/**
 * vcm_vmap() - a kernel view of a backed reservation, made on demand
 * @res: the reservation
 *
 * No permanent kernel mapping of VCM memory exists; this makes one with the
 * allocation's cache attribute, so it cannot alias with a different one.
 * Drop it with vcm_vunmap() as soon as it is no longer needed.
 *
 * Memory imported from a dma-buf has no kernel view here: its exporter
 * provides one. While a view exists the memory of an export cannot move.
 *
 * Return: the kernel address, or NULL (not backed, imported, or out of
 * memory).
 */
void *vcm_vmap(struct vcm_res *res)
{
	struct vcm *vcm = res->vcm;
	unsigned int npages, i, b, n = 0;
	struct vcm_phys *phys;
	struct page **pages;
	void *vaddr = NULL;

	mutex_lock(&vcm->lock);
	phys = res->phys;
	if (!phys || phys->attach)
		goto out;
	npages = res->len >> PAGE_SHIFT;
	pages = kvmalloc_array(npages, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		goto out;
	for (b = 0; b < phys->nr_blocks && n < npages; b++) {
		struct page *page = phys->blocks[b].page;

		for (i = 0; i < (1U << phys->blocks[b].order) && n < npages; i++)
			pages[n++] = page + i;
	}
	vaddr = vmap(pages, npages, VM_MAP, vcm_pgprot(phys->cache));
	kvfree(pages);
	if (vaddr)
		res->vmaps++;
out:
	mutex_unlock(&vcm->lock);
	return vaddr;
}

/**
 * vcm_res_mmap() - a user view of a backed reservation
 * @res: the reservation
 * @vma: a shared mapping of at most the reservation's length; it maps the
 *       reservation from its start
 *
 * The mapping uses the allocation's cache attribute, like every other CPU
 * mapping of it. The caller keeps the reservation backed while @vma exists.
 *
 * Return: 0, or -EINVAL (not backed, too long, or not shared), -EBUSY
 * (exported: map the dma-buf, whose exporter can account for it),
 * -EOPNOTSUPP (backed by an imported dma-buf: map that), or the error of
 * remap_pfn_range().
 */
int vcm_res_mmap(struct vcm_res *res, struct vm_area_struct *vma)
{
	struct vcm_phys *phys;
	int ret = 0;

	mutex_lock(&res->vcm->lock);
	phys = res->phys;
	if (res->export)
		ret = -EBUSY;
	else if (phys && phys->attach)
		ret = -EOPNOTSUPP;
	mutex_unlock(&res->vcm->lock);
	/* Under the caller's lock against unback and destroy: cannot change */
	return ret ?: __vcm_res_mmap(res, vma);
}

/**
 * __vcm_res_mmap() - vcm_res_mmap() for the exporter of the reservation
 * @res: the reservation
 * @vma: see vcm_res_mmap()
 *
 * Return: see vcm_res_mmap().
 */
int __vcm_res_mmap(struct vcm_res *res, struct vm_area_struct *vma)
{
	size_t size = vma->vm_end - vma->vm_start, done = 0;
	struct vcm *vcm = res->vcm;
	struct vcm_phys_iter it;
	struct vcm_phys *phys;
	phys_addr_t pa;
	size_t len;
	int ret = 0;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	mutex_lock(&vcm->lock);
	phys = res->phys;
	if (!phys || size > res->len) {
		ret = -EINVAL;
		goto out;
	}
	if (phys->cache == VCM_CACHE_WC)
		vma->vm_page_prot = pgprot_writecombine(vma->vm_page_prot);
	else if (phys->cache == VCM_CACHE_UNCACHED)
		vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	vcm_phys_iter_init(&it, phys);
	while (done < size && !ret && vcm_phys_next_seg(&it, &pa, &len)) {
		len = min(len, size - done);
		ret = remap_pfn_range(vma, vma->vm_start + done, PHYS_PFN(pa),
				      len, vma->vm_page_prot);
		done += len;
	}
out:
	mutex_unlock(&vcm->lock);
	return ret;
}

/**
 * vcm_vunmap() - drop a kernel view made by vcm_vmap()
 * @res: the reservation
 * @vaddr: the address vcm_vmap() returned
 */
void vcm_vunmap(struct vcm_res *res, void *vaddr)
{
	vunmap(vaddr);
	mutex_lock(&res->vcm->lock);
	res->vmaps--;
	mutex_unlock(&res->vcm->lock);
}

/**
 * vcm_dev_is_active() - whether a device's RID DMA goes through a VCM
 * @vcm: the VCM
 * @dev: the device
 *
 * Return: true if @dev's RID is associated with @vcm and active.
 */
bool vcm_dev_is_active(struct vcm *vcm, struct device *dev)
{
	struct vcm_assoc *assoc;
	bool active = false;

	mutex_lock(&vcm->lock);
	list_for_each_entry(assoc, &vcm->assocs, node) {
		if (assoc->dev == dev && assoc->pasid == IOMMU_NO_PASID &&
		    assoc->active && !assoc->dead) {
			active = true;
			break;
		}
	}
	mutex_unlock(&vcm->lock);
	return active;
}

/* Copy the contents of @from to @to, both of @len bytes. */
static int vcm_phys_copy(struct vcm_phys *to, struct vcm_phys *from)
{
	struct vcm_phys_iter sit, dit;
	phys_addr_t spa, dpa;
	size_t slen = 0, dlen = 0, n;

	vcm_phys_iter_init(&sit, from);
	vcm_phys_iter_init(&dit, to);
	for (;;) {
		if (!slen && !vcm_phys_next_seg(&sit, &spa, &slen))
			break;
		if (!dlen && !vcm_phys_next_seg(&dit, &dpa, &dlen))
			return -EINVAL;
		n = min3(slen, dlen, PAGE_SIZE);
		copy_highpage(pfn_to_page(PHYS_PFN(dpa)), pfn_to_page(PHYS_PFN(spa)));
		spa += n;
		dpa += n;
		slen -= n;
		dlen -= n;
	}
	return 0;
}

/**
 * vcm_res_move() - move a backed reservation to other memory
 * @res: the reservation, backed by memory of this VCM's allocator
 * @to: an allocation of the same length and cache attribute
 *
 * Copies the contents, then maps @to at the same device address in every
 * domain instead. Devices keep their addresses; the old memory is free to go
 * once this returns (the caller frees it). Device access during the move may
 * see either memory: the caller stops DMA first (for a dma-buf, by
 * invalidating its importers).
 *
 * Return: 0, or -EBUSY (a kernel view of it exists, or not backed by memory
 * that can move), -EINVAL (@to does not match), or the IOMMU's error, in
 * which case every domain maps the old memory again.
 */
int vcm_res_move(struct vcm_res *res, struct vcm_phys *to)
{
	struct vcm *vcm = res->vcm;
	struct vcm_phys *from;
	struct vcm_domain *vd, *done;
	int ret;

	if (to->len != res->len)
		return -EINVAL;
	mutex_lock(&vcm->lock);
	from = res->phys;
	if (!from || from->attach || res->vmaps) {
		ret = -EBUSY;
		goto out;
	}
	if (from->cache != to->cache) {
		ret = -EINVAL;
		goto out;
	}
	ret = vcm_phys_copy(to, from);
	if (ret)
		goto out;
	vcm_phys_sync_for_device(to, DMA_BIDIRECTIONAL);
	list_for_each_entry(vd, &vcm->domains, node) {
		vcm_unmap_domain(vd->domain, res);
		ret = vcm_map_domain(vd->domain, res, to);
		if (ret)
			goto unwind;
	}
	mutex_lock(&to->lock);
	to->nr_backings++;
	mutex_unlock(&to->lock);
	mutex_lock(&from->lock);
	from->nr_backings--;
	mutex_unlock(&from->lock);
	res->phys = to;
	goto out;

unwind:
	list_for_each_entry(done, &vcm->domains, node) {
		if (done != vd)
			vcm_unmap_domain(done->domain, res);
		/* Mapping memory again where it was mapped does not fail */
		WARN_ON(vcm_map_domain(done->domain, res, from));
		if (done == vd)
			break;
	}
out:
	mutex_unlock(&vcm->lock);
	return ret;
}

/**
 * vcm_phys_revoke() - unmap imported memory from every domain it is mapped in
 * @phys: memory imported from a dma-buf whose exporter invalidated it
 *
 * Every reservation it backs stays reserved and backed, but no domain maps it
 * any more: device access faults until vcm_unback().
 *
 * Context: the caller holds the dma-buf's reservation lock.
 */
void vcm_phys_revoke(struct vcm_phys *phys)
{
	struct vcm_domain *vd;
	struct vcm_res *res;

	dma_resv_assert_held(phys->attach->dmabuf->resv);
	list_for_each_entry(res, &phys->backings, phys_node) {
		struct vcm *vcm = res->vcm;

		mutex_lock(&vcm->lock);
		if (!res->revoked) {
			list_for_each_entry(vd, &vcm->domains, node)
				vcm_unmap_domain(vd->domain, res);
			res->revoked = true;
		}
		mutex_unlock(&vcm->lock);
	}
}

/**
 * vcm_orphan() - hand a VCM that cannot be freed yet to its reservations
 * @vcm: a VCM whose owner goes away, without associations
 *
 * For reservations that outlive their owner (an exported reservation lives
 * until its dma-buf is released): the VCM is freed with the last one.
 *
 * Return: true if it was orphaned, false if the caller may free it now.
 */
bool vcm_orphan(struct vcm *vcm)
{
	bool busy;

	mutex_lock(&vcm->lock);
	busy = vcm->nr_res;
	vcm->orphan = busy;
	mutex_unlock(&vcm->lock);
	return busy;
}

/**
 * vcm_res_orphan() - hand an exported reservation to its export
 * @res: a reservation whose owner goes away
 *
 * Return: true if it is exported and its export now unbacks and unreserves
 * it on release; false if the caller must release it itself.
 */
bool vcm_res_orphan(struct vcm_res *res)
{
	bool exported;

	mutex_lock(&res->vcm->lock);
	exported = res->export;
	res->orphan = exported;
	mutex_unlock(&res->vcm->lock);
	return exported;
}

/**
 * vcm_phys_orphan() - hand an allocation in use to the reservations it backs
 * @phys: an allocation whose owner goes away
 *
 * Return: true if it backs a reservation and is freed when it backs none;
 * false if the caller may free it now.
 */
bool vcm_phys_orphan(struct vcm_phys *phys)
{
	bool busy;

	mutex_lock(&phys->lock);
	busy = phys->nr_backings;
	phys->orphan = busy;
	mutex_unlock(&phys->lock);
	return busy;
}
