/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels vhost_vport builds for (Debian's 6.1
 * and 6.12) lives here and nowhere else.
 */
#ifndef _VHOST_VPORT_COMPAT_H
#define _VHOST_VPORT_COMPAT_H

#include <linux/eventfd.h>
#include <linux/version.h>

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

#endif /* _VHOST_VPORT_COMPAT_H */
