// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reservations: ranges of device addresses in a VCM, kept in a maple tree
 * under vcm->lock. A reservation holds a reference on its VCM; its backing
 * (back.c) holds one on its memory.
 */
#include <linux/dma-resv.h>
#include <linux/log2.h>
#include <linux/maple_tree.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "vcm-priv.h"

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

	lockdep_assert_held(&vcm->lock);
	res = kzalloc_obj(*res);
	if (!res)
		return ERR_PTR(-ENOMEM);
	refcount_set(&res->users, 1);
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
	res->vcm = vcm_get(vcm);
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
 * The caller holds the one reference; vcm_unreserve() or vcm_res_put() drops
 * it.
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
 * vcm_res_get() - take a reference on a reservation
 * @res: a reservation the caller holds a reference on
 *
 * Return: @res.
 */
struct vcm_res *vcm_res_get(struct vcm_res *res)
{
	refcount_inc(&res->users);
	return res;
}

/* The last reference is gone: unback, take the range out, free. */
static void vcm_res_release(struct vcm_res *res)
{
	MA_STATE(mas, &res->vcm->res_mt, res->addr, res->addr + res->len - 1);
	/* Nobody else can see @res now: its backing cannot change */
	struct dma_resv *resv = res->phys && res->phys->attach ?
				res->phys->attach->dmabuf->resv : NULL;
	struct vcm *vcm = res->vcm;
	struct vcm_phys *phys = NULL;

	if (resv)
		dma_resv_lock(resv, NULL);
	mutex_lock(&vcm->lock);
	if (res->phys)
		phys = __vcm_unback(res);
	mas_erase(&mas);
	vcm->nr_res--;
	mutex_unlock(&vcm->lock);
	if (resv)
		dma_resv_unlock(resv);
	if (phys)
		vcm_phys_put(phys);
	vcm_put(vcm);
	kfree(res);
}

/**
 * vcm_res_put() - drop a reference on a reservation
 * @res: the reservation
 *
 * For an owner that goes away whatever still depends on the reservation (its
 * export, a user mapping of it): the last reference unbacks it, if it is
 * backed, and releases its range.
 */
void vcm_res_put(struct vcm_res *res)
{
	if (refcount_dec_and_test(&res->users))
		vcm_res_release(res);
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
	int ret = 0;

	mutex_lock(&vcm->lock);
	if (res->phys || res->export || !refcount_dec_if_one(&res->users))
		ret = -EBUSY;
	mutex_unlock(&vcm->lock);
	if (!ret)
		vcm_res_release(res);
	return ret;
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
 * A snapshot: the caller keeps the backing from changing (it does not unback
 * it, and a kernel or user mapping of it, or the lack of an export, keeps an
 * export from moving it).
 *
 * Return: the allocation, or NULL if it is not backed.
 */
struct vcm_phys *vcm_res_phys(struct vcm_res *res)
{
	return READ_ONCE(res->phys);
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
	struct vcm_phys *phys = NULL;
	struct vcm_res *res;
	u64 offset = 0;
	int ret = -ENOENT;

	mutex_lock(&src->lock);
	res = vcm_find_backed(src, addr);
	if (res) {
		phys = vcm_phys_get(res->phys);
		offset = addr - res->addr;
	}
	mutex_unlock(&src->lock);
	if (!phys)
		return -ENOENT;

	mutex_lock(&dst->lock);
	mas_for_each(&mas, res, ULONG_MAX) {
		if (res->phys == phys) {
			*out = res->addr + offset;
			ret = 0;
			break;
		}
	}
	mutex_unlock(&dst->lock);
	vcm_phys_put(phys);
	return ret;
}
