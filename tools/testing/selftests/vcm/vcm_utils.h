/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the /dev/vcm selftests: one small wrapper per ioctl and per test
 * command. Each _test_*() sets .size, issues the ioctl, fills the out-params
 * on success and returns the ioctl's result (-1 with errno on failure). The
 * test_*() macros assert success, the test_err_*() macros assert an errno;
 * both use self->fd, like tools/testing/selftests/iommu/iommufd_utils.h.
 *
 * Also what the programs would otherwise each carry a copy of: the size
 * constants, test data and checks, dma-buf sources (udmabuf, system heap),
 * and the tables of ioctls and of the bad input every ioctl refuses alike.
 */
#ifndef __SELFTEST_VCM_UTILS_H
#define __SELFTEST_VCM_UTILS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/types.h>
#include <linux/udmabuf.h>

#include "../kselftest_harness.h"
#include "../../../../drivers/iommu/vcm/vcm_test.h"

#define SZ_4K		0x1000ULL
#define SZ_8K		0x2000ULL
#define SZ_16K		0x4000ULL
#define SZ_64K		0x10000ULL
#define SZ_128K		0x20000ULL
#define SZ_256K		0x40000ULL
#define SZ_512K		0x80000ULL
#define SZ_1M		0x100000ULL
#define SZ_2M		0x200000ULL
#define SZ_4M		0x400000ULL
#define SZ_16M		0x1000000ULL
#define SZ_32M		0x2000000ULL
#define SZ_64M		0x4000000ULL
#define SZ_128M		0x8000000ULL
#define SZ_256M		0x10000000ULL
#define SZ_512M		0x20000000ULL
#define SZ_1G		0x40000000ULL
#define SZ_2G		0x80000000ULL
#define SZ_4G		0x100000000ULL
#define SZ_1T		0x10000000000ULL

/*
 * The address space of the 2010 example: 128 MiB at 0x1000, below 2^28 so
 * that both edu devices can be associated with it.
 */
#define VCM_START	0x1000ULL
#define VCM_LEN		SZ_128M
#define VCM_END		(VCM_START + VCM_LEN)

/* The CPU's page size */
static unsigned long page_size;

static void __attribute__((constructor)) vcm_setup_page_size(void)
{
	page_size = sysconf(_SC_PAGESIZE);
}

#define EXPECT_ERRNO(expected_errno, cmd)         \
	({                                        \
		ASSERT_EQ(-1, cmd);               \
		EXPECT_EQ(expected_errno, errno); \
	})

/* /dev/vcm: the VCM test kernel always has it, so its absence is a failure */
static int vcm_open(struct __test_metadata *_metadata)
{
	int fd = open("/dev/vcm", O_RDWR);

	ASSERT_NE(-1, fd)
		TH_LOG("open /dev/vcm: %s (needs CONFIG_VCM_TEST)", strerror(errno));
	return fd;
}

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

/* The page sizes vcm_test.h gives each mock instance */
static const __u64 mock_pgsizes[VCM_MOCK_NR] = {
	[VCM_MOCK_ARMV7S] = SZ_4K | SZ_64K | SZ_1M | SZ_16M,
	[VCM_MOCK_LPAE_4K] = SZ_4K | SZ_2M | SZ_1G,
	[VCM_MOCK_LPAE_64K] = SZ_64K | SZ_512M,
	[VCM_MOCK_VTDSS] = SZ_4K | SZ_2M | SZ_1G,
};

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

/* The edu device's DMA buffer: the most one VCM_TEST_OP_EDU_COPY moves */
#define EDU_CHUNK	SZ_4K

#define EDU_SKIP "no QEMU edu devices bound to the VCM test driver"

/*
 * Opens both edu devices into @edu and @bits. False if there are none;
 * any other failure fails the test.
 */
static bool edu_open(struct __test_metadata *_metadata, int fd, __u32 *edu,
		     __u32 *bits)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (!_test_cmd_edu_open(fd, i, &edu[i], &bits[i]))
			continue;
		EXPECT_EQ(ENODEV, errno) TH_LOG("edu %d: %s", i, strerror(errno));
		return false;
	}
	return true;
}

/* VCM_TEST_OP_WINDOW: sleep @delay_us in race window @window from now on */
static int _test_cmd_window(int fd, __u32 window, __u32 delay_us)
{
	struct vcm_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = VCM_TEST_OP_WINDOW,
		.window = { .window = window, .delay_us = delay_us },
	};

	return ioctl(fd, VCM_TEST, &cmd);
}

#define test_cmd_window(window, delay_us) \
	ASSERT_EQ(0, _test_cmd_window(self->fd, window, delay_us))

/* VCM_TEST_OP_FENCE_ADD: an unsignalled fence on dma-buf @dmabuf_fd */
static int _test_cmd_fence_add(int fd, int dmabuf_fd, bool write, __u32 *fence_id)
{
	struct vcm_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = VCM_TEST_OP_FENCE_ADD,
		.fence_add = { .fd = dmabuf_fd, .write = write },
	};
	int ret = ioctl(fd, VCM_TEST, &cmd);

	if (!ret && fence_id)
		*fence_id = cmd.fence_add.out_fence_id;
	return ret;
}

/* VCM_TEST_OP_FENCE_SIGNAL of fence object @fence_id */
static int _test_cmd_fence_signal(int fd, __u32 fence_id)
{
	struct vcm_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = VCM_TEST_OP_FENCE_SIGNAL,
		.id = fence_id,
	};

	return ioctl(fd, VCM_TEST, &cmd);
}

/* VCM_TEST_OP_DMABUF_CREATE: a @size-byte dma-buf whose table maps @table_len */
static int _test_cmd_dmabuf_create(int fd, __u64 size, __u64 table_len,
				   int *dmabuf_fd)
{
	struct vcm_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = VCM_TEST_OP_DMABUF_CREATE,
		.dmabuf_create = { .size = size, .table_len = table_len },
	};
	int ret = ioctl(fd, VCM_TEST, &cmd);

	if (!ret)
		*dmabuf_fd = cmd.dmabuf_create.out_fd;
	return ret;
}

/*
 * Leaves @n free pages, no two of them physically adjacent, at the head of
 * this CPU's free list: allocates 2 * @n single pages and frees every other
 * one; the rest stay allocated until @fd is closed. The next allocation of
 * 4 KiB blocks then most likely takes those pages, so it comes out as many
 * physically contiguous runs rather than one. Likely, not certain: the
 * callers retry.
 */
static void scatter_free_pages(struct __test_metadata *_metadata, int fd,
			       unsigned int n)
{
	__u32 ids[2 * 64];
	unsigned int i;

	ASSERT_GE(64, n);
	for (i = 0; i < 2 * n; i++)
		ASSERT_EQ(0, _test_ioctl_phys_alloc(fd, 0, SZ_4K, SZ_4K, 0,
						    &ids[i], NULL, NULL));
	for (i = 0; i < 2 * n; i += 2)
		ASSERT_EQ(0, _test_ioctl_destroy(fd, ids[i]));
}

/* Tries for an allocation of 4 KiB blocks that is not one contiguous run */
#define FRAGMENT_TRIES	8

/*
 * A udmabuf of @len bytes of a new memfd: its fd, or -1 with errno (ENOENT
 * if there is no /dev/udmabuf). *@memfd gets the memfd, or pass NULL to
 * have it closed. Both are close-on-exec.
 */
static int udmabuf_alloc(__u64 len, int *memfd)
{
	struct udmabuf_create create = { .flags = UDMABUF_FLAGS_CLOEXEC };
	int dev, mfd, ufd, err;

	dev = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (dev == -1)
		return -1;
	mfd = memfd_create("vcm-selftest", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (mfd == -1 || ftruncate(mfd, len) ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		err = errno;
		close(dev);
		if (mfd != -1)
			close(mfd);
		errno = err;
		return -1;
	}
	create.memfd = mfd;
	create.size = len;
	ufd = ioctl(dev, UDMABUF_CREATE, &create);
	err = errno;
	close(dev);
	if (ufd == -1 || !memfd)
		close(mfd);
	else
		*memfd = mfd;
	errno = err;
	return ufd;
}

/*
 * A buffer of @len bytes from the system dma-heap: its dma-buf fd, or -1
 * with errno (ENOENT if there is no /dev/dma_heap/system).
 */
static int heap_alloc(__u64 len)
{
	struct dma_heap_allocation_data alloc = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap, ret, err;

	heap = open("/dev/dma_heap/system", O_RDONLY | O_CLOEXEC);
	if (heap == -1)
		return -1;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &alloc);
	err = errno;
	close(heap);
	errno = err;
	return ret ? -1 : (int)alloc.fd;
}

static int dmabuf_sync(int dmabuf_fd, __u64 flags)
{
	struct dma_buf_sync sync = { .flags = flags };

	return ioctl(dmabuf_fd, DMA_BUF_IOCTL_SYNC, &sync);
}

/*
 * Copies @len bytes at @off of dma-buf @dmabuf_fd (@size bytes) to or from
 * @buf through a short-lived mmap() of it, bracketed by DMA_BUF_IOCTL_SYNC.
 * The mapping is gone on return, so it pins nothing afterwards.
 */
static int dmabuf_rw(int dmabuf_fd, __u64 size, __u64 off, void *buf, __u64 len,
		     bool write)
{
	__u64 dir = write ? DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ;
	int ret, err;
	__u8 *map;

	map = mmap(NULL, size, write ? PROT_READ | PROT_WRITE : PROT_READ,
		   MAP_SHARED, dmabuf_fd, 0);
	if (map == MAP_FAILED)
		return -1;
	ret = dmabuf_sync(dmabuf_fd, DMA_BUF_SYNC_START | dir);
	if (!ret) {
		if (write)
			memcpy(map + off, buf, len);
		else
			memcpy(buf, map + off, len);
		ret = dmabuf_sync(dmabuf_fd, DMA_BUF_SYNC_END | dir);
	}
	err = errno;
	munmap(map, size);
	errno = err;
	return ret;
}

#define dmabuf_read(dmabuf_fd, size, off, buf, len) \
	ASSERT_EQ(0, dmabuf_rw(dmabuf_fd, size, off, buf, len, false))
#define dmabuf_write(dmabuf_fd, size, off, buf, len) \
	ASSERT_EQ(0, dmabuf_rw(dmabuf_fd, size, off, buf, len, true))

/* The file descriptors this process has open, or -1 with errno */
static int nr_open_fds(void)
{
	struct dirent *d;
	DIR *dir;
	int n = 0;

	dir = opendir("/proc/self/fd");
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n - 1;	/* not the directory's own */
}

/* CLOCK_MONOTONIC, in seconds */
static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Every ioctl of /dev/vcm and the size of its struct, each still its first
 * version: vcm_hostile and vcm_fuzz give each of them structs that are too
 * short, too long or not there.
 */
struct vcm_ioctl {
	unsigned long req;
	__u32 size;
	const char *name;
};

#define VCM_IOCTL(_req, _struct)	{ _req, sizeof(_struct), #_req }

static const struct vcm_ioctl vcm_ioctls[] = {
	VCM_IOCTL(VCM_DESTROY, struct vcm_destroy),
	VCM_IOCTL(VCM_CREATE, struct vcm_create),
	VCM_IOCTL(VCM_INFO, struct vcm_info),
	VCM_IOCTL(VCM_ASSOC, struct vcm_associate),
	VCM_IOCTL(VCM_ACTIVATE, struct vcm_activate),
	VCM_IOCTL(VCM_DEACTIVATE, struct vcm_activate),
	VCM_IOCTL(VCM_PHYS_ALLOC, struct vcm_phys_alloc),
	VCM_IOCTL(VCM_PHYS_SEGMENTS, struct vcm_phys_segments),
	VCM_IOCTL(VCM_RESERVE, struct vcm_reserve),
	VCM_IOCTL(VCM_BACK, struct vcm_back),
	VCM_IOCTL(VCM_UNBACK, struct vcm_back),
	VCM_IOCTL(VCM_TRANSLATE, struct vcm_translate),
	VCM_IOCTL(VCM_CPU_ACCESS, struct vcm_cpu_access),
	VCM_IOCTL(VCM_EXPORT, struct vcm_export),
	VCM_IOCTL(VCM_IMPORT, struct vcm_import),
	VCM_IOCTL(VCM_DMABUF_INFO, struct vcm_dmabuf_info),
	VCM_IOCTL(VCM_TEST, struct vcm_test_cmd),
};

/*
 * A __u32 field an ioctl checks before anything else, set to a value it
 * refuses: an unknown flag or op is -EOPNOTSUPP, a reserved field that is not
 * zero -EINVAL. vcm_hostile sets it in a call that would otherwise succeed,
 * vcm_fuzz in a struct of zeroes: either way the ioctl must fail with @err.
 */
struct vcm_bad_field {
	const char *name;
	unsigned long req;
	__u32 off;
	__u32 val;
	int err;
};

#define VCM_BAD_FIELD(_req, _struct, _field, _val, _err, _what) \
	{ #_req ": " _what, _req, offsetof(_struct, _field), _val, _err }

static const struct vcm_bad_field vcm_bad_fields[] = {
	VCM_BAD_FIELD(VCM_CREATE, struct vcm_create, flags, 1, EOPNOTSUPP, "flags 1"),
	VCM_BAD_FIELD(VCM_CREATE, struct vcm_create, flags, 1U << 31, EOPNOTSUPP,
		      "flags bit 31"),
	VCM_BAD_FIELD(VCM_CREATE, struct vcm_create, __reserved, 1, EINVAL, "__reserved 1"),
	VCM_BAD_FIELD(VCM_ASSOC, struct vcm_associate, flags, VCM_ASSOC_PASID << 1,
		      EOPNOTSUPP, "flags 2"),
	VCM_BAD_FIELD(VCM_ASSOC, struct vcm_associate, flags, 1U << 31, EOPNOTSUPP,
		      "flags bit 31"),
	VCM_BAD_FIELD(VCM_PHYS_ALLOC, struct vcm_phys_alloc, flags, VCM_PHYS_UNCACHED << 1,
		      EOPNOTSUPP, "flags 1 << 3"),
	VCM_BAD_FIELD(VCM_PHYS_ALLOC, struct vcm_phys_alloc, flags, 1U << 31, EOPNOTSUPP,
		      "flags bit 31"),
	VCM_BAD_FIELD(VCM_PHYS_SEGMENTS, struct vcm_phys_segments, __reserved, 1, EINVAL,
		      "__reserved 1"),
	VCM_BAD_FIELD(VCM_RESERVE, struct vcm_reserve, flags,
		      VCM_RESERVE_READ | VCM_RESERVE_WRITE | VCM_RESERVE_UNCACHED << 1,
		      EOPNOTSUPP, "flags 1 << 6"),
	VCM_BAD_FIELD(VCM_RESERVE, struct vcm_reserve, flags,
		      VCM_RESERVE_READ | VCM_RESERVE_WRITE | 1U << 31, EOPNOTSUPP,
		      "flags bit 31"),
	VCM_BAD_FIELD(VCM_BACK, struct vcm_back, __reserved, 1, EINVAL, "__reserved 1"),
	VCM_BAD_FIELD(VCM_UNBACK, struct vcm_back, __reserved, 1, EINVAL, "__reserved 1"),
	VCM_BAD_FIELD(VCM_TRANSLATE, struct vcm_translate, __reserved, 1, EINVAL,
		      "__reserved 1"),
	VCM_BAD_FIELD(VCM_CPU_ACCESS, struct vcm_cpu_access, op, 2, EOPNOTSUPP, "op 2"),
	VCM_BAD_FIELD(VCM_CPU_ACCESS, struct vcm_cpu_access, op, ~0U, EOPNOTSUPP,
		      "op 0xffffffff"),
	VCM_BAD_FIELD(VCM_CPU_ACCESS, struct vcm_cpu_access, __reserved, 1, EINVAL,
		      "__reserved 1"),
	VCM_BAD_FIELD(VCM_EXPORT, struct vcm_export, flags, VCM_EXPORT_MOVABLE << 1,
		      EOPNOTSUPP, "flags 2"),
	VCM_BAD_FIELD(VCM_EXPORT, struct vcm_export, flags, 1U << 31, EOPNOTSUPP,
		      "flags bit 31"),
	VCM_BAD_FIELD(VCM_IMPORT, struct vcm_import, flags, 1, EOPNOTSUPP, "flags 1"),
	VCM_BAD_FIELD(VCM_IMPORT, struct vcm_import, __reserved, 1, EINVAL, "__reserved 1"),
	VCM_BAD_FIELD(VCM_DMABUF_INFO, struct vcm_dmabuf_info, __reserved, 1, EINVAL,
		      "__reserved 1"),
	VCM_BAD_FIELD(VCM_DMABUF_INFO, struct vcm_dmabuf_info, __reserved2, 1, EINVAL,
		      "__reserved2 1"),
	VCM_BAD_FIELD(VCM_TEST, struct vcm_test_cmd, __reserved, 1, EINVAL, "__reserved 1"),
	VCM_BAD_FIELD(VCM_TEST, struct vcm_test_cmd, op, 0, EOPNOTSUPP, "op 0"),
	VCM_BAD_FIELD(VCM_TEST, struct vcm_test_cmd, op, ~0U, EOPNOTSUPP, "op 0xffffffff"),
};

/* Ioctl numbers /dev/vcm does not have: -ENOTTY, whatever the struct */
static const struct {
	unsigned long req;
	const char *name;
} vcm_bad_ioctls[] = {
	{ _IO(VCM_TYPE, VCM_CMD_BASE - 1), "ioctl: number below VCM_CMD_BASE" },
	{ _IO(VCM_TYPE, VCM_CMD_DMABUF_INFO + 1), "ioctl: number after VCM_DMABUF_INFO" },
	{ _IO(VCM_TYPE, VCM_CMD_TEST - 1), "ioctl: number before VCM_TEST" },
	{ _IO(VCM_TYPE, VCM_CMD_TEST + 1), "ioctl: number after VCM_TEST" },
	{ _IOWR(VCM_TYPE, VCM_CMD_CREATE, struct vcm_create),
	  "ioctl: VCM_CREATE's number as _IOWR" },
	{ _IOWR(VCM_TYPE, VCM_CMD_INFO, struct vcm_info), "ioctl: VCM_INFO's number as _IOWR" },
	{ _IO(VCM_TYPE + 1, VCM_CMD_CREATE), "ioctl: VCM_CREATE's number, another type" },
	{ _IO(VCM_TYPE + 1, VCM_CMD_INFO), "ioctl: VCM_INFO's number, another type" },
};

#endif /* __SELFTEST_VCM_UTILS_H */
