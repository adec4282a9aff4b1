/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels vhost_vport builds for (Debian's 6.1
 * and 6.12) lives here and nowhere else.
 */
#ifndef _VHOST_VPORT_COMPAT_H
#define _VHOST_VPORT_COMPAT_H

#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/version.h>
#include <scsi/scsi_device.h>

/* 6.12 moved the unaligned-access helpers to <linux/unaligned.h>. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif
#include <scsi/scsi_ioctl.h>

/* 6.8 dropped eventfd_signal()'s count argument. */
static inline void vvp_eventfd_signal(struct eventfd_ctx *ctx)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/* 6.4 made bus types and classes const in the driver-core API. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
typedef const struct bus_type vvp_bus_type_t;
typedef const struct class vvp_class_t;
#else
typedef struct bus_type vvp_bus_type_t;
typedef struct class vvp_class_t;
#endif

/* 6.5 replaced scsi_ioctl()'s fmode_t with an open_for_write flag. */
static inline int vvp_sdev_ioctl(struct scsi_device *sdev, int cmd,
				 void __user *arg)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
	return scsi_ioctl(sdev, true, cmd, arg);
#else
	return scsi_ioctl(sdev, FMODE_READ | FMODE_WRITE, cmd, arg);
#endif
}

/* 6.3 replaced __scsi_execute() with scsi_execute_cmd(). */
static inline int vvp_scsi_exec_in(struct scsi_device *sdev, const u8 *cdb,
				   void *buf, unsigned int len, int timeout)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	return scsi_execute_cmd(sdev, cdb, REQ_OP_DRV_IN, buf, len, timeout,
				1, NULL);
#else
	return __scsi_execute(sdev, cdb, DMA_FROM_DEVICE, buf, len, NULL,
			      NULL, timeout, 1, 0, 0, NULL);
#endif
}

/* 6.2 dropped the class_interface argument of add_dev / remove_dev. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define VVP_CLASS_INTF_ARG
#else
#define VVP_CLASS_INTF_ARG	, struct class_interface *intf
#endif

#endif /* _VHOST_VPORT_COMPAT_H */
