/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One SCSI exchange as the core hands it to an adapter.  The core owns the
 * memory (preallocated per request slot), pins the guest's data pages and
 * writes everything the guest sees; the adapter only moves data to and from
 * the pinned pages and fills the result fields before calling done().
 */
#ifndef _VHOST_VPORT_XCHG_H
#define _VHOST_VPORT_XCHG_H

#include <linux/bvec.h>
#include <linux/dma-direction.h>
#include <linux/types.h>

#define VVP_CDB_SIZE		32
#define VVP_SENSE_SIZE		96

/* The transport outcome; the core maps it 1:1 to VIRTIO_SCSI_S_*. */
enum vvp_xchg_status {
	VVP_XS_OK,
	VVP_XS_OVERRUN,
	VVP_XS_ABORTED,
	VVP_XS_BAD_TARGET,
	VVP_XS_RESET,
	VVP_XS_BUSY,
	VVP_XS_TRANSPORT_FAILURE,
	VVP_XS_TARGET_FAILURE,
	VVP_XS_NEXUS_FAILURE,
	VVP_XS_FAILURE,
};

struct vvp_xchg {
	/* Set by the core before submit. */
	u64			target_wwpn;	/* remote port */
	u64			lun;		/* SAM LUN, 0..0x3fff */
	u64			tag;
	u8			cdb[VVP_CDB_SIZE];
	u8			cdb_len;
	u8			task_attr;
	enum dma_data_direction	dir;
	u32			data_len;
	struct bio_vec		*bvec;		/* pinned guest pages */
	unsigned int		nr_bvec;

	/* Set by the adapter before done(). */
	enum vvp_xchg_status	status;
	u8			scsi_status;
	u8			sense_len;
	u8			sense[VVP_SENSE_SIZE];
	u32			resid;

	/* Called once per submitted exchange, from any context. */
	void			(*done)(struct vvp_xchg *x);
	void			*priv;		/* the adapter's */
};

/* Task-management functions, as SAM names them. */
enum vvp_tmf {
	VVP_TMF_ABORT_TASK,
	VVP_TMF_ABORT_TASK_SET,
	VVP_TMF_CLEAR_TASK_SET,
	VVP_TMF_CLEAR_ACA,
	VVP_TMF_LUN_RESET,
	VVP_TMF_I_T_NEXUS_RESET,
	VVP_TMF_QUERY_TASK,
	VVP_TMF_QUERY_TASK_SET,
};

/* Their outcome; the core maps it to VIRTIO_SCSI_S_*. */
enum vvp_tmf_result {
	VVP_TMF_COMPLETE,	/* done (or nothing to do) */
	VVP_TMF_SUCCEEDED,	/* done; for queries: a task exists */
	VVP_TMF_REJECTED,	/* not supported by this adapter or port */
	VVP_TMF_FAILED,		/* tried and failed */
	VVP_TMF_BAD_TARGET,	/* no such remote port or LUN */
};

#endif /* _VHOST_VPORT_XCHG_H */
