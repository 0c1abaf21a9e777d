// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile input for /dev/vcm. Every ioctl of drivers/iommu/vcm/vcm_ioctl.h, and
 * the test-only VCM_TEST, is called with one thing wrong at a time: the
 * struct size, a flag, a reserved field, a length, an alignment, an address,
 * an id that is stale, of another open file or of another object type, an
 * object in the wrong state, a bad user pointer. Each call must fail with the
 * errno the uapi documents and change nothing: the VCMs' counters, every
 * domain's translations and PTE counters, the physical allocations, the
 * contents of the memory, the dma-bufs and the file table are compared
 * before and after it.
 *
 * Each case starts from a call that would succeed (hbase()) and changes one
 * thing of it: hcases[] below, the sizes of hsizes[] for every ioctl of
 * vcm_utils.h's vcm_ioctls[], and vcm_utils.h's vcm_bad_fields[] and
 * vcm_bad_ioctls[], which vcm_fuzz uses too. The errnos come from
 * drivers/iommu/vcm/, checked against the kernel-doc of the uapi; where the
 * two disagree the case expects what the uapi documents and its comment
 * says so.
 *
 * Also: sizes above the first version with a zero tail are accepted, the
 * device is root only, and no ioctl or mmap() lets the user reach memory
 * other than zeroed allocations and imported dma-bufs.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>

#include <linux/capability.h>

/* vcm_utils.h defines every wrapper static; this test uses some of them */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "vcm_utils.h"
#pragma GCC diagnostic pop

/* Where the fixture's reservations are, all inside VCM_START..VCM_END */
#define RES_ADDR	SZ_1M		/* 1 MiB, backed, mmap()ed */
#define RES_FREE_ADDR	(4 * SZ_1M)	/* 64 KiB, unbacked */
#define RES_WC_ADDR	(5 * SZ_1M)
#define RES2_ADDR	(6 * SZ_1M)
#define RES_EXP_ADDR	(7 * SZ_1M)
#define RES_IMP_ADDR	(8 * SZ_1M)
#define RES_LATE_ADDR	(9 * SZ_1M)
#define STALE_RES_ADDR	(48 * SZ_1M)
#define FREE_ADDR	(32 * SZ_1M)	/* nothing reserved around it */

#define RW		(VCM_RESERVE_READ | VCM_RESERVE_WRITE)
#define FIXED_RW	(VCM_RESERVE_FIXED | RW)

/* An address user copies refuse on every 64-bit architecture */
#define KERNEL_PTR	0xffff800000000000ULL

/* Entries in the block-order buffer: more than any allocation here has */
#define BUF_BLOCKS	4096
#define BUF_LEN		(2 * SZ_1M)

/* An id no file reaches: ids stop at INT_MAX */
#define NO_ID		0xffffffffU

/* What a case's fields refer to, resolved in the fixture */
enum hsym {
	S_LIT,		/* no symbol, the literal alone */
	S_VCM,		/* VCM_START, VCM_LEN: everything below lives here */
	S_VCM2,		/* the same range, empty, no domain */
	S_VCM3,		/* 32 KiB at VCM_START: only an association (DEV16) */
	S_VCM4,		/* [0, 2^64 - 4 KiB): only a 4 KiB reservation at 1 TiB */
	S_DEV,		/* lpae-4k mock device, associated with VCM, active */
	S_DEV_INACT,	/* lpae-4k, associated with VCM, inactive */
	S_DEV_PASID,	/* lpae-4k with 8 PASID bits, not associated */
	S_DEV_NOIOMMU,	/* behind no IOMMU */
	S_DEV16,	/* lpae-4k with a 16-bit DMA mask, associated with VCM3 */
	S_DEV_DEAD,	/* lpae-4k, associated with VCM, then hot-unplugged */
	S_ASSOC,	/* DEV with VCM, active */
	S_ASSOC_INACT,	/* DEV_INACT with VCM */
	S_ASSOC3,	/* DEV16 with VCM3, inactive */
	S_ASSOC_DEAD,	/* DEV_DEAD with VCM, dead */
	S_PHYS,		/* 1 MiB, backs RES */
	S_PHYS_FREE,	/* 1 MiB, backs nothing */
	S_PHYS_SMALL,	/* 64 KiB, backs nothing */
	S_PHYS2,	/* 64 KiB, backs RES2 */
	S_PHYS_EXP,	/* 64 KiB, backs RES_EXP */
	S_PHYS_IMP,	/* EXP_FD imported: 64 KiB, backs RES_IMP */
	S_PHYS_SPARE,	/* 4 KiB, backs nothing: a wrongly accepted destroy eats it */
	S_RES,		/* 1 MiB at RES_ADDR, backed by PHYS, mmap()ed */
	S_RES_FREE,	/* 64 KiB, not backed */
	S_RES_WC,	/* 64 KiB, not backed, requires write-combined memory */
	S_RES2,		/* 64 KiB, backed by PHYS2 */
	S_RES_EXP,	/* 64 KiB, backed by PHYS_EXP, exported as EXP_FD */
	S_RES_IMP,	/* 64 KiB, backed by PHYS_IMP */
	S_RES_LATE,	/* 64 KiB, not backed, exported as LATE_FD */
	S_RES4,		/* VCM4's reservation */
	S_STALE_VCM,	/* destroyed objects of each type */
	S_STALE_DEV,
	S_STALE_ASSOC,
	S_STALE_PHYS,
	S_STALE_RES,
	S_FOREIGN_VCM,	/* live objects of another open /dev/vcm, whose ids */
	S_FOREIGN_DEV,	/* were never given out in this one */
	S_FOREIGN_ASSOC,
	S_FOREIGN_PHYS,
	S_FOREIGN_RES,
	S_EXP_FD,	/* dma-buf of RES_EXP */
	S_LATE_FD,	/* dma-buf of RES_LATE */
	S_SELF_FD,	/* /dev/vcm itself */
	S_PIPE_FD,
	S_OPATH_FD,	/* /dev/vcm opened O_PATH: no file for fget() */
	S_CLOSED_FD,
	S_BUF,		/* BUF_LEN writable bytes */
	S_RO_BUF,	/* 64 KiB read-only */
	S_UNMAPPED,	/* 64 KiB PROT_NONE */
	S_TOTALRAM,	/* bytes of RAM the kernel manages (totalram_pages()) */
	S_NEW_VCM,	/* made by the positive loop */
	S_NEW_PHYS,
	S_NEW_RES,
	S_NEW_ADDR,
	S_NEW_FD,
	S_NEW_IMP,
	S_NEW_ASSOC,
	S_NEW_RES2,
	S_NR
};

/* The size a case passes in the struct's size field */
enum hsize {
	HS_NAT,		/* sizeof(struct): every struct is still its first version */
	HS_SHORT,	/* one byte short of the first version */
	HS_ZERO,	/* 0 */
	HS_HEAD,	/* the size field alone */
	HS_DIRTY,	/* 8 bytes longer, the last of them non-zero */
};

/* Where the struct is */
enum harg {
	HA_BUF,		/* in a writable page */
	HA_NULL,	/* nowhere */
	HA_KERNEL,	/* at a kernel address */
	HA_GUARD,	/* ends where an unmapped page starts; size claims 64 more */
	HA_GUARD_HUGE,	/* the same, size 0xffffffff */
};

/* Write @sym's value plus @add into the @width bytes at @off */
struct hset {
	unsigned short off;
	unsigned short width;
	unsigned short sym;
	__u64 add;
};

#define HSET_MAX	4

struct hcase {
	const char *name;
	unsigned long req;
	int err;
	enum hsize size;
	enum harg arg;
	struct hset set[HSET_MAX];
	struct hset save[2];	/* positive cases: out fields to keep */
};

#define SET32(type, field, val)	{ offsetof(type, field), 4, S_LIT, (__u64)(val) }
#define SET64(type, field, val)	{ offsetof(type, field), 8, S_LIT, (__u64)(val) }
#define SYM32(type, field, sym)	{ offsetof(type, field), 4, (sym), 0 }
#define SYM64(type, field, sym)	{ offsetof(type, field), 8, (sym), 0 }

#define ROW(_name, _req, _err, ...) \
	{ .name = (_name), .req = (_req), .err = (_err), .set = { __VA_ARGS__ } }
#define ROW_ARG(_name, _req, _arg, _err) \
	{ .name = (_name), .req = (_req), .err = (_err), .arg = (_arg) }

#define T_DESTROY	struct vcm_destroy
#define T_CREATE	struct vcm_create
#define T_INFO		struct vcm_info
#define T_ASSOC		struct vcm_associate
#define T_ACT		struct vcm_activate
#define T_ALLOC		struct vcm_phys_alloc
#define T_SEG		struct vcm_phys_segments
#define T_RSV		struct vcm_reserve
#define T_BACK		struct vcm_back
#define T_XLATE		struct vcm_translate
#define T_CPU		struct vcm_cpu_access
#define T_EXPORT	struct vcm_export
#define T_IMPORT	struct vcm_import
#define T_DBI		struct vcm_dmabuf_info
#define T_TEST		struct vcm_test_cmd

/*
 * The call each case starts from: with the fixture's objects it succeeds
 * (VCM_INFO for the ioctl numbers /dev/vcm does not have).
 */
static __u32 hbase(const __u64 *s, unsigned long req, void *p)
{
	switch (req) {
	case VCM_DESTROY: {
		struct vcm_destroy *c = p;

		c->id = s[S_PHYS_SPARE];
		return sizeof(*c);
	}
	case VCM_CREATE: {
		struct vcm_create *c = p;

		c->start = VCM_START;
		c->len = VCM_LEN;
		return sizeof(*c);
	}
	case VCM_ASSOC: {
		struct vcm_associate *c = p;

		c->vcm_id = s[S_VCM2];
		c->dev_id = s[S_DEV_PASID];
		return sizeof(*c);
	}
	case VCM_ACTIVATE:
	case VCM_DEACTIVATE: {
		struct vcm_activate *c = p;

		c->assoc_id = s[req == VCM_ACTIVATE ? S_ASSOC_INACT : S_ASSOC];
		return sizeof(*c);
	}
	case VCM_PHYS_ALLOC: {
		struct vcm_phys_alloc *c = p;

		c->len = SZ_64K;
		c->vcm_id = s[S_VCM];
		return sizeof(*c);
	}
	case VCM_PHYS_SEGMENTS: {
		struct vcm_phys_segments *c = p;

		c->phys_id = s[S_PHYS];
		c->nr_blocks = BUF_BLOCKS;
		c->block_orders = s[S_BUF];
		return sizeof(*c);
	}
	case VCM_RESERVE: {
		struct vcm_reserve *c = p;

		c->flags = RW;
		c->vcm_id = s[S_VCM];
		c->len = SZ_64K;
		return sizeof(*c);
	}
	case VCM_BACK:
	case VCM_UNBACK: {
		struct vcm_back *c = p;

		c->res_id = s[req == VCM_BACK ? S_RES_FREE : S_RES2];
		if (req == VCM_BACK)
			c->phys_id = s[S_PHYS_SMALL];
		return sizeof(*c);
	}
	case VCM_TRANSLATE: {
		struct vcm_translate *c = p;

		c->src_vcm_id = s[S_VCM];
		c->addr = RES_ADDR;
		c->dst_vcm_id = s[S_VCM];
		return sizeof(*c);
	}
	case VCM_CPU_ACCESS: {
		struct vcm_cpu_access *c = p;

		c->op = VCM_CPU_READ;
		c->res_id = s[S_RES];
		c->len = SZ_4K;
		c->uptr = s[S_BUF];
		return sizeof(*c);
	}
	case VCM_EXPORT: {
		struct vcm_export *c = p;

		c->res_id = s[S_RES_FREE];
		return sizeof(*c);
	}
	case VCM_IMPORT: {
		struct vcm_import *c = p;

		c->fd = s[S_EXP_FD];
		return sizeof(*c);
	}
	case VCM_DMABUF_INFO: {
		struct vcm_dmabuf_info *c = p;

		c->fd = s[S_EXP_FD];
		return sizeof(*c);
	}
	case VCM_TEST: {
		struct vcm_test_cmd *c = p;

		c->op = VCM_TEST_OP_DOMAIN_STATS;
		c->id = s[S_ASSOC];
		return sizeof(*c);
	}
	default: {
		struct vcm_info *c = p;

		c->vcm_id = s[S_VCM];
		return sizeof(*c);
	}
	}
}

/*
 * The sizes every ioctl of vcm_ioctls[] is given: below the first version
 * (the whole struct, see IOCTL_OP()) -EINVAL, above it with a non-zero tail
 * -E2BIG (copy_struct_from_user()).
 */
static const struct {
	enum hsize size;
	int err;
	const char *what;
} hsizes[] = {
	{ HS_ZERO, EINVAL, "size 0" },
	{ HS_HEAD, EINVAL, "size 4, the size field alone" },
	{ HS_SHORT, EINVAL, "size one byte short" },
	{ HS_DIRTY, E2BIG, "size + 8, non-zero tail" },
};

static const struct hcase hcases[] = {
	/*
	 * VCM_DESTROY. A struct the kernel cannot read is -EFAULT, for every
	 * ioctl. Ids: 0, stale, another file's, another type's all -ENOENT;
	 * -EBUSY for what other objects depend on.
	 */
	ROW_ARG("destroy: NULL struct", VCM_DESTROY, HA_NULL, EFAULT),
	ROW_ARG("destroy: struct at a kernel address", VCM_DESTROY, HA_KERNEL, EFAULT),
	ROW_ARG("destroy: size reaches into an unmapped page", VCM_DESTROY, HA_GUARD, EFAULT),
	ROW("destroy: id 0", VCM_DESTROY, ENOENT, SET32(T_DESTROY, id, 0)),
	ROW("destroy: id 0xffffffff", VCM_DESTROY, ENOENT, SET32(T_DESTROY, id, NO_ID)),
	ROW("destroy: stale VCM", VCM_DESTROY, ENOENT, SYM32(T_DESTROY, id, S_STALE_VCM)),
	ROW("destroy: stale device", VCM_DESTROY, ENOENT, SYM32(T_DESTROY, id, S_STALE_DEV)),
	ROW("destroy: stale association", VCM_DESTROY, ENOENT,
	    SYM32(T_DESTROY, id, S_STALE_ASSOC)),
	ROW("destroy: stale allocation", VCM_DESTROY, ENOENT,
	    SYM32(T_DESTROY, id, S_STALE_PHYS)),
	ROW("destroy: stale reservation", VCM_DESTROY, ENOENT,
	    SYM32(T_DESTROY, id, S_STALE_RES)),
	ROW("destroy: another file's VCM", VCM_DESTROY, ENOENT,
	    SYM32(T_DESTROY, id, S_FOREIGN_VCM)),
	ROW("destroy: another file's allocation", VCM_DESTROY, ENOENT,
	    SYM32(T_DESTROY, id, S_FOREIGN_PHYS)),
	ROW("destroy: another file's device", VCM_DESTROY, ENOENT,
	    SYM32(T_DESTROY, id, S_FOREIGN_DEV)),
	ROW("destroy: VCM with reservations and associations", VCM_DESTROY, EBUSY,
	    SYM32(T_DESTROY, id, S_VCM)),
	ROW("destroy: VCM with an association only", VCM_DESTROY, EBUSY,
	    SYM32(T_DESTROY, id, S_VCM3)),
	ROW("destroy: VCM with a reservation only", VCM_DESTROY, EBUSY,
	    SYM32(T_DESTROY, id, S_VCM4)),
	ROW("destroy: backed and mmap()ed reservation", VCM_DESTROY, EBUSY,
	    SYM32(T_DESTROY, id, S_RES)),
	ROW("destroy: backed reservation", VCM_DESTROY, EBUSY, SYM32(T_DESTROY, id, S_RES2)),
	ROW("destroy: exported backed reservation", VCM_DESTROY, EBUSY,
	    SYM32(T_DESTROY, id, S_RES_EXP)),
	ROW("destroy: exported unbacked reservation", VCM_DESTROY, EBUSY,
	    SYM32(T_DESTROY, id, S_RES_LATE)),
	ROW("destroy: reservation backed by an import", VCM_DESTROY, EBUSY,
	    SYM32(T_DESTROY, id, S_RES_IMP)),
	ROW("destroy: allocation that backs a reservation", VCM_DESTROY, EBUSY,
	    SYM32(T_DESTROY, id, S_PHYS)),
	ROW("destroy: allocation that backs an exported reservation", VCM_DESTROY, EBUSY,
	    SYM32(T_DESTROY, id, S_PHYS_EXP)),
	ROW("destroy: import that backs a reservation", VCM_DESTROY, EBUSY,
	    SYM32(T_DESTROY, id, S_PHYS_IMP)),
	ROW("destroy: active association", VCM_DESTROY, EBUSY, SYM32(T_DESTROY, id, S_ASSOC)),
	ROW("destroy: device with an active association", VCM_DESTROY, EBUSY,
	    SYM32(T_DESTROY, id, S_DEV)),
	ROW("destroy: device with an inactive association", VCM_DESTROY, EBUSY,
	    SYM32(T_DESTROY, id, S_DEV_INACT)),
	ROW("destroy: device associated with another VCM", VCM_DESTROY, EBUSY,
	    SYM32(T_DESTROY, id, S_DEV16)),

	/* VCM_CREATE: vcm_ioctl_create(), vcm_create() */
	ROW_ARG("create: struct at a kernel address", VCM_CREATE, HA_KERNEL, EFAULT),
	ROW("create: len 0", VCM_CREATE, EINVAL, SET64(T_CREATE, len, 0)),
	ROW("create: start not page aligned", VCM_CREATE, EINVAL,
	    SET64(T_CREATE, start, VCM_START + SZ_4K / 2)),
	ROW("create: len not page aligned", VCM_CREATE, EINVAL,
	    SET64(T_CREATE, len, VCM_LEN + SZ_4K / 2)),
	ROW("create: start + len wraps, 2 pages below 2^64 + 4 pages", VCM_CREATE, EINVAL,
	    SET64(T_CREATE, start, 0 - 2 * SZ_4K), SET64(T_CREATE, len, 4 * SZ_4K)),
	ROW("create: start + len wraps, len 2^64 - 4 KiB", VCM_CREATE, EINVAL,
	    SET64(T_CREATE, start, 2 * SZ_4K), SET64(T_CREATE, len, 0 - SZ_4K)),

	/* VCM_INFO: vcm_ioctl_info() */
	ROW_ARG("info: NULL struct", VCM_INFO, HA_NULL, EFAULT),
	ROW_ARG("info: size reaches into an unmapped page", VCM_INFO, HA_GUARD, EFAULT),
	ROW_ARG("info: size 0xffffffff, tail runs into an unmapped page", VCM_INFO,
		HA_GUARD_HUGE, EFAULT),
	ROW("info: __reserved 1", VCM_INFO, EINVAL, SET32(T_INFO, __reserved, 1)),
	ROW("info: id 0", VCM_INFO, ENOENT, SET32(T_INFO, vcm_id, 0)),
	ROW("info: id of a reservation", VCM_INFO, ENOENT, SYM32(T_INFO, vcm_id, S_RES)),
	ROW("info: id of a device", VCM_INFO, ENOENT, SYM32(T_INFO, vcm_id, S_DEV)),
	ROW("info: stale VCM", VCM_INFO, ENOENT, SYM32(T_INFO, vcm_id, S_STALE_VCM)),
	ROW("info: another file's VCM", VCM_INFO, ENOENT, SYM32(T_INFO, vcm_id, S_FOREIGN_VCM)),

	/* VCM_ASSOC: vcm_ioctl_assoc(), vcm_assoc() */
	ROW("assoc: PASID flag with PASID 0", VCM_ASSOC, EINVAL,
	    SET32(T_ASSOC, flags, VCM_ASSOC_PASID)),
	ROW("assoc: PASID without the PASID flag", VCM_ASSOC, EINVAL, SET32(T_ASSOC, pasid, 1)),
	ROW("assoc: PASID 256 of a device with 8 PASID bits", VCM_ASSOC, EINVAL,
	    SET32(T_ASSOC, flags, VCM_ASSOC_PASID), SET32(T_ASSOC, pasid, 256)),
	ROW("assoc: PASID 2^20 - 1", VCM_ASSOC, EINVAL,
	    SET32(T_ASSOC, flags, VCM_ASSOC_PASID), SET32(T_ASSOC, pasid, 0xfffff)),
	ROW("assoc: PASID of a device without PASID support", VCM_ASSOC, EOPNOTSUPP,
	    SET32(T_ASSOC, flags, VCM_ASSOC_PASID), SET32(T_ASSOC, pasid, 1),
	    SYM32(T_ASSOC, dev_id, S_DEV_INACT)),
	ROW("assoc: device behind no IOMMU", VCM_ASSOC, ENODEV,
	    SYM32(T_ASSOC, dev_id, S_DEV_NOIOMMU)),
	ROW("assoc: VCM beyond the device's 16-bit DMA mask", VCM_ASSOC, ERANGE,
	    SYM32(T_ASSOC, dev_id, S_DEV16)),
	ROW("assoc: active device again", VCM_ASSOC, EEXIST,
	    SYM32(T_ASSOC, vcm_id, S_VCM), SYM32(T_ASSOC, dev_id, S_DEV)),
	ROW("assoc: inactive device again", VCM_ASSOC, EEXIST,
	    SYM32(T_ASSOC, vcm_id, S_VCM), SYM32(T_ASSOC, dev_id, S_DEV_INACT)),
	ROW("assoc: VCM id 0", VCM_ASSOC, ENOENT, SET32(T_ASSOC, vcm_id, 0)),
	ROW("assoc: device id 0", VCM_ASSOC, ENOENT, SET32(T_ASSOC, dev_id, 0)),
	ROW("assoc: stale VCM", VCM_ASSOC, ENOENT, SYM32(T_ASSOC, vcm_id, S_STALE_VCM)),
	ROW("assoc: stale device", VCM_ASSOC, ENOENT, SYM32(T_ASSOC, dev_id, S_STALE_DEV)),
	ROW("assoc: VCM id of an allocation", VCM_ASSOC, ENOENT,
	    SYM32(T_ASSOC, vcm_id, S_PHYS)),
	ROW("assoc: device id of an association", VCM_ASSOC, ENOENT,
	    SYM32(T_ASSOC, dev_id, S_ASSOC)),
	ROW("assoc: another file's VCM", VCM_ASSOC, ENOENT,
	    SYM32(T_ASSOC, vcm_id, S_FOREIGN_VCM)),
	ROW("assoc: another file's device", VCM_ASSOC, ENOENT,
	    SYM32(T_ASSOC, dev_id, S_FOREIGN_DEV)),

	/* VCM_ACTIVATE and VCM_DEACTIVATE: vcm_activate(), vcm_deactivate() */
	ROW_ARG("activate: NULL struct", VCM_ACTIVATE, HA_NULL, EFAULT),
	ROW("activate: already active", VCM_ACTIVATE, EBUSY, SYM32(T_ACT, assoc_id, S_ASSOC)),
	ROW("activate: device went away", VCM_ACTIVATE, ENODEV,
	    SYM32(T_ACT, assoc_id, S_ASSOC_DEAD)),
	ROW("activate: id 0", VCM_ACTIVATE, ENOENT, SET32(T_ACT, assoc_id, 0)),
	ROW("activate: id of a device", VCM_ACTIVATE, ENOENT, SYM32(T_ACT, assoc_id, S_DEV)),
	ROW("activate: stale association", VCM_ACTIVATE, ENOENT,
	    SYM32(T_ACT, assoc_id, S_STALE_ASSOC)),
	ROW("activate: another file's association", VCM_ACTIVATE, ENOENT,
	    SYM32(T_ACT, assoc_id, S_FOREIGN_ASSOC)),
	ROW("deactivate: not active", VCM_DEACTIVATE, EINVAL,
	    SYM32(T_ACT, assoc_id, S_ASSOC_INACT)),
	ROW("deactivate: not active, other VCM", VCM_DEACTIVATE, EINVAL,
	    SYM32(T_ACT, assoc_id, S_ASSOC3)),
	ROW("deactivate: device went away", VCM_DEACTIVATE, ENODEV,
	    SYM32(T_ACT, assoc_id, S_ASSOC_DEAD)),
	ROW("deactivate: id of a VCM", VCM_DEACTIVATE, ENOENT, SYM32(T_ACT, assoc_id, S_VCM)),
	ROW("deactivate: stale association", VCM_DEACTIVATE, ENOENT,
	    SYM32(T_ACT, assoc_id, S_STALE_ASSOC)),

	/* VCM_PHYS_ALLOC: vcm_ioctl_phys_alloc(), __vcm_phys_alloc() */
	ROW("phys_alloc: WC and UNCACHED", VCM_PHYS_ALLOC, EINVAL,
	    SET32(T_ALLOC, flags, VCM_PHYS_WC | VCM_PHYS_UNCACHED)),
	ROW("phys_alloc: len 0", VCM_PHYS_ALLOC, EINVAL, SET64(T_ALLOC, len, 0)),
	ROW("phys_alloc: len not page aligned", VCM_PHYS_ALLOC, EINVAL,
	    SET64(T_ALLOC, len, SZ_64K + 1)),
	ROW("phys_alloc: len not a multiple of the smallest block", VCM_PHYS_ALLOC, EINVAL,
	    SET64(T_ALLOC, len, 3 * SZ_4K), SET64(T_ALLOC, pgsizes, SZ_64K),
	    SET32(T_ALLOC, vcm_id, 0)),
	ROW("phys_alloc: pgsizes below PAGE_SIZE only", VCM_PHYS_ALLOC, EINVAL,
	    SET64(T_ALLOC, pgsizes, 0x800 | 0x400), SET32(T_ALLOC, vcm_id, 0)),
	ROW("phys_alloc: pgsizes above the largest buddy block only", VCM_PHYS_ALLOC, EINVAL,
	    SET64(T_ALLOC, pgsizes, SZ_1T), SET32(T_ALLOC, vcm_id, 0)),
	ROW("phys_alloc: pgsizes and a VCM both", VCM_PHYS_ALLOC, EINVAL,
	    SET64(T_ALLOC, pgsizes, SZ_4K)),
	ROW("phys_alloc: VCM without domains has no page sizes", VCM_PHYS_ALLOC, EINVAL,
	    SYM32(T_ALLOC, vcm_id, S_VCM2)),
	ROW("phys_alloc: VCM id 0 and no pgsizes", VCM_PHYS_ALLOC, ENOENT,
	    SET32(T_ALLOC, vcm_id, 0)),
	ROW("phys_alloc: stale VCM", VCM_PHYS_ALLOC, ENOENT,
	    SYM32(T_ALLOC, vcm_id, S_STALE_VCM)),
	ROW("phys_alloc: VCM id of an allocation", VCM_PHYS_ALLOC, ENOENT,
	    SYM32(T_ALLOC, vcm_id, S_PHYS)),
	ROW("phys_alloc: another file's VCM", VCM_PHYS_ALLOC, ENOENT,
	    SYM32(T_ALLOC, vcm_id, S_FOREIGN_VCM)),
	ROW("phys_alloc: CONTIG above the largest buddy block", VCM_PHYS_ALLOC, EINVAL,
	    SET32(T_ALLOC, flags, VCM_PHYS_CONTIG), SET64(T_ALLOC, len, SZ_1G)),
	/* phys.c: len >> PAGE_SHIFT > totalram_pages() is -ENOMEM, at once */
	ROW("phys_alloc: a page more than all RAM", VCM_PHYS_ALLOC, ENOMEM,
	    { offsetof(T_ALLOC, len), 8, S_TOTALRAM, SZ_4K }),
	ROW("phys_alloc: 64 TiB", VCM_PHYS_ALLOC, ENOMEM, SET64(T_ALLOC, len, 64 * SZ_1T)),
	ROW("phys_alloc: 2^64 - 4 KiB", VCM_PHYS_ALLOC, ENOMEM,
	    SET64(T_ALLOC, len, 0 - SZ_4K)),

	/* VCM_PHYS_SEGMENTS: vcm_ioctl_phys_segments() */
	ROW("phys_segments: id of a reservation", VCM_PHYS_SEGMENTS, ENOENT,
	    SYM32(T_SEG, phys_id, S_RES)),
	ROW("phys_segments: stale allocation", VCM_PHYS_SEGMENTS, ENOENT,
	    SYM32(T_SEG, phys_id, S_STALE_PHYS)),
	ROW("phys_segments: another file's allocation", VCM_PHYS_SEGMENTS, ENOENT,
	    SYM32(T_SEG, phys_id, S_FOREIGN_PHYS)),
	ROW("phys_segments: room for no block", VCM_PHYS_SEGMENTS, EMSGSIZE,
	    SET32(T_SEG, nr_blocks, 0)),
	ROW("phys_segments: room for one of 256 blocks", VCM_PHYS_SEGMENTS, EMSGSIZE,
	    SET32(T_SEG, nr_blocks, 1)),
	ROW("phys_segments: block_orders NULL", VCM_PHYS_SEGMENTS, EFAULT,
	    SET64(T_SEG, block_orders, 0)),
	ROW("phys_segments: block_orders unmapped", VCM_PHYS_SEGMENTS, EFAULT,
	    SYM64(T_SEG, block_orders, S_UNMAPPED)),
	ROW("phys_segments: block_orders read-only", VCM_PHYS_SEGMENTS, EFAULT,
	    SYM64(T_SEG, block_orders, S_RO_BUF)),
	ROW("phys_segments: block_orders in the kernel", VCM_PHYS_SEGMENTS, EFAULT,
	    SET64(T_SEG, block_orders, KERNEL_PTR)),

	/* VCM_RESERVE: vcm_ioctl_reserve(), vcm_reserve(), vcm_reserve_at() */
	ROW_ARG("reserve: size reaches into an unmapped page", VCM_RESERVE, HA_GUARD, EFAULT),
	ROW("reserve: neither READ nor WRITE", VCM_RESERVE, EINVAL, SET32(T_RSV, flags, 0)),
	ROW("reserve: WB and WC", VCM_RESERVE, EINVAL,
	    SET32(T_RSV, flags, RW | VCM_RESERVE_WB | VCM_RESERVE_WC)),
	ROW("reserve: WC and UNCACHED", VCM_RESERVE, EINVAL,
	    SET32(T_RSV, flags, RW | VCM_RESERVE_WC | VCM_RESERVE_UNCACHED)),
	ROW("reserve: len 0", VCM_RESERVE, EINVAL, SET64(T_RSV, len, 0)),
	ROW("reserve: len not page aligned", VCM_RESERVE, EINVAL, SET64(T_RSV, len, SZ_64K + 1)),
	ROW("reserve: align 3 pages, not a power of two", VCM_RESERVE, EINVAL,
	    SET64(T_RSV, align, 3 * SZ_4K)),
	ROW("reserve: align 2 GiB, above 1 GiB", VCM_RESERVE, EINVAL, SET64(T_RSV, align, SZ_2G)),
	ROW("reserve: align 2^63", VCM_RESERVE, EINVAL, SET64(T_RSV, align, 1ULL << 63)),
	ROW("reserve: align 2 KiB, below PAGE_SIZE", VCM_RESERVE, EINVAL,
	    SET64(T_RSV, align, SZ_4K / 2)),
	ROW("reserve: align 1", VCM_RESERVE, EINVAL, SET64(T_RSV, align, 1)),
	ROW("reserve: not fixed, addr not 0", VCM_RESERVE, EINVAL,
	    SET64(T_RSV, addr, FREE_ADDR)),
	ROW("reserve: fixed, addr not page aligned", VCM_RESERVE, EINVAL,
	    SET32(T_RSV, flags, FIXED_RW), SET64(T_RSV, addr, FREE_ADDR + SZ_4K / 2)),
	ROW("reserve: fixed, addr not aligned to align", VCM_RESERVE, EINVAL,
	    SET32(T_RSV, flags, FIXED_RW), SET64(T_RSV, addr, FREE_ADDR + SZ_64K),
	    SET64(T_RSV, align, SZ_1M)),
	ROW("reserve: fixed, align not a power of two", VCM_RESERVE, EINVAL,
	    SET32(T_RSV, flags, FIXED_RW), SET64(T_RSV, addr, FREE_ADDR),
	    SET64(T_RSV, align, 3 * SZ_4K)),
	ROW("reserve: fixed, align 2 GiB", VCM_RESERVE, EINVAL,
	    SET32(T_RSV, flags, FIXED_RW), SET64(T_RSV, addr, 0),
	    SET64(T_RSV, align, SZ_2G)),
	/*
	 * The uapi: "@align: a power of two from PAGE_SIZE to 1 GiB", "-EINVAL
	 * for ... a bad @align". vcm_ioctl_reserve() checks a fixed
	 * reservation's align for a power of two up to 1 GiB dividing @addr,
	 * not for PAGE_SIZE at least: 512 is accepted.
	 */
	ROW("reserve: fixed, align 512 (uapi: a power of two from PAGE_SIZE)", VCM_RESERVE,
	    EINVAL, SET32(T_RSV, flags, FIXED_RW), SET64(T_RSV, addr, FREE_ADDR),
	    SET64(T_RSV, align, 512)),
	ROW("reserve: fixed, neither READ nor WRITE", VCM_RESERVE, EINVAL,
	    SET32(T_RSV, flags, VCM_RESERVE_FIXED), SET64(T_RSV, addr, FREE_ADDR)),
	ROW("reserve: fixed below the VCM", VCM_RESERVE, ERANGE,
	    SET32(T_RSV, flags, FIXED_RW), SET64(T_RSV, addr, 0),
	    SET64(T_RSV, len, SZ_4K)),
	ROW("reserve: fixed at the VCM's end", VCM_RESERVE, ERANGE,
	    SET32(T_RSV, flags, FIXED_RW), SET64(T_RSV, addr, VCM_END)),
	ROW("reserve: fixed across the VCM's end", VCM_RESERVE, ERANGE,
	    SET32(T_RSV, flags, FIXED_RW), SET64(T_RSV, addr, VCM_END - SZ_4K)),
	ROW("reserve: fixed, addr + len wraps", VCM_RESERVE, ERANGE,
	    SET32(T_RSV, flags, FIXED_RW), SET64(T_RSV, addr, FREE_ADDR),
	    SET64(T_RSV, len, 0 - SZ_4K)),
	ROW("reserve: fixed over a backed reservation", VCM_RESERVE, EEXIST,
	    SET32(T_RSV, flags, FIXED_RW), SET64(T_RSV, addr, RES_ADDR + SZ_1M - SZ_4K),
	    SET64(T_RSV, len, 2 * SZ_4K)),
	ROW("reserve: fixed, exactly an unbacked reservation", VCM_RESERVE, EEXIST,
	    SET32(T_RSV, flags, FIXED_RW), SET64(T_RSV, addr, RES_FREE_ADDR)),
	ROW("reserve: no room for 128 MiB", VCM_RESERVE, ENOSPC, SET64(T_RSV, len, VCM_LEN)),
	ROW("reserve: longer than the VCM", VCM_RESERVE, ENOSPC,
	    SET64(T_RSV, len, 2 * VCM_LEN)),
	ROW("reserve: len 2^64 - 4 KiB", VCM_RESERVE, ENOSPC, SET64(T_RSV, len, 0 - SZ_4K)),
	ROW("reserve: no 1 GiB aligned address in the VCM", VCM_RESERVE, ENOSPC,
	    SET64(T_RSV, align, SZ_1G)),
	/*
	 * vcm_reserve() computes len + align - PAGE_SIZE without an overflow
	 * check: in a VCM of nearly 2^64 bytes that wraps to a small size, the
	 * first gap "fits" and the reservation is stored over VCM4's
	 * reservation at 1 TiB. Any range of this length overlaps it.
	 */
	ROW("reserve: len + align wraps (VCM of 2^64 - 4 KiB)", VCM_RESERVE, ENOSPC,
	    SYM32(T_RSV, vcm_id, S_VCM4), SET64(T_RSV, len, 0 - SZ_512M),
	    SET64(T_RSV, align, SZ_1G)),
	ROW("reserve: VCM id 0", VCM_RESERVE, ENOENT, SET32(T_RSV, vcm_id, 0)),
	ROW("reserve: stale VCM", VCM_RESERVE, ENOENT, SYM32(T_RSV, vcm_id, S_STALE_VCM)),
	ROW("reserve: VCM id of a reservation", VCM_RESERVE, ENOENT,
	    SYM32(T_RSV, vcm_id, S_RES)),
	ROW("reserve: another file's VCM", VCM_RESERVE, ENOENT,
	    SYM32(T_RSV, vcm_id, S_FOREIGN_VCM)),

	/* VCM_BACK: vcm_ioctl_back(), __vcm_back() */
	ROW("back: already backed, same length", VCM_BACK, EBUSY,
	    SYM32(T_BACK, res_id, S_RES), SYM32(T_BACK, phys_id, S_PHYS_FREE)),
	ROW("back: already backed by this allocation", VCM_BACK, EBUSY,
	    SYM32(T_BACK, res_id, S_RES), SYM32(T_BACK, phys_id, S_PHYS)),
	ROW("back: lengths differ", VCM_BACK, EINVAL, SYM32(T_BACK, phys_id, S_PHYS_FREE)),
	ROW("back: write-back memory for a write-combined reservation", VCM_BACK, EINVAL,
	    SYM32(T_BACK, res_id, S_RES_WC)),
	/* The uapi names no errno; __vcm_back(): "-EBUSY (... or exported)" */
	ROW("back: exported reservation", VCM_BACK, EBUSY, SYM32(T_BACK, res_id, S_RES_LATE)),
	ROW("back: reservation id 0", VCM_BACK, ENOENT, SET32(T_BACK, res_id, 0)),
	ROW("back: allocation id 0", VCM_BACK, ENOENT, SET32(T_BACK, phys_id, 0)),
	ROW("back: stale reservation", VCM_BACK, ENOENT, SYM32(T_BACK, res_id, S_STALE_RES)),
	ROW("back: stale allocation", VCM_BACK, ENOENT, SYM32(T_BACK, phys_id, S_STALE_PHYS)),
	ROW("back: reservation id of an allocation", VCM_BACK, ENOENT,
	    SYM32(T_BACK, res_id, S_PHYS_SMALL)),
	ROW("back: allocation id of a reservation", VCM_BACK, ENOENT,
	    SYM32(T_BACK, phys_id, S_RES_FREE)),
	ROW("back: another file's reservation", VCM_BACK, ENOENT,
	    SYM32(T_BACK, res_id, S_FOREIGN_RES)),
	ROW("back: another file's allocation", VCM_BACK, ENOENT,
	    SYM32(T_BACK, phys_id, S_FOREIGN_PHYS)),

	/* VCM_UNBACK: vcm_ioctl_unback(), vcm_unback() */
	ROW("unback: allocation id not 0", VCM_UNBACK, EINVAL,
	    SYM32(T_BACK, phys_id, S_PHYS2)),
	ROW("unback: not backed", VCM_UNBACK, EINVAL, SYM32(T_BACK, res_id, S_RES_FREE)),
	ROW("unback: mmap()ed", VCM_UNBACK, EBUSY, SYM32(T_BACK, res_id, S_RES)),
	ROW("unback: exported, backed", VCM_UNBACK, EBUSY, SYM32(T_BACK, res_id, S_RES_EXP)),
	/*
	 * The uapi (VCM_EXPORT): "Until the dma-buf is released, VCM_UNBACK
	 * and VCM_DESTROY of the reservation fail with -EBUSY". vcm_unback()
	 * returns -EINVAL for an exported reservation that is not backed yet.
	 */
	ROW("unback: exported, not yet backed (uapi: -EBUSY until released)", VCM_UNBACK,
	    EBUSY, SYM32(T_BACK, res_id, S_RES_LATE)),
	ROW("unback: id of a VCM", VCM_UNBACK, ENOENT, SYM32(T_BACK, res_id, S_VCM)),
	ROW("unback: stale reservation", VCM_UNBACK, ENOENT,
	    SYM32(T_BACK, res_id, S_STALE_RES)),
	ROW("unback: another file's reservation", VCM_UNBACK, ENOENT,
	    SYM32(T_BACK, res_id, S_FOREIGN_RES)),

	/* VCM_TRANSLATE: vcm_ioctl_translate(), vcm_translate() */
	ROW("translate: reserved, not backed", VCM_TRANSLATE, ENOENT,
	    SET64(T_XLATE, addr, RES_FREE_ADDR)),
	ROW("translate: just past a backed reservation", VCM_TRANSLATE, ENOENT,
	    SET64(T_XLATE, addr, RES_ADDR + SZ_1M)),
	ROW("translate: address 0, below the VCM", VCM_TRANSLATE, ENOENT,
	    SET64(T_XLATE, addr, 0)),
	ROW("translate: address 2^64 - 1", VCM_TRANSLATE, ENOENT,
	    SET64(T_XLATE, addr, ~0ULL)),
	ROW("translate: memory not backed in the destination", VCM_TRANSLATE, ENOENT,
	    SYM32(T_XLATE, dst_vcm_id, S_VCM2)),
	ROW("translate: source VCM without reservations", VCM_TRANSLATE, ENOENT,
	    SYM32(T_XLATE, src_vcm_id, S_VCM2)),
	ROW("translate: stale source", VCM_TRANSLATE, ENOENT,
	    SYM32(T_XLATE, src_vcm_id, S_STALE_VCM)),
	ROW("translate: destination id of a reservation", VCM_TRANSLATE, ENOENT,
	    SYM32(T_XLATE, dst_vcm_id, S_RES)),
	ROW("translate: another file's source", VCM_TRANSLATE, ENOENT,
	    SYM32(T_XLATE, src_vcm_id, S_FOREIGN_VCM)),

	/* VCM_CPU_ACCESS: vcm_ioctl_cpu_access() */
	ROW_ARG("cpu_access: NULL struct", VCM_CPU_ACCESS, HA_NULL, EFAULT),
	ROW("cpu_access: len 0", VCM_CPU_ACCESS, EINVAL, SET64(T_CPU, len, 0)),
	ROW("cpu_access: across the end", VCM_CPU_ACCESS, EINVAL,
	    SET64(T_CPU, offset, SZ_1M - SZ_4K), SET64(T_CPU, len, 2 * SZ_4K)),
	ROW("cpu_access: one byte past the end", VCM_CPU_ACCESS, EINVAL,
	    SET64(T_CPU, offset, SZ_1M), SET64(T_CPU, len, 1)),
	ROW("cpu_access: offset + len wraps", VCM_CPU_ACCESS, EINVAL,
	    SET64(T_CPU, offset, ~0ULL), SET64(T_CPU, len, 2)),
	ROW("cpu_access: len 2^64 - 1", VCM_CPU_ACCESS, EINVAL, SET64(T_CPU, len, ~0ULL)),
	ROW("cpu_access: not backed", VCM_CPU_ACCESS, EINVAL, SYM32(T_CPU, res_id, S_RES_FREE)),
	ROW("cpu_access: exported, not backed yet", VCM_CPU_ACCESS, EBUSY,
	    SYM32(T_CPU, res_id, S_RES_LATE)),
	ROW("cpu_access: exported and backed", VCM_CPU_ACCESS, EBUSY,
	    SYM32(T_CPU, res_id, S_RES_EXP)),
	ROW("cpu_access: backed by an import", VCM_CPU_ACCESS, EOPNOTSUPP,
	    SYM32(T_CPU, res_id, S_RES_IMP)),
	ROW("cpu_access: id 0", VCM_CPU_ACCESS, ENOENT, SET32(T_CPU, res_id, 0)),
	ROW("cpu_access: id of an allocation", VCM_CPU_ACCESS, ENOENT,
	    SYM32(T_CPU, res_id, S_PHYS)),
	ROW("cpu_access: stale reservation", VCM_CPU_ACCESS, ENOENT,
	    SYM32(T_CPU, res_id, S_STALE_RES)),
	ROW("cpu_access: another file's reservation", VCM_CPU_ACCESS, ENOENT,
	    SYM32(T_CPU, res_id, S_FOREIGN_RES)),
	ROW("cpu_access: read into NULL", VCM_CPU_ACCESS, EFAULT, SET64(T_CPU, uptr, 0)),
	ROW("cpu_access: read into read-only memory", VCM_CPU_ACCESS, EFAULT,
	    SYM64(T_CPU, uptr, S_RO_BUF)),
	ROW("cpu_access: read into unmapped memory", VCM_CPU_ACCESS, EFAULT,
	    SYM64(T_CPU, uptr, S_UNMAPPED)),
	ROW("cpu_access: read into the kernel", VCM_CPU_ACCESS, EFAULT,
	    SET64(T_CPU, uptr, KERNEL_PTR)),
	/*
	 * A refused write must not write: copy_from_user() zero-fills what it
	 * could not copy, straight into the reservation's kernel mapping.
	 */
	ROW("cpu_access: write from NULL", VCM_CPU_ACCESS, EFAULT,
	    SET32(T_CPU, op, VCM_CPU_WRITE), SET64(T_CPU, uptr, 0)),
	ROW("cpu_access: write from unmapped memory", VCM_CPU_ACCESS, EFAULT,
	    SET32(T_CPU, op, VCM_CPU_WRITE), SYM64(T_CPU, uptr, S_UNMAPPED)),

	/* VCM_EXPORT: vcm_ioctl_export(), vcm_export() */
	ROW("export: MOVABLE, backed and mmap()ed", VCM_EXPORT, EINVAL,
	    SET32(T_EXPORT, flags, VCM_EXPORT_MOVABLE), SYM32(T_EXPORT, res_id, S_RES)),
	ROW("export: MOVABLE, backed", VCM_EXPORT, EINVAL,
	    SET32(T_EXPORT, flags, VCM_EXPORT_MOVABLE), SYM32(T_EXPORT, res_id, S_RES2)),
	ROW("export: backed by an import", VCM_EXPORT, EINVAL,
	    SYM32(T_EXPORT, res_id, S_RES_IMP)),
	/* The uapi names no errno; vcm_export(): "-EBUSY (already exported)" */
	ROW("export: already exported, backed", VCM_EXPORT, EBUSY,
	    SYM32(T_EXPORT, res_id, S_RES_EXP)),
	ROW("export: already exported, not backed", VCM_EXPORT, EBUSY,
	    SYM32(T_EXPORT, res_id, S_RES_LATE)),
	ROW("export: already exported, MOVABLE", VCM_EXPORT, EBUSY,
	    SET32(T_EXPORT, flags, VCM_EXPORT_MOVABLE), SYM32(T_EXPORT, res_id, S_RES_LATE)),
	ROW("export: id 0", VCM_EXPORT, ENOENT, SET32(T_EXPORT, res_id, 0)),
	ROW("export: id of a VCM", VCM_EXPORT, ENOENT, SYM32(T_EXPORT, res_id, S_VCM)),
	ROW("export: stale reservation", VCM_EXPORT, ENOENT,
	    SYM32(T_EXPORT, res_id, S_STALE_RES)),
	ROW("export: another file's reservation", VCM_EXPORT, ENOENT,
	    SYM32(T_EXPORT, res_id, S_FOREIGN_RES)),

	/*
	 * VCM_IMPORT: vcm_ioctl_import(), dma_buf_get(): -EBADF if fget()
	 * finds no file (O_PATH files included), -EINVAL if it is not a
	 * dma-buf. The uapi only says "-EBADF for a bad fd".
	 */
	ROW_ARG("import: size reaches into an unmapped page", VCM_IMPORT, HA_GUARD, EFAULT),
	ROW("import: fd -1", VCM_IMPORT, EBADF, SET32(T_IMPORT, fd, -1)),
	ROW("import: fd INT_MAX", VCM_IMPORT, EBADF, SET32(T_IMPORT, fd, INT_MAX)),
	ROW("import: closed fd", VCM_IMPORT, EBADF, SYM32(T_IMPORT, fd, S_CLOSED_FD)),
	ROW("import: O_PATH fd", VCM_IMPORT, EBADF, SYM32(T_IMPORT, fd, S_OPATH_FD)),
	ROW("import: /dev/vcm itself", VCM_IMPORT, EINVAL, SYM32(T_IMPORT, fd, S_SELF_FD)),
	ROW("import: a pipe", VCM_IMPORT, EINVAL, SYM32(T_IMPORT, fd, S_PIPE_FD)),

	/* VCM_DMABUF_INFO: vcm_ioctl_dmabuf_info(), dma_buf_get() */
	ROW_ARG("dmabuf_info: struct at a kernel address", VCM_DMABUF_INFO, HA_KERNEL, EFAULT),
	ROW("dmabuf_info: fd -1", VCM_DMABUF_INFO, EBADF, SET32(T_DBI, fd, -1)),
	ROW("dmabuf_info: closed fd", VCM_DMABUF_INFO, EBADF, SYM32(T_DBI, fd, S_CLOSED_FD)),
	ROW("dmabuf_info: O_PATH fd", VCM_DMABUF_INFO, EBADF, SYM32(T_DBI, fd, S_OPATH_FD)),
	ROW("dmabuf_info: /dev/vcm itself", VCM_DMABUF_INFO, EINVAL,
	    SYM32(T_DBI, fd, S_SELF_FD)),
	ROW("dmabuf_info: a pipe", VCM_DMABUF_INFO, EINVAL, SYM32(T_DBI, fd, S_PIPE_FD)),

	/* VCM_TEST (vcm_test.h, not a stable ABI): vcm_test_cmd() */
	ROW("test: domain stats, flags 2", VCM_TEST, EOPNOTSUPP,
	    SET32(T_TEST, domain_stats.flags, 2)),
	ROW("test: domain stats, __reserved2 1", VCM_TEST, EINVAL,
	    SET32(T_TEST, domain_stats.__reserved2, 1)),
	ROW("test: domain stats, cover of an unbacked reservation", VCM_TEST, EINVAL,
	    SYM32(T_TEST, domain_stats.res_id, S_RES_FREE)),
	ROW("test: domain stats, cover of a VCM id", VCM_TEST, ENOENT,
	    SYM32(T_TEST, domain_stats.res_id, S_VCM)),
	ROW("test: domain stats of a dead association", VCM_TEST, ENODEV,
	    SYM32(T_TEST, id, S_ASSOC_DEAD)),
	ROW("test: domain stats of a device id", VCM_TEST, ENOENT, SYM32(T_TEST, id, S_DEV)),
	ROW("test: domain stats of a stale association", VCM_TEST, ENOENT,
	    SYM32(T_TEST, id, S_STALE_ASSOC)),
	ROW("test: check map of an allocation id", VCM_TEST, ENOENT,
	    SET32(T_TEST, op, VCM_TEST_OP_CHECK_MAP), SYM32(T_TEST, id, S_PHYS)),
	ROW("test: check map of a stale reservation", VCM_TEST, ENOENT,
	    SET32(T_TEST, op, VCM_TEST_OP_CHECK_MAP), SYM32(T_TEST, id, S_STALE_RES)),
	/*
	 * vcm.h: "Every reserved field ... must be zero (... -EINVAL for a
	 * non-zero reserved field)"; vcm_test_check_map() never looks at
	 * check_map.__reserved (domain_stats, edu_open, edu_copy and
	 * dmabuf_map check theirs).
	 */
	ROW("test: check map, __reserved 1 (vcm.h: reserved fields must be 0)", VCM_TEST,
	    EINVAL, SET32(T_TEST, op, VCM_TEST_OP_CHECK_MAP), SYM32(T_TEST, id, S_RES),
	    SET32(T_TEST, check_map.__reserved, 1)),
	ROW("test: instance info of instance VCM_MOCK_NR", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_INSTANCE_INFO),
	    SET32(T_TEST, instance_info.index, VCM_MOCK_NR)),
	ROW("test: device behind instance VCM_MOCK_NR", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_DEV_CREATE),
	    SET32(T_TEST, dev_create.instance, VCM_MOCK_NR)),
	ROW("test: device, flags 1 << 3", VCM_TEST, EOPNOTSUPP,
	    SET32(T_TEST, op, VCM_TEST_OP_DEV_CREATE),
	    SET32(T_TEST, dev_create.flags, 1U << 3)),
	ROW("test: device, DMA API and PASID", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_DEV_CREATE),
	    SET32(T_TEST, dev_create.flags, VCM_TEST_DEV_DMA_API | VCM_TEST_DEV_PASID)),
	ROW("test: device, 65 DMA bits", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_DEV_CREATE),
	    SET32(T_TEST, dev_create.dma_bits, 65)),
	ROW("test: device behind no IOMMU and instance 1", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_DEV_CREATE),
	    SET32(T_TEST, dev_create.flags, VCM_TEST_DEV_NO_IOMMU),
	    SET32(T_TEST, dev_create.instance, 1)),
	ROW("test: PASID device behind armv7s", VCM_TEST, EOPNOTSUPP,
	    SET32(T_TEST, op, VCM_TEST_OP_DEV_CREATE),
	    SET32(T_TEST, dev_create.flags, VCM_TEST_DEV_PASID),
	    SET32(T_TEST, dev_create.instance, VCM_MOCK_ARMV7S)),
	ROW("test: remove a removed device", VCM_TEST, ENODEV,
	    SET32(T_TEST, op, VCM_TEST_OP_DEV_REMOVE), SYM32(T_TEST, id, S_DEV_DEAD)),
	ROW("test: remove an association id", VCM_TEST, ENOENT,
	    SET32(T_TEST, op, VCM_TEST_OP_DEV_REMOVE), SYM32(T_TEST, id, S_ASSOC)),
	ROW("test: DMA, dir 2", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_DMA), SYM32(T_TEST, id, S_DEV),
	    SET32(T_TEST, dma.dir, 2), SET64(T_TEST, dma.len, SZ_4K)),
	ROW("test: DMA, len 0", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_DMA), SYM32(T_TEST, id, S_DEV)),
	ROW("test: DMA, len 64 MiB + 1", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_DMA), SYM32(T_TEST, id, S_DEV),
	    SET64(T_TEST, dma.len, SZ_64M + 1)),
	ROW("test: DMA by a removed device", VCM_TEST, ENODEV,
	    SET32(T_TEST, op, VCM_TEST_OP_DMA), SYM32(T_TEST, id, S_DEV_DEAD),
	    SET64(T_TEST, dma.len, SZ_4K)),
	ROW("test: DMA by an association id", VCM_TEST, ENOENT,
	    SET32(T_TEST, op, VCM_TEST_OP_DMA), SYM32(T_TEST, id, S_ASSOC),
	    SET64(T_TEST, dma.len, SZ_4K)),
	ROW("test: DMA by a stale device", VCM_TEST, ENOENT,
	    SET32(T_TEST, op, VCM_TEST_OP_DMA), SYM32(T_TEST, id, S_STALE_DEV),
	    SET64(T_TEST, dma.len, SZ_4K)),
	ROW("test: fault of a removed device", VCM_TEST, ENODEV,
	    SET32(T_TEST, op, VCM_TEST_OP_FAULT), SYM32(T_TEST, id, S_DEV_DEAD)),
	ROW("test: fault of a reservation id", VCM_TEST, ENOENT,
	    SET32(T_TEST, op, VCM_TEST_OP_FAULT), SYM32(T_TEST, id, S_RES)),
	ROW("test: edu open, __reserved 1", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_EDU_OPEN), SET32(T_TEST, edu_open.__reserved, 1)),
	ROW("test: edu copy by a mock device", VCM_TEST, ENOENT,
	    SET32(T_TEST, op, VCM_TEST_OP_EDU_COPY), SYM32(T_TEST, id, S_DEV)),
	ROW("test: dma-buf attach, flags 4", VCM_TEST, EOPNOTSUPP,
	    SET32(T_TEST, op, VCM_TEST_OP_DMABUF_ATTACH), SYM32(T_TEST, id, S_DEV_INACT),
	    SYM32(T_TEST, dmabuf_attach.fd, S_LATE_FD), SET32(T_TEST, dmabuf_attach.flags, 4)),
	ROW("test: dma-buf attach, deferring but not dynamic", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_DMABUF_ATTACH), SYM32(T_TEST, id, S_DEV_INACT),
	    SYM32(T_TEST, dmabuf_attach.fd, S_LATE_FD),
	    SET32(T_TEST, dmabuf_attach.flags, VCM_TEST_ATTACH_DEFER)),
	/*
	 * VCM_TEST_OP_WINDOW, FENCE_ADD, FENCE_SIGNAL and DMABUF_CREATE
	 * (test.c): each argument checked before anything happens.
	 */
	ROW("test: window 0", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_WINDOW), SET32(T_TEST, window.delay_us, 1)),
	ROW("test: window past the last", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_WINDOW), SET32(T_TEST, window.window, VCM_WINDOW_NR),
	    SET32(T_TEST, window.delay_us, 1)),
	ROW("test: window, a delay past the maximum", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_WINDOW),
	    SET32(T_TEST, window.window, VCM_WINDOW_EXPORT_RELEASE),
	    SET32(T_TEST, window.delay_us, VCM_WINDOW_MAX_US + 1)),
	ROW("test: fence on a closed fd", VCM_TEST, EBADF,
	    SET32(T_TEST, op, VCM_TEST_OP_FENCE_ADD), SYM32(T_TEST, fence_add.fd, S_CLOSED_FD)),
	ROW("test: fence on a pipe", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_FENCE_ADD), SYM32(T_TEST, fence_add.fd, S_PIPE_FD)),
	ROW("test: fence, write 2", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_FENCE_ADD), SYM32(T_TEST, fence_add.fd, S_LATE_FD),
	    SET32(T_TEST, fence_add.write, 2)),
	ROW("test: fence, __reserved 1", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_FENCE_ADD), SYM32(T_TEST, fence_add.fd, S_LATE_FD),
	    SET32(T_TEST, fence_add.__reserved, 1)),
	ROW("test: signal a reservation id", VCM_TEST, ENOENT,
	    SET32(T_TEST, op, VCM_TEST_OP_FENCE_SIGNAL), SYM32(T_TEST, id, S_RES)),
	ROW("test: dma-buf create, size 0", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_DMABUF_CREATE),
	    SET64(T_TEST, dmabuf_create.table_len, SZ_4K)),
	ROW("test: dma-buf create, size not page aligned", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_DMABUF_CREATE),
	    SET64(T_TEST, dmabuf_create.size, SZ_4K + 1),
	    SET64(T_TEST, dmabuf_create.table_len, SZ_4K)),
	ROW("test: dma-buf create, table past 64 MiB", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_DMABUF_CREATE),
	    SET64(T_TEST, dmabuf_create.size, SZ_4K),
	    SET64(T_TEST, dmabuf_create.table_len, SZ_64M + SZ_4K)),
	ROW("test: dma-buf create, __reserved 1", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_DMABUF_CREATE),
	    SET64(T_TEST, dmabuf_create.size, SZ_4K),
	    SET64(T_TEST, dmabuf_create.table_len, SZ_4K),
	    SET32(T_TEST, dmabuf_create.__reserved, 1)),
	ROW("test: dma-buf attach, alignment 3", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_DMABUF_ATTACH), SYM32(T_TEST, id, S_DEV_INACT),
	    SYM32(T_TEST, dmabuf_attach.fd, S_LATE_FD),
	    SET32(T_TEST, dmabuf_attach.alignment, 3)),
	ROW("test: dma-buf attach, boundary mask 0x1000", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_DMABUF_ATTACH), SYM32(T_TEST, id, S_DEV_INACT),
	    SYM32(T_TEST, dmabuf_attach.fd, S_LATE_FD),
	    SET64(T_TEST, dmabuf_attach.segment_boundary_mask, SZ_4K)),
	ROW("test: dma-buf attach, fd -1", VCM_TEST, EBADF,
	    SET32(T_TEST, op, VCM_TEST_OP_DMABUF_ATTACH), SYM32(T_TEST, id, S_DEV_INACT),
	    SET32(T_TEST, dmabuf_attach.fd, -1)),
	ROW("test: dma-buf attach, a pipe", VCM_TEST, EINVAL,
	    SET32(T_TEST, op, VCM_TEST_OP_DMABUF_ATTACH), SYM32(T_TEST, id, S_DEV_INACT),
	    SYM32(T_TEST, dmabuf_attach.fd, S_PIPE_FD)),
	ROW("test: dma-buf attach by a removed device", VCM_TEST, ENODEV,
	    SET32(T_TEST, op, VCM_TEST_OP_DMABUF_ATTACH), SYM32(T_TEST, id, S_DEV_DEAD),
	    SYM32(T_TEST, dmabuf_attach.fd, S_LATE_FD)),
	ROW("test: dma-buf map of a device id", VCM_TEST, ENOENT,
	    SET32(T_TEST, op, VCM_TEST_OP_DMABUF_MAP), SYM32(T_TEST, id, S_DEV)),
	ROW("test: dma-buf unmap of a VCM id", VCM_TEST, ENOENT,
	    SET32(T_TEST, op, VCM_TEST_OP_DMABUF_UNMAP), SYM32(T_TEST, id, S_VCM)),
};

/* The fixture's objects and memory */
struct hctx {
	int fd;
	int fd2;
	__u64 sym[S_NR];
	void *res_map;		/* RES, mmap()ed */
	__u8 *argpage;		/* a writable page, then an unmapped one */
	void *buf;
	void *ro_buf;
	void *unmapped;
	void *scratch;
};

FIXTURE(vcm_hostile)
{
	struct hctx h;
};

static __u32 mk_vcm(struct __test_metadata *_metadata, int fd, __u64 start, __u64 len)
{
	__u32 id = 0;

	ASSERT_EQ(0, _test_ioctl_vcm_create(fd, start, len, &id));
	ASSERT_NE(0, id);
	return id;
}

static __u32 mk_dev(struct __test_metadata *_metadata, int fd, __u32 instance,
		    __u32 flags, __u32 dma_bits)
{
	__u32 id = 0;

	ASSERT_EQ(0, _test_cmd_dev_create(fd, instance, flags, dma_bits, &id));
	ASSERT_NE(0, id);
	return id;
}

static __u32 mk_assoc(struct __test_metadata *_metadata, int fd, __u32 vcm_id,
		      __u32 dev_id)
{
	__u32 id = 0;

	ASSERT_EQ(0, _test_ioctl_assoc(fd, vcm_id, dev_id, 0, 0, &id));
	ASSERT_NE(0, id);
	return id;
}

/* @len bytes in @vcm_id's page sizes, or in 4 KiB blocks if @vcm_id is 0 */
static __u32 mk_phys(struct __test_metadata *_metadata, int fd, __u32 vcm_id,
		     __u32 flags, __u64 len)
{
	__u32 id = 0;

	ASSERT_EQ(0, _test_ioctl_phys_alloc(fd, flags, len, vcm_id ? 0 : SZ_4K,
					    vcm_id, &id, NULL, NULL));
	ASSERT_NE(0, id);
	return id;
}

static __u32 mk_res(struct __test_metadata *_metadata, int fd, __u32 vcm_id,
		    __u32 flags, __u64 addr, __u64 len)
{
	__u32 id = 0;

	ASSERT_EQ(0, _test_ioctl_reserve(fd, vcm_id, VCM_RESERVE_FIXED | flags, len, 0,
					 &addr, &id));
	ASSERT_NE(0, id);
	return id;
}

static int mk_export(struct __test_metadata *_metadata, int fd, __u32 res_id)
{
	int dfd = -1;

	ASSERT_EQ(0, _test_ioctl_export(fd, res_id, 0, &dfd));
	ASSERT_LE(0, dfd);
	return dfd;
}

static void *mk_map(struct __test_metadata *_metadata, size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	return p;
}

static __u64 fill_word(__u64 i)
{
	return (i + 1) * 0x9e3779b97f4a7c15ULL;
}

FIXTURE_SETUP(vcm_hostile)
{
	struct hctx *h = &self->h;
	__u64 *s = h->sym, *w;
	struct sysinfo si;
	__u32 probe;
	int p[2], fd, fd2, i;

	memset(s, 0, sizeof(h->sym));
	h->fd2 = -1;
	h->fd = vcm_open(_metadata);
	fd = h->fd;

	s[S_VCM] = mk_vcm(_metadata, fd, VCM_START, VCM_LEN);
	s[S_VCM2] = mk_vcm(_metadata, fd, VCM_START, VCM_LEN);
	s[S_VCM3] = mk_vcm(_metadata, fd, VCM_START, 8 * SZ_4K);
	s[S_VCM4] = mk_vcm(_metadata, fd, 0, 0 - SZ_4K);

	s[S_DEV] = mk_dev(_metadata, fd, VCM_MOCK_LPAE_4K, 0, 0);
	s[S_ASSOC] = mk_assoc(_metadata, fd, s[S_VCM], s[S_DEV]);
	ASSERT_EQ(0, _test_ioctl_activate(fd, s[S_ASSOC]));
	s[S_DEV_INACT] = mk_dev(_metadata, fd, VCM_MOCK_LPAE_4K, 0, 0);
	s[S_ASSOC_INACT] = mk_assoc(_metadata, fd, s[S_VCM], s[S_DEV_INACT]);
	s[S_DEV_PASID] = mk_dev(_metadata, fd, VCM_MOCK_LPAE_4K, VCM_TEST_DEV_PASID, 0);
	s[S_DEV_NOIOMMU] = mk_dev(_metadata, fd, 0, VCM_TEST_DEV_NO_IOMMU, 0);
	s[S_DEV16] = mk_dev(_metadata, fd, VCM_MOCK_LPAE_4K, 0, 16);
	s[S_ASSOC3] = mk_assoc(_metadata, fd, s[S_VCM3], s[S_DEV16]);
	s[S_DEV_DEAD] = mk_dev(_metadata, fd, VCM_MOCK_LPAE_4K, 0, 0);
	s[S_ASSOC_DEAD] = mk_assoc(_metadata, fd, s[S_VCM], s[S_DEV_DEAD]);
	ASSERT_EQ(0, _test_cmd_dev_remove(fd, s[S_DEV_DEAD]));

	s[S_PHYS] = mk_phys(_metadata, fd, s[S_VCM], 0, SZ_1M);
	s[S_RES] = mk_res(_metadata, fd, s[S_VCM], RW, RES_ADDR, SZ_1M);
	ASSERT_EQ(0, _test_ioctl_back(fd, s[S_RES], s[S_PHYS]));
	s[S_PHYS_FREE] = mk_phys(_metadata, fd, s[S_VCM], 0, SZ_1M);
	s[S_PHYS_SMALL] = mk_phys(_metadata, fd, s[S_VCM], 0, SZ_64K);
	s[S_PHYS2] = mk_phys(_metadata, fd, s[S_VCM], 0, SZ_64K);
	s[S_RES2] = mk_res(_metadata, fd, s[S_VCM], RW, RES2_ADDR, SZ_64K);
	ASSERT_EQ(0, _test_ioctl_back(fd, s[S_RES2], s[S_PHYS2]));
	s[S_RES_FREE] = mk_res(_metadata, fd, s[S_VCM], RW, RES_FREE_ADDR, SZ_64K);
	s[S_RES_WC] = mk_res(_metadata, fd, s[S_VCM], RW | VCM_RESERVE_WC, RES_WC_ADDR,
			     SZ_64K);
	s[S_PHYS_EXP] = mk_phys(_metadata, fd, s[S_VCM], 0, SZ_64K);
	s[S_RES_EXP] = mk_res(_metadata, fd, s[S_VCM], RW, RES_EXP_ADDR, SZ_64K);
	ASSERT_EQ(0, _test_ioctl_back(fd, s[S_RES_EXP], s[S_PHYS_EXP]));
	s[S_EXP_FD] = mk_export(_metadata, fd, s[S_RES_EXP]);
	ASSERT_EQ(0, _test_ioctl_import(fd, s[S_EXP_FD], &probe, NULL, NULL, NULL));
	s[S_PHYS_IMP] = probe;
	s[S_RES_IMP] = mk_res(_metadata, fd, s[S_VCM], RW, RES_IMP_ADDR, SZ_64K);
	ASSERT_EQ(0, _test_ioctl_back(fd, s[S_RES_IMP], s[S_PHYS_IMP]));
	s[S_RES_LATE] = mk_res(_metadata, fd, s[S_VCM], RW, RES_LATE_ADDR, SZ_64K);
	s[S_LATE_FD] = mk_export(_metadata, fd, s[S_RES_LATE]);
	s[S_PHYS_SPARE] = mk_phys(_metadata, fd, 0, 0, SZ_4K);
	s[S_RES4] = mk_res(_metadata, fd, s[S_VCM4], RW, SZ_1T, SZ_4K);

	/* Known contents: RES through its user mapping, RES2 by CPU access */
	h->res_map = mmap(NULL, SZ_1M, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			  (off_t)s[S_RES] * page_size);
	ASSERT_NE(MAP_FAILED, h->res_map);
	w = h->res_map;
	for (i = 0; i < SZ_1M / 8; i++)
		w[i] = fill_word(i);
	h->scratch = malloc(SZ_64K);
	ASSERT_NE(NULL, h->scratch);
	w = h->scratch;
	for (i = 0; i < SZ_64K / 8; i++)
		w[i] = ~fill_word(i);
	ASSERT_EQ(0, _test_ioctl_cpu_access(fd, VCM_CPU_WRITE, s[S_RES2], 0, h->scratch,
					    SZ_64K));

	/* Objects of each type, destroyed: their ids are stale */
	s[S_STALE_DEV] = mk_dev(_metadata, fd, VCM_MOCK_LPAE_4K, 0, 0);
	ASSERT_EQ(0, _test_ioctl_destroy(fd, s[S_STALE_DEV]));
	s[S_STALE_ASSOC] = mk_assoc(_metadata, fd, s[S_VCM2], s[S_DEV_PASID]);
	ASSERT_EQ(0, _test_ioctl_destroy(fd, s[S_STALE_ASSOC]));
	s[S_STALE_PHYS] = mk_phys(_metadata, fd, 0, 0, SZ_4K);
	ASSERT_EQ(0, _test_ioctl_destroy(fd, s[S_STALE_PHYS]));
	s[S_STALE_RES] = mk_res(_metadata, fd, s[S_VCM], RW, STALE_RES_ADDR, SZ_4K);
	ASSERT_EQ(0, _test_ioctl_destroy(fd, s[S_STALE_RES]));
	/* The last id this file gave out: ids go on cyclically from it */
	s[S_STALE_VCM] = mk_vcm(_metadata, fd, VCM_START, VCM_LEN);
	ASSERT_EQ(0, _test_ioctl_destroy(fd, s[S_STALE_VCM]));

	/*
	 * Another open file, with objects whose ids were never given out in
	 * this one: a foreign id is not just a number this file also uses.
	 */
	h->fd2 = open("/dev/vcm", O_RDWR);
	ASSERT_NE(-1, h->fd2);
	fd2 = h->fd2;
	do {
		if (s[S_FOREIGN_VCM])
			ASSERT_EQ(0, _test_ioctl_destroy(fd2, s[S_FOREIGN_VCM]));
		s[S_FOREIGN_VCM] = mk_vcm(_metadata, fd2, VCM_START, VCM_LEN);
	} while (s[S_FOREIGN_VCM] <= s[S_STALE_VCM]);
	s[S_FOREIGN_DEV] = mk_dev(_metadata, fd2, VCM_MOCK_LPAE_4K, 0, 0);
	s[S_FOREIGN_ASSOC] = mk_assoc(_metadata, fd2, s[S_FOREIGN_VCM], s[S_FOREIGN_DEV]);
	s[S_FOREIGN_PHYS] = mk_phys(_metadata, fd2, 0, 0, SZ_4K);
	s[S_FOREIGN_RES] = mk_res(_metadata, fd2, s[S_FOREIGN_VCM], RW, VCM_START, SZ_4K);

	/* Files that are not dma-bufs, and an fd number that is not open */
	s[S_SELF_FD] = fd;
	ASSERT_EQ(0, pipe(p));
	s[S_PIPE_FD] = p[0];
	s[S_CLOSED_FD] = fcntl(p[1], F_DUPFD, 900);
	ASSERT_LE(900, (int)s[S_CLOSED_FD]);
	ASSERT_EQ(0, close(s[S_CLOSED_FD]));
	ASSERT_EQ(0, close(p[1]));
	s[S_OPATH_FD] = open("/dev/vcm", O_PATH);
	ASSERT_LE(0, (int)s[S_OPATH_FD]);

	/* User memory: writable, read-only, none; a page with a hole after it */
	h->buf = mk_map(_metadata, BUF_LEN, PROT_READ | PROT_WRITE);
	s[S_BUF] = (uintptr_t)h->buf;
	h->ro_buf = mk_map(_metadata, SZ_64K, PROT_READ);
	s[S_RO_BUF] = (uintptr_t)h->ro_buf;
	h->unmapped = mk_map(_metadata, SZ_64K, PROT_NONE);
	s[S_UNMAPPED] = (uintptr_t)h->unmapped;
	h->argpage = mk_map(_metadata, 2 * page_size, PROT_READ | PROT_WRITE);
	ASSERT_EQ(0, mprotect(h->argpage + page_size, page_size, PROT_NONE));

	ASSERT_EQ(0, sysinfo(&si));
	s[S_TOTALRAM] = (__u64)si.totalram * si.mem_unit;
}

FIXTURE_TEARDOWN(vcm_hostile)
{
	struct hctx *h = &self->h;
	const enum hsym fds[] = { S_EXP_FD, S_LATE_FD, S_PIPE_FD, S_OPATH_FD };
	unsigned int i;

	if (h->res_map && h->res_map != MAP_FAILED)
		munmap(h->res_map, SZ_1M);
	for (i = 0; i < ARRAY_SIZE(fds); i++)
		if (h->sym[fds[i]])
			close(h->sym[fds[i]]);
	if (h->fd2 != -1)
		close(h->fd2);
	if (h->fd != -1)
		EXPECT_EQ(0, close(h->fd));
	free(h->scratch);
}

/* Everything a refused call must leave as it was */
#define HSTATE_MAX	128

struct hstate {
	unsigned int n;
	const char *obj[HSTATE_MAX];
	const char *what[HSTATE_MAX];
	__u64 v[HSTATE_MAX];
};

/* An ioctl of the snapshot itself failed: its errno, marked */
#define HERR(e)		(0x8000000000000000ULL | (__u64)(e))

static void hput(struct hstate *st, const char *obj, const char *what, __u64 v)
{
	if (st->n == HSTATE_MAX)
		return;
	st->obj[st->n] = obj;
	st->what[st->n] = what;
	st->v[st->n++] = v;
}

static __u64 hhash(const void *p, size_t len)
{
	const __u64 *w = p;
	__u64 h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len / 8; i++) {
		h ^= w[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static const struct {
	enum hsym sym;
	const char *name;
} st_vcms[] = {
	{ S_VCM, "VCM" }, { S_VCM2, "VCM2" }, { S_VCM3, "VCM3" }, { S_VCM4, "VCM4" },
}, st_res[] = {
	{ S_RES, "RES" }, { S_RES_FREE, "RES_FREE" }, { S_RES_WC, "RES_WC" },
	{ S_RES2, "RES2" }, { S_RES_EXP, "RES_EXP" }, { S_RES_IMP, "RES_IMP" },
	{ S_RES_LATE, "RES_LATE" }, { S_RES4, "RES4" },
}, st_assocs[] = {
	{ S_ASSOC, "domain of ASSOC" }, { S_ASSOC3, "domain of ASSOC3" },
}, st_phys[] = {
	{ S_PHYS, "PHYS" }, { S_PHYS_FREE, "PHYS_FREE" }, { S_PHYS_SMALL, "PHYS_SMALL" },
	{ S_PHYS2, "PHYS2" }, { S_PHYS_EXP, "PHYS_EXP" }, { S_PHYS_IMP, "PHYS_IMP" },
	{ S_PHYS_SPARE, "PHYS_SPARE" },
}, st_dmabufs[] = {
	{ S_EXP_FD, "EXP_FD" }, { S_LATE_FD, "LATE_FD" },
};

static void hsnap(struct hctx *h, struct hstate *st)
{
	const __u64 *s = h->sym;
	struct vcm_test_cmd cmd;
	int fd = h->fd, nfds;
	unsigned int i, j;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < ARRAY_SIZE(st_vcms); i++) {
		const char *o = st_vcms[i].name;
		struct vcm_info info;

		if (_test_ioctl_vcm_info(fd, s[st_vcms[i].sym], &info)) {
			hput(st, o, "VCM_INFO", HERR(errno));
			continue;
		}
		hput(st, o, "start", info.out_start);
		hput(st, o, "len", info.out_len);
		hput(st, o, "pgsizes", info.out_pgsizes);
		hput(st, o, "nr_res", info.out_nr_res);
		hput(st, o, "nr_backed", info.out_nr_backed);
		hput(st, o, "nr_assoc", info.out_nr_assoc);
		hput(st, o, "nr_domains", info.out_nr_domains);
		hput(st, o, "nr_faults", info.out_nr_faults);
	}
	for (i = 0; i < ARRAY_SIZE(st_res); i++) {
		const char *o = st_res[i].name;
		__u32 domains, pages, mismatches;

		if (_test_cmd_check_map(fd, s[st_res[i].sym], &domains, &pages,
					&mismatches)) {
			hput(st, o, "CHECK_MAP", HERR(errno));
			continue;
		}
		hput(st, o, "domains", domains);
		hput(st, o, "pages", pages);
		hput(st, o, "mismatches", mismatches);
	}
	for (i = 0; i < ARRAY_SIZE(st_assocs); i++) {
		const char *o = st_assocs[i].name;
		__u64 mapped = 0, unmapped = 0;

		if (_test_cmd_domain_stats(fd, s[st_assocs[i].sym], 0, false, &cmd)) {
			hput(st, o, "DOMAIN_STATS", HERR(errno));
			continue;
		}
		for (j = 0; j < VCM_TEST_PGSIZE_SLOTS; j++) {
			mapped += cmd.domain_stats.out_ptes_mapped[j];
			unmapped += cmd.domain_stats.out_ptes_unmapped[j];
		}
		hput(st, o, "ptes_mapped", mapped);
		hput(st, o, "ptes_unmapped", unmapped);
		hput(st, o, "map_calls", cmd.domain_stats.out_map_calls);
		hput(st, o, "unmap_calls", cmd.domain_stats.out_unmap_calls);
		hput(st, o, "iotlb_sync_map", cmd.domain_stats.out_iotlb_sync_map);
		hput(st, o, "iotlb_sync", cmd.domain_stats.out_iotlb_sync);
		hput(st, o, "flush_all", cmd.domain_stats.out_flush_all);
		hput(st, o, "attach", cmd.domain_stats.out_attach);
	}
	/* An allocation's block count: room for none is -EMSGSIZE, with it */
	for (i = 0; i < ARRAY_SIZE(st_phys); i++) {
		struct vcm_phys_segments seg = {
			.size = sizeof(seg),
			.phys_id = s[st_phys[i].sym],
		};

		if (ioctl(fd, VCM_PHYS_SEGMENTS, &seg) && errno != EMSGSIZE)
			hput(st, st_phys[i].name, "PHYS_SEGMENTS", HERR(errno));
		else
			hput(st, st_phys[i].name, "nr_blocks", seg.nr_blocks);
	}
	hput(st, "RES", "contents", hhash(h->res_map, SZ_1M));
	if (_test_ioctl_cpu_access(fd, VCM_CPU_READ, s[S_RES2], 0, h->scratch, SZ_64K))
		hput(st, "RES2", "VCM_CPU_ACCESS", HERR(errno));
	else
		hput(st, "RES2", "contents", hhash(h->scratch, SZ_64K));
	for (i = 0; i < ARRAY_SIZE(st_dmabufs); i++) {
		const char *o = st_dmabufs[i].name;
		struct vcm_dmabuf_info info;

		if (_test_ioctl_dmabuf_info(fd, s[st_dmabufs[i].sym], &info)) {
			hput(st, o, "VCM_DMABUF_INFO", HERR(errno));
			continue;
		}
		hput(st, o, "flags", info.out_flags);
		hput(st, o, "nr_attach", info.out_nr_attach);
		hput(st, o, "nr_segments", info.out_nr_segments);
		hput(st, o, "nr_moves", info.out_nr_moves);
	}
	nfds = nr_open_fds();
	hput(st, "process", "open fds", nfds < 0 ? HERR(errno) : nfds);
}

/* Logs what differs; returns how many values do */
static unsigned int hdiff(struct __test_metadata *_metadata, const char *name,
			  const struct hstate *a, const struct hstate *b)
{
	unsigned int i, n = 0;

	for (i = 0; i < a->n && i < b->n; i++) {
		if (a->v[i] == b->v[i] && a->what[i] == b->what[i])
			continue;
		TH_LOG("%s: %s %s was 0x%llx, is 0x%llx (%s)", name, a->obj[i], a->what[i],
		       (unsigned long long)a->v[i], (unsigned long long)b->v[i], b->what[i]);
		n++;
	}
	if (a->n != b->n) {
		TH_LOG("%s: %u state values, then %u", name, a->n, b->n);
		n++;
	}
	return n;
}

static void happly(const __u64 *s, const struct hset *set, unsigned int nr, __u8 *p)
{
	unsigned int i;

	for (i = 0; i < nr && set[i].width; i++) {
		__u64 v = (set[i].sym ? s[set[i].sym] : 0) + set[i].add;
		__u32 v32 = v;

		if (set[i].width == 8)
			memcpy(p + set[i].off, &v, 8);
		else
			memcpy(p + set[i].off, &v32, 4);
	}
}

/* A call that was to be refused was not: undo what it made, if it made any */
static void hundo(int fd, unsigned long req, const void *p)
{
	const struct vcm_test_cmd *t = p;
	const struct vcm_back *b = p;

	switch (req) {
	case VCM_CREATE:
		_test_ioctl_destroy(fd, ((const struct vcm_create *)p)->out_vcm_id);
		break;
	case VCM_ASSOC:
		_test_ioctl_destroy(fd, ((const struct vcm_associate *)p)->out_assoc_id);
		break;
	case VCM_ACTIVATE:
		_test_ioctl_deactivate(fd, ((const struct vcm_activate *)p)->assoc_id);
		break;
	case VCM_DEACTIVATE:
		_test_ioctl_activate(fd, ((const struct vcm_activate *)p)->assoc_id);
		break;
	case VCM_PHYS_ALLOC:
		_test_ioctl_destroy(fd, ((const struct vcm_phys_alloc *)p)->out_phys_id);
		break;
	case VCM_RESERVE:
		_test_ioctl_destroy(fd, ((const struct vcm_reserve *)p)->out_res_id);
		break;
	case VCM_BACK:
		_test_ioctl_unback(fd, b->res_id);
		break;
	case VCM_EXPORT:
		close(((const struct vcm_export *)p)->out_fd);
		break;
	case VCM_IMPORT:
		_test_ioctl_destroy(fd, ((const struct vcm_import *)p)->out_phys_id);
		break;
	case VCM_TEST:
		if (t->op == VCM_TEST_OP_DEV_CREATE)
			_test_ioctl_destroy(fd, t->dev_create.out_dev_id);
		else if (t->op == VCM_TEST_OP_DMABUF_ATTACH)
			_test_ioctl_destroy(fd, t->dmabuf_attach.out_attach_id);
		break;
	}
}

/* Runs one case; true if it was refused as expected and changed nothing */
static bool hrun(struct __test_metadata *_metadata, struct hctx *h,
		 const struct hcase *c)
{
	__u8 *page = h->argpage, *cmd = page;
	struct hstate before, after;
	__u32 natural, size = 0;
	void *arg = page;
	bool ok = true;
	int ret, err;

	hsnap(h, &before);
	memset(page, 0, page_size);
	natural = hbase(h->sym, c->req, page);
	happly(h->sym, c->set, HSET_MAX, page);
	switch (c->size) {
	case HS_NAT:
		size = natural;
		break;
	case HS_SHORT:
		size = natural - 1;
		break;
	case HS_ZERO:
		size = 0;
		break;
	case HS_HEAD:
		size = sizeof(__u32);
		break;
	case HS_DIRTY:
		size = natural + 8;
		page[size - 1] = 0xff;
		break;
	}
	switch (c->arg) {
	case HA_BUF:
		break;
	case HA_NULL:
		arg = NULL;
		break;
	case HA_KERNEL:
		arg = (void *)(uintptr_t)KERNEL_PTR;
		break;
	case HA_GUARD:
	case HA_GUARD_HUGE:
		cmd = page + page_size - natural;
		memmove(cmd, page, natural);
		size = c->arg == HA_GUARD ? natural + 64 : UINT32_MAX;
		arg = cmd;
		break;
	}
	if (arg == cmd)
		memcpy(cmd, &size, sizeof(size));

	ret = ioctl(h->fd, c->req, arg);
	err = errno;
	if (!ret)
		hundo(h->fd, c->req, cmd);
	hsnap(h, &after);

	if (ret != -1 || err != c->err) {
		TH_LOG("%s: returned %d, errno %d (%s), expected errno %d (%s)", c->name, ret,
		       ret ? err : 0, ret ? strerror(err) : "none", c->err, strerror(c->err));
		ok = false;
	}
	if (hdiff(_metadata, c->name, &before, &after))
		ok = false;
	return ok;
}

/*
 * Every case of the tables is refused with its errno and leaves the state
 * as it found it. Cases that go wrong are all logged before the test fails.
 */
TEST_F_TIMEOUT(vcm_hostile, refused_and_unchanged, 300)
{
	struct hctx *h = &self->h;
	unsigned int i, j, n = 0, bad = 0;
	struct hcase c;
	char name[96];

	for (i = 0; i < ARRAY_SIZE(hcases); i++, n++)
		bad += !hrun(_metadata, h, &hcases[i]);
	for (i = 0; i < ARRAY_SIZE(vcm_ioctls); i++) {
		for (j = 0; j < ARRAY_SIZE(hsizes); j++, n++) {
			snprintf(name, sizeof(name), "%s: %s", vcm_ioctls[i].name,
				 hsizes[j].what);
			c = (struct hcase){ .name = name, .req = vcm_ioctls[i].req,
					    .err = hsizes[j].err, .size = hsizes[j].size };
			bad += !hrun(_metadata, h, &c);
		}
	}
	for (i = 0; i < ARRAY_SIZE(vcm_bad_fields); i++, n++) {
		const struct vcm_bad_field *f = &vcm_bad_fields[i];

		c = (struct hcase){ .name = f->name, .req = f->req, .err = f->err,
				    .set = { { f->off, 4, S_LIT, f->val } } };
		bad += !hrun(_metadata, h, &c);
	}
	for (i = 0; i < ARRAY_SIZE(vcm_bad_ioctls); i++, n++) {
		c = (struct hcase){ .name = vcm_bad_ioctls[i].name,
				    .req = vcm_bad_ioctls[i].req, .err = ENOTTY };
		bad += !hrun(_metadata, h, &c);
	}
	if (!bad)
		ksft_print_msg("%u hostile cases, all refused with their errno, state unchanged\n",
			       n);
	else
		ksft_print_msg("%u of %u hostile cases went wrong\n", bad, n);
	EXPECT_LE(70, n);
	ASSERT_EQ(0, bad);
}

/*
 * A struct longer than the kernel's, with a zero tail, is accepted: one call
 * of each ioctl that succeeds, sized sizeof + 64. In order: later calls use
 * what earlier ones made (.save), and the state is as before at the end.
 */
static const struct hcase pcases[] = {
	{ .name = "info", .req = VCM_INFO },
	{ .name = "create", .req = VCM_CREATE,
	  .save = { SYM32(T_CREATE, out_vcm_id, S_NEW_VCM) } },
	{ .name = "destroy a VCM", .req = VCM_DESTROY,
	  .set = { SYM32(T_DESTROY, id, S_NEW_VCM) } },
	{ .name = "phys_alloc", .req = VCM_PHYS_ALLOC,
	  .save = { SYM32(T_ALLOC, out_phys_id, S_NEW_PHYS) } },
	{ .name = "phys_segments", .req = VCM_PHYS_SEGMENTS,
	  .set = { SYM32(T_SEG, phys_id, S_NEW_PHYS) } },
	{ .name = "reserve", .req = VCM_RESERVE,
	  .save = { SYM32(T_RSV, out_res_id, S_NEW_RES), SYM64(T_RSV, addr, S_NEW_ADDR) } },
	{ .name = "back", .req = VCM_BACK,
	  .set = { SYM32(T_BACK, res_id, S_NEW_RES), SYM32(T_BACK, phys_id, S_NEW_PHYS) } },
	{ .name = "translate", .req = VCM_TRANSLATE,
	  .set = { SYM64(T_XLATE, addr, S_NEW_ADDR) } },
	{ .name = "cpu_access", .req = VCM_CPU_ACCESS,
	  .set = { SYM32(T_CPU, res_id, S_NEW_RES) } },
	{ .name = "unback", .req = VCM_UNBACK, .set = { SYM32(T_BACK, res_id, S_NEW_RES) } },
	{ .name = "export", .req = VCM_EXPORT, .set = { SYM32(T_EXPORT, res_id, S_NEW_RES) },
	  .save = { SYM32(T_EXPORT, out_fd, S_NEW_FD) } },
	{ .name = "dmabuf_info", .req = VCM_DMABUF_INFO, .set = { SYM32(T_DBI, fd, S_NEW_FD) } },
	{ .name = "import", .req = VCM_IMPORT,
	  .save = { SYM32(T_IMPORT, out_phys_id, S_NEW_IMP) } },
	{ .name = "destroy an import", .req = VCM_DESTROY,
	  .set = { SYM32(T_DESTROY, id, S_NEW_IMP) } },
	{ .name = "assoc", .req = VCM_ASSOC,
	  .save = { SYM32(T_ASSOC, out_assoc_id, S_NEW_ASSOC) } },
	{ .name = "activate", .req = VCM_ACTIVATE,
	  .set = { SYM32(T_ACT, assoc_id, S_NEW_ASSOC) } },
	{ .name = "deactivate", .req = VCM_DEACTIVATE,
	  .set = { SYM32(T_ACT, assoc_id, S_NEW_ASSOC) } },
	{ .name = "destroy an association", .req = VCM_DESTROY,
	  .set = { SYM32(T_DESTROY, id, S_NEW_ASSOC) } },
	{ .name = "test: domain stats", .req = VCM_TEST },
};

TEST_F(vcm_hostile, oversized_zero_tail_accepted)
{
	struct hctx *h = &self->h;
	__u64 *s = h->sym;
	struct hstate before, after;
	unsigned int i, j;
	int flags;

	hsnap(h, &before);
	for (i = 0; i < ARRAY_SIZE(pcases); i++) {
		const struct hcase *c = &pcases[i];
		__u8 *p = h->argpage;
		__u32 size;

		memset(p, 0, page_size);
		size = hbase(s, c->req, p) + 64;
		happly(s, c->set, HSET_MAX, p);
		memcpy(p, &size, sizeof(size));
		EXPECT_EQ(0, ioctl(h->fd, c->req, p))
			TH_LOG("%s, size sizeof + 64 with a zero tail: %s", c->name,
			       strerror(errno));
		for (j = 0; j < ARRAY_SIZE(c->save) && c->save[j].width; j++) {
			__u64 v = 0;

			memcpy(&v, p + c->save[j].off, c->save[j].width);
			s[c->save[j].sym] = v;
		}
	}

	/* The dma-buf is read-write and close-on-exec, as documented */
	ASSERT_NE(0, s[S_NEW_FD]);
	flags = fcntl(s[S_NEW_FD], F_GETFD);
	EXPECT_NE(0, flags & FD_CLOEXEC);
	flags = fcntl(s[S_NEW_FD], F_GETFL);
	EXPECT_EQ(O_RDWR, flags & O_ACCMODE);

	EXPECT_EQ(0, close(s[S_NEW_FD]));
	EXPECT_EQ(0, _test_ioctl_destroy(h->fd, s[S_NEW_RES]));
	EXPECT_EQ(0, _test_ioctl_destroy(h->fd, s[S_NEW_PHYS]));
	if (s[S_NEW_RES2])
		EXPECT_EQ(0, _test_ioctl_destroy(h->fd, s[S_NEW_RES2]));
	hsnap(h, &after);
	/*
	 * The successful back and unback above wrote and cleared PTEs: the
	 * domains' call and PTE counters moved, the mappings themselves
	 * (CHECK_MAP) and everything else must be as before.
	 */
	for (i = 0; i < before.n && i < after.n; i++) {
		if (!strncmp(before.obj[i], "domain", 6))
			after.v[i] = before.v[i];
	}
	EXPECT_EQ(0, hdiff(_metadata, "after the oversized calls", &before, &after));
}

/* Drops CAP_SYS_ADMIN from every set; 0 or -1 */
static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	const unsigned int i = CAP_TO_INDEX(CAP_SYS_ADMIN);
	const __u32 bit = CAP_TO_MASK(CAP_SYS_ADMIN);

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[i].effective &= ~bit;
	data[i].permitted &= ~bit;
	data[i].inheritable &= ~bit;
	if (syscall(SYS_capset, &hdr, data))
		return -1;
	if (syscall(SYS_capget, &hdr, data) || (data[i].effective & bit))
		return -1;
	return 0;
}

static int become_nobody(void)
{
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return -1;
	return 0;
}

#define CHILD_SETUP_FAILED	254
#define CHILD_OPENED		255

/*
 * In a child: @drop, then open @path read-write. Returns open()'s errno, 0
 * if it failed without one, CHILD_OPENED if it succeeded.
 */
static int open_errno_as(int (*drop)(void), const char *path)
{
	int status, fd;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (drop())
			_exit(CHILD_SETUP_FAILED);
		fd = open(path, O_RDWR);
		if (fd >= 0)
			_exit(CHILD_OPENED);
		_exit(errno < CHILD_SETUP_FAILED ? errno : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * /dev/vcm programs IOMMUs and hands out physical memory: root only. The
 * node is 0600, and the driver's open() itself wants CAP_SYS_ADMIN,
 * whatever the node's mode.
 */
TEST(root_only)
{
	char dir[] = "/tmp/vcm_hostile.XXXXXX", node[64];
	struct stat st;
	int fd;

	if (geteuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, stat("/dev/vcm", &st)) TH_LOG("/dev/vcm: %s", strerror(errno));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	fd = open("/dev/vcm", O_RDWR);
	ASSERT_LE(0, fd) TH_LOG("root cannot open /dev/vcm: %s", strerror(errno));
	EXPECT_EQ(0, close(fd));

	/* Root without CAP_SYS_ADMIN: the mode lets it in, the driver does not */
	EXPECT_EQ(EPERM, open_errno_as(drop_cap_sys_admin, "/dev/vcm"));
	/* Another user: the mode keeps it out */
	EXPECT_EQ(EACCES, open_errno_as(become_nobody, "/dev/vcm"));

	/* A copy of the node anyone may open: the driver still refuses */
	if (!mkdtemp(dir)) {
		TH_LOG("%s: %s, no device node copy", dir, strerror(errno));
		return;
	}
	EXPECT_EQ(0, chmod(dir, 0711));
	snprintf(node, sizeof(node), "%s/vcm", dir);
	if (mknod(node, S_IFCHR | 0666, st.st_rdev)) {
		TH_LOG("no device node copy in %s: %s", dir, strerror(errno));
	} else {
		EXPECT_EQ(0, chmod(node, 0666));
		fd = open(node, O_RDWR);
		if (fd < 0) {
			TH_LOG("%s: %s (nodev mount?), not checked", node, strerror(errno));
		} else {
			EXPECT_EQ(0, close(fd));
			EXPECT_EQ(EPERM, open_errno_as(become_nobody, node));
		}
		EXPECT_EQ(0, unlink(node));
	}
	EXPECT_EQ(0, rmdir(dir));
}

/* mmap()s @len bytes of @fd at page @pgoff; 0 or mmap()'s errno */
static int mmap_errno(int fd, size_t len, int flags, __u64 pgoff)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, (off_t)(pgoff * page_size));

	if (p == MAP_FAILED)
		return errno;
	munmap(p, len);
	return 0;
}

static bool all_zero(const void *p, size_t len)
{
	const __u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

/*
 * No ioctl takes a physical address and none returns one: addresses going
 * in and out are device addresses in a VCM (VCM_CREATE, VCM_RESERVE,
 * VCM_TRANSLATE, VCM_DMABUF_INFO) or user pointers (block_orders, uptr);
 * VCM_PHYS_SEGMENTS gives block orders. The only memory the user can map
 * or read is a zeroed VCM_PHYS_ALLOC allocation (through mmap() of a
 * reservation it backs, or VCM_CPU_ACCESS) or an imported dma-buf, which
 * is reached through the dma-buf only. mmap() at an offset that is not a
 * backed reservation's id maps nothing: vcm_fops_mmap() says -EINVAL above
 * U32_MAX and -ENOENT for an id that is not a reservation.
 */
TEST(no_user_physical_addresses)
{
	static const __u32 alloc_flags[] = {
		0, VCM_PHYS_WC, VCM_PHYS_UNCACHED, VCM_PHYS_CONTIG,
	};
	__u32 vcm_id, vcm2_id, dev_id, assoc_id, phys_id, res_id, res2_id, res_free;
	__u32 res_exp, phys_imp, res_imp, nr, i, b;
	struct vcm_dmabuf_info dinfo;
	__u64 addr = 16 * SZ_1M, out = 0, sum;
	__u8 *buf, *orders;
	int fd, dfd;
	void *map;

	fd = vcm_open(_metadata);
	buf = malloc(SZ_1M);
	orders = malloc(BUF_BLOCKS);
	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, orders);

	vcm_id = mk_vcm(_metadata, fd, VCM_START, VCM_LEN);
	dev_id = mk_dev(_metadata, fd, VCM_MOCK_LPAE_4K, 0, 0);
	assoc_id = mk_assoc(_metadata, fd, vcm_id, dev_id);
	ASSERT_EQ(0, _test_ioctl_activate(fd, assoc_id));
	res_id = mk_res(_metadata, fd, vcm_id, RW, addr, SZ_1M);

	/* Dirty memory, then give it back: the allocator may hand it out again */
	phys_id = mk_phys(_metadata, fd, 0, 0, SZ_1M);
	ASSERT_EQ(0, _test_ioctl_back(fd, res_id, phys_id));
	map = mmap(NULL, SZ_1M, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   (off_t)res_id * page_size);
	ASSERT_NE(MAP_FAILED, map);
	memset(map, 0xa5, SZ_1M);
	ASSERT_EQ(0, munmap(map, SZ_1M));
	ASSERT_EQ(0, _test_ioctl_cpu_access(fd, VCM_CPU_READ, res_id, 0, buf, SZ_1M));
	ASSERT_EQ(0xa5, buf[SZ_1M - 1]);
	ASSERT_EQ(0, _test_ioctl_unback(fd, res_id));
	ASSERT_EQ(0, _test_ioctl_destroy(fd, phys_id));

	/* Every new allocation reads as zero, seen by the CPU and the device */
	for (i = 0; i < ARRAY_SIZE(alloc_flags); i++) {
		phys_id = mk_phys(_metadata, fd, 0, alloc_flags[i], SZ_1M);
		nr = BUF_BLOCKS;
		ASSERT_EQ(0, _test_ioctl_phys_segments(fd, phys_id, &nr, orders));
		for (b = 0, sum = 0; b < nr; b++) {
			ASSERT_GT(64, orders[b]);
			sum += (__u64)page_size << orders[b];
		}
		EXPECT_EQ(SZ_1M, sum);
		ASSERT_EQ(0, _test_ioctl_back(fd, res_id, phys_id));
		memset(buf, 0x5a, SZ_1M);
		ASSERT_EQ(0, _test_ioctl_cpu_access(fd, VCM_CPU_READ, res_id, 0, buf, SZ_1M));
		EXPECT_TRUE(all_zero(buf, SZ_1M)) TH_LOG("flags 0x%x: CPU access", alloc_flags[i]);
		map = mmap(NULL, SZ_1M, PROT_READ, MAP_SHARED, fd, (off_t)res_id * page_size);
		ASSERT_NE(MAP_FAILED, map);
		EXPECT_TRUE(all_zero(map, SZ_1M)) TH_LOG("flags 0x%x: mmap()", alloc_flags[i]);
		ASSERT_EQ(0, munmap(map, SZ_1M));
		memset(buf, 0x5a, SZ_1M);
		ASSERT_EQ(0, _test_cmd_dma(fd, dev_id, 0, false, addr, buf, SZ_1M));
		EXPECT_TRUE(all_zero(buf, SZ_1M)) TH_LOG("flags 0x%x: device", alloc_flags[i]);
		ASSERT_EQ(0, _test_ioctl_unback(fd, res_id));
		ASSERT_EQ(0, _test_ioctl_destroy(fd, phys_id));
	}

	/* The same memory in two VCMs: translation gives device addresses */
	phys_id = mk_phys(_metadata, fd, 0, 0, SZ_1M);
	ASSERT_EQ(0, _test_ioctl_back(fd, res_id, phys_id));
	vcm2_id = mk_vcm(_metadata, fd, VCM_START, VCM_LEN);
	res2_id = mk_res(_metadata, fd, vcm2_id, RW, 3 * SZ_1M, SZ_1M);
	ASSERT_EQ(0, _test_ioctl_back(fd, res2_id, phys_id));
	ASSERT_EQ(0, _test_ioctl_translate(fd, vcm_id, addr + SZ_4K, vcm2_id, &out));
	EXPECT_EQ(3 * SZ_1M + SZ_4K, out);

	/* mmap() at offsets that are not reservations, or not mappable ones */
	res_free = mk_res(_metadata, fd, vcm_id, RW, 64 * SZ_1M, SZ_64K);
	EXPECT_EQ(ENOENT, mmap_errno(fd, SZ_4K, MAP_SHARED, 0));
	EXPECT_EQ(ENOENT, mmap_errno(fd, SZ_4K, MAP_SHARED, vcm_id));
	EXPECT_EQ(ENOENT, mmap_errno(fd, SZ_4K, MAP_SHARED, phys_id));
	EXPECT_EQ(ENOENT, mmap_errno(fd, SZ_4K, MAP_SHARED, dev_id));
	EXPECT_EQ(ENOENT, mmap_errno(fd, SZ_4K, MAP_SHARED, assoc_id));
	EXPECT_EQ(ENOENT, mmap_errno(fd, SZ_4K, MAP_SHARED, UINT32_MAX));
	EXPECT_EQ(EINVAL, mmap_errno(fd, SZ_4K, MAP_SHARED, 1ULL << 32));
	EXPECT_EQ(EINVAL, mmap_errno(fd, SZ_4K, MAP_SHARED, (1ULL << 32) + res_id));
	EXPECT_EQ(EINVAL, mmap_errno(fd, SZ_4K, MAP_SHARED, 1ULL << 50));
	EXPECT_EQ(EINVAL, mmap_errno(fd, SZ_4K, MAP_SHARED, res_free));
	EXPECT_EQ(EINVAL, mmap_errno(fd, SZ_4K, MAP_PRIVATE, res_id));
	EXPECT_EQ(EINVAL, mmap_errno(fd, SZ_1M + SZ_4K, MAP_SHARED, res_id));
	EXPECT_EQ(0, mmap_errno(fd, SZ_1M, MAP_SHARED, res_id));

	/* An export is mapped through its dma-buf, an import not at all here */
	res_exp = mk_res(_metadata, fd, vcm_id, RW, 80 * SZ_1M, SZ_1M);
	ASSERT_EQ(0, _test_ioctl_back(fd, res_exp, mk_phys(_metadata, fd, 0, 0, SZ_1M)));
	dfd = mk_export(_metadata, fd, res_exp);
	EXPECT_EQ(EBUSY, mmap_errno(fd, SZ_4K, MAP_SHARED, res_exp));
	ASSERT_EQ(0, _test_ioctl_dmabuf_info(fd, dfd, &dinfo));
	EXPECT_NE(0, dinfo.out_flags & VCM_DMABUF_VCM);
	EXPECT_EQ(80 * SZ_1M, dinfo.out_addr);
	ASSERT_EQ(0, _test_ioctl_import(fd, dfd, &phys_imp, NULL, NULL, NULL));
	res_imp = mk_res(_metadata, fd, vcm_id, RW, 96 * SZ_1M, SZ_1M);
	ASSERT_EQ(0, _test_ioctl_back(fd, res_imp, phys_imp));
	EXPECT_EQ(EOPNOTSUPP, mmap_errno(fd, SZ_4K, MAP_SHARED, res_imp));
	EXPECT_ERRNO(EOPNOTSUPP, _test_ioctl_cpu_access(fd, VCM_CPU_READ, res_imp, 0, buf,
							SZ_4K));
	map = mmap(NULL, SZ_1M, PROT_READ, MAP_SHARED, dfd, 0);
	ASSERT_NE(MAP_FAILED, map);
	EXPECT_TRUE(all_zero(map, SZ_1M));
	ASSERT_EQ(0, munmap(map, SZ_1M));

	EXPECT_EQ(0, close(dfd));
	EXPECT_EQ(0, close(fd));
	free(orders);
	free(buf);
}

/*
 * Associating a device that went away (VCM_TEST_OP_DEV_REMOVE; "the device
 * object stays until destroyed") must fail like one without an IOMMU.
 * vcm_ioctl_assoc() hands the object's NULL device to vcm_assoc(), whose
 * device_iommu_mapped() dereferences it: an oops with the file's lock held,
 * so the process then hangs in its release. Kept last for that reason.
 */
TEST_F(vcm_hostile, assoc_removed_device)
{
	struct hctx *h = &self->h;

	EXPECT_ERRNO(ENODEV, _test_ioctl_assoc(h->fd, h->sym[S_VCM2], h->sym[S_DEV_DEAD], 0, 0,
					       NULL));
}

TEST_HARNESS_MAIN
