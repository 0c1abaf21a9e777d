// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine the VCM selftests run on: an active, translating IOMMU and the two
 * QEMU "edu" DMA devices, each in an IOMMU group of its own.
 *
 * The expected IOMMU driver is named on the kernel command line by the test
 * runner as "vcm_test.iommu=intel|amd|virtio"; without it any IOMMU will do.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kselftest_harness.h"

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define VIRTIO_VENDOR	0x1af4
#define PCI_DEVICES	"/sys/bus/pci/devices"

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char *nl;

	if (!f)
		return -errno;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return 0;
}

/* Reads a hexadecimal sysfs attribute of PCI device @bdf, or returns -1. */
static long pci_attr(const char *bdf, const char *name)
{
	char path[PATH_MAX], buf[64];

	snprintf(path, sizeof(path), PCI_DEVICES "/%.64s/%.64s", bdf, name);
	if (read_line(path, buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 16);
}

/* The IOMMU the runner booted, from "vcm_test.iommu=" on the command line. */
static const char *expected_iommu(void)
{
	static char cmdline[4096];
	char *p;

	if (read_line("/proc/cmdline", cmdline, sizeof(cmdline)))
		return NULL;
	p = strstr(cmdline, "vcm_test.iommu=");
	if (!p)
		return NULL;
	p += strlen("vcm_test.iommu=");
	p[strcspn(p, " ")] = '\0';
	return p;
}

/*
 * Does /sys/class/iommu/@name belong to @driver? Intel and AMD name their
 * instances "dmar<n>" and "ivhd<n>"; virtio-iommu names its instance after its
 * PCI device, so look at that device's vendor (Red Hat virtio, 0x1af4).
 * Returns 1 or 0, or -1 for a driver this test does not know.
 */
static int iommu_is(const char *driver, const char *name)
{
	char path[PATH_MAX], buf[64];

	if (!strcmp(driver, "intel"))
		return !strncmp(name, "dmar", 4);
	if (!strcmp(driver, "amd"))
		return !strncmp(name, "ivhd", 4);
	if (strcmp(driver, "virtio"))
		return -1;
	snprintf(path, sizeof(path), "/sys/class/iommu/%.64s/device/vendor", name);
	if (read_line(path, buf, sizeof(buf)))
		return 0;
	return strtol(buf, NULL, 16) == VIRTIO_VENDOR;
}

struct edu {
	char bdf[32];
	int group;
};

/* Returns the number of edu devices found, filling at most @max entries. */
static int find_edus(struct edu *edu, int max)
{
	char path[PATH_MAX], link[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	d = opendir(PCI_DEVICES);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		ssize_t len;
		char *slash;

		if (de->d_name[0] == '.')
			continue;
		if (pci_attr(de->d_name, "vendor") != EDU_VENDOR ||
		    pci_attr(de->d_name, "device") != EDU_DEVICE)
			continue;
		if (n < max) {
			snprintf(edu[n].bdf, sizeof(edu[n].bdf), "%.31s", de->d_name);
			edu[n].group = -1;
			snprintf(path, sizeof(path), PCI_DEVICES "/%.64s/iommu_group",
				 de->d_name);
			len = readlink(path, link, sizeof(link) - 1);
			if (len > 0) {
				link[len] = '\0';
				slash = strrchr(link, '/');
				edu[n].group = atoi(slash ? slash + 1 : link);
			}
		}
		n++;
	}
	closedir(d);
	return n;
}

TEST(iommu_is_registered)
{
	const char *want = expected_iommu();
	int instances = 0, matching = 0;
	struct dirent *de;
	DIR *d;

	if (want)
		ASSERT_LE(0, iommu_is(want, "")) TH_LOG("unknown vcm_test.iommu=%s", want);

	d = opendir("/sys/class/iommu");
	ASSERT_NE(NULL, d) TH_LOG("no /sys/class/iommu: IOMMU support is not built in");
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		instances++;
		if (want && iommu_is(want, de->d_name) == 1)
			matching++;
		TH_LOG("iommu instance: %s", de->d_name);
	}
	closedir(d);

	ASSERT_LT(0, instances);
	if (want)
		ASSERT_LT(0, matching) TH_LOG("no %s IOMMU instance registered", want);
}

TEST(edu_devices_have_groups)
{
	struct edu edu[4];
	int n = find_edus(edu, 4);

	ASSERT_EQ(2, n) TH_LOG("expected the two QEMU edu devices, found %d", n);
	for (int i = 0; i < n; i++) {
		TH_LOG("edu %s: iommu group %d", edu[i].bdf, edu[i].group);
		ASSERT_LE(0, edu[i].group) TH_LOG("%s is not in an IOMMU group", edu[i].bdf);
	}
	/* Separate groups: each can be attached to a domain of its own. */
	ASSERT_NE(edu[0].group, edu[1].group);
}

TEST(edu_groups_translate)
{
	char path[PATH_MAX], type[32];
	struct edu edu[2];

	ASSERT_EQ(2, find_edus(edu, 2));
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/type",
			 edu[i].group);
		ASSERT_EQ(0, read_line(path, type, sizeof(type)));
		TH_LOG("group %d default domain: %s", edu[i].group, type);
		/* A translating default domain, not identity (passthrough). */
		ASSERT_EQ(0, strncmp(type, "DMA", 3));
	}
}

TEST_HARNESS_MAIN
