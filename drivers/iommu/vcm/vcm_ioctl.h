/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/vcm: the interface the VCM selftests drive, built only with
 * CONFIG_VCM_TEST. Not a stable ABI and not exported to userspace headers:
 * tools/testing/selftests/vcm/ includes this file directly, as the iommufd
 * selftests include iommufd_test.h. The VCM API itself is the in-kernel one
 * of include/linux/vcm.h.
 *
 * Every ioctl struct starts with a __u32 @size that userspace sets to
 * sizeof(struct). The kernel accepts any size from the first version of the
 * struct up: a shorter struct is zero-extended, a longer one must have a zero
 * tail (-E2BIG otherwise). Every reserved field and unknown flag must be zero
 * (-EOPNOTSUPP for an unknown flag, -EINVAL for a non-zero reserved field).
 *
 * Objects are named by ids, unique inside one open file; an id of the wrong
 * object type gives -ENOENT, like a stale one. Closing the file releases every
 * object it holds; what a dma-buf export still uses lives on with it.
 *
 * mmap() of the file at offset res_id * page size maps a backed reservation
 * for the CPU, with its allocation's cache attribute: shared mappings only, at
 * most the reservation's length, from its start. While it is mapped,
 * VCM_UNBACK and VCM_DESTROY of the reservation fail with -EBUSY.
 *
 * VCM_EXPORT makes a reservation a dma-buf, VCM_IMPORT makes a dma-buf a
 * physical allocation that can back reservations, and VCM_DMABUF_INFO reports
 * what the devices attached to a dma-buf can reach.
 */
#ifndef _VCM_IOCTL_H
#define _VCM_IOCTL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VCM_TYPE 0xB9

enum {
	VCM_CMD_BASE = 0x80,
	VCM_CMD_DESTROY = VCM_CMD_BASE,
	VCM_CMD_CREATE,
	VCM_CMD_INFO,
	VCM_CMD_ASSOC,
	VCM_CMD_ACTIVATE,
	VCM_CMD_DEACTIVATE,
	VCM_CMD_PHYS_ALLOC,
	VCM_CMD_PHYS_SEGMENTS,
	VCM_CMD_RESERVE,
	VCM_CMD_BACK,
	VCM_CMD_UNBACK,
	VCM_CMD_TRANSLATE,
	VCM_CMD_CPU_ACCESS,
	VCM_CMD_EXPORT,
	VCM_CMD_IMPORT,
	VCM_CMD_DMABUF_INFO,
};

/**
 * struct vcm_destroy - ioctl(VCM_DESTROY)
 * @size: sizeof(struct vcm_destroy)
 * @id: the object to destroy
 *
 * Destroys any object by id. Fails with -EBUSY, changing nothing, while other
 * objects depend on it: a VCM with reservations or associations, a backed
 * reservation, an active association, a physical allocation that backs a
 * reservation, a test device that is associated.
 */
struct vcm_destroy {
	__u32 size;
	__u32 id;
};

#define VCM_DESTROY _IO(VCM_TYPE, VCM_CMD_DESTROY)

/**
 * struct vcm_create - ioctl(VCM_CREATE)
 * @size: sizeof(struct vcm_create)
 * @flags: must be 0
 * @start: first device address of the VCM, page aligned
 * @len: length in bytes, page aligned, non-zero; the last address,
 *       @start + @len - 1, must not wrap (the VCM may end at the top)
 * @out_vcm_id: the new VCM
 * @__reserved: must be 0
 *
 * Creates an empty device address space [@start, @start + @len).
 */
struct vcm_create {
	__u32 size;
	__u32 flags;
	__aligned_u64 start;
	__aligned_u64 len;
	__u32 out_vcm_id;
	__u32 __reserved;
};

#define VCM_CREATE _IO(VCM_TYPE, VCM_CMD_CREATE)

/**
 * struct vcm_info - ioctl(VCM_INFO)
 * @size: sizeof(struct vcm_info)
 * @vcm_id: the VCM
 * @out_start: its first device address
 * @out_len: its length
 * @out_pgsizes: the block sizes a physical allocation for this VCM may use:
 *               the union of its domains' page sizes, less the sizes smaller
 *               than some domain's smallest page; 0 while it has no domain
 * @out_nr_res: live reservations
 * @out_nr_backed: reservations that are backed
 * @out_nr_assoc: associations
 * @out_nr_domains: IOMMU domains the VCM is mirrored into
 * @out_nr_faults: translation faults reported on its domains
 * @__reserved: must be 0
 * @out_last_fault: device address of the last fault
 */
struct vcm_info {
	__u32 size;
	__u32 vcm_id;
	__aligned_u64 out_start;
	__aligned_u64 out_len;
	__aligned_u64 out_pgsizes;
	__u32 out_nr_res;
	__u32 out_nr_backed;
	__u32 out_nr_assoc;
	__u32 out_nr_domains;
	__u32 out_nr_faults;
	__u32 __reserved;
	__aligned_u64 out_last_fault;
};

#define VCM_INFO _IO(VCM_TYPE, VCM_CMD_INFO)

/**
 * enum vcm_assoc_flags - flags for struct vcm_associate
 * @VCM_ASSOC_PASID: attach @pasid of the device instead of its RID
 */
enum vcm_assoc_flags {
	VCM_ASSOC_PASID = 1 << 0,
};

/**
 * struct vcm_associate - ioctl(VCM_ASSOC)
 * @size: sizeof(struct vcm_associate)
 * @flags: a combination of enum vcm_assoc_flags
 * @vcm_id: the VCM
 * @dev_id: a device object (a test device, see vcm_test.h)
 * @pasid: with VCM_ASSOC_PASID, the PASID to attach (non-zero, below the
 *         device's PASID count: -EINVAL otherwise); without it, 0 (-EINVAL)
 * @out_assoc_id: the new association
 *
 * Associates a device (or one PASID of it) with a VCM. The device's IOMMU is
 * found through the device. The VCM reuses its domain for that IOMMU instance
 * or allocates one; a new domain gets every backed reservation replayed.
 * -ENODEV if the device has no IOMMU, -EOPNOTSUPP if PASID is asked of a
 * device or IOMMU without PASID support, -ERANGE if the VCM extends beyond the
 * device's DMA mask or the domain's aperture, -EEXIST if the device (or that
 * PASID) is already associated with the VCM. A domain lives as long as an
 * association uses it.
 */
struct vcm_associate {
	__u32 size;
	__u32 flags;
	__u32 vcm_id;
	__u32 dev_id;
	__u32 pasid;
	__u32 out_assoc_id;
};

#define VCM_ASSOC _IO(VCM_TYPE, VCM_CMD_ASSOC)

/**
 * struct vcm_activate - ioctl(VCM_ACTIVATE) and ioctl(VCM_DEACTIVATE)
 * @size: sizeof(struct vcm_activate)
 * @assoc_id: the association
 *
 * Activate takes DMA ownership of the device and attaches it (or its PASID)
 * to the VCM's domain; -EBUSY if already active. Deactivate restores the
 * device's default domain; -EINVAL if not active. Importers of the VCM's
 * exports that map its address through the device are told to map again
 * first; -EBUSY while one (a static importer) still does. Both fail with
 * -ENODEV once the device went away (the association can then only be
 * destroyed).
 */
struct vcm_activate {
	__u32 size;
	__u32 assoc_id;
};

#define VCM_ACTIVATE _IO(VCM_TYPE, VCM_CMD_ACTIVATE)
#define VCM_DEACTIVATE _IO(VCM_TYPE, VCM_CMD_DEACTIVATE)

/**
 * enum vcm_phys_flags - flags for struct vcm_phys_alloc
 * @VCM_PHYS_CONTIG: one physically contiguous block
 * @VCM_PHYS_WC: write-combined for CPU mappings (default: write-back)
 * @VCM_PHYS_UNCACHED: uncached for CPU mappings
 */
enum vcm_phys_flags {
	VCM_PHYS_CONTIG = 1 << 0,
	VCM_PHYS_WC = 1 << 1,
	VCM_PHYS_UNCACHED = 1 << 2,
};

/**
 * struct vcm_phys_alloc - ioctl(VCM_PHYS_ALLOC)
 * @size: sizeof(struct vcm_phys_alloc)
 * @flags: a combination of enum vcm_phys_flags
 * @len: bytes, page aligned, non-zero
 * @pgsizes: block sizes allowed (a bitmap of powers of two, like an IOMMU
 *           pgsize_bitmap); 0 means the page sizes of @vcm_id
 * @vcm_id: with @pgsizes 0, the VCM whose page sizes to use (its
 *          out_pgsizes, -EINVAL while 0); with @pgsizes non-zero, 0
 * @out_phys_id: the new physical allocation
 * @out_nr_blocks: blocks allocated
 * @out_nr_segments: physically contiguous runs (adjacent blocks merged)
 *
 * Allocates zeroed memory in the largest blocks allowed, largest first
 * ("maximum munch"), each block naturally aligned; a large block that is not
 * available falls back to smaller ones. -ENOMEM if memory is short, -EINVAL
 * if @pgsizes has no size the allocator can use (none from PAGE_SIZE to the
 * buddy allocator's largest block), if @len is not a multiple of the smallest
 * usable one, if VCM_PHYS_CONTIG asks for more than the largest block, or if
 * both VCM_PHYS_WC and VCM_PHYS_UNCACHED are set.
 */
struct vcm_phys_alloc {
	__u32 size;
	__u32 flags;
	__aligned_u64 len;
	__aligned_u64 pgsizes;
	__u32 vcm_id;
	__u32 out_phys_id;
	__u32 out_nr_blocks;
	__u32 out_nr_segments;
};

#define VCM_PHYS_ALLOC _IO(VCM_TYPE, VCM_CMD_PHYS_ALLOC)

/**
 * struct vcm_phys_segments - ioctl(VCM_PHYS_SEGMENTS)
 * @size: sizeof(struct vcm_phys_segments)
 * @phys_id: the physical allocation
 * @nr_blocks: in: entries in @block_orders; out: blocks in the allocation
 * @__reserved: must be 0
 * @block_orders: user pointer to an array of __u8: the order of each block
 *                (its size is PAGE_SIZE << order), in device-address order.
 *                Physical addresses are never given to userspace.
 *
 * If @nr_blocks was too small, the entries that fit are filled, @nr_blocks
 * is set to the count and the call fails with -EMSGSIZE.
 */
struct vcm_phys_segments {
	__u32 size;
	__u32 phys_id;
	__u32 nr_blocks;
	__u32 __reserved;
	__aligned_u64 block_orders;
};

#define VCM_PHYS_SEGMENTS _IO(VCM_TYPE, VCM_CMD_PHYS_SEGMENTS)

/**
 * enum vcm_reserve_flags - flags for struct vcm_reserve
 * @VCM_RESERVE_FIXED: reserve exactly at @addr
 * @VCM_RESERVE_READ: devices may read
 * @VCM_RESERVE_WRITE: devices may write
 * @VCM_RESERVE_WB: only write-back memory may back it
 * @VCM_RESERVE_WC: only write-combined memory may back it
 * @VCM_RESERVE_UNCACHED: only uncached memory may back it
 *
 * The last three state the CPU cache attribute the devices' use of the range
 * needs; backing it with an allocation of another attribute fails, so no two
 * mappings of one allocation alias with different attributes.
 */
enum vcm_reserve_flags {
	VCM_RESERVE_FIXED = 1 << 0,
	VCM_RESERVE_READ = 1 << 1,
	VCM_RESERVE_WRITE = 1 << 2,
	VCM_RESERVE_WB = 1 << 3,
	VCM_RESERVE_WC = 1 << 4,
	VCM_RESERVE_UNCACHED = 1 << 5,
};

/**
 * struct vcm_reserve - ioctl(VCM_RESERVE)
 * @size: sizeof(struct vcm_reserve)
 * @flags: a combination of enum vcm_reserve_flags; READ and/or WRITE needed
 * @vcm_id: the VCM
 * @out_res_id: the new reservation
 * @len: bytes, page aligned, non-zero
 * @align: a power of two from PAGE_SIZE to 1 GiB, or 0 for PAGE_SIZE
 * @addr: in with VCM_RESERVE_FIXED (aligned to @align); without it, 0 on
 *        input (-EINVAL otherwise) and the address chosen on output
 *
 * Reserves a range of device addresses, the lowest free one that fits.
 * -ENOSPC if none does, -EEXIST if a fixed range overlaps a reservation,
 * -ERANGE if it lies outside the VCM (checked first), -EINVAL for neither
 * READ nor WRITE, more than one cache flag, a bad @align, or a fixed @addr
 * not aligned to it. Without a cache flag any allocation may back it.
 */
struct vcm_reserve {
	__u32 size;
	__u32 flags;
	__u32 vcm_id;
	__u32 out_res_id;
	__aligned_u64 len;
	__aligned_u64 align;
	__aligned_u64 addr;
};

#define VCM_RESERVE _IO(VCM_TYPE, VCM_CMD_RESERVE)

/**
 * struct vcm_back - ioctl(VCM_BACK) and ioctl(VCM_UNBACK)
 * @size: sizeof(struct vcm_back)
 * @res_id: the reservation
 * @phys_id: the physical allocation (0 for VCM_UNBACK)
 * @__reserved: must be 0
 *
 * Back maps the allocation at the reservation's address in every domain of
 * the VCM, with each domain's largest page sizes, all or nothing, one IOTLB
 * sync per domain. -EINVAL if the lengths differ or the allocation's cache
 * attribute is not the one the reservation requires, -EBUSY if already backed.
 * Unback unmaps it from every domain, one IOTLB sync per domain; -EINVAL if
 * not backed.
 */
struct vcm_back {
	__u32 size;
	__u32 res_id;
	__u32 phys_id;
	__u32 __reserved;
};

#define VCM_BACK _IO(VCM_TYPE, VCM_CMD_BACK)
#define VCM_UNBACK _IO(VCM_TYPE, VCM_CMD_UNBACK)

/**
 * struct vcm_translate - ioctl(VCM_TRANSLATE)
 * @size: sizeof(struct vcm_translate)
 * @src_vcm_id: the VCM @addr belongs to
 * @addr: a backed device address in @src_vcm_id
 * @dst_vcm_id: the VCM to translate to
 * @__reserved: must be 0
 * @out_addr: the address in @dst_vcm_id of the same memory
 *
 * -ENOENT if @addr is not backed in the source, or the same memory is not
 * backed anywhere in the destination.
 */
struct vcm_translate {
	__u32 size;
	__u32 src_vcm_id;
	__aligned_u64 addr;
	__u32 dst_vcm_id;
	__u32 __reserved;
	__aligned_u64 out_addr;
};

#define VCM_TRANSLATE _IO(VCM_TYPE, VCM_CMD_TRANSLATE)

/**
 * enum vcm_cpu_access_op - what struct vcm_cpu_access does
 * @VCM_CPU_READ: copy from the reservation to @uptr
 * @VCM_CPU_WRITE: copy from @uptr to the reservation
 */
enum vcm_cpu_access_op {
	VCM_CPU_READ = 0,
	VCM_CPU_WRITE = 1,
};

/**
 * struct vcm_cpu_access - ioctl(VCM_CPU_ACCESS)
 * @size: sizeof(struct vcm_cpu_access)
 * @op: an enum vcm_cpu_access_op
 * @res_id: a backed reservation
 * @__reserved: must be 0
 * @offset: byte offset in the reservation
 * @len: bytes; @offset + @len must lie inside the reservation
 * @uptr: user buffer of @len bytes
 *
 * Accesses a backed reservation through a kernel mapping made for the call
 * and dropped after it (the "kernel view on demand"), with the cache
 * maintenance the allocation's cache attribute needs. -EINVAL if it is not
 * backed or the range is empty or outside it, -EOPNOTSUPP for an unknown @op.
 * -EBUSY while it is exported: its dma-buf is its CPU view.
 */
struct vcm_cpu_access {
	__u32 size;
	__u32 op;
	__u32 res_id;
	__u32 __reserved;
	__aligned_u64 offset;
	__aligned_u64 len;
	__aligned_u64 uptr;
};

#define VCM_CPU_ACCESS _IO(VCM_TYPE, VCM_CMD_CPU_ACCESS)

/**
 * enum vcm_export_flags - how a reservation is exported
 * @VCM_EXPORT_MOVABLE: the exporter may move the memory to other pages (the
 *                      device address stays) when an importer attaches that
 *                      the memory does not suit; only for a reservation that
 *                      is not backed, whose memory the export then allocates
 */
enum vcm_export_flags {
	VCM_EXPORT_MOVABLE = 1 << 0,
};

/**
 * struct vcm_export - ioctl(VCM_EXPORT)
 * @size: sizeof(struct vcm_export)
 * @flags: a combination of enum vcm_export_flags
 * @res_id: the reservation
 * @out_fd: the dma-buf, opened read-write and close-on-exec
 *
 * Exports a reservation as a dma-buf. If it is backed, the dma-buf is that
 * memory; if not, the export allocates its memory at the first map, mmap or
 * vmap, for the constraints of every device attached by then ("late
 * allocation"), and backs the reservation with it.
 *
 * An importer whose device is associated with the reservation's VCM (its
 * RID, active) gets the reservation's device address in its sg_table and no
 * new IOMMU mapping; any other importer gets a DMA-API mapping for its
 * device. mmap() of the dma-buf is the user view, with the allocation's cache
 * attribute; DMA_BUF_IOCTL_SYNC does the cache maintenance.
 *
 * An importer that attaches after the memory was chosen and that it does not
 * suit is refused with -EBUSY, unless the export is VCM_EXPORT_MOVABLE and
 * nothing pins the memory (a pinned importer, a mapping by mmap() or vmap),
 * in which case the memory moves and the importers' mappings are
 * invalidated. An importer with which no memory could suit every attachment
 * is refused with -ERANGE.
 *
 * Until the dma-buf is released, VCM_UNBACK and VCM_DESTROY of the
 * reservation fail with -EBUSY, and so does mmap() of it through this file
 * (map the dma-buf instead). Closing this file first does not end the
 * dma-buf: the reservation, its memory and its VCM live on until it is
 * released, and so do the associations through which importers still use
 * the VCM address, until they unmap.
 * -EINVAL for a reservation backed by an imported dma-buf, or MOVABLE for a
 * backed one.
 */
struct vcm_export {
	__u32 size;
	__u32 flags;
	__u32 res_id;
	__s32 out_fd;
};

#define VCM_EXPORT _IO(VCM_TYPE, VCM_CMD_EXPORT)

/**
 * struct vcm_import - ioctl(VCM_IMPORT)
 * @size: sizeof(struct vcm_import)
 * @flags: must be 0
 * @fd: a dma-buf (udmabuf, a dma-heap buffer, an export of a VCM, ...)
 * @out_phys_id: the new physical allocation
 * @out_nr_blocks: naturally aligned blocks its memory splits into
 * @out_nr_segments: physically contiguous runs
 * @__reserved: must be 0
 * @out_len: its length, the dma-buf's size
 *
 * Attaches to the dma-buf as a dynamic importer and makes its memory a
 * physical allocation: VCM_BACK maps it into every domain of a VCM, with the
 * largest page sizes its runs allow. The allocation holds its own reference
 * to the dma-buf, so the fd may be closed; VCM_DESTROY of it detaches. If the
 * exporter revokes or moves the memory, every reservation it backs is
 * unmapped from every domain at once (device access then faults) and stays
 * reserved until VCM_UNBACK; VCM_BACK with a revoked allocation fails with
 * -ENODEV. Its memory is reached through the dma-buf, not this file: mmap()
 * and VCM_CPU_ACCESS of a reservation it backs fail with -EOPNOTSUPP.
 *
 * -EBADF for a bad fd, -EINVAL for memory that is not whole pages of RAM or
 * a table that does not cover exactly the dma-buf's size.
 */
struct vcm_import {
	__u32 size;
	__u32 flags;
	__s32 fd;
	__u32 out_phys_id;
	__u32 out_nr_blocks;
	__u32 out_nr_segments;
	__u32 __reserved;
	__aligned_u64 out_len;
};

#define VCM_IMPORT _IO(VCM_TYPE, VCM_CMD_IMPORT)

/**
 * enum vcm_dmabuf_info_flags - facts about a dma-buf and its attachments
 * @VCM_DMABUF_TRANSLATED: every attached device sits behind a translating
 *                         IOMMU
 * @VCM_DMABUF_NONCOHERENT: some attached device needs cache maintenance
 * @VCM_DMABUF_EMPTY: no memory of the buffer's size suits every attachment
 * @VCM_DMABUF_VCM: a VCM exported it; the out_nr_segments, out_nr_moves and
 *                  out_addr fields are valid
 * @VCM_DMABUF_BACKED: a VCM export whose memory is allocated
 */
enum vcm_dmabuf_info_flags {
	VCM_DMABUF_TRANSLATED = 1 << 0,
	VCM_DMABUF_NONCOHERENT = 1 << 1,
	VCM_DMABUF_EMPTY = 1 << 2,
	VCM_DMABUF_VCM = 1 << 3,
	VCM_DMABUF_BACKED = 1 << 4,
};

/**
 * struct vcm_dmabuf_info - ioctl(VCM_DMABUF_INFO)
 * @size: sizeof(struct vcm_dmabuf_info)
 * @fd: any dma-buf
 * @out_flags: a combination of enum vcm_dmabuf_info_flags
 * @out_nr_attach: devices attached to it now
 * @out_size: its size
 * @out_dma_mask: the merged constraints of its attachments, see struct
 *                dma_buf_constraints: the lowest DMA mask
 * @out_phys_mask: the highest physical address its memory may have
 * @out_segment_boundary_mask: the tightest segment boundary
 * @out_max_segment_size: the shortest maximum segment
 * @out_max_segments: the fewest DMA ranges some device takes
 * @out_phys_max_segments: the fewest contiguous runs its memory may have
 * @out_alignment: the largest alignment asked for
 * @out_nr_segments: for a VCM export, the physically contiguous runs of its
 *                   memory now (0 while not allocated)
 * @out_nr_moves: for a VCM export, the times its memory moved
 * @__reserved: must be 0
 * @__reserved2: must be 0
 * @out_addr: for a VCM export, the reservation's device address
 *
 * The constraints are merged from the attachments present now: a detach
 * loosens them again. With no attachment they are unconstrained (all ones,
 * alignment 1).
 */
struct vcm_dmabuf_info {
	__u32 size;
	__s32 fd;
	__u32 out_flags;
	__u32 out_nr_attach;
	__aligned_u64 out_size;
	__aligned_u64 out_dma_mask;
	__aligned_u64 out_phys_mask;
	__aligned_u64 out_segment_boundary_mask;
	__u32 out_max_segment_size;
	__u32 out_max_segments;
	__u32 out_phys_max_segments;
	__u32 out_alignment;
	__u32 out_nr_segments;
	__u32 out_nr_moves;
	__u32 __reserved;
	__u32 __reserved2;
	__aligned_u64 out_addr;
};

#define VCM_DMABUF_INFO _IO(VCM_TYPE, VCM_CMD_DMABUF_INFO)

#endif
