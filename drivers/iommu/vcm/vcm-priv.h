/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VCM internals, shared by the files of the VCM core and by /dev/vcm.
 *
 * Lifetime. Every object counts its users. Whoever creates an object holds a
 * reference, and each object that depends on another holds one on it:
 *
 *   struct vcm        its owner, each reservation, each association
 *   struct vcm_res    its owner, its export, each user mapping of it
 *   struct vcm_phys   its owner, each reservation it backs, the export that
 *                     allocated it, each DMA-API mapping an export made of it
 *   struct vcm_assoc  its owner, each importer mapping that uses its VCM
 *                     address
 *
 * The owner ends an object in one of two ways. The strict destroys
 * (vcm_free(), vcm_unreserve(), vcm_phys_free(), vcm_deassoc()) fail with
 * -EBUSY while anything else depends on it, and change nothing. The puts
 * (vcm_put(), vcm_res_put(), vcm_phys_put(), vcm_assoc_put()) drop the
 * owner's reference whatever depends on it; the last reference frees the
 * object, and that teardown never fails. An export therefore keeps what it
 * exports (reservation, memory, VCM) alive after its owner is gone, as a
 * dma-buf owns what it exports, with no hand-over and no flags.
 *
 * Locks, outermost first:
 *
 *   mmap_lock (user mappings)
 *   dma_resv lock of a dma-buf: an export's, or an imported one's
 *   vcm_list_lock
 *   vcm->lock
 *   the IOMMU core's own locks
 *
 * Each field below says what protects it; "const" fields are set before the
 * object is published and never change.
 */
#ifndef _VCM_PRIV_H
#define _VCM_PRIV_H

#include <linux/dma-buf.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/maple_tree.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/vcm.h>

/**
 * struct vcm_fault_hook - a fault handler and its cookie, replaced as a pair
 * @handler: the user's handler, or NULL
 * @data: its cookie
 */
struct vcm_fault_hook {
	vcm_fault_handler_t handler;
	void *data;
};

/**
 * struct vcm - a device address space
 * @users: references (see the top of this file)
 * @lock: serialises the VCM, its reservations, domains and associations
 * @node: in the list of all VCMs (vcm_list_lock)
 * @start: first device address (const)
 * @len: length (const)
 * @res_mt: live reservations, keyed by their device address range (@lock)
 * @domains: struct vcm_domain list, one per IOMMU instance, or more when a
 *           device cannot attach to its instance's first one (@lock)
 * @assocs: struct vcm_assoc list (@lock)
 * @nr_res: reservations in @res_mt (@lock)
 * @nr_backed: backed reservations (@lock)
 * @nr_assoc: associations in @assocs (@lock)
 * @nr_domains: entries in @domains (@lock)
 * @nr_faults: translation faults reported on its domains (atomic)
 * @last_fault: device address of the last fault (atomic)
 * @fault: the installed hook, one of @hooks (RCU; written under @lock)
 * @hooks: the two hooks @fault alternates between, so that a new pair is
 *         written where no reader looks (@lock)
 * @api_maps: importer mappings of its exports made through the DMA API,
 *            each holding the memory it maps (@lock)
 * @map_seq: numbers importer mappings of its exports, so that a round of
 *           invalidations ends even if importers map again at once (@lock)
 */
struct vcm {
	refcount_t users;
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
	struct vcm_fault_hook __rcu *fault;
	struct vcm_fault_hook hooks[2];
	struct list_head api_maps;
	u64 map_seq;
};

/**
 * struct vcm_domain - one IOMMU domain a VCM is mirrored into
 * @node: in vcm->domains (vcm->lock)
 * @vcm: the VCM (const)
 * @domain: the paging domain, allocated through a device's own iommu_ops
 *          (const)
 * @iommu: the IOMMU instance it belongs to (const)
 * @users: associations that use it, and vcm_assoc_get_domain() callers
 *         (each of which also holds the VCM); freed at 0 (vcm->lock)
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
 * @users: references (see the top of this file)
 * @node: in vcm->assocs (vcm->lock)
 * @vcm: the VCM, referenced (const)
 * @dev: the device, referenced (const)
 * @vd: the domain it attaches to; NULL once dead (vcm->lock)
 * @pasid: IOMMU_NO_PASID for the RID, else the PASID (const)
 * @maps: importer mappings of exports that use the VCM address through
 *        this association, each holding a reference (vcm->lock)
 * @active: attached (vcm->lock)
 * @dead: its device went away; only its end is left to do (vcm->lock)
 */
struct vcm_assoc {
	refcount_t users;
	struct list_head node;
	struct vcm *vcm;
	struct device *dev;
	struct vcm_domain *vd;
	ioasid_t pasid;
	struct list_head maps;
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
 * @users: references (see the top of this file)
 * @len: bytes (const)
 * @contig: one physically contiguous block, allocated exact (const)
 * @cache: the CPU cache attribute every mapping of it uses (const)
 * @attach: for memory imported from a dma-buf, the VCM's attachment (const)
 * @sgt: imported memory's mapping, NULL once the exporter revoked it (the
 *       dma-buf's reservation lock)
 * @backings: imported memory's reservations (vcm_res.phys_node), so that a
 *            revocation finds them (the dma-buf's reservation lock)
 * @max_blocks: entries allocated for @blocks (const)
 * @nr_blocks: entries used in @blocks (const)
 * @blocks: the blocks, largest first; this order is device-address order.
 *          Imported memory keeps the exporter's order, in naturally aligned
 *          pieces (const)
 */
struct vcm_phys {
	refcount_t users;
	size_t len;
	bool contig;
	enum vcm_cache cache;
	struct dma_buf_attachment *attach;
	struct sg_table *sgt;
	struct list_head backings;
	unsigned int max_blocks;
	unsigned int nr_blocks;
	struct vcm_block blocks[] __counted_by(max_blocks);
};

/**
 * struct vcm_res - a reservation
 * @users: references (see the top of this file)
 * @vcm: its VCM, referenced (const)
 * @addr: first device address (const)
 * @len: length (const)
 * @prot: IOMMU_READ / IOMMU_WRITE (const)
 * @cache: the cache attribute its backing must have, or -1 for any
 *         (vcm->lock)
 * @phys: the backing allocation, referenced, or NULL (vcm->lock, and for
 *        imported memory its dma-buf's reservation lock too)
 * @phys_node: in @phys->backings, for imported memory (its dma-buf's
 *             reservation lock)
 * @revoked: no domain maps it any more: the exporter of @phys revoked it,
 *           or a move could not map it again (written under vcm->lock and,
 *           for imported memory, its dma-buf's reservation lock; read under
 *           either)
 * @export: its dma-buf export, or NULL (vcm->lock)
 * @vmaps: kernel mappings of it that exist now (vcm->lock)
 * @mmaps: user mappings of it that exist now, each holding a reference
 *         (vcm->lock)
 */
struct vcm_res {
	refcount_t users;
	struct vcm *vcm;
	u64 addr;
	size_t len;
	int prot;
	int cache;
	struct vcm_phys *phys;
	struct list_head phys_node;
	bool revoked;
	struct vcm_dmabuf_export *export;
	unsigned int vmaps;
	unsigned int mmaps;
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
	VCM_OBJ_FENCE,
};

/**
 * struct vcm_obj - an object of an open /dev/vcm
 * @type: what @ptr is
 * @id: its id in the file
 * @ptr: the struct vcm, vcm_assoc, vcm_phys or vcm_res (a reference on it),
 *       or the device, attachment or fence of a test object
 * @dev: for an association, its device object
 * @users: for a device object, the associations and attachments that use it
 * @pci: for a device object, a PCI device (edu) rather than a mock one
 */
struct vcm_obj {
	enum vcm_obj_type type;
	u32 id;
	void *ptr;
	struct vcm_obj *dev;
	unsigned int users;
	bool pci;
};

/**
 * struct vcm_file - an open /dev/vcm
 * @lock: serialises the file's ioctls and its release
 * @map_lock: serialises mmap()'s look-up of a reservation with its
 *            destruction; taken inside @lock and inside the mm's mmap_lock,
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
struct vcm_obj *vcm_obj_alloc(struct vcm_file *vf, enum vcm_obj_type type);
int vcm_obj_respond(struct vcm_ucmd *ucmd, struct vcm_obj *obj, size_t len);
void vcm_obj_abort(struct vcm_file *vf, struct vcm_obj *obj);
void vcm_obj_forget(struct vcm_file *vf, struct vcm_obj *obj);
int vcm_test_cmd(struct vcm_ucmd *ucmd);
void vcm_test_destroy_dev(struct vcm_obj *obj);
void vcm_test_destroy_attach(struct vcm_obj *obj);
void vcm_test_destroy_fence(struct vcm_obj *obj);

/* The last device address of @vcm */
static inline u64 vcm_last(const struct vcm *vcm)
{
	return vcm->start + vcm->len - 1;
}

/* core.c */
extern struct list_head vcm_list;
extern struct mutex vcm_list_lock;
struct vcm *vcm_get(struct vcm *vcm);
int vcm_fault(struct iommu_domain *domain, struct device *dev,
	      unsigned long iova, int flags, void *token);

/* domain.c: the domains a VCM is mirrored into */
int vcm_map_domain(struct iommu_domain *domain, struct vcm_res *res,
		   struct vcm_phys *phys);
void vcm_unmap_domain(struct iommu_domain *domain, struct vcm_res *res);
int vcm_map_all(struct vcm *vcm, struct vcm_res *res, struct vcm_phys *phys);
void vcm_unmap_all(struct vcm *vcm, struct vcm_res *res);
struct vcm_domain *vcm_domain_add(struct vcm *vcm, struct device *dev);
void vcm_domain_put(struct vcm_domain *vd);

/* assoc.c */
struct vcm_assoc *vcm_assoc_get_active(struct vcm *vcm, struct device *dev);
void __vcm_assoc_put(struct vcm_assoc *assoc);

/* phys.c */
struct vcm_phys *__vcm_phys_alloc(size_t len, unsigned long pgsizes, bool contig,
				  enum vcm_cache cache, gfp_t zone);
struct vcm_phys *vcm_phys_alloc_blocks(unsigned int nr_blocks);
struct vcm_phys *vcm_phys_get(struct vcm_phys *phys);
void vcm_phys_put(struct vcm_phys *phys);
void vcm_phys_release_import(struct vcm_phys *phys);

/* back.c */
int __vcm_back(struct vcm_res *res, struct vcm_phys *phys,
	       struct vcm_dmabuf_export *ex);
struct vcm_phys *__vcm_unback(struct vcm_res *res);
int vcm_res_move(struct vcm_res *res, struct vcm_phys *to);
void vcm_phys_revoke(struct vcm_phys *phys);

/* res.c */
struct vcm_res *vcm_res_get(struct vcm_res *res);

/* cpu.c */
void *__vcm_vmap(struct vcm_res *res);
int __vcm_res_mmap(struct vcm_res *res, struct vm_area_struct *vma);
bool vcm_res_cpu_mapped(struct vcm_res *res);

/* dmabuf.c */
int vcm_export_info(struct dma_buf *dmabuf, u64 *addr, u32 *nr_segments,
		    u32 *nr_moves, bool *backed);
void vcm_export_invalidate(struct vcm *vcm, struct list_head *maps,
			   struct device *dev);
bool vcm_export_dev_mapped(struct vcm *vcm, struct device *dev);

/* Block orders the allocator may use for @pgsizes; exposed for KUnit. */
unsigned long vcm_phys_orders(unsigned long pgsizes);

#include "vcm_test.h"

#if IS_ENABLED(CONFIG_VCM_TEST)
void vcm_test_window(unsigned int window);
void vcm_test_window_set(unsigned int window, u32 delay_us);
#else
static inline void vcm_test_window(unsigned int window)
{
}
#endif

#if IS_ENABLED(CONFIG_VCM_TEST)

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
