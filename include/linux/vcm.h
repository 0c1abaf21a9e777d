/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtual Contiguous Memory (VCM): one device address space mirrored into one
 * IOMMU domain per IOMMU instance.
 *
 * Objects:
 *  - struct vcm: a device address space [start, start + len).
 *  - struct vcm_assoc: a device (its RID, or one PASID) associated with a VCM.
 *    The VCM keeps one iommu_domain per IOMMU instance of its associated
 *    devices, allocated through the device's own iommu_ops, and keeps every
 *    domain identical.
 *  - struct vcm_res: a reservation, a range of device addresses in a VCM.
 *  - struct vcm_phys: a physical allocation, zeroed blocks of the largest
 *    sizes the domains can map in one PTE. One allocation may back
 *    reservations in several VCMs.
 *
 * Locking: each VCM has a mutex that serialises everything done to it, its
 * reservations and its associations; no VCM function may be called from
 * atomic context.
 *
 * Lifetime: every object is reference counted, and the caller that creates
 * one holds its reference. Objects that depend on another hold a reference
 * on it: a reservation on its VCM, a backed reservation on its memory, a
 * user mapping on its reservation, an export on its reservation.
 * The owner ends an object either with the strict
 * destroy, which fails with -EBUSY while something depends on it and
 * changes nothing (vcm_free() while reservations or associations exist,
 * vcm_unreserve() of a backed or exported reservation, vcm_phys_free() of
 * memory that backs a reservation, vcm_deassoc() of an active association),
 * or with the put, which drops its reference whatever depends on it
 * (vcm_put(), vcm_res_put(), vcm_phys_put(), vcm_assoc_put()): the last
 * reference ends the object, unbacking and detaching as needed, and never
 * fails. A driver tears down in dependency order with the destroys, or puts
 * what it holds in any order when it goes away.
 */
#ifndef _LINUX_VCM_H
#define _LINUX_VCM_H

#include <linux/iommu.h>
#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/dma-direction.h>

struct device;
struct vm_area_struct;
struct vcm;
struct vcm_assoc;
struct vcm_res;
struct vcm_phys;
struct vcm_dmabuf_export;
struct dma_buf;

/* The largest alignment a reservation may ask for. */
#define VCM_MAX_ALIGN		SZ_1G

/**
 * typedef vcm_fault_handler_t - called on a translation fault in a VCM
 * @vcm: the VCM whose domain faulted
 * @dev: the device that faulted
 * @addr: the device address
 * @flags: IOMMU_FAULT_READ or IOMMU_FAULT_WRITE
 * @data: the cookie given to vcm_set_fault_handler()
 *
 * Runs in the context the IOMMU driver reports faults from, possibly atomic,
 * and only for IOMMU drivers that call report_iommu_fault().
 * Return: 0 if handled, an errno otherwise (the IOMMU driver's default action).
 */
typedef int (*vcm_fault_handler_t)(struct vcm *vcm, struct device *dev,
				   u64 addr, int flags, void *data);

struct vcm *vcm_create(u64 start, u64 len);
int vcm_free(struct vcm *vcm);
void vcm_put(struct vcm *vcm);
u64 vcm_get_start_addr(struct vcm *vcm);
u64 vcm_get_len(struct vcm *vcm);
unsigned long vcm_get_pgsizes(struct vcm *vcm);
void vcm_set_fault_handler(struct vcm *vcm, vcm_fault_handler_t handler,
			   void *data);

struct vcm_assoc *vcm_assoc(struct vcm *vcm, struct device *dev, ioasid_t pasid);
int vcm_deassoc(struct vcm_assoc *assoc);
void vcm_assoc_put(struct vcm_assoc *assoc);
int vcm_activate(struct vcm_assoc *assoc);
int vcm_deactivate(struct vcm_assoc *assoc);
bool vcm_is_active(struct vcm_assoc *assoc);
struct iommu_domain *vcm_assoc_get_domain(struct vcm_assoc *assoc);
void vcm_assoc_put_domain(struct vcm_assoc *assoc, struct iommu_domain *domain);
void vcm_device_removed(struct device *dev);

/**
 * enum vcm_cache - the CPU cache attribute of a physical allocation
 * @VCM_CACHE_WB: write-back, the default
 * @VCM_CACHE_WC: write-combined
 * @VCM_CACHE_UNCACHED: uncached
 *
 * Every CPU mapping of an allocation uses its attribute, so no two mappings
 * alias with different attributes.
 */
enum vcm_cache {
	VCM_CACHE_WB,
	VCM_CACHE_WC,
	VCM_CACHE_UNCACHED,
};

struct vcm_phys *vcm_phys_alloc(size_t len, unsigned long pgsizes, bool contig,
				enum vcm_cache cache);
int vcm_phys_free(struct vcm_phys *phys);
void vcm_phys_put(struct vcm_phys *phys);
size_t vcm_phys_len(struct vcm_phys *phys);
unsigned int vcm_phys_nr_blocks(struct vcm_phys *phys);
unsigned int vcm_phys_block_order(struct vcm_phys *phys, unsigned int i);

/**
 * struct vcm_phys_iter - walks a physical allocation's contiguous runs
 * @phys: the allocation
 * @block: the next block to look at
 */
struct vcm_phys_iter {
	struct vcm_phys *phys;
	unsigned int block;
};

void vcm_phys_iter_init(struct vcm_phys_iter *it, struct vcm_phys *phys);
bool vcm_phys_next_seg(struct vcm_phys_iter *it, phys_addr_t *phys, size_t *len);
void vcm_phys_sync_for_device(struct vcm_phys *phys, enum dma_data_direction dir);
void vcm_phys_sync_for_cpu(struct vcm_phys *phys, enum dma_data_direction dir);

struct vcm_res *vcm_reserve(struct vcm *vcm, size_t len, u64 align, int prot);
struct vcm_res *vcm_reserve_at(struct vcm *vcm, u64 addr, size_t len, int prot);
int vcm_unreserve(struct vcm_res *res);
void vcm_res_put(struct vcm_res *res);
int vcm_res_require_cache(struct vcm_res *res, enum vcm_cache cache);
u64 vcm_res_addr(struct vcm_res *res);
size_t vcm_res_len(struct vcm_res *res);
struct vcm_phys *vcm_res_phys(struct vcm_res *res);

int vcm_back(struct vcm_res *res, struct vcm_phys *phys);
int vcm_unback(struct vcm_res *res);
int vcm_translate(struct vcm *src, u64 addr, struct vcm *dst, u64 *out);

void *vcm_vmap(struct vcm_res *res);
int vcm_res_mmap(struct vcm_res *res, struct vm_area_struct *vma);
void vcm_vunmap(struct vcm_res *res, void *vaddr);

struct dma_buf *vcm_export(struct vcm_res *res, bool movable);
struct vcm_phys *vcm_phys_import(struct dma_buf *dmabuf);
bool vcm_phys_is_imported(struct vcm_phys *phys);

#endif
