/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The parts of the NVM Express base and NVM command set specifications the
 * user-space NVMe driver uses: controller registers, queue entries, the
 * admin and I/O commands it issues and the Identify fields it reads.
 */
#ifndef VFIO_DIRTY_NVME_REGS_H
#define VFIO_DIRTY_NVME_REGS_H

#include "types.h"

/* PCI class code of an NVMe controller (mass storage, NVM, NVMe). */
#define NVME_PCI_CLASS		0x010802

/* Controller registers in BAR0. */
#define NVME_REG_CAP		0x00	/* 64 bits */
#define NVME_REG_VS		0x08
#define NVME_REG_INTMS		0x0c
#define NVME_REG_INTMC		0x10
#define NVME_REG_CC		0x14
#define NVME_REG_CSTS		0x1c
#define NVME_REG_AQA		0x24
#define NVME_REG_ASQ		0x28	/* 64 bits */
#define NVME_REG_ACQ		0x30	/* 64 bits */
#define NVME_REG_DBS		0x1000

#define NVME_CAP_MQES(cap)	((u32)((cap) & 0xffff))
#define NVME_CAP_CQR(cap)	(((cap) >> 16) & 0x1)
#define NVME_CAP_TO(cap)	((u32)(((cap) >> 24) & 0xff))	/* in 500 ms units */
#define NVME_CAP_DSTRD(cap)	((u32)(((cap) >> 32) & 0xf))
#define NVME_CAP_CSS_NVM(cap)	(((cap) >> 37) & 0x1)
#define NVME_CAP_MPSMIN(cap)	((u32)(((cap) >> 48) & 0xf))

#define NVME_CC_EN		(1U << 0)
#define NVME_CC_CSS_NVM		(0U << 4)
#define NVME_CC_MPS(shift)	(((shift) - 12U) << 7)	/* page size 2^shift */
#define NVME_CC_AMS_RR		(0U << 11)
#define NVME_CC_SHN_MASK	(3U << 14)
#define NVME_CC_SHN_NORMAL	(1U << 14)
#define NVME_CC_IOSQES(shift)	((u32)(shift) << 16)
#define NVME_CC_IOCQES(shift)	((u32)(shift) << 20)

#define NVME_CSTS_RDY		(1U << 0)
#define NVME_CSTS_CFS		(1U << 1)
#define NVME_CSTS_SHST_MASK	(3U << 2)
#define NVME_CSTS_SHST_CMPLT	(2U << 2)

#define NVME_AQA(sq_entries, cq_entries) \
	((((u32)(cq_entries) - 1) << 16) | ((u32)(sq_entries) - 1))

/* The memory page size the driver programs: 4 KiB (CC.MPS = 0). */
#define NVME_PAGE_SHIFT		12
#define NVME_PAGE_SIZE		(1U << NVME_PAGE_SHIFT)

/* Submission queue entry: 64 bytes (CC.IOSQES = 6). */
struct nvme_sqe {
	u8 opcode;
	u8 flags;		/* FUSE, PSDT: 0 (PRPs, not fused) */
	u16 cid;
	u32 nsid;
	u32 cdw2;
	u32 cdw3;
	u64 mptr;
	u64 prp1;
	u64 prp2;
	u32 cdw10;
	u32 cdw11;
	u32 cdw12;
	u32 cdw13;
	u32 cdw14;
	u32 cdw15;
};

#define NVME_SQES_SHIFT		6

/* Completion queue entry: 16 bytes (CC.IOCQES = 4). */
struct nvme_cqe {
	u32 dw0;
	u32 dw1;
	u16 sq_head;
	u16 sq_id;
	u16 cid;
	u16 status;		/* bit 0: phase tag, bits 15:1: status field */
};

#define NVME_CQES_SHIFT		4

#define NVME_CQE_PHASE(status)	((status) & 0x1)
/* Status code type and status code as one number: SCT << 8 | SC. */
#define NVME_CQE_STATUS(status)	(((status) >> 1) & 0x7ff)
#define NVME_SC_SUCCESS		0x000
#define NVME_SC_INVALID_FIELD	0x002
#define NVME_SC_DATA_XFER_ERROR	0x004
#define NVME_SC_COMPARE_FAILED	0x285

/* Admin commands. */
#define NVME_ADMIN_DELETE_SQ	0x00
#define NVME_ADMIN_CREATE_SQ	0x01
#define NVME_ADMIN_DELETE_CQ	0x04
#define NVME_ADMIN_CREATE_CQ	0x05
#define NVME_ADMIN_IDENTIFY	0x06
#define NVME_ADMIN_SET_FEATURES	0x09

#define NVME_FEAT_NUM_QUEUES	0x07

/* Create I/O queue, CDW11. */
#define NVME_QUEUE_PHYS_CONTIG	(1U << 0)
#define NVME_CQ_IRQ_ENABLED	(1U << 1)

/* Identify, CDW10 CNS. */
#define NVME_ID_CNS_NS		0x00
#define NVME_ID_CNS_CTRL	0x01
#define NVME_ID_CNS_NS_ACTIVE	0x02
#define NVME_ID_SIZE		4096

/* Identify Controller byte offsets. */
#define NVME_ID_CTRL_VID	0
#define NVME_ID_CTRL_SN		4	/* 20 bytes, ASCII, space padded */
#define NVME_ID_CTRL_MN		24	/* 40 bytes */
#define NVME_ID_CTRL_MDTS	77	/* 2^n minimum pages, 0: no limit */
#define NVME_ID_CTRL_NN		516	/* u32 */
#define NVME_ID_CTRL_ONCS	520	/* u16 */
#define NVME_ONCS_COMPARE	(1U << 0)

/* Identify Namespace byte offsets. */
#define NVME_ID_NS_NSZE		0	/* u64, in logical blocks */
#define NVME_ID_NS_NLBAF	25	/* number of LBA formats - 1 */
#define NVME_ID_NS_FLBAS	26
#define NVME_ID_NS_LBAF		128	/* u32 each: MS 15:0, LBADS 23:16 */
#define NVME_LBAF_MS(f)		((f) & 0xffff)
#define NVME_LBAF_LBADS(f)	(((f) >> 16) & 0xff)

/* NVM command set I/O commands. */
#define NVME_CMD_WRITE		0x01
#define NVME_CMD_READ		0x02
#define NVME_CMD_COMPARE	0x05

#endif
