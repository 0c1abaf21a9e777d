/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VCM internals, shared by the core, /dev/vcm and the test-only mock IOMMU.
 */
#ifndef _VCM_PRIV_H
#define _VCM_PRIV_H

#include <linux/dma-buf.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/maple_tree.h>
#include <linux/mutex.h>
#include <linux/vcm.h>

/**
 * struct vcm - a device address space
 * @lock: serialises everything below and the VCM's reservations and
 *        associations
 * @node: in the list of all VCMs
 * @start: first device address
 * @len: length
 * @res_mt: live reservations, keyed by their device address range
 * @domains: struct vcm_domain list, one per IOMMU instance (or more, when a
 *           device cannot attach to the instance's first domain)
 * @assocs: struct vcm_assoc list
 * @nr_res: live reservations
 * @nr_backed: backed reservations
 * @nr_assoc: associations
 * @nr_domains: entries in @domains
 * @nr_faults: translation faults reported on its domains
 * @last_fault: device address of the last fault
 * @fault_handler: the user's handler, or NULL
 * @fault_data: its cookie
 * @orphan: its owner is gone; it is freed with its last reservation
 */
struct vcm {
	struct mutex lock;	/* serialises the VCM */
	struct list_head node;
	u64 start;
	u64 len;
	struct maple_tree res_mt;
	struct list_head domains;
	struct list_head assocs;
	unsigned int nr_res;
	unsigned int nr_backed;
	unsigned int nr_assoc;
	unsigned int nr_domains;
	atomic_t nr_faults;
	atomic64_t last_fault;
	vcm_fault_handler_t fault_handler;
	void *fault_data;
	bool orphan;
};

/**
 * struct vcm_domain - one IOMMU domain a VCM is mirrored into
 * @node: in vcm->domains
 * @vcm: the VCM
 * @domain: the paging domain, allocated through a device's own iommu_ops
 * @iommu: the IOMMU instance it belongs to
 * @users: associations that use it
 */
struct vcm_domain {
	struct list_head node;
	struct vcm *vcm;
	struct iommu_domain *domain;
	struct iommu_device *iommu;
	unsigned int users;
};

/**
 * struct vcm_assoc - a device or PASID associated with a VCM
 * @node: in vcm->assocs
 * @vcm: the VCM
 * @dev: the device, referenced
 * @vd: the domain it attaches to
 * @pasid: IOMMU_NO_PASID for the RID, else the PASID
 * @active: attached
 * @dead: its device went away; only vcm_deassoc() is left to do
 */
struct vcm_assoc {
	struct list_head node;
	struct vcm *vcm;
	struct device *dev;
	struct vcm_domain *vd;
	ioasid_t pasid;
	bool active;
	bool dead;
};

/**
 * struct vcm_block - one naturally aligned block of a physical allocation
 * @page: its first page
 * @order: its size, PAGE_SIZE << @order
 */
struct vcm_block {
	struct page *page;
	unsigned int order;
};

/**
 * struct vcm_phys - a physical allocation
 * @lock: protects @nr_backings
 * @len: bytes
 * @contig: one physically contiguous block (allocated exact, not a power of two)
 * @cache: the CPU cache attribute every mapping of it uses
 * @nr_backings: reservations it backs, in any VCM
 * @orphan: its owner is gone; it is freed when it backs nothing (under @lock)
 * @attach: for memory imported from a dma-buf, the VCM's attachment
 * @sgt: its mapping, NULL once the exporter revoked it
 * @backings: for imported memory, the reservations it backs (vcm_res.phys_node),
 *            under the dma-buf's reservation lock
 * @max_blocks: entries allocated for @blocks
 * @nr_blocks: entries used in @blocks
 * @blocks: the blocks, largest first; this order is device-address order.
 *          Imported memory keeps the exporter's order, in naturally aligned
 *          pieces
 */
struct vcm_phys {
	struct mutex lock;	/* protects nr_backings */
	size_t len;
	bool contig;
	enum vcm_cache cache;
	unsigned int nr_backings;
	bool orphan;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	struct list_head backings;
	unsigned int max_blocks;
	unsigned int nr_blocks;
	struct vcm_block blocks[] __counted_by(max_blocks);
};

/**
 * struct vcm_res - a reservation
 * @vcm: its VCM
 * @addr: first device address
 * @len: length
 * @prot: IOMMU_READ / IOMMU_WRITE
 * @cache: the cache attribute its backing must have, or -1 for any
 * @phys: the backing allocation, or NULL
 * @phys_node: in @phys->backings, for imported memory
 * @revoked: the exporter of @phys revoked it: no domain maps it any more
 * @export: its dma-buf export, or NULL
 * @orphan: its owner is gone; the release of @export unreserves it
 * @vmaps: kernel mappings of it that exist now
 */
struct vcm_res {
	struct vcm *vcm;
	u64 addr;
	size_t len;
	int prot;
	int cache;
	struct vcm_phys *phys;
	struct list_head phys_node;
	bool revoked;
	struct vcm_dmabuf_export *export;
	bool orphan;
	unsigned int vmaps;
};

/* /dev/vcm objects, named by ids inside one open file. */
enum vcm_obj_type {
	VCM_OBJ_NONE,
	VCM_OBJ_VCM,
	VCM_OBJ_ASSOC,
	VCM_OBJ_PHYS,
	VCM_OBJ_RES,
	VCM_OBJ_DEV,
	VCM_OBJ_ATTACH,
};

/**
 * struct vcm_obj - an object of an open /dev/vcm
 * @type: what @ptr is
 * @id: its id in the file
 * @ptr: the struct vcm, vcm_assoc, vcm_phys, vcm_res or device
 * @dev: for an association, its device object
 * @users: for a device object, the associations that use it
 * @pci: for a device object, a PCI device (edu) rather than a mock one
 * @mmaps: for a reservation, the user mappings of it (under vcm_file.map_lock)
 */
struct vcm_obj {
	enum vcm_obj_type type;
	u32 id;
	void *ptr;
	struct vcm_obj *dev;
	unsigned int users;
	bool pci;
	unsigned int mmaps;
};

/**
 * struct vcm_file - an open /dev/vcm
 * @lock: serialises the file's ioctls and its release
 * @map_lock: serialises mmap() with the destruction and unbacking of
 *            reservations; taken inside @lock and inside the mm's mmap_lock,
 *            never around user memory accesses
 * @objs: its objects, by id
 * @next_id: where the cyclic id allocation goes on, so that a stale id is not
 *           soon reused for a new object
 */
struct vcm_file {
	struct mutex lock;	/* serialises ioctls and release */
	struct mutex map_lock;	/* see above */
	struct xarray objs;
	u32 next_id;
};

/**
 * struct vcm_ucmd - one ioctl in flight
 * @vf: the file
 * @ubuffer: the user's struct
 * @user_size: its size as the user gave it
 * @cmd: the kernel copy, zero-extended to the kernel's size
 */
struct vcm_ucmd {
	struct vcm_file *vf;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

int vcm_ucmd_respond(struct vcm_ucmd *ucmd, size_t len);
void *vcm_obj_get(struct vcm_file *vf, u32 id, enum vcm_obj_type type);
struct vcm_obj *vcm_obj_find(struct vcm_file *vf, u32 id, enum vcm_obj_type type);
int vcm_obj_add(struct vcm_file *vf, enum vcm_obj_type type, void *ptr, u32 *id);
int vcm_test_cmd(struct vcm_ucmd *ucmd);
void vcm_test_destroy_dev(struct vcm_obj *obj);
void vcm_test_destroy_attach(struct vcm_obj *obj);

/* Core helpers for the dma-buf exporter and importer (dmabuf.c). */
struct vcm_phys *__vcm_phys_alloc(size_t len, unsigned long pgsizes, bool contig,
				  enum vcm_cache cache, gfp_t zone);
struct vcm_phys *vcm_phys_alloc_blocks(unsigned int nr_blocks);
void vcm_phys_free_blocks(struct vcm_phys *phys);
int __vcm_back(struct vcm_res *res, struct vcm_phys *phys,
	       struct vcm_dmabuf_export *ex);
/* One domain's share of vcm_back() and vcm_unback(); the benchmark's floor */
int vcm_map_domain(struct iommu_domain *domain, struct vcm_res *res,
		   struct vcm_phys *phys);
void vcm_unmap_domain(struct iommu_domain *domain, struct vcm_res *res);
bool vcm_dev_is_active(struct vcm *vcm, struct device *dev);
int vcm_res_move(struct vcm_res *res, struct vcm_phys *to);
int __vcm_res_mmap(struct vcm_res *res, struct vm_area_struct *vma);
void vcm_phys_revoke(struct vcm_phys *phys);
void vcm_phys_release_import(struct vcm_phys *phys);
bool vcm_orphan(struct vcm *vcm);
bool vcm_res_orphan(struct vcm_res *res);
bool vcm_phys_orphan(struct vcm_phys *phys);
int vcm_export_info(struct dma_buf *dmabuf, u64 *addr, u32 *nr_segments,
		    u32 *nr_moves, bool *backed);

/* Block orders the allocator may use for @pgsizes; exposed for KUnit. */
unsigned long vcm_phys_orders(unsigned long pgsizes);

#if IS_ENABLED(CONFIG_VCM_TEST)
#include "vcm_test.h"

/**
 * struct vcm_mock_stats - counters of one mock domain
 * @map_calls: map_pages calls
 * @unmap_calls: unmap_pages calls
 * @iotlb_sync_map: iotlb_sync_map calls
 * @iotlb_sync: iotlb_sync calls
 * @flush_all: flush_iotlb_all calls
 * @attach: attach_dev and set_dev_pasid calls with this domain
 * @ptes_mapped: leaf PTEs written, indexed by ilog2(page size) - 12
 * @ptes_unmapped: leaf PTEs cleared, indexed the same way
 */
struct vcm_mock_stats {
	u64 map_calls;
	u64 unmap_calls;
	u64 iotlb_sync_map;
	u64 iotlb_sync;
	u64 flush_all;
	u64 attach;
	u64 ptes_mapped[VCM_TEST_PGSIZE_SLOTS];
	u64 ptes_unmapped[VCM_TEST_PGSIZE_SLOTS];
};

int vcm_mock_instance_info(unsigned int index, u32 *max_pasids, u64 *pgsizes,
			   char name[16]);
struct device *vcm_mock_dev_create(unsigned int instance, u32 flags, u32 dma_bits);
struct device *vcm_mock_bench_dev_create(unsigned int format, unsigned int nth);
void vcm_mock_dev_destroy(struct device *dev);
int vcm_mock_domain_stats(struct iommu_domain *domain,
			  struct vcm_mock_stats *stats, bool reset);
int vcm_mock_domain_fail_map(struct iommu_domain *domain, int after);
int vcm_mock_dma(struct device *dev, ioasid_t pasid, u64 iova, void *buf,
		 size_t len, bool write);
int vcm_mock_fault(struct device *dev, ioasid_t pasid, u64 iova, bool write);
void vcm_test_cover_run(u64 iova, phys_addr_t pa, size_t len,
			unsigned long pgsizes, u64 *cover);
int vcm_test_bench(struct vcm_ucmd *ucmd, struct vcm_test_cmd *cmd);

#if IS_ENABLED(CONFIG_PCI)
bool vcm_edu_is(struct device *dev);
struct device *vcm_edu_get(unsigned int index, u32 *dma_bits);
int vcm_edu_copy(struct device *dev, u64 src, u64 dst, size_t len);
#else
static inline bool vcm_edu_is(struct device *dev)
{
	return false;
}

static inline struct device *vcm_edu_get(unsigned int index, u32 *dma_bits)
{
	return NULL;
}

static inline int vcm_edu_copy(struct device *dev, u64 src, u64 dst, size_t len)
{
	return -ENODEV;
}
#endif
#endif

#endif
