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

#endif /* _VHOST_VPORT_COMPAT_H */
