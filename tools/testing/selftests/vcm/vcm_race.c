// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lifetimes that cannot be raced: two threads meet on the objects of one
 * /dev/vcm file and its dma-bufs, from two files or from a file and a
 * dma-buf, for every pair of operations that can meet on one object:
 *
 *   close of /dev/vcm, release of an export and of an import, unback,
 *   destroy, deactivate, mmap/munmap of the file and of the dma-buf, CPU
 *   access, a test importer's attach/map/unmap/detach, a movable export's
 *   move, and device removal.
 *
 * Each pair runs for many rounds on a fresh scene; the kernel widens its race
 * windows (VCM_TEST_OP_WINDOW) on half of them. A round passes if every call
 * fails only with an errno its operation may give, and the scene can then be
 * taken apart with strict destroys; the test kernel's KASAN, lockdep,
 * kmemleak and panic_on_warn judge the rest.
 *
 * The "lead_*" tests each aim at one window with the kernel widening it, so
 * that they fail every time on a kernel with that race, not by chance.
 *
 * VCM_RACE_SECONDS (default 60) is the time the pairs share; each pair runs
 * at least VCM_RACE_MIN_ROUNDS rounds.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "vcm_utils.h"

/*
 * Two blocks even where an IOMMU maps 64 KiB with one PTE (the VCM then
 * allocates 64 KiB blocks), so that a move has work to do
 */
#define RACE_LEN	(SZ_64K + SZ_4K)
#define VCM_RACE_MIN_ROUNDS	4

/*
 * Everything one round works on. File F owns a VCM with a mock device in it
 * and, when QEMU's edu devices are there, edu 1 (the only kind of device two
 * files can share); an exported movable reservation whose memory the export
 * allocated late; a reservation backed by memory of F; and one backed by an
 * imported udmabuf. File G holds the importers: edu 1 again (else a mock
 * device outside the VCM), which gets the VCM address while it is active in
 * F's VCM and a DMA-API mapping while it is not, and a device without an
 * IOMMU that needs one contiguous range (attaching it makes the export move
 * its memory when that memory is not contiguous).
 */
struct scene {
	int fd, fd2;
	__u32 vcm, dev, assoc;
	__u32 edu, edu_assoc;	/* 0 without edu devices */
	__u32 res_ex;
	int dfd;
	__u32 res_b, phys_b;
	__u32 res_im, phys_im;
	int ufd;
	__u32 dev2, dev3;
	void *map;
};

static int scene_fd(int *fdp)
{
	return __atomic_load_n(fdp, __ATOMIC_ACQUIRE);
}

/* Close *@fdp once, whichever thread gets there first */
static int close_once(int *fdp)
{
	int fd = __atomic_exchange_n(fdp, -1, __ATOMIC_ACQ_REL);

	return fd == -1 ? -EBADF : close(fd) ? -errno : 0;
}

static void scene_setup(struct __test_metadata *_metadata, struct scene *s)
{
	__u32 bits;
	__u64 addr;
	void *p;

	memset(s, 0, sizeof(*s));
	s->fd = open("/dev/vcm", O_RDWR);
	ASSERT_LE(0, s->fd);
	s->fd2 = open("/dev/vcm", O_RDWR);
	ASSERT_LE(0, s->fd2);
	ASSERT_EQ(0, _test_ioctl_vcm_create(s->fd, VCM_START, VCM_LEN, &s->vcm));
	ASSERT_EQ(0, _test_cmd_dev_create(s->fd, VCM_MOCK_LPAE_4K, 0, 0, &s->dev));
	ASSERT_EQ(0, _test_ioctl_assoc(s->fd, s->vcm, s->dev, 0, 0, &s->assoc));
	ASSERT_EQ(0, _test_ioctl_activate(s->fd, s->assoc));
	if (!_test_cmd_edu_open(s->fd, 1, &s->edu, &bits)) {
		ASSERT_EQ(0, _test_ioctl_assoc(s->fd, s->vcm, s->edu, 0, 0,
					       &s->edu_assoc));
		ASSERT_EQ(0, _test_ioctl_activate(s->fd, s->edu_assoc));
	}

	ASSERT_EQ(0, _test_ioctl_reserve_rw(s->fd, s->vcm, RACE_LEN, 0, &addr,
					    &s->res_ex));
	ASSERT_EQ(0, _test_ioctl_export(s->fd, s->res_ex, VCM_EXPORT_MOVABLE,
					&s->dfd));
	/* Late allocation, in scattered pages so that a move has work to do */
	scatter_free_pages(_metadata, s->fd, 16);
	p = mmap(NULL, RACE_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, s->dfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 0x5a, RACE_LEN);
	ASSERT_EQ(0, munmap(p, RACE_LEN));

	ASSERT_EQ(0, _test_ioctl_phys_alloc(s->fd, 0, RACE_LEN, 0, s->vcm,
					    &s->phys_b, NULL, NULL));
	ASSERT_EQ(0, _test_ioctl_reserve_rw(s->fd, s->vcm, RACE_LEN, 0, &addr,
					    &s->res_b));
	ASSERT_EQ(0, _test_ioctl_back(s->fd, s->res_b, s->phys_b));

	s->ufd = udmabuf_alloc(RACE_LEN, NULL);
	ASSERT_LE(0, s->ufd);
	ASSERT_EQ(0, _test_ioctl_import(s->fd, s->ufd, &s->phys_im, NULL, NULL,
					NULL));
	ASSERT_EQ(0, _test_ioctl_reserve_rw(s->fd, s->vcm, RACE_LEN, 0, &addr,
					    &s->res_im));
	ASSERT_EQ(0, _test_ioctl_back(s->fd, s->res_im, s->phys_im));

	if (!s->edu || _test_cmd_edu_open(s->fd2, 1, &s->dev2, &bits))
		ASSERT_EQ(0, _test_cmd_dev_create(s->fd2, VCM_MOCK_LPAE_4K, 0, 0,
						  &s->dev2));
	ASSERT_EQ(0, _test_cmd_dev_create(s->fd2, 0, VCM_TEST_DEV_NO_IOMMU, 32,
					  &s->dev3));
}

/* The association importers in G meet: edu 1's, else the mock device's */
static __u32 shared_assoc(struct scene *s)
{
	return s->edu ? s->edu_assoc : s->assoc;
}

/*
 * After the race: once what depends on them is gone, the strict destroys of
 * F's objects succeed (nothing is left busy by a lost reference) and the
 * counters agree.
 */
static void scene_check_teardown(struct __test_metadata *_metadata,
				 struct scene *s)
{
	struct vcm_info info;
	int fd = s->fd;
	__u32 ids[] = { s->res_ex, s->res_b, s->res_im };
	unsigned int i;

	close_once(&s->dfd);
	close_once(&s->ufd);
	if (fd == -1)
		return;
	for (i = 0; i < 3; i++) {
		if (_test_ioctl_unback(fd, ids[i]))
			EXPECT_TRUE(errno == EINVAL || errno == ENOENT)
				TH_LOG("unback %u: %s", ids[i], strerror(errno));
		if (_test_ioctl_destroy(fd, ids[i]))
			EXPECT_EQ(ENOENT, errno)
				TH_LOG("destroy %u: %s", ids[i], strerror(errno));
	}
	ASSERT_EQ(0, _test_ioctl_vcm_info(fd, s->vcm, &info));
	EXPECT_EQ(0, info.out_nr_res);
	EXPECT_EQ(0, info.out_nr_backed);
	if (_test_ioctl_deactivate(fd, s->assoc))
		EXPECT_TRUE(errno == EINVAL || errno == ENODEV);
	EXPECT_EQ(0, _test_ioctl_destroy(fd, s->assoc));
	if (s->edu) {
		/* G's importer is gone with its ops: nothing keeps edu 1 in */
		if (_test_ioctl_deactivate(fd, s->edu_assoc))
			EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(0, _test_ioctl_destroy(fd, s->edu_assoc));
	}
	EXPECT_EQ(0, _test_ioctl_destroy(fd, s->vcm));
	for (i = 0; i < 2; i++) {
		__u32 phys = i ? s->phys_im : s->phys_b;

		if (_test_ioctl_destroy(fd, phys))
			EXPECT_EQ(ENOENT, errno);
	}
}

static void scene_teardown(struct scene *s)
{
	close_once(&s->dfd);
	close_once(&s->ufd);
	close_once(&s->fd2);
	close_once(&s->fd);
}

/* An outcome an operation may have: 0 or one of @ok (0-terminated) */
static bool allowed(int err, const int *ok)
{
	if (!err)
		return true;
	for (; *ok; ok++)
		if (err == *ok)
			return true;
	return false;
}

static int err_of(int ret)
{
	return ret ? errno : 0;
}

struct op {
	const char *name;
	/* returns 0 or the first errno that is not allowed */
	int (*run)(struct scene *s);
};

/* 0 if @ret is 0 or failed with an errno of @ok (0-terminated), else errno */
static int bad(int ret, const int *ok)
{
	return allowed(err_of(ret), ok) ? 0 : errno;
}

/* What each call may fail with while the other thread changes the scene */
static const int ok_unback[] = { EBADF, EBUSY, EINVAL, ENOENT, 0 };
static const int ok_destroy[] = { EBADF, EBUSY, ENOENT, 0 };
static const int ok_deactivate[] = { EBADF, EBUSY, EINVAL, ENODEV, ENOENT, 0 };
static const int ok_activate[] = { EBADF, EBUSY, ENODEV, ENOENT, 0 };
static const int ok_mmap[] = { EBADF, EBUSY, EINVAL, ENOENT, 0 };
/* EBUSY: an exported reservation's CPU view is its dma-buf's */
static const int ok_cpu[] = { EBADF, EBUSY, EINVAL, ENOENT, 0 };
static const int ok_map[] = { ENOMEM, 0 };
static const int ok_unmap[] = { EINVAL, 0 };
static const int ok_gone[] = { ENOENT, 0 };
static const int ok_remove[] = { EBADF, ENODEV, 0 };

static int op_close_file(struct scene *s)
{
	int ret = close_once(&s->fd);

	return ret == -EBADF ? 0 : -ret;
}

static int op_close_export(struct scene *s)
{
	int ret = close_once(&s->dfd);

	return ret == -EBADF ? 0 : -ret;
}

/* The import goes: unbacked, destroyed, and the udmabuf closed */
static int op_release_import(struct scene *s)
{
	int fd = scene_fd(&s->fd);
	int ret = bad(_test_ioctl_unback(fd, s->res_im), ok_unback) ?:
		  bad(_test_ioctl_destroy(fd, s->phys_im), ok_destroy);

	close_once(&s->ufd);
	return ret;
}

static int op_unback(struct scene *s)
{
	int fd = scene_fd(&s->fd);

	return bad(_test_ioctl_unback(fd, s->res_ex), ok_unback) ?:
	       bad(_test_ioctl_unback(fd, s->res_b), ok_unback);
}

static int op_destroy(struct scene *s)
{
	int fd = scene_fd(&s->fd);

	return bad(_test_ioctl_destroy(fd, s->res_ex), ok_destroy) ?:
	       bad(_test_ioctl_destroy(fd, s->res_b), ok_destroy) ?:
	       bad(_test_ioctl_destroy(fd, s->vcm), ok_destroy);
}

static int op_deactivate(struct scene *s)
{
	return bad(_test_ioctl_deactivate(scene_fd(&s->fd), shared_assoc(s)),
		   ok_deactivate);
}

/* Out of the VCM and in again: importers' mappings change kind */
static int op_reactivate(struct scene *s)
{
	int fd = scene_fd(&s->fd);

	return bad(_test_ioctl_deactivate(fd, shared_assoc(s)), ok_deactivate) ?:
	       bad(_test_ioctl_activate(fd, shared_assoc(s)), ok_activate);
}

/* Maps @len bytes of @fd at @off, reads and writes them, unmaps */
static int map_touch(int fd, off_t off, __u64 len)
{
	__u8 *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
	if (p == MAP_FAILED)
		return -1;
	__atomic_store_n(&p[0], __atomic_load_n(&p[len - 1], __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELAXED);
	munmap(p, len);
	return 0;
}

static int op_mmap_file(struct scene *s)
{
	int fd = scene_fd(&s->fd);

	return bad(map_touch(fd, (off_t)s->res_ex * page_size, RACE_LEN), ok_mmap) ?:
	       bad(map_touch(fd, (off_t)s->res_b * page_size, RACE_LEN), ok_mmap);
}

static int op_mmap_dmabuf(struct scene *s)
{
	return bad(map_touch(scene_fd(&s->dfd), 0, RACE_LEN), ok_mmap);
}

static int op_cpu_access(struct scene *s)
{
	int fd = scene_fd(&s->fd);
	__u8 buf[256] = { 0 };

	return bad(_test_ioctl_cpu_access(fd, VCM_CPU_READ, s->res_ex, 0, buf,
					  sizeof(buf)), ok_cpu) ?:
	       bad(_test_ioctl_cpu_access(fd, VCM_CPU_WRITE, s->res_b, 0, buf,
					  sizeof(buf)), ok_cpu);
}

/* A test importer in G attaches, maps, unmaps and detaches */
static int op_importer(struct scene *s)
{
	struct vcm_test_cmd map;
	__u32 at;

	if (_test_cmd_dmabuf_attach(s->fd2, s->dev2, scene_fd(&s->dfd),
				    VCM_TEST_ATTACH_DYNAMIC, 0, 0, 0, 0, &at, NULL))
		return errno == EBADF ? 0 : errno;
	return bad(_test_cmd_dmabuf_map(s->fd2, at, &map), ok_map) ?:
	       bad(_test_cmd_dmabuf_unmap(s->fd2, at), ok_unmap) ?:
	       bad(_test_ioctl_destroy(s->fd2, at), ok_gone);
}

/* An importer that needs one range attaches: a movable export moves */
static int op_move(struct scene *s)
{
	__u32 at;

	if (_test_cmd_dmabuf_attach(s->fd2, s->dev3, scene_fd(&s->dfd), 0, 1, 0,
				    0, 0, &at, NULL))
		return errno == EBADF || errno == EBUSY ? 0 : errno;
	return bad(_test_ioctl_destroy(s->fd2, at), ok_gone);
}

static int op_dev_remove(struct scene *s)
{
	return bad(_test_cmd_dev_remove(scene_fd(&s->fd), s->dev), ok_remove);
}

static const struct op ops[] = {
	{ "close_file", op_close_file },
	{ "close_export", op_close_export },
	{ "release_import", op_release_import },
	{ "unback", op_unback },
	{ "destroy", op_destroy },
	{ "deactivate", op_deactivate },
	{ "reactivate", op_reactivate },
	{ "mmap_file", op_mmap_file },
	{ "mmap_dmabuf", op_mmap_dmabuf },
	{ "cpu_access", op_cpu_access },
	{ "importer", op_importer },
	{ "move", op_move },
	{ "dev_remove", op_dev_remove },
};

#define NR_OPS ARRAY_SIZE(ops)

struct racer {
	struct scene *s;
	const struct op *op;
	pthread_barrier_t *go;
	int err;
};

static void *racer_run(void *p)
{
	struct racer *r = p;

	pthread_barrier_wait(r->go);
	r->err = r->op->run(r->s);
	return NULL;
}

/* Arm every window with a delay of up to 2 ms, or disarm them all */
static void arm_windows(int fd, bool on)
{
	unsigned int w;

	for (w = 1; w < VCM_WINDOW_NR; w++)
		_test_cmd_window(fd, w, on ? 200 + rand() % 1800 : 0);
}

FIXTURE(vcm_race)
{
	int fd;
};

FIXTURE_SETUP(vcm_race)
{
	self->fd = open("/dev/vcm", O_RDWR);
	ASSERT_NE(-1, self->fd)
		TH_LOG("open /dev/vcm: %s (needs CONFIG_VCM_TEST)", strerror(errno));
}

FIXTURE_TEARDOWN(vcm_race)
{
	unsigned int w;

	for (w = 1; w < VCM_WINDOW_NR; w++)
		_test_cmd_window(self->fd, w, 0);
	EXPECT_EQ(0, close(self->fd));
}

/* The scene's export is released in one thread, @op runs in another */
struct lead {
	struct scene *s;
	int (*op)(struct scene *s);
	unsigned int delay_us;
	int err;
};

static void *lead_run(void *p)
{
	struct lead *l = p;

	usleep(l->delay_us);
	l->err = l->op(l->s);
	return NULL;
}

/*
 * Runs @a now and @b after @delay_us, in two threads, with @window widened
 * to @window_us.
 */
static void lead_pair(struct __test_metadata *_metadata, int fd,
		      struct scene *s, unsigned int window,
		      unsigned int window_us, int (*a)(struct scene *),
		      int (*b)(struct scene *), unsigned int delay_us,
		      int *err_a, int *err_b)
{
	struct lead l[2] = {
		{ .s = s, .op = a },
		{ .s = s, .op = b, .delay_us = delay_us },
	};
	pthread_t t[2];
	int k;

	ASSERT_EQ(0, _test_cmd_window(fd, window, window_us));
	for (k = 0; k < 2; k++)
		ASSERT_EQ(0, pthread_create(&t[k], NULL, lead_run, &l[k]));
	for (k = 0; k < 2; k++)
		ASSERT_EQ(0, pthread_join(t[k], NULL));
	ASSERT_EQ(0, _test_cmd_window(fd, window, 0));
	*err_a = l[0].err;
	*err_b = l[1].err;
}

static int do_unback_ex(struct scene *s)
{
	return err_of(_test_ioctl_unback(s->fd, s->res_ex));
}

static int do_mmap_ex(struct scene *s)
{
	void *p = mmap(NULL, RACE_LEN, PROT_READ, MAP_SHARED, s->fd,
		       (off_t)s->res_ex * page_size);

	if (p == MAP_FAILED)
		return errno;
	/* Kept: the test checks what it maps after the release */
	s->map = p;
	return 0;
}

/*
 * Lead: the release of an export whose memory it allocated, meeting the close
 * of /dev/vcm. The release looked at the reservation, then the close freed
 * it, then the release unbacked it: a use-after-free.
 */
TEST_F(vcm_race, lead_release_vs_close)
{
	int ea, eb, round;
	struct scene s;

	for (round = 0; round < 4; round++) {
		scene_setup(_metadata, &s);
		lead_pair(_metadata, self->fd, &s, VCM_WINDOW_EXPORT_RELEASE,
			  50000, op_close_export, op_close_file, 10000, &ea, &eb);
		EXPECT_EQ(0, ea);
		EXPECT_EQ(0, eb);
		scene_teardown(&s);
	}
}

/*
 * Lead: the release meeting VCM_UNBACK of the same reservation. Once the
 * release has let go of the reservation, the unback succeeds; the release
 * then found nothing to unback and warned. Now the unback sees the export
 * (EBUSY) or its memory gone with it (EINVAL), never both succeed.
 */
TEST_F(vcm_race, lead_release_vs_unback)
{
	struct vcm_info info;
	int ea, eb, round;
	struct scene s;

	for (round = 0; round < 4; round++) {
		scene_setup(_metadata, &s);
		lead_pair(_metadata, self->fd, &s, VCM_WINDOW_EXPORT_RELEASE,
			  50000, op_close_export, do_unback_ex, 10000, &ea, &eb);
		EXPECT_EQ(0, ea);
		EXPECT_TRUE(eb == EBUSY || eb == EINVAL)
			TH_LOG("unback during the release: %s", strerror(eb));
		ASSERT_EQ(0, _test_ioctl_vcm_info(s.fd, s.vcm, &info));
		EXPECT_EQ(2, info.out_nr_backed);
		scene_teardown(&s);
	}
}

/*
 * Lead: the release meeting mmap() of the reservation through /dev/vcm. The
 * mapping must not outlive the memory: if it was made, the reservation is
 * still backed once the release is done.
 */
TEST_F(vcm_race, lead_release_vs_mmap)
{
	struct vcm_info info;
	int ea, eb, round, mapped = 0;
	struct scene s;

	for (round = 0; round < 4; round++) {
		scene_setup(_metadata, &s);
		lead_pair(_metadata, self->fd, &s, VCM_WINDOW_EXPORT_RELEASE,
			  50000, op_close_export, do_mmap_ex, 10000, &ea, &eb);
		EXPECT_EQ(0, ea);
		ASSERT_EQ(0, _test_ioctl_vcm_info(s.fd, s.vcm, &info));
		if (!eb) {
			mapped++;
			/* The mapping holds what it maps */
			EXPECT_EQ(3, info.out_nr_backed)
				TH_LOG("a user mapping of memory the release freed");
			EXPECT_ERRNO(EBUSY, _test_ioctl_unback(s.fd, s.res_ex));
		} else {
			EXPECT_TRUE(eb == EBUSY || eb == EINVAL)
				TH_LOG("mmap during the release: %s", strerror(eb));
			EXPECT_EQ(2, info.out_nr_backed);
		}
		if (s.map)
			EXPECT_EQ(0, munmap(s.map, RACE_LEN));
		scene_teardown(&s);
	}
	TH_LOG("%d of 4 mmaps made during the release", mapped);
}

static int do_cpu_read_ex(struct scene *s)
{
	__u8 buf[64];

	return err_of(_test_ioctl_cpu_access(s->fd, VCM_CPU_READ, s->res_ex, 0,
					     buf, sizeof(buf)));
}

/*
 * Lead: VCM_CPU_ACCESS looked up the reservation's memory without a lock
 * while a movable export's move freed it (a use-after-free). An exported
 * reservation's CPU view is its dma-buf's now: the access is refused, and the
 * move goes ahead.
 */
TEST_F(vcm_race, lead_cpu_access_vs_move)
{
	int ea, eb, round, try, scattered = 0;
	struct vcm_dmabuf_info di;
	struct scene s;
	__u32 moves;

	for (round = 0; round < 4; round++) {
		/* Memory in one run suits the mover as it is: try again */
		for (try = 0; ; try++) {
			scene_setup(_metadata, &s);
			ASSERT_EQ(0, _test_ioctl_dmabuf_info(s.fd, s.dfd, &di));
			if (di.out_nr_segments > 1 || try == FRAGMENT_TRIES - 1)
				break;
			scene_teardown(&s);
		}
		/* Scattered memory must move for the one-run attacher */
		moves = di.out_nr_segments > 1;
		scattered += moves;
		lead_pair(_metadata, self->fd, &s, VCM_WINDOW_CPU_ACCESS, 50000,
			  do_cpu_read_ex, op_move, 10000, &ea, &eb);
		EXPECT_EQ(EBUSY, ea);
		EXPECT_EQ(0, eb);
		ASSERT_EQ(0, _test_ioctl_dmabuf_info(s.fd, s.dfd, &di));
		EXPECT_EQ(moves, di.out_nr_moves);
		scene_teardown(&s);
	}
	TH_LOG("%d of 4 rounds had scattered memory to move", scattered);
}

/*
 * Review: VCM_CPU_ACCESS of an exported reservation kept a kernel view of
 * memory the export's release then freed. Refused while exported; after
 * the release the reservation is simply not backed.
 */
TEST_F(vcm_race, lead_cpu_access_vs_release)
{
	int ea, eb, round;
	struct scene s;

	for (round = 0; round < 4; round++) {
		scene_setup(_metadata, &s);
		lead_pair(_metadata, self->fd, &s, VCM_WINDOW_CPU_ACCESS, 50000,
			  do_cpu_read_ex, op_close_export, round * 20000, &ea, &eb);
		EXPECT_TRUE(ea == EBUSY || ea == EINVAL)
			TH_LOG("CPU access around the release: %s", strerror(ea));
		EXPECT_EQ(0, eb);
		scene_teardown(&s);
	}
}

struct attach_arg {
	int fd;
	__u32 dev;
	int dfd;
	__u32 max_segments;
	__u32 at;
	int err;
};

static void *attach_run(void *p)
{
	struct attach_arg *a = p;

	a->err = err_of(_test_cmd_dmabuf_attach(a->fd, a->dev, a->dfd, 0,
						a->max_segments, 0, 0, 0,
						&a->at, NULL));
	return NULL;
}

/*
 * Lead: the check of a late attacher and its insertion in the attachment
 * list were two locked sections. A first map in between allocated memory
 * without knowing the new attachment, which then got memory that does not
 * suit it. Either the attacher comes first (the memory is allocated for it)
 * or it sees the memory (and the export moves it, or refuses the attacher).
 */
TEST_F(vcm_race, lead_attach_vs_first_map)
{
	__u32 vcm_id, mock, assoc, res, dev3, at_a;
	struct attach_arg arg = { 0 };
	struct vcm_dmabuf_info di;
	struct vcm_test_cmd map;
	int round, fd2, dfd;
	pthread_t t;
	__u64 addr;

	fd2 = open("/dev/vcm", O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, _test_cmd_dev_create(fd2, 0, VCM_TEST_DEV_NO_IOMMU, 32, &dev3));
	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	ASSERT_EQ(0, _test_cmd_dev_create(self->fd, VCM_MOCK_LPAE_4K, 0, 0, &mock));
	test_ioctl_assoc(vcm_id, mock, &assoc);
	test_ioctl_activate(assoc);
	for (round = 0; round < 4; round++) {
		test_ioctl_reserve(vcm_id, SZ_256K, 0, &addr, &res);
		test_ioctl_export(res, 0, &dfd);
		test_cmd_dmabuf_attach(mock, dfd, 0, 0, &at_a);
		scatter_free_pages(_metadata, self->fd, 64);

		arg = (struct attach_arg){ .fd = fd2, .dev = dev3, .dfd = dfd,
					   .max_segments = 1 };
		test_cmd_window(VCM_WINDOW_ATTACH, 100000);
		ASSERT_EQ(0, pthread_create(&t, NULL, attach_run, &arg));
		usleep(20000);
		/* The first map allocates, for the attachments it sees */
		test_cmd_dmabuf_map(at_a, &map);
		ASSERT_EQ(0, pthread_join(t, NULL));
		test_cmd_window(VCM_WINDOW_ATTACH, 0);

		test_ioctl_dmabuf_info(dfd, &di);
		if (!arg.err) {
			EXPECT_EQ(2, di.out_nr_attach);
			EXPECT_EQ(1, di.out_nr_segments)
				TH_LOG("round %d: an attacher that needs one range got %u",
				       round, di.out_nr_segments);
			EXPECT_EQ(0, _test_ioctl_destroy(fd2, arg.at));
		} else {
			EXPECT_EQ(EBUSY, arg.err);
		}
		test_ioctl_destroy(at_a);
		EXPECT_EQ(0, close(dfd));
		test_ioctl_destroy(res);
	}
	EXPECT_EQ(0, close(fd2));
}

/*
 * Lead: a movable export's move copied the memory without waiting for the
 * work queued on the buffer (its reservation object's fences) and freed the
 * old memory while an importer that had been told to drop its mapping still
 * had it. The move waits for the fences; the old memory lives until the last
 * mapping of it goes.
 */
TEST_F(vcm_race, lead_move_waits_for_fences)
{
	__u32 vcm_id, mock, assoc, res, imp, at_a, dev3, fence;
	struct attach_arg arg = { 0 };
	struct vcm_dmabuf_info di;
	struct vcm_test_cmd map;
	__u8 *pat, *buf;
	int fd2, dfd, try;
	pthread_t t;
	__u64 addr, iova;

	pat = xmalloc(_metadata, SZ_256K);
	buf = xmalloc(_metadata, SZ_256K);
	fd2 = open("/dev/vcm", O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, _test_cmd_dev_create(fd2, 0, VCM_TEST_DEV_NO_IOMMU, 32, &dev3));
	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	ASSERT_EQ(0, _test_cmd_dev_create(self->fd, VCM_MOCK_LPAE_4K, 0, 0, &mock));
	test_ioctl_assoc(vcm_id, mock, &assoc);
	test_ioctl_activate(assoc);
	/* The importer maps through its own DMA API domain, not the VCM */
	ASSERT_EQ(0, _test_cmd_dev_create(self->fd, VCM_MOCK_LPAE_4K,
					  VCM_TEST_DEV_DMA_API, 0, &imp))
		TH_LOG("needs vcm.bench_instances=1 or more");

	for (try = 0; try < FRAGMENT_TRIES; try++) {
		test_ioctl_reserve(vcm_id, SZ_256K, 0, &addr, &res);
		test_ioctl_export(res, VCM_EXPORT_MOVABLE, &dfd);
		test_cmd_dmabuf_attach(imp, dfd, VCM_TEST_ATTACH_DYNAMIC |
				       VCM_TEST_ATTACH_DEFER, 0, &at_a);
		scatter_free_pages(_metadata, self->fd, 64);
		test_cmd_dmabuf_map(at_a, &map);
		test_ioctl_dmabuf_info(dfd, &di);
		if (di.out_nr_segments > 1)
			break;
		test_ioctl_destroy(at_a);
		EXPECT_EQ(0, close(dfd));
		test_ioctl_destroy(res);
	}
	ASSERT_LT(1, di.out_nr_segments);
	iova = map.dmabuf_map.out_dma_addr;
	EXPECT_NE(addr, iova);

	/* The importer's device has work queued that writes the buffer */
	ASSERT_EQ(0, _test_cmd_fence_add(self->fd, dfd, true, &fence));
	arg = (struct attach_arg){ .fd = fd2, .dev = dev3, .dfd = dfd,
				   .max_segments = 1 };
	ASSERT_EQ(0, pthread_create(&t, NULL, attach_run, &arg));
	usleep(200000);
	/* ... it writes through its mapping, then signals its fence */
	fill_pattern(pat, SZ_256K, 13, 0);
	test_cmd_dma_write(imp, 0, iova, pat, SZ_256K);
	ASSERT_EQ(0, _test_cmd_fence_signal(self->fd, fence));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, arg.err);

	/* The move waited: what the device wrote moved with the buffer */
	test_ioctl_dmabuf_info(dfd, &di);
	EXPECT_EQ(1, di.out_nr_moves);
	EXPECT_EQ(1, di.out_nr_segments);
	memset(buf, 0, SZ_256K);
	test_cmd_dma_read(mock, 0, addr, buf, SZ_256K);
	assert_same(_metadata, pat, buf, SZ_256K, "the buffer after the move");

	/*
	 * The importer was told, but until it unmaps, its old mapping still
	 * reaches the old memory, which is not freed under it.
	 */
	EXPECT_ERRNO(EBUSY, _test_cmd_dmabuf_map(self->fd, at_a, &map));
	memset(buf, 0, SZ_256K);
	test_cmd_dma_read(imp, 0, iova, buf, SZ_256K);
	assert_same(_metadata, pat, buf, SZ_256K, "the old mapping after the move");
	test_cmd_dmabuf_unmap(at_a);
	test_cmd_dmabuf_map(at_a, &map);
	EXPECT_EQ(1, map.dmabuf_map.out_invalidations);
	memset(buf, 0, SZ_256K);
	test_cmd_dma_read(imp, 0, map.dmabuf_map.out_dma_addr, buf, SZ_256K);
	assert_same(_metadata, pat, buf, SZ_256K, "a new mapping after the move");
	test_cmd_dmabuf_unmap(at_a);

	EXPECT_EQ(0, _test_ioctl_destroy(fd2, arg.at));
	test_ioctl_destroy(at_a);
	test_ioctl_destroy(fence);
	EXPECT_EQ(0, close(dfd));
	test_ioctl_destroy(res);
	EXPECT_EQ(0, close(fd2));
	free(pat);
	free(buf);
}

/*
 * Lead: importers that got the VCM address kept it after their device left
 * the VCM. Deactivating the device invalidates them: a dynamic importer maps
 * again and gets an address its device reaches now.
 */
TEST_F(vcm_race, lead_deactivate_invalidates_importers)
{
	__u32 vcm_id, mock, assoc, res, at;
	struct vcm_test_cmd map;
	__u64 addr;
	int dfd;

	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	ASSERT_EQ(0, _test_cmd_dev_create(self->fd, VCM_MOCK_LPAE_4K, 0, 0, &mock));
	test_ioctl_assoc(vcm_id, mock, &assoc);
	test_ioctl_activate(assoc);
	test_ioctl_reserve(vcm_id, SZ_64K, 0, &addr, &res);
	test_ioctl_export(res, 0, &dfd);
	test_cmd_dmabuf_attach(mock, dfd, VCM_TEST_ATTACH_DYNAMIC, 0, &at);
	test_cmd_dmabuf_map(at, &map);
	EXPECT_EQ(addr, map.dmabuf_map.out_dma_addr);

	test_ioctl_deactivate(assoc);
	/* Invalidated: mapping again gives a DMA-API mapping, not the VCM's */
	test_cmd_dmabuf_map(at, &map);
	EXPECT_EQ(1, map.dmabuf_map.out_invalidations);
	test_cmd_dmabuf_unmap(at);

	/* A static importer that holds the VCM address keeps its device in */
	test_ioctl_activate(assoc);
	test_ioctl_destroy(at);
	test_cmd_dmabuf_attach(mock, dfd, 0, 0, &at);
	test_cmd_dmabuf_map(at, &map);
	EXPECT_EQ(addr, map.dmabuf_map.out_dma_addr);
	test_err_deactivate(EBUSY, assoc);
	test_cmd_dmabuf_unmap(at);
	test_ioctl_deactivate(assoc);

	test_ioctl_destroy(at);
	EXPECT_EQ(0, close(dfd));
	test_ioctl_destroy(res);
}

/*
 * The same when the owner's file goes: an importer in another file that
 * holds the VCM address through an edu device (the only device two files can
 * share) is invalidated, and its next mapping is one its device reaches
 * outside the VCM, which the device really uses.
 */
TEST_F_TIMEOUT(vcm_race, lead_close_invalidates_importers, 60)
{
	__u32 vcm_id, edu_f, edu_g, bits, assoc, res, at;
	struct vcm_test_cmd map;
	__u8 *pat, *buf;
	int fd, dfd;
	__u64 addr;

	fd = open("/dev/vcm", O_RDWR);
	ASSERT_LE(0, fd);
	if (_test_cmd_edu_open(fd, 1, &edu_f, &bits)) {
		EXPECT_EQ(ENODEV, errno);
		close(fd);
		SKIP(return, "no edu device");
	}
	ASSERT_EQ(0, _test_ioctl_vcm_create(fd, VCM_START, VCM_LEN, &vcm_id));
	ASSERT_EQ(0, _test_ioctl_assoc(fd, vcm_id, edu_f, 0, 0, &assoc));
	ASSERT_EQ(0, _test_ioctl_activate(fd, assoc));
	ASSERT_EQ(0, _test_ioctl_reserve_rw(fd, vcm_id, SZ_64K, 0, &addr, &res));
	ASSERT_EQ(0, _test_ioctl_export(fd, res, 0, &dfd));

	ASSERT_EQ(0, _test_cmd_edu_open(self->fd, 1, &edu_g, &bits));
	test_cmd_dmabuf_attach(edu_g, dfd, VCM_TEST_ATTACH_DYNAMIC, 0, &at);
	test_cmd_dmabuf_map(at, &map);
	EXPECT_EQ(addr, map.dmabuf_map.out_dma_addr);

	ASSERT_EQ(0, close(fd));
	test_cmd_dmabuf_map(at, &map);
	EXPECT_EQ(1, map.dmabuf_map.out_invalidations)
		TH_LOG("the importer kept the VCM address of a closed file");

	/* The device really reaches the buffer at its new address */
	pat = xmalloc(_metadata, SZ_4K);
	buf = xmalloc(_metadata, SZ_4K);
	fill_pattern(pat, SZ_4K, 21, 0);
	dmabuf_write(dfd, SZ_64K, 0, pat, SZ_4K);
	test_cmd_edu_copy(edu_g, map.dmabuf_map.out_dma_addr,
			  map.dmabuf_map.out_dma_addr + SZ_4K, SZ_4K);
	dmabuf_read(dfd, SZ_64K, SZ_4K, buf, SZ_4K);
	assert_same(_metadata, pat, buf, SZ_4K, "edu copy at the new mapping");
	free(pat);
	free(buf);

	test_ioctl_destroy(at);
	EXPECT_EQ(0, close(dfd));
}

/*
 * Lead: an imported dma-buf whose table is longer or shorter than its size
 * was accepted; the longer one mapped past its reservation. Refused.
 */
TEST_F(vcm_race, lead_import_table_size)
{
	static const struct { __u64 size, table; } c[] = {
		{ SZ_64K, SZ_64K + SZ_4K },
		{ SZ_64K, SZ_64K - SZ_4K },
	};
	__u32 phys;
	unsigned int i;
	int dfd;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, _test_cmd_dmabuf_create(self->fd, c[i].size,
						     c[i].table, &dfd));
		EXPECT_ERRNO(EINVAL, _test_ioctl_import(self->fd, dfd, &phys,
							NULL, NULL, NULL));
		EXPECT_EQ(0, close(dfd));
	}
	/* The same exporter with a table that matches is imported */
	ASSERT_EQ(0, _test_cmd_dmabuf_create(self->fd, SZ_64K, SZ_64K, &dfd));
	test_ioctl_import(dfd, &phys, NULL);
	test_ioctl_destroy(phys);
	EXPECT_EQ(0, close(dfd));
}

/* Binds edu @index to the VCM test driver again after a test unbound it */
static void edu_rebind(struct __test_metadata *_metadata, int fd, __u32 index)
{
	char path[128], bdf[32];
	__u32 id, bits;
	int i, n, dfd;

	for (i = 0, n = -1; i < 32 && n != (int)index; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:00:%02x.0/device", i);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%31s", bdf) == 1 && !strcmp(bdf, "0x11e8"))
			n++;
		fclose(f);
	}
	ASSERT_EQ((int)index, n);
	snprintf(bdf, sizeof(bdf), "0000:00:%02x.0", i - 1);
	dfd = open("/sys/bus/pci/drivers/vcm-edu/bind", O_WRONLY);
	ASSERT_LE(0, dfd);
	ASSERT_EQ((ssize_t)strlen(bdf), write(dfd, bdf, strlen(bdf)));
	close(dfd);
	ASSERT_EQ(0, _test_cmd_edu_open(fd, index, &id, &bits));
	EXPECT_EQ(index ? 32 : 28, bits);
	ASSERT_EQ(0, _test_ioctl_destroy(fd, id));
}

/*
 * Lead: a device whose driver was unbound (VCM_TEST_OP_DEV_REMOVE of an
 * edu) could still be associated and activated. Refused with ENODEV.
 */
TEST_F(vcm_race, lead_unbound_device_assoc)
{
	__u32 vcm_id, edu, bits;

	if (_test_cmd_edu_open(self->fd, 0, &edu, &bits))
		SKIP(return, "no edu device");
	test_ioctl_vcm_create(VCM_START, VCM_LEN, &vcm_id);
	test_cmd_dev_remove(edu);
	test_err_assoc(ENODEV, vcm_id, edu, 0, 0);
	test_ioctl_destroy(edu);
	test_ioctl_destroy(vcm_id);
	edu_rebind(_metadata, self->fd, 0);
}

static int do_domain_stats(struct scene *s)
{
	struct vcm_test_cmd cmd;

	return err_of(_test_cmd_domain_stats(s->fd, s->assoc, 0, false, &cmd));
}

static int do_unbind_edu(struct scene *s)
{
	return err_of(_test_cmd_dev_remove(s->fd2, s->dev2));
}

/*
 * Lead: vcm_assoc_domain() returned a domain without a reference, so a
 * domain-stats call racing the unbind of the device (from another file) used
 * a freed domain. The stats see the domain or the device gone (ENODEV).
 */
TEST_F_TIMEOUT(vcm_race, lead_domain_stats_vs_unbind, 60)
{
	struct scene s = { .fd = -1, .fd2 = -1 };
	__u32 vcm_id, bits;
	int ea, eb;

	s.fd = open("/dev/vcm", O_RDWR);
	s.fd2 = open("/dev/vcm", O_RDWR);
	ASSERT_LE(0, s.fd);
	ASSERT_LE(0, s.fd2);
	if (_test_cmd_edu_open(s.fd, 0, &s.dev, &bits))
		SKIP(return, "no edu device");
	ASSERT_EQ(0, _test_ioctl_vcm_create(s.fd, VCM_START, VCM_LEN, &vcm_id));
	ASSERT_EQ(0, _test_ioctl_assoc(s.fd, vcm_id, s.dev, 0, 0, &s.assoc));
	ASSERT_EQ(0, _test_ioctl_activate(s.fd, s.assoc));
	ASSERT_EQ(0, _test_cmd_edu_open(s.fd2, 0, &s.dev2, &bits));

	lead_pair(_metadata, self->fd, &s, VCM_WINDOW_DOMAIN_STATS, 100000,
		  do_domain_stats, do_unbind_edu, 20000, &ea, &eb);
	EXPECT_TRUE(!ea || ea == ENODEV) TH_LOG("stats: %s", strerror(ea));
	EXPECT_EQ(0, eb);
	EXPECT_ERRNO(ENODEV, _test_ioctl_activate(s.fd, s.assoc));
	EXPECT_EQ(0, close(s.fd2));
	EXPECT_EQ(0, close(s.fd));
	edu_rebind(_metadata, self->fd, 0);
}

/* Every pair of operations, both orders of start, many rounds each */
TEST_F_TIMEOUT(vcm_race, pairs, 900)
{
	const char *env = getenv("VCM_RACE_SECONDS");
	double budget = env ? atof(env) : 60, per_pair, t0, end;
	unsigned int i, j, pairs = 0, total = 0;
	pthread_barrier_t go;

	per_pair = budget / (NR_OPS * (NR_OPS - 1) / 2);
	srand(1);
	t0 = now_seconds();
	for (i = 0; i < NR_OPS; i++) {
		for (j = i + 1; j < NR_OPS; j++) {
			unsigned int rounds = 0;

			end = now_seconds() + per_pair;
			while (rounds < VCM_RACE_MIN_ROUNDS || now_seconds() < end) {
				struct racer r[2] = {
					{ .op = &ops[i] }, { .op = &ops[j] },
				};
				pthread_t t[2];
				struct scene s;
				int k;

				scene_setup(_metadata, &s);
				arm_windows(self->fd, rounds & 1);
				pthread_barrier_init(&go, NULL, 2);
				for (k = 0; k < 2; k++) {
					r[k].s = &s;
					r[k].go = &go;
				}
				/* Either thread may be created first */
				for (k = 0; k < 2; k++)
					ASSERT_EQ(0, pthread_create(&t[k], NULL,
								    racer_run,
								    &r[(k + rounds / 2) & 1]));
				for (k = 0; k < 2; k++)
					ASSERT_EQ(0, pthread_join(t[k], NULL));
				pthread_barrier_destroy(&go);
				arm_windows(self->fd, false);
				for (k = 0; k < 2; k++) {
					const struct racer *rk = &r[k];

					EXPECT_EQ(0, rk->err)
						TH_LOG("%s+%s round %u: %s gave %s",
						       ops[i].name, ops[j].name,
						       rounds, rk->op->name,
						       strerror(rk->err));
				}
				scene_check_teardown(_metadata, &s);
				scene_teardown(&s);
				rounds++;
			}
			ksft_print_msg("pair %s+%s: %u rounds\n", ops[i].name,
				       ops[j].name, rounds);
			pairs++;
			total += rounds;
		}
	}
	ksft_print_msg("%u pairs, %u rounds in %.0f s\n", pairs, total,
		       now_seconds() - t0);
}

TEST_HARNESS_MAIN
