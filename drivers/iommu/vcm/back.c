// SPDX-License-Identifier: GPL-2.0-only
/*
 * Backing: physical memory mapped at a reservation in every domain of its
 * VCM. A backed reservation holds a reference on its memory.
 *
 * Memory imported from a dma-buf is backed and unbacked under the dma-buf's
 * reservation lock, taken before vcm->lock, so that a revocation by its
 * exporter sees every reservation it backs.
 */
#include <linux/dma-resv.h>
#include <linux/highmem.h>
#include <linux/mm.h>

#include "vcm-priv.h"

/**
 * vcm_back() - map a physical allocation at a reservation in every domain
 * @res: the reservation
 * @phys: the allocation, of the same length
 *
 * All or nothing: if mapping into one domain fails, the domains already
 * mapped are unmapped again. Each domain is synchronised once. The
 * reservation takes a reference on @phys until it is unbacked.
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
	int ret;

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
	ret = vcm_map_all(vcm, res, phys);
	if (ret)
		goto out;
	res->phys = vcm_phys_get(phys);
	res->revoked = false;
	if (resv)
		list_add(&res->phys_node, &phys->backings);
	vcm->nr_backed++;
out:
	mutex_unlock(&vcm->lock);
	if (resv)
		dma_resv_unlock(resv);
	return ret;
}

/**
 * __vcm_unback() - unmap a reservation from every domain, unchecked
 * @res: a backed reservation
 *
 * Context: vcm->lock held, and for imported memory its dma-buf's
 * reservation lock.
 * Return: the memory, whose reference the caller drops once the locks are
 * released.
 */
struct vcm_phys *__vcm_unback(struct vcm_res *res)
{
	struct vcm_phys *phys = res->phys;

	lockdep_assert_held(&res->vcm->lock);
	if (!res->revoked)
		vcm_unmap_all(res->vcm, res);
	if (phys->attach)
		list_del(&res->phys_node);
	res->phys = NULL;
	res->revoked = false;
	res->vcm->nr_backed--;
	return phys;
}

/**
 * vcm_unback() - unmap a reservation from every domain
 * @res: the reservation
 *
 * Each domain is unmapped with one IOTLB sync. The reservation's reference on
 * its memory is dropped.
 *
 * Return: 0, or -EINVAL if it is not backed, -EBUSY while it is exported or
 * a kernel or user mapping of it exists.
 */
int vcm_unback(struct vcm_res *res)
{
	struct vcm *vcm = res->vcm;
	struct dma_resv *resv;
	struct vcm_phys *phys;
	int ret = 0;

	mutex_lock(&vcm->lock);
	phys = res->phys;
	if (res->export || res->vmaps || res->mmaps)
		ret = -EBUSY;
	else if (!phys)
		ret = -EINVAL;
	else if (phys->attach)
		vcm_phys_get(phys);	/* held while its dma-buf's lock is taken */
	else
		__vcm_unback(res);
	mutex_unlock(&vcm->lock);
	if (ret)
		return ret;
	if (!phys->attach) {
		vcm_phys_put(phys);
		return 0;
	}

	/* Imported memory: its dma-buf's lock goes first, then check again */
	resv = phys->attach->dmabuf->resv;
	dma_resv_lock(resv, NULL);
	mutex_lock(&vcm->lock);
	if (res->phys != phys)
		ret = -EINVAL;	/* unbacked meanwhile */
	else
		__vcm_unback(res);
	mutex_unlock(&vcm->lock);
	dma_resv_unlock(resv);
	if (!ret)
		vcm_phys_put(phys);	/* the reservation's reference */
	vcm_phys_put(phys);
	return ret;
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
 * domain instead, and the reservation's reference moves to @to. Devices
 * keep their addresses. Device access during the move may see either
 * memory: the caller stops it first (for a dma-buf, by invalidating its
 * importers and waiting for its fences).
 *
 * Return: 0, or -EBUSY (a kernel or user view of it exists, or not backed
 * by memory that can move), -EINVAL (@to does not match), or the IOMMU's
 * error, in which case every domain maps the old memory again, or none.
 */
int vcm_res_move(struct vcm_res *res, struct vcm_phys *to)
{
	struct vcm *vcm = res->vcm;
	struct vcm_domain *vd, *done;
	struct vcm_phys *from;
	int ret;

	if (to->len != res->len)
		return -EINVAL;
	mutex_lock(&vcm->lock);
	from = res->phys;
	if (!from || from->attach || res->revoked || res->vmaps || res->mmaps) {
		ret = -EBUSY;
		goto out;
	}
	if (from->cache != to->cache) {
		ret = -EINVAL;
		goto out;
	}
	/* What devices wrote, not what the CPU's caches may still hold */
	vcm_phys_sync_for_cpu(from, DMA_BIDIRECTIONAL);
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
	res->phys = vcm_phys_get(to);
	mutex_unlock(&vcm->lock);
	vcm_phys_put(from);
	return 0;

unwind:
	/* Domains before @vd map @to, @vd maps nothing, the rest map @from */
	list_for_each_entry(done, &vcm->domains, node)
		if (done != vd)
			vcm_unmap_domain(done->domain, res);
	/*
	 * Map the old memory again everywhere. That can fail too (page tables
	 * the unmap freed): then nowhere, and device access faults until the
	 * reservation is unbacked, as for revoked memory.
	 */
	if (vcm_map_all(vcm, res, from))
		res->revoked = true;
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
	struct vcm_res *res;

	dma_resv_assert_held(phys->attach->dmabuf->resv);
	list_for_each_entry(res, &phys->backings, phys_node) {
		struct vcm *vcm = res->vcm;

		mutex_lock(&vcm->lock);
		if (!res->revoked) {
			vcm_unmap_all(vcm, res);
			res->revoked = true;
		}
		mutex_unlock(&vcm->lock);
	}
}
