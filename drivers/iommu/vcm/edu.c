// SPDX-License-Identifier: GPL-2.0-only
/*
 * A test driver for QEMU's "edu" PCI device (1234:11e8), whose DMA engine
 * really goes through the platform's IOMMU, so that the VCM selftests move
 * bytes with a device and not only with the mock IOMMU's simulated DMA.
 *
 * The device copies at most 4 KiB per transfer between memory and its
 * internal buffer. It silently masks addresses beyond its DMA mask (28 bits
 * unless QEMU's dma_mask property says otherwise, which the device cannot
 * report), so the driver declares the mask it is told and refuses any address
 * beyond it instead of letting the device write elsewhere.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/iopoll.h>
#include <linux/list.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sizes.h>

#include "vcm-priv.h"

#define EDU_REG_ID		0x00
#define EDU_ID_MAGIC		0xed
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define EDU_DMA_RUN		BIT(0)
#define EDU_DMA_TO_RAM		BIT(1)
#define EDU_BUF_ADDR		0x40000
#define EDU_BUF_SIZE		SZ_4K
/*
 * QEMU up to at least 7.2 rejects, with a fatal hardware error, a transfer
 * that ends at the end of the buffer (an off-by-one in edu_check_range()), so
 * copies move in halves of the buffer, each at its start.
 */
#define EDU_XFER_MAX		(EDU_BUF_SIZE / 2)
/* The device completes a transfer 100 ms after it is started. */
#define EDU_DMA_TIMEOUT_US	(2 * USEC_PER_SEC)
#define EDU_DEFAULT_DMA_BITS	28

static unsigned int edu_dma_bits[8];
static unsigned int edu_nr_dma_bits;
module_param_array(edu_dma_bits, uint, &edu_nr_dma_bits, 0444);
MODULE_PARM_DESC(edu_dma_bits,
		 "DMA address bits of each edu device in probe order (QEMU's dma_mask; default 28)");

/**
 * struct vcm_edu - one bound edu device
 * @node: in vcm_edu_devs
 * @pdev: the device
 * @regs: its BAR 0
 * @lock: one transfer at a time
 * @dma_bits: its DMA mask in bits
 * @index: its place among the edu devices in bus order
 */
struct vcm_edu {
	struct list_head node;
	struct pci_dev *pdev;
	void __iomem *regs;
	struct mutex lock;	/* one transfer at a time */
	unsigned int dma_bits;
	unsigned int index;
};

static LIST_HEAD(vcm_edu_devs);
static DEFINE_MUTEX(vcm_edu_lock);
static struct pci_driver vcm_edu_driver;

/*
 * The device's place among the edu devices in bus order, which is its probe
 * order at boot: it names the device and picks its edu_dma_bits entry, the
 * same after an unbind and a bind again.
 */
static unsigned int vcm_edu_index(struct pci_dev *pdev)
{
	struct pci_dev *it = NULL;
	unsigned int idx = 0;

	while ((it = pci_get_device(pdev->vendor, pdev->device, it)) && it != pdev)
		idx++;
	pci_dev_put(it);
	return idx;
}

static int vcm_edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct vcm_edu *edu, *pos;
	unsigned int idx;
	int ret;

	edu = devm_kzalloc(&pdev->dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	edu->regs = pcim_iomap_region(pdev, 0, "vcm-edu");
	if (IS_ERR(edu->regs))
		return PTR_ERR(edu->regs);
	if ((readl(edu->regs + EDU_REG_ID) & 0xff) != EDU_ID_MAGIC)
		return -ENODEV;

	idx = vcm_edu_index(pdev);
	edu->index = idx;
	edu->dma_bits = idx < edu_nr_dma_bits ? edu_dma_bits[idx] :
			EDU_DEFAULT_DMA_BITS;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(edu->dma_bits));
	if (ret)
		return ret;
	pci_set_master(pdev);
	mutex_init(&edu->lock);
	edu->pdev = pdev;
	pci_set_drvdata(pdev, edu);

	mutex_lock(&vcm_edu_lock);
	/* In index order, whatever order they were bound in */
	list_for_each_entry(pos, &vcm_edu_devs, node)
		if (pos->index > idx)
			break;
	list_add_tail(&edu->node, &pos->node);
	mutex_unlock(&vcm_edu_lock);
	pci_info(pdev, "vcm test device, %u-bit DMA\n", edu->dma_bits);
	return 0;
}

static void vcm_edu_remove(struct pci_dev *pdev)
{
	struct vcm_edu *edu = pci_get_drvdata(pdev);

	/* Out of every VCM before the device's DMA goes back to the DMA API. */
	vcm_device_removed(&pdev->dev);
	mutex_lock(&vcm_edu_lock);
	list_del(&edu->node);
	mutex_unlock(&vcm_edu_lock);
	mutex_destroy(&edu->lock);
}

static const struct pci_device_id vcm_edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{}
};

static struct pci_driver vcm_edu_driver = {
	.name = "vcm-edu",
	.id_table = vcm_edu_ids,
	.probe = vcm_edu_probe,
	.remove = vcm_edu_remove,
	/* The VCM attaches the device to its own domain. */
	.driver_managed_dma = true,
};

static int __init vcm_edu_init(void)
{
	return pci_register_driver(&vcm_edu_driver);
}
late_initcall(vcm_edu_init);

/**
 * vcm_edu_is() - is a device an edu bound to this driver
 * @dev: the device
 *
 * Return: true if it is.
 */
bool vcm_edu_is(struct device *dev)
{
	return dev_is_pci(dev) && to_pci_dev(dev)->driver == &vcm_edu_driver;
}

/**
 * vcm_edu_get() - an edu device by index
 * @index: 0 for the first edu device in bus order
 * @dma_bits: returns its DMA mask in bits
 *
 * Return: the device with a reference (put_device() it), or NULL.
 */
struct device *vcm_edu_get(unsigned int index, u32 *dma_bits)
{
	struct device *dev = NULL;
	struct vcm_edu *edu;

	mutex_lock(&vcm_edu_lock);
	list_for_each_entry(edu, &vcm_edu_devs, node) {
		if (edu->index != index)
			continue;
		dev = get_device(&edu->pdev->dev);
		*dma_bits = edu->dma_bits;
		break;
	}
	mutex_unlock(&vcm_edu_lock);
	return dev;
}

static int vcm_edu_xfer(struct vcm_edu *edu, u64 src, u64 dst, u32 len, u32 cmd)
{
	u64 val;

	writeq(src, edu->regs + EDU_REG_DMA_SRC);
	writeq(dst, edu->regs + EDU_REG_DMA_DST);
	writeq(len, edu->regs + EDU_REG_DMA_COUNT);
	writeq(cmd | EDU_DMA_RUN, edu->regs + EDU_REG_DMA_CMD);
	return readq_poll_timeout(edu->regs + EDU_REG_DMA_CMD, val,
				  !(val & EDU_DMA_RUN), 1000, EDU_DMA_TIMEOUT_US);
}

static bool vcm_edu_reaches(struct device *dev, u64 addr, size_t len)
{
	u64 last;

	return !check_add_overflow(addr, (u64)len - 1, &last) &&
	       last <= dma_get_mask(dev);
}

/**
 * vcm_edu_copy() - copy memory to memory with an edu device's DMA engine
 * @dev: a bound edu device
 * @src: device address to read
 * @dst: device address to write
 * @len: bytes, 1 to 4096
 *
 * Transfers from memory to the device's buffer and back out, at most 2 KiB
 * at a time, all through whatever domain the device is attached to. An address the IOMMU does not
 * translate is blocked by it and reported where its driver reports faults.
 *
 * Context: process context, sleeps about 200 ms per 2 KiB.
 * Return: 0, -EINVAL for a bad length, -ERANGE for an address beyond the
 * device's DMA mask (never handed to the device), -ENODEV if @dev is not a
 * bound edu device, -ETIMEDOUT if the device does not complete.
 */
int vcm_edu_copy(struct device *dev, u64 src, u64 dst, size_t len)
{
	struct vcm_edu *edu;
	size_t done, n;
	int ret;

	if (!len || len > EDU_BUF_SIZE)
		return -EINVAL;
	device_lock(dev);
	if (!vcm_edu_is(dev)) {
		ret = -ENODEV;
		goto out;
	}
	if (!vcm_edu_reaches(dev, src, len) || !vcm_edu_reaches(dev, dst, len)) {
		ret = -ERANGE;
		goto out;
	}
	edu = pci_get_drvdata(to_pci_dev(dev));
	mutex_lock(&edu->lock);
	for (done = 0, ret = 0; done < len && !ret; done += n) {
		n = min_t(size_t, len - done, EDU_XFER_MAX);
		ret = vcm_edu_xfer(edu, src + done, EDU_BUF_ADDR, n, 0);
		if (!ret)
			ret = vcm_edu_xfer(edu, EDU_BUF_ADDR, dst + done, n,
					   EDU_DMA_TO_RAM);
	}
	mutex_unlock(&edu->lock);
out:
	device_unlock(dev);
	return ret;
}
