// SPDX-License-Identifier: GPL-2.0-only
/*
 * VCM_TEST_OP_BENCH: the cost of sharing one buffer between devices, VCM
 * against the status quo of one DMA API mapping per device, timed in the
 * kernel the way kernel/dma/map_benchmark.c times the DMA API. Test-only.
 */
#include <linux/completion.h>
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/kthread.h>
#include <linux/math.h>
#include <linux/math64.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>

#include "vcm-priv.h"

#define VCM_BENCH_MAX_SIZE	SZ_256M

struct vcm_bench;

/**
 * struct vcm_bench_thread - one timing thread of a run
 * @b: the run
 * @done: completed when the thread has finished
 * @res: its reservation (every kind but VCM_BENCH_HEAP)
 * @phys: the memory for @res (VCM_BENCH_VCM*, VCM_BENCH_RAW)
 * @attach: its attachment to each device (VCM_BENCH_HEAP, while mapped)
 * @sgt: the mapping of each attachment
 * @map_ns: the time of each map
 * @unmap_ns: the time of each unmap
 * @ret: 0, or why it stopped early
 */
struct vcm_bench_thread {
	struct vcm_bench *b;
	struct completion done;
	struct vcm_res *res;
	struct vcm_phys *phys;
	struct dma_buf_attachment *attach[VCM_BENCH_MAX_DEVS];
	struct sg_table *sgt[VCM_BENCH_MAX_DEVS];
	u64 *map_ns;
	u64 *unmap_ns;
	int ret;
};

/**
 * struct vcm_bench - one VCM_TEST_OP_BENCH run
 * @kind: VCM_BENCH_*
 * @nr_devs: devices in @devs
 * @threads: threads in @t
 * @iterations: map and unmap cycles per thread
 * @size: buffer bytes
 * @edu: @devs are edu devices behind the platform IOMMU, else mock devices
 * @devs: the devices
 * @vcm: the VCM (every kind but VCM_BENCH_HEAP)
 * @assocs: the association of each device with @vcm
 * @nr_domains: entries in @domains
 * @domains: the domains one map writes
 * @dmabuf: the buffer of VCM_BENCH_HEAP
 * @nr_live: entries in @live
 * @live: the reservations that stay (VCM_BENCH_RESERVE)
 * @cover: the fewest PTEs that map the buffer, over @domains
 * @t: the threads
 */
struct vcm_bench {
	u32 kind;
	unsigned int nr_devs;
	unsigned int threads;
	unsigned int iterations;
	size_t size;
	bool edu;
	struct device *devs[VCM_BENCH_MAX_DEVS];
	struct vcm *vcm;
	struct vcm_assoc *assocs[VCM_BENCH_MAX_DEVS];
	unsigned int nr_domains;
	struct iommu_domain *domains[VCM_BENCH_MAX_DEVS];
	struct dma_buf *dmabuf;
	unsigned int nr_live;
	struct vcm_res **live;
	u64 cover;
	struct vcm_bench_thread t[VCM_BENCH_MAX_THREADS];
};

/* The status quo: attach and map into every device, as each importer does */
static int vcm_bench_heap_map(struct vcm_bench *b, struct vcm_bench_thread *t)
{
	unsigned int i;
	int ret;

	for (i = 0; i < b->nr_devs; i++) {
		t->attach[i] = dma_buf_attach(b->dmabuf, b->devs[i]);
		if (IS_ERR(t->attach[i])) {
			ret = PTR_ERR(t->attach[i]);
			goto unwind;
		}
		t->sgt[i] = dma_buf_map_attachment_unlocked(t->attach[i],
							    DMA_BIDIRECTIONAL);
		if (IS_ERR(t->sgt[i])) {
			ret = PTR_ERR(t->sgt[i]);
			dma_buf_detach(b->dmabuf, t->attach[i]);
			goto unwind;
		}
	}
	return 0;

unwind:
	while (i--) {
		dma_buf_unmap_attachment_unlocked(t->attach[i], t->sgt[i],
						  DMA_BIDIRECTIONAL);
		dma_buf_detach(b->dmabuf, t->attach[i]);
	}
	return ret;
}

static void vcm_bench_heap_unmap(struct vcm_bench *b, struct vcm_bench_thread *t)
{
	unsigned int i;

	for (i = 0; i < b->nr_devs; i++) {
		dma_buf_unmap_attachment_unlocked(t->attach[i], t->sgt[i],
						  DMA_BIDIRECTIONAL);
		dma_buf_detach(b->dmabuf, t->attach[i]);
	}
}

/* The floor: vcm_back()'s IOMMU calls, without its locking and bookkeeping */
static int vcm_bench_raw_map(struct vcm_bench *b, struct vcm_bench_thread *t)
{
	unsigned int i;
	int ret;

	for (i = 0; i < b->nr_domains; i++) {
		ret = vcm_map_domain(b->domains[i], t->res, t->phys);
		if (ret) {
			while (i--)
				vcm_unmap_domain(b->domains[i], t->res);
			return ret;
		}
	}
	return 0;
}

static int vcm_bench_map(struct vcm_bench *b, struct vcm_bench_thread *t)
{
	struct vcm_res *res;

	switch (b->kind) {
	case VCM_BENCH_VCM:
	case VCM_BENCH_VCM_4K:
		return vcm_back(t->res, t->phys);
	case VCM_BENCH_HEAP:
		return vcm_bench_heap_map(b, t);
	case VCM_BENCH_RAW:
		return vcm_bench_raw_map(b, t);
	case VCM_BENCH_RESERVE:
		res = vcm_reserve(b->vcm, b->size, 0, IOMMU_READ);
		if (IS_ERR(res))
			return PTR_ERR(res);
		t->res = res;
		return 0;
	}
	return -EINVAL;
}

static void vcm_bench_unmap(struct vcm_bench *b, struct vcm_bench_thread *t)
{
	unsigned int i;

	switch (b->kind) {
	case VCM_BENCH_VCM:
	case VCM_BENCH_VCM_4K:
		WARN_ON(vcm_unback(t->res));
		break;
	case VCM_BENCH_HEAP:
		vcm_bench_heap_unmap(b, t);
		break;
	case VCM_BENCH_RAW:
		for (i = 0; i < b->nr_domains; i++)
			vcm_unmap_domain(b->domains[i], t->res);
		break;
	case VCM_BENCH_RESERVE:
		WARN_ON(vcm_unreserve(t->res));
		t->res = NULL;
		break;
	}
}

/*
 * The fewest PTEs that map what @domain translates in [@iova, @iova + @len),
 * found by walking its translations: the same for every kind of mapping.
 */
static u64 vcm_bench_cover_range(struct iommu_domain *domain, u64 iova,
				 size_t len)
{
	u64 cover[VCM_TEST_PGSIZE_SLOTS] = { };
	u64 run_iova = iova, total = 0;
	phys_addr_t run_pa = 0, pa;
	size_t run = 0, off;
	unsigned int i;

	for (off = 0; off < len; off += PAGE_SIZE) {
		pa = iommu_iova_to_phys(domain, iova + off);
		if (run && pa == run_pa + run) {
			run += PAGE_SIZE;
			continue;
		}
		if (run)
			vcm_test_cover_run(run_iova, run_pa, run,
					   domain->pgsize_bitmap, cover);
		run_iova = iova + off;
		run_pa = pa;
		run = pa ? PAGE_SIZE : 0;
	}
	if (run)
		vcm_test_cover_run(run_iova, run_pa, run, domain->pgsize_bitmap,
				   cover);
	for (i = 0; i < VCM_TEST_PGSIZE_SLOTS; i++)
		total += cover[i];
	return total;
}

/* The cover of what @t has mapped now, in every mock domain */
static void vcm_bench_cover(struct vcm_bench *b, struct vcm_bench_thread *t)
{
	struct scatterlist *sg;
	unsigned int i, j;

	if (b->edu || b->kind == VCM_BENCH_RESERVE)
		return;
	if (b->kind != VCM_BENCH_HEAP) {
		for (i = 0; i < b->nr_domains; i++)
			b->cover += vcm_bench_cover_range(b->domains[i],
							  vcm_res_addr(t->res),
							  b->size);
		return;
	}
	for (i = 0; i < b->nr_devs; i++)
		for_each_sgtable_dma_sg(t->sgt[i], sg, j)
			b->cover += vcm_bench_cover_range(b->domains[i],
							  sg_dma_address(sg),
							  sg_dma_len(sg));
}

static int vcm_bench_thread_fn(void *data)
{
	struct vcm_bench_thread *t = data;
	struct vcm_bench *b = t->b;
	unsigned int i;
	u64 t0, t1;

	for (i = 0; i < b->iterations; i++) {
		t0 = ktime_get_ns();
		t->ret = vcm_bench_map(b, t);
		t1 = ktime_get_ns();
		if (t->ret)
			break;
		t->map_ns[i] = t1 - t0;
		/* Outside the timed part: walk what the first map wrote */
		if (!i && t == &b->t[0])
			vcm_bench_cover(b, t);

		t0 = ktime_get_ns();
		vcm_bench_unmap(b, t);
		t1 = ktime_get_ns();
		t->unmap_ns[i] = t1 - t0;
		cond_resched();
	}
	complete(&t->done);
	return 0;
}

static int vcm_bench_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Average, standard deviation and median of every thread's map or unmap
 * times. Under emulation a rare sample can be 10 times the others: the
 * median is what ratios between runs should use.
 */
static int vcm_bench_stats(struct vcm_bench *b, bool unmap, u64 *avg, u64 *sd,
			   u64 *med)
{
	u64 n = (u64)b->threads * b->iterations;
	u64 sum = 0, var = 0, x, *ns, *all;
	unsigned int i;

	all = kvmalloc_array(n, sizeof(*all), GFP_KERNEL);
	if (!all)
		return -ENOMEM;
	for (i = 0; i < b->threads; i++) {
		ns = unmap ? b->t[i].unmap_ns : b->t[i].map_ns;
		memcpy(all + (u64)i * b->iterations, ns,
		       b->iterations * sizeof(*ns));
	}
	for (i = 0; i < n; i++)
		sum += all[i];
	*avg = div64_u64(sum, n);
	for (i = 0; i < n; i++) {
		x = all[i] > *avg ? all[i] - *avg : *avg - all[i];
		var += div64_u64(x * x, n);
	}
	*sd = int_sqrt64(var);
	sort(all, n, sizeof(*all), vcm_bench_cmp, NULL);
	*med = n % 2 ? all[n / 2] : (all[n / 2 - 1] + all[n / 2]) / 2;
	kvfree(all);
	return 0;
}

/* Counters summed over the mock domains; false if there are none */
static bool vcm_bench_counters(struct vcm_bench *b, u64 *ptes, u64 *syncs)
{
	struct vcm_mock_stats st;
	unsigned int i, j;

	*ptes = 0;
	*syncs = 0;
	if (b->edu || !b->nr_domains)
		return false;
	for (i = 0; i < b->nr_domains; i++) {
		if (vcm_mock_domain_stats(b->domains[i], &st, true))
			return false;
		for (j = 0; j < VCM_TEST_PGSIZE_SLOTS; j++)
			*ptes += st.ptes_mapped[j];
		*syncs += st.iotlb_sync_map + st.iotlb_sync + st.flush_all;
	}
	return true;
}

static int vcm_bench_devs(struct vcm_bench *b, u32 instance)
{
	struct device *dev;
	unsigned int i;
	u32 bits;

	b->edu = instance == VCM_BENCH_EDU;
	for (i = 0; i < b->nr_devs; i++) {
		if (b->edu) {
			dev = vcm_edu_get(i, &bits);
			if (!dev)
				return -ENODEV;
		} else {
			dev = vcm_mock_bench_dev_create(instance, i);
			if (IS_ERR(dev))
				return PTR_ERR(dev);
		}
		b->devs[i] = dev;
	}
	return 0;
}

/* A VCM over every device, as large as all their DMA masks allow */
static int vcm_bench_vcm(struct vcm_bench *b)
{
	u64 len = SZ_4G;
	struct vcm_domain *vd;
	unsigned int i;
	int ret;

	for (i = 0; i < b->nr_devs; i++)
		if (dma_get_mask(b->devs[i]) < len - 1)
			len = dma_get_mask(b->devs[i]) + 1;
	b->vcm = vcm_create(0, len);
	if (IS_ERR(b->vcm))
		return PTR_ERR(b->vcm);
	for (i = 0; i < b->nr_devs; i++) {
		b->assocs[i] = vcm_assoc(b->vcm, b->devs[i], IOMMU_NO_PASID);
		if (IS_ERR(b->assocs[i]))
			return PTR_ERR(b->assocs[i]);
		ret = vcm_activate(b->assocs[i]);
		if (ret) {
			vcm_deassoc(b->assocs[i]);
			b->assocs[i] = NULL;
			return ret;
		}
	}
	mutex_lock(&b->vcm->lock);
	list_for_each_entry(vd, &b->vcm->domains, node)
		b->domains[b->nr_domains++] = vd->domain;
	mutex_unlock(&b->vcm->lock);
	return 0;
}

/*
 * Each thread's reservation, and its memory in the largest blocks: every
 * power of two up to the VCM's largest page size, so that memory smaller
 * than a large page is still one contiguous run, mapped by one call (as the
 * system heap's 1 MiB and 64 KiB chunks are), with the same PTEs.
 */
static int vcm_bench_buffers(struct vcm_bench *b)
{
	unsigned long pgsizes = vcm_get_pgsizes(b->vcm);
	unsigned long fit;
	struct vcm_bench_thread *t;
	unsigned int i;
	u64 align;

	if (!pgsizes)
		return -ENODEV;
	if (b->kind == VCM_BENCH_VCM_4K)
		pgsizes &= -pgsizes;	/* 64 KiB where that is the smallest */
	else
		pgsizes = GENMASK(__fls(pgsizes), PAGE_SHIFT);
	fit = pgsizes & GENMASK(__fls(b->size), 0);
	align = min_t(u64, BIT(__fls(fit)), VCM_MAX_ALIGN);
	for (i = 0; i < b->threads; i++) {
		t = &b->t[i];
		t->res = vcm_reserve(b->vcm, b->size, align,
				     IOMMU_READ | IOMMU_WRITE);
		if (IS_ERR(t->res))
			return PTR_ERR(t->res);
		t->phys = vcm_phys_alloc(b->size, pgsizes, false, VCM_CACHE_WB);
		if (IS_ERR(t->phys))
			return PTR_ERR(t->phys);
	}
	return 0;
}

static int vcm_bench_live(struct vcm_bench *b, u32 live)
{
	struct vcm_res *res;

	b->live = kvmalloc_array(live, sizeof(*b->live), GFP_KERNEL);
	if (live && !b->live)
		return -ENOMEM;
	while (b->nr_live < live) {
		res = vcm_reserve(b->vcm, b->size, 0, IOMMU_READ);
		if (IS_ERR(res))
			return PTR_ERR(res);
		b->live[b->nr_live++] = res;
		cond_resched();
	}
	return 0;
}

static int vcm_bench_setup(struct vcm_bench *b, struct vcm_test_cmd *cmd)
{
	struct iommu_domain *domain;
	unsigned int i;
	int ret;

	if (b->kind == VCM_BENCH_RESERVE) {
		b->vcm = vcm_create(0, SZ_4G);
		if (IS_ERR(b->vcm))
			return PTR_ERR(b->vcm);
		return vcm_bench_live(b, cmd->bench.live);
	}
	ret = vcm_bench_devs(b, cmd->bench.instance);
	if (ret)
		return ret;
	if (b->kind != VCM_BENCH_HEAP) {
		ret = vcm_bench_vcm(b);
		return ret ?: vcm_bench_buffers(b);
	}

	b->dmabuf = dma_buf_get(cmd->bench.fd);
	if (IS_ERR(b->dmabuf))
		return PTR_ERR(b->dmabuf);
	if (b->dmabuf->size != b->size)
		return -EINVAL;
	/* Each device's own DMA API domain, which a 64K granule cannot have */
	for (i = 0; i < b->nr_devs; i++) {
		domain = iommu_get_domain_for_dev(b->devs[i]);
		if (!domain || !(domain->type & __IOMMU_DOMAIN_DMA_API))
			return -EOPNOTSUPP;
		b->domains[b->nr_domains++] = domain;
	}
	return 0;
}

static void vcm_bench_teardown(struct vcm_bench *b)
{
	struct vcm_bench_thread *t;
	unsigned int i;

	for (i = 0; i < b->threads; i++) {
		t = &b->t[i];
		if (!IS_ERR_OR_NULL(t->phys))
			WARN_ON(vcm_phys_free(t->phys));
		if (!IS_ERR_OR_NULL(t->res))
			WARN_ON(vcm_unreserve(t->res));
		kvfree(t->map_ns);
		kvfree(t->unmap_ns);
	}
	while (b->nr_live)
		WARN_ON(vcm_unreserve(b->live[--b->nr_live]));
	kvfree(b->live);
	for (i = 0; i < b->nr_devs; i++) {
		if (IS_ERR_OR_NULL(b->assocs[i]))
			continue;
		WARN_ON(vcm_deactivate(b->assocs[i]));
		WARN_ON(vcm_deassoc(b->assocs[i]));
	}
	if (!IS_ERR_OR_NULL(b->vcm))
		WARN_ON(vcm_free(b->vcm));
	if (!IS_ERR_OR_NULL(b->dmabuf))
		dma_buf_put(b->dmabuf);
	for (i = 0; i < b->nr_devs; i++) {
		if (!b->devs[i])
			continue;
		if (b->edu)
			put_device(b->devs[i]);
		else
			vcm_mock_dev_destroy(b->devs[i]);
	}
}

static int vcm_bench_run(struct vcm_bench *b)
{
	struct task_struct *task;
	unsigned int i, started;
	int ret = 0;

	for (i = 0; i < b->threads; i++) {
		b->t[i].b = b;
		init_completion(&b->t[i].done);
		b->t[i].map_ns = kvcalloc(b->iterations, sizeof(u64), GFP_KERNEL);
		b->t[i].unmap_ns = kvcalloc(b->iterations, sizeof(u64),
					    GFP_KERNEL);
		if (!b->t[i].map_ns || !b->t[i].unmap_ns)
			return -ENOMEM;
	}
	for (started = 0; started < b->threads; started++) {
		task = kthread_run(vcm_bench_thread_fn, &b->t[started],
				   "vcm-bench/%u", started);
		if (IS_ERR(task)) {
			ret = PTR_ERR(task);
			break;
		}
	}
	for (i = 0; i < started; i++) {
		wait_for_completion(&b->t[i].done);
		ret = ret ?: b->t[i].ret;
	}
	return ret;
}

static bool vcm_bench_args_ok(struct vcm_test_cmd *cmd)
{
	typeof(cmd->bench) *p = &cmd->bench;

	if (p->__reserved || !p->kind || p->kind > VCM_BENCH_RESERVE ||
	    !p->threads || p->threads > VCM_BENCH_MAX_THREADS ||
	    !p->iterations || p->iterations > VCM_BENCH_MAX_ITERATIONS ||
	    !p->size || !PAGE_ALIGNED(p->size) || p->size > VCM_BENCH_MAX_SIZE)
		return false;
	if (p->kind == VCM_BENCH_RESERVE)
		return !p->nr_devs && !p->instance && p->fd == -1 &&
		       p->live <= VCM_BENCH_MAX_LIVE;
	return p->nr_devs && p->nr_devs <= VCM_BENCH_MAX_DEVS && !p->live &&
	       (p->instance < VCM_MOCK_NR || p->instance == VCM_BENCH_EDU) &&
	       (p->kind == VCM_BENCH_HEAP ? p->fd >= 0 : p->fd == -1);
}

/**
 * vcm_test_bench() - VCM_TEST_OP_BENCH
 * @ucmd: the ioctl
 * @cmd: its arguments
 *
 * Return: 0, or an errno; see struct vcm_test_cmd.
 */
int vcm_test_bench(struct vcm_ucmd *ucmd, struct vcm_test_cmd *cmd)
{
	struct vcm_bench *b;
	u64 ptes, syncs, n;
	int ret;

	if (!vcm_bench_args_ok(cmd))
		return -EINVAL;
	b = kzalloc_obj(*b);
	if (!b)
		return -ENOMEM;
	b->kind = cmd->bench.kind;
	b->nr_devs = cmd->bench.nr_devs;
	b->threads = cmd->bench.threads;
	b->iterations = cmd->bench.iterations;
	b->size = cmd->bench.size;

	ret = vcm_bench_setup(b, cmd);
	if (ret)
		goto out;
	vcm_bench_counters(b, &ptes, &syncs);	/* reset them */
	ret = vcm_bench_run(b);
	if (ret)
		goto out;

	n = (u64)b->threads * b->iterations;
	cmd->bench.out_mock = vcm_bench_counters(b, &ptes, &syncs);
	cmd->bench.out_ptes = div64_u64(ptes, n);
	cmd->bench.out_iotlb_syncs = div64_u64(syncs, n);
	cmd->bench.out_cover = cmd->bench.out_mock ? b->cover : 0;
	cmd->bench.out_domains = b->nr_domains;
	cmd->bench.out_samples = n;
	ret = vcm_bench_stats(b, false, &cmd->bench.out_map_ns,
			      &cmd->bench.out_map_stddev_ns,
			      &cmd->bench.out_map_median_ns) ?:
	      vcm_bench_stats(b, true, &cmd->bench.out_unmap_ns,
			      &cmd->bench.out_unmap_stddev_ns,
			      &cmd->bench.out_unmap_median_ns) ?:
	      vcm_ucmd_respond(ucmd, sizeof(*cmd));
out:
	vcm_bench_teardown(b);
	kfree(b);
	return ret;
}
