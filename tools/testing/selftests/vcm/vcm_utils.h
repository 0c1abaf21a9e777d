/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the /dev/vcm selftests: one small wrapper per ioctl and per test
 * command. Each _test_*() sets .size, issues the ioctl, fills the out-params
 * on success and returns the ioctl's result (-1 with errno on failure). The
 * test_*() macros assert success, the test_err_*() macros assert an errno;
 * both use self->fd, like tools/testing/selftests/iommu/iommufd_utils.h.
 */
#ifndef __SELFTEST_VCM_UTILS_H
#define __SELFTEST_VCM_UTILS_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/types.h>
#include <linux/vcm.h>

#include "../kselftest_harness.h"
#include "../../../../drivers/iommu/vcm/vcm_test.h"

#define EXPECT_ERRNO(expected_errno, cmd)         \
	({                                        \
		ASSERT_EQ(-1, cmd);               \
		EXPECT_EQ(expected_errno, errno); \
	})

/* ioctl(VCM_DESTROY) */
static int _test_ioctl_destroy(int fd, __u32 id)
{
	struct vcm_destroy cmd = {
		.size = sizeof(cmd),
		.id = id,
	};

	return ioctl(fd, VCM_DESTROY, &cmd);
}

#define test_ioctl_destroy(id) ASSERT_EQ(0, _test_ioctl_destroy(self->fd, id))
#define test_err_destroy(_errno, id) \
	EXPECT_ERRNO(_errno, _test_ioctl_destroy(self->fd, id))

/* ioctl(VCM_CREATE) */
static int _test_ioctl_vcm_create(int fd, __u64 start, __u64 len, __u32 *vcm_id)
{
	struct vcm_create cmd = {
		.size = sizeof(cmd),
		.start = start,
		.len = len,
	};
	int ret;

	ret = ioctl(fd, VCM_CREATE, &cmd);
	if (ret)
		return ret;
	if (vcm_id)
		*vcm_id = cmd.out_vcm_id;
	return 0;
}

#define test_ioctl_vcm_create(start, len, vcm_id) \
	ASSERT_EQ(0, _test_ioctl_vcm_create(self->fd, start, len, vcm_id))
#define test_err_vcm_create(_errno, start, len) \
	EXPECT_ERRNO(_errno, _test_ioctl_vcm_create(self->fd, start, len, NULL))

/* ioctl(VCM_INFO): fills all of *info */
static int _test_ioctl_vcm_info(int fd, __u32 vcm_id, struct vcm_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->vcm_id = vcm_id;
	return ioctl(fd, VCM_INFO, info);
}

#define test_ioctl_vcm_info(vcm_id, info) \
	ASSERT_EQ(0, _test_ioctl_vcm_info(self->fd, vcm_id, info))
#define test_err_vcm_info(_errno, vcm_id)                                   \
	({                                                                  \
		struct vcm_info __info;                                     \
		EXPECT_ERRNO(_errno,                                        \
			     _test_ioctl_vcm_info(self->fd, vcm_id, &__info)); \
	})

/* ioctl(VCM_ASSOC) */
static int _test_ioctl_assoc(int fd, __u32 vcm_id, __u32 dev_id, __u32 flags,
			     __u32 pasid, __u32 *assoc_id)
{
	struct vcm_associate cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.vcm_id = vcm_id,
		.dev_id = dev_id,
		.pasid = pasid,
	};
	int ret;

	ret = ioctl(fd, VCM_ASSOC, &cmd);
	if (ret)
		return ret;
	if (assoc_id)
		*assoc_id = cmd.out_assoc_id;
	return 0;
}

#define test_ioctl_assoc(vcm_id, dev_id, assoc_id) \
	ASSERT_EQ(0, _test_ioctl_assoc(self->fd, vcm_id, dev_id, 0, 0, assoc_id))
#define test_ioctl_assoc_pasid(vcm_id, dev_id, pasid, assoc_id)               \
	ASSERT_EQ(0, _test_ioctl_assoc(self->fd, vcm_id, dev_id, VCM_ASSOC_PASID, \
				       pasid, assoc_id))
#define test_err_assoc(_errno, vcm_id, dev_id, flags, pasid)               \
	EXPECT_ERRNO(_errno, _test_ioctl_assoc(self->fd, vcm_id, dev_id, flags, \
					       pasid, NULL))

/* ioctl(VCM_ACTIVATE) and ioctl(VCM_DEACTIVATE) */
static int _test_ioctl_activate(int fd, __u32 assoc_id)
{
	struct vcm_activate cmd = {
		.size = sizeof(cmd),
		.assoc_id = assoc_id,
	};

	return ioctl(fd, VCM_ACTIVATE, &cmd);
}

static int _test_ioctl_deactivate(int fd, __u32 assoc_id)
{
	struct vcm_activate cmd = {
		.size = sizeof(cmd),
		.assoc_id = assoc_id,
	};

	return ioctl(fd, VCM_DEACTIVATE, &cmd);
}

#define test_ioctl_activate(assoc_id) \
	ASSERT_EQ(0, _test_ioctl_activate(self->fd, assoc_id))
#define test_err_activate(_errno, assoc_id) \
	EXPECT_ERRNO(_errno, _test_ioctl_activate(self->fd, assoc_id))
#define test_ioctl_deactivate(assoc_id) \
	ASSERT_EQ(0, _test_ioctl_deactivate(self->fd, assoc_id))
#define test_err_deactivate(_errno, assoc_id) \
	EXPECT_ERRNO(_errno, _test_ioctl_deactivate(self->fd, assoc_id))

/* ioctl(VCM_PHYS_ALLOC); nr_blocks and nr_segments may be NULL */
static int _test_ioctl_phys_alloc(int fd, __u32 flags, __u64 len, __u64 pgsizes,
				  __u32 vcm_id, __u32 *phys_id, __u32 *nr_blocks,
				  __u32 *nr_segments)
{
	struct vcm_phys_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.len = len,
		.pgsizes = pgsizes,
		.vcm_id = vcm_id,
	};
	int ret;

	ret = ioctl(fd, VCM_PHYS_ALLOC, &cmd);
	if (ret)
		return ret;
	if (phys_id)
		*phys_id = cmd.out_phys_id;
	if (nr_blocks)
		*nr_blocks = cmd.out_nr_blocks;
	if (nr_segments)
		*nr_segments = cmd.out_nr_segments;
	return 0;
}

/* Allocates @len bytes in the page sizes of @vcm_id */
#define test_ioctl_phys_alloc(len, vcm_id, phys_id)                        \
	ASSERT_EQ(0, _test_ioctl_phys_alloc(self->fd, 0, len, 0, vcm_id, phys_id, \
					    NULL, NULL))
#define test_err_phys_alloc(_errno, flags, len, pgsizes, vcm_id)              \
	EXPECT_ERRNO(_errno, _test_ioctl_phys_alloc(self->fd, flags, len, pgsizes, \
						    vcm_id, NULL, NULL, NULL))

/* ioctl(VCM_PHYS_SEGMENTS); *nr_blocks: in, entries in @orders; out, blocks */
static int _test_ioctl_phys_segments(int fd, __u32 phys_id, __u32 *nr_blocks,
				     __u8 *orders)
{
	struct vcm_phys_segments cmd = {
		.size = sizeof(cmd),
		.phys_id = phys_id,
		.nr_blocks = *nr_blocks,
		.block_orders = (uintptr_t)orders,
	};
	int ret;

	ret = ioctl(fd, VCM_PHYS_SEGMENTS, &cmd);
	if (ret)
		return ret;
	*nr_blocks = cmd.nr_blocks;
	return 0;
}

#define test_ioctl_phys_segments(phys_id, nr_blocks, orders) \
	ASSERT_EQ(0, _test_ioctl_phys_segments(self->fd, phys_id, nr_blocks, orders))

/*
 * ioctl(VCM_RESERVE). With VCM_RESERVE_FIXED *addr is the address to reserve,
 * otherwise it receives the address chosen.
 */
static int _test_ioctl_reserve(int fd, __u32 vcm_id, __u32 flags, __u64 len,
			       __u64 align, __u64 *addr, __u32 *res_id)
{
	struct vcm_reserve cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.vcm_id = vcm_id,
		.len = len,
		.align = align,
		.addr = (flags & VCM_RESERVE_FIXED) ? *addr : 0,
	};
	int ret;

	ret = ioctl(fd, VCM_RESERVE, &cmd);
	if (ret)
		return ret;
	*addr = cmd.addr;
	if (res_id)
		*res_id = cmd.out_res_id;
	return 0;
}

/* Reserves @len bytes, readable and writable, at the lowest fit for @align */
static int _test_ioctl_reserve_rw(int fd, __u32 vcm_id, __u64 len, __u64 align,
				  __u64 *addr, __u32 *res_id)
{
	return _test_ioctl_reserve(fd, vcm_id,
				   VCM_RESERVE_READ | VCM_RESERVE_WRITE, len,
				   align, addr, res_id);
}

/* Reserves [@addr, @addr + @len), readable and writable */
static int _test_ioctl_reserve_fixed(int fd, __u32 vcm_id, __u64 addr,
				     __u64 len, __u32 *res_id)
{
	return _test_ioctl_reserve(fd, vcm_id,
				   VCM_RESERVE_FIXED | VCM_RESERVE_READ |
				   VCM_RESERVE_WRITE, len, 0, &addr, res_id);
}

#define test_ioctl_reserve(vcm_id, len, align, addr, res_id)             \
	ASSERT_EQ(0, _test_ioctl_reserve_rw(self->fd, vcm_id, len, align, addr, \
					    res_id))
#define test_err_reserve(_errno, vcm_id, len, align)                       \
	({                                                                 \
		__u64 __addr;                                              \
		EXPECT_ERRNO(_errno, _test_ioctl_reserve_rw(self->fd, vcm_id, \
							    len, align,    \
							    &__addr, NULL)); \
	})
#define test_ioctl_reserve_fixed(vcm_id, addr, len, res_id) \
	ASSERT_EQ(0, _test_ioctl_reserve_fixed(self->fd, vcm_id, addr, len, res_id))
#define test_err_reserve_fixed(_errno, vcm_id, addr, len) \
	EXPECT_ERRNO(_errno,                               \
		     _test_ioctl_reserve_fixed(self->fd, vcm_id, addr, len, NULL))

/* ioctl(VCM_BACK) and ioctl(VCM_UNBACK) */
static int _test_ioctl_back(int fd, __u32 res_id, __u32 phys_id)
{
	struct vcm_back cmd = {
		.size = sizeof(cmd),
		.res_id = res_id,
		.phys_id = phys_id,
	};

	return ioctl(fd, VCM_BACK, &cmd);
}

static int _test_ioctl_unback(int fd, __u32 res_id)
{
	struct vcm_back cmd = {
		.size = sizeof(cmd),
		.res_id = res_id,
	};

	return ioctl(fd, VCM_UNBACK, &cmd);
}

#define test_ioctl_back(res_id, phys_id) \
	ASSERT_EQ(0, _test_ioctl_back(self->fd, res_id, phys_id))
#define test_err_back(_errno, res_id, phys_id) \
	EXPECT_ERRNO(_errno, _test_ioctl_back(self->fd, res_id, phys_id))
#define test_ioctl_unback(res_id) ASSERT_EQ(0, _test_ioctl_unback(self->fd, res_id))
#define test_err_unback(_errno, res_id) \
	EXPECT_ERRNO(_errno, _test_ioctl_unback(self->fd, res_id))

/* ioctl(VCM_TRANSLATE) */
static int _test_ioctl_translate(int fd, __u32 src_vcm_id, __u64 addr,
				 __u32 dst_vcm_id, __u64 *out_addr)
{
	struct vcm_translate cmd = {
		.size = sizeof(cmd),
		.src_vcm_id = src_vcm_id,
		.addr = addr,
		.dst_vcm_id = dst_vcm_id,
	};
	int ret;

	ret = ioctl(fd, VCM_TRANSLATE, &cmd);
	if (ret)
		return ret;
	if (out_addr)
		*out_addr = cmd.out_addr;
	return 0;
}

#define test_ioctl_translate(src_vcm_id, addr, dst_vcm_id, out_addr)          \
	ASSERT_EQ(0, _test_ioctl_translate(self->fd, src_vcm_id, addr, dst_vcm_id, \
					   out_addr))
#define test_err_translate(_errno, src_vcm_id, addr, dst_vcm_id)      \
	EXPECT_ERRNO(_errno, _test_ioctl_translate(self->fd, src_vcm_id, addr, \
						   dst_vcm_id, NULL))

/* ioctl(VCM_CPU_ACCESS) */
static int _test_ioctl_cpu_access(int fd, __u32 op, __u32 res_id, __u64 offset,
				  void *buf, __u64 len)
{
	struct vcm_cpu_access cmd = {
		.size = sizeof(cmd),
		.op = op,
		.res_id = res_id,
		.offset = offset,
		.len = len,
		.uptr = (uintptr_t)buf,
	};

	return ioctl(fd, VCM_CPU_ACCESS, &cmd);
}

#define test_ioctl_cpu_read(res_id, offset, buf, len)                          \
	ASSERT_EQ(0, _test_ioctl_cpu_access(self->fd, VCM_CPU_READ, res_id, offset, \
					    buf, len))
#define test_ioctl_cpu_write(res_id, offset, buf, len)                          \
	ASSERT_EQ(0, _test_ioctl_cpu_access(self->fd, VCM_CPU_WRITE, res_id, offset, \
					    buf, len))

/* ioctl(VCM_EXPORT): the new dma-buf's fd in *dmabuf_fd */
static int _test_ioctl_export(int fd, __u32 res_id, __u32 flags, int *dmabuf_fd)
{
	struct vcm_export cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.res_id = res_id,
	};
	int ret;

	ret = ioctl(fd, VCM_EXPORT, &cmd);
	if (ret)
		return ret;
	if (dmabuf_fd)
		*dmabuf_fd = cmd.out_fd;
	return 0;
}

#define test_ioctl_export(res_id, flags, dmabuf_fd) \
	ASSERT_EQ(0, _test_ioctl_export(self->fd, res_id, flags, dmabuf_fd))
#define test_err_export(_errno, res_id, flags) \
	EXPECT_ERRNO(_errno, _test_ioctl_export(self->fd, res_id, flags, NULL))

/* ioctl(VCM_IMPORT) of dma-buf @dmabuf_fd; outs may be NULL */
static int _test_ioctl_import(int fd, int dmabuf_fd, __u32 *phys_id, __u64 *len,
			      __u32 *nr_blocks, __u32 *nr_segments)
{
	struct vcm_import cmd = {
		.size = sizeof(cmd),
		.fd = dmabuf_fd,
	};
	int ret;

	ret = ioctl(fd, VCM_IMPORT, &cmd);
	if (ret)
		return ret;
	if (phys_id)
		*phys_id = cmd.out_phys_id;
	if (len)
		*len = cmd.out_len;
	if (nr_blocks)
		*nr_blocks = cmd.out_nr_blocks;
	if (nr_segments)
		*nr_segments = cmd.out_nr_segments;
	return 0;
}

#define test_ioctl_import(dmabuf_fd, phys_id, len)                      \
	ASSERT_EQ(0, _test_ioctl_import(self->fd, dmabuf_fd, phys_id, len, \
					NULL, NULL))
#define test_err_import(_errno, dmabuf_fd) \
	EXPECT_ERRNO(_errno, _test_ioctl_import(self->fd, dmabuf_fd, NULL, NULL, \
						NULL, NULL))

/* ioctl(VCM_DMABUF_INFO) of dma-buf @dmabuf_fd: fills all of *info */
static int _test_ioctl_dmabuf_info(int fd, int dmabuf_fd,
				   struct vcm_dmabuf_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->fd = dmabuf_fd;
	return ioctl(fd, VCM_DMABUF_INFO, info);
}

#define test_ioctl_dmabuf_info(dmabuf_fd, info) \
	ASSERT_EQ(0, _test_ioctl_dmabuf_info(self->fd, dmabuf_fd, info))
#define test_err_dmabuf_info(_errno, dmabuf_fd)                              \
	({                                                                   \
		struct vcm_dmabuf_info __info;                               \
		EXPECT_ERRNO(_errno, _test_ioctl_dmabuf_info(self->fd, dmabuf_fd, \
							     &__info));      \
	})

/* VCM_TEST_OP_INSTANCE_INFO; @name receives 16 bytes; outs may be NULL */
static int _test_cmd_instance_info(int fd, __u32 index, __u32 *max_pasids,
				   __u64 *pgsizes, char *name)
{
	struct vcm_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = VCM_TEST_OP_INSTANCE_INFO,
		.instance_info = { .index = index },
	};
	int ret;

	ret = ioctl(fd, VCM_TEST, &cmd);
	if (ret)
		return ret;
	if (max_pasids)
		*max_pasids = cmd.instance_info.out_max_pasids;
	if (pgsizes)
		*pgsizes = cmd.instance_info.out_pgsizes;
	if (name)
		memcpy(name, cmd.instance_info.out_name,
		       sizeof(cmd.instance_info.out_name));
	return 0;
}

#define test_cmd_instance_info(index, max_pasids, pgsizes, name)             \
	ASSERT_EQ(0, _test_cmd_instance_info(self->fd, index, max_pasids, pgsizes, \
					     name))

/* VCM_TEST_OP_DEV_CREATE */
static int _test_cmd_dev_create(int fd, __u32 instance, __u32 flags,
				__u32 dma_bits, __u32 *dev_id)
{
	struct vcm_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = VCM_TEST_OP_DEV_CREATE,
		.dev_create = {
			.instance = instance,
			.flags = flags,
			.dma_bits = dma_bits,
		},
	};
	int ret;

	ret = ioctl(fd, VCM_TEST, &cmd);
	if (ret)
		return ret;
	if (dev_id)
		*dev_id = cmd.dev_create.out_dev_id;
	return 0;
}

#define test_cmd_dev_create(instance, flags, dev_id) \
	ASSERT_EQ(0, _test_cmd_dev_create(self->fd, instance, flags, 0, dev_id))
#define test_cmd_dev_create_dma_bits(instance, dma_bits, dev_id) \
	ASSERT_EQ(0, _test_cmd_dev_create(self->fd, instance, 0, dma_bits, dev_id))
/* A device behind no IOMMU (DMA-direct), with a DMA mask of @dma_bits */
#define test_cmd_dev_create_no_iommu(dma_bits, dev_id)                     \
	ASSERT_EQ(0, _test_cmd_dev_create(self->fd, 0, VCM_TEST_DEV_NO_IOMMU, \
					  dma_bits, dev_id))

/* VCM_TEST_OP_BENCH: @cmd in with the parameters, out with the results */
static int _test_cmd_bench(int fd, struct vcm_test_cmd *cmd, __u32 kind,
			   __u32 instance, __u32 nr_devs, __u32 threads,
			   __u32 iterations, int dmabuf_fd, __u64 size,
			   __u32 live)
{
	*cmd = (struct vcm_test_cmd){
		.size = sizeof(*cmd),
		.op = VCM_TEST_OP_BENCH,
		.bench = {
			.kind = kind,
			.instance = instance,
			.nr_devs = nr_devs,
			.threads = threads,
			.iterations = iterations,
			.fd = dmabuf_fd,
			.size = size,
			.live = live,
		},
	};
	return ioctl(fd, VCM_TEST, cmd);
}

#define test_cmd_bench(cmd, kind, instance, nr_devs, threads, iters, dmabuf_fd, \
		       size, live)                                              \
	ASSERT_EQ(0, _test_cmd_bench(self->fd, cmd, kind, instance, nr_devs,   \
				     threads, iters, dmabuf_fd, size, live))
#define test_err_bench(_errno, kind, instance, nr_devs, threads, iters,       \
		       dmabuf_fd, size, live)                                   \
	({                                                                     \
		struct vcm_test_cmd __c;                                       \
		EXPECT_ERRNO(_errno, _test_cmd_bench(self->fd, &__c, kind,     \
						     instance, nr_devs,        \
						     threads, iters,           \
						     dmabuf_fd, size, live));  \
	})

/* VCM_TEST_OP_DEV_REMOVE */
static int _test_cmd_dev_remove(int fd, __u32 dev_id)
{
	struct vcm_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = VCM_TEST_OP_DEV_REMOVE,
		.id = dev_id,
	};

	return ioctl(fd, VCM_TEST, &cmd);
}

#define test_cmd_dev_remove(dev_id) ASSERT_EQ(0, _test_cmd_dev_remove(self->fd, dev_id))

/*
 * VCM_TEST_OP_DOMAIN_STATS of the domain @assoc_id uses; the counters are in
 * cmd->domain_stats. With @res_id (a backed reservation) also the minimal PTE
 * cover of it in that domain, in cmd->domain_stats.out_cover. With @reset,
 * zeroes the counters after reading.
 */
static int _test_cmd_domain_stats(int fd, __u32 assoc_id, __u32 res_id,
				  bool reset, struct vcm_test_cmd *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->op = VCM_TEST_OP_DOMAIN_STATS;
	cmd->id = assoc_id;
	cmd->domain_stats.flags = reset ? VCM_TEST_STATS_RESET : 0;
	cmd->domain_stats.res_id = res_id;
	return ioctl(fd, VCM_TEST, cmd);
}

#define test_cmd_domain_stats(assoc_id, reset, cmd) \
	ASSERT_EQ(0, _test_cmd_domain_stats(self->fd, assoc_id, 0, reset, cmd))

/* VCM_TEST_OP_CHECK_MAP of reservation @res_id; outs may be NULL */
static int _test_cmd_check_map(int fd, __u32 res_id, __u32 *domains,
			       __u32 *pages, __u32 *mismatches)
{
	struct vcm_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = VCM_TEST_OP_CHECK_MAP,
		.id = res_id,
	};
	int ret;

	ret = ioctl(fd, VCM_TEST, &cmd);
	if (ret)
		return ret;
	if (domains)
		*domains = cmd.check_map.out_domains;
	if (pages)
		*pages = cmd.check_map.out_pages;
	if (mismatches)
		*mismatches = cmd.check_map.out_mismatches;
	return 0;
}

#define test_cmd_check_map(res_id, domains, pages, mismatches)            \
	ASSERT_EQ(0, _test_cmd_check_map(self->fd, res_id, domains, pages, \
					 mismatches))

/* VCM_TEST_OP_DMA: device @dev_id (@pasid 0: its RID) reads or writes @buf */
static int _test_cmd_dma(int fd, __u32 dev_id, __u32 pasid, bool write,
			 __u64 iova, void *buf, __u64 len)
{
	struct vcm_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = VCM_TEST_OP_DMA,
		.id = dev_id,
		.dma = {
			.pasid = pasid,
			.dir = write ? 1 : 0,
			.iova = iova,
			.len = len,
			.uptr = (uintptr_t)buf,
		},
	};

	return ioctl(fd, VCM_TEST, &cmd);
}

/* The device reads device memory at @iova into @buf */
#define test_cmd_dma_read(dev_id, pasid, iova, buf, len) \
	ASSERT_EQ(0, _test_cmd_dma(self->fd, dev_id, pasid, false, iova, buf, len))
/* The device writes @buf to device memory at @iova */
#define test_cmd_dma_write(dev_id, pasid, iova, buf, len) \
	ASSERT_EQ(0, _test_cmd_dma(self->fd, dev_id, pasid, true, iova, buf, len))
#define test_err_dma(_errno, dev_id, pasid, write, iova, buf, len)             \
	EXPECT_ERRNO(_errno, _test_cmd_dma(self->fd, dev_id, pasid, write, iova, \
					   buf, len))

/* VCM_TEST_OP_FAULT: report a translation fault at @iova */
static int _test_cmd_fault(int fd, __u32 dev_id, __u32 pasid, bool write,
			   __u64 iova)
{
	struct vcm_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = VCM_TEST_OP_FAULT,
		.id = dev_id,
		.fault = {
			.pasid = pasid,
			.write = write,
			.iova = iova,
		},
	};

	return ioctl(fd, VCM_TEST, &cmd);
}

#define test_cmd_fault(dev_id, pasid, write, iova) \
	ASSERT_EQ(0, _test_cmd_fault(self->fd, dev_id, pasid, write, iova))

/*
 * VCM_TEST_OP_DMABUF_ATTACH: device @dev_id becomes an importer of dma-buf
 * @dmabuf_fd, with its device's constraints tightened by the non-zero limits.
 * @flags: VCM_TEST_ATTACH_DYNAMIC or 0 (a static importer). Outs may be NULL.
 */
static int _test_cmd_dmabuf_attach(int fd, __u32 dev_id, int dmabuf_fd,
				   __u32 flags, __u32 max_segments,
				   __u32 alignment, __u32 max_segment_size,
				   __u64 segment_boundary_mask, __u32 *attach_id,
				   __u32 *translated)
{
	struct vcm_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = VCM_TEST_OP_DMABUF_ATTACH,
		.id = dev_id,
		.dmabuf_attach = {
			.fd = dmabuf_fd,
			.flags = flags,
			.max_segments = max_segments,
			.alignment = alignment,
			.max_segment_size = max_segment_size,
			.segment_boundary_mask = segment_boundary_mask,
		},
	};
	int ret;

	ret = ioctl(fd, VCM_TEST, &cmd);
	if (ret)
		return ret;
	if (attach_id)
		*attach_id = cmd.dmabuf_attach.out_attach_id;
	if (translated)
		*translated = cmd.dmabuf_attach.out_translated;
	return 0;
}

/* Attaches with the device's own constraints, or needing @max_segments */
#define test_cmd_dmabuf_attach(dev_id, dmabuf_fd, flags, max_segments, attach_id) \
	ASSERT_EQ(0, _test_cmd_dmabuf_attach(self->fd, dev_id, dmabuf_fd, flags,    \
					     max_segments, 0, 0, 0, attach_id,     \
					     NULL))
#define test_err_dmabuf_attach(_errno, dev_id, dmabuf_fd, flags, max_segments)    \
	EXPECT_ERRNO(_errno, _test_cmd_dmabuf_attach(self->fd, dev_id, dmabuf_fd, \
						     flags, max_segments, 0, 0, 0, \
						     NULL, NULL))

/*
 * VCM_TEST_OP_DMABUF_MAP of attachment @attach_id; the result is in
 * cmd->dmabuf_map (the invalidations seen are reported even on failure).
 */
static int _test_cmd_dmabuf_map(int fd, __u32 attach_id, struct vcm_test_cmd *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->op = VCM_TEST_OP_DMABUF_MAP;
	cmd->id = attach_id;
	return ioctl(fd, VCM_TEST, cmd);
}

#define test_cmd_dmabuf_map(attach_id, cmd) \
	ASSERT_EQ(0, _test_cmd_dmabuf_map(self->fd, attach_id, cmd))
#define test_err_dmabuf_map(_errno, attach_id)                              \
	({                                                                  \
		struct vcm_test_cmd __cmd;                                  \
		EXPECT_ERRNO(_errno, _test_cmd_dmabuf_map(self->fd, attach_id, \
							  &__cmd));         \
	})

/* VCM_TEST_OP_DMABUF_UNMAP of attachment @attach_id */
static int _test_cmd_dmabuf_unmap(int fd, __u32 attach_id)
{
	struct vcm_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = VCM_TEST_OP_DMABUF_UNMAP,
		.id = attach_id,
	};

	return ioctl(fd, VCM_TEST, &cmd);
}

#define test_cmd_dmabuf_unmap(attach_id) \
	ASSERT_EQ(0, _test_cmd_dmabuf_unmap(self->fd, attach_id))
#define test_err_dmabuf_unmap(_errno, attach_id) \
	EXPECT_ERRNO(_errno, _test_cmd_dmabuf_unmap(self->fd, attach_id))

/*
 * Test data shared by the programs: a pattern any offset of which can be
 * recomputed, and checks that name the first byte that differs.
 */
/* The 32-bit word at byte offset @off of the test pattern @seed */
static __u32 pattern_word(__u32 seed, __u64 off)
{
	__u64 x = (off / 4 + 1) * 0x9e3779b97f4a7c15ULL;

	x ^= (seed + 1) * 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 31;
	return (__u32)x ^ (__u32)(x >> 32);
}

/* Fills @buf with the bytes pattern @seed has from offset @off on */
static void fill_pattern(void *buf, __u64 len, __u32 seed, __u64 off)
{
	__u32 *p = buf;
	__u64 i;

	for (i = 0; i < len / 4; i++)
		p[i] = pattern_word(seed, off + i * 4);
}

/* Asserts that @seen holds the @len bytes of @expect */
static void assert_same(struct __test_metadata *_metadata, const void *expect,
			const void *seen, __u64 len, const char *what)
{
	const __u8 *e = expect, *s = seen;
	__u64 i = 0;

	if (!memcmp(e, s, len))
		return;
	while (e[i] == s[i])
		i++;
	ASSERT_EQ(e[i], s[i]) TH_LOG("%s: first difference at byte 0x%llx", what, i);
}

/* Asserts that @buf holds zeroes */
static void assert_zero(struct __test_metadata *_metadata, const void *buf,
			__u64 len, const char *what)
{
	const __u8 *b = buf;
	__u64 i = 0;

	while (i < len && !b[i])
		i++;
	ASSERT_EQ(len, i) TH_LOG("%s: byte 0x%llx is not zero", what, i);
}

/* Zeroed memory, or the test fails */
static void *xmalloc(struct __test_metadata *_metadata, __u64 len)
{
	void *p = calloc(1, len);

	ASSERT_NE(NULL, p);
	return p;
}

/* VCM_TEST_OP_EDU_OPEN: a device object for the edu device @index */
static int _test_cmd_edu_open(int fd, __u32 index, __u32 *dev_id, __u32 *bits)
{
	struct vcm_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = VCM_TEST_OP_EDU_OPEN,
		.edu_open.index = index,
	};
	int ret = ioctl(fd, VCM_TEST, &cmd);

	if (ret)
		return ret;
	*dev_id = cmd.edu_open.out_dev_id;
	*bits = cmd.edu_open.out_dma_bits;
	return 0;
}

/* VCM_TEST_OP_EDU_COPY: @len bytes from device address @src to @dst */
static int _test_cmd_edu_copy(int fd, __u32 dev_id, __u64 src, __u64 dst,
			      __u32 len)
{
	struct vcm_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = VCM_TEST_OP_EDU_COPY,
		.id = dev_id,
		.edu_copy.len = len,
		.edu_copy.src = src,
		.edu_copy.dst = dst,
	};

	return ioctl(fd, VCM_TEST, &cmd);
}

#define test_cmd_edu_copy(dev_id, src, dst, len) \
	ASSERT_EQ(0, _test_cmd_edu_copy(self->fd, dev_id, src, dst, len))

#endif /* __SELFTEST_VCM_UTILS_H */
