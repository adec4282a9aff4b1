/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels vhost_vport builds for (Debian's 6.1
 * and 6.12) lives here and nowhere else.
 */
#ifndef _VHOST_VPORT_COMPAT_H
#define _VHOST_VPORT_COMPAT_H

#include <linux/version.h>

#endif /* _VHOST_VPORT_COMPAT_H */
