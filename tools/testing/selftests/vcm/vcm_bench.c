// SPDX-License-Identifier: GPL-2.0-only
/*
 * vcm_bench: times VCM map and unmap against the alternatives, through
 * VCM_TEST_OP_BENCH of /dev/vcm (drivers/iommu/vcm/vcm_test.h), and prints
 * one CSV row per run on stdout; progress and failures go to stderr.
 *
 * Sections:
 *   main     every mock format and the edu devices behind the platform IOMMU
 *            ("intel"): each kind, buffer size and number of devices
 *   scale    one 16 MiB buffer in 1 to 64 vtdss domains
 *   reserve  reserve and unreserve with 1000 to 100000 live reservations
 *
 * Not a kselftest: `make bench` runs it in a QEMU guest and reads the CSV.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "vcm_utils.h"

#define SEC_MAIN	0x1
#define SEC_SCALE	0x2
#define SEC_RESERVE	0x4

#define MIN_ITERATIONS		10
#define MAX_ITERATIONS		2000
#define RESERVE_ITERATIONS	2000
#define DEFAULT_BUDGET_MIB	4096
#define NR_FORMATS		(VCM_MOCK_NR + 1)

struct format {
	char name[17];
	__u32 instance;
	__u64 pgsizes;
	bool broken;	/* VCM_TEST_OP_INSTANCE_INFO failed */
	bool probed;	/* a bench ioctl was issued for it */
	bool absent;	/* the edu devices are not there: skip its rows */
};

static const char * const kind_names[] = {
	[VCM_BENCH_VCM] = "vcm",
	[VCM_BENCH_VCM_4K] = "vcm4k",
	[VCM_BENCH_HEAP] = "heap",
	[VCM_BENCH_RAW] = "raw",
	[VCM_BENCH_RESERVE] = "reserve",
};

static const int main_kinds[] = {
	VCM_BENCH_VCM, VCM_BENCH_VCM_4K, VCM_BENCH_HEAP, VCM_BENCH_RAW,
};

static const int scale_kinds[] = {
	VCM_BENCH_VCM, VCM_BENCH_RAW, VCM_BENCH_HEAP,
};

/* The CSV's columns, in the order run() prints them */
static const char * const columns[] = {
	"section", "kind", "format", "devices", "size", "threads",
	"iterations", "live", "map_ns", "map_sd_ns", "unmap_ns", "unmap_sd_ns",
	"ptes", "cover", "cover_ideal", "iotlb_syncs", "domains", "mock",
	"map_med_ns", "unmap_med_ns",
};

static const __u64 main_sizes[] = { SZ_64K, SZ_1M, SZ_16M, SZ_64M };
static const __u32 main_devs[] = { 1, 2, 4, 8 };
static const __u32 scale_devs[] = { 1, 2, 4, 8, 16, 32, 64 };
static const __u32 reserve_live[] = { 1000, 10000, 100000 };

static struct format formats[NR_FORMATS];
static int vcm_fd = -1;
static unsigned int nr_failed;

static unsigned int opt_sections;
static bool opt_quick;
static __u32 opt_iterations;
static __u32 opt_threads = 1;
static __u64 opt_budget = (__u64)DEFAULT_BUDGET_MIB << 20;

/* "64K", "16M": sizes as the progress lines print them */
static const char *size_str(__u64 size, char *buf, size_t len)
{
	if (size && !(size % SZ_1G))
		snprintf(buf, len, "%lluG", (unsigned long long)(size / SZ_1G));
	else if (size && !(size % SZ_1M))
		snprintf(buf, len, "%lluM", (unsigned long long)(size / SZ_1M));
	else if (size && !(size % 1024))
		snprintf(buf, len, "%lluK", (unsigned long long)(size / 1024));
	else
		snprintf(buf, len, "%llu", (unsigned long long)size);
	return buf;
}

/*
 * The fewest PTEs that map @size bytes from offset 0 with @pgsizes: at each
 * offset, the largest page size that fits in what remains and that the
 * offset is aligned to. 0 if @pgsizes cannot map @size at all.
 */
static __u64 greedy_cover(__u64 size, __u64 pgsizes)
{
	__u64 off = 0, n = 0;

	while (off < size) {
		__u64 rem = size - off, pg = 0;
		int b;

		for (b = 63; b >= 0; b--) {
			__u64 p = 1ULL << b;

			if ((pgsizes & p) && p <= rem && !(off & (p - 1))) {
				pg = p;
				break;
			}
		}
		if (!pg)
			return 0;
		off += pg;
		n++;
	}
	return n;
}

static __u32 clamp_u64(__u64 v, __u32 lo, __u32 hi)
{
	return v < lo ? lo : v > hi ? hi : (__u32)v;
}

/* Iterations per thread of a run that maps @size bytes into @devs devices */
static __u32 iterations_for(__u64 size, __u32 devs)
{
	if (opt_iterations)
		return opt_iterations;
	return clamp_u64(opt_budget / (size * (devs ? devs : 1)),
			 MIN_ITERATIONS, MAX_ITERATIONS);
}

/* One VCM_TEST_OP_BENCH: a CSV row on success, a FAILED line otherwise */
static void run(const char *section, int kind, struct format *f, __u32 devs,
		__u64 size, __u32 live, __u32 iterations)
{
	struct vcm_test_cmd cmd;
	char sz[24], what[96];
	int buf_fd = -1, err = 0;
	bool first = !f->probed;
	__u64 ideal;
	double t0;

	if (f->absent || f->broken)
		return;
	if (live)
		snprintf(what, sizeof(what), "%s %s %s %s live=%u", section,
			 kind_names[kind], f->name, size_str(size, sz, sizeof(sz)),
			 live);
	else
		snprintf(what, sizeof(what), "%s %s %s %s x%u", section,
			 kind_names[kind], f->name, size_str(size, sz, sizeof(sz)),
			 devs);

	if (kind == VCM_BENCH_HEAP) {
		buf_fd = heap_alloc(size);
		if (buf_fd < 0)
			err = errno;
	}
	t0 = now_seconds();
	if (!err) {
		f->probed = true;
		if (_test_cmd_bench(vcm_fd, &cmd, kind, f->instance, devs, opt_threads,
				    iterations, buf_fd, size, live))
			err = errno;
	}
	if (buf_fd >= 0)
		close(buf_fd);

	if (err == ENODEV && first && f->instance == VCM_BENCH_EDU) {
		fprintf(stderr, "# %s: no edu devices behind an IOMMU (%s): skipping its rows\n",
			f->name, strerror(err));
		f->absent = true;
		return;
	}
	/* iommu-dma needs a granule <= PAGE_SIZE: no heap run on lpae-64k */
	if (err == EOPNOTSUPP && kind == VCM_BENCH_HEAP) {
		fprintf(stderr, "# n/a: %s: no DMA API domain for this format\n",
			what);
		return;
	}
	if (err) {
		fprintf(stderr, "# FAILED: %s: %s\n", what, strerror(err));
		nr_failed++;
		return;
	}

	ideal = kind == VCM_BENCH_RESERVE ? 0 :
		greedy_cover(size, f->pgsizes) * cmd.bench.out_domains;
	printf("%s,%s,%s,%u,%llu,%u,%u,%u,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu,%u,%u,",
	       section, kind_names[kind], f->name, devs, (unsigned long long)size,
	       opt_threads, iterations, live,
	       (unsigned long long)cmd.bench.out_map_ns,
	       (unsigned long long)cmd.bench.out_map_stddev_ns,
	       (unsigned long long)cmd.bench.out_unmap_ns,
	       (unsigned long long)cmd.bench.out_unmap_stddev_ns,
	       (unsigned long long)cmd.bench.out_ptes,
	       (unsigned long long)cmd.bench.out_cover,
	       (unsigned long long)ideal,
	       (unsigned long long)cmd.bench.out_iotlb_syncs,
	       cmd.bench.out_domains, cmd.bench.out_mock);
	printf("%llu,%llu\n", (unsigned long long)cmd.bench.out_map_median_ns,
	       (unsigned long long)cmd.bench.out_unmap_median_ns);
	fflush(stdout);
	fprintf(stderr, "# %s: %.1f us map, %.1f us unmap (%u x %u cycles, %.1f s)\n",
		what, cmd.bench.out_map_ns / 1e3, cmd.bench.out_unmap_ns / 1e3,
		opt_threads, iterations, now_seconds() - t0);
}

/* The four mock formats by VCM_TEST_OP_INSTANCE_INFO, then the edu devices */
static void probe_formats(void)
{
	int i;

	for (i = 0; i < VCM_MOCK_NR; i++) {
		struct format *f = &formats[i];

		f->instance = i;
		if (_test_cmd_instance_info(vcm_fd, i, NULL, &f->pgsizes, f->name)) {
			snprintf(f->name, sizeof(f->name), "mock%d", i);
			fprintf(stderr, "# FAILED: instance info %d: %s\n", i,
				strerror(errno));
			f->broken = true;
			nr_failed++;
			continue;
		}
		f->name[sizeof(f->name) - 1] = '\0';
	}
	strcpy(formats[VCM_MOCK_NR].name, "intel");
	formats[VCM_MOCK_NR].instance = VCM_BENCH_EDU;
	formats[VCM_MOCK_NR].pgsizes = SZ_4K | SZ_2M | SZ_1G;
}

static void section_main(void)
{
	size_t fi, k, s, d;
	size_t nsizes = opt_quick ? 2 : ARRAY_SIZE(main_sizes);
	size_t ndevs = opt_quick ? 2 : ARRAY_SIZE(main_devs);

	for (fi = 0; fi < NR_FORMATS; fi++) {
		struct format *f = &formats[fi];
		size_t fdevs = f->instance == VCM_BENCH_EDU && ndevs > 2 ? 2 : ndevs;

		for (k = 0; k < ARRAY_SIZE(main_kinds); k++)
			for (s = 0; s < nsizes; s++)
				for (d = 0; d < fdevs; d++)
					run("main", main_kinds[k], f, main_devs[d],
					    main_sizes[s], 0,
					    iterations_for(main_sizes[s],
							   main_devs[d]));
	}
}

static void section_scale(void)
{
	struct format *f = &formats[VCM_MOCK_VTDSS];
	size_t k, d;

	for (k = 0; k < ARRAY_SIZE(scale_kinds); k++)
		for (d = 0; d < ARRAY_SIZE(scale_devs); d++) {
			if (opt_quick && scale_devs[d] > 4)
				break;
			run("scale", scale_kinds[k], f, scale_devs[d], SZ_16M,
			    0, iterations_for(SZ_16M, scale_devs[d]));
		}
}

static void section_reserve(void)
{
	size_t l, nlive = opt_quick ? 2 : ARRAY_SIZE(reserve_live);

	for (l = 0; l < nlive; l++)
		run("reserve", VCM_BENCH_RESERVE, &formats[0], 0, SZ_4K,
		    reserve_live[l],
		    opt_iterations ? opt_iterations : RESERVE_ITERATIONS);
}

static int parse_sections(char *arg)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(arg, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "main"))
			opt_sections |= SEC_MAIN;
		else if (!strcmp(tok, "scale"))
			opt_sections |= SEC_SCALE;
		else if (!strcmp(tok, "reserve"))
			opt_sections |= SEC_RESERVE;
		else
			return -1;
	}
	return 0;
}

/* A decimal number from @lo to @hi, or 0 */
static unsigned long parse_num(const char *arg, unsigned long lo,
			       unsigned long hi)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi)
		return 0;
	return v;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"Usage: %s [-s main|scale|reserve[,...]] [-q] [-i N] [-t N] [-b MiB]\n"
		"  -s section  run these sections (repeatable; default: all)\n"
		"  -q          quick: sizes 64K and 1M, 1 and 2 devices, scale to 4\n"
		"              domains, 1000 and 10000 live reservations\n"
		"  -i N        cycles per thread of every run (default: %d for\n"
		"              reserve, else budget / (size * devices) in %d..%d)\n"
		"  -t N        threads, 1 to %d (default 1)\n"
		"  -b MiB      the budget of the default cycle count (default %d)\n"
		"CSV on stdout, progress on stderr; exit status 1 if a run failed.\n",
		prog, RESERVE_ITERATIONS, MIN_ITERATIONS, MAX_ITERATIONS,
		VCM_BENCH_MAX_THREADS, DEFAULT_BUDGET_MIB);
}

int main(int argc, char **argv)
{
	unsigned long v;
	int c;

	while ((c = getopt(argc, argv, "s:qi:t:b:h")) != -1) {
		switch (c) {
		case 's':
			if (parse_sections(optarg)) {
				usage(argv[0]);
				return 1;
			}
			break;
		case 'q':
			opt_quick = true;
			break;
		case 'i':
			opt_iterations = parse_num(optarg, 1,
						   VCM_BENCH_MAX_ITERATIONS);
			if (!opt_iterations) {
				usage(argv[0]);
				return 1;
			}
			break;
		case 't':
			opt_threads = parse_num(optarg, 1, VCM_BENCH_MAX_THREADS);
			if (!opt_threads) {
				usage(argv[0]);
				return 1;
			}
			break;
		case 'b':
			v = parse_num(optarg, 1, 1UL << 20);
			if (!v) {
				usage(argv[0]);
				return 1;
			}
			opt_budget = (__u64)v << 20;
			break;
		case 'h':
			usage(argv[0]);
			return 0;
		default:
			usage(argv[0]);
			return 1;
		}
	}
	if (optind != argc) {
		usage(argv[0]);
		return 1;
	}
	if (!opt_sections)
		opt_sections = SEC_MAIN | SEC_SCALE | SEC_RESERVE;

	vcm_fd = open("/dev/vcm", O_RDWR | O_CLOEXEC);
	if (vcm_fd < 0) {
		fprintf(stderr, "# FAILED: /dev/vcm: %s\n", strerror(errno));
		return 1;
	}
	if (access("/dev/dma_heap/system", R_OK))
		fprintf(stderr, "# /dev/dma_heap/system: %s: the heap runs fail\n",
			strerror(errno));

	probe_formats();
	for (c = 0; c < (int)ARRAY_SIZE(columns); c++)
		printf("%s%s", c ? "," : "", columns[c]);
	printf("\n");
	fflush(stdout);
	if (opt_sections & SEC_MAIN)
		section_main();
	if (opt_sections & SEC_SCALE)
		section_scale();
	if (opt_sections & SEC_RESERVE)
		section_reserve();

	close(vcm_fd);
	if (nr_failed)
		fprintf(stderr, "# %u run(s) failed\n", nr_failed);
	return nr_failed ? 1 : 0;
}
