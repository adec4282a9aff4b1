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

/* How VHOST_VPORT_CREATE picks the parent HBA port. */
enum vhost_vport_parent_by {
	VHOST_VPORT_PARENT_ANY		= 0,	/* any online NPIV port with room */
	VHOST_VPORT_PARENT_NAME		= 1,	/* parent_name, e.g. "host5" */
	VHOST_VPORT_PARENT_WWPN		= 2,	/* parent_wwn is the port's WWPN */
	VHOST_VPORT_PARENT_FABRIC	= 3,	/* parent_wwn is the fabric name */
};

#define VHOST_VPORT_NAME_LEN		32

/*
 * VHOST_VPORT_CREATE (needs CAP_SYS_ADMIN): creates an NPIV vport with
 * @wwpn/@wwnn on the parent chosen by @parent_by, waits until it has logged
 * in to the fabric and its remote ports are known (at most
 * @login_timeout_ms, 0 for the default of 30 s), and returns a new
 * O_CLOEXEC file descriptor that speaks the vhost-scsi ABI.  Closing the
 * last reference to it deletes the vport.
 *
 * Errors: EINVAL malformed WWN (zero, NAA type not 1, 2, 3, 5 or 6, WWPN
 * equal to WWNN) or non-zero flags/reserved; ENODEV no such parent (or no
 * port on that fabric); ENXIO parent is not a Fibre Channel port; EOPNOTSUPP
 * parent or fabric without NPIV; ENOSPC parent out of vports; ENETDOWN parent
 * not online; EADDRINUSE WWPN already in use on this host; ECONNREFUSED
 * WWPN rejected by the fabric; ETIMEDOUT no login in time; EINTR a fatal
 * signal arrived while waiting.  Each failure logs one kernel line naming the
 * WWPN, and leaves nothing behind.
 */
struct vhost_vport_create {
	__u64	wwpn;
	__u64	wwnn;
	__u64	parent_wwn;		/* PARENT_WWPN or PARENT_FABRIC */
	char	parent_name[VHOST_VPORT_NAME_LEN];	/* PARENT_NAME */
	__u32	parent_by;		/* enum vhost_vport_parent_by */
	__u32	flags;			/* none defined: must be 0 */
	__u32	login_timeout_ms;
	__u32	reserved[5];		/* must be 0 */
};

#define VHOST_VPORT_CREATE	_IOW(VHOST_VPORT_IOC_TYPE, 0xE1, struct vhost_vport_create)

/* On a vport fd: what the vport is and where it lives. */
struct vhost_vport_info {
	__u64	wwpn;
	__u64	wwnn;
	__u64	parent_wwpn;
	__u64	fabric_name;
	__u32	port_id;		/* the fabric's address for the vport */
	__u32	nr_rports;		/* remote ports online */
	char	parent[VHOST_VPORT_NAME_LEN];	/* parent fc_host, "host5" */
	char	host[VHOST_VPORT_NAME_LEN];	/* the vport's own fc_host */
	__u32	reserved[8];
};

#define VHOST_VPORT_GET_INFO	_IOR(VHOST_VPORT_IOC_TYPE, 0xE2, struct vhost_vport_info)

/*
 * On a vport fd: the table that maps virtio target ids (byte 1 of the
 * virtio-scsi LUN field) to remote-port WWPNs.  Ports get the lowest free id
 * when the vport logs in and when the endpoint is set; an id stays with its
 * WWPN for the life of the fd, so a port that leaves and returns keeps it.
 *
 * GET returns every assigned id.  SET (needs CAP_SYS_ADMIN, and no endpoint:
 * EBUSY otherwise) replaces the table, e.g. on a migration target so that the
 * guest's targets map as on the source; EINVAL for a count over
 * VHOST_VPORT_MAX_TARGETS, an id over 255, a zero WWPN, a WWPN or id given
 * twice, or non-zero flags/reserved.
 */
#define VHOST_VPORT_MAX_TARGETS		256

struct vhost_vport_target {
	__u64	wwpn;
	__u32	id;
	__u32	flags;			/* none defined: 0 */
};

struct vhost_vport_targets {
	__u32	count;
	__u32	reserved;		/* must be 0 */
	struct vhost_vport_target target[VHOST_VPORT_MAX_TARGETS];
};

#define VHOST_VPORT_GET_TARGETS	_IOR(VHOST_VPORT_IOC_TYPE, 0xE3, struct vhost_vport_targets)
#define VHOST_VPORT_SET_TARGETS	_IOW(VHOST_VPORT_IOC_TYPE, 0xE4, struct vhost_vport_targets)

#endif /* _UAPI_LINUX_VHOST_VPORT_H */
