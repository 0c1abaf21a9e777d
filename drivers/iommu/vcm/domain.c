// SPDX-License-Identifier: GPL-2.0-only
/*
 * The domains of a VCM: one paging domain per IOMMU instance, allocated
 * through a device's own iommu_ops, each a mirror of the others. A memory
 * range is mapped at the same address in every domain, all or nothing, with
 * one IOTLB sync per domain; a domain added late gets every backed range
 * replayed into it.
 *
 * Nothing here maps memory in a way the IOMMU API cannot: a domain is only
 * ever changed with iommu_map_nosync()/iommu_sync_map() and
 * iommu_unmap_fast()/iommu_iotlb_sync().
 *
 * Context: every function here is called with vcm->lock held.
 */
#include <linux/iommu.h>
#include <linux/maple_tree.h>
#include <linux/slab.h>

#include "vcm-priv.h"

/**
 * vcm_map_domain() - map a reservation's backing into one domain
 * @domain: the domain
 * @res: the reservation; its address and length
 * @phys: the memory, of @res's length
 *
 * One iommu_map_nosync() per physically contiguous run, each with the
 * largest page sizes the alignment allows, and one IOTLB sync for the whole
 * reservation. On failure, what was mapped is unmapped again.
 *
 * Return: 0 or the IOMMU's error.
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

/**
 * vcm_unmap_domain() - unmap a reservation from one domain
 * @domain: the domain
 * @res: the reservation, mapped in @domain
 */
void vcm_unmap_domain(struct iommu_domain *domain, struct vcm_res *res)
{
	struct iommu_iotlb_gather gather;
	size_t unmapped;

	iommu_iotlb_gather_init(&gather);
	unmapped = iommu_unmap_fast(domain, res->addr, res->len, &gather);
	iommu_iotlb_sync(domain, &gather);
	WARN_ON(unmapped != res->len);
}

/**
 * vcm_map_all() - map a reservation's backing into every domain of a VCM
 * @vcm: the VCM
 * @res: the reservation
 * @phys: the memory
 *
 * All or nothing: if one domain fails, those mapped already are unmapped.
 *
 * Return: 0 or the IOMMU's error.
 */
int vcm_map_all(struct vcm *vcm, struct vcm_res *res, struct vcm_phys *phys)
{
	struct vcm_domain *vd, *done;
	int ret;

	lockdep_assert_held(&vcm->lock);
	list_for_each_entry(vd, &vcm->domains, node) {
		ret = vcm_map_domain(vd->domain, res, phys);
		if (ret)
			goto unwind;
	}
	return 0;

unwind:
	list_for_each_entry(done, &vcm->domains, node) {
		if (done == vd)
			break;
		vcm_unmap_domain(done->domain, res);
	}
	return ret;
}

/**
 * vcm_unmap_all() - unmap a reservation from every domain of a VCM
 * @vcm: the VCM
 * @res: the reservation, mapped in all of them
 */
void vcm_unmap_all(struct vcm *vcm, struct vcm_res *res)
{
	struct vcm_domain *vd;

	lockdep_assert_held(&vcm->lock);
	list_for_each_entry(vd, &vcm->domains, node)
		vcm_unmap_domain(vd->domain, res);
}

/* Whether @res's backing is mapped in the VCM's domains now */
static bool vcm_res_mapped(struct vcm_res *res)
{
	return res->phys && !res->revoked;
}

/**
 * vcm_domain_add() - a new domain for a device's IOMMU instance
 * @vcm: the VCM
 * @dev: the device, whose iommu_ops allocate the domain
 *
 * Every backed reservation of the VCM is replayed into it, so it is
 * identical to the VCM's other domains. It has no user yet.
 *
 * Return: the domain, or ERR_PTR: -ERANGE (the VCM is beyond the domain's
 * aperture), -ENOMEM, or the IOMMU's error.
 */
struct vcm_domain *vcm_domain_add(struct vcm *vcm, struct device *dev)
{
	struct vcm_res *res, *failed = NULL;
	struct iommu_domain *domain;
	struct vcm_domain *vd;
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
		if (!vcm_res_mapped(res))
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
		if (vcm_res_mapped(res))
			vcm_unmap_domain(domain, res);
	}
err_domain:
	iommu_domain_free(domain);
err_free:
	kfree(vd);
	return ERR_PTR(ret);
}

/**
 * vcm_domain_put() - drop a user of a domain; free it with the last one
 * @vd: the domain
 */
void vcm_domain_put(struct vcm_domain *vd)
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
