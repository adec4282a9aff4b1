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
#include "vport.h"

static long vvp_ctl_create(void __user *argp)
{
	struct vhost_vport_create req;
	unsigned int i;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (copy_from_user(&req, argp, sizeof(req)))
		return -EFAULT;
	for (i = 0; i < ARRAY_SIZE(req.reserved); i++)
		if (req.reserved[i])
			break;
	if (req.flags || i < ARRAY_SIZE(req.reserved) ||
	    req.parent_by > VHOST_VPORT_PARENT_FABRIC ||
	    strnlen(req.parent_name, sizeof(req.parent_name)) ==
	    sizeof(req.parent_name)) {
		pr_err("wwpn 0x%016llx: create request with unknown flags, parent mode or fields\n",
		       req.wwpn);
		return -EINVAL;
	}
	return vvp_vport_create_fd(&req);
}

static long vvp_ctl_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	u32 version = VHOST_VPORT_API_VERSION;

	switch (cmd) {
	case VHOST_VPORT_GET_API_VERSION:
		return put_user(version, (u32 __user *)argp);
	case VHOST_VPORT_CREATE:
		return vvp_ctl_create(argp);
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

	ret = vvp_fc_init();
	if (ret) {
		pr_err("cannot attach to the FC transport class: %d\n", ret);
		return ret;
	}
	ret = vvp_genl_init();
	if (ret) {
		pr_err("cannot register the generic netlink family: %d\n", ret);
		goto err_fc;
	}
	ret = misc_register(&vvp_ctl_misc);
	if (ret) {
		pr_err("cannot register /dev/vhost-vport: %d\n", ret);
		goto err_genl;
	}
	pr_info("loaded, API version %d\n", VHOST_VPORT_API_VERSION);
	return 0;

err_genl:
	vvp_genl_exit();
err_fc:
	vvp_fc_exit();
	return ret;
}

static void __exit vvp_exit(void)
{
	misc_deregister(&vvp_ctl_misc);
	vvp_genl_exit();
	vvp_fc_exit();
}

module_init(vvp_init);
module_exit(vvp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NPIV vports as vhost-scsi backends");
MODULE_AUTHOR("The vhost-vport developers");
