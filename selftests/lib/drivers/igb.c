// SPDX-License-Identifier: GPL-2.0-only
/*
 * Intel 82576 (igb, 8086:10c9; QEMU's "igb" model, QEMU 8.0 and later) as a
 * DMA device, in MAC-internal loopback: every frame queue 0 transmits is
 * received by queue 0 at once. A transmit descriptor's buffer is what the
 * device reads from host memory, a receive descriptor's buffer where it
 * writes the frame back. The device's own buffer is a bounce buffer in the
 * driver's memory: dma_from_mem() transmits from the test's IOVA into it,
 * dma_to_mem() transmits from it into the test's IOVA, so a copy writes
 * back exactly what it read.
 *
 * Advanced descriptors only (QEMU's model has no legacy receive format).
 * The frame is the data itself, so a transfer is at least ETH_ZLEN (60)
 * bytes (a shorter frame is padded on receive, which would write past it)
 * and at most IGB_MAX_TRANSFER. The CRC is stripped, the receive filters
 * are promiscuous and oversized frames are stored, so any bytes loop back
 * unchanged; a frame the device drops anyway (QEMU refuses to send one
 * whose bytes 12-13 say IPv4 or IPv6 over a malformed header) is an -EIO
 * from wait(). A transmit buffer never crosses a 4 KiB IOVA page: QEMU maps
 * each one in a single piece, which an IOMMU gives page by page.
 *
 * No interrupt is enabled; completions are polled from the descriptors'
 * DD bits. The rings and the bounce buffer live at d->priv_iova of the
 * device's container.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "dma_driver.h"
#include "host.h"

#define IGB_VENDOR		0x8086
#define IGB_DEVICE		0x10c9	/* 82576, copper */

/* BAR0 registers (82576 datasheet, section 8) */
#define IGB_CTRL		0x00000
#define IGB_STATUS		0x00008
#define IGB_MDIC		0x00020
#define IGB_IMC			0x000d8
#define IGB_RCTL		0x00100
#define IGB_TCTL		0x00400
#define IGB_EIMC		0x01528
#define IGB_RLPML		0x05004
#define IGB_RDBAL0		0x0c000
#define IGB_RDBAH0		0x0c004
#define IGB_RDLEN0		0x0c008
#define IGB_SRRCTL0		0x0c00c
#define IGB_RDH0		0x0c010
#define IGB_RDT0		0x0c018
#define IGB_RXDCTL0		0x0c028
#define IGB_TDBAL0		0x0e000
#define IGB_TDBAH0		0x0e004
#define IGB_TDLEN0		0x0e008
#define IGB_TDH0		0x0e010
#define IGB_TDT0		0x0e018
#define IGB_TXDCTL0		0x0e028

#define IGB_CTRL_SLU		(1U << 6)
#define IGB_CTRL_RST		(1U << 26)
#define IGB_STATUS_LU		(1U << 1)
#define IGB_RCTL_EN		(1U << 1)
#define IGB_RCTL_SBP		(1U << 2)	/* store oversized frames too */
#define IGB_RCTL_UPE		(1U << 3)
#define IGB_RCTL_MPE		(1U << 4)
#define IGB_RCTL_LPE		(1U << 5)
#define IGB_RCTL_LBM_MAC	(1U << 6)	/* MAC loopback */
#define IGB_RCTL_BAM		(1U << 15)
#define IGB_RCTL_SECRC		(1U << 26)	/* strip the CRC */
#define IGB_TCTL_EN		(1U << 1)
#define IGB_TCTL_PSP		(1U << 3)
#define IGB_QUEUE_ENABLE	(1U << 25)	/* RXDCTL, TXDCTL */
#define IGB_SRRCTL_ADV_ONEBUF	(1U << 25)
#define IGB_RLPML_MAX		0x3fff
/* MDI control: a write of PHY 1's register 0 (BMCR) */
#define IGB_MDIC_REG_SHIFT	16
#define IGB_MDIC_PHY1		(1U << 21)
#define IGB_MDIC_OP_WRITE	(1U << 26)
#define IGB_MDIC_READY		(1U << 28)
#define IGB_MDIC_ERROR		(1U << 30)
#define IGB_PHY_BMCR		0
#define IGB_BMCR_SPEED1000	0x0040
#define IGB_BMCR_FD		0x0100
#define IGB_BMCR_ANRESTART	0x0200
#define IGB_BMCR_AUTOEN		0x1000

/* Advanced transmit data descriptor, cmd_type_len */
#define IGB_TXD_DTYP_DATA	(3U << 20)
#define IGB_TXD_EOP		(1U << 24)
#define IGB_TXD_IFCS		(1U << 25)
#define IGB_TXD_RS		(1U << 27)
#define IGB_TXD_DEXT		(1U << 29)
#define IGB_TXD_PAYLEN_SHIFT	14
/* Write-back status (both kinds) */
#define IGB_DESC_DD		(1U << 0)
#define IGB_RXD_EOP		(1U << 1)
#define IGB_RXD_ERRORS		0xfff00000U

/* Rings of 32 descriptors of 16 bytes (a length in multiples of 128 bytes) */
#define IGB_RING_ENTRIES	32
#define IGB_DESC_SIZE		16
#define IGB_TX_RING_OFF		0x0000
#define IGB_RX_RING_OFF		0x1000
#define IGB_BOUNCE_OFF		0x2000
#define IGB_MAX_TRANSFER	(8U << 10)	/* a receive buffer of 8 KiB */
#define IGB_WINDOW		(IGB_BOUNCE_OFF + IGB_MAX_TRANSFER)
#define IGB_MIN_TRANSFER	60		/* ETH_ZLEN */
#define IGB_TX_PAGE		4096ULL
/* After the transmit completed, how long the looped-back frame may take. */
#define IGB_RX_GRACE_MS		200
#define IGB_LINK_TIMEOUT_MS	3000

struct igb_desc {
	u64 addr;
	u32 w2;		/* tx: cmd_type_len; rx: hdr_addr low / status_error */
	u32 w3;		/* tx: olinfo_status, status; rx: length, vlan */
};

struct igb {
	struct dma_dev *d;
	struct container *c;
	u8 *win;
	u64 win_iova;
	bool win_mapped;
	bool enabled;
	unsigned int tx_tail, rx_tail;
	/* the transfer being waited for */
	unsigned int tx_last, rx_slot;
	u64 len;
	bool pending;
};

static struct igb *igb_of(struct dma_dev *d)
{
	return d->priv;
}

static u32 igb_rd(struct igb *g, u32 reg)
{
	return vfio_pci_bar_read32(&g->d->pci, 0, reg);
}

static int igb_wr(struct igb *g, u32 reg, u32 val)
{
	return vfio_pci_bar_write32(&g->d->pci, 0, reg, val);
}

static struct igb_desc *igb_tx_desc(struct igb *g, unsigned int i)
{
	return (struct igb_desc *)(g->win + IGB_TX_RING_OFF) + i;
}

static struct igb_desc *igb_rx_desc(struct igb *g, unsigned int i)
{
	return (struct igb_desc *)(g->win + IGB_RX_RING_OFF) + i;
}

/* A descriptor word the device writes back: read from memory each time. */
static u32 igb_desc_word(const u32 *w)
{
	return le32toh(__atomic_load_n(w, __ATOMIC_ACQUIRE));
}

static long igb_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void igb_nap(void)
{
	struct timespec nap = { .tv_nsec = 1000000 };

	nanosleep(&nap, NULL);
}

/* Software reset: the device forgets its rings and stops every DMA. */
static int igb_reset(struct igb *g)
{
	struct timespec t0;

	if (igb_wr(g, IGB_IMC, ~0U) || igb_wr(g, IGB_EIMC, ~0U) ||
	    igb_wr(g, IGB_CTRL, igb_rd(g, IGB_CTRL) | IGB_CTRL_RST))
		return -EIO;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		igb_nap();
		if (!(igb_rd(g, IGB_CTRL) & IGB_CTRL_RST))
			return igb_wr(g, IGB_IMC, ~0U) ?: igb_wr(g, IGB_EIMC, ~0U);
	} while (igb_ms_since(&t0) < 1000);
	return -ETIMEDOUT;
}

/* Write PHY register @reg through MDIC and wait until the MAC has done it. */
static int igb_phy_write(struct igb *g, u32 reg, u16 val)
{
	struct timespec t0;
	u32 mdic;

	if (igb_wr(g, IGB_MDIC, val | reg << IGB_MDIC_REG_SHIFT | IGB_MDIC_PHY1 |
		   IGB_MDIC_OP_WRITE))
		return -EIO;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!((mdic = igb_rd(g, IGB_MDIC)) & IGB_MDIC_READY)) {
		if (igb_ms_since(&t0) > 1000)
			return -ETIMEDOUT;
		igb_nap();
	}
	return mdic & IGB_MDIC_ERROR ? -EIO : 0;
}

/*
 * Link up: QEMU receives nothing (looped back or not) while the link is
 * down, and a reset takes it down until the PHY autonegotiates again
 * (restarted here; QEMU completes it 500 ms later).
 */
static int igb_link_up(struct igb *g)
{
	struct timespec t0;
	int r;

	r = igb_phy_write(g, IGB_PHY_BMCR, IGB_BMCR_AUTOEN | IGB_BMCR_ANRESTART |
			  IGB_BMCR_FD | IGB_BMCR_SPEED1000);
	if (r)
		return r;
	if (igb_wr(g, IGB_CTRL, igb_rd(g, IGB_CTRL) | IGB_CTRL_SLU))
		return -EIO;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!(igb_rd(g, IGB_STATUS) & IGB_STATUS_LU)) {
		if (igb_ms_since(&t0) > IGB_LINK_TIMEOUT_MS)
			return -ETIMEDOUT;
		igb_nap();
	}
	return 0;
}

/* Queue 0 both ways on the window's rings, receive in MAC loopback. */
static int igb_enable(struct igb *g)
{
	u64 tx = g->win_iova + IGB_TX_RING_OFF, rx = g->win_iova + IGB_RX_RING_OFF;
	u32 ring_len = IGB_RING_ENTRIES * IGB_DESC_SIZE;

	g->enabled = true;
	return igb_wr(g, IGB_RDBAL0, (u32)rx) ?: igb_wr(g, IGB_RDBAH0, rx >> 32) ?:
	       igb_wr(g, IGB_RDLEN0, ring_len) ?:
	       igb_wr(g, IGB_SRRCTL0, IGB_SRRCTL_ADV_ONEBUF | (IGB_MAX_TRANSFER >> 10)) ?:
	       igb_wr(g, IGB_RDH0, 0) ?: igb_wr(g, IGB_RDT0, 0) ?:
	       igb_wr(g, IGB_RXDCTL0, IGB_QUEUE_ENABLE) ?:
	       igb_wr(g, IGB_RLPML, IGB_RLPML_MAX) ?:
	       igb_wr(g, IGB_RCTL, IGB_RCTL_EN | IGB_RCTL_SBP | IGB_RCTL_UPE | IGB_RCTL_MPE |
			  IGB_RCTL_LPE | IGB_RCTL_LBM_MAC | IGB_RCTL_BAM | IGB_RCTL_SECRC) ?:
	       igb_wr(g, IGB_TDBAL0, (u32)tx) ?: igb_wr(g, IGB_TDBAH0, tx >> 32) ?:
	       igb_wr(g, IGB_TDLEN0, ring_len) ?:
	       igb_wr(g, IGB_TDH0, 0) ?: igb_wr(g, IGB_TDT0, 0) ?:
	       igb_wr(g, IGB_TXDCTL0, IGB_QUEUE_ENABLE) ?:
	       igb_wr(g, IGB_TCTL, IGB_TCTL_EN | IGB_TCTL_PSP);
}

static void igb_teardown(struct igb *g)
{
	/* Only a reset device no longer uses the window's memory. */
	if (g->enabled) {
		igb_wr(g, IGB_RCTL, 0);
		igb_wr(g, IGB_TCTL, 0);
		igb_reset(g);
	}
	if (g->win_mapped)
		__container_unmap(g->c, g->win_iova, IGB_WINDOW, 0, NULL);
	if (g->win)
		munmap(g->win, IGB_WINDOW);
	free(g);
}

static bool igb_probe(struct dma_dev *d)
{
	if (d->vdev->kind != DEVICE_PCI || __vfio_pci_init(&d->pci, d->vdev->fd))
		return false;
	if (d->pci.vendor == IGB_VENDOR && d->pci.device == IGB_DEVICE)
		return true;
	vfio_pci_cleanup(&d->pci);
	return false;
}

static int igb_init(struct dma_dev *d)
{
	u64 host_page = host_page_size();
	struct igb *g;
	void *win;
	int r;

	/* No memory of its own, no rings: leave the device alone. */
	if (!d->c)
		return -ENODEV;
	if (d->priv_iova % IGB_TX_PAGE || d->priv_iova % host_page ||
	    IGB_WINDOW > DMA_DEV_PRIV_SIZE)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->d = d;
	g->c = d->c;
	g->win_iova = d->priv_iova;
	r = __vfio_pci_enable_bus_master(&d->pci);
	if (!r)
		r = igb_reset(g);
	if (r)
		goto fail;
	win = mmap(NULL, IGB_WINDOW, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (win == MAP_FAILED) {
		r = -errno;
		goto fail;
	}
	g->win = win;
	r = __container_map(g->c, g->win_iova, g->win, IGB_WINDOW,
			    VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE);
	if (r)
		goto fail;
	g->win_mapped = true;
	r = igb_link_up(g);
	if (!r)
		r = igb_enable(g);
	if (r)
		goto fail;
	d->round_trip = true;
	d->priv = g;
	return 0;
fail:
	igb_teardown(g);
	return r;
}

static void igb_remove(struct dma_dev *d)
{
	struct igb *g = igb_of(d);

	if (g) {
		d->priv = NULL;
		igb_teardown(g);
	}
	vfio_pci_cleanup(&d->pci);
}

/* How many transmit descriptors @len bytes at @iova take: one per 4 KiB page touched. */
static unsigned int igb_tx_pieces(u64 iova, u64 len)
{
	return (unsigned int)(((iova + len - 1) / IGB_TX_PAGE) - (iova / IGB_TX_PAGE) + 1);
}

/*
 * Post the receive buffer @dst and the transmit descriptors of @src, @len
 * bytes, in the rings; the transmit tail to write (which starts it) goes to
 * @tdt. The receive tail is written here: a posted buffer alone moves nothing.
 */
static int igb_post(struct dma_dev *d, u64 src, u64 dst, u64 len, u32 *tdt)
{
	struct igb *g = igb_of(d);
	struct igb_desc *rx, *tx;
	unsigned int n, i, slot;
	u64 off, piece;

	if (!g)
		return -ENODEV;
	if (len < IGB_MIN_TRANSFER)
		return -EINVAL;
	if (len > IGB_MAX_TRANSFER)
		return -E2BIG;
	n = igb_tx_pieces(src, len);
	/* the rings hold one transfer at a time: the last one was waited for */
	if (n >= IGB_RING_ENTRIES)
		return -E2BIG;
	slot = g->rx_tail;
	rx = igb_rx_desc(g, slot);
	rx->addr = htole64(dst);
	rx->w2 = 0;	/* header buffer: none; status cleared */
	rx->w3 = 0;
	g->rx_tail = (slot + 1) % IGB_RING_ENTRIES;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (igb_wr(g, IGB_RDT0, g->rx_tail))
		return -EIO;
	for (i = 0, off = 0; i < n; i++, off += piece) {
		piece = IGB_TX_PAGE - (src + off) % IGB_TX_PAGE;
		if (piece > len - off)
			piece = len - off;
		tx = igb_tx_desc(g, g->tx_tail);
		tx->addr = htole64(src + off);
		tx->w2 = htole32((u32)piece | IGB_TXD_DTYP_DATA | IGB_TXD_DEXT | IGB_TXD_IFCS |
				 (i == n - 1 ? IGB_TXD_EOP | IGB_TXD_RS : 0));
		tx->w3 = htole32((u32)len << IGB_TXD_PAYLEN_SHIFT);
		g->tx_last = g->tx_tail;
		g->tx_tail = (g->tx_tail + 1) % IGB_RING_ENTRIES;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	g->rx_slot = slot;
	g->len = len;
	g->pending = true;
	*tdt = g->tx_tail;
	return 0;
}

static int igb_start(struct dma_dev *d, u64 src, u64 dst, u64 len)
{
	u32 tdt;
	int r = igb_post(d, src, dst, len, &tdt);

	if (r)
		return r;
	/* A register write that did not reach the device must not look started. */
	if (igb_wr(igb_of(d), IGB_TDT0, tdt)) {
		igb_of(d)->pending = false;
		return -EIO;
	}
	return 0;
}

static int igb_dma_from_mem(struct dma_dev *d, u64 iova, u64 len)
{
	struct igb *g = igb_of(d);

	if (!g)
		return -ENODEV;
	return igb_start(d, iova, g->win_iova + IGB_BOUNCE_OFF, len);
}

static int igb_dma_to_mem(struct dma_dev *d, u64 iova, u64 len)
{
	struct igb *g = igb_of(d);

	if (!g)
		return -ENODEV;
	return igb_start(d, g->win_iova + IGB_BOUNCE_OFF, iova, len);
}

/* The same transfer with the tail write, the one that starts it, left to the caller. */
static int igb_prepare(struct dma_dev *d, bool to_mem, u64 iova, u64 len,
		       struct dma_reg_write *w)
{
	struct igb *g = igb_of(d);
	u64 bounce;
	u32 tdt;
	int r;

	if (!g)
		return -ENODEV;
	bounce = g->win_iova + IGB_BOUNCE_OFF;
	r = igb_post(d, to_mem ? bounce : iova, to_mem ? iova : bounce, len, &tdt);
	if (r)
		return r;
	dma_reg_write_bar(&w[0], &d->pci, 0, IGB_TDT0, 4, tdt);
	return 1;
}

/*
 * After a frame that did not come back, its receive buffer is still
 * posted and would take the next frame: start over with empty rings.
 */
static void igb_recover(struct igb *g)
{
	g->pending = false;
	g->tx_tail = 0;
	g->rx_tail = 0;
	igb_wr(g, IGB_RCTL, 0);
	igb_wr(g, IGB_TCTL, 0);
	/* a device that does not come back fails the next transfer: no tail moves */
	if (!igb_reset(g) && !igb_link_up(g))
		igb_enable(g);
}

/*
 * Both halves done: the last transmit descriptor and the receive descriptor
 * written back. A frame that was sent but never came back was dropped.
 */
static int igb_wait(struct dma_dev *d, int timeout_ms)
{
	struct igb *g = igb_of(d);
	struct igb_desc *rx, *tx;
	struct timespec t0, sent;
	bool tx_done = false;
	u32 status, length;

	if (!g || !g->pending)
		return g ? 0 : -ENODEV;
	rx = igb_rx_desc(g, g->rx_slot);
	tx = igb_tx_desc(g, g->tx_last);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (!tx_done && (igb_desc_word(&tx->w3) & IGB_DESC_DD)) {
			tx_done = true;
			clock_gettime(CLOCK_MONOTONIC, &sent);
		}
		status = igb_desc_word(&rx->w2);
		if (status & IGB_DESC_DD)
			break;
		if (tx_done && igb_ms_since(&sent) > IGB_RX_GRACE_MS) {
			igb_recover(g);
			return -EIO;
		}
		if (igb_ms_since(&t0) > timeout_ms) {
			igb_recover(g);
			return -ETIMEDOUT;
		}
		igb_nap();
	}
	g->pending = false;
	length = igb_desc_word(&rx->w3) & 0xffff;
	if (!(status & IGB_RXD_EOP) || (status & IGB_RXD_ERRORS) || length != g->len)
		return -EIO;
	return 0;
}

const struct dma_driver_ops igb_driver_ops = {
	.name = "igb",
	.probe = igb_probe,
	.init = igb_init,
	.remove = igb_remove,
	.dma_from_mem = igb_dma_from_mem,
	.dma_to_mem = igb_dma_to_mem,
	.wait = igb_wait,
	.prepare = igb_prepare,
	.max_transfer = IGB_MAX_TRANSFER,
	.dma_limit = 0,		/* 64-bit addresses */
};
