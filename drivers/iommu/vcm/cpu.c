// SPDX-License-Identifier: GPL-2.0-only
/*
 * CPU views of a backed reservation, made on demand and counted: while one
 * exists, the reservation cannot be unbacked and its memory cannot move.
 * An exported reservation's views are its dma-buf's.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "vcm-priv.h"

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

/* Maps @res for the kernel; @exporter: the caller is its export */
static void *vcm_res_do_vmap(struct vcm_res *res, bool exporter)
{
	struct vcm *vcm = res->vcm;
	unsigned int npages, i, b, n = 0;
	struct vcm_phys *phys;
	struct page **pages;
	void *vaddr = NULL;

	mutex_lock(&vcm->lock);
	phys = res->phys;
	if (!phys || phys->attach || (res->export && !exporter))
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
 * vcm_vmap() - a kernel view of a backed reservation, made on demand
 * @res: the reservation
 *
 * No permanent kernel mapping of VCM memory exists; this makes one with the
 * allocation's cache attribute, so it cannot alias with a different one.
 * Drop it with vcm_vunmap() as soon as it is no longer needed. Until then
 * the reservation cannot be unbacked, so vcm_res_phys() is stable.
 *
 * Memory imported from a dma-buf has no kernel view here: its exporter
 * provides one. Nor has an exported reservation: the dma-buf's vmap is its
 * view, which its release cannot outlive.
 *
 * Return: the kernel address, or NULL (not backed, imported, exported, or
 * out of memory).
 */
void *vcm_vmap(struct vcm_res *res)
{
	return vcm_res_do_vmap(res, false);
}

/**
 * __vcm_vmap() - vcm_vmap() for the export of the reservation
 * @res: the reservation
 *
 * While the view exists, the export's memory cannot move.
 *
 * Return: see vcm_vmap().
 */
void *__vcm_vmap(struct vcm_res *res)
{
	return vcm_res_do_vmap(res, true);
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

static void vcm_vm_open(struct vm_area_struct *vma)
{
	struct vcm_res *res = vma->vm_private_data;

	mutex_lock(&res->vcm->lock);
	res->mmaps++;
	mutex_unlock(&res->vcm->lock);
	vcm_res_get(res);
}

static void vcm_vm_close(struct vm_area_struct *vma)
{
	struct vcm_res *res = vma->vm_private_data;

	mutex_lock(&res->vcm->lock);
	res->mmaps--;
	mutex_unlock(&res->vcm->lock);
	vcm_res_put(res);
}

static const struct vm_operations_struct vcm_vm_ops = {
	.open = vcm_vm_open,
	.close = vcm_vm_close,
};

/* Maps @res for the user; @exporter: the caller is its export */
static int vcm_res_do_mmap(struct vcm_res *res, struct vm_area_struct *vma,
			   bool exporter)
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
	if (res->export && !exporter) {
		ret = -EBUSY;
		goto out;
	}
	if (phys && phys->attach) {
		ret = -EOPNOTSUPP;
		goto out;
	}
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
	if (!ret) {
		vma->vm_private_data = vcm_res_get(res);
		vma->vm_ops = &vcm_vm_ops;
		res->mmaps++;
	}
out:
	mutex_unlock(&vcm->lock);
	return ret;
}

/**
 * vcm_res_mmap() - a user view of a backed reservation
 * @res: the reservation
 * @vma: a shared mapping of at most the reservation's length; it maps the
 *       reservation from its start
 *
 * The mapping uses the allocation's cache attribute, like every other CPU
 * mapping of it, and holds a reference on the reservation: until it is
 * unmapped, the reservation cannot be unbacked (-EBUSY).
 *
 * Return: 0, or -EINVAL (not backed, too long, or not shared), -EBUSY
 * (exported: map the dma-buf, whose exporter can account for it),
 * -EOPNOTSUPP (backed by an imported dma-buf: map that), or the error of
 * remap_pfn_range().
 */
int vcm_res_mmap(struct vcm_res *res, struct vm_area_struct *vma)
{
	return vcm_res_do_mmap(res, vma, false);
}

/**
 * __vcm_res_mmap() - vcm_res_mmap() for the export of the reservation
 * @res: the reservation
 * @vma: see vcm_res_mmap()
 *
 * Return: see vcm_res_mmap(), without -EBUSY.
 */
int __vcm_res_mmap(struct vcm_res *res, struct vm_area_struct *vma)
{
	return vcm_res_do_mmap(res, vma, true);
}

/**
 * vcm_res_cpu_mapped() - whether a kernel or user view of a reservation exists
 * @res: the reservation
 *
 * Return: true if one does.
 */
bool vcm_res_cpu_mapped(struct vcm_res *res)
{
	bool mapped;

	mutex_lock(&res->vcm->lock);
	mapped = res->vmaps || res->mmaps;
	mutex_unlock(&res->vcm->lock);
	return mapped;
}
