// SPDX-License-Identifier: GPL-2.0-only
/*
 * A seeded, bounded, multi-threaded random ioctl-sequence fuzzer for
 * /dev/vcm.
 *
 * Each thread draws operations from its own xorshift64* stream, seeded from
 * the seed and the thread's index, and keeps a small table of the ids it
 * holds: VCMs, test devices, associations, physical allocations,
 * reservations, dma-buf attachments, and the dma-buf fds it exported or
 * created. Half of the threads share one open file, so their ioctls race on
 * it; the others open their own. Now and then a thread reopens its file
 * (which releases everything in it), closes a dma-buf or sends a malformed
 * struct. Ids are mostly ones the thread holds, so the deep paths are
 * reached; some are stale, of the wrong type or random.
 *
 * Every result must be success or an errno the uapi allows for that ioctl
 * (drivers/iommu/vcm/vcm_ioctl.h, drivers/iommu/vcm/main.c and test.c); a thread
 * with a file of its own also checks what it can know for certain: VCM_INFO
 * counts its objects, a CPU read returns what a CPU write just wrote, a
 * simulated DMA write through an active association reaches the backing
 * memory, a user mapping shows what the kernel view shows, every domain
 * translates a reservation to its backing (VCM_TEST_OP_CHECK_MAP), and
 * destroy and unback refuse while something depends on the object. The
 * kernel's own checks (KASAN, lockdep, kmemleak) are the other oracle.
 *
 * A failure prints the seed, the thread and its operation number with the
 * last operations of that thread; rerun with the same -s, -t and -n.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vcm_utils.h"

#define DEFAULT_SEED	1
#define DEFAULT_OPS	20000
#define DEFAULT_THREADS	4
#define MAX_THREADS	64

/* What one thread holds at most */
#define MAX_VCM		4
#define MAX_DEV		4
#define MAX_ASSOC	8
#define MAX_PHYS	8
#define MAX_RES		10
#define MAX_ATT		6
#define MAX_BUF		6
#define MAX_MAP		2
#define NR_STALE	8
#define BUDGET		(3 * SZ_1M)	/* memory a thread keeps allocated */

#define RING		20		/* operations kept for a failure report */
#define SCRATCH		SZ_64K		/* per-thread user buffers */
#define DMA_MAX		SZ_16K		/* longest simulated DMA */
#define MAX_ORDERS	512		/* VCM_PHYS_SEGMENTS entries read */
#define NR_ERRNO	134		/* errno buckets; the last one is "other" */
#define MAX_REPORTS	10		/* failures printed in full */
#define STOP_FAILS	200		/* failures after which every thread stops */
#define HANG_SECS	60		/* a call this slow hung, or oopsed */

enum kind {
	K_DESTROY,
	K_CREATE,
	K_INFO,
	K_ASSOC,
	K_ACTIVATE,
	K_DEACTIVATE,
	K_PHYS_ALLOC,
	K_PHYS_SEGMENTS,
	K_RESERVE,
	K_BACK,
	K_UNBACK,
	K_TRANSLATE,
	K_CPU_ACCESS,
	K_EXPORT,
	K_IMPORT,
	K_DMABUF_INFO,
	K_INSTANCE_INFO,
	K_DEV_CREATE,
	K_DEV_REMOVE,
	K_DOMAIN_STATS,
	K_CHECK_MAP,
	K_DMA,
	K_FAULT,
	K_DMABUF_ATTACH,
	K_DMABUF_MAP,
	K_DMABUF_UNMAP,
	K_MMAP,
	K_MMAP_DMABUF,
	K_DMABUF_SYNC,
	K_MALFORMED,
	K_REOPEN,
	K_CLOSE_DMABUF,
	K_UDMABUF,
	K_HEAP,
	K_NR
};

/**
 * struct kind_info - one kind of operation
 * @name: how reports name it
 * @unchecked: a setup step outside /dev/vcm (a udmabuf, a heap buffer): its
 *             result is counted, not judged
 * @lookup_enoent: ENOENT only means that an id named no object of its type,
 *                 so it cannot happen for ids a thread holds on its own file
 * @errnos: the errnos the uapi allows, 0-terminated
 */
struct kind_info {
	const char *name;
	bool unchecked;
	bool lookup_enoent;
	int errnos[10];
};

static const struct kind_info kinds[K_NR] = {
	[K_DESTROY] = { "VCM_DESTROY", false, true, { ENOENT, EBUSY } },
	[K_CREATE] = { "VCM_CREATE", false, false, { EINVAL, ENOMEM } },
	[K_INFO] = { "VCM_INFO", false, true, { ENOENT } },
	[K_ASSOC] = { "VCM_ASSOC", false, true,
		      { ENOENT, EINVAL, EOPNOTSUPP, ENODEV, ERANGE, EEXIST, ENOMEM } },
	[K_ACTIVATE] = { "VCM_ACTIVATE", false, true,
			 { ENOENT, EBUSY, ENODEV, EINVAL, ENOMEM, EOPNOTSUPP } },
	[K_DEACTIVATE] = { "VCM_DEACTIVATE", false, true, { ENOENT, EINVAL, ENODEV, EBUSY } },
	[K_PHYS_ALLOC] = { "VCM_PHYS_ALLOC", false, true, { ENOENT, EINVAL, ENOMEM } },
	[K_PHYS_SEGMENTS] = { "VCM_PHYS_SEGMENTS", false, true,
			      { ENOENT, EMSGSIZE, EINVAL } },
	[K_RESERVE] = { "VCM_RESERVE", false, true,
			{ ENOENT, EINVAL, ENOSPC, EEXIST, ERANGE, ENOMEM } },
	[K_BACK] = { "VCM_BACK", false, true,
		     { ENOENT, EINVAL, EBUSY, ENODEV, ERANGE, ENOMEM } },
	[K_UNBACK] = { "VCM_UNBACK", false, true, { ENOENT, EINVAL, EBUSY } },
	[K_TRANSLATE] = { "VCM_TRANSLATE", false, false, { ENOENT, EINVAL } },
	[K_CPU_ACCESS] = { "VCM_CPU_ACCESS", false, true,
			   { ENOENT, EINVAL, EOPNOTSUPP, ENOMEM, EBUSY } },
	[K_EXPORT] = { "VCM_EXPORT", false, true, { ENOENT, EBUSY, EINVAL, ENOMEM } },
	[K_IMPORT] = { "VCM_IMPORT", false, false,
		       { EBADF, EINVAL, ENODEV, ENOMEM, ERANGE, EBUSY, EIO } },
	[K_DMABUF_INFO] = { "VCM_DMABUF_INFO", false, false, { EBADF, EINVAL } },
	[K_INSTANCE_INFO] = { "TEST_INSTANCE_INFO", false, false, { EINVAL, ENODEV } },
	[K_DEV_CREATE] = { "TEST_DEV_CREATE", false, false,
			   { EINVAL, EOPNOTSUPP, ENODEV, ENOMEM } },
	[K_DEV_REMOVE] = { "TEST_DEV_REMOVE", false, true, { ENOENT, ENODEV } },
	[K_DOMAIN_STATS] = { "TEST_DOMAIN_STATS", false, true,
			     { ENOENT, EINVAL, ENODEV, ENOMEM } },
	[K_CHECK_MAP] = { "TEST_CHECK_MAP", false, true, { ENOENT } },
	[K_DMA] = { "TEST_DMA", false, true,
		    { ENOENT, ENODEV, ERANGE, EFAULT, EINVAL, ENOMEM } },
	[K_FAULT] = { "TEST_FAULT", false, true, { ENOENT, ENODEV } },
	[K_DMABUF_ATTACH] = { "TEST_DMABUF_ATTACH", false, true,
			      { ENOENT, ENODEV, EOPNOTSUPP, EINVAL, EBADF, ENOMEM,
				ERANGE, EBUSY } },
	[K_DMABUF_MAP] = { "TEST_DMABUF_MAP", false, true,
			   { ENOENT, EINVAL, EBUSY, ERANGE, ENOMEM, EIO } },
	[K_DMABUF_UNMAP] = { "TEST_DMABUF_UNMAP", false, true, { ENOENT, EINVAL } },
	[K_MMAP] = { "mmap(/dev/vcm)", false, true,
		     { ENOENT, EINVAL, EBUSY, EOPNOTSUPP, ENOMEM } },
	[K_MMAP_DMABUF] = { "mmap(dma-buf)", false, false, { EINVAL, ENOMEM, ERANGE } },
	[K_DMABUF_SYNC] = { "DMA_BUF_IOCTL_SYNC", false, false, { ENOMEM, EIO } },
	/* A struct of zeroes names no object: what it gets instead */
	[K_MALFORMED] = { "malformed", false, false, { ENOENT, EINVAL, EBADF, EOPNOTSUPP } },
	[K_REOPEN] = { "reopen", false, false, { ENOMEM } },
	[K_CLOSE_DMABUF] = { "close(dma-buf)", false, false, { 0 } },
	[K_UDMABUF] = { "UDMABUF_CREATE", true, false, { 0 } },
	[K_HEAP] = { "DMA_HEAP_IOCTL_ALLOC", true, false, { 0 } },
};

struct errname {
	int err;
	const char *name;
};

static const struct errname errnames[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" },
	{ EIO, "EIO" }, { ENXIO, "ENXIO" }, { E2BIG, "E2BIG" },
	{ EBADF, "EBADF" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
	{ EFAULT, "EFAULT" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" },
	{ ENODEV, "ENODEV" }, { EINVAL, "EINVAL" }, { EMFILE, "EMFILE" },
	{ ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" },
	{ EOVERFLOW, "EOVERFLOW" },
	{ EMSGSIZE, "EMSGSIZE" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ EADDRINUSE, "EADDRINUSE" }, { ETIMEDOUT, "ETIMEDOUT" },
};

/* The tables a thread keeps of what it holds */
struct tvcm {
	__u32 id;
	__u64 start;
	__u64 len;
};

struct tdev {
	__u32 id;
	__u32 instance;
	__u32 flags;
	bool removed;
};

struct tassoc {
	__u32 id;
	__u32 vcm;
	__u32 dev;
	__u32 pasid;
	bool active;
	bool dead;
};

struct tphys {
	__u32 id;
	__u32 flags;
	__u64 len;
	__u32 nr_blocks;
	bool imported;
};

struct tres {
	__u32 id;
	__u32 vcm;
	__u32 phys;		/* the backing this thread gave it, or 0 */
	__u32 flags;
	__u64 addr;
	__u64 len;
	unsigned int maps;	/* live user mappings of it */
};

enum buf_type {
	BUF_VCM,
	BUF_UDMABUF,
	BUF_HEAP,
};

struct tbuf {
	int fd;
	enum buf_type type;
	__u64 size;
	__u64 addr;		/* a VCM export's device address */
	__u32 res;		/* a VCM export's reservation, in file @gen */
	unsigned int gen;
};

struct tatt {
	__u32 id;
	__u32 dev;
	enum buf_type type;
	__u64 size;
	bool mapped;
};

struct tmap {
	void *p;
	size_t len;
	__u32 res;
	unsigned int gen;
};

enum table {
	T_VCM,
	T_DEV,
	T_ASSOC,
	T_PHYS,
	T_RES,
	T_ATT,
	T_BUF,
	T_MAP,
	T_NR
};

struct logent {
	unsigned long op;
	enum kind kind;
	int err;
	char args[96];
};

/**
 * struct thr - one fuzzing thread
 * @idx: its index, which with the seed gives its random stream
 * @rng: the xorshift64* state
 * @fd: the /dev/vcm it uses
 * @shared: @fd is the file every sharing thread uses
 * @shared_gen: the generation of the shared file its tables belong to
 * @gen: bumped whenever its tables start over with a new file
 * @nops: operations to run
 * @op: the operation running
 * @ioctls: calls made
 * @fails: failures it found
 * @valid: every id of the current call comes from its tables
 * @cur: the kind of the call in progress, for a crash or a hang
 * @beat: bumped by every call, watched for hangs
 * @done: it finished
 * @vcm: the VCMs it holds
 * @dev: the test devices it holds
 * @assoc: the associations it holds
 * @phys: the physical allocations it holds
 * @res: the reservations it holds
 * @att: the dma-buf attachments it holds
 * @buf: the dma-buf fds it holds
 * @map: the user mappings it holds
 * @n: entries used in each of the tables above, by T_*
 * @stale: ids it destroyed, to use as stale ids
 * @nstale: entries used in @stale
 * @stale_pos: where the next destroyed id goes in @stale
 * @ring: its last operations, printed with a failure
 * @nlog: operations logged into @ring so far
 * @stats: results per call kind and errno
 * @wbuf: data it writes
 * @rbuf: data it reads back
 * @orders: block orders read back by VCM_PHYS_SEGMENTS
 * @tid: its pthread
 */
struct thr {
	unsigned int idx;
	__u64 rng;
	int fd;
	bool shared;
	unsigned int shared_gen;
	unsigned int gen;
	unsigned long nops;
	unsigned long op;
	unsigned long ioctls;
	unsigned long fails;
	bool valid;
	int cur;
	unsigned long beat;
	bool done;

	struct tvcm vcm[MAX_VCM];
	struct tdev dev[MAX_DEV];
	struct tassoc assoc[MAX_ASSOC];
	struct tphys phys[MAX_PHYS];
	struct tres res[MAX_RES];
	struct tatt att[MAX_ATT];
	struct tbuf buf[MAX_BUF];
	struct tmap map[MAX_MAP];
	int n[T_NR];

	__u32 stale[NR_STALE];
	unsigned int nstale;
	unsigned int stale_pos;

	struct logent ring[RING];
	unsigned long nlog;

	unsigned int stats[K_NR][NR_ERRNO];
	unsigned char *wbuf;
	unsigned char *rbuf;
	__u8 orders[MAX_ORDERS];
	pthread_t tid;
};

static const int table_max[T_NR] = {
	[T_VCM] = MAX_VCM, [T_DEV] = MAX_DEV, [T_ASSOC] = MAX_ASSOC,
	[T_PHYS] = MAX_PHYS, [T_RES] = MAX_RES, [T_ATT] = MAX_ATT,
	[T_BUF] = MAX_BUF, [T_MAP] = MAX_MAP,
};

static unsigned long long opt_seed = DEFAULT_SEED;
static unsigned long opt_ops = DEFAULT_OPS;
static unsigned int opt_threads = DEFAULT_THREADS;

static struct {
	int fd;
	unsigned int gen;
} shared_file;

static bool have_udmabuf;
static bool have_heap;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long total_fails;
static unsigned int reports;
static bool stop;
static __thread struct thr *self_thr;

/* ---- random numbers ---------------------------------------------------- */

static __u64 splitmix64(__u64 *x)
{
	__u64 z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* xorshift64*: each thread has its own stream */
static __u64 rnd(struct thr *t)
{
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return t->rng * 0x2545f4914f6cdd1dULL;
}

static __u32 below(struct thr *t, __u64 n)
{
	return n ? (__u32)((rnd(t) >> 11) % n) : 0;
}

static bool chance(struct thr *t, unsigned int percent)
{
	return below(t, 100) < percent;
}

/* One of @n values, each as likely */
static __u64 pick_u64(struct thr *t, const __u64 *v, unsigned int n)
{
	return v[below(t, n)];
}

/* ---- reporting --------------------------------------------------------- */

static const char *errname(int err)
{
	static __thread char other[24];
	unsigned int i;

	if (!err)
		return "ok";
	for (i = 0; i < ARRAY_SIZE(errnames); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	snprintf(other, sizeof(other), "errno %d", err);
	return other;
}

static void dump_ring(struct thr *t)
{
	unsigned long i = t->nlog > RING ? t->nlog - RING : 0;

	ksft_print_msg("  last %lu operations of thread %u:\n", t->nlog - i, t->idx);
	for (; i < t->nlog; i++) {
		struct logent *e = &t->ring[i % RING];

		ksft_print_msg("    op#%lu %s %s -> %s\n", e->op, kinds[e->kind].name,
			       e->args, errname(e->err));
	}
}

/* Reports a failure of thread @t in its current operation */
static __printf(2, 3) void fail(struct thr *t, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	t->fails++;
	if (__atomic_add_fetch(&total_fails, 1, __ATOMIC_RELAXED) >= STOP_FAILS)
		__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	if (__atomic_fetch_add(&reports, 1, __ATOMIC_RELAXED) >= MAX_REPORTS)
		return;
	pthread_mutex_lock(&print_lock);
	ksft_print_msg("FAIL seed %llu thread %u op#%lu: %s\n", opt_seed, t->idx,
		       t->op, msg);
	dump_ring(t);
	ksft_print_msg("  replay: vcm_fuzz -s %llu -t %u -n %lu\n", opt_seed,
		       opt_threads, opt_ops);
	pthread_mutex_unlock(&print_lock);
}

/* Marks the start of a call, for the crash handler and the watchdog */
static void begin(struct thr *t, enum kind k)
{
	__atomic_store_n(&t->cur, k, __ATOMIC_RELAXED);
	__atomic_add_fetch(&t->beat, 1, __ATOMIC_RELAXED);
}

static void count(struct thr *t, enum kind k, int err)
{
	t->stats[k][err > 0 && err < NR_ERRNO ? err : (err ? NR_ERRNO - 1 : 0)]++;
	t->ioctls++;
	__atomic_add_fetch(&t->beat, 1, __ATOMIC_RELAXED);
}

static void vlog(struct thr *t, enum kind k, int err, const char *fmt, va_list ap)
{
	struct logent *e = &t->ring[t->nlog++ % RING];

	e->op = t->op;
	e->kind = k;
	e->err = err;
	vsnprintf(e->args, sizeof(e->args), fmt, ap);
}

static bool errno_allowed(enum kind k, int err)
{
	const int *e;

	for (e = kinds[k].errnos; *e; e++)
		if (*e == err)
			return true;
	return false;
}

/*
 * Logs the result of a call of kind @k and checks it: success, @extra (an
 * errno the call asked for on purpose) or an errno the uapi allows for @k.
 * Returns @err.
 */
static __printf(5, 6) int record(struct thr *t, enum kind k, int err, int extra,
				 const char *fmt, ...)
{
	va_list ap;

	count(t, k, err);
	va_start(ap, fmt);
	vlog(t, k, err, fmt, ap);
	va_end(ap);
	if (!err || kinds[k].unchecked || err == extra)
		return err;
	if (!errno_allowed(k, err))
		fail(t, "%s returned errno %d (%s)", kinds[k].name, err, errname(err));
	else if (err == ENOENT && kinds[k].lookup_enoent && t->valid && !t->shared)
		fail(t, "%s returned ENOENT for ids this thread holds on its own file",
		     kinds[k].name);
	return err;
}

/* Like record(), for a call that must fail with exactly @want */
static __printf(5, 6) int record_exact(struct thr *t, const char *what, int err,
				       int want, const char *fmt, ...)
{
	va_list ap;

	count(t, K_MALFORMED, err);
	va_start(ap, fmt);
	vlog(t, K_MALFORMED, err, fmt, ap);
	va_end(ap);
	if (err != want)
		fail(t, "%s returned errno %d (%s), expected %s", what, err,
		     errname(err), errname(want));
	return err;
}

static int err_of(int ret)
{
	return ret < 0 ? errno : 0;
}

/* ---- the tables -------------------------------------------------------- */

static struct tvcm *find_vcm(struct thr *t, __u32 id)
{
	int i;

	for (i = 0; i < t->n[T_VCM]; i++)
		if (t->vcm[i].id == id)
			return &t->vcm[i];
	return NULL;
}

static struct tdev *find_dev(struct thr *t, __u32 id)
{
	int i;

	for (i = 0; i < t->n[T_DEV]; i++)
		if (t->dev[i].id == id)
			return &t->dev[i];
	return NULL;
}

static struct tassoc *find_assoc(struct thr *t, __u32 id)
{
	int i;

	for (i = 0; i < t->n[T_ASSOC]; i++)
		if (t->assoc[i].id == id)
			return &t->assoc[i];
	return NULL;
}

static struct tphys *find_phys(struct thr *t, __u32 id)
{
	int i;

	for (i = 0; i < t->n[T_PHYS]; i++)
		if (t->phys[i].id == id)
			return &t->phys[i];
	return NULL;
}

static struct tres *find_res(struct thr *t, __u32 id)
{
	int i;

	for (i = 0; i < t->n[T_RES]; i++)
		if (t->res[i].id == id)
			return &t->res[i];
	return NULL;
}

static struct tatt *find_att(struct thr *t, __u32 id)
{
	int i;

	for (i = 0; i < t->n[T_ATT]; i++)
		if (t->att[i].id == id)
			return &t->att[i];
	return NULL;
}

/* The backing of @r as far as this thread knows: NULL if none or unknown */
static struct tphys *backing(struct thr *t, struct tres *r)
{
	return r && r->phys ? find_phys(t, r->phys) : NULL;
}

/* Memory this thread keeps allocated, as far as it accounts for it */
static __u64 live_bytes(struct thr *t)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < t->n[T_PHYS]; i++)
		if (!t->phys[i].imported)
			sum += t->phys[i].len;
	for (i = 0; i < t->n[T_BUF]; i++)
		sum += t->buf[i].size;
	return sum;
}

static void add_stale(struct thr *t, __u32 id)
{
	t->stale[t->stale_pos++ % NR_STALE] = id;
	if (t->nstale < NR_STALE)
		t->nstale++;
}

/* Drops @id from whichever table holds it; false if none does */
static bool forget(struct thr *t, __u32 id)
{
	int i;

	for (i = 0; i < t->n[T_VCM]; i++)
		if (t->vcm[i].id == id) {
			t->vcm[i] = t->vcm[--t->n[T_VCM]];
			goto found;
		}
	for (i = 0; i < t->n[T_DEV]; i++)
		if (t->dev[i].id == id) {
			t->dev[i] = t->dev[--t->n[T_DEV]];
			goto found;
		}
	for (i = 0; i < t->n[T_ASSOC]; i++)
		if (t->assoc[i].id == id) {
			t->assoc[i] = t->assoc[--t->n[T_ASSOC]];
			goto found;
		}
	for (i = 0; i < t->n[T_PHYS]; i++)
		if (t->phys[i].id == id) {
			t->phys[i] = t->phys[--t->n[T_PHYS]];
			goto found;
		}
	for (i = 0; i < t->n[T_RES]; i++)
		if (t->res[i].id == id) {
			t->res[i] = t->res[--t->n[T_RES]];
			goto found;
		}
	for (i = 0; i < t->n[T_ATT]; i++)
		if (t->att[i].id == id) {
			t->att[i] = t->att[--t->n[T_ATT]];
			goto found;
		}
	return false;
found:
	add_stale(t, id);
	return true;
}

/* The file changed: nothing this thread held in it exists any more */
static void clear_tables(struct thr *t)
{
	int i;

	for (i = T_VCM; i <= T_ATT; i++)
		t->n[i] = 0;
	t->nstale = 0;
	t->gen++;
}

/* An id from any table, most likely of the wrong type for the call */
static __u32 any_id(struct thr *t)
{
	__u32 ids[MAX_VCM + MAX_DEV + MAX_ASSOC + MAX_PHYS + MAX_RES + MAX_ATT];
	unsigned int n = 0;
	int i;

	for (i = 0; i < t->n[T_VCM]; i++)
		ids[n++] = t->vcm[i].id;
	for (i = 0; i < t->n[T_DEV]; i++)
		ids[n++] = t->dev[i].id;
	for (i = 0; i < t->n[T_ASSOC]; i++)
		ids[n++] = t->assoc[i].id;
	for (i = 0; i < t->n[T_PHYS]; i++)
		ids[n++] = t->phys[i].id;
	for (i = 0; i < t->n[T_RES]; i++)
		ids[n++] = t->res[i].id;
	for (i = 0; i < t->n[T_ATT]; i++)
		ids[n++] = t->att[i].id;
	return n ? ids[below(t, n)] : 1 + below(t, 64);
}

/* An id that is not one of this thread's objects of the type wanted */
static __u32 bogus_id(struct thr *t)
{
	unsigned int r = below(t, 100);

	t->valid = false;
	if (r < 40 && t->nstale)
		return t->stale[below(t, t->nstale)];
	if (r < 75)
		return any_id(t);
	if (r < 85)
		return 0;
	if (r < 90)
		return ~0U;
	return 1 + below(t, 128);	/* on a shared file, someone else's */
}

/* Mostly @id; sometimes a stale, wrong-type or random one */
static __u32 mutate(struct thr *t, __u32 id)
{
	return chance(t, 93) ? id : bogus_id(t);
}

/* ---- the calls, shared by the random operations and the clean-ups ------ */

static void op_create(struct thr *t);
static void op_dev_create(struct thr *t);
static void op_assoc(struct thr *t);
static void op_phys_alloc(struct thr *t);
static void op_reserve(struct thr *t);
static void op_export(struct thr *t);
static bool make_room(struct thr *t, enum table tab);

/* VCM_DESTROY of @id, and on a thread's own file the rules for it */
static int do_destroy(struct thr *t, __u32 id)
{
	struct tvcm *v = find_vcm(t, id);
	struct tphys *p = find_phys(t, id);
	struct tres *r = find_res(t, id);
	struct tassoc *a = find_assoc(t, id);
	struct tdev *d = find_dev(t, id);
	const char *dep = NULL;
	int i, err;

	begin(t, K_DESTROY);
	err = err_of(_test_ioctl_destroy(t->fd, id));
	record(t, K_DESTROY, err, 0, "id %u", id);

	/* What VCM_DESTROY must refuse while it exists */
	for (i = 0; v && i < t->n[T_RES]; i++)
		if (t->res[i].vcm == id)
			dep = "a VCM with reservations";
	for (i = 0; v && i < t->n[T_ASSOC]; i++)
		if (t->assoc[i].vcm == id)
			dep = "a VCM with associations";
	for (i = 0; p && i < t->n[T_RES]; i++)
		if (t->res[i].phys == id)
			dep = "an allocation that backs a reservation";
	if (r && r->phys)
		dep = "a backed reservation";
	if (r && r->maps)
		dep = "a mapped reservation";
	if (a && a->active)
		dep = "an active association";
	for (i = 0; d && i < t->n[T_ASSOC]; i++)
		if (t->assoc[i].dev == id)
			dep = "an associated device";
	for (i = 0; d && i < t->n[T_ATT]; i++)
		if (t->att[i].dev == id)
			dep = "an attached device";

	if (!err && !t->shared && dep)
		fail(t, "VCM_DESTROY of %s (id %u) succeeded", dep, id);
	if ((!err || err == ENOENT) && !forget(t, id) && !err && !t->shared)
		fail(t, "VCM_DESTROY of id %u, which this thread never held, succeeded", id);
	return err;
}

static int do_unback(struct thr *t, __u32 res_id)
{
	struct tres *r = find_res(t, res_id);
	bool maps = r && r->maps, unbacked = r && !r->phys;
	int err;

	begin(t, K_UNBACK);
	err = err_of(_test_ioctl_unback(t->fd, res_id));
	record(t, K_UNBACK, err, 0, "res %u", res_id);
	if (!err && !t->shared && maps)
		fail(t, "VCM_UNBACK of mmapped reservation %u succeeded", res_id);
	if (!err && !t->shared && t->valid && unbacked)
		fail(t, "VCM_UNBACK of reservation %u, which is not backed, succeeded",
		     res_id);
	r = find_res(t, res_id);
	if (!err && r)
		r->phys = 0;
	return err;
}

static int do_deactivate(struct thr *t, __u32 assoc_id)
{
	struct tassoc *a;
	int err;

	begin(t, K_DEACTIVATE);
	err = err_of(_test_ioctl_deactivate(t->fd, assoc_id));
	record(t, K_DEACTIVATE, err, 0, "assoc %u", assoc_id);
	a = find_assoc(t, assoc_id);
	if (!err && a)
		a->active = false;
	return err;
}

static void unmap_index(struct thr *t, int i)
{
	struct tmap *m = &t->map[i];
	struct tres *r = m->gen == t->gen ? find_res(t, m->res) : NULL;

	if (munmap(m->p, m->len))
		fail(t, "munmap of reservation %u: %s", m->res, strerror(errno));
	if (r && r->maps)
		r->maps--;
	*m = t->map[--t->n[T_MAP]];
}

static void close_buf_index(struct thr *t, int i)
{
	struct tbuf *b = &t->buf[i];
	int err;

	begin(t, K_CLOSE_DMABUF);
	err = err_of(close(b->fd));
	record(t, K_CLOSE_DMABUF, err, 0, "fd %d", b->fd);
	*b = t->buf[--t->n[T_BUF]];
}

/* Undoes what keeps reservation @id alive, then destroys it */
static void teardown_res(struct thr *t, __u32 id)
{
	struct tres *r;
	int i;

	for (i = t->n[T_MAP] - 1; i >= 0; i--)
		if (t->map[i].res == id && t->map[i].gen == t->gen)
			unmap_index(t, i);
	r = find_res(t, id);
	if (r && r->phys)
		do_unback(t, id);
	if (do_destroy(t, id) != EBUSY)
		return;
	/* Exported: its dma-bufs hold it */
	for (i = t->n[T_BUF] - 1; i >= 0; i--)
		if (t->buf[i].type == BUF_VCM && t->buf[i].res == id &&
		    t->buf[i].gen == t->gen)
			close_buf_index(t, i);
	if (do_unback(t, id) != ENOENT)
		do_destroy(t, id);
}

static void teardown_assoc(struct thr *t, __u32 id)
{
	struct tassoc *a = find_assoc(t, id);

	if (a && a->active)
		do_deactivate(t, id);
	do_destroy(t, id);
}

static void teardown_phys(struct thr *t, __u32 id)
{
	__u32 ids[MAX_RES];
	int i, n = 0;

	if (do_destroy(t, id) != EBUSY)
		return;
	for (i = 0; i < t->n[T_RES]; i++)
		if (t->res[i].phys == id)
			ids[n++] = t->res[i].id;
	for (i = 0; i < n; i++)
		if (do_unback(t, ids[i]) == EBUSY)
			teardown_res(t, ids[i]);
	do_destroy(t, id);
}

static void teardown_vcm(struct thr *t, __u32 id)
{
	__u32 ids[MAX_RES + MAX_ASSOC];
	int i, n = 0, nres;

	for (i = 0; i < t->n[T_RES]; i++)
		if (t->res[i].vcm == id)
			ids[n++] = t->res[i].id;
	nres = n;
	for (i = 0; i < t->n[T_ASSOC]; i++)
		if (t->assoc[i].vcm == id)
			ids[n++] = t->assoc[i].id;
	for (i = 0; i < n; i++) {
		if (i < nres)
			teardown_res(t, ids[i]);
		else
			teardown_assoc(t, ids[i]);
	}
	do_destroy(t, id);
}

static void teardown_dev(struct thr *t, __u32 id)
{
	__u32 ids[MAX_ATT + MAX_ASSOC];
	int i, n = 0, natt;

	for (i = 0; i < t->n[T_ATT]; i++)
		if (t->att[i].dev == id)
			ids[n++] = t->att[i].id;
	natt = n;
	for (i = 0; i < t->n[T_ASSOC]; i++)
		if (t->assoc[i].dev == id)
			ids[n++] = t->assoc[i].id;
	for (i = 0; i < n; i++) {
		if (i < natt)
			do_destroy(t, ids[i]);
		else
			teardown_assoc(t, ids[i]);
	}
	do_destroy(t, id);
}

/* Tears down one random entry of @tab, and what keeps it alive */
static void teardown_one(struct thr *t, enum table tab)
{
	int i = below(t, t->n[tab]);

	t->valid = true;
	switch (tab) {
	case T_VCM:
		teardown_vcm(t, t->vcm[i].id);
		break;
	case T_DEV:
		teardown_dev(t, t->dev[i].id);
		break;
	case T_ASSOC:
		teardown_assoc(t, t->assoc[i].id);
		break;
	case T_PHYS:
		teardown_phys(t, t->phys[i].id);
		break;
	case T_RES:
		teardown_res(t, t->res[i].id);
		break;
	case T_ATT:
		do_destroy(t, t->att[i].id);
		break;
	case T_BUF:
		close_buf_index(t, i);
		break;
	default:
		unmap_index(t, i);
		break;
	}
}

/* Makes room for one more entry in @tab; false if it could not */
static bool make_room(struct thr *t, enum table tab)
{
	int tries;

	for (tries = 0; tries < 3 && t->n[tab] >= table_max[tab]; tries++)
		teardown_one(t, tab);
	return t->n[tab] < table_max[tab];
}

/* Frees memory until @more bytes fit in the budget; false if they do not */
static bool make_budget(struct thr *t, __u64 more)
{
	int tries;

	for (tries = 0; tries < 4 && live_bytes(t) + more > BUDGET; tries++) {
		if (t->n[T_BUF] && (chance(t, 50) || !t->n[T_PHYS]))
			teardown_one(t, T_BUF);
		else if (t->n[T_PHYS])
			teardown_one(t, T_PHYS);
	}
	return live_bytes(t) + more <= BUDGET;
}

/* ---- picking what to operate on ---------------------------------------- */

static struct tvcm *pick_vcm(struct thr *t)
{
	if (!t->n[T_VCM] && chance(t, 80))
		op_create(t);
	return t->n[T_VCM] ? &t->vcm[below(t, t->n[T_VCM])] : NULL;
}

static struct tdev *pick_dev(struct thr *t)
{
	int i, live = 0;

	if (!t->n[T_DEV] && chance(t, 80))
		op_dev_create(t);
	for (i = 0; i < t->n[T_DEV]; i++)
		live += !t->dev[i].removed;
	/* Mostly devices that are still there */
	if (live && chance(t, 90)) {
		int k = below(t, live);

		for (i = 0; i < t->n[T_DEV]; i++)
			if (!t->dev[i].removed && !k--)
				return &t->dev[i];
	}
	return t->n[T_DEV] ? &t->dev[below(t, t->n[T_DEV])] : NULL;
}

/* An association, preferring active ones if @active */
static struct tassoc *pick_assoc(struct thr *t, bool active)
{
	int i, n = 0, k;

	if (!t->n[T_ASSOC] && chance(t, 80))
		op_assoc(t);
	for (i = 0; i < t->n[T_ASSOC]; i++)
		n += t->assoc[i].active == active && !t->assoc[i].dead;
	if (n && chance(t, 80)) {
		k = below(t, n);
		for (i = 0; i < t->n[T_ASSOC]; i++)
			if (t->assoc[i].active == active && !t->assoc[i].dead && !k--)
				return &t->assoc[i];
	}
	return t->n[T_ASSOC] ? &t->assoc[below(t, t->n[T_ASSOC])] : NULL;
}

static struct tphys *pick_phys(struct thr *t)
{
	if (!t->n[T_PHYS] && chance(t, 80))
		op_phys_alloc(t);
	return t->n[T_PHYS] ? &t->phys[below(t, t->n[T_PHYS])] : NULL;
}

/* A reservation, preferring backed (or unbacked) ones */
static struct tres *pick_res(struct thr *t, bool backed)
{
	int i, n = 0, k;

	if (!t->n[T_RES] && chance(t, 80))
		op_reserve(t);
	for (i = 0; i < t->n[T_RES]; i++)
		n += !!t->res[i].phys == backed;
	if (n && chance(t, 80)) {
		k = below(t, n);
		for (i = 0; i < t->n[T_RES]; i++)
			if (!!t->res[i].phys == backed && !k--)
				return &t->res[i];
	}
	return t->n[T_RES] ? &t->res[below(t, t->n[T_RES])] : NULL;
}

/* A reservation of VCM @vcm_id, preferring backed ones */
static struct tres *pick_res_in(struct thr *t, __u32 vcm_id)
{
	struct tres *any = NULL;
	int i, n = 0, k;

	for (i = 0; i < t->n[T_RES]; i++)
		n += t->res[i].vcm == vcm_id;
	if (!n)
		return NULL;
	k = below(t, n);
	for (i = 0; i < t->n[T_RES]; i++) {
		if (t->res[i].vcm != vcm_id)
			continue;
		if (t->res[i].phys && chance(t, 70))
			return &t->res[i];
		if (!k--)
			any = &t->res[i];
	}
	return any;
}

static struct tbuf *pick_buf(struct thr *t)
{
	if (!t->n[T_BUF] && chance(t, 70))
		op_export(t);
	return t->n[T_BUF] ? &t->buf[below(t, t->n[T_BUF])] : NULL;
}

static struct tatt *pick_att(struct thr *t)
{
	return t->n[T_ATT] ? &t->att[below(t, t->n[T_ATT])] : NULL;
}

/* A length for an allocation or a reservation: mostly small */
static __u64 pick_len(struct thr *t)
{
	static const __u64 lens[] = {
		SZ_4K, SZ_4K, SZ_4K, SZ_8K, 3 * SZ_4K, SZ_16K, SZ_64K, SZ_64K,
		SZ_64K, SZ_128K, 3 * SZ_64K, SZ_256K, SZ_1M,
	};

	if (chance(t, 5))
		return (1 + below(t, 64)) * SZ_4K;
	return pick_u64(t, lens, ARRAY_SIZE(lens));
}

/* A file descriptor that is not a dma-buf */
static int bad_fd(struct thr *t)
{
	switch (below(t, 3)) {
	case 0:
		return -1;
	case 1:
		return 1 << 20;
	default:
		return t->fd;	/* a file, but not a dma-buf */
	}
}

/* ---- the random operations ----------------------------------------------- */

static void op_create(struct thr *t)
{
	static const __u64 starts[] = {
		0, SZ_4K, SZ_4K, SZ_4K, SZ_16M, SZ_256M, SZ_4G, 1ULL << 40,
	};
	static const __u64 lens[] = {
		SZ_64K, SZ_16M, SZ_16M, SZ_16M, SZ_256M, SZ_256M, SZ_256M, SZ_4G,
		1ULL << 46,
	};
	__u64 start, len, end;
	__u32 id = 0;
	bool good;
	int err;

	if (!make_room(t, T_VCM))
		return;
	t->valid = true;
	start = pick_u64(t, starts, ARRAY_SIZE(starts));
	len = pick_u64(t, lens, ARRAY_SIZE(lens));
	if (chance(t, 20))
		start = (__u64)below(t, SZ_512M / SZ_4K) * SZ_4K;
	switch (below(t, 50)) {
	case 0:
		start |= 0x234;		/* not page aligned */
		break;
	case 1:
		len = 0;
		break;
	case 2:
		len |= 0x100;
		break;
	case 3:
		start = ~0ULL - SZ_4K + 1;	/* wraps */
		break;
	}

	begin(t, K_CREATE);
	err = err_of(_test_ioctl_vcm_create(t->fd, start, len, &id));
	record(t, K_CREATE, err, 0, "start %#llx len %#llx -> %u", start, len, id);
	good = len && !(start % SZ_4K) && !(len % SZ_4K) &&
	       !__builtin_add_overflow(start, len - 1, &end);
	if (good && err && err != ENOMEM)
		fail(t, "VCM_CREATE of a good range returned %s", errname(err));
	if (!good && err != EINVAL)
		fail(t, "VCM_CREATE of a bad range returned %s, not EINVAL", errname(err));
	if (!err)
		t->vcm[t->n[T_VCM]++] = (struct tvcm){ id, start, len };
}

static void op_info(struct thr *t)
{
	struct tvcm *v = pick_vcm(t);
	struct vcm_info info;
	unsigned int nres = 0, nassoc = 0, nbacked = 0;
	__u32 id;
	int i, err;

	t->valid = true;
	id = v ? mutate(t, v->id) : bogus_id(t);
	begin(t, K_INFO);
	err = err_of(_test_ioctl_vcm_info(t->fd, id, &info));
	record(t, K_INFO, err, 0, "vcm %u -> res %u backed %u assoc %u domains %u",
	       id, info.out_nr_res, info.out_nr_backed, info.out_nr_assoc,
	       info.out_nr_domains);
	if (err)
		return;
	if (info.out_nr_backed > info.out_nr_res || info.out_nr_domains > info.out_nr_assoc ||
	    info.out_nr_res > 1U << 20 || info.out_nr_assoc > 1U << 20)
		fail(t, "VCM_INFO of %u: %u reservations, %u backed, %u associations, %u domains",
		     id, info.out_nr_res, info.out_nr_backed, info.out_nr_assoc,
		     info.out_nr_domains);
	v = find_vcm(t, id);
	if (t->shared || !t->valid || !v)
		return;
	/* On its own file, this thread made every object there is */
	for (i = 0; i < t->n[T_RES]; i++) {
		nres += t->res[i].vcm == id;
		nbacked += t->res[i].vcm == id && t->res[i].phys;
	}
	for (i = 0; i < t->n[T_ASSOC]; i++)
		nassoc += t->assoc[i].vcm == id;
	if (info.out_start != v->start || info.out_len != v->len)
		fail(t, "VCM_INFO of %u: [%#llx +%#llx), created as [%#llx +%#llx)", id,
		     info.out_start, info.out_len, v->start, v->len);
	if (info.out_nr_res != nres || info.out_nr_assoc != nassoc ||
	    info.out_nr_backed < nbacked)
		fail(t, "VCM_INFO of %u: %u res, %u backed, %u assoc; thread holds %u, %u, %u",
		     id, info.out_nr_res, info.out_nr_backed, info.out_nr_assoc, nres,
		     nbacked, nassoc);
	if (!info.out_pgsizes != !info.out_nr_domains)
		fail(t, "VCM_INFO of %u: page sizes %#llx with %u domains", id,
		     info.out_pgsizes, info.out_nr_domains);
}

static void op_dev_create(struct thr *t)
{
	static const __u32 bits[] = { 0, 0, 0, 0, 0, 0, 32, 40, 48, 64 };
	__u32 instance, flags = 0, dma_bits, id = 0;
	int err;

	if (!make_room(t, T_DEV))
		return;
	t->valid = true;
	instance = below(t, VCM_MOCK_NR);
	if (chance(t, 35))
		instance = VCM_MOCK_LPAE_4K;	/* the one with PASIDs */
	if (chance(t, 40))
		flags |= VCM_TEST_DEV_PASID;
	if (chance(t, 6)) {
		flags = VCM_TEST_DEV_NO_IOMMU;
		instance = chance(t, 90) ? 0 : instance;
	}
	dma_bits = bits[below(t, ARRAY_SIZE(bits))];
	if (chance(t, 2))
		dma_bits = 65;
	if (chance(t, 2))
		instance = VCM_MOCK_NR;

	begin(t, K_DEV_CREATE);
	err = err_of(_test_cmd_dev_create(t->fd, instance, flags, dma_bits, &id));
	record(t, K_DEV_CREATE, err, 0, "instance %u flags %#x dma_bits %u -> %u",
	       instance, flags, dma_bits, id);
	if (!err)
		t->dev[t->n[T_DEV]++] = (struct tdev){ id, instance, flags, false };
}

static void op_dev_remove(struct thr *t)
{
	struct tdev *d = pick_dev(t);
	__u32 id;
	int i, err;

	t->valid = true;
	id = d ? mutate(t, d->id) : bogus_id(t);
	begin(t, K_DEV_REMOVE);
	err = err_of(_test_cmd_dev_remove(t->fd, id));
	record(t, K_DEV_REMOVE, err, 0, "dev %u", id);
	d = find_dev(t, id);
	if (err || !d)
		return;
	d->removed = true;
	/* Its dma-buf attachments are detached and gone, as in a remove() */
	for (i = t->n[T_ATT] - 1; i >= 0; i--)
		if (t->att[i].dev == id)
			forget(t, t->att[i].id);
	/* Its associations are detached and dead */
	for (i = 0; i < t->n[T_ASSOC]; i++) {
		if (t->assoc[i].dev != id)
			continue;
		t->assoc[i].active = false;
		t->assoc[i].dead = true;
	}
}

static void op_assoc(struct thr *t)
{
	struct tvcm *v;
	struct tdev *d;
	__u32 vcm_id, dev_id, flags = 0, pasid = 0, id = 0;
	bool pasid_dev;
	int err;

	if (!make_room(t, T_ASSOC))
		return;
	v = pick_vcm(t);
	d = pick_dev(t);
	t->valid = true;
	vcm_id = v ? mutate(t, v->id) : bogus_id(t);
	dev_id = d ? mutate(t, d->id) : bogus_id(t);
	pasid_dev = d && (d->flags & VCM_TEST_DEV_PASID);
	if ((pasid_dev && chance(t, 45)) || chance(t, 4)) {
		flags = VCM_ASSOC_PASID;
		pasid = 1 + below(t, 4);
	}
	switch (below(t, 40)) {
	case 0:
		pasid = 0;		/* PASID 0 is the RID */
		break;
	case 1:
		pasid = 1000;		/* beyond the PASID count */
		break;
	case 2:
		pasid = 1;		/* a PASID without VCM_ASSOC_PASID */
		flags = 0;
		break;
	}

	begin(t, K_ASSOC);
	err = err_of(_test_ioctl_assoc(t->fd, vcm_id, dev_id, flags, pasid, &id));
	record(t, K_ASSOC, err, 0, "vcm %u dev %u flags %#x pasid %u -> %u", vcm_id,
	       dev_id, flags, pasid, id);
	if (!err)
		t->assoc[t->n[T_ASSOC]++] = (struct tassoc){ id, vcm_id, dev_id,
							    flags ? pasid : 0,
							    false, false };
}

static void op_activate(struct thr *t)
{
	struct tassoc *a = pick_assoc(t, false);
	__u32 id;
	int err;

	t->valid = true;
	id = a ? mutate(t, a->id) : bogus_id(t);
	begin(t, K_ACTIVATE);
	err = err_of(_test_ioctl_activate(t->fd, id));
	record(t, K_ACTIVATE, err, 0, "assoc %u", id);
	a = find_assoc(t, id);
	if (!err && a)
		a->active = true;
}

static void op_deactivate(struct thr *t)
{
	struct tassoc *a = pick_assoc(t, true);

	t->valid = true;
	do_deactivate(t, a ? mutate(t, a->id) : bogus_id(t));
}

static void op_phys_alloc(struct thr *t)
{
	static const __u64 pgsizes[] = {
		0, 0, 0, 0, SZ_4K, SZ_4K, SZ_4K | SZ_64K,
		SZ_4K | SZ_64K | SZ_1M | SZ_16M, SZ_4K | SZ_2M | SZ_1G,
		SZ_64K | SZ_512M, SZ_64K,
	};
	__u32 flags = 0, vcm_id = 0, id = 0, nr_blocks = 0, nr_segments = 0;
	struct tvcm *v = NULL;
	__u64 len, pg;
	int err;

	len = pick_len(t);
	if (!make_room(t, T_PHYS) || !make_budget(t, len))
		return;
	pg = pick_u64(t, pgsizes, ARRAY_SIZE(pgsizes));
	if (!pg)
		v = pick_vcm(t);
	t->valid = true;
	if (!pg)
		vcm_id = v ? mutate(t, v->id) : bogus_id(t);
	if (pg == SZ_64K && chance(t, 80))
		len = (len + SZ_64K - 1) & ~(SZ_64K - 1);
	if (chance(t, 12))
		flags |= VCM_PHYS_CONTIG;
	if (chance(t, 12))
		flags |= VCM_PHYS_WC;
	else if (chance(t, 9))
		flags |= VCM_PHYS_UNCACHED;
	switch (below(t, 60)) {
	case 0:
		flags |= VCM_PHYS_WC | VCM_PHYS_UNCACHED;
		break;
	case 1:
		pg = 1;			/* no size the allocator can use */
		break;
	case 2:
		pg = 1ULL << 63;
		break;
	case 3:
		vcm_id = 1 + below(t, 8);	/* a VCM with explicit sizes, or any id */
		t->valid = false;
		break;
	}

	begin(t, K_PHYS_ALLOC);
	err = err_of(_test_ioctl_phys_alloc(t->fd, flags, len, pg, vcm_id, &id,
					    &nr_blocks, &nr_segments));
	record(t, K_PHYS_ALLOC, err, 0,
	       "flags %#x len %#llx pgsizes %#llx vcm %u -> %u (%u blocks, %u segs)",
	       flags, len, pg, vcm_id, id, nr_blocks, nr_segments);
	if (err)
		return;
	if (!nr_blocks || !nr_segments || nr_segments > nr_blocks ||
	    ((flags & VCM_PHYS_CONTIG) && (nr_blocks != 1 || nr_segments != 1)))
		fail(t, "VCM_PHYS_ALLOC flags %#x len %#llx: %u blocks, %u segments",
		     flags, len, nr_blocks, nr_segments);
	t->phys[t->n[T_PHYS]++] = (struct tphys){ id, flags, len, nr_blocks, false };
}

static void op_phys_segments(struct thr *t)
{
	struct tphys *p = pick_phys(t);
	__u32 id, n, want;
	__u8 *orders = t->orders;
	__u64 sum = 0;
	int extra = 0, err;
	__u32 i;

	t->valid = true;
	id = p ? mutate(t, p->id) : bogus_id(t);
	n = p ? p->nr_blocks : 1;
	if (chance(t, 15))
		n = below(t, n);	/* too few: EMSGSIZE */
	if (n > MAX_ORDERS)
		n = MAX_ORDERS;
	if (chance(t, 3) && n) {
		orders = NULL;
		extra = EFAULT;
	}
	want = n;

	begin(t, K_PHYS_SEGMENTS);
	err = err_of(_test_ioctl_phys_segments(t->fd, id, &n, orders));
	record(t, K_PHYS_SEGMENTS, err, extra, "phys %u nr_blocks %u -> %u", id, want, n);
	p = find_phys(t, id);
	if (err || !p || !t->valid || t->shared || !orders)
		return;
	if (n != p->nr_blocks)
		fail(t, "VCM_PHYS_SEGMENTS of %u: %u blocks, VCM_PHYS_ALLOC said %u", id,
		     n, p->nr_blocks);
	if (p->flags & VCM_PHYS_CONTIG)
		return;		/* one block of the order it was carved from */
	for (i = 0; i < n && i < MAX_ORDERS; i++)
		sum += (__u64)page_size << orders[i];
	if (n <= MAX_ORDERS && sum != p->len)
		fail(t, "VCM_PHYS_SEGMENTS of %u: blocks of %#llx bytes for %#llx", id,
		     sum, p->len);
}

static void op_reserve(struct thr *t)
{
	static const __u64 aligns[] = {
		0, 0, 0, 0, 0, 0, SZ_4K, SZ_64K, SZ_64K, SZ_1M, SZ_2M, SZ_1G,
	};
	static const __u32 caches[] = {
		VCM_RESERVE_WB, VCM_RESERVE_WC, VCM_RESERVE_UNCACHED,
	};
	__u32 flags = VCM_RESERVE_READ | VCM_RESERVE_WRITE, vcm_id, id = 0;
	struct tphys *p = NULL;
	struct tvcm *v;
	__u64 len, align, addr = 0, want = 0, end;
	bool fixed, odd_addr = false;
	int i, err;

	if (!make_room(t, T_RES))
		return;
	v = pick_vcm(t);
	if (t->n[T_PHYS] && chance(t, 65))
		p = &t->phys[below(t, t->n[T_PHYS])];
	t->valid = true;
	vcm_id = v ? mutate(t, v->id) : bogus_id(t);
	len = p ? p->len : pick_len(t);
	align = pick_u64(t, aligns, ARRAY_SIZE(aligns));
	if (chance(t, 8))
		flags = chance(t, 50) ? VCM_RESERVE_READ : VCM_RESERVE_WRITE;
	if (chance(t, 2))
		flags = 0;
	if (p && chance(t, 15))
		flags |= p->flags & VCM_PHYS_WC ? VCM_RESERVE_WC :
			 p->flags & VCM_PHYS_UNCACHED ? VCM_RESERVE_UNCACHED :
			 VCM_RESERVE_WB;
	else if (chance(t, 10))
		flags |= caches[below(t, ARRAY_SIZE(caches))];
	if (chance(t, 2))
		flags |= VCM_RESERVE_WB | VCM_RESERVE_UNCACHED;
	if (chance(t, 2))
		align = chance(t, 50) ? 3 * SZ_4K : SZ_2G;
	fixed = chance(t, 30);
	if (fixed) {
		__u64 base = v ? v->start : SZ_4K;
		__u64 span = v && v->len < SZ_64M ? v->len : SZ_64M;
		__u64 a = align > SZ_4K && align <= SZ_2M ? align : SZ_4K;

		addr = (base + below(t, span)) & ~(a - 1);
		if (addr < base)
			addr += a;
		/* Overlapping a reservation, outside the VCM, or unaligned */
		if (chance(t, 10) && t->n[T_RES])
			addr = t->res[below(t, t->n[T_RES])].addr;
		if (chance(t, 4))
			addr = chance(t, 50) ? base - SZ_4K : base + (v ? v->len : 0);
		if (chance(t, 2))
			addr |= 0x800;
		flags |= VCM_RESERVE_FIXED;
		want = addr;
	} else if (chance(t, 2)) {
		odd_addr = true;	/* an address without VCM_RESERVE_FIXED */
	}

	begin(t, K_RESERVE);
	if (odd_addr) {
		struct vcm_reserve cmd = {
			.size = sizeof(cmd),
			.flags = flags,
			.vcm_id = vcm_id,
			.len = len,
			.align = align,
			.addr = SZ_1M,
		};

		err = err_of(ioctl(t->fd, VCM_RESERVE, &cmd));
		id = cmd.out_res_id;
		addr = cmd.addr;
	} else if (fixed && flags == (VCM_RESERVE_FIXED | VCM_RESERVE_READ |
				      VCM_RESERVE_WRITE) && !align) {
		err = err_of(_test_ioctl_reserve_fixed(t->fd, vcm_id, addr, len, &id));
	} else if (flags == (VCM_RESERVE_READ | VCM_RESERVE_WRITE)) {
		err = err_of(_test_ioctl_reserve_rw(t->fd, vcm_id, len, align, &addr, &id));
	} else {
		err = err_of(_test_ioctl_reserve(t->fd, vcm_id, flags, len, align, &addr,
						 &id));
	}
	record(t, K_RESERVE, err, odd_addr ? EINVAL : 0,
	       "vcm %u flags %#x len %#llx align %#llx addr %#llx -> %u", vcm_id, flags,
	       len, align, addr, id);
	if (err)
		return;
	if (odd_addr)
		fail(t, "VCM_RESERVE with an address and no VCM_RESERVE_FIXED succeeded");
	if (fixed && addr != want)
		fail(t, "VCM_RESERVE_FIXED at %#llx reserved %#llx", want, addr);
	v = find_vcm(t, vcm_id);
	if (v && !t->shared && t->valid) {
		if (addr < v->start || __builtin_add_overflow(addr, len - 1, &end) ||
		    end > v->start + (v->len - 1))
			fail(t, "VCM_RESERVE: [%#llx +%#llx) outside VCM %u [%#llx +%#llx)",
			     addr, len, vcm_id, v->start, v->len);
		if (align && addr % align)
			fail(t, "VCM_RESERVE: %#llx not aligned to %#llx", addr, align);
		for (i = 0; i < t->n[T_RES]; i++)
			if (t->res[i].vcm == vcm_id && addr < t->res[i].addr + t->res[i].len &&
			    t->res[i].addr < addr + len)
				fail(t, "VCM_RESERVE: [%#llx +%#llx) overlaps reservation %u",
				     addr, len, t->res[i].id);
	}
	t->res[t->n[T_RES]++] = (struct tres){ id, vcm_id, 0, flags, addr, len, 0 };
}

/* Whether allocation @p may back reservation @r as far as cache goes */
static bool cache_fits(struct tres *r, struct tphys *p)
{
	__u32 want = r->flags & (VCM_RESERVE_WB | VCM_RESERVE_WC | VCM_RESERVE_UNCACHED);

	if (!want)
		return true;
	if (p->flags & VCM_PHYS_WC)
		return want == VCM_RESERVE_WC;
	if (p->flags & VCM_PHYS_UNCACHED)
		return want == VCM_RESERVE_UNCACHED;
	return want == VCM_RESERVE_WB;
}

static void op_back(struct thr *t)
{
	struct tres *r = pick_res(t, false);
	struct tphys *p = NULL;
	__u32 res_id, phys_id;
	int i, err;

	/* Mostly an allocation that fits */
	if (r && t->n[T_PHYS] && chance(t, 85)) {
		int first = below(t, t->n[T_PHYS]);

		for (i = 0; i < t->n[T_PHYS]; i++) {
			struct tphys *c = &t->phys[(first + i) % t->n[T_PHYS]];

			if (c->len == r->len && cache_fits(r, c)) {
				p = c;
				break;
			}
		}
	}
	if (!p)
		p = pick_phys(t);
	t->valid = true;
	res_id = r ? mutate(t, r->id) : bogus_id(t);
	phys_id = p ? mutate(t, p->id) : bogus_id(t);

	begin(t, K_BACK);
	err = err_of(_test_ioctl_back(t->fd, res_id, phys_id));
	record(t, K_BACK, err, 0, "res %u phys %u", res_id, phys_id);
	r = find_res(t, res_id);
	p = find_phys(t, phys_id);
	if (err || !r)
		return;
	if (!t->shared && p && p->len != r->len)
		fail(t, "VCM_BACK of %#llx bytes with %#llx bytes succeeded", r->len, p->len);
	if (!t->shared && r->phys)
		fail(t, "VCM_BACK of reservation %u, backed by %u, succeeded", res_id,
		     r->phys);
	r->phys = phys_id;
}

static void op_unback(struct thr *t)
{
	struct tres *r = pick_res(t, true);

	t->valid = true;
	do_unback(t, r ? mutate(t, r->id) : bogus_id(t));
}

static void op_destroy(struct thr *t)
{
	static const enum table tabs[] = {
		T_VCM, T_DEV, T_ASSOC, T_ASSOC, T_PHYS, T_PHYS, T_RES, T_RES, T_ATT,
	};
	enum table tab = tabs[below(t, ARRAY_SIZE(tabs))];
	__u32 id;

	if (t->n[tab] && chance(t, 30)) {
		/* Undo what keeps it alive first */
		teardown_one(t, tab);
		return;
	}
	t->valid = true;
	if (!t->n[tab] || chance(t, 15))
		id = bogus_id(t);
	else if (tab == T_VCM)
		id = t->vcm[below(t, t->n[tab])].id;
	else if (tab == T_DEV)
		id = t->dev[below(t, t->n[tab])].id;
	else if (tab == T_ASSOC)
		id = t->assoc[below(t, t->n[tab])].id;
	else if (tab == T_PHYS)
		id = t->phys[below(t, t->n[tab])].id;
	else if (tab == T_RES)
		id = t->res[below(t, t->n[tab])].id;
	else
		id = t->att[below(t, t->n[tab])].id;
	do_destroy(t, id);
}

static void op_translate(struct thr *t)
{
	struct tvcm *src = pick_vcm(t), *dst;
	struct tres *r = NULL;
	struct tphys *p;
	__u32 src_id, dst_id;
	__u64 addr, off = 0, out = 0;
	bool found = false;
	int i, err;

	if (src)
		r = pick_res_in(t, src->id);
	dst = t->n[T_VCM] ? &t->vcm[below(t, t->n[T_VCM])] : NULL;
	if (dst && src && chance(t, 30))
		dst = src;
	t->valid = true;
	src_id = src ? mutate(t, src->id) : bogus_id(t);
	dst_id = dst ? mutate(t, dst->id) : bogus_id(t);
	if (r)
		off = below(t, r->len);
	addr = r ? r->addr + off : below(t, SZ_16M);

	begin(t, K_TRANSLATE);
	err = err_of(_test_ioctl_translate(t->fd, src_id, addr, dst_id, &out));
	record(t, K_TRANSLATE, err, 0, "src %u addr %#llx dst %u -> %#llx", src_id, addr,
	       dst_id, out);

	/* On its own file the thread knows where the memory is backed */
	r = r ? find_res(t, r->id) : NULL;
	p = backing(t, r);
	if (t->shared || !t->valid || !p || !find_vcm(t, dst_id))
		return;
	for (i = 0; i < t->n[T_RES]; i++) {
		struct tres *o = &t->res[i];

		if (o->vcm == dst_id && o->phys == p->id &&
		    (err || out == o->addr + off))
			found = true;
	}
	if (!err && !found)
		fail(t, "VCM_TRANSLATE of %#llx from %u: %#llx in %u is not that memory",
		     addr, src_id, out, dst_id);
	if (err && found)
		fail(t, "VCM_TRANSLATE of %#llx from %u: %s, but %u maps that memory",
		     addr, src_id, errname(err), dst_id);
}

static void op_cpu_access(struct thr *t)
{
	struct tres *r = pick_res(t, true);
	struct tphys *p;
	__u64 off = 0, len = 1 + below(t, 64);
	__u32 op = chance(t, 50) ? VCM_CPU_WRITE : VCM_CPU_READ, id;
	void *buf = t->wbuf;
	int extra = 0, err;

	t->valid = true;
	id = r ? mutate(t, r->id) : bogus_id(t);
	if (r && chance(t, 10))
		len = 1 + below(t, r->len < SZ_16K ? r->len : SZ_16K);
	if (r && len > r->len)
		len = r->len;
	if (r)
		off = below(t, r->len - len + 1);
	switch (below(t, 60)) {
	case 0:
		op = 2;			/* no such op: EOPNOTSUPP */
		break;
	case 1:
		len = 0;
		break;
	case 2:
		off = r ? r->len : SZ_1G;
		break;
	case 3:
		buf = NULL;
		extra = EFAULT;
		break;
	}
	if (op == VCM_CPU_WRITE && buf)
		for (__u64 i = 0; i < len; i++)
			t->wbuf[i] = (unsigned char)rnd(t);

	begin(t, K_CPU_ACCESS);
	err = err_of(_test_ioctl_cpu_access(t->fd, op, id, off, buf, len));
	record(t, K_CPU_ACCESS, err, extra, "%s res %u off %#llx len %#llx",
	       op == VCM_CPU_WRITE ? "write" : op ? "op 2" : "read", id, off, len);

	r = find_res(t, id);
	p = backing(t, r);
	if (t->shared || !t->valid || !r || op > VCM_CPU_WRITE || !len || !buf ||
	    off + len > r->len)
		return;
	/* EBUSY: exported, by this thread or kept so by a dma-buf reference */
	if (p && !p->imported && err && err != ENOMEM && err != EBUSY)
		fail(t, "VCM_CPU_ACCESS of reservation %u backed by %u: %s", id, p->id,
		     errname(err));
	if (p && p->imported && err != EOPNOTSUPP)
		fail(t, "VCM_CPU_ACCESS of reservation %u backed by an import: %s", id,
		     errname(err));
	if (err || op != VCM_CPU_WRITE)
		return;
	/* What the thread just wrote, nobody else can have changed */
	begin(t, K_CPU_ACCESS);
	err = err_of(_test_ioctl_cpu_access(t->fd, VCM_CPU_READ, id, off, t->rbuf, len));
	record(t, K_CPU_ACCESS, err, 0, "read back res %u off %#llx len %#llx", id, off,
	       len);
	if (err)
		fail(t, "VCM_CPU_ACCESS read after a write of reservation %u: %s", id,
		     errname(err));
	else if (!err && memcmp(t->wbuf, t->rbuf, len))
		fail(t, "VCM_CPU_ACCESS of reservation %u: %#llx bytes at %#llx read back wrong",
		     id, len, off);
}

static void op_mmap(struct thr *t)
{
	struct tres *r = pick_res(t, true);
	struct tphys *p;
	size_t len = page_size;
	int flags = MAP_SHARED, err;
	bool keep, unbacked, too_long = false;
	__u32 id;
	void *m;

	if (t->n[T_MAP] == MAX_MAP)
		unmap_index(t, below(t, MAX_MAP));
	t->valid = true;
	id = r ? mutate(t, r->id) : bogus_id(t);
	if (r)
		len = chance(t, 60) ? r->len : (1 + below(t, r->len / page_size)) * page_size;
	if (chance(t, 4)) {
		len = (r ? r->len : len) + page_size;	/* longer than the reservation */
		too_long = true;
	}
	if (chance(t, 3))
		flags = MAP_PRIVATE;
	unbacked = r && !r->phys;

	begin(t, K_MMAP);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, t->fd, (off_t)id * page_size);
	err = m == MAP_FAILED ? errno : 0;
	record(t, K_MMAP, err, 0, "res %u len %#zx%s", id, len,
	       flags == MAP_PRIVATE ? " private" : "");
	if (err)
		return;
	if (flags == MAP_PRIVATE || (too_long && t->valid && r))
		fail(t, "mmap of reservation %u (%s) succeeded", id,
		     flags == MAP_PRIVATE ? "private" : "too long");
	r = find_res(t, id);
	p = backing(t, r);
	if (!t->shared && t->valid && unbacked)
		fail(t, "mmap of reservation %u, which is not backed, succeeded", id);
	/* The user view and the kernel view of write-back memory agree */
	if (!t->shared && t->valid && p && !p->imported &&
	    !(p->flags & (VCM_PHYS_WC | VCM_PHYS_UNCACHED))) {
		__u64 n = 1 + below(t, 64), off = below(t, len - n + 1);

		for (__u64 i = 0; i < n; i++)
			t->wbuf[i] = (unsigned char)rnd(t);
		begin(t, K_CPU_ACCESS);
		err = err_of(_test_ioctl_cpu_access(t->fd, VCM_CPU_WRITE, id, off, t->wbuf,
						    n));
		record(t, K_CPU_ACCESS, err, 0, "write res %u off %#llx len %#llx (mmapped)",
		       id, off, n);
		if (!err && memcmp((char *)m + off, t->wbuf, n))
			fail(t, "mmap of reservation %u: not what VCM_CPU_ACCESS wrote at %#llx",
			     id, off);
	}
	keep = chance(t, 30) && t->n[T_MAP] < MAX_MAP;
	if (keep) {
		t->map[t->n[T_MAP]++] = (struct tmap){ m, len, id, t->gen };
		if (r)
			r->maps++;
	} else if (munmap(m, len)) {
		fail(t, "munmap of reservation %u: %s", id, strerror(errno));
	}
}

static void op_munmap(struct thr *t)
{
	if (t->n[T_MAP])
		unmap_index(t, below(t, t->n[T_MAP]));
}

static void op_export(struct thr *t)
{
	struct vcm_dmabuf_info info;
	struct tres *r;
	__u32 id, flags = 0;
	int fd = -1, err;

	if (!make_room(t, T_BUF))
		return;
	r = pick_res(t, chance(t, 50));
	id = r ? r->id : 0;
	/* Late allocation will allocate its length: that may free other memory */
	if (r && !make_budget(t, r->len))
		return;
	r = find_res(t, id);
	t->valid = true;
	id = r ? mutate(t, id) : bogus_id(t);
	if (chance(t, 35))
		flags = VCM_EXPORT_MOVABLE;

	begin(t, K_EXPORT);
	err = err_of(_test_ioctl_export(t->fd, id, flags, &fd));
	record(t, K_EXPORT, err, 0, "res %u flags %#x -> fd %d", id, flags, fd);
	if (err)
		return;
	if (fd < 0) {
		fail(t, "VCM_EXPORT of reservation %u gave fd %d", id, fd);
		return;
	}
	/*
	 * What was exported: on a shared file, the id may name a reservation
	 * of a file another thread just swapped in.
	 */
	begin(t, K_DMABUF_INFO);
	err = err_of(_test_ioctl_dmabuf_info(t->fd, fd, &info));
	record(t, K_DMABUF_INFO, err, 0, "fd %d (new export) -> size %#llx addr %#llx", fd,
	       info.out_size, info.out_addr);
	r = find_res(t, id);
	if (err || !(info.out_flags & VCM_DMABUF_VCM)) {
		fail(t, "VCM_DMABUF_INFO of a new export: %s, flags %#x", errname(err),
		     info.out_flags);
		close(fd);
		return;
	}
	if (!t->shared && t->valid && r && (info.out_size != r->len || info.out_addr != r->addr))
		fail(t, "VCM_EXPORT of [%#llx +%#llx) gave a dma-buf of [%#llx +%#llx)",
		     r->addr, r->len, info.out_addr, info.out_size);
	t->buf[t->n[T_BUF]++] = (struct tbuf){ fd, BUF_VCM, info.out_size, info.out_addr,
					      r ? id : 0, t->gen };
}

static void op_new_udmabuf(struct thr *t)
{
	__u64 size = chance(t, 70) ? SZ_4K : SZ_64K;
	int fd, err;

	if (!have_udmabuf) {
		op_export(t);
		return;
	}
	if (!make_room(t, T_BUF) || !make_budget(t, size))
		return;
	begin(t, K_UDMABUF);
	fd = udmabuf_alloc(size, NULL);
	err = err_of(fd);
	record(t, K_UDMABUF, err, 0, "size %#llx -> fd %d", size, fd);
	if (fd >= 0)
		t->buf[t->n[T_BUF]++] = (struct tbuf){ fd, BUF_UDMABUF, size, 0, 0, 0 };
}

static void op_new_heap_buf(struct thr *t)
{
	__u64 len;
	int fd, err;

	if (!have_heap) {
		op_export(t);
		return;
	}
	len = chance(t, 60) ? SZ_4K : chance(t, 50) ? SZ_64K : SZ_1M;
	if (!make_room(t, T_BUF) || !make_budget(t, len))
		return;
	begin(t, K_HEAP);
	fd = heap_alloc(len);
	err = err_of(fd);
	record(t, K_HEAP, err, 0, "len %#llx -> fd %d", len, fd);
	if (fd >= 0)
		t->buf[t->n[T_BUF]++] = (struct tbuf){ fd, BUF_HEAP, len, 0, 0, 0 };
}

static void op_close_buf(struct thr *t)
{
	if (t->n[T_BUF])
		close_buf_index(t, below(t, t->n[T_BUF]));
}

static void op_import(struct thr *t)
{
	struct tbuf *b;
	__u32 id = 0, nr_blocks = 0, nr_segments = 0;
	__u64 len = 0;
	int fd, err, extra = 0;

	if (!make_room(t, T_PHYS))
		return;
	b = pick_buf(t);
	t->valid = true;
	fd = b ? b->fd : -1;
	if (!b || chance(t, 8)) {
		fd = bad_fd(t);
		extra = fd == t->fd ? EINVAL : EBADF;
		b = NULL;
	}

	begin(t, K_IMPORT);
	err = err_of(_test_ioctl_import(t->fd, fd, &id, &len, &nr_blocks, &nr_segments));
	record(t, K_IMPORT, err, 0, "fd %d -> phys %u len %#llx (%u blocks, %u segs)", fd,
	       id, len, nr_blocks, nr_segments);
	if (err)
		return;
	if (extra)
		fail(t, "VCM_IMPORT of fd %d, not a dma-buf, succeeded", fd);
	if (b && (len != b->size || !nr_blocks || !nr_segments || nr_segments > nr_blocks))
		fail(t, "VCM_IMPORT of a %#llx-byte dma-buf: %#llx bytes, %u blocks, %u segments",
		     b->size, len, nr_blocks, nr_segments);
	t->phys[t->n[T_PHYS]++] = (struct tphys){ id, 0, len, nr_blocks, true };
}

static void op_dmabuf_info(struct thr *t)
{
	struct tbuf *b = pick_buf(t);
	struct vcm_dmabuf_info info;
	bool is_vcm, backed, export;
	int fd, err, extra = 0;

	t->valid = true;
	fd = b ? b->fd : -1;
	if (!b || chance(t, 8)) {
		fd = bad_fd(t);
		extra = fd == t->fd ? EINVAL : EBADF;
		b = NULL;
	}

	begin(t, K_DMABUF_INFO);
	err = err_of(_test_ioctl_dmabuf_info(t->fd, fd, &info));
	record(t, K_DMABUF_INFO, err, 0, "fd %d -> flags %#x attach %u size %#llx", fd,
	       info.out_flags, info.out_nr_attach, info.out_size);
	if (err)
		return;
	if (extra)
		fail(t, "VCM_DMABUF_INFO of fd %d, not a dma-buf, succeeded", fd);
	if (!b)
		return;
	is_vcm = info.out_flags & VCM_DMABUF_VCM;
	backed = info.out_flags & VCM_DMABUF_BACKED;
	export = b->type == BUF_VCM;
	if (info.out_size != b->size || is_vcm != export ||
	    (is_vcm && info.out_addr != b->addr) || (backed && !is_vcm) ||
	    (is_vcm && backed != !!info.out_nr_segments) || info.out_nr_attach > 1000)
		fail(t, "VCM_DMABUF_INFO of %s: flags %#x size %#llx addr %#llx segs %u att %u",
		     export ? "a VCM export" : "another dma-buf", info.out_flags,
		     info.out_size, info.out_addr, info.out_nr_segments, info.out_nr_attach);
}

static void op_mmap_dmabuf(struct thr *t)
{
	struct tbuf *b = pick_buf(t);
	unsigned char *m;
	int err;

	if (!b)
		return;
	begin(t, K_MMAP_DMABUF);
	m = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
	err = m == MAP_FAILED ? errno : 0;
	record(t, K_MMAP_DMABUF, err, 0, "fd %d size %#llx", b->fd, b->size);
	if (err)
		return;
	/* Touch both ends: the mapping must cover the whole buffer */
	__atomic_load_n(&m[0], __ATOMIC_RELAXED);
	__atomic_load_n(&m[b->size - 1], __ATOMIC_RELAXED);
	if (munmap(m, b->size))
		fail(t, "munmap of dma-buf fd %d: %s", b->fd, strerror(errno));
}

static void op_dmabuf_sync(struct thr *t)
{
	struct tbuf *b = pick_buf(t);
	struct dma_buf_sync sync = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };
	int err;

	if (!b)
		return;
	begin(t, K_DMABUF_SYNC);
	err = err_of(ioctl(b->fd, DMA_BUF_IOCTL_SYNC, &sync));
	record(t, K_DMABUF_SYNC, err, 0, "fd %d start", b->fd);
	if (err)
		return;
	sync.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
	begin(t, K_DMABUF_SYNC);
	err = err_of(ioctl(b->fd, DMA_BUF_IOCTL_SYNC, &sync));
	record(t, K_DMABUF_SYNC, err, 0, "fd %d end", b->fd);
}

static void op_dmabuf_attach(struct thr *t)
{
	static const __u32 aligns[] = { 0, 0, 0, 0, 0, SZ_4K, SZ_64K, SZ_1M };
	static const __u32 segsizes[] = { 0, 0, 0, 0, 0, 0, SZ_4K, SZ_64K };
	static const __u64 bounds[] = { 0, 0, 0, 0, 0, 0, 0, 0xffff, 0xfffff };
	__u32 dev_id, flags = 0, max_segments = 0, align, segsize, id = 0, translated = 0;
	struct tdev *d;
	struct tbuf *b;
	__u64 bound;
	int fd, err;

	if (!make_room(t, T_ATT))
		return;
	d = pick_dev(t);
	b = pick_buf(t);
	t->valid = true;
	dev_id = d ? mutate(t, d->id) : bogus_id(t);
	fd = b ? b->fd : bad_fd(t);
	if (chance(t, 50))
		flags |= VCM_TEST_ATTACH_DYNAMIC;
	if (chance(t, 25))
		max_segments = chance(t, 70) ? 1 : 4;
	align = aligns[below(t, ARRAY_SIZE(aligns))];
	segsize = segsizes[below(t, ARRAY_SIZE(segsizes))];
	bound = bounds[below(t, ARRAY_SIZE(bounds))];
	switch (below(t, 50)) {
	case 0:
		align = 3 * SZ_4K;	/* not a power of two */
		break;
	case 1:
		bound = 0x1234;
		break;
	}

	begin(t, K_DMABUF_ATTACH);
	err = err_of(_test_cmd_dmabuf_attach(t->fd, dev_id, fd, flags, max_segments, align,
					     segsize, bound, &id, &translated));
	record(t, K_DMABUF_ATTACH, err, 0,
	       "dev %u fd %d flags %#x segs %u align %#x segsize %#x bound %#llx -> %u",
	       dev_id, fd, flags, max_segments, align, segsize, bound, id);
	if (!err)
		t->att[t->n[T_ATT]++] = (struct tatt){ id, dev_id, b ? b->type : BUF_HEAP,
						      b ? b->size : 0, false };
}

static void op_dmabuf_map(struct thr *t)
{
	struct tatt *a = pick_att(t);
	struct vcm_test_cmd cmd;
	__u32 id;
	int err;

	if (!a && chance(t, 70)) {
		op_dmabuf_attach(t);
		a = pick_att(t);
	}
	t->valid = true;
	id = a ? mutate(t, a->id) : bogus_id(t);
	begin(t, K_DMABUF_MAP);
	err = err_of(_test_cmd_dmabuf_map(t->fd, id, &cmd));
	record(t, K_DMABUF_MAP, err, 0, "attach %u -> nents %u len %#llx bad %u inval %u",
	       id, cmd.dmabuf_map.out_nents, cmd.dmabuf_map.out_dma_len,
	       cmd.dmabuf_map.out_bad_segments, cmd.dmabuf_map.out_invalidations);
	a = find_att(t, id);
	if (err || !a)
		return;
	a->mapped = true;
	/* A VCM export splits its table for the importer's constraints */
	if (a->type == BUF_VCM && t->valid && !t->shared &&
	    (cmd.dmabuf_map.out_bad_segments || cmd.dmabuf_map.out_dma_len != a->size))
		fail(t, "TEST_DMABUF_MAP of a VCM export: %u bad segments, %#llx of %#llx bytes",
		     cmd.dmabuf_map.out_bad_segments, cmd.dmabuf_map.out_dma_len, a->size);
}

static void op_dmabuf_unmap(struct thr *t)
{
	struct tatt *a = pick_att(t);
	__u32 id;
	int err;

	t->valid = true;
	id = a ? mutate(t, a->id) : bogus_id(t);
	begin(t, K_DMABUF_UNMAP);
	err = err_of(_test_cmd_dmabuf_unmap(t->fd, id));
	record(t, K_DMABUF_UNMAP, err, 0, "attach %u", id);
	a = find_att(t, id);
	if (!err && a)
		a->mapped = false;
}

/*
 * Simulated DMA by device @dev_id (@pasid) at @iova. If it goes through
 * active association @a to reservation @r, backed by memory this thread
 * allocated, on its own file, it must reach that memory.
 */
static void dma_to(struct thr *t, struct tassoc *a, struct tres *r, __u32 dev_id,
		   __u32 pasid, __u64 iova, __u64 off, __u64 len, bool write)
{
	struct tphys *p = backing(t, r);
	struct tdev *d = a ? find_dev(t, a->dev) : NULL;
	__u32 res_id = r ? r->id : 0, assoc_id = a ? a->id : 0;
	bool sure;
	int err;

	if (write)
		for (__u64 i = 0; i < len; i++)
			t->wbuf[i] = (unsigned char)rnd(t);
	sure = !t->shared && t->valid && a && a->active && !a->dead && d && !d->removed &&
	       p && !p->imported && len && dev_id == a->dev && r->vcm == a->vcm &&
	       off + len <= r->len && iova == r->addr + off;

	begin(t, K_DMA);
	err = err_of(_test_cmd_dma(t->fd, dev_id, pasid, write, iova,
				   write ? t->wbuf : t->rbuf, len));
	record(t, K_DMA, err, 0, "dev %u pasid %u %s iova %#llx len %#llx", dev_id, pasid,
	       write ? "write" : "read", iova, len);
	if (!sure)
		return;
	if (err) {
		fail(t, "TEST_DMA through active association %u to reservation %u: %s",
		     assoc_id, res_id, errname(err));
		return;
	}
	if (!write)
		return;
	begin(t, K_CPU_ACCESS);
	err = err_of(_test_ioctl_cpu_access(t->fd, VCM_CPU_READ, res_id, off, t->rbuf, len));
	record(t, K_CPU_ACCESS, err, 0, "read res %u off %#llx len %#llx after DMA", res_id,
	       off, len);
	/* EBUSY: exported, so its CPU view is the dma-buf's */
	if (err && err != EBUSY)
		fail(t, "VCM_CPU_ACCESS after a DMA write to reservation %u: %s", res_id,
		     errname(err));
	else if (!err && memcmp(t->wbuf, t->rbuf, len))
		fail(t, "reservation %u does not hold what device %u wrote at %#llx", res_id,
		     dev_id, iova);
}

static void op_dma(struct thr *t)
{
	struct tassoc *a = pick_assoc(t, true);
	struct tres *r = a ? pick_res_in(t, a->vcm) : NULL;
	struct tdev *d;
	__u32 dev_id;
	__u64 iova, off = 0, len;

	t->valid = true;
	if (!a) {
		d = pick_dev(t);
		dev_id = d ? mutate(t, d->id) : bogus_id(t);
	} else {
		dev_id = mutate(t, a->dev);
	}
	len = 1 + below(t, chance(t, 70) ? 256 : DMA_MAX);
	if (r && chance(t, 90)) {
		if (len > r->len)
			len = r->len;
		off = below(t, r->len - len + 1);
		iova = r->addr + off;
	} else {
		iova = below(t, SZ_64M);
	}
	if (chance(t, 2))
		len = 0;
	dma_to(t, a, r, dev_id, a ? a->pasid : 0, iova, off, len, chance(t, 50));
}

/*
 * The path the series is for, end to end: an active association, memory in
 * its VCM's page sizes, a reservation it backs, and device DMA into it.
 */
static void op_chain(struct thr *t)
{
	struct tassoc *a = pick_assoc(t, true);
	__u32 assoc_id, vcm_id, phys_id = 0, res_id = 0, nr_blocks = 0, nr_segments = 0;
	__u64 len = SZ_64K * (1 + below(t, 4)), addr = 0, off;
	struct tres *r;
	int err;

	if (!a || a->dead || !make_room(t, T_PHYS) || !make_room(t, T_RES) ||
	    !make_budget(t, len))
		return;
	a = find_assoc(t, a->id);	/* making room may have moved it */
	if (!a)
		return;
	t->valid = true;
	assoc_id = a->id;
	vcm_id = a->vcm;
	if (!a->active) {
		begin(t, K_ACTIVATE);
		err = err_of(_test_ioctl_activate(t->fd, assoc_id));
		record(t, K_ACTIVATE, err, 0, "assoc %u (chain)", assoc_id);
		if (err)
			return;
		a->active = true;
	}

	begin(t, K_PHYS_ALLOC);
	err = err_of(_test_ioctl_phys_alloc(t->fd, 0, len, 0, vcm_id, &phys_id, &nr_blocks,
					    &nr_segments));
	record(t, K_PHYS_ALLOC, err, 0, "len %#llx vcm %u (chain) -> %u (%u blocks)", len,
	       vcm_id, phys_id, nr_blocks);
	if (err)
		return;
	t->phys[t->n[T_PHYS]++] = (struct tphys){ phys_id, 0, len, nr_blocks, false };

	begin(t, K_RESERVE);
	err = err_of(_test_ioctl_reserve_rw(t->fd, vcm_id, len, SZ_64K, &addr, &res_id));
	record(t, K_RESERVE, err, 0, "vcm %u len %#llx align 64K (chain) -> %u at %#llx",
	       vcm_id, len, res_id, addr);
	if (err)
		return;
	t->res[t->n[T_RES]++] = (struct tres){ res_id, vcm_id, 0,
					      VCM_RESERVE_READ | VCM_RESERVE_WRITE,
					      addr, len, 0 };

	begin(t, K_BACK);
	err = err_of(_test_ioctl_back(t->fd, res_id, phys_id));
	record(t, K_BACK, err, 0, "res %u phys %u (chain)", res_id, phys_id);
	r = find_res(t, res_id);
	/* The allocation is in the VCM's own page sizes: it must map */
	if (err && !t->shared && err != ENOMEM)
		fail(t, "VCM_BACK of %#llx bytes in the page sizes of VCM %u: %s", len, vcm_id,
		     errname(err));
	if (err || !r)
		return;
	r->phys = phys_id;

	a = find_assoc(t, assoc_id);
	len = 1 + below(t, chance(t, 50) ? 256 : DMA_MAX);
	off = below(t, r->len - len + 1);
	dma_to(t, a, r, a->dev, a->pasid, r->addr + off, off, len, true);
}

static void op_fault(struct thr *t)
{
	struct tassoc *a = pick_assoc(t, true);
	__u32 dev_id;
	int err;

	t->valid = true;
	dev_id = a ? mutate(t, a->dev) : bogus_id(t);
	begin(t, K_FAULT);
	err = err_of(_test_cmd_fault(t->fd, dev_id, a ? a->pasid : 0, chance(t, 50),
				     below(t, SZ_64M)));
	record(t, K_FAULT, err, 0, "dev %u", dev_id);
}

static void op_domain_stats(struct thr *t)
{
	struct tassoc *a = pick_assoc(t, chance(t, 50));
	struct tres *r = NULL;
	struct vcm_test_cmd cmd;
	__u32 id, res_id = 0;
	int err;

	if (a && chance(t, 50))
		r = pick_res_in(t, a->vcm);
	t->valid = true;
	id = a ? mutate(t, a->id) : bogus_id(t);
	if (r)
		res_id = mutate(t, r->id);
	begin(t, K_DOMAIN_STATS);
	err = err_of(_test_cmd_domain_stats(t->fd, id, res_id, chance(t, 25), &cmd));
	record(t, K_DOMAIN_STATS, err, 0, "assoc %u res %u -> pgsizes %#llx mock %u", id,
	       res_id, cmd.domain_stats.out_pgsizes, cmd.domain_stats.out_mock);
	if (!err && (!cmd.domain_stats.out_mock || !cmd.domain_stats.out_pgsizes))
		fail(t, "TEST_DOMAIN_STATS of association %u: mock %u, page sizes %#llx", id,
		     cmd.domain_stats.out_mock, cmd.domain_stats.out_pgsizes);
}

static void op_check_map(struct thr *t)
{
	struct tres *r = pick_res(t, true);
	struct tphys *p;
	__u32 id, domains = 0, pages = 0, mismatches = 0;
	int err;

	t->valid = true;
	id = r ? mutate(t, r->id) : bogus_id(t);
	begin(t, K_CHECK_MAP);
	err = err_of(_test_cmd_check_map(t->fd, id, &domains, &pages, &mismatches));
	record(t, K_CHECK_MAP, err, 0, "res %u -> %u domains, %u pages, %u mismatches", id,
	       domains, pages, mismatches);
	r = find_res(t, id);
	p = backing(t, r);
	if (err || t->shared || !t->valid || !r)
		return;
	if (pages != r->len / page_size)
		fail(t, "TEST_CHECK_MAP of reservation %u: %u pages for %#llx bytes", id,
		     pages, r->len);
	/* Only an import's exporter can take memory away (revoke) */
	if (mismatches && !(p && p->imported))
		fail(t, "TEST_CHECK_MAP of reservation %u: %u of %u pages wrong in %u domains",
		     id, mismatches, pages * domains, domains);
}

static void op_instance_info(struct thr *t)
{
	__u32 index = below(t, VCM_MOCK_NR + 1), max_pasids = 0;
	__u64 pgsizes = 0;
	bool pasids;
	char name[16];
	int err;

	t->valid = true;
	begin(t, K_INSTANCE_INFO);
	err = err_of(_test_cmd_instance_info(t->fd, index, &max_pasids, &pgsizes, name));
	record(t, K_INSTANCE_INFO, err, index >= VCM_MOCK_NR ? EINVAL : 0,
	       "index %u -> pgsizes %#llx pasids %u", index, pgsizes, max_pasids);
	/* Only lpae-4k has PASIDs */
	pasids = index == VCM_MOCK_LPAE_4K;
	if (!err && (index >= VCM_MOCK_NR || pgsizes != mock_pgsizes[index] ||
		     !!max_pasids != pasids))
		fail(t, "TEST_INSTANCE_INFO of %u: page sizes %#llx, %u PASIDs", index,
		     pgsizes, max_pasids);
}

/* Sets the __u32 at byte @off of @raw */
static void put32(unsigned char *raw, size_t off, __u32 val)
{
	memcpy(raw + off, &val, sizeof(val));
}

/*
 * Of the fields @cmd checks before anything else (vcm_bad_fields[]), the
 * @i-th modulo their number; NULL if it has none.
 */
static const struct vcm_bad_field *bad_field(unsigned long cmd, __u64 i)
{
	unsigned int k, n = 0;

	for (k = 0; k < ARRAY_SIZE(vcm_bad_fields); k++)
		n += vcm_bad_fields[k].req == cmd;
	if (!n)
		return NULL;
	i %= n;
	for (k = 0; k < ARRAY_SIZE(vcm_bad_fields); k++)
		if (vcm_bad_fields[k].req == cmd && !i--)
			break;
	return &vcm_bad_fields[k];
}

static void op_malformed(struct thr *t)
{
	unsigned char raw[1024];
	unsigned int c = below(t, ARRAY_SIZE(vcm_ioctls));
	unsigned long cmd = vcm_ioctls[c].req;
	unsigned int size = vcm_ioctls[c].size;
	const char *name = vcm_ioctls[c].name;
	const struct vcm_bad_field *f;
	int want, err;

	memset(raw, 0, sizeof(raw));
	t->valid = false;
	begin(t, K_MALFORMED);
	switch (below(t, 6)) {
	case 0:		/* shorter than the first version of the struct */
		size = below(t, size);
		put32(raw, 0, size);
		err = err_of(ioctl(t->fd, cmd, raw));
		record_exact(t, name, err, EINVAL, "%s size %u", name, size);
		break;
	case 1:		/* longer, with a non-zero tail */
		want = size + 8 * (1 + below(t, 8));
		put32(raw, 0, want);
		raw[size + below(t, 8)] = 1 + below(t, 255);
		err = err_of(ioctl(t->fd, cmd, raw));
		record_exact(t, name, err, E2BIG, "%s size %d, non-zero tail", name, want);
		break;
	case 2:		/* longer, with a zero tail: as good as a struct of zeroes */
		put32(raw, 0, size + 8);
		err = err_of(ioctl(t->fd, cmd, raw));
		record(t, K_MALFORMED, err, 0, "%s size %u, zero tail, zeroes", name,
		       size + 8);
		if (!err)
			fail(t, "%s of a struct of zeroes succeeded", name);
		break;
	case 3:		/* no struct at all */
		err = err_of(ioctl(t->fd, cmd, chance(t, 50) ? NULL : (void *)8));
		record_exact(t, name, err, EFAULT, "%s at a bad address", name);
		break;
	case 4:		/* no such ioctl */
		cmd = vcm_bad_ioctls[below(t, ARRAY_SIZE(vcm_bad_ioctls))].req;
		put32(raw, 0, sizeof(struct vcm_create));
		err = err_of(ioctl(t->fd, cmd, raw));
		record_exact(t, "an unknown ioctl", err, ENOTTY, "cmd %#lx", cmd);
		break;
	default:	/* an unknown flag or op, or a reserved field set */
		f = bad_field(cmd, rnd(t));
		if (!f)
			break;
		put32(raw, 0, size);
		put32(raw, f->off, f->val);
		err = err_of(ioctl(t->fd, cmd, raw));
		record_exact(t, f->name, err, f->err, "%s", f->name);
		break;
	}
}

static void op_reopen(struct thr *t)
{
	int fd, err;

	begin(t, K_REOPEN);
	fd = open("/dev/vcm", O_RDWR | O_CLOEXEC);
	err = err_of(fd);
	record(t, K_REOPEN, err, 0, "%s file", t->shared ? "shared" : "own");
	if (fd < 0)
		return;
	if (t->shared) {
		/* Swap the file behind the shared fd for the other threads */
		if (dup2(fd, t->fd) < 0)
			fail(t, "dup2 onto the shared /dev/vcm: %s", strerror(errno));
		close(fd);
		t->shared_gen = __atomic_add_fetch(&shared_file.gen, 1, __ATOMIC_SEQ_CST);
	} else {
		close(t->fd);
		t->fd = fd;
	}
	clear_tables(t);
}

struct opdef {
	void (*fn)(struct thr *t);
	unsigned int weight;
};

static void op_destroy_bogus(struct thr *t)
{
	t->valid = false;
	do_destroy(t, bogus_id(t));
}

/* The operation mix: the weights are out of their sum */
static const struct opdef opdefs[] = {
	{ op_create, 25 },		{ op_destroy, 60 },
	{ op_destroy_bogus, 15 },	{ op_info, 30 },
	{ op_dev_create, 12 },		{ op_dev_remove, 4 },
	{ op_assoc, 40 },		{ op_activate, 40 },
	{ op_deactivate, 20 },		{ op_phys_alloc, 60 },
	{ op_phys_segments, 15 },	{ op_reserve, 70 },
	{ op_back, 80 },		{ op_unback, 35 },
	{ op_translate, 20 },		{ op_cpu_access, 60 },
	{ op_mmap, 30 },		{ op_munmap, 8 },
	{ op_export, 24 },		{ op_import, 30 },
	{ op_dmabuf_info, 20 },		{ op_close_buf, 24 },
	{ op_mmap_dmabuf, 10 },		{ op_dmabuf_sync, 6 },
	{ op_dmabuf_attach, 30 },	{ op_dmabuf_map, 30 },
	{ op_dmabuf_unmap, 12 },	{ op_dma, 50 },
	{ op_fault, 6 },		{ op_domain_stats, 10 },
	{ op_check_map, 20 },		{ op_instance_info, 3 },
	{ op_new_udmabuf, 8 },		{ op_new_heap_buf, 8 },
	{ op_malformed, 30 },		{ op_reopen, 2 },
	{ op_chain, 15 },
};

static unsigned int opdefs_total;

static void one_op(struct thr *t)
{
	unsigned int i, r;

	r = below(t, opdefs_total);
	for (i = 0; r >= opdefs[i].weight; i++)
		r -= opdefs[i].weight;
	opdefs[i].fn(t);
}

static void *worker(void *arg)
{
	struct thr *t = arg;
	unsigned int gen;

	self_thr = t;
	for (t->op = 0; t->op < t->nops; t->op++) {
		if (__atomic_load_n(&stop, __ATOMIC_RELAXED))
			break;
		if (t->shared) {
			gen = __atomic_load_n(&shared_file.gen, __ATOMIC_SEQ_CST);
			if (gen != t->shared_gen) {
				clear_tables(t);
				t->shared_gen = gen;
			}
		}
		one_op(t);
	}

	/* Close everything: the file's release does the rest */
	while (t->n[T_MAP])
		unmap_index(t, t->n[T_MAP] - 1);
	while (t->n[T_BUF])
		close_buf_index(t, t->n[T_BUF] - 1);
	if (!t->shared)
		close(t->fd);
	__atomic_store_n(&t->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* A crash of a thread: say which operation did it, then die as we would have */
static void crash_handler(int sig)
{
	struct thr *t = self_thr;

	if (t) {
		ksft_print_msg("FAIL seed %llu thread %u op#%lu: %s got signal %d\n",
			       opt_seed, t->idx, t->op, kinds[t->cur].name, sig);
		dump_ring(t);
	}
	fflush(stdout);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * A call of @t did not return. An oops in an ioctl kills only the calling
 * thread, so that is how one shows up here too. Other threads may wait for
 * its locks forever: give up.
 */
static void report_hang(struct thr *t)
{
	int k = __atomic_load_n(&t->cur, __ATOMIC_RELAXED);

	pthread_mutex_lock(&print_lock);
	ksft_print_msg("FAIL seed %llu thread %u op#%lu: %s did not return in %d s\n",
		       opt_seed, t->idx, t->op, kinds[k].name, HANG_SECS);
	ksft_print_msg("  (it hangs, or an oops killed the thread: see the console)\n");
	dump_ring(t);
	fflush(stdout);
	_exit(KSFT_FAIL);
}

/* Waits for the threads; reports one whose call does not return */
static void watch(struct thr *thr, unsigned int n)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	unsigned long beats[MAX_THREADS] = { 0 };
	double seen[MAX_THREADS];
	unsigned int i, running;

	for (i = 0; i < n; i++)
		seen[i] = now_seconds();
	do {
		nanosleep(&tick, NULL);
		running = 0;
		for (i = 0; i < n; i++) {
			struct thr *t = &thr[i];
			unsigned long beat = __atomic_load_n(&t->beat, __ATOMIC_RELAXED);

			if (__atomic_load_n(&t->done, __ATOMIC_ACQUIRE))
				continue;
			running++;
			if (beat != beats[i]) {
				beats[i] = beat;
				seen[i] = now_seconds();
			} else if (now_seconds() - seen[i] > HANG_SECS) {
				report_hang(t);
			}
		}
	} while (running);
}

static void print_stats(struct thr *thr, unsigned int n)
{
	static unsigned int sum[K_NR][NR_ERRNO];
	unsigned int k, e, i;
	char line[512];
	int len;

	for (i = 0; i < n; i++)
		for (k = 0; k < K_NR; k++)
			for (e = 0; e < NR_ERRNO; e++)
				sum[k][e] += thr[i].stats[k][e];
	ksft_print_msg("vcm_fuzz: results per call (ok, then each errno):\n");
	for (k = 0; k < K_NR; k++) {
		len = snprintf(line, sizeof(line), "  %-20s ok %u", kinds[k].name, sum[k][0]);
		for (e = 1; e < NR_ERRNO; e++) {
			if (!sum[k][e] || len >= (int)sizeof(line))
				continue;
			len += snprintf(line + len, sizeof(line) - len, ", %s %u",
					e == NR_ERRNO - 1 ? "other" : errname(e), sum[k][e]);
		}
		ksft_print_msg("%s\n", line);
	}
}

/* After everything is closed, /dev/vcm still works */
static void final_check(void)
{
	struct thr t = { .idx = opt_threads };
	__u32 id = 0;
	int err;

	t.fd = open("/dev/vcm", O_RDWR | O_CLOEXEC);
	if (t.fd < 0) {
		fail(&t, "open /dev/vcm after the run: %s", strerror(errno));
		return;
	}
	err = err_of(_test_ioctl_vcm_create(t.fd, SZ_4K, SZ_16M, &id));
	if (!err)
		err = err_of(_test_ioctl_destroy(t.fd, id));
	if (err)
		fail(&t, "VCM_CREATE and VCM_DESTROY after the run: %s", errname(err));
	close(t.fd);
}

FIXTURE(vcm_fuzz)
{
	int fd;
};

FIXTURE_SETUP(vcm_fuzz)
{
	self->fd = vcm_open(_metadata);
}

FIXTURE_TEARDOWN(vcm_fuzz)
{
	if (self->fd != -1)
		EXPECT_EQ(0, close(self->fd));
}

TEST_F_TIMEOUT(vcm_fuzz, ops, 3600)
{
	struct sigaction sa = { .sa_handler = crash_handler };
	unsigned int nshared, i;
	unsigned long ops = 0, ioctls = 0;
	struct thr *thr;
	double start = now_seconds();
	__u64 x;

	ksft_print_msg("vcm_fuzz: seed %llu, %u threads, %lu ops\n", opt_seed, opt_threads,
		       opt_ops);
	have_udmabuf = !access("/dev/udmabuf", R_OK | W_OK);
	have_heap = !access("/dev/dma_heap/system", R_OK);
	ksft_print_msg("vcm_fuzz: udmabuf %s, system heap %s\n",
		       have_udmabuf ? "present" : "absent",
		       have_heap ? "present" : "absent");
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	/* Half the threads (at least two) share one file; the rest have their own */
	nshared = opt_threads == 1 ? 0 : opt_threads / 2 < 2 ? 2 : opt_threads / 2;
	shared_file.fd = self->fd;
	thr = calloc(opt_threads, sizeof(*thr));
	ASSERT_NE(NULL, thr);
	for (i = 0; i < opt_threads; i++) {
		struct thr *t = &thr[i];

		x = opt_seed * 0x100000001b3ULL + i;
		t->idx = i;
		t->rng = splitmix64(&x) | 1;
		t->nops = opt_ops / opt_threads + (i < opt_ops % opt_threads);
		t->shared = i < nshared;
		t->fd = t->shared ? self->fd : open("/dev/vcm", O_RDWR | O_CLOEXEC);
		t->wbuf = malloc(SCRATCH);
		t->rbuf = malloc(SCRATCH);
		ASSERT_NE(-1, t->fd);
		ASSERT_NE(NULL, t->wbuf);
		ASSERT_NE(NULL, t->rbuf);
	}
	for (i = 0; i < opt_threads; i++)
		ASSERT_EQ(0, pthread_create(&thr[i].tid, NULL, worker, &thr[i]));
	watch(thr, opt_threads);
	for (i = 0; i < opt_threads; i++) {
		pthread_join(thr[i].tid, NULL);
		ops += thr[i].op;
		ioctls += thr[i].ioctls;
	}
	final_check();

	print_stats(thr, opt_threads);
	ksft_print_msg("vcm_fuzz: %lu calls in %.1f s\n", ioctls, now_seconds() - start);
	ksft_print_msg("vcm_fuzz: %lu ops, %lu failures, seed %llu\n", ops, total_fails,
		       opt_seed);
	for (i = 0; i < opt_threads; i++) {
		free(thr[i].wbuf);
		free(thr[i].rbuf);
	}
	free(thr);
	EXPECT_EQ(0, total_fails);
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"Usage: %s [-s seed] [-n ops] [-t threads]\n"
		"  -s seed     random seed (default %d, or $VCM_FUZZ_SEED)\n"
		"  -n ops      operations over all threads (default %d, or $VCM_FUZZ_OPS)\n"
		"  -t threads  threads, 1 to %d (default %d, or $VCM_FUZZ_THREADS)\n",
		prog, DEFAULT_SEED, DEFAULT_OPS, MAX_THREADS, DEFAULT_THREADS);
}

int main(int argc, char **argv)
{
	const char *env;
	int c;

	env = getenv("VCM_FUZZ_SEED");
	if (env)
		opt_seed = strtoull(env, NULL, 0);
	env = getenv("VCM_FUZZ_OPS");
	if (env)
		opt_ops = strtoul(env, NULL, 0);
	env = getenv("VCM_FUZZ_THREADS");
	if (env)
		opt_threads = strtoul(env, NULL, 0);
	while ((c = getopt(argc, argv, "s:n:t:h")) != -1) {
		switch (c) {
		case 's':
			opt_seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			opt_ops = strtoul(optarg, NULL, 0);
			break;
		case 't':
			opt_threads = strtoul(optarg, NULL, 0);
			break;
		case 'h':
			usage(argv[0]);
			return KSFT_PASS;
		default:
			usage(argv[0]);
			return KSFT_FAIL;
		}
	}
	if (optind != argc || !opt_threads || opt_threads > MAX_THREADS) {
		usage(argv[0]);
		return KSFT_FAIL;
	}
	for (c = 0; c < (int)ARRAY_SIZE(opdefs); c++)
		opdefs_total += opdefs[c].weight;
	/* A crash must not lose what was printed before it */
	setvbuf(stdout, NULL, _IOLBF, 0);
	optind = 1;
	/* The harness's own options are not ours: it runs the one test */
	return test_harness_run(1, argv);
}
