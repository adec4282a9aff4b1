// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-vport: NPIV vports as vhost-scsi backends.
 *
 * This file holds the module's entry points and the control device
 * /dev/vhost-vport.  The device node is root-only (mode 0600); every
 * operation that changes the fabric additionally checks CAP_SYS_ADMIN, so
 * a relaxed node mode cannot hand out vports.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include <uapi/linux/vhost_vport.h>

#include "compat.h"

static long vvp_ctl_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	u32 version = VHOST_VPORT_API_VERSION;

	switch (cmd) {
	case VHOST_VPORT_GET_API_VERSION:
		return put_user(version, (u32 __user *)argp);
	default:
		return -ENOTTY;
	}
}

static int vvp_ctl_open(struct inode *inode, struct file *file)
{
	return nonseekable_open(inode, file);
}

static const struct file_operations vvp_ctl_fops = {
	.owner		= THIS_MODULE,
	.open		= vvp_ctl_open,
	.unlocked_ioctl	= vvp_ctl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice vvp_ctl_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "vhost-vport",
	.fops	= &vvp_ctl_fops,
	.mode	= 0600,
};

static int __init vvp_init(void)
{
	int ret;

	ret = misc_register(&vvp_ctl_misc);
	if (ret) {
		pr_err("cannot register /dev/vhost-vport: %d\n", ret);
		return ret;
	}
	pr_info("loaded, API version %d\n", VHOST_VPORT_API_VERSION);
	return 0;
}

static void __exit vvp_exit(void)
{
	misc_deregister(&vvp_ctl_misc);
}

module_init(vvp_init);
module_exit(vvp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NPIV vports as vhost-scsi backends");
MODULE_AUTHOR("The vhost-vport developers");
