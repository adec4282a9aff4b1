/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vhost-vport: NPIV vports as vhost-scsi backends.
 *
 * The control device /dev/vhost-vport turns a WWPN/WWNN pair into an NPIV
 * vport on a Fibre Channel HBA and hands back a file descriptor that speaks
 * the vhost-scsi ABI of <linux/vhost.h>.  This header is the only thing the
 * kernel module and userspace share.
 */
#ifndef _UAPI_LINUX_VHOST_VPORT_H
#define _UAPI_LINUX_VHOST_VPORT_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VHOST_VPORT_DEVICE		"/dev/vhost-vport"

/* Bumped on every incompatible change of this header. */
#define VHOST_VPORT_API_VERSION		1

/*
 * Control-device ioctls use the vhost ioctl type (0xAF) in a range that
 * <linux/vhost.h> does not use, so a tracer can tell them apart.
 */
#define VHOST_VPORT_IOC_TYPE		0xAF

/* Returns VHOST_VPORT_API_VERSION. */
#define VHOST_VPORT_GET_API_VERSION	_IOR(VHOST_VPORT_IOC_TYPE, 0xE0, __u32)

#endif /* _UAPI_LINUX_VHOST_VPORT_H */
