/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vport as the core sees it, and the interface every HBA adapter
 * implements.  The core (control device, vhost device, virtio-scsi layer)
 * never includes an adapter's headers; an adapter never touches the rings.
 */
#ifndef _VHOST_VPORT_VPORT_H
#define _VHOST_VPORT_VPORT_H

#include <linux/types.h>
#include <uapi/linux/vhost_vport.h>

#include "vhost.h"

/* Request queues per vport; queues 0 and 1 are control and event. */
#define VVP_MAX_IO_VQS		16
#define VVP_NR_VQS		(2 + VVP_MAX_IO_VQS)

struct vvp_vport;

/*
 * What an adapter implements.  All callbacks may sleep unless noted.
 *
 * create:  create the vport on a parent as @req asks, log it in and wait
 *          for its remote ports; on failure leave nothing behind, log one
 *          line naming the WWPN, return the errno documented for
 *          VHOST_VPORT_CREATE.  Sets vp->adapter.
 * destroy: log out and delete the vport; never fails.
 * info:    fill what the adapter knows of the vport.
 */
struct vvp_adapter_ops {
	const char	*name;
	int		(*create)(struct vvp_vport *vp,
				  const struct vhost_vport_create *req);
	void		(*destroy)(struct vvp_vport *vp);
	void		(*info)(struct vvp_vport *vp,
				struct vhost_vport_info *info);
};

struct vvp_vport {
	u64				wwpn;
	u64				wwnn;
	char				name[24];	/* "wwpn 0x..." for logs */
	const struct vvp_adapter_ops	*ops;
	void				*adapter;	/* the adapter's state */

	struct vvh_dev			dev;
	struct vvh_vq			vq_store[VVP_NR_VQS];
	struct vvh_vq			*vqs[VVP_NR_VQS];
};

/* fc.c: the generic adapter over the FC transport class. */
extern const struct vvp_adapter_ops vvp_fc_adapter;
int vvp_fc_init(void);
void vvp_fc_exit(void);

/* vport.c: the vport fd. */
int vvp_vport_create_fd(const struct vhost_vport_create *req);

#endif /* _VHOST_VPORT_VPORT_H */
