// SPDX-License-Identifier: GPL-2.0
/*
 * The vport fd: one NPIV vport, speaking the vhost-scsi ABI.  Device ioctls
 * come first, then the shared vhost ones (owner, memory table, log, vrings)
 * fall through to the vhost core, as in drivers/vhost/scsi.c.
 *
 * The fd holds the module (fops.owner), so the module cannot go while a
 * vport exists; closing the last reference deletes the vport.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_scsi.h>
#include <uapi/linux/vhost.h>

#include "compat.h"
#include "vport.h"

/*
 * Every vport that has an fd, in creation order (so by id).  The mutex
 * keeps a listed vport and its adapter state alive: a vport leaves the list
 * before it is destroyed.  Ids are never reused while the module is loaded
 * (they wrap after 2^32 - 1 vports, skipping 0).
 */
LIST_HEAD(vvp_vports);
DEFINE_MUTEX(vvp_vports_mutex);
static u32 vvp_next_id;

static void vvp_vport_list(struct vvp_vport *vp)
{
	mutex_lock(&vvp_vports_mutex);
	vp->id = ++vvp_next_id ?: ++vvp_next_id;
	list_add_tail(&vp->node, &vvp_vports);
	vp->live = true;
	vvp_genl_poll_start();
	mutex_unlock(&vvp_vports_mutex);
	vvp_vport_event(vp, VVP_EV_VPORT_CREATED, 0, 0);
}

static void vvp_vport_unlist(struct vvp_vport *vp)
{
	mutex_lock(&vvp_vports_mutex);
	vp->live = false;
	list_del(&vp->node);
	mutex_unlock(&vvp_vports_mutex);
}

/* The vhost features of the vport fd, as the in-tree vhost-scsi offers. */
#define VVP_FEATURES	(BIT_ULL(VIRTIO_F_NOTIFY_ON_EMPTY) | \
			 BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) | \
			 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) | \
			 BIT_ULL(VHOST_F_LOG_ALL) | \
			 BIT_ULL(VIRTIO_F_ANY_LAYOUT) | \
			 BIT_ULL(VIRTIO_F_VERSION_1) | \
			 BIT_ULL(VIRTIO_SCSI_F_HOTPLUG))

static long vvp_set_features(struct vvp_vport *vp, u64 __user *argp)
{
	u64 features;
	long ret;

	if (copy_from_user(&features, argp, sizeof(features)))
		return -EFAULT;
	if (features & ~VVP_FEATURES)
		return -EOPNOTSUPP;
	mutex_lock(&vp->dev.mutex);
	ret = vvh_check_owner(&vp->dev);
	if (!ret)
		ret = vvh_set_features(&vp->dev, features);
	mutex_unlock(&vp->dev.mutex);
	return ret;
}

void vvp_vport_event(struct vvp_vport *vp, enum vvp_event ev, u64 wwpn,
		     u64 lun)
{
	vvp_scsi_event(vp, ev, wwpn, lun);
	vvp_genl_event(vp, ev, wwpn, lun);
}

static long vvp_get_info(struct vvp_vport *vp, void __user *argp)
{
	struct vhost_vport_info info = {
		.wwpn = vp->wwpn,
		.wwnn = vp->wwnn,
	};

	vp->ops->info(vp, &info);
	return copy_to_user(argp, &info, sizeof(info)) ? -EFAULT : 0;
}

static long vvp_vport_ioctl(struct file *file, unsigned int cmd,
			    unsigned long arg)
{
	struct vvp_vport *vp = file->private_data;
	void __user *argp = (void __user *)arg;
	u64 features = VVP_FEATURES;
	int abi = VHOST_SCSI_ABI_VERSION;
	long ret;

	switch (cmd) {
	case VHOST_SCSI_GET_ABI_VERSION:
		return copy_to_user(argp, &abi, sizeof(abi)) ? -EFAULT : 0;
	case VHOST_GET_FEATURES:
		return copy_to_user(argp, &features, sizeof(features)) ?
			-EFAULT : 0;
	case VHOST_SET_FEATURES:
		return vvp_set_features(vp, argp);
	case VHOST_VPORT_GET_INFO:
		return vvp_get_info(vp, argp);
	case VHOST_RESET_OWNER:
		mutex_lock(&vp->dev.mutex);
		ret = vvh_check_owner(&vp->dev);
		if (!ret && vp->endpoint)
			ret = -EBUSY;
		if (!ret)
			ret = vvh_dev_reset_owner(&vp->dev);
		mutex_unlock(&vp->dev.mutex);
		return ret;
	default:
		break;
	}

	mutex_lock(&vp->dev.mutex);
	ret = vvp_scsi_ioctl(vp, cmd, argp);
	if (ret == -ENOIOCTLCMD)
		ret = vvh_dev_ioctl(&vp->dev, cmd, argp);
	if (ret == -ENOIOCTLCMD)
		ret = vvh_vring_ioctl(&vp->dev, cmd, argp);
	mutex_unlock(&vp->dev.mutex);
	return ret == -ENOIOCTLCMD ? -ENOTTY : ret;
}

static int vvp_vport_release(struct inode *inode, struct file *file)
{
	struct vvp_vport *vp = file->private_data;

	vvp_vport_unlist(vp);
	vvp_scsi_release(vp);
	vvh_dev_cleanup(&vp->dev);
	vp->ops->destroy(vp);
	pr_info("%s: vport deleted\n", vp->name);
	vvp_vport_event(vp, VVP_EV_VPORT_DELETED, 0, 0);
	put_pid(vp->owner);
	kvfree(vp);
	return 0;
}

static const struct file_operations vvp_vport_fops = {
	.owner		= THIS_MODULE,
	.release	= vvp_vport_release,
	.unlocked_ioctl	= vvp_vport_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/* NAA types a port name may have: IEEE 48-bit, extended, local, registered. */
static bool vvp_wwn_valid(u64 wwn)
{
	switch (wwn >> 60) {
	case 1: case 2: case 3: case 5: case 6:
		return true;
	default:
		return false;
	}
}

int vvp_vport_create_fd(const struct vhost_vport_create *req)
{
	struct vvp_vport *vp;
	unsigned int i;
	int fd, ret;

	if (!vvp_wwn_valid(req->wwpn) || !vvp_wwn_valid(req->wwnn) ||
	    req->wwpn == req->wwnn) {
		pr_err("wwpn 0x%016llx: malformed WWPN/WWNN pair (wwnn 0x%016llx)\n",
		       req->wwpn, req->wwnn);
		return -EINVAL;
	}
	vp = kvzalloc(sizeof(*vp), GFP_KERNEL);
	if (!vp)
		return -ENOMEM;
	vp->wwpn = req->wwpn;
	vp->wwnn = req->wwnn;
	vp->max_segments = VVP_MAX_PAGES;
	snprintf(vp->name, sizeof(vp->name), "wwpn 0x%016llx", vp->wwpn);
	for (i = 0; i < VVP_NR_VQS; i++)
		vp->vqs[i] = &vp->vq_store[i];
	vvh_dev_init(&vp->dev, vp->vqs, VVP_NR_VQS, vp->name);
	vvp_scsi_init(vp);
	vp->ops = &vvp_fc_adapter;
	INIT_LIST_HEAD(&vp->node);
	vp->owner = get_pid(task_tgid(current));
	get_task_comm(vp->owner_comm, current);
	vp->created = ktime_get_real_seconds();

	ret = vp->ops->create(vp, req);
	if (ret)
		goto err_free;
	vvp_scsi_start(vp);
	/* Listed first: the fd may be closed as soon as it exists. */
	vvp_vport_list(vp);
	fd = anon_inode_getfd("[vhost-vport]", &vvp_vport_fops, vp,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		pr_err("%s: no file descriptor: %d\n", vp->name, ret);
		goto err_unlist;
	}
	pr_info("%s: vport logged in\n", vp->name);
	return fd;

err_unlist:
	vvp_vport_unlist(vp);
	vp->ops->destroy(vp);
	vvp_vport_event(vp, VVP_EV_VPORT_DELETED, 0, 0);
err_free:
	put_pid(vp->owner);
	kvfree(vp);
	return ret;
}
