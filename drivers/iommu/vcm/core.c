// SPDX-License-Identifier: GPL-2.0-only
/*
 * Virtual Contiguous Memory: one device address space, kept identical in one
 * paging iommu_domain per IOMMU instance of the devices associated with it.
 *
 * This file: the VCM itself, its lifetime, and the faults its domains report.
 * Its domains are in domain.c, associations in assoc.c, reservations in
 * res.c, backing in back.c, CPU views in cpu.c, physical memory in phys.c.
 */
#include <linux/iommu.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "vcm-priv.h"

/* All VCMs, for vcm_device_removed() */
LIST_HEAD(vcm_list);
DEFINE_MUTEX(vcm_list_lock);	/* protects vcm_list */

/**
 * vcm_create() - create an empty device address space
 * @start: first device address, page aligned
 * @len: length in bytes, page aligned, non-zero
 *
 * The caller holds the one reference; vcm_free() or vcm_put() drops it.
 *
 * Return: the VCM, or ERR_PTR(-EINVAL) for a bad range, ERR_PTR(-ERANGE)
 * for one beyond what an unsigned long addresses (IOVAs are unsigned long),
 * ERR_PTR(-ENOMEM).
 */
struct vcm *vcm_create(u64 start, u64 len)
{
	struct vcm *vcm;
	u64 end;

	if (!len || !PAGE_ALIGNED(start) || !PAGE_ALIGNED(len) ||
	    check_add_overflow(start, len - 1, &end))
		return ERR_PTR(-EINVAL);
	if (end > ULONG_MAX)
		return ERR_PTR(-ERANGE);

	vcm = kzalloc_obj(*vcm);
	if (!vcm)
		return ERR_PTR(-ENOMEM);
	refcount_set(&vcm->users, 1);
	mutex_init(&vcm->lock);
	vcm->start = start;
	vcm->len = len;
	mt_init_flags(&vcm->res_mt, MT_FLAGS_ALLOC_RANGE | MT_FLAGS_LOCK_EXTERN);
	mt_set_external_lock(&vcm->res_mt, &vcm->lock);
	INIT_LIST_HEAD(&vcm->domains);
	INIT_LIST_HEAD(&vcm->assocs);
	RCU_INIT_POINTER(vcm->fault, &vcm->hooks[0]);
	INIT_LIST_HEAD(&vcm->api_maps);

	mutex_lock(&vcm_list_lock);
	list_add_tail(&vcm->node, &vcm_list);
	mutex_unlock(&vcm_list_lock);
	return vcm;
}

/**
 * vcm_get() - take a reference on a VCM
 * @vcm: a VCM the caller holds a reference on
 *
 * Return: @vcm.
 */
struct vcm *vcm_get(struct vcm *vcm)
{
	refcount_inc(&vcm->users);
	return vcm;
}

static void vcm_release(struct vcm *vcm)
{
	mutex_lock(&vcm_list_lock);
	list_del(&vcm->node);
	mutex_unlock(&vcm_list_lock);
	/* Reservations and associations each held a reference */
	WARN_ON(vcm->nr_res || vcm->nr_assoc || !list_empty(&vcm->domains));
	mutex_lock(&vcm->lock);
	__mt_destroy(&vcm->res_mt);
	mutex_unlock(&vcm->lock);
	mutex_destroy(&vcm->lock);
	kfree(vcm);
}

/**
 * vcm_put() - drop a reference on a VCM
 * @vcm: the VCM
 *
 * For an owner that goes away whatever still depends on the VCM (an export
 * of one of its reservations): the VCM is freed with the last reference.
 */
void vcm_put(struct vcm *vcm)
{
	if (refcount_dec_and_test(&vcm->users))
		vcm_release(vcm);
}

/**
 * vcm_free() - free a VCM nothing depends on
 * @vcm: the VCM
 *
 * Return: 0, or -EBUSY (nothing changed) while it has reservations or
 * associations.
 */
int vcm_free(struct vcm *vcm)
{
	if (!refcount_dec_if_one(&vcm->users))
		return -EBUSY;
	vcm_release(vcm);
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

/**
 * vcm_fault() - the fault handler of every domain of a VCM
 * @domain: the domain
 * @dev: the device that faulted
 * @iova: the device address
 * @flags: IOMMU_FAULT_READ or IOMMU_FAULT_WRITE
 * @token: the VCM
 *
 * Context: whatever context the IOMMU driver reports faults from, possibly
 * atomic: reads the installed hook under RCU.
 * Return: the user's handler's result, or -EFAULT without one.
 */
int vcm_fault(struct iommu_domain *domain, struct device *dev,
	      unsigned long iova, int flags, void *token)
{
	struct vcm_fault_hook *hook;
	struct vcm *vcm = token;
	int ret = -EFAULT;

	atomic_inc(&vcm->nr_faults);
	atomic64_set(&vcm->last_fault, iova);
	rcu_read_lock();
	hook = rcu_dereference(vcm->fault);
	if (hook->handler)
		ret = hook->handler(vcm, dev, iova, flags, hook->data);
	rcu_read_unlock();
	return ret;
}

/**
 * vcm_set_fault_handler() - install a translation fault handler
 * @vcm: the VCM
 * @handler: called for a fault in any of its domains, or NULL
 * @data: passed to @handler
 *
 * Faults are counted whether or not a handler is installed. The handler and
 * its cookie change together: a fault sees the old pair or the new one. Once
 * this returns the old handler is neither running nor called again, so its
 * cookie may be freed.
 *
 * Only IOMMU drivers that call report_iommu_fault() deliver faults here.
 *
 * Context: process context, may sleep.
 */
void vcm_set_fault_handler(struct vcm *vcm, vcm_fault_handler_t handler,
			   void *data)
{
	struct vcm_fault_hook *hook;

	mutex_lock(&vcm->lock);
	hook = rcu_dereference_protected(vcm->fault, lockdep_is_held(&vcm->lock));
	/* Write the hook no reader uses: the other one */
	hook = hook == &vcm->hooks[0] ? &vcm->hooks[1] : &vcm->hooks[0];
	hook->data = data;
	vcm_test_window(VCM_WINDOW_FAULT_HANDLER);
	hook->handler = handler;
	rcu_assign_pointer(vcm->fault, hook);
	/* Nobody reads the old one once this returns: it is written next time */
	synchronize_rcu();
	mutex_unlock(&vcm->lock);
}
