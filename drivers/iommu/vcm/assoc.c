// SPDX-License-Identifier: GPL-2.0-only
/*
 * Associations: a device's RID, or one PASID of it, in a VCM. An association
 * uses the VCM's domain for the device's IOMMU instance (allocating it
 * through the device's own iommu_ops if the VCM has none for that instance
 * yet), and attaches to it while active.
 *
 * Everything here runs under vcm->lock, except the invalidation of importers
 * on deactivation, which takes their dma-buf reservation locks first.
 */
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/slab.h>

#include "vcm-priv.h"

/* DMA ownership cookie: every VCM activation of a device claims it alike. */
static const char vcm_dma_owner[] = "vcm";

/**
 * vcm_assoc() - associate a device, or one PASID of it, with a VCM
 * @vcm: the VCM
 * @dev: the device, bound to the caller's driver; its IOMMU is found through
 *       the device's own iommu_ops
 * @pasid: IOMMU_NO_PASID for the device's RID, else the PASID
 *
 * The VCM reuses its domain for the device's IOMMU instance, or allocates one
 * through the device and replays every backed reservation into it. The
 * association is usable once this returns; vcm_activate() attaches it. The
 * caller holds the one reference; vcm_deassoc() or vcm_assoc_put() drops it.
 *
 * Context: the caller keeps @dev bound to its driver meanwhile (it calls this
 * from its probe, or under device_lock()), so that the driver's remove, which
 * calls vcm_device_removed(), comes after.
 *
 * Return: the association, or ERR_PTR: -ENODEV (no IOMMU, or no driver
 * bound), -EOPNOTSUPP (no PASID support), -EINVAL (PASID out of range),
 * -ERANGE (the VCM lies beyond the device's DMA mask or the domain's
 * aperture), -EEXIST (already associated), -ENOMEM.
 */
struct vcm_assoc *vcm_assoc(struct vcm *vcm, struct device *dev, ioasid_t pasid)
{
	struct vcm_domain *vd = NULL, *it;
	struct vcm_assoc *assoc, *a;
	int ret;

	if (!device_iommu_mapped(dev) || !dev->iommu || !dev->iommu->iommu_dev)
		return ERR_PTR(-ENODEV);
	/* Only a bound driver can keep the device while it is associated */
	if (!READ_ONCE(dev->driver))
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
	refcount_set(&assoc->users, 1);
	INIT_LIST_HEAD(&assoc->maps);

	mutex_lock(&vcm->lock);
	list_for_each_entry(a, &vcm->assocs, node) {
		if (a->dev == dev && a->pasid == pasid && !a->dead) {
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
	assoc->vcm = vcm_get(vcm);
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
	lockdep_assert_held(&assoc->vcm->lock);
	if (assoc->pasid != IOMMU_NO_PASID)
		iommu_detach_device_pasid(assoc->vd->domain, assoc->dev,
					  assoc->pasid);
	else
		iommu_detach_device(assoc->vd->domain, assoc->dev);
	iommu_device_release_dma_owner(assoc->dev);
	assoc->active = false;
}

/*
 * The last reference is gone and vcm->lock is held: no look-up can find
 * @assoc any more once it is unlinked. Then vcm_assoc_free() it, unlocked.
 */
static void vcm_assoc_unlink(struct vcm_assoc *assoc)
{
	struct vcm *vcm = assoc->vcm;

	lockdep_assert_held(&vcm->lock);
	WARN_ON(!list_empty(&assoc->maps));
	if (assoc->active)
		vcm_detach(assoc);
	if (assoc->vd)
		vcm_domain_put(assoc->vd);
	list_del(&assoc->node);
	vcm->nr_assoc--;
}

static void vcm_assoc_free(struct vcm_assoc *assoc)
{
	put_device(assoc->dev);
	vcm_put(assoc->vcm);
	kfree(assoc);
}

static struct vcm_assoc *vcm_assoc_get(struct vcm_assoc *assoc)
{
	refcount_inc(&assoc->users);
	return assoc;
}

/**
 * __vcm_assoc_put() - drop a reference an importer mapping held
 * @assoc: the association
 *
 * The last reference detaches the association and ends it.
 */
void __vcm_assoc_put(struct vcm_assoc *assoc)
{
	struct vcm *vcm = assoc->vcm;

	/* The last one unlinks it under the lock its look-ups hold */
	if (!refcount_dec_and_mutex_lock(&assoc->users, &vcm->lock))
		return;
	vcm_assoc_unlink(assoc);
	mutex_unlock(&vcm->lock);
	vcm_assoc_free(assoc);
}

/**
 * vcm_assoc_put() - drop a reference on an association
 * @assoc: the association
 *
 * For its owner, whatever still depends on it: importers that use the VCM
 * address through it are told to map again (dynamic ones let go at once),
 * and the association stays attached until the last of them has unmapped.
 * The last reference detaches it and ends it.
 */
void vcm_assoc_put(struct vcm_assoc *assoc)
{
	/* While this reference holds it: ask importer mappings to go */
	vcm_export_invalidate(assoc->vcm, &assoc->maps, NULL);
	__vcm_assoc_put(assoc);
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
	if (assoc->active || !refcount_dec_if_one(&assoc->users)) {
		mutex_unlock(&vcm->lock);
		return -EBUSY;
	}
	vcm_assoc_unlink(assoc);
	mutex_unlock(&vcm->lock);
	vcm_assoc_free(assoc);
	return 0;
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
 * Importers of the VCM's exports that hold a DMA-API mapping for the device
 * are told to map again first: once the RID is attached, the device's DMA
 * goes through the VCM's domain, where their addresses mean nothing. While
 * one (a static importer) still holds one, the RID is not attached.
 *
 * Return: 0, or -EBUSY (already active, the device is in use, or an importer
 * holds a DMA-API mapping of an export of the VCM for it), -ENODEV (the
 * device went away), or the IOMMU core's error.
 */
int vcm_activate(struct vcm_assoc *assoc)
{
	struct vcm *vcm = assoc->vcm;
	bool rid = assoc->pasid == IOMMU_NO_PASID;
	struct vcm_domain *vd;
	int ret;

	if (rid)
		vcm_export_invalidate(vcm, &vcm->api_maps, assoc->dev);
	mutex_lock(&vcm->lock);
	if (assoc->dead) {
		ret = -ENODEV;
		goto out;
	}
	if (assoc->active) {
		ret = -EBUSY;
		goto out;
	}
	if (rid && vcm_export_dev_mapped(vcm, assoc->dev)) {
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
 * released); a PASID is detached. Importers of the VCM's exports that use
 * the VCM address through the device are told to map again first; if one
 * still holds such a mapping (a static importer), the device stays.
 *
 * Return: 0, or -EINVAL if it is not active, -ENODEV if its device went
 * away, -EBUSY while an importer still maps through it.
 */
int vcm_deactivate(struct vcm_assoc *assoc)
{
	struct vcm *vcm = assoc->vcm;
	int ret = 0;

	vcm_export_invalidate(vcm, &assoc->maps, NULL);
	mutex_lock(&vcm->lock);
	if (!assoc->active)
		ret = assoc->dead ? -ENODEV : -EINVAL;
	else if (!list_empty(&assoc->maps))
		ret = -EBUSY;
	else
		vcm_detach(assoc);
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
 * vcm_assoc_get_domain() - the domain an association attaches to
 * @assoc: the association
 *
 * The domain stays allocated, and a mirror of the VCM, until
 * vcm_assoc_put_domain(), even if the device goes away meanwhile; so does
 * the VCM. The caller keeps @assoc until then.
 *
 * Return: the domain, or NULL once its device went away.
 */
struct iommu_domain *vcm_assoc_get_domain(struct vcm_assoc *assoc)
{
	struct iommu_domain *domain = NULL;

	mutex_lock(&assoc->vcm->lock);
	if (assoc->vd) {
		assoc->vd->users++;
		domain = assoc->vd->domain;
		vcm_get(assoc->vcm);
	}
	mutex_unlock(&assoc->vcm->lock);
	return domain;
}

/**
 * vcm_assoc_put_domain() - let go of a domain from vcm_assoc_get_domain()
 * @assoc: the association it came from
 * @domain: the domain
 */
void vcm_assoc_put_domain(struct vcm_assoc *assoc, struct iommu_domain *domain)
{
	struct vcm *vcm = assoc->vcm;
	struct vcm_domain *vd;

	mutex_lock(&vcm->lock);
	list_for_each_entry(vd, &vcm->domains, node) {
		if (vd->domain == domain) {
			vcm_domain_put(vd);
			break;
		}
	}
	mutex_unlock(&vcm->lock);
	vcm_put(vcm);
}

/* The active RID association of @dev in @vcm, or NULL; vcm->lock held */
static struct vcm_assoc *vcm_assoc_find_active(struct vcm *vcm,
					       struct device *dev)
{
	struct vcm_assoc *assoc;

	lockdep_assert_held(&vcm->lock);
	list_for_each_entry(assoc, &vcm->assocs, node) {
		if (assoc->dev == dev && assoc->pasid == IOMMU_NO_PASID &&
		    assoc->active)
			return assoc;
	}
	return NULL;
}

/**
 * vcm_assoc_get_active() - the active RID association of a device
 * @vcm: the VCM
 * @dev: the device
 *
 * Context: vcm->lock held.
 * Return: the association with a reference, or NULL if @dev's RID is not
 * active in @vcm.
 */
struct vcm_assoc *vcm_assoc_get_active(struct vcm *vcm, struct device *dev)
{
	struct vcm_assoc *assoc = vcm_assoc_find_active(vcm, dev);

	return assoc ? vcm_assoc_get(assoc) : NULL;
}

/**
 * vcm_device_removed() - a device is going away
 * @dev: the device
 *
 * For a driver whose device is removed while associated: detaches it from
 * every VCM and drops the domains only it used. Its associations stay, dead,
 * until their owner ends them; every other call on them fails with -ENODEV.
 * The driver detaches its dma-buf importers first: a mapping of a VCM address
 * an importer of it still holds is stale from here.
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
			assoc->dead = true;
			vcm_domain_put(assoc->vd);
			assoc->vd = NULL;
		}
		mutex_unlock(&vcm->lock);
	}
	mutex_unlock(&vcm_list_lock);
}
