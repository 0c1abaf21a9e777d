// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault-injection sweep of /dev/vcm, in the manner of
 * tools/testing/selftests/iommu/iommufd_fail_nth.c.
 *
 * Each test is a sequence of calls that succeeds. The sweep runs it once
 * without fault injection, then again with /proc/self/task/<tid>/fail-nth set
 * to 1, 2, 3, ...: the nth allocation point the kernel reaches for the
 * sequence fails (slab and page allocations, see
 * Documentation/fault-injection/fault-injection.rst), until an nth that the
 * sequence never gets to. Each iteration opens a fresh /dev/vcm and sets the
 * sequence's preconditions up without injection.
 *
 * A step that fails under injection must fail cleanly: with the errno an
 * allocation failure comes out as (-ENOMEM on every path swept here), leaving
 * the objects of the file, the file descriptors of the process and the VCM's
 * counters as they were before the step; then, with injection off, the same
 * step and the rest of the sequence must succeed. Steps that cannot fail
 * (unback, destroy, close) must not fail under injection either. Every
 * iteration must end in the state the run without injection ended in.
 *
 * Like iommufd_fail_nth, this is mostly a kernel integrity test: the error
 * paths it drives are also watched by KASAN, lockdep and kmemleak, so it is
 * best run with panic_on_warn.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "vcm_utils.h"

/* A VCM inside the aperture of every mock format (armv7s has 32 bits) */
#define SWEEP_START	SZ_1M
#define SWEEP_LEN	(64 * SZ_1M)

/* A 1 MiB, a 64 KiB and a 4 KiB block: three page sizes in one mapping */
#define ODD_LEN		(SZ_1M + SZ_64K + SZ_4K)

/* Where the reserve sequence keeps reservations with gaps between them */
#define GAP_BASE	(SWEEP_START + 8 * SZ_1M)
#define NR_GAP_RES	12

#define NTH_MAX		1000	/* allocation points of one sequence, at most */
#define ID_PROBE_SLACK	8	/* ids probed past the highest one known */
#define NR_SMALL_RES	16	/* reservations the free sequence destroys */
#define MAX_BLOCKS	512	/* blocks of one allocation here, at most */
#define SIG_MAX		8	/* values a final state is compared by */
#define FAIL_NTH_TIMEOUT 300	/* seconds per sequence, under emulation */

#define DEBUGFS		"/sys/kernel/debug"
#define DEBUGFS_MAGIC	0x64626720

static bool have_fault_injection;

/* Allocation points swept, summed over the processes the harness forks */
static struct {
	unsigned int points;
	unsigned int sequences;
} *totals;
static pid_t harness_pid;

static void __attribute__((constructor)) setup_globals(void)
{
	harness_pid = getpid();
	totals = mmap(NULL, sizeof(*totals), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (totals == MAP_FAILED)
		totals = NULL;
}

static void __attribute__((destructor)) print_totals(void)
{
	if (totals && getpid() == harness_pid && totals->sequences)
		ksft_print_msg("vcm_fail_nth: %u allocation points swept in %u sequences\n",
			       totals->points, totals->sequences);
}

static int writeat(int dfd, const char *fn, const char *val)
{
	size_t len = strlen(val);
	ssize_t res;
	int fd;

	fd = openat(dfd, fn, O_WRONLY);
	if (fd == -1)
		return -1;
	res = write(fd, val, len);
	close(fd);
	return res == (ssize_t)len ? 0 : -1;
}

/* debugfs, mounted here if nothing mounted it (the VCM test guest does) */
static DIR *open_debugfs(void)
{
	struct statfs st;

	if (statfs(DEBUGFS, &st) || st.f_type != DEBUGFS_MAGIC) {
		if (mount("debugfs", DEBUGFS, "debugfs", 0, NULL))
			return NULL;
	}
	return opendir(DEBUGFS);
}

/*
 * Sets fault injection up as iommufd_fail_nth does: any allocation may be
 * failed, and quietly. It does not restore the settings.
 */
static void __attribute__((constructor)) setup_fault_injection(void)
{
	DIR *debugfs = open_debugfs();
	struct dirent *dent;

	if (!debugfs)
		return;

	/* Allow any allocation call to be fault injected */
	if (writeat(dirfd(debugfs), "failslab/ignore-gfp-wait", "N")) {
		closedir(debugfs);
		return;
	}
	writeat(dirfd(debugfs), "fail_page_alloc/ignore-gfp-wait", "N");
	writeat(dirfd(debugfs), "fail_page_alloc/ignore-gfp-highmem", "N");

	while ((dent = readdir(debugfs))) {
		char fn[300];

		if (strncmp(dent->d_name, "fail", 4) != 0)
			continue;

		/* We are looking for kernel splats, quiet down the log */
		snprintf(fn, sizeof(fn), "%s/verbose", dent->d_name);
		writeat(dirfd(debugfs), fn, "0");
	}
	closedir(debugfs);
	have_fault_injection = !access("/proc/thread-self/fail-nth", R_OK | W_OK);
}

/* This thread's fail-nth file */
static int fail_nth_open(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	return open(path, O_RDWR);
}

/* Makes the @nth allocation point this thread reaches from now on fail */
static int fail_nth_set(int proc_fd, unsigned int nth)
{
	char buf[16];
	int len;

	len = snprintf(buf, sizeof(buf), "%u", nth);
	return pwrite(proc_fd, buf, len, 0) == len ? 0 : -1;
}

/*
 * Stops the injection. Return: true if the fault was injected, false if the
 * sequence never reached its nth allocation point.
 */
static bool fail_nth_clear(struct __test_metadata *_metadata, int proc_fd)
{
	static const char disable_nth[] = "0";
	char buf[16] = "";
	ssize_t res, res2;

	/*
	 * As in iommufd_fail_nth: disabling the nth can also fail, which
	 * means the sequence passed without triggering the failure.
	 */
	res = pread(proc_fd, buf, sizeof(buf), 0);
	if (res == -1 && errno == EFAULT) {
		buf[0] = '1';
		buf[1] = '\n';
		res = 2;
	}
	res2 = pwrite(proc_fd, disable_nth, ARRAY_SIZE(disable_nth) - 1, 0);
	if (res2 == -1 && errno == EFAULT) {
		res2 = pwrite(proc_fd, disable_nth, ARRAY_SIZE(disable_nth) - 1, 0);
		buf[0] = '1';
		buf[1] = '\n';
	}
	ASSERT_EQ(ARRAY_SIZE(disable_nth) - 1, res2);
	ASSERT_LT(1, res);
	return res == 2 && buf[0] == '0' && buf[1] == '\n';
}

/* The state of one sweep, kept by the fixture */
struct sweep {
	int fd;			/* this iteration's /dev/vcm, -1 once closed */
	int proc_fd;		/* this thread's fail-nth */
	unsigned int nth;	/* the allocation point failed now, 0: none */
	unsigned int skip;	/* steps this kernel cannot run, a bit each */
	__u32 max_id;		/* the highest object id seen in the file */
	int dmabuf_fd[2];	/* exports, -1 if none */
	int udmabuf_fd;		/* a udmabuf to import, -1 if none */
	__u32 vcm_id;
	__u32 vcm2_id;
	__u32 dev_id[3];
	__u32 assoc_id[3];
	__u32 phys_id[3];
	__u32 attach_id[2];
	__u32 res_id[NR_SMALL_RES];
	__u64 addr[NR_SMALL_RES];
};

FIXTURE(vcm_fail_nth)
{
	struct sweep sweep;
};

/* Closes every file of an iteration; its objects go with /dev/vcm */
static void iter_end(struct sweep *self)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(self->dmabuf_fd); i++) {
		if (self->dmabuf_fd[i] != -1)
			close(self->dmabuf_fd[i]);
		self->dmabuf_fd[i] = -1;
	}
	if (self->udmabuf_fd != -1)
		close(self->udmabuf_fd);
	self->udmabuf_fd = -1;
	if (self->fd != -1)
		close(self->fd);
	self->fd = -1;
}

FIXTURE_SETUP(vcm_fail_nth)
{
	struct sweep *s = &self->sweep;

	s->fd = -1;
	s->udmabuf_fd = -1;
	s->dmabuf_fd[0] = -1;
	s->dmabuf_fd[1] = -1;
	/* Keep page faults of this process away from the injected faults */
	mlockall(MCL_CURRENT | MCL_FUTURE);
	s->proc_fd = have_fault_injection ? fail_nth_open() : -1;
	if (have_fault_injection)
		ASSERT_NE(-1, s->proc_fd);
}

FIXTURE_TEARDOWN(vcm_fail_nth)
{
	struct sweep *s = &self->sweep;

	if (s->proc_fd != -1) {
		/* An assertion may have stopped the test while injecting */
		if (pwrite(s->proc_fd, "0", 1, 0) != 1)
			TH_LOG("cannot disable fail-nth: %s", strerror(errno));
		close(s->proc_fd);
	}
	iter_end(s);
}

/*
 * One step of a sequence: a call that may fail under injection with @err only
 * (0: it must not fail at all), and what it changes when it succeeds.
 */
struct fail_step {
	const char *name;
	int err;
	int objs;		/* objects of /dev/vcm it adds (< 0: removes) */
	int fds;		/* file descriptors it opens (< 0: closes) */
	int res;		/* reservations of self->vcm_id it adds */
	int backed;		/* backed reservations of self->vcm_id it adds */
	int assoc;		/* associations of self->vcm_id it adds */
	int domains;		/* domains of self->vcm_id it adds */
	bool may_back;		/* a failure may leave a late allocation, backed */
	bool drops_file;	/* it closes /dev/vcm: no object is left */
};

struct fail_seq {
	const char *name;
	const struct fail_step *steps;
	unsigned int nr_steps;
	/* self->vcm_id lives through the sequence: check its counters */
	bool has_vcm;
	/* The preconditions, without injection */
	void (*prepare)(struct __test_metadata *_metadata,
			struct sweep *self);
	/* Step @step: 0, or -1 with errno; out-params only on success */
	int (*run)(struct sweep *self, unsigned int step);
	/* Checks after step @failed failed under injection, none now */
	void (*check_failed)(struct __test_metadata *_metadata,
			     struct sweep *self,
			     unsigned int failed);
	/* Checks the final state; values in @sig must equal the first run's */
	void (*verify)(struct __test_metadata *_metadata,
		       struct sweep *self, __u64 *sig);
};

/* What must be the same before and after a failed step */
struct snap {
	int objs;
	int fds;
	__u32 nr_res;
	__u32 nr_backed;
	__u32 nr_assoc;
	__u32 nr_domains;
};

/* An ioctl that does not answer -ENOENT found an object of its type */
static bool found(int ret)
{
	return !ret || errno != ENOENT;
}

/*
 * Whether @id names an object of the file, asked of each type with an ioctl
 * that changes nothing. Test attachments are not found this way: the
 * sequences count those through VCM_DMABUF_INFO.
 */
static bool obj_exists(int fd, __u32 id)
{
	struct vcm_test_cmd cmd;
	struct vcm_info info;
	__u32 nr_blocks = 0;
	__u8 buf[2];

	return found(_test_ioctl_vcm_info(fd, id, &info)) ||
	       found(_test_cmd_check_map(fd, id, NULL, NULL, NULL)) ||
	       found(_test_ioctl_phys_segments(fd, id, &nr_blocks, NULL)) ||
	       found(_test_cmd_domain_stats(fd, id, 0, false, &cmd)) ||
	       /* Beyond any DMA mask: -ERANGE for a device, nothing done */
	       found(_test_cmd_dma(fd, id, 0, false, ~0ULL, buf, sizeof(buf)));
}

static __u32 max_id(__u32 id, const __u32 *ids, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (ids[i] > id)
			id = ids[i];
	return id;
}

/*
 * The objects of the file. Ids are handed out cyclically from 1 in a fresh
 * file, so an object a failed call left behind has an id just above those
 * the sequence knows: probing a few past the highest known one finds it.
 */
static int count_objs(struct sweep *self)
{
	__u32 ids[] = { self->vcm_id, self->vcm2_id, self->max_id };
	__u32 id, last;
	int count = 0;

	if (self->fd == -1)
		return 0;
	last = max_id(0, ids, ARRAY_SIZE(ids));
	last = max_id(last, self->dev_id, ARRAY_SIZE(self->dev_id));
	last = max_id(last, self->assoc_id, ARRAY_SIZE(self->assoc_id));
	last = max_id(last, self->phys_id, ARRAY_SIZE(self->phys_id));
	last = max_id(last, self->attach_id, ARRAY_SIZE(self->attach_id));
	last = max_id(last, self->res_id, ARRAY_SIZE(self->res_id));
	self->max_id = last;
	for (id = 1; id <= last + ID_PROBE_SLACK; id++)
		count += obj_exists(self->fd, id);
	return count;
}

static void take_snap(struct __test_metadata *_metadata,
		      struct sweep *self,
		      const struct fail_seq *seq, struct snap *s)
{
	struct vcm_info info;

	memset(s, 0, sizeof(*s));
	s->objs = count_objs(self);
	s->fds = nr_open_fds();
	ASSERT_LE(0, s->fds);
	if (!seq->has_vcm)
		return;
	ASSERT_EQ(0, _test_ioctl_vcm_info(self->fd, self->vcm_id, &info));
	s->nr_res = info.out_nr_res;
	s->nr_backed = info.out_nr_backed;
	s->nr_assoc = info.out_nr_assoc;
	s->nr_domains = info.out_nr_domains;
}

/* Runs the steps from @from on; returns the one that failed, or nr_steps */
static unsigned int run_steps(struct sweep *self,
			      const struct fail_seq *seq, unsigned int from,
			      int *err)
{
	unsigned int i;

	for (i = from; i < seq->nr_steps; i++) {
		if (self->skip & (1U << i))
			continue;
		if (seq->run(self, i)) {
			*err = errno;
			return i;
		}
	}
	return i;
}

/* After step @failed failed: everything as the steps before it left it */
static void check_partial(struct __test_metadata *_metadata,
			  struct sweep *self,
			  const struct fail_seq *seq, const struct snap *pre,
			  unsigned int failed)
{
	const struct fail_step *f = &seq->steps[failed];
	struct snap want = *pre, now;
	unsigned int i;

	for (i = 0; i < failed; i++) {
		const struct fail_step *s = &seq->steps[i];

		if (self->skip & (1U << i))
			continue;
		want.objs = s->drops_file ? 0 : want.objs + s->objs;
		want.fds += s->fds;
		want.nr_res += s->res;
		want.nr_backed += s->backed;
		want.nr_assoc += s->assoc;
		want.nr_domains += s->domains;
	}
	take_snap(_metadata, self, seq, &now);
	EXPECT_EQ(want.objs, now.objs)
		TH_LOG("%s: objects of the file after a failed %s", seq->name, f->name);
	EXPECT_EQ(want.fds, now.fds)
		TH_LOG("%s: open files after a failed %s", seq->name, f->name);
	if (!seq->has_vcm)
		return;
	EXPECT_EQ(want.nr_res, now.nr_res)
		TH_LOG("%s: reservations after a failed %s", seq->name, f->name);
	/* A late allocation made before the failure stays, backed */
	if (!f->may_back || now.nr_backed != want.nr_backed + f->backed)
		EXPECT_EQ(want.nr_backed, now.nr_backed)
			TH_LOG("%s: backed reservations after a failed %s",
			       seq->name, f->name);
	EXPECT_EQ(want.nr_assoc, now.nr_assoc)
		TH_LOG("%s: associations after a failed %s", seq->name, f->name);
	EXPECT_EQ(want.nr_domains, now.nr_domains)
		TH_LOG("%s: domains after a failed %s", seq->name, f->name);
}

/* Opens a fresh /dev/vcm with no objects and no other files */
static void iter_begin(struct __test_metadata *_metadata,
		       struct sweep *self, unsigned int nth)
{
	iter_end(self);
	self->nth = nth;
	self->skip = 0;
	self->max_id = 0;
	self->vcm_id = 0;
	self->vcm2_id = 0;
	memset(self->dev_id, 0, sizeof(self->dev_id));
	memset(self->assoc_id, 0, sizeof(self->assoc_id));
	memset(self->phys_id, 0, sizeof(self->phys_id));
	memset(self->attach_id, 0, sizeof(self->attach_id));
	memset(self->res_id, 0, sizeof(self->res_id));
	memset(self->addr, 0, sizeof(self->addr));
	self->fd = vcm_open(_metadata);
}

/*
 * Sweeps every allocation point of @seq: see the top of this file. Prints how
 * many there were; there must be at least one, or no fault was injected.
 */
static void fail_nth_sweep(struct __test_metadata *_metadata,
			   struct sweep *self,
			   const struct fail_seq *seq)
{
	__u64 sig[SIG_MAX], base_sig[SIG_MAX] = { 0 };
	struct snap pre, now, base = { 0 };
	unsigned int nth, failed, done, i;
	bool injected;
	int err = 0;

	if (!have_fault_injection)
		SKIP(return, "fault injection is not enabled in the kernel");

	for (nth = 0;; nth++) {
		ASSERT_GT(NTH_MAX, nth)
			TH_LOG("%s: more than %u allocation points", seq->name, NTH_MAX);
		iter_begin(_metadata, self, nth);
		seq->prepare(_metadata, self);
		take_snap(_metadata, self, seq, &pre);

		if (nth)
			ASSERT_EQ(0, fail_nth_set(self->proc_fd, nth));
		failed = run_steps(self, seq, 0, &err);
		injected = nth && fail_nth_clear(_metadata, self->proc_fd);

		if (failed < seq->nr_steps) {
			const struct fail_step *f = &seq->steps[failed];

			ASSERT_TRUE(injected)
				TH_LOG("%s: %s failed without fault injection: %s",
				       seq->name, f->name, strerror(err));
			ASSERT_NE(0, f->err)
				TH_LOG("%s: %s may not fail, failed at nth %u: %s",
				       seq->name, f->name, nth, strerror(err));
			ASSERT_EQ(f->err, err)
				TH_LOG("%s: %s failed at nth %u with %s, not %s",
				       seq->name, f->name, nth, strerror(err),
				       strerror(f->err));
			check_partial(_metadata, self, seq, &pre, failed);
			if (seq->check_failed)
				seq->check_failed(_metadata, self, failed);
			ASSERT_EQ(KSFT_PASS, _metadata->exit_code)
				TH_LOG("%s: partial state after %s failed at nth %u",
				       seq->name, f->name, nth);

			/* Without injection, the same step and the rest work */
			done = run_steps(self, seq, failed, &err);
			ASSERT_EQ(seq->nr_steps, done)
				TH_LOG("%s: %s, after %s failed at nth %u: %s",
				       seq->name, seq->steps[done].name, f->name,
				       nth, strerror(err));
		}

		take_snap(_metadata, self, seq, &now);
		memset(sig, 0, sizeof(sig));
		seq->verify(_metadata, self, sig);
		if (!nth) {
			base = now;
			memcpy(base_sig, sig, sizeof(sig));
		}
		EXPECT_EQ(base.objs, now.objs)
			TH_LOG("%s: objects in the end, nth %u", seq->name, nth);
		EXPECT_EQ(base.fds, now.fds)
			TH_LOG("%s: open files in the end, nth %u", seq->name, nth);
		EXPECT_EQ(base.nr_res, now.nr_res);
		EXPECT_EQ(base.nr_backed, now.nr_backed);
		EXPECT_EQ(base.nr_assoc, now.nr_assoc);
		EXPECT_EQ(base.nr_domains, now.nr_domains);
		for (i = 0; i < SIG_MAX; i++)
			EXPECT_EQ(base_sig[i], sig[i])
				TH_LOG("%s: final value %u, nth %u", seq->name, i, nth);
		ASSERT_EQ(KSFT_PASS, _metadata->exit_code)
			TH_LOG("%s: the end differs from a run without injection, nth %u",
			       seq->name, nth);
		iter_end(self);

		/* The sequence completed before its nth allocation point */
		if (nth && !injected)
			break;
	}

	ksft_print_msg("%s: %u allocation points swept\n", seq->name, nth - 1);
	if (totals) {
		__atomic_add_fetch(&totals->points, nth - 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&totals->sequences, 1, __ATOMIC_RELAXED);
	}
	/* At least one fault was injected, or the sweep proved nothing */
	ASSERT_LE(2, nth)
		TH_LOG("%s: no allocation point was hit: is fail-nth working?",
		       seq->name);
}

/* A test that sweeps sequence @name##_seq, defined after it */
#define TEST_FAIL_NTH(name)						\
	static const struct fail_seq name##_seq;			\
	TEST_F_TIMEOUT(vcm_fail_nth, name, FAIL_NTH_TIMEOUT)		\
	{								\
		fail_nth_sweep(_metadata, &self->sweep, &name##_seq);	\
	}

/* Preconditions */

static void vcm_new(struct __test_metadata *_metadata,
		    struct sweep *self)
{
	ASSERT_EQ(0, _test_ioctl_vcm_create(self->fd, SWEEP_START, SWEEP_LEN,
					    &self->vcm_id));
}

/* A test device behind mock IOMMU @instance, or behind none */
static void dev_new(struct __test_metadata *_metadata,
		    struct sweep *self, unsigned int slot,
		    __u32 instance, __u32 flags)
{
	ASSERT_EQ(0, _test_cmd_dev_create(self->fd, instance, flags, 0,
					  &self->dev_id[slot]))
		TH_LOG("VCM_TEST_OP_DEV_CREATE: %s", strerror(errno));
}

/* Associates device @slot with the VCM and, with @activate, attaches it */
static void assoc_new(struct __test_metadata *_metadata,
		      struct sweep *self, unsigned int slot,
		      bool activate)
{
	ASSERT_EQ(0, _test_ioctl_assoc(self->fd, self->vcm_id, self->dev_id[slot],
				       0, 0, &self->assoc_id[slot]));
	if (activate)
		ASSERT_EQ(0, _test_ioctl_activate(self->fd, self->assoc_id[slot]));
}

/* @len bytes in @pgsizes, or in the page sizes of the VCM with 0 */
static void phys_new(struct __test_metadata *_metadata,
		     struct sweep *self, unsigned int slot,
		     __u64 len, __u64 pgsizes)
{
	ASSERT_EQ(0, _test_ioctl_phys_alloc(self->fd, 0, len, pgsizes,
					    pgsizes ? 0 : self->vcm_id,
					    &self->phys_id[slot], NULL, NULL));
}

static void res_new(struct __test_metadata *_metadata,
		    struct sweep *self, unsigned int slot,
		    __u64 len, __u64 align)
{
	ASSERT_EQ(0, _test_ioctl_reserve_rw(self->fd, self->vcm_id, len, align,
					    &self->addr[slot], &self->res_id[slot]));
}

/* One VCM mirrored into two domains: lpae-4k (device 0), armv7s (device 1) */
static void two_domains(struct __test_metadata *_metadata,
			struct sweep *self)
{
	vcm_new(_metadata, self);
	dev_new(_metadata, self, 0, VCM_MOCK_LPAE_4K, 0);
	dev_new(_metadata, self, 1, VCM_MOCK_ARMV7S, 0);
	assoc_new(_metadata, self, 0, true);
	assoc_new(_metadata, self, 1, true);
}

/* A udmabuf of @len bytes of memfd pages; none without /dev/udmabuf */
static bool udmabuf_new(struct __test_metadata *_metadata,
			struct sweep *self, __u64 len)
{
	self->udmabuf_fd = udmabuf_alloc(len, NULL);
	if (self->udmabuf_fd == -1 && errno == ENOENT)
		return false;
	ASSERT_LE(0, self->udmabuf_fd) TH_LOG("udmabuf: %s", strerror(errno));
	return true;
}

/* Checks */

/* Every domain of the VCM translates reservation @slot right, or not at all */
static void expect_map(struct __test_metadata *_metadata,
		       struct sweep *self, unsigned int slot,
		       __u32 domains)
{
	__u32 nr_domains, pages, mismatches;

	if (!self->res_id[slot])
		return;
	ASSERT_EQ(0, _test_cmd_check_map(self->fd, self->res_id[slot], &nr_domains,
					 &pages, &mismatches));
	EXPECT_EQ(domains, nr_domains);
	EXPECT_EQ(0, mismatches)
		TH_LOG("reservation %u at 0x%llx, nth %u", slot, self->addr[slot],
		       self->nth);
}

/*
 * The domain of association @a holds exactly the leaf PTEs of the minimal
 * cover of those reservations @slots[] that are backed: nothing that an
 * unwind left mapped, nothing that it unmapped twice.
 */
static void expect_leaves(struct __test_metadata *_metadata,
			  struct sweep *self, unsigned int a,
			  const unsigned int *slots, unsigned int nr)
{
	__u64 want[VCM_TEST_PGSIZE_SLOTS] = { 0 };
	struct vcm_test_cmd st;
	unsigned int i, j;

	for (i = 0; i < nr; i++) {
		__u32 res_id = self->res_id[slots[i]];

		if (!res_id)
			continue;
		if (_test_cmd_domain_stats(self->fd, self->assoc_id[a], res_id,
					   false, &st)) {
			ASSERT_EQ(EINVAL, errno);	/* not backed */
			continue;
		}
		for (j = 0; j < VCM_TEST_PGSIZE_SLOTS; j++)
			want[j] += st.domain_stats.out_cover[j];
	}
	ASSERT_EQ(0, _test_cmd_domain_stats(self->fd, self->assoc_id[a], 0, false,
					    &st));
	for (j = 0; j < VCM_TEST_PGSIZE_SLOTS; j++)
		EXPECT_EQ(want[j], st.domain_stats.out_ptes_mapped[j] -
				   st.domain_stats.out_ptes_unmapped[j])
			TH_LOG("domain %u: leaves of %llu KiB, nth %u", a,
			       (SZ_4K << j) / 1024, self->nth);
}

/* The importers attached to dma-buf @dmabuf_fd */
static __u32 attachments(struct __test_metadata *_metadata,
			 struct sweep *self, int dmabuf_fd)
{
	struct vcm_dmabuf_info info;

	ASSERT_EQ(0, _test_ioctl_dmabuf_info(self->fd, dmabuf_fd, &info));
	return info.out_nr_attach;
}

/* The bytes of allocation @slot, summed over its blocks */
static __u64 phys_bytes(struct __test_metadata *_metadata,
			struct sweep *self, unsigned int slot)
{
	__u32 i, nr = MAX_BLOCKS;
	__u8 orders[MAX_BLOCKS];
	__u64 len = 0;

	ASSERT_EQ(0, _test_ioctl_phys_segments(self->fd, self->phys_id[slot], &nr,
					       orders));
	for (i = 0; i < nr; i++)
		len += (__u64)page_size << orders[i];
	return len;
}

/* A failed activation left association @a inactive and its device detached */
static void expect_detached(struct __test_metadata *_metadata,
			    struct sweep *self, unsigned int a,
			    unsigned int dev, __u32 pasid)
{
	__u8 buf[SZ_4K];
	int ret, err;

	ret = _test_ioctl_deactivate(self->fd, self->assoc_id[a]);
	err = ret ? errno : 0;
	EXPECT_EQ(EINVAL, err)
		TH_LOG("association %u after its activation failed at nth %u: deactivate gives %s",
		       a, self->nth, ret ? strerror(err) : "success");
	ret = _test_cmd_dma(self->fd, self->dev_id[dev], pasid, false,
			    self->addr[0], buf, sizeof(buf));
	err = ret ? errno : 0;
	EXPECT_EQ(ENODEV, err)
		TH_LOG("device %u, PASID %u, after its activation failed at nth %u: DMA gives %s",
		       dev, pasid, self->nth, ret ? strerror(err) : "success");
}

/*
 * 1. VCM_CREATE: the VCM, its object and its id. A failure must leave no VCM
 * behind, which the count of the file's objects checks.
 */
TEST_FAIL_NTH(create)

static const struct fail_step create_steps[] = {
	{ .name = "VCM_CREATE", .err = ENOMEM, .objs = 1 },
	{ .name = "VCM_CREATE of a second VCM", .err = ENOMEM, .objs = 1 },
};

static void create_prepare(struct __test_metadata *_metadata,
			   struct sweep *self)
{
}

static int create_run(struct sweep *self, unsigned int step)
{
	return _test_ioctl_vcm_create(self->fd, SWEEP_START, SWEEP_LEN,
				      step ? &self->vcm2_id : &self->vcm_id);
}

static void create_verify(struct __test_metadata *_metadata,
			  struct sweep *self, __u64 *sig)
{
	struct vcm_info info;

	ASSERT_EQ(0, _test_ioctl_vcm_info(self->fd, self->vcm2_id, &info));
	sig[0] = info.out_start;
	sig[1] = info.out_len;
	sig[2] = info.out_nr_res + info.out_nr_assoc + info.out_nr_domains;
}

static const struct fail_seq create_seq = {
	.name = "create",
	.steps = create_steps,
	.nr_steps = ARRAY_SIZE(create_steps),
	.prepare = create_prepare,
	.run = create_run,
	.verify = create_verify,
};

/*
 * 2. VCM_ASSOC and VCM_ACTIVATE: a new domain for each instance (lpae-4k,
 * then armv7s), allocated through the device and given the backed reservation
 * by replay, then a PASID of the lpae-4k device. A failed association adds no
 * association and no domain, and leaves the other domains mapping the
 * reservation right; a failed activation leaves the device detached.
 */
TEST_FAIL_NTH(associate)

static const struct fail_step assoc_steps[] = {
	{ .name = "VCM_ASSOC (lpae-4k)", .err = ENOMEM, .objs = 1, .assoc = 1,
	  .domains = 1 },
	{ .name = "VCM_ACTIVATE (lpae-4k)", .err = ENOMEM },
	{ .name = "VCM_ASSOC (armv7s)", .err = ENOMEM, .objs = 1, .assoc = 1,
	  .domains = 1 },
	{ .name = "VCM_ACTIVATE (armv7s)", .err = ENOMEM },
	{ .name = "VCM_ASSOC (lpae-4k PASID 1)", .err = ENOMEM, .objs = 1,
	  .assoc = 1 },
	{ .name = "VCM_ACTIVATE (lpae-4k PASID 1)", .err = ENOMEM },
};

static void assoc_prepare(struct __test_metadata *_metadata,
			  struct sweep *self)
{
	vcm_new(_metadata, self);
	dev_new(_metadata, self, 0, VCM_MOCK_LPAE_4K, VCM_TEST_DEV_PASID);
	dev_new(_metadata, self, 1, VCM_MOCK_ARMV7S, 0);
	/* Backed before any domain exists: each new domain replays it */
	phys_new(_metadata, self, 0, ODD_LEN, SZ_4K | SZ_64K | SZ_1M);
	res_new(_metadata, self, 0, ODD_LEN, SZ_1M);
	ASSERT_EQ(0, _test_ioctl_back(self->fd, self->res_id[0], self->phys_id[0]));
}

static int assoc_run(struct sweep *self, unsigned int step)
{
	static const unsigned int dev[] = { 0, 1, 0 };
	unsigned int a = step / 2;

	if (step % 2)
		return _test_ioctl_activate(self->fd, self->assoc_id[a]);
	return _test_ioctl_assoc(self->fd, self->vcm_id, self->dev_id[dev[a]],
				 a == 2 ? VCM_ASSOC_PASID : 0, a == 2 ? 1 : 0,
				 &self->assoc_id[a]);
}

static void assoc_check_failed(struct __test_metadata *_metadata,
			       struct sweep *self,
			       unsigned int failed)
{
	struct vcm_info info;

	ASSERT_EQ(0, _test_ioctl_vcm_info(self->fd, self->vcm_id, &info));
	expect_map(_metadata, self, 0, info.out_nr_domains);
	if (failed == 1)
		expect_detached(_metadata, self, 0, 0, 0);
	else if (failed == 3)
		expect_detached(_metadata, self, 1, 1, 0);
	else if (failed == 5)
		expect_detached(_metadata, self, 2, 0, 1);
}

static void assoc_verify(struct __test_metadata *_metadata,
			 struct sweep *self, __u64 *sig)
{
	__u8 buf[SZ_4K];

	expect_map(_metadata, self, 0, 2);
	/* Every association is attached: its device reaches the reservation */
	EXPECT_EQ(0, _test_cmd_dma(self->fd, self->dev_id[0], 0, false,
				   self->addr[0], buf, sizeof(buf)));
	EXPECT_EQ(0, _test_cmd_dma(self->fd, self->dev_id[1], 0, false,
				   self->addr[0], buf, sizeof(buf)));
	EXPECT_EQ(0, _test_cmd_dma(self->fd, self->dev_id[0], 1, false,
				   self->addr[0], buf, sizeof(buf)));
}

static const struct fail_seq associate_seq = {
	.name = "associate",
	.steps = assoc_steps,
	.nr_steps = ARRAY_SIZE(assoc_steps),
	.has_vcm = true,
	.prepare = assoc_prepare,
	.run = assoc_run,
	.check_failed = assoc_check_failed,
	.verify = assoc_verify,
};

/*
 * 3. VCM_PHYS_ALLOC in the page sizes of a VCM mirrored into an armv7s domain
 * (4K, 64K, 1M, 16M): the block array and the blocks, a 1 MiB one first,
 * falling back to smaller ones when a large block is not to be had.
 */
TEST_FAIL_NTH(allocate)

static const struct {
	__u32 flags;
	__u64 len;
} alloc_args[] = {
	{ 0, SZ_1M },
	{ VCM_PHYS_CONTIG, SZ_1M },
	{ 0, ODD_LEN },
};

static const struct fail_step alloc_steps[] = {
	{ .name = "VCM_PHYS_ALLOC (1 MiB)", .err = ENOMEM, .objs = 1 },
	{ .name = "VCM_PHYS_ALLOC (1 MiB, contiguous)", .err = ENOMEM, .objs = 1 },
	{ .name = "VCM_PHYS_ALLOC (1 MiB + 68 KiB)", .err = ENOMEM, .objs = 1 },
};

static void alloc_prepare(struct __test_metadata *_metadata,
			  struct sweep *self)
{
	vcm_new(_metadata, self);
	dev_new(_metadata, self, 0, VCM_MOCK_ARMV7S, 0);
	assoc_new(_metadata, self, 0, false);
}

static int alloc_run(struct sweep *self, unsigned int step)
{
	return _test_ioctl_phys_alloc(self->fd, alloc_args[step].flags,
				      alloc_args[step].len, 0, self->vcm_id,
				      &self->phys_id[step], NULL, NULL);
}

static void alloc_verify(struct __test_metadata *_metadata,
			 struct sweep *self, __u64 *sig)
{
	unsigned int i;

	/* The blocks may differ from run to run; their sum may not */
	for (i = 0; i < ARRAY_SIZE(alloc_args); i++) {
		sig[i] = phys_bytes(_metadata, self, i);
		EXPECT_EQ(alloc_args[i].len, sig[i]);
	}
}

static const struct fail_seq allocate_seq = {
	.name = "allocate",
	.steps = alloc_steps,
	.nr_steps = ARRAY_SIZE(alloc_steps),
	.has_vcm = true,
	.prepare = alloc_prepare,
	.run = alloc_run,
	.verify = alloc_verify,
};

/*
 * 4. VCM_RESERVE, plain and VCM_RESERVE_FIXED, into a maple tree that already
 * holds reservations with gaps between them. A failed reservation must leave
 * no entry behind: the retry of a fixed one gets its address (no -EEXIST),
 * and a plain one the same address as without injection.
 */
TEST_FAIL_NTH(reserve)

static const struct fail_step reserve_steps[] = {
	{ .name = "VCM_RESERVE (1 MiB)", .err = ENOMEM, .objs = 1, .res = 1 },
	{ .name = "VCM_RESERVE (fixed, 256 KiB)", .err = ENOMEM, .objs = 1,
	  .res = 1 },
	{ .name = "VCM_RESERVE (64 KiB)", .err = ENOMEM, .objs = 1, .res = 1 },
	{ .name = "VCM_RESERVE (fixed, 64 KiB in a gap)", .err = ENOMEM,
	  .objs = 1, .res = 1 },
};

static void reserve_prepare(struct __test_metadata *_metadata,
			    struct sweep *self)
{
	unsigned int i;

	vcm_new(_metadata, self);
	for (i = 0; i < NR_GAP_RES; i++)
		ASSERT_EQ(0, _test_ioctl_reserve_fixed(self->fd, self->vcm_id,
						       GAP_BASE + 2 * i * SZ_64K,
						       SZ_64K,
						       &self->res_id[4 + i]));
}

static int reserve_run(struct sweep *self, unsigned int step)
{
	switch (step) {
	case 0:
		return _test_ioctl_reserve_rw(self->fd, self->vcm_id, SZ_1M, SZ_1M,
					      &self->addr[0], &self->res_id[0]);
	case 1:
		return _test_ioctl_reserve_fixed(self->fd, self->vcm_id,
						 SWEEP_START + 4 * SZ_1M, SZ_256K,
						 &self->res_id[1]);
	case 2:
		return _test_ioctl_reserve_rw(self->fd, self->vcm_id, SZ_64K, 0,
					      &self->addr[2], &self->res_id[2]);
	default:
		return _test_ioctl_reserve_fixed(self->fd, self->vcm_id,
						 GAP_BASE + SZ_64K, SZ_64K,
						 &self->res_id[3]);
	}
}

static void reserve_verify(struct __test_metadata *_metadata,
			   struct sweep *self, __u64 *sig)
{
	/* The lowest free ranges: no entry of a failed insert is in the way */
	EXPECT_EQ(SWEEP_START, self->addr[0]);
	EXPECT_EQ(SWEEP_START + SZ_1M, self->addr[2]);
	sig[0] = self->addr[0];
	sig[1] = self->addr[2];
}

static const struct fail_seq reserve_seq = {
	.name = "reserve",
	.steps = reserve_steps,
	.nr_steps = ARRAY_SIZE(reserve_steps),
	.has_vcm = true,
	.prepare = reserve_prepare,
	.run = reserve_run,
	.verify = reserve_verify,
};

/*
 * 5. VCM_BACK into two domains, lpae-4k (273 leaves for ODD_LEN) and armv7s (a
 * section, a large page and a small one in a level-2 table): when mapping the
 * second domain fails, the first must be unmapped again. After a failure
 * nothing is backed that was not before, no domain translates the
 * reservation, and the mock domains hold no leaf PTE of it.
 */
TEST_FAIL_NTH(back)

static const unsigned int back_slots[] = { 0, 1 };

static const struct fail_step back_steps[] = {
	{ .name = "VCM_BACK (1 MiB + 68 KiB)", .err = ENOMEM, .backed = 1 },
	{ .name = "VCM_BACK (64 KiB)", .err = ENOMEM, .backed = 1 },
};

static void back_prepare(struct __test_metadata *_metadata,
			 struct sweep *self)
{
	two_domains(_metadata, self);
	phys_new(_metadata, self, 0, ODD_LEN, 0);
	res_new(_metadata, self, 0, ODD_LEN, SZ_1M);
	phys_new(_metadata, self, 1, SZ_64K, 0);
	res_new(_metadata, self, 1, SZ_64K, SZ_64K);
}

static int back_run(struct sweep *self, unsigned int step)
{
	return _test_ioctl_back(self->fd, self->res_id[step],
				self->phys_id[step]);
}

/* Both reservations map right in both domains, with the right leaves */
static void back_check(struct __test_metadata *_metadata,
		       struct sweep *self, unsigned int failed)
{
	unsigned int a;

	expect_map(_metadata, self, 0, 2);
	expect_map(_metadata, self, 1, 2);
	for (a = 0; a < 2; a++)
		expect_leaves(_metadata, self, a, back_slots,
			      ARRAY_SIZE(back_slots));
}

static void back_verify(struct __test_metadata *_metadata,
			struct sweep *self, __u64 *sig)
{
	back_check(_metadata, self, 0);
}

static const struct fail_seq back_seq = {
	.name = "back",
	.steps = back_steps,
	.nr_steps = ARRAY_SIZE(back_steps),
	.has_vcm = true,
	.prepare = back_prepare,
	.run = back_run,
	.check_failed = back_check,
	.verify = back_verify,
};

/*
 * 6. VCM_UNBACK, which allocates nothing and may not fail, interleaved with
 * backing the same memory elsewhere and back again: the unmapping of both
 * domains must leave nothing behind that a later VCM_BACK trips over.
 */
TEST_FAIL_NTH(unback)

static const struct fail_step unback_steps[] = {
	{ .name = "VCM_UNBACK", .backed = -1 },
	{ .name = "VCM_BACK elsewhere", .err = ENOMEM, .backed = 1 },
	{ .name = "VCM_UNBACK elsewhere", .backed = -1 },
	{ .name = "VCM_BACK where it was", .err = ENOMEM, .backed = 1 },
};

static void unback_prepare(struct __test_metadata *_metadata,
			   struct sweep *self)
{
	two_domains(_metadata, self);
	phys_new(_metadata, self, 0, ODD_LEN, 0);
	res_new(_metadata, self, 0, ODD_LEN, SZ_1M);
	res_new(_metadata, self, 1, ODD_LEN, SZ_1M);
	ASSERT_EQ(0, _test_ioctl_back(self->fd, self->res_id[0], self->phys_id[0]));
}

static int unback_run(struct sweep *self, unsigned int step)
{
	__u32 res_id = self->res_id[step == 1 || step == 2];

	if (step % 2 == 0)
		return _test_ioctl_unback(self->fd, res_id);
	return _test_ioctl_back(self->fd, res_id, self->phys_id[0]);
}

static const struct fail_seq unback_seq = {
	.name = "unback",
	.steps = unback_steps,
	.nr_steps = ARRAY_SIZE(unback_steps),
	.has_vcm = true,
	.prepare = unback_prepare,
	.run = unback_run,
	.check_failed = back_check,
	.verify = back_verify,
};

/*
 * 7. VCM_EXPORT of a backed reservation, then of an unbacked movable one,
 * which allocates at the first map of a DMA-direct importer ("late
 * allocation") and moves for a second importer that needs one contiguous
 * range. A failed export leaves no file descriptor and the reservation
 * unexported; a failed attach leaves no attachment; a failed move maps the
 * old memory again in every domain. A failed first map may leave the late
 * allocation in place, backed: the next map uses it.
 */
TEST_FAIL_NTH(export)

static const struct fail_step export_steps[] = {
	{ .name = "VCM_EXPORT (backed)", .err = ENOMEM, .fds = 1 },
	{ .name = "VCM_EXPORT (movable, unbacked)", .err = ENOMEM, .fds = 1 },
	{ .name = "VCM_DMABUF_INFO" },
	{ .name = "VCM_TEST_OP_DMABUF_ATTACH (DMA-direct, dynamic)",
	  .err = ENOMEM },
	{ .name = "VCM_TEST_OP_DMABUF_MAP (late allocation)", .err = ENOMEM,
	  .backed = 1, .may_back = true },
	{ .name = "VCM_TEST_OP_DMABUF_ATTACH (one contiguous range)",
	  .err = ENOMEM },
	{ .name = "VCM_TEST_OP_DMABUF_MAP (contiguous)", .err = ENOMEM },
};

static void export_prepare(struct __test_metadata *_metadata,
			   struct sweep *self)
{
	vcm_new(_metadata, self);
	dev_new(_metadata, self, 0, VCM_MOCK_LPAE_4K, 0);
	assoc_new(_metadata, self, 0, true);
	phys_new(_metadata, self, 0, SZ_256K, 0);
	res_new(_metadata, self, 0, SZ_256K, 0);
	ASSERT_EQ(0, _test_ioctl_back(self->fd, self->res_id[0], self->phys_id[0]));
	res_new(_metadata, self, 1, SZ_256K, 0);
	/* Both importers are one DMA-direct device, attached twice */
	dev_new(_metadata, self, 1, 0, VCM_TEST_DEV_NO_IOMMU);
}

static int export_run(struct sweep *self, unsigned int step)
{
	struct vcm_dmabuf_info info;
	struct vcm_test_cmd cmd;
	int fd = self->fd;

	switch (step) {
	case 0:
		return _test_ioctl_export(fd, self->res_id[0], 0,
					  &self->dmabuf_fd[0]);
	case 1:
		return _test_ioctl_export(fd, self->res_id[1], VCM_EXPORT_MOVABLE,
					  &self->dmabuf_fd[1]);
	case 2:
		return _test_ioctl_dmabuf_info(fd, self->dmabuf_fd[1], &info);
	case 3:
		return _test_cmd_dmabuf_attach(fd, self->dev_id[1],
					       self->dmabuf_fd[1],
					       VCM_TEST_ATTACH_DYNAMIC, 0, 0, 0, 0,
					       &self->attach_id[0], NULL);
	case 4:
		return _test_cmd_dmabuf_map(fd, self->attach_id[0], &cmd);
	case 5:
		return _test_cmd_dmabuf_attach(fd, self->dev_id[1],
					       self->dmabuf_fd[1], 0, 1, 0, 0, 0,
					       &self->attach_id[1], NULL);
	default:
		return _test_cmd_dmabuf_map(fd, self->attach_id[1], &cmd);
	}
}

static void export_check(struct __test_metadata *_metadata,
			 struct sweep *self, unsigned int failed)
{
	struct vcm_dmabuf_info dinfo;
	struct vcm_info info;

	if (self->dmabuf_fd[0] != -1)
		EXPECT_EQ(0, attachments(_metadata, self, self->dmabuf_fd[0]));
	if (self->dmabuf_fd[1] != -1) {
		EXPECT_EQ((failed > 3) + (failed > 5),
			  attachments(_metadata, self, self->dmabuf_fd[1]))
			TH_LOG("importers of the movable export, nth %u", self->nth);
		/* The export is backed exactly when the VCM counts it so */
		ASSERT_EQ(0, _test_ioctl_dmabuf_info(self->fd, self->dmabuf_fd[1],
						     &dinfo));
		ASSERT_EQ(0, _test_ioctl_vcm_info(self->fd, self->vcm_id, &info));
		EXPECT_EQ(info.out_nr_backed == 2,
			  !!(dinfo.out_flags & VCM_DMABUF_BACKED));
	}
	expect_map(_metadata, self, 0, 1);
	expect_map(_metadata, self, 1, 1);
}

static void export_verify(struct __test_metadata *_metadata,
			  struct sweep *self, __u64 *sig)
{
	export_check(_metadata, self, ARRAY_SIZE(export_steps));
	sig[0] = attachments(_metadata, self, self->dmabuf_fd[1]);
}

static const struct fail_seq export_seq = {
	.name = "export",
	.steps = export_steps,
	.nr_steps = ARRAY_SIZE(export_steps),
	.has_vcm = true,
	.prepare = export_prepare,
	.run = export_run,
	.check_failed = export_check,
	.verify = export_verify,
};

/*
 * 8. VCM_IMPORT of a VCM export (the VCM attaches to its own dma-buf) and of a
 * udmabuf, each then backing a reservation. A failed import must leave no
 * attachment on the dma-buf and no reference to it; a failed back of
 * imported memory leaves it unmapped everywhere.
 */
TEST_FAIL_NTH(import)

static const unsigned int import_slots[] = { 0, 1, 2 };

#define IMPORT_UDMABUF_STEPS	0xcU	/* steps 2 and 3 */

static const struct fail_step import_steps[] = {
	{ .name = "VCM_IMPORT (VCM export)", .err = ENOMEM, .objs = 1 },
	{ .name = "VCM_BACK (VCM export)", .err = ENOMEM, .backed = 1 },
	{ .name = "VCM_IMPORT (udmabuf)", .err = ENOMEM, .objs = 1 },
	{ .name = "VCM_BACK (udmabuf)", .err = ENOMEM, .backed = 1 },
};

static void import_prepare(struct __test_metadata *_metadata,
			   struct sweep *self)
{
	vcm_new(_metadata, self);
	dev_new(_metadata, self, 0, VCM_MOCK_LPAE_4K, 0);
	assoc_new(_metadata, self, 0, true);
	phys_new(_metadata, self, 0, SZ_256K, 0);
	res_new(_metadata, self, 0, SZ_256K, 0);
	ASSERT_EQ(0, _test_ioctl_back(self->fd, self->res_id[0], self->phys_id[0]));
	ASSERT_EQ(0, _test_ioctl_export(self->fd, self->res_id[0], 0,
					&self->dmabuf_fd[0]));
	res_new(_metadata, self, 1, SZ_256K, 0);
	res_new(_metadata, self, 2, SZ_256K, 0);
	if (!udmabuf_new(_metadata, self, SZ_256K)) {
		if (!self->nth)
			TH_LOG("no /dev/udmabuf: importing a VCM export only");
		self->skip = IMPORT_UDMABUF_STEPS;
	}
}

static int import_run(struct sweep *self, unsigned int step)
{
	int dmabuf_fd = step < 2 ? self->dmabuf_fd[0] : self->udmabuf_fd;
	unsigned int slot = step / 2 + 1;

	if (step % 2)
		return _test_ioctl_back(self->fd, self->res_id[slot],
					self->phys_id[slot]);
	return _test_ioctl_import(self->fd, dmabuf_fd, &self->phys_id[slot],
				  NULL, NULL, NULL);
}

static void import_check(struct __test_metadata *_metadata,
			 struct sweep *self, unsigned int failed)
{
	EXPECT_EQ(failed > 0, attachments(_metadata, self, self->dmabuf_fd[0]))
		TH_LOG("importers of the export, nth %u", self->nth);
	if (self->udmabuf_fd != -1)
		EXPECT_EQ(failed > 2, attachments(_metadata, self, self->udmabuf_fd))
			TH_LOG("importers of the udmabuf, nth %u", self->nth);
	expect_map(_metadata, self, 1, 1);
	expect_map(_metadata, self, 2, 1);
	expect_leaves(_metadata, self, 0, import_slots, ARRAY_SIZE(import_slots));
}

static void import_verify(struct __test_metadata *_metadata,
			  struct sweep *self, __u64 *sig)
{
	import_check(_metadata, self, ARRAY_SIZE(import_steps));
	sig[0] = attachments(_metadata, self, self->dmabuf_fd[0]);
}

static const struct fail_seq import_seq = {
	.name = "import",
	.steps = import_steps,
	.nr_steps = ARRAY_SIZE(import_steps),
	.has_vcm = true,
	.prepare = import_prepare,
	.run = import_run,
	.check_failed = import_check,
	.verify = import_verify,
};

/*
 * 9. VCM_DESTROY of an allocation, of reservations (every other one first, so
 * the maple tree merges gaps and rebalances) and of the VCM: none may fail.
 * The VCM is then made again, which must work as if nothing had been there;
 * it is also what the sweep injects into when the destruction itself
 * allocates nothing.
 */
TEST_FAIL_NTH(free)

static const struct fail_step free_steps[] = {
	{ .name = "VCM_DESTROY (allocation)", .objs = -1 },
	{ .name = "VCM_DESTROY (reservations)", .objs = -NR_SMALL_RES },
	{ .name = "VCM_DESTROY (VCM)", .objs = -1 },
	{ .name = "VCM_CREATE", .err = ENOMEM, .objs = 1 },
	{ .name = "VCM_RESERVE", .err = ENOMEM, .objs = 1 },
	{ .name = "VCM_PHYS_ALLOC", .err = ENOMEM, .objs = 1 },
};

static void free_prepare(struct __test_metadata *_metadata,
			 struct sweep *self)
{
	unsigned int i;

	vcm_new(_metadata, self);
	phys_new(_metadata, self, 0, SZ_64K, SZ_4K | SZ_64K);
	for (i = 0; i < NR_SMALL_RES; i++)
		res_new(_metadata, self, i, SZ_64K, 0);
}

static int free_run(struct sweep *self, unsigned int step)
{
	unsigned int pass, i;

	switch (step) {
	case 0:
		return _test_ioctl_destroy(self->fd, self->phys_id[0]);
	case 1:
		for (pass = 0; pass < 2; pass++) {
			for (i = pass; i < NR_SMALL_RES; i += 2) {
				if (_test_ioctl_destroy(self->fd, self->res_id[i]))
					return -1;
				self->res_id[i] = 0;
			}
		}
		return 0;
	case 2:
		return _test_ioctl_destroy(self->fd, self->vcm_id);
	case 3:
		return _test_ioctl_vcm_create(self->fd, SWEEP_START, SWEEP_LEN,
					      &self->vcm_id);
	case 4:
		return _test_ioctl_reserve_rw(self->fd, self->vcm_id, SZ_64K, 0,
					      &self->addr[0], &self->res_id[0]);
	default:
		return _test_ioctl_phys_alloc(self->fd, 0, SZ_64K, SZ_4K | SZ_64K, 0,
					      &self->phys_id[0], NULL, NULL);
	}
}

static void free_verify(struct __test_metadata *_metadata,
			struct sweep *self, __u64 *sig)
{
	struct vcm_info info;

	ASSERT_EQ(0, _test_ioctl_vcm_info(self->fd, self->vcm_id, &info));
	EXPECT_EQ(1, info.out_nr_res);
	EXPECT_EQ(SWEEP_START, self->addr[0]);
	sig[0] = info.out_nr_res;
	sig[1] = self->addr[0];
	sig[2] = phys_bytes(_metadata, self, 0);
}

static const struct fail_seq free_seq = {
	.name = "free",
	.steps = free_steps,
	.nr_steps = ARRAY_SIZE(free_steps),
	.prepare = free_prepare,
	.run = free_run,
	.verify = free_verify,
};

/*
 * 10. close() of a /dev/vcm holding a full setup: a VCM mirrored into two
 * domains, its active associations, an allocation backing an exported
 * reservation, and an importer of the export with a mapping. The export
 * outlives the file; closing it then ends the reservation, the allocation
 * and the VCM. Neither close may fail; /dev/vcm is then opened again and
 * given a VCM, which must work (and is where the sweep injects when the
 * release paths allocate nothing).
 */
TEST_FAIL_NTH(close)

static const struct fail_step close_steps[] = {
	{ .name = "close(/dev/vcm)", .fds = -1, .drops_file = true },
	{ .name = "close(export)", .fds = -1 },
	{ .name = "open(/dev/vcm)", .err = ENOMEM, .fds = 1 },
	{ .name = "VCM_CREATE", .err = ENOMEM, .objs = 1 },
};

static void close_prepare(struct __test_metadata *_metadata,
			  struct sweep *self)
{
	struct vcm_test_cmd cmd;

	two_domains(_metadata, self);
	phys_new(_metadata, self, 0, SZ_256K, 0);
	res_new(_metadata, self, 0, SZ_256K, 0);
	ASSERT_EQ(0, _test_ioctl_back(self->fd, self->res_id[0], self->phys_id[0]));
	ASSERT_EQ(0, _test_ioctl_export(self->fd, self->res_id[0], 0,
					&self->dmabuf_fd[0]));
	dev_new(_metadata, self, 2, 0, VCM_TEST_DEV_NO_IOMMU);
	ASSERT_EQ(0, _test_cmd_dmabuf_attach(self->fd, self->dev_id[2],
					     self->dmabuf_fd[0], 0, 0, 0, 0, 0,
					     &self->attach_id[0], NULL));
	ASSERT_EQ(0, _test_cmd_dmabuf_map(self->fd, self->attach_id[0], &cmd));
}

static int close_run(struct sweep *self, unsigned int step)
{
	int ret;

	switch (step) {
	case 0:
		ret = close(self->fd);
		self->fd = -1;
		return ret;
	case 1:
		ret = close(self->dmabuf_fd[0]);
		self->dmabuf_fd[0] = -1;
		return ret;
	case 2:
		self->fd = open("/dev/vcm", O_RDWR);
		return self->fd == -1 ? -1 : 0;
	default:
		return _test_ioctl_vcm_create(self->fd, SWEEP_START, SWEEP_LEN,
					      &self->vcm_id);
	}
}

static void close_verify(struct __test_metadata *_metadata,
			 struct sweep *self, __u64 *sig)
{
	struct vcm_info info;

	ASSERT_EQ(0, _test_ioctl_vcm_info(self->fd, self->vcm_id, &info));
	sig[0] = info.out_nr_res + info.out_nr_assoc + info.out_nr_domains;
}

static const struct fail_seq close_seq = {
	.name = "close",
	.steps = close_steps,
	.nr_steps = ARRAY_SIZE(close_steps),
	.prepare = close_prepare,
	.run = close_run,
	.verify = close_verify,
};

TEST_HARNESS_MAIN
