// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only mock IOMMUs for VCM: several iommu_device instances, each with its
 * own iommu_ops and a page-table format from the kernel's libraries, and
 * platform test devices behind them whose DMA is simulated by a CPU copy
 * through the attached domain.
 */
#include <linux/dma-mapping.h>
#include <linux/generic_pt/iommu.h>
#include <linux/highmem.h>
#include <linux/io-pgtable.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include "../iommu-pages.h"
#include "../iommu-priv.h"
#include "vcm-priv.h"

#define MOCK_SHIFT	12	/* the smallest page size of every format */
#define MOCK_DEV_NAME	"vcm-mock-dev"

/**
 * struct mock_format - what one mock instance looks like
 * @name: reported by vcm_mock_instance_info()
 * @fmt: the io-pgtable format, unless @pt
 * @pt: generic_pt vtdss instead of io-pgtable
 * @pgsizes: page sizes
 * @ias: input (IOVA) address bits
 * @oas: output (physical) address bits
 * @max_pasids: PASIDs the instance supports, 0 for none
 */
struct mock_format {
	const char *name;
	enum io_pgtable_fmt fmt;
	bool pt;
	unsigned long pgsizes;
	unsigned int ias;
	unsigned int oas;
	u32 max_pasids;
};

static const struct mock_format mock_formats[VCM_MOCK_NR] = {
	[VCM_MOCK_ARMV7S] = {
		.name = "armv7s", .fmt = ARM_V7S,
		.pgsizes = SZ_4K | SZ_64K | SZ_1M | SZ_16M, .ias = 32, .oas = 32,
	},
	[VCM_MOCK_LPAE_4K] = {
		.name = "lpae-4k", .fmt = ARM_64_LPAE_S1,
		.pgsizes = SZ_4K | SZ_2M | SZ_1G, .ias = 48, .oas = 48,
		.max_pasids = 1 << 8,
	},
	[VCM_MOCK_LPAE_64K] = {
		.name = "lpae-64k", .fmt = ARM_64_LPAE_S1,
		.pgsizes = SZ_64K | SZ_512M, .ias = 48, .oas = 48,
	},
	[VCM_MOCK_VTDSS] = {
		.name = "vtdss", .pt = true,
		.pgsizes = SZ_4K | SZ_2M | SZ_1G, .ias = 48, .oas = 52,
	},
};

/**
 * struct mock_iommu - one mock IOMMU instance
 * @iommu: registered with the core; @iommu.fwnode is its own software node
 * @ops: its own copy of the ops, so the core refuses cross-instance attach
 * @fmt: its page-table format
 */
struct mock_iommu {
	struct iommu_device iommu;
	struct iommu_ops ops;
	const struct mock_format *fmt;
};

/**
 * struct mock_domain - a paging domain of a mock instance
 * @domain: the core's domain
 * @vtdss: the generic_pt table, aliasing @domain (vtdss instance only)
 * @iop: the io-pgtable ops (io-pgtable instances only)
 * @oas: output address bits of @iop
 * @pt_orig: the format's own pt_iommu_ops, wrapped by @pt_ops
 * @pt_ops: @vtdss.iommu.ops: @pt_orig with counting map_range/unmap_range
 * @leaves: leaf PTEs mapped, IOVA >> MOCK_SHIFT -> xa_mk_value(ilog2(size))
 * @lock: protects @stats and @fail_after
 * @stats: the counters vcm_mock_domain_stats() reports
 * @fail_after: map calls left to succeed before each one fails, or -1
 */
struct mock_domain {
	union {
		struct iommu_domain domain;
		struct pt_iommu_vtdss vtdss;
	};
	struct io_pgtable_ops *iop;
	unsigned int oas;
	const struct pt_iommu_ops *pt_orig;
	struct pt_iommu_ops pt_ops;
	struct xarray leaves;
	spinlock_t lock;	/* protects stats and fail_after */
	struct vcm_mock_stats stats;
	int fail_after;
};

PT_IOMMU_CHECK_DOMAIN(struct mock_domain, vtdss.iommu, domain);

/**
 * struct mock_dev - a test device's view of its attachments
 * @lock: protects @domain and @pasids, held across a simulated DMA
 * @domain: the domain attached to the RID, NULL when blocked
 * @pasids: PASID -> attached domain
 *
 * It is the device's platform_data, so platform_device_release() frees it.
 */
struct mock_dev {
	struct mutex lock;	/* protects domain and pasids */
	struct iommu_domain *domain;
	struct xarray pasids;
};

/*
 * Instances VCM_MOCK_NR * (1 + n) + format, n < mock_bench_instances, are the
 * benchmark's: each device behind them gets a DMA API default domain, as a
 * device behind a real IOMMU does, so that the status quo can be measured on
 * the same page-table code as VCM.
 */
static unsigned int mock_bench_instances;
module_param_named(bench_instances, mock_bench_instances, uint, 0444);
MODULE_PARM_DESC(bench_instances,
		 "extra mock instances of each format, with DMA API domains, for VCM_TEST_OP_BENCH (max 64)");

static struct mock_iommu *mock_iommus;
static unsigned int mock_nr_iommus;
static struct platform_device *mock_parent;
static bool mock_ready;

static struct mock_domain *to_mock_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct mock_domain, domain);
}

static struct mock_dev *mock_dev_get(struct device *dev)
{
	if (!dev || !dev_is_platform(dev) ||
	    strcmp(to_platform_device(dev)->name, MOCK_DEV_NAME))
		return NULL;
	return dev_get_platdata(dev);
}

static void mock_inc(struct mock_domain *md, u64 *counter)
{
	spin_lock(&md->lock);
	(*counter)++;
	spin_unlock(&md->lock);
}

/* @size bytes at @addr are empty or do not fit below @last */
static bool mock_beyond(u64 addr, u64 size, u64 last)
{
	return !size || addr > last || size - 1 > last - addr;
}

/* Record @n leaf PTEs of 2^@lg2 bytes from @iova, count those recorded */
static int mock_record(struct mock_domain *md, u64 iova, unsigned int lg2,
		       u64 n, gfp_t gfp)
{
	unsigned long index = iova >> MOCK_SHIFT;
	int rc = 0;
	u64 i;

	for (i = 0; i < n; i++) {
		rc = xa_err(xa_store(&md->leaves,
				     index + (i << (lg2 - MOCK_SHIFT)),
				     xa_mk_value(lg2), gfp));
		if (rc)
			break;
	}
	spin_lock(&md->lock);
	md->stats.ptes_mapped[lg2 - MOCK_SHIFT] += i;
	spin_unlock(&md->lock);
	return rc;
}

/* Count one unmap call and forget the leaves in [@iova, @iova + @len) */
static void mock_unrecord(struct mock_domain *md, u64 iova, u64 len)
{
	XA_STATE(xas, &md->leaves, iova >> MOCK_SHIFT);
	void *entry;

	xas_lock(&xas);
	spin_lock(&md->lock);
	md->stats.unmap_calls++;
	if (len) {
		xas_for_each(&xas, entry, (iova + len - 1) >> MOCK_SHIFT) {
			md->stats.ptes_unmapped[xa_to_value(entry) -
						MOCK_SHIFT]++;
			xas_store(&xas, NULL);
		}
	}
	spin_unlock(&md->lock);
	xas_unlock(&xas);
}

/*
 * Track what is attached to the RID (@pasid == IOMMU_NO_PASID) or a PASID of
 * @dev; a NULL @domain means blocked. Called under the group mutex.
 */
static int mock_dev_set(struct device *dev, ioasid_t pasid,
			struct iommu_domain *domain)
{
	struct mock_dev *mdev = dev_get_platdata(dev);
	int rc = 0;

	mutex_lock(&mdev->lock);
	if (pasid == IOMMU_NO_PASID)
		mdev->domain = domain;
	else if (domain)
		rc = xa_err(xa_store(&mdev->pasids, pasid, domain, GFP_KERNEL));
	else
		xa_erase(&mdev->pasids, pasid);
	mutex_unlock(&mdev->lock);
	return rc;
}

static int mock_blocked_attach_dev(struct iommu_domain *domain,
				   struct device *dev, struct iommu_domain *old)
{
	return mock_dev_set(dev, IOMMU_NO_PASID, NULL);
}

static int mock_blocked_set_dev_pasid(struct iommu_domain *domain,
				      struct device *dev, ioasid_t pasid,
				      struct iommu_domain *old)
{
	return mock_dev_set(dev, pasid, NULL);
}

static const struct iommu_domain_ops mock_blocked_ops = {
	.attach_dev = mock_blocked_attach_dev,
	.set_dev_pasid = mock_blocked_set_dev_pasid,
};

static struct iommu_domain mock_blocked = {
	.type = IOMMU_DOMAIN_BLOCKED,
	.ops = &mock_blocked_ops,
};

static int mock_attach_dev(struct iommu_domain *domain, struct device *dev,
			   struct iommu_domain *old)
{
	struct mock_domain *md = to_mock_domain(domain);

	mock_inc(md, &md->stats.attach);
	return mock_dev_set(dev, IOMMU_NO_PASID, domain);
}

static int mock_set_dev_pasid(struct iommu_domain *domain, struct device *dev,
			      ioasid_t pasid, struct iommu_domain *old)
{
	struct mock_domain *md = to_mock_domain(domain);

	mock_inc(md, &md->stats.attach);
	return mock_dev_set(dev, pasid, domain);
}

/* Injected failure: fail every map once @fail_after maps have succeeded. */
static bool mock_map_should_fail(struct mock_domain *md)
{
	bool fail;

	spin_lock(&md->lock);
	fail = !md->fail_after;
	if (md->fail_after > 0)
		md->fail_after--;
	spin_unlock(&md->lock);
	return fail;
}

static int mock_map_pages(struct iommu_domain *domain, unsigned long iova,
			  phys_addr_t paddr, size_t pgsize, size_t pgcount,
			  int prot, gfp_t gfp, size_t *mapped)
{
	struct mock_domain *md = to_mock_domain(domain);
	u64 size = (u64)pgsize * pgcount;
	size_t done = 0;
	int ret, rc;

	if (mock_map_should_fail(md))
		return -ENOMEM;
	/* io-pgtable WARNs on these instead of just failing */
	if (mock_beyond(iova, size, domain->geometry.aperture_end) ||
	    mock_beyond(paddr, size, DMA_BIT_MASK(md->oas)))
		return -ERANGE;

	ret = md->iop->map_pages(md->iop, iova, paddr, pgsize, pgcount, prot,
				 gfp, &done);
	*mapped += done;
	mock_inc(md, &md->stats.map_calls);
	rc = mock_record(md, iova, ilog2(pgsize), done / pgsize, gfp);
	/* A failed record fails the map: the core unmaps what was mapped */
	return ret ?: rc;
}

static size_t mock_unmap_pages(struct iommu_domain *domain, unsigned long iova,
			       size_t pgsize, size_t pgcount,
			       struct iommu_iotlb_gather *gather)
{
	struct mock_domain *md = to_mock_domain(domain);
	size_t ret = 0;

	if (!mock_beyond(iova, (u64)pgsize * pgcount,
			 domain->geometry.aperture_end))
		ret = md->iop->unmap_pages(md->iop, iova, pgsize, pgcount,
					   gather);
	/* A block unmap may free a whole table: count the leaves it held */
	mock_unrecord(md, iova, ret);
	return ret;
}

static phys_addr_t mock_iova_to_phys(struct iommu_domain *domain,
				     dma_addr_t iova)
{
	struct mock_domain *md = to_mock_domain(domain);

	/* The formats silently drop the IOVA bits above ias */
	if (iova > domain->geometry.aperture_end)
		return 0;
	return md->iop->iova_to_phys(md->iop, iova);
}

/*
 * The leaf size generic_pt writes at @va -> @pa with @len bytes left.
 * NS(map_range) and __map_range_leaf() in generic_pt/iommu_pt.h take it from
 * pt_compute_best_pgsize(): the largest size in domain->pgsize_bitmap that
 * both @va and @pa are aligned to and that is not larger than @len (the
 * single-page fast path is the same rule for len == PAGE_SIZE).
 * pt_pgsz_count() only repeats that size until a larger one becomes
 * aligned, where the size is computed again; so choosing greedily leaf by
 * leaf yields exactly the PTEs the format wrote.
 */
static unsigned int mock_pt_leaf_lg2(u64 bitmap, u64 va, u64 pa, u64 len)
{
	bitmap &= GENMASK_ULL(ilog2(len), 0);
	if (va | pa)
		bitmap &= GENMASK_ULL(__ffs64(va | pa), 0);
	return bitmap ? fls64(bitmap) - 1 : 0;
}

static int mock_pt_map_range(struct pt_iommu *pt, dma_addr_t iova,
			     phys_addr_t paddr, dma_addr_t len,
			     unsigned int prot, gfp_t gfp, size_t *mapped)
{
	struct mock_domain *md = container_of(pt, struct mock_domain,
					      vtdss.iommu);
	size_t before = *mapped;
	unsigned int lg2;
	int ret, rc = 0;
	u64 done;

	if (mock_map_should_fail(md))
		return -ENOMEM;
	ret = md->pt_orig->map_range(pt, iova, paddr, len, prot, gfp, mapped);
	mock_inc(md, &md->stats.map_calls);
	for (done = *mapped - before; done && !rc; done -= BIT_ULL(lg2)) {
		lg2 = mock_pt_leaf_lg2(md->domain.pgsize_bitmap, iova, paddr,
				       len);
		if (lg2 < MOCK_SHIFT || BIT_ULL(lg2) > done)
			break;
		rc = mock_record(md, iova, lg2, 1, gfp);
		iova += BIT_ULL(lg2);
		paddr += BIT_ULL(lg2);
		len -= BIT_ULL(lg2);
	}
	return ret ?: rc;
}

static size_t mock_pt_unmap_range(struct pt_iommu *pt, dma_addr_t iova,
				  dma_addr_t len,
				  struct iommu_iotlb_gather *gather)
{
	struct mock_domain *md = container_of(pt, struct mock_domain,
					      vtdss.iommu);
	size_t ret;

	ret = md->pt_orig->unmap_range(pt, iova, len, gather);
	mock_unrecord(md, iova, ret);
	return ret;
}

static int mock_iotlb_sync_map(struct iommu_domain *domain, unsigned long iova,
			       size_t size)
{
	struct mock_domain *md = to_mock_domain(domain);

	mock_inc(md, &md->stats.iotlb_sync_map);
	return 0;
}

static void mock_iotlb_sync(struct iommu_domain *domain,
			    struct iommu_iotlb_gather *gather)
{
	struct mock_domain *md = to_mock_domain(domain);

	mock_inc(md, &md->stats.iotlb_sync);
	/* generic_pt parks the table pages it freed here */
	iommu_put_pages_list(&gather->freelist);
}

static void mock_flush_iotlb_all(struct iommu_domain *domain)
{
	struct mock_domain *md = to_mock_domain(domain);

	mock_inc(md, &md->stats.flush_all);
}

static void mock_domain_free(struct iommu_domain *domain)
{
	struct mock_domain *md = to_mock_domain(domain);

	if (md->iop)
		free_io_pgtable_ops(md->iop);
	else
		pt_iommu_deinit(&md->vtdss.iommu);
	xa_destroy(&md->leaves);
	kfree(md);
}

static const struct iommu_domain_ops mock_iop_ops = {
	.attach_dev = mock_attach_dev,
	.set_dev_pasid = mock_set_dev_pasid,
	.map_pages = mock_map_pages,
	.unmap_pages = mock_unmap_pages,
	.iova_to_phys = mock_iova_to_phys,
	.iotlb_sync_map = mock_iotlb_sync_map,
	.iotlb_sync = mock_iotlb_sync,
	.flush_iotlb_all = mock_flush_iotlb_all,
	.free = mock_domain_free,
};

static const struct iommu_domain_ops mock_pt_ops = {
	IOMMU_PT_DOMAIN_OPS(vtdss),
	.attach_dev = mock_attach_dev,
	.set_dev_pasid = mock_set_dev_pasid,
	.iotlb_sync_map = mock_iotlb_sync_map,
	.iotlb_sync = mock_iotlb_sync,
	.flush_iotlb_all = mock_flush_iotlb_all,
	.free = mock_domain_free,
};

static int mock_domain_init_pt(struct mock_domain *md,
			       const struct mock_format *f)
{
	struct pt_iommu_vtdss_cfg cfg = {
		.common.features = BIT(PT_FEAT_FLUSH_RANGE),
		.common.hw_max_vasz_lg2 = f->ias,
		.common.hw_max_oasz_lg2 = f->oas,
		.top_level = 3,
	};
	int rc;

	md->vtdss.iommu.nid = NUMA_NO_NODE;
	md->domain.ops = &mock_pt_ops;
	rc = pt_iommu_vtdss_init(&md->vtdss, &cfg, GFP_KERNEL);
	if (rc)
		return rc;
	md->domain.pgsize_bitmap &= f->pgsizes;

	/* generic_pt bypasses map_pages: count in its own ops instead */
	md->pt_orig = md->vtdss.iommu.ops;
	md->pt_ops = *md->pt_orig;
	md->pt_ops.map_range = mock_pt_map_range;
	md->pt_ops.unmap_range = mock_pt_unmap_range;
	md->vtdss.iommu.ops = &md->pt_ops;
	return 0;
}

static int mock_domain_init_iop(struct mock_domain *md,
				const struct mock_format *f)
{
	struct io_pgtable_cfg cfg = {
		.pgsize_bitmap = f->pgsizes,
		.ias = f->ias,
		.oas = f->oas,
		.coherent_walk = true,
		.iommu_dev = &mock_parent->dev,
	};

	md->iop = alloc_io_pgtable_ops(f->fmt, &cfg, md);
	if (!md->iop)
		return -ENOMEM;
	/* alloc_io_pgtable_ops() rewrote cfg to what the format does */
	md->oas = cfg.oas;
	md->domain.ops = &mock_iop_ops;
	md->domain.pgsize_bitmap = cfg.pgsize_bitmap;
	md->domain.geometry.aperture_start = 0;
	md->domain.geometry.aperture_end = DMA_BIT_MASK(cfg.ias);
	md->domain.geometry.force_aperture = true;
	return 0;
}

static struct iommu_domain *
mock_domain_alloc_paging_flags(struct device *dev, u32 flags,
			       const struct iommu_user_data *user_data)
{
	struct mock_iommu *inst = iommu_get_iommu_dev(dev, struct mock_iommu,
						      iommu);
	struct mock_domain *md;
	int rc;

	if (user_data || (flags & ~(inst->iommu.max_pasids ?
				    IOMMU_HWPT_ALLOC_PASID : 0)))
		return ERR_PTR(-EOPNOTSUPP);

	md = kzalloc_obj(*md);
	if (!md)
		return ERR_PTR(-ENOMEM);
	xa_init(&md->leaves);
	spin_lock_init(&md->lock);
	md->fail_after = -1;
	if (inst->fmt->pt)
		rc = mock_domain_init_pt(md, inst->fmt);
	else
		rc = mock_domain_init_iop(md, inst->fmt);
	if (rc) {
		kfree(md);
		return ERR_PTR(rc);
	}
	return &md->domain;
}

static struct iommu_device *mock_probe_device(struct device *dev)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	unsigned int i;

	if (!fwspec || !mock_dev_get(dev))
		return ERR_PTR(-ENODEV);
	for (i = 0; i < mock_nr_iommus; i++)
		if (fwspec->iommu_fwnode == mock_iommus[i].iommu.fwnode)
			return &mock_iommus[i].iommu;
	return ERR_PTR(-ENODEV);
}

static void mock_release_device(struct device *dev)
{
	struct mock_dev *mdev = dev_get_platdata(dev);

	mutex_lock(&mdev->lock);
	mdev->domain = NULL;
	xa_destroy(&mdev->pasids);
	mutex_unlock(&mdev->lock);
}

static bool mock_capable(struct device *dev, enum iommu_cap cap)
{
	return cap == IOMMU_CAP_CACHE_COHERENCY;
}

static int mock_def_domain_dma(struct device *dev)
{
	return IOMMU_DOMAIN_DMA;
}

static const struct iommu_ops mock_ops = {
	.capable = mock_capable,
	.domain_alloc_paging_flags = mock_domain_alloc_paging_flags,
	.probe_device = mock_probe_device,
	.release_device = mock_release_device,
	.device_group = generic_device_group,
	.owner = THIS_MODULE,
	/* Test devices have no DMA API users: block them until attached */
	.default_domain = &mock_blocked,
	.blocked_domain = &mock_blocked,
	.release_domain = &mock_blocked,
};

/**
 * vcm_mock_instance_info() - describe a mock IOMMU instance
 * @index: VCM_MOCK_*
 * @max_pasids: returns the PASIDs it supports, 0 for none
 * @pgsizes: returns its page sizes
 * @name: returns its format's name
 *
 * Return: 0, -EINVAL for a bad @index, -ENODEV if the mocks failed to
 * register at boot.
 */
int vcm_mock_instance_info(unsigned int index, u32 *max_pasids, u64 *pgsizes,
			   char name[16])
{
	if (index >= VCM_MOCK_NR)
		return -EINVAL;
	if (!mock_ready)
		return -ENODEV;
	*max_pasids = mock_iommus[index].iommu.max_pasids;
	*pgsizes = mock_formats[index].pgsizes;
	strscpy(name, mock_formats[index].name, 16);
	return 0;
}

/*
 * The driver of the test devices, as a real one would be: bound while the
 * device is used, it manages its DMA itself (the VCM attaches it), and its
 * remove() takes the device out of every VCM before the device goes.
 */
static int mock_drv_probe(struct platform_device *pdev)
{
	return 0;
}

static void mock_drv_remove(struct platform_device *pdev)
{
	vcm_device_removed(&pdev->dev);
}

static struct platform_driver mock_drv = {
	.probe = mock_drv_probe,
	.remove = mock_drv_remove,
	.driver = {
		.name = MOCK_DEV_NAME,
	},
	.driver_managed_dma = true,
};

/* @pdev, added, if the right IOMMU probed it and the test driver bound it */
static struct device *mock_dev_bound(struct platform_device *pdev,
				     bool translated)
{
	if (device_iommu_mapped(&pdev->dev) != translated || !pdev->dev.driver) {
		platform_device_unregister(pdev);
		return ERR_PTR(-ENODEV);
	}
	return &pdev->dev;
}

/* A platform test device probed by @inst; see vcm_mock_dev_create() */
static struct device *mock_dev_add(struct mock_iommu *inst, u32 flags,
				   u32 dma_bits)
{
	static const struct property_entry pasid_props[] = {
		PROPERTY_ENTRY_U32("pasid-num-bits", 8),
		{ }
	};
	struct platform_device *pdev;
	struct mock_dev *mdev;
	int rc;

	pdev = platform_device_alloc(MOCK_DEV_NAME, PLATFORM_DEVID_AUTO);
	if (!pdev)
		return ERR_PTR(-ENOMEM);
	mdev = kzalloc_obj(*mdev);
	if (!mdev) {
		rc = -ENOMEM;
		goto err_put;
	}
	mutex_init(&mdev->lock);
	xa_init(&mdev->pasids);
	pdev->dev.platform_data = mdev;
	/* dev.dma_mask points here already */
	pdev->platform_dma_mask = DMA_BIT_MASK(dma_bits ?: 64);
	pdev->dev.coherent_dma_mask = pdev->platform_dma_mask;

	if (flags & VCM_TEST_DEV_PASID) {
		rc = device_create_managed_software_node(&pdev->dev,
							 pasid_props, NULL);
		if (rc)
			goto err_put;
	}

	if (flags & VCM_TEST_DEV_NO_IOMMU) {
		/* DMA-direct: no fwspec, so no IOMMU probes it */
		rc = platform_device_add(pdev);
		if (rc)
			goto err_put;
		return mock_dev_bound(pdev, false);
	}

	mutex_lock(&iommu_probe_device_lock);
	rc = iommu_fwspec_init(&pdev->dev, inst->iommu.fwnode);
	mutex_unlock(&iommu_probe_device_lock);
	if (rc)
		goto err_free_iommu;

	/* The bus notifier probes it with our fwspec before any bind */
	rc = platform_device_add(pdev);
	if (rc)
		goto err_free_iommu;
	return mock_dev_bound(pdev, true);

err_free_iommu:
	mutex_lock(&iommu_probe_device_lock);
	if (pdev->dev.iommu)
		dev_iommu_free(&pdev->dev);
	mutex_unlock(&iommu_probe_device_lock);
err_put:
	platform_device_put(pdev);
	return ERR_PTR(rc);
}

/**
 * vcm_mock_dev_create() - create a test device behind a mock IOMMU
 * @instance: VCM_MOCK_*
 * @flags: VCM_TEST_DEV_PASID for a PASID-capable device (8 PASID bits);
 *         VCM_TEST_DEV_NO_IOMMU for a DMA-direct device behind no IOMMU
 *         (@instance 0); VCM_TEST_DEV_DMA_API for a device behind the first
 *         benchmark instance of format @instance, in a DMA API domain
 * @dma_bits: the width of its DMA mask, 0 for 64
 *
 * The device is a platform device probed by the mock instance and bound to
 * the mock devices' driver, which manages its DMA itself (its default
 * domain blocks DMA) and takes it out of every VCM when it goes.
 *
 * Context: process context.
 * Return: the device, to be destroyed with vcm_mock_dev_destroy(), or an
 * ERR_PTR: -EINVAL for bad arguments, -EOPNOTSUPP for PASID on an instance
 * without PASIDs, -ENODEV if the mocks or the probe failed, -ENOMEM.
 */
struct device *vcm_mock_dev_create(unsigned int instance, u32 flags,
				   u32 dma_bits)
{
	struct mock_iommu *inst;

	if (instance >= VCM_MOCK_NR || dma_bits > 64 ||
	    (flags & ~(VCM_TEST_DEV_PASID | VCM_TEST_DEV_NO_IOMMU |
		       VCM_TEST_DEV_DMA_API)))
		return ERR_PTR(-EINVAL);
	if (flags & VCM_TEST_DEV_DMA_API) {
		if (flags & ~VCM_TEST_DEV_DMA_API)
			return ERR_PTR(-EINVAL);
		if (!mock_ready || !mock_bench_instances ||
		    mock_iommus[VCM_MOCK_NR + instance].ops.default_domain)
			return ERR_PTR(-ENODEV);
		return mock_dev_add(&mock_iommus[VCM_MOCK_NR + instance], 0,
				    dma_bits);
	}
	if ((flags & VCM_TEST_DEV_NO_IOMMU) &&
	    (instance || (flags & VCM_TEST_DEV_PASID)))
		return ERR_PTR(-EINVAL);
	if (!mock_ready)
		return ERR_PTR(-ENODEV);
	inst = &mock_iommus[instance];
	if ((flags & VCM_TEST_DEV_PASID) && !inst->iommu.max_pasids)
		return ERR_PTR(-EOPNOTSUPP);
	return mock_dev_add(inst, flags, dma_bits);
}

/**
 * vcm_mock_bench_dev_create() - create a device for the benchmark
 * @format: VCM_MOCK_*
 * @nth: which of the benchmark's instances of @format, below the
 *       vcm.bench_instances parameter
 *
 * The device sits alone behind its instance, in a DMA API default domain of
 * @format, with a 64-bit DMA mask. Destroy it with vcm_mock_dev_destroy().
 *
 * Context: process context.
 * Return: the device, or ERR_PTR: -EINVAL for a bad @format, -ENODEV if there
 * are not that many instances, -ENOMEM.
 */
struct device *vcm_mock_bench_dev_create(unsigned int format, unsigned int nth)
{
	if (format >= VCM_MOCK_NR)
		return ERR_PTR(-EINVAL);
	if (!mock_ready || nth >= mock_bench_instances)
		return ERR_PTR(-ENODEV);
	return mock_dev_add(&mock_iommus[VCM_MOCK_NR * (1 + nth) + format], 0, 0);
}

/**
 * vcm_mock_dev_destroy() - remove a test device
 * @dev: from vcm_mock_dev_create(), detached from every non-blocked domain
 *       (RID and PASIDs)
 */
void vcm_mock_dev_destroy(struct device *dev)
{
	if (mock_dev_get(dev))
		platform_device_unregister(to_platform_device(dev));
}

/* @domain as a mock paging domain, or NULL if it is not one. */
static struct mock_domain *mock_domain_of(struct iommu_domain *domain)
{
	if (!domain || (domain->ops != &mock_iop_ops &&
			domain->ops != &mock_pt_ops))
		return NULL;
	return to_mock_domain(domain);
}

/**
 * vcm_mock_domain_stats() - read the counters of a mock domain
 * @domain: a paging domain of a mock instance
 * @stats: returns the counters
 * @reset: zero the counters after reading them
 *
 * Return: 0, or -EINVAL if @domain is not a mock paging domain.
 */
int vcm_mock_domain_stats(struct iommu_domain *domain,
			  struct vcm_mock_stats *stats, bool reset)
{
	struct mock_domain *md = mock_domain_of(domain);

	if (!md)
		return -EINVAL;
	spin_lock(&md->lock);
	*stats = md->stats;
	if (reset)
		memset(&md->stats, 0, sizeof(md->stats));
	spin_unlock(&md->lock);
	return 0;
}

/**
 * vcm_mock_domain_fail_map() - make a mock domain's map calls fail
 * @domain: a paging domain of a mock instance
 * @after: let this many map calls succeed, then fail every one with -ENOMEM;
 *         negative to stop failing
 *
 * For tests of the callers' unwinding when one of several domains fails.
 *
 * Return: 0, or -EINVAL if @domain is not a mock paging domain.
 */
int vcm_mock_domain_fail_map(struct iommu_domain *domain, int after)
{
	struct mock_domain *md = mock_domain_of(domain);

	if (!md)
		return -EINVAL;
	spin_lock(&md->lock);
	md->fail_after = after;
	spin_unlock(&md->lock);
	return 0;
}

/**
 * vcm_mock_dma() - simulate a test device's DMA through its attached domain
 * @dev: from vcm_mock_dev_create()
 * @pasid: 0 for the RID, else the PASID whose domain translates
 * @iova: device address
 * @buf: kernel buffer of @len bytes
 * @len: bytes
 * @write: the device writes @buf to memory, else it reads memory into @buf
 *
 * Translates and copies page by page. An untranslated page is reported to the
 * domain's fault handler; the pages before it have been copied.
 *
 * Context: process context; the domain's fault handler runs under the
 * device's lock, which attach and detach take.
 * Return: 0, -ENODEV if @dev is not a test device or nothing is attached,
 * -ERANGE if the range exceeds the device's DMA mask, -EFAULT on a fault.
 */
int vcm_mock_dma(struct device *dev, ioasid_t pasid, u64 iova, void *buf,
		 size_t len, bool write)
{
	struct mock_dev *mdev = mock_dev_get(dev);
	struct iommu_domain *domain;
	u8 *p = buf;
	int rc = 0;
	u64 chunk;

	if (!mdev)
		return -ENODEV;
	if (len && mock_beyond(iova, len, dma_get_mask(dev)))
		return -ERANGE;

	mutex_lock(&mdev->lock);
	domain = pasid ? xa_load(&mdev->pasids, pasid) : mdev->domain;
	if (!domain) {
		rc = -ENODEV;
		goto out;
	}
	/* Stay within one IOVA leaf and one CPU page */
	chunk = min_t(u64, PAGE_SIZE, 1ULL << __ffs(domain->pgsize_bitmap));
	while (len) {
		size_t n = min_t(u64, len, chunk - (iova & (chunk - 1)));
		phys_addr_t phys = iommu_iova_to_phys(domain, iova);
		void *va;

		if (!phys) {
			report_iommu_fault(domain, dev, iova,
					   write ? IOMMU_FAULT_WRITE :
						   IOMMU_FAULT_READ);
			rc = -EFAULT;
			break;
		}
		if (!pfn_valid(PHYS_PFN(phys))) {
			rc = -EFAULT;
			break;
		}
		va = kmap_local_page(pfn_to_page(PHYS_PFN(phys)));
		if (write)
			memcpy(va + offset_in_page(phys), p, n);
		else
			memcpy(p, va + offset_in_page(phys), n);
		kunmap_local(va);
		iova += n;
		p += n;
		len -= n;
	}
out:
	mutex_unlock(&mdev->lock);
	return rc;
}

/**
 * vcm_mock_fault() - report a translation fault as a test device's IOMMU would
 * @dev: from vcm_mock_dev_create()
 * @pasid: 0 for the RID, else the PASID
 * @iova: device address
 * @write: a write fault, else a read fault
 *
 * Context: process context; the domain's fault handler runs under the
 * device's lock, which attach and detach take.
 * Return: the fault handler's result (-ENOSYS without one), or -ENODEV if
 * @dev is not a test device or nothing is attached.
 */
int vcm_mock_fault(struct device *dev, ioasid_t pasid, u64 iova, bool write)
{
	struct mock_dev *mdev = mock_dev_get(dev);
	struct iommu_domain *domain;
	int rc = -ENODEV;

	if (!mdev)
		return -ENODEV;
	mutex_lock(&mdev->lock);
	domain = pasid ? xa_load(&mdev->pasids, pasid) : mdev->domain;
	if (domain)
		rc = report_iommu_fault(domain, dev, iova,
					write ? IOMMU_FAULT_WRITE :
						IOMMU_FAULT_READ);
	mutex_unlock(&mdev->lock);
	return rc;
}

static int __init mock_iommu_add(struct mock_iommu *inst, unsigned int i)
{
	struct fwnode_handle *fwnode;
	int rc;

	fwnode = fwnode_create_software_node(NULL, NULL);
	if (IS_ERR(fwnode))
		return PTR_ERR(fwnode);
	inst->fmt = &mock_formats[i % VCM_MOCK_NR];
	inst->ops = mock_ops;
	/* iommu-dma takes no granule above PAGE_SIZE: those stay blocked */
	if (i >= VCM_MOCK_NR &&
	    (inst->fmt->pgsizes & -inst->fmt->pgsizes) <= PAGE_SIZE) {
		inst->ops.default_domain = NULL;
		inst->ops.def_domain_type = mock_def_domain_dma;
	}
	/* Never NULL: that would offer it every device without a fwspec */
	inst->iommu.fwnode = fwnode;
	inst->iommu.max_pasids = inst->fmt->max_pasids;

	/* Before register: probing links devices to iommu.dev */
	rc = iommu_device_sysfs_add(&inst->iommu, &mock_parent->dev, NULL,
				    "vcm-mock.%u", i);
	if (rc)
		goto err_node;
	rc = iommu_device_register(&inst->iommu, &inst->ops, NULL);
	if (rc)
		goto err_sysfs;
	return 0;

err_sysfs:
	iommu_device_sysfs_remove(&inst->iommu);
err_node:
	fwnode_remove_software_node(fwnode);
	inst->iommu.fwnode = NULL;
	return rc;
}

static void __init mock_iommu_remove(struct mock_iommu *inst)
{
	iommu_device_unregister(&inst->iommu);
	iommu_device_sysfs_remove(&inst->iommu);
	fwnode_remove_software_node(inst->iommu.fwnode);
	inst->iommu.fwnode = NULL;
}

/* late_initcall: after the IOMMU core and the x86 IOMMUs (rootfs_initcall) */
static int __init vcm_mock_init(void)
{
	unsigned int i;
	int rc;

	rc = platform_driver_register(&mock_drv);
	if (rc)
		return rc;
	mock_parent = platform_device_register_simple("vcm-mock",
						      PLATFORM_DEVID_NONE,
						      NULL, 0);
	if (IS_ERR(mock_parent)) {
		platform_driver_unregister(&mock_drv);
		return PTR_ERR(mock_parent);
	}

	mock_bench_instances = min(mock_bench_instances, VCM_BENCH_MAX_DEVS);
	mock_nr_iommus = VCM_MOCK_NR * (1 + mock_bench_instances);
	mock_iommus = kcalloc(mock_nr_iommus, sizeof(*mock_iommus), GFP_KERNEL);
	if (!mock_iommus) {
		rc = -ENOMEM;
		goto err_parent;
	}
	for (i = 0; i < mock_nr_iommus; i++) {
		rc = mock_iommu_add(&mock_iommus[i], i);
		if (rc)
			goto err;
	}
	mock_ready = true;
	return 0;

err:
	while (i--)
		mock_iommu_remove(&mock_iommus[i]);
	kfree(mock_iommus);
	mock_iommus = NULL;
err_parent:
	platform_device_unregister(mock_parent);
	mock_parent = NULL;
	platform_driver_unregister(&mock_drv);
	return rc;
}
late_initcall(vcm_mock_init);

MODULE_IMPORT_NS("GENERIC_PT_IOMMU");
