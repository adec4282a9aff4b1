// SPDX-License-Identifier: GPL-2.0
/*
 * The generic adapter: NPIV vports through the FC transport class, so any
 * Linux FC driver that implements vport_create works.  The vport is made
 * with fc_vport_create(), the same path as sysfs vport_create.
 *
 * The vport's LUNs stay off the host: a bus notifier marks every SCSI device
 * that appears on one of our vports no_uld_attach before a driver can bind,
 * so sd (and sr, st, ses) never claim them: no block device, no partition
 * scan, no udev, LVM or multipath probing.  What remains visible is the
 * scsi_device in sysfs and, if sg is loaded, its sg node (root-only in the
 * default udev rules), documented in the README.
 *
 * Finding FC hosts: neither the FC host class nor the SCSI bus type is
 * exported, so at load the module attaches an empty FC transport template
 * (fc_attach_transport() is exported) only to learn the fc_host class, and
 * takes the SCSI bus type from the first parent it uses.  The empty template
 * matches no host: the transport class binds a host only to the template
 * that host was allocated with.
 *
 * Locking: vvp_fc_lock (a spinlock; the notifier may run in any process
 * context) protects the list of our WWPNs.  The fc_vport's flags are
 * protected by the parent's host_lock, as in the transport class.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mman.h>
#include <linux/module.h>
#include <linux/workqueue.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/bio.h>
#include <linux/blk-mq.h>
#include <linux/virtio_scsi.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_common.h>
#include <scsi/scsi_dbg.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_driver.h>
#include <scsi/scsi_host.h>
#include <scsi/sg.h>
#include <scsi/scsi_transport.h>
#include <scsi/scsi_transport_fc.h>

#include <uapi/linux/vhost_vport_genl.h>

#include "compat.h"
#include "vport.h"

#define VVP_FC_LOGIN_TIMEOUT_MS		30000
#define VVP_FC_POLL_MS			20
/* Remote ports are "known" once their number held still this long. */
#define VVP_FC_SETTLE_MS		500

/* The generic adapter's side of a vport. */
struct vvp_fc_port {
	struct list_head	node;		/* on vvp_fc_ports */
	u64			wwpn;
	struct Scsi_Host	*parent;	/* reference held */
	struct fc_vport		*fcv;		/* device reference held */
	struct Scsi_Host	*vshost;	/* the vport's, reference held */
	struct vvp_vport	*vp;		/* set with vshost, under vvp_fc_lock */
	struct delayed_work	lun_work;	/* LUN inventory, see below */
};

/* Per exchange, in the core's slot (ops->xchg_priv_size). */
struct vvp_fc_xchg {
	struct bio		bio;
	struct scsi_device	*sdev;		/* reference held while in flight */
	struct vvp_fc_port	*port;
};

/* A command the fabric does not answer in this time is aborted. */
#define VVP_FC_CMD_TIMEOUT	(30 * HZ)

static unsigned int lun_poll_ms = 5000;
module_param(lun_poll_ms, uint, 0644);
MODULE_PARM_DESC(lun_poll_ms,
		 "How often (ms) each vport asks its targets for their LUNs with REPORT LUNS, so LUNs added or removed on a target reach the guest; 0: only when a target reports REPORTED LUNS DATA HAS CHANGED (default 5000)");

static LIST_HEAD(vvp_fc_ports);
static DEFINE_SPINLOCK(vvp_fc_lock);

static struct fc_function_template vvp_fc_probe_ft;
static struct scsi_transport_template *vvp_fc_probe_tt;
static vvp_class_t *vvp_fc_host_class;

/* The SCSI bus notifier is registered on first use; see above. */
static DEFINE_MUTEX(vvp_fc_nb_mutex);
static vvp_bus_type_t *vvp_fc_nb_bus;

static bool vvp_is_fc_host(struct Scsi_Host *shost)
{
	struct scsi_transport_template *t = shost->transportt;

	return t && t->host_attrs.ac.class == vvp_fc_host_class;
}

static bool vvp_wwpn_is_ours(u64 wwpn)
{
	struct vvp_fc_port *p;
	bool found = false;

	spin_lock(&vvp_fc_lock);
	list_for_each_entry(p, &vvp_fc_ports, node) {
		if (p->wwpn == wwpn) {
			found = true;
			break;
		}
	}
	spin_unlock(&vvp_fc_lock);
	return found;
}

/* Keeps upper-level drivers off our vports' LUNs. */
static int vvp_fc_bus_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct device *dev = data;
	struct scsi_device *sdev;

	if (action != BUS_NOTIFY_ADD_DEVICE || !scsi_is_sdev_device(dev))
		return NOTIFY_DONE;
	sdev = to_scsi_device(dev);
	if (vvp_is_fc_host(sdev->host) &&
	    vvp_wwpn_is_ours(fc_host_port_name(sdev->host)))
		sdev->no_uld_attach = 1;
	return NOTIFY_DONE;
}

static struct notifier_block vvp_fc_nb = {
	.notifier_call = vvp_fc_bus_notify,
};

/* ------------------------------------------------------------------ */
/* Finding the parent                                                   */

struct vvp_parent_search {
	const struct vhost_vport_create	*req;
	struct Scsi_Host		*found;		/* reference held */
	u64				wwpn;		/* the new vport's */
	int				err;		/* best errno so far */
	bool				in_use;		/* WWPN seen locally */
};

static bool vvp_host_has_wwpn(struct Scsi_Host *shost, u64 wwpn)
{
	struct fc_host_attrs *fch = shost_to_fc_host(shost);
	struct fc_vport *v;
	unsigned long flags;
	bool found = fc_host_port_name(shost) == wwpn;

	spin_lock_irqsave(shost->host_lock, flags);
	list_for_each_entry(v, &fch->vports, peers)
		if (v->port_name == wwpn)
			found = true;
	spin_unlock_irqrestore(shost->host_lock, flags);
	return found;
}

/*
 * Ranks why a candidate parent cannot be used, so that the most telling
 * reason wins when none can: a full port says more than an offline one.
 */
static int vvp_parent_usable(struct Scsi_Host *shost)
{
	if (!fc_host_max_npiv_vports(shost))
		return -EOPNOTSUPP;
	if (fc_host_port_state(shost) != FC_PORTSTATE_ONLINE)
		return -ENETDOWN;
	if (fc_host_npiv_vports_inuse(shost) >= fc_host_max_npiv_vports(shost))
		return -ENOSPC;
	return 0;
}

/* Called for each fc_host class device; its parent is the Scsi_Host. */
static int vvp_parent_match(struct device *dev, void *data)
{
	struct vvp_parent_search *s = data;
	const struct vhost_vport_create *req = s->req;
	struct Scsi_Host *shost;
	bool named;
	int ret;

	if (!dev->parent || !scsi_is_host_device(dev->parent))
		return 0;
	shost = dev_to_shost(dev->parent);
	if (!vvp_is_fc_host(shost))
		return 0;
	named = req->parent_by == VHOST_VPORT_PARENT_NAME &&
		!strncmp(dev_name(&shost->shost_gendev), req->parent_name,
			 VHOST_VPORT_NAME_LEN);
	if (vvp_host_has_wwpn(shost, s->wwpn))
		s->in_use = true;
	if (s->found)
		return 0;

	switch (req->parent_by) {
	case VHOST_VPORT_PARENT_NAME:
		if (!named)
			return 0;
		break;
	case VHOST_VPORT_PARENT_WWPN:
		if (fc_host_port_name(shost) != req->parent_wwn)
			return 0;
		break;
	case VHOST_VPORT_PARENT_FABRIC:
		if (fc_host_fabric_name(shost) != req->parent_wwn)
			return 0;
		break;
	default:
		break;
	}
	ret = vvp_parent_usable(shost);
	if (ret) {
		/* -ENODEV < -EOPNOTSUPP < -ENETDOWN < -ENOSPC in telling. */
		if (s->err == -ENODEV || s->err == -EOPNOTSUPP ||
		    (s->err == -ENETDOWN && ret == -ENOSPC))
			s->err = ret;
		return 0;
	}
	s->found = scsi_host_get(shost);
	return 0;
}

/* A named parent that is no FC host: does a SCSI host of that name exist? */
static int vvp_named_host_err(const char *name, int err)
{
	struct Scsi_Host *shost;
	unsigned int no;

	if (err != -ENODEV || strncmp(name, "host", 4) ||
	    kstrtouint(name + 4, 10, &no))
		return err;
	shost = scsi_host_lookup(no);
	if (!shost)
		return err;
	scsi_host_put(shost);
	return -ENXIO;
}

static int vvp_find_parent(const struct vhost_vport_create *req,
			   struct Scsi_Host **parent)
{
	struct vvp_parent_search s = {
		.req = req,
		.wwpn = req->wwpn,
		.err = -ENODEV,
	};

	class_for_each_device(vvp_fc_host_class, NULL, &s, vvp_parent_match);
	if (!s.found && req->parent_by == VHOST_VPORT_PARENT_NAME)
		s.err = vvp_named_host_err(req->parent_name, s.err);
	if (s.in_use) {
		if (s.found)
			scsi_host_put(s.found);
		return -EADDRINUSE;
	}
	if (!s.found)
		return s.err;
	*parent = s.found;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Login                                                                */

static int vvp_find_child_host(struct device *dev, void *data)
{
	struct Scsi_Host **shost = data;

	if (!scsi_is_host_device(dev))
		return 0;
	*shost = scsi_host_get(dev_to_shost(dev));
	return 1;
}

/*
 * The vport's own Scsi_Host, referenced (put it with scsi_host_put()): the
 * LLD adds it below the fc_vport device.  NULL while it does not exist.
 */
static struct Scsi_Host *vvp_vport_shost(struct fc_vport *fcv)
{
	struct Scsi_Host *shost = NULL;

	device_for_each_child(&fcv->dev, &shost, vvp_find_child_host);
	return shost;
}

static unsigned int vvp_count_rports(struct Scsi_Host *shost)
{
	struct fc_host_attrs *fch = shost_to_fc_host(shost);
	struct fc_rport *rport;
	unsigned int n = 0;
	unsigned long flags;

	spin_lock_irqsave(shost->host_lock, flags);
	list_for_each_entry(rport, &fch->rports, peers)
		if (rport->port_state == FC_PORTSTATE_ONLINE)
			n++;
	spin_unlock_irqrestore(shost->host_lock, flags);
	return n;
}

/* 0 while logging in, 1 once logged in, or the errno of a final failure. */
static int vvp_login_state(struct fc_vport *fcv)
{
	struct Scsi_Host *shost;

	bool online;

	switch (READ_ONCE(fcv->vport_state)) {
	case FC_VPORT_ACTIVE:
		shost = vvp_vport_shost(fcv);
		if (!shost)
			return 0;
		online = vvp_is_fc_host(shost) &&
			 fc_host_port_state(shost) == FC_PORTSTATE_ONLINE;
		scsi_host_put(shost);
		return online;
	case FC_VPORT_FABRIC_REJ_WWN:
		return -ECONNREFUSED;
	case FC_VPORT_NO_FABRIC_SUPP:
		return -EOPNOTSUPP;
	case FC_VPORT_NO_FABRIC_RSCS:
		return -ENOSPC;
	case FC_VPORT_FAILED:
		return -EIO;
	default:
		return 0;
	}
}

static unsigned int vvp_vport_rports(struct fc_vport *fcv)
{
	struct Scsi_Host *shost = vvp_vport_shost(fcv);
	unsigned int n = 0;

	if (shost) {
		if (vvp_is_fc_host(shost))
			n = vvp_count_rports(shost);
		scsi_host_put(shost);
	}
	return n;
}

static int vvp_wait_login(struct fc_vport *fcv, unsigned int timeout_ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	unsigned long stable_since = 0;
	unsigned int rports = 0, n;
	int state;

	for (;;) {
		if (fatal_signal_pending(current))
			return -EINTR;
		state = vvp_login_state(fcv);
		if (state < 0)
			return state;
		if (state > 0) {
			n = vvp_vport_rports(fcv);
			if (!stable_since || n != rports) {
				rports = n;
				stable_since = jiffies;
			} else if (time_after(jiffies, stable_since +
					      msecs_to_jiffies(VVP_FC_SETTLE_MS))) {
				return 0;
			}
			/* Logged in: an unsettled port list is no failure. */
			if (time_after(jiffies, deadline))
				return 0;
		} else if (time_after(jiffies, deadline)) {
			return -ETIMEDOUT;
		}
		schedule_timeout_killable(msecs_to_jiffies(VVP_FC_POLL_MS));
	}
}

static const char *vvp_login_error(int err)
{
	switch (err) {
	case -ECONNREFUSED:
		return "the fabric rejected the WWPN";
	case -EOPNOTSUPP:
		return "the fabric does not support NPIV";
	case -ENOSPC:
		return "the fabric is out of resources";
	case -ETIMEDOUT:
		return "no fabric login in time";
	case -EINTR:
		return "interrupted while logging in";
	default:
		return "the driver reports the vport failed";
	}
}

/* ------------------------------------------------------------------ */
/* LUN events                                                           */

/*
 * Our port whose vport host is @shost, or NULL.  Called with vvp_fc_lock
 * held; the port stays valid while it is held (destroy unlists it first).
 */
static struct vvp_fc_port *vvp_fc_port_of(struct Scsi_Host *shost)
{
	struct vvp_fc_port *p;

	list_for_each_entry(p, &vvp_fc_ports, node)
		if (p->vshost == shost && p->vp)
			return p;
	return NULL;
}

/* A LUN of one of our vports appeared or went: tell the core. */
static void vvp_fc_lun_event(struct scsi_device *sdev, enum vvp_event ev)
{
	struct fc_rport *rport;
	struct vvp_fc_port *p;

	if (!vvp_is_fc_host(sdev->host))
		return;
	rport = starget_to_rport(scsi_target(sdev));
	if (!rport)
		return;
	spin_lock(&vvp_fc_lock);
	p = vvp_fc_port_of(sdev->host);
	if (p)
		vvp_vport_event(p->vp, ev, rport->port_name, sdev->lun);
	spin_unlock(&vvp_fc_lock);
}

static int vvp_fc_add_sdev(struct device *dev VVP_CLASS_INTF_ARG)
{
	vvp_fc_lun_event(to_scsi_device(dev->parent), VVP_EV_LUN_ADDED);
	return 0;
}

static void vvp_fc_remove_sdev(struct device *dev VVP_CLASS_INTF_ARG)
{
	vvp_fc_lun_event(to_scsi_device(dev->parent), VVP_EV_LUN_REMOVED);
}

static struct class_interface vvp_fc_sdev_intf = {
	.add_dev	= vvp_fc_add_sdev,
	.remove_dev	= vvp_fc_remove_sdev,
};

/*
 * The LUN inventory.  The transport class scans a remote port when it
 * logs in, but nobody rescans when a target adds or removes a LUN later:
 * the midlayer only raises a uevent for REPORTED LUNS DATA HAS CHANGED.
 * So every lun_poll_ms, and at once when a guest command brings that unit
 * attention back, the vport rescans its targets (new LUNs become SCSI
 * devices, hence events) and removes the devices of LUNs that REPORT LUNS
 * no longer lists.
 */
#define VVP_FC_RLUN_LEN		4096	/* 511 LUNs per target */
#define VVP_FC_RLUN_TIMEOUT	(10 * HZ)

/* REPORT LUNS to @sdev's target; the number of LUNs in @luns, or -errno. */
static int vvp_fc_report_luns(struct scsi_device *sdev, u8 *buf, u64 *luns,
			      unsigned int max)
{
	u8 cdb[12] = { REPORT_LUNS };
	unsigned int n, i;
	int ret;

	put_unaligned_be32(VVP_FC_RLUN_LEN, &cdb[6]);
	ret = vvp_scsi_exec_in(sdev, cdb, buf, VVP_FC_RLUN_LEN,
			       VVP_FC_RLUN_TIMEOUT);
	if (ret)
		return ret < 0 ? ret : -EIO;
	n = get_unaligned_be32(buf) / 8;
	if (n > max || 8 + n * 8 > VVP_FC_RLUN_LEN)
		return -EOVERFLOW;
	for (i = 0; i < n; i++)
		luns[i] = scsilun_to_int((struct scsi_lun *)&buf[8 + i * 8]);
	return n;
}

/* Removes the devices of @rport's LUNs that its target no longer reports. */
static void vvp_fc_prune_luns(struct vvp_fc_port *p, struct fc_rport *rport,
			      u8 *buf, u64 *luns)
{
	struct scsi_device *sdev;
	int n = -ENODEV, i;

	shost_for_each_device(sdev, p->vshost) {
		if (sdev->channel != rport->channel ||
		    sdev->id != rport->scsi_target_id)
			continue;
		if (n == -ENODEV)
			n = vvp_fc_report_luns(sdev, buf, luns,
					       VVP_FC_RLUN_LEN / 8);
		if (n < 0)
			continue;
		for (i = 0; i < n; i++)
			if (luns[i] == sdev->lun)
				break;
		if (i == n) {
			pr_info("wwpn 0x%016llx: target 0x%016llx no longer reports LUN %llu\n",
				p->wwpn, rport->port_name, sdev->lun);
			scsi_remove_device(sdev);
		}
	}
}

static void vvp_fc_lun_work(struct work_struct *work)
{
	struct vvp_fc_port *p = container_of(to_delayed_work(work),
					     struct vvp_fc_port, lun_work);
	struct fc_host_attrs *fch = shost_to_fc_host(p->vshost);
	struct fc_rport *rport, *todo;
	unsigned long flags;
	unsigned int seq = 0, i;
	u64 *luns = NULL;
	u8 *buf;

	buf = kmalloc(VVP_FC_RLUN_LEN * 2, GFP_KERNEL);
	if (buf)
		luns = (u64 *)(buf + VVP_FC_RLUN_LEN);
	/* One remote port at a time: scanning sleeps, the list may change. */
	for (;;) {
		todo = NULL;
		i = 0;
		spin_lock_irqsave(p->vshost->host_lock, flags);
		list_for_each_entry(rport, &fch->rports, peers) {
			if (i++ < seq)
				continue;
			if (rport->port_state == FC_PORTSTATE_ONLINE &&
			    (rport->roles & FC_PORT_ROLE_FCP_TARGET) &&
			    rport->scsi_target_id >= 0) {
				todo = rport;
				get_device(&todo->dev);
				break;
			}
		}
		spin_unlock_irqrestore(p->vshost->host_lock, flags);
		if (!todo)
			break;
		seq = i;
		scsi_scan_target(&todo->dev, todo->channel,
				 todo->scsi_target_id, SCAN_WILD_CARD,
				 SCSI_SCAN_MANUAL);
		if (buf)
			vvp_fc_prune_luns(p, todo, buf, luns);
		put_device(&todo->dev);
	}
	kfree(buf);
	if (READ_ONCE(lun_poll_ms))
		queue_delayed_work(system_long_wq, &p->lun_work,
				   msecs_to_jiffies(READ_ONCE(lun_poll_ms)));
}

/* From a command's completion (any context): a target's LUNs changed. */
static void vvp_fc_luns_changed(struct vvp_fc_port *p, const u8 *sense,
				unsigned int len)
{
	struct scsi_sense_hdr sshdr;

	if (scsi_normalize_sense(sense, len, &sshdr) &&
	    sshdr.sense_key == UNIT_ATTENTION && sshdr.asc == 0x3f &&
	    sshdr.ascq == 0x0e)
		mod_delayed_work(system_long_wq, &p->lun_work, 0);
}

/* ------------------------------------------------------------------ */
/* Create and destroy                                                   */

static int vvp_fc_watch_bus(struct Scsi_Host *parent)
{
	int ret = 0;

	mutex_lock(&vvp_fc_nb_mutex);
	if (!vvp_fc_nb_bus) {
		ret = bus_register_notifier(parent->shost_gendev.bus, &vvp_fc_nb);
		if (!ret)
			vvp_fc_nb_bus = parent->shost_gendev.bus;
	}
	mutex_unlock(&vvp_fc_nb_mutex);
	return ret;
}

static void vvp_fc_terminate(struct vvp_fc_port *p)
{
	struct Scsi_Host *parent = p->parent;
	unsigned long flags;
	bool ours;
	int ret;

	/* Someone (sysfs vport_delete, HBA removal) may have beaten us. */
	spin_lock_irqsave(parent->host_lock, flags);
	ours = !(p->fcv->flags & (FC_VPORT_DEL | FC_VPORT_CREATING));
	if (ours)
		p->fcv->flags |= FC_VPORT_DELETING;
	spin_unlock_irqrestore(parent->host_lock, flags);
	if (ours) {
		ret = fc_vport_terminate(p->fcv);
		if (ret)
			pr_err("wwpn 0x%016llx: vport delete failed: %d\n",
			       p->wwpn, ret);
	}
}

static void vvp_fc_forget(struct vvp_fc_port *p)
{
	spin_lock(&vvp_fc_lock);
	list_del(&p->node);
	spin_unlock(&vvp_fc_lock);
}

/*
 * Once logged in: takes the vport's own host, pins its driver (our host
 * reference may outlive the driver's own, and the host's release calls into
 * the driver), and lets the transport finish scanning the remote ports on
 * the host's work queue, so the LUNs exist when the fd is handed out.
 */
static int vvp_fc_take_host(struct vvp_fc_port *p)
{
	p->vshost = vvp_vport_shost(p->fcv);
	if (!p->vshost)
		return -EIO;
	if (!try_module_get(p->vshost->hostt->module)) {
		scsi_host_put(p->vshost);
		p->vshost = NULL;
		return -EIO;
	}
	scsi_flush_work(p->vshost);
	return 0;
}

static int vvp_fc_create(struct vvp_vport *vp,
			 const struct vhost_vport_create *req)
{
	struct fc_vport_identifiers ids = {
		.node_name = req->wwnn,
		.port_name = req->wwpn,
		.roles = FC_PORT_ROLE_FCP_INITIATOR,
		.vport_type = FC_PORTTYPE_NPIV,
		.disable = false,
	};
	unsigned int timeout = req->login_timeout_ms ?: VVP_FC_LOGIN_TIMEOUT_MS;
	struct Scsi_Host *parent;
	struct vvp_fc_port *p;
	struct fc_vport *fcv;
	int ret;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->wwpn = req->wwpn;
	INIT_DELAYED_WORK(&p->lun_work, vvp_fc_lun_work);

	ret = vvp_find_parent(req, &parent);
	if (ret) {
		pr_err("wwpn 0x%016llx: %s\n", req->wwpn,
		       ret == -EADDRINUSE ? "WWPN already in use on this host" :
		       ret == -ENODEV ? "no such parent port" :
		       ret == -ENXIO ? "parent is not a Fibre Channel port" :
		       ret == -EOPNOTSUPP ? "parent does not support NPIV" :
		       ret == -ENETDOWN ? "parent port is not online" :
		       "parent has no free vports");
		goto err_free;
	}
	p->parent = parent;
	ret = vvp_fc_watch_bus(parent);
	if (ret) {
		pr_err("wwpn 0x%016llx: cannot watch the SCSI bus: %d\n",
		       req->wwpn, ret);
		goto err_put_parent;
	}

	/* Registered before the vport exists: its LUNs may appear at once. */
	spin_lock(&vvp_fc_lock);
	list_add(&p->node, &vvp_fc_ports);
	spin_unlock(&vvp_fc_lock);

	snprintf(ids.symbolic_name, sizeof(ids.symbolic_name),
		 "vhost-vport pid %d", task_tgid_nr(current));
	fcv = fc_vport_create(parent, 0, &ids);
	if (!fcv) {
		/* The transport class hides the cause; name what we can. */
		ret = fc_host_npiv_vports_inuse(parent) >=
		      fc_host_max_npiv_vports(parent) ? -ENOSPC : -EIO;
		pr_err("wwpn 0x%016llx: %s refused to create the vport\n",
		       req->wwpn, dev_name(&parent->shost_gendev));
		goto err_forget;
	}
	get_device(&fcv->dev);
	p->fcv = fcv;

	ret = vvp_wait_login(fcv, timeout);
	if (!ret)
		ret = vvp_fc_take_host(p);
	if (ret) {
		pr_err("wwpn 0x%016llx: %s\n", req->wwpn, vvp_login_error(ret));
		goto err_terminate;
	}
	vp->adapter = p;
	vp->max_segments = min_t(unsigned int, p->vshost->sg_tablesize,
				 VVP_MAX_PAGES);
	spin_lock(&vvp_fc_lock);
	p->vp = vp;
	spin_unlock(&vvp_fc_lock);
	if (lun_poll_ms)
		queue_delayed_work(system_long_wq, &p->lun_work,
				   msecs_to_jiffies(lun_poll_ms));
	return 0;

err_terminate:
	vvp_fc_terminate(p);
	put_device(&fcv->dev);
err_forget:
	vvp_fc_forget(p);
err_put_parent:
	scsi_host_put(parent);
err_free:
	kfree(p);
	return ret;
}

static void vvp_fc_destroy(struct vvp_vport *vp)
{
	struct vvp_fc_port *p = vp->adapter;

	/* I/O is drained: nothing re-arms the LUN work now. */
	cancel_delayed_work_sync(&p->lun_work);
	vvp_fc_terminate(p);
	module_put(p->vshost->hostt->module);
	scsi_host_put(p->vshost);
	put_device(&p->fcv->dev);
	vvp_fc_forget(p);
	scsi_host_put(p->parent);
	kfree(p);
	vp->adapter = NULL;
}

static void vvp_fc_info(struct vvp_vport *vp, struct vhost_vport_info *info)
{
	struct vvp_fc_port *p = vp->adapter;
	struct Scsi_Host *shost;

	info->parent_wwpn = fc_host_port_name(p->parent);
	info->fabric_name = fc_host_fabric_name(p->parent);
	strscpy(info->parent, dev_name(&p->parent->shost_gendev),
		sizeof(info->parent));
	shost = vvp_vport_shost(p->fcv);
	if (!shost)
		return;
	if (vvp_is_fc_host(shost)) {
		info->port_id = fc_host_port_id(shost);
		info->nr_rports = vvp_count_rports(shost);
		strscpy(info->host, dev_name(&shost->shost_gendev),
			sizeof(info->host));
	}
	scsi_host_put(shost);
}

/* ------------------------------------------------------------------ */
/* Exchanges through the SCSI midlayer                                  */

static unsigned int vvp_fc_targets(struct vvp_vport *vp, u64 *wwpns,
				   unsigned int max)
{
	struct vvp_fc_port *p = vp->adapter;
	struct fc_host_attrs *fch = shost_to_fc_host(p->vshost);
	struct fc_rport *rport;
	unsigned int n = 0;
	unsigned long flags;

	spin_lock_irqsave(p->vshost->host_lock, flags);
	list_for_each_entry(rport, &fch->rports, peers) {
		if (n == max)
			break;
		if (rport->port_state == FC_PORTSTATE_ONLINE &&
		    (rport->roles & FC_PORT_ROLE_FCP_TARGET))
			wwpns[n++] = rport->port_name;
	}
	spin_unlock_irqrestore(p->vshost->host_lock, flags);
	return n;
}

/* The scsi_device of (remote port, LUN), referenced, or NULL. */
static struct scsi_device *vvp_fc_sdev(struct vvp_fc_port *p, u64 wwpn,
				       u64 lun)
{
	struct fc_host_attrs *fch = shost_to_fc_host(p->vshost);
	struct fc_rport *rport;
	unsigned int channel = 0;
	unsigned long flags;
	int id = -1;

	spin_lock_irqsave(p->vshost->host_lock, flags);
	list_for_each_entry(rport, &fch->rports, peers) {
		if (rport->port_name == wwpn) {
			channel = rport->channel;
			id = rport->scsi_target_id;
			break;
		}
	}
	spin_unlock_irqrestore(p->vshost->host_lock, flags);
	if (id < 0)
		return NULL;
	return scsi_device_lookup(p->vshost, channel, id, lun);
}

static enum vvp_xchg_status vvp_fc_host_status(int result, blk_status_t err)
{
	switch (host_byte(result)) {
	case DID_OK:
		return err && !result ? VVP_XS_FAILURE : VVP_XS_OK;
	case DID_NO_CONNECT:
	case DID_BAD_TARGET:
		return VVP_XS_BAD_TARGET;
	case DID_TIME_OUT:
	case DID_ABORT:
		return VVP_XS_ABORTED;
	case DID_RESET:
		return VVP_XS_RESET;
	case DID_BUS_BUSY:
	case DID_REQUEUE:
	case DID_IMM_RETRY:
	case DID_SOFT_ERROR:
		return VVP_XS_BUSY;
	case DID_TRANSPORT_DISRUPTED:
	case DID_TRANSPORT_FAILFAST:
		return VVP_XS_TRANSPORT_FAILURE;
	default:
		return VVP_XS_FAILURE;
	}
}

/* Block-layer completion: interrupt or softirq context. */
static enum rq_end_io_ret vvp_fc_end_io(struct request *rq, blk_status_t err)
{
	struct scsi_cmnd *scmd = blk_mq_rq_to_pdu(rq);
	struct vvp_xchg *x = rq->end_io_data;
	struct vvp_fc_xchg *fx = x->priv;

	x->status = vvp_fc_host_status(scmd->result, err);
	if (x->status == VVP_XS_FAILURE)
		pr_warn_ratelimited("wwpn 0x%016llx: %u-byte command 0x%02x failed: result 0x%x, block status %d\n",
				    fx->port->wwpn, x->data_len, x->cdb[0],
				    scmd->result, blk_status_to_errno(err));
	x->scsi_status = scmd->result & 0xff;
	x->resid = min(scmd->resid_len, x->data_len);
	x->sense_len = 0;
	if (scmd->sense_len) {
		x->sense_len = min_t(unsigned int, scmd->sense_len,
				     min(SCSI_SENSE_BUFFERSIZE, VVP_SENSE_SIZE));
		memcpy(x->sense, scmd->sense_buffer, x->sense_len);
		vvp_fc_luns_changed(fx->port, x->sense, x->sense_len);
	}
	if (x->nr_bvec)
		bio_uninit(&fx->bio);
	scsi_device_put(fx->sdev);
	x->done(x);
	return RQ_END_IO_FREE;
}

static int vvp_fc_submit(struct vvp_vport *vp, struct vvp_xchg *x)
{
	struct vvp_fc_port *p = vp->adapter;
	struct vvp_fc_xchg *fx = x->priv;
	struct scsi_device *sdev;
	struct scsi_cmnd *scmd;
	struct request *rq;
	unsigned int i;
	int ret;

	sdev = vvp_fc_sdev(p, x->target_wwpn, x->lun);
	if (!sdev)
		return -ENODEV;
	rq = scsi_alloc_request(sdev->request_queue,
				x->dir == DMA_FROM_DEVICE ? REQ_OP_DRV_IN :
				REQ_OP_DRV_OUT, BLK_MQ_REQ_NOWAIT);
	if (IS_ERR(rq)) {
		ret = -EAGAIN;
		goto err_put_sdev;
	}
	scmd = blk_mq_rq_to_pdu(rq);
	memcpy(scmd->cmnd, x->cdb, x->cdb_len);
	scmd->cmd_len = x->cdb_len;
	scmd->allowed = 0;		/* the guest retries, not the host */
	rq->timeout = VVP_FC_CMD_TIMEOUT;

	if (x->nr_bvec) {
		/*
		 * The bio uses the exchange's bvec table itself: adding
		 * entry i writes at most entry i, so read each entry first.
		 */
		bio_init(&fx->bio, NULL, x->bvec, x->nr_bvec, rq->cmd_flags);
		for (i = 0; i < x->nr_bvec; i++) {
			struct bio_vec bv = x->bvec[i];

			if (bio_add_pc_page(sdev->request_queue, &fx->bio,
					    bv.bv_page, bv.bv_len,
					    bv.bv_offset) != bv.bv_len) {
				pr_err_ratelimited("wwpn 0x%016llx: %u-byte request does not fit the host's queue at segment %u of %u\n",
						   p->wwpn, x->data_len, i,
						   x->nr_bvec);
				ret = -E2BIG;
				goto err_uninit;
			}
		}
		ret = blk_rq_append_bio(rq, &fx->bio);
		if (ret)
			goto err_uninit;
	}
	fx->sdev = sdev;
	fx->port = p;
	rq->end_io = vvp_fc_end_io;
	rq->end_io_data = x;
	blk_execute_rq_nowait(rq, x->task_attr == VIRTIO_SCSI_S_HEAD);
	return 0;

err_uninit:
	bio_uninit(&fx->bio);
	blk_mq_free_request(rq);
err_put_sdev:
	scsi_device_put(sdev);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The netlink view                                                     */

static u32 vvp_fc_vport_state(enum fc_vport_state s)
{
	switch (s) {
	case FC_VPORT_ACTIVE:
		return VHOST_VPORT_STATE_ACTIVE;
	case FC_VPORT_DISABLED:
		return VHOST_VPORT_STATE_DISABLED;
	case FC_VPORT_LINKDOWN:
		return VHOST_VPORT_STATE_LINKDOWN;
	case FC_VPORT_INITIALIZING:
		return VHOST_VPORT_STATE_INITIALIZING;
	case FC_VPORT_NO_FABRIC_SUPP:
		return VHOST_VPORT_STATE_NO_FABRIC_SUPP;
	case FC_VPORT_NO_FABRIC_RSCS:
		return VHOST_VPORT_STATE_NO_FABRIC_RSCS;
	case FC_VPORT_FABRIC_LOGOUT:
		return VHOST_VPORT_STATE_FABRIC_LOGOUT;
	case FC_VPORT_FABRIC_REJ_WWN:
		return VHOST_VPORT_STATE_FABRIC_REJ_WWN;
	case FC_VPORT_FAILED:
		return VHOST_VPORT_STATE_FAILED;
	default:
		return VHOST_VPORT_STATE_UNKNOWN;
	}
}

static void vvp_fc_status(struct vvp_vport *vp, struct vvp_status *st)
{
	struct vvp_fc_port *p = vp->adapter;
	enum fc_vport_state s = READ_ONCE(p->fcv->vport_state);

	st->state = vvp_fc_vport_state(s);
	st->logged_in = s == FC_VPORT_ACTIVE;
	/* libfc puts its vports in LINKDOWN when the parent's link drops. */
	st->link_up = s != FC_VPORT_LINKDOWN;
}

static unsigned int vvp_fc_rports(struct vvp_vport *vp,
				  struct vvp_rport_info *r, unsigned int max)
{
	struct vvp_fc_port *p = vp->adapter;
	struct fc_host_attrs *fch = shost_to_fc_host(p->vshost);
	struct fc_rport *rport;
	unsigned int n = 0;
	unsigned long flags;

	spin_lock_irqsave(p->vshost->host_lock, flags);
	list_for_each_entry(rport, &fch->rports, peers) {
		if (n == max)
			break;
		r[n].wwpn = rport->port_name;
		r[n].wwnn = rport->node_name;
		r[n].port_id = rport->port_id;
		r[n].state = rport->port_state == FC_PORTSTATE_ONLINE ?
			VHOST_VPORT_RPORT_ONLINE :
			rport->port_state == FC_PORTSTATE_BLOCKED ?
			VHOST_VPORT_RPORT_BLOCKED : VHOST_VPORT_RPORT_OFFLINE;
		r[n].roles = 0;
		if (rport->roles & FC_PORT_ROLE_FCP_TARGET)
			r[n].roles |= VHOST_VPORT_ROLE_FCP_TARGET;
		if (rport->roles & FC_PORT_ROLE_FCP_INITIATOR)
			r[n].roles |= VHOST_VPORT_ROLE_FCP_INITIATOR;
		n++;
	}
	spin_unlock_irqrestore(p->vshost->host_lock, flags);
	return n;
}

static unsigned int vvp_fc_luns(struct vvp_vport *vp, u64 wwpn, u64 *luns,
				unsigned int max)
{
	struct vvp_fc_port *p = vp->adapter;
	struct scsi_device *sdev;
	unsigned int n = 0;

	/* The iterator holds a reference on sdev, so on its rport too. */
	shost_for_each_device(sdev, p->vshost) {
		struct fc_rport *rport = starget_to_rport(scsi_target(sdev));

		if (rport && rport->port_name == wwpn && n < max)
			luns[n++] = sdev->lun;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* Task management                                                      */

/* An aborted task comes back within its time-out plus error handling. */
#define VVP_FC_ABORT_WAIT	(2 * VVP_FC_CMD_TIMEOUT)
#define VVP_FC_ABORT_POLL_MS	20

/* Which of the guest's tasks in flight a function acts on. */
struct vvp_fc_task_scan {
	struct scsi_device	*sdev;
	bool			by_tag;
	u64			tag;
	bool			abort;
	unsigned int		found;
};

/*
 * Called for every started request of the vport's host, with a reference
 * on the request held by the iterator, so blk_abort_request() is safe even
 * if the request completes meanwhile (a completed request is not timed
 * out).  Only the guest's requests count, not the midlayer's own.  The tag
 * is read from the slot: if the request completed and its slot was reused
 * for a request with another tag, the scan sees the new tag, which is the
 * task the guest now knows under it.
 */
static bool vvp_fc_task_match(struct request *rq, void *data)
{
	struct vvp_fc_task_scan *scan = data;
	struct scsi_cmnd *scmd = blk_mq_rq_to_pdu(rq);
	struct vvp_xchg *x;

	if (rq->end_io != vvp_fc_end_io || scmd->device != scan->sdev)
		return true;
	x = rq->end_io_data;
	if (scan->by_tag && READ_ONCE(x->tag) != scan->tag)
		return true;
	scan->found++;
	if (scan->abort)
		blk_abort_request(rq);
	return true;
}

static unsigned int vvp_fc_tasks(struct vvp_fc_port *p,
				 struct vvp_fc_task_scan *scan)
{
	scan->found = 0;
	blk_mq_tagset_busy_iter(&p->vshost->tag_set, vvp_fc_task_match, scan);
	return scan->found;
}

/*
 * Aborts the matching tasks through the midlayer's time-out path (the
 * driver's eh_abort_handler sends the ABTS) and waits until each has been
 * completed to the guest, as SAM wants before the function completes.
 */
static enum vvp_tmf_result vvp_fc_abort(struct vvp_fc_port *p,
					struct vvp_fc_task_scan *scan)
{
	unsigned long deadline = jiffies + VVP_FC_ABORT_WAIT;

	scan->abort = true;
	if (!vvp_fc_tasks(p, scan))
		return VVP_TMF_COMPLETE;
	scan->abort = false;
	while (vvp_fc_tasks(p, scan)) {
		if (time_after(jiffies, deadline))
			return VVP_TMF_FAILED;
		msleep(VVP_FC_ABORT_POLL_MS);
	}
	return VVP_TMF_COMPLETE;
}

/*
 * A LUN or target reset through the midlayer, as sg's SG_SCSI_RESET does
 * it (the driver's eh_device_reset_handler / eh_target_reset_handler).
 * scsi_ioctl() reads the reset type from user memory only, so we lend it
 * one page of the owner's address space, which the control worker runs on,
 * for the length of the call.  The owner could change the value meanwhile;
 * at worst that escalates the reset to this vport's own host, which only
 * the owner's I/O goes through.
 */
static int vvp_fc_reset(struct scsi_device *sdev, int type)
{
	unsigned long addr;
	int ret;

	if (!current->mm)
		return -EIO;
	addr = vm_mmap(NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(addr))
		return (int)addr;
	ret = put_user(type | SG_SCSI_RESET_NO_ESCALATE, (int __user *)addr);
	if (!ret)
		ret = vvp_sdev_ioctl(sdev, SG_SCSI_RESET, (void __user *)addr);
	vm_munmap(addr, PAGE_SIZE);
	return ret;
}

static enum vvp_tmf_result vvp_fc_tmf(struct vvp_vport *vp, enum vvp_tmf fn,
				      u64 wwpn, u64 lun, u64 tag)
{
	struct vvp_fc_port *p = vp->adapter;
	struct vvp_fc_task_scan scan = { .tag = tag };
	enum vvp_tmf_result res;
	int ret;

	scan.sdev = vvp_fc_sdev(p, wwpn, lun);
	if (!scan.sdev)
		return VVP_TMF_BAD_TARGET;
	switch (fn) {
	case VVP_TMF_ABORT_TASK:
		scan.by_tag = true;
		fallthrough;
	case VVP_TMF_ABORT_TASK_SET:
	case VVP_TMF_CLEAR_TASK_SET:
		res = vvp_fc_abort(p, &scan);
		break;
	case VVP_TMF_QUERY_TASK:
		scan.by_tag = true;
		fallthrough;
	case VVP_TMF_QUERY_TASK_SET:
		res = vvp_fc_tasks(p, &scan) ? VVP_TMF_SUCCEEDED :
					       VVP_TMF_COMPLETE;
		break;
	case VVP_TMF_LUN_RESET:
		ret = vvp_fc_reset(scan.sdev, SG_SCSI_RESET_DEVICE);
		res = ret ? VVP_TMF_FAILED : VVP_TMF_SUCCEEDED;
		break;
	case VVP_TMF_I_T_NEXUS_RESET:
		/* fcoe, for one, has no target reset: say so. */
		if (!scan.sdev->host->hostt->eh_target_reset_handler) {
			res = VVP_TMF_REJECTED;
			break;
		}
		ret = vvp_fc_reset(scan.sdev, SG_SCSI_RESET_TARGET);
		res = ret ? VVP_TMF_FAILED : VVP_TMF_SUCCEEDED;
		break;
	default:
		/* CLEAR ACA: the midlayer has no way to send it. */
		res = VVP_TMF_REJECTED;
		break;
	}
	scsi_device_put(scan.sdev);
	return res;
}

const struct vvp_adapter_ops vvp_fc_adapter = {
	.name		= "fc",
	.create		= vvp_fc_create,
	.destroy	= vvp_fc_destroy,
	.info		= vvp_fc_info,
	.submit		= vvp_fc_submit,
	.targets	= vvp_fc_targets,
	.status		= vvp_fc_status,
	.rports		= vvp_fc_rports,
	.luns		= vvp_fc_luns,
	.tmf		= vvp_fc_tmf,
	.xchg_priv_size	= sizeof(struct vvp_fc_xchg),
};

int vvp_fc_init(void)
{
	int ret;

	vvp_fc_probe_tt = fc_attach_transport(&vvp_fc_probe_ft);
	if (!vvp_fc_probe_tt)
		return -ENOMEM;
	vvp_fc_host_class = vvp_fc_probe_tt->host_attrs.ac.class;
	ret = scsi_register_interface(&vvp_fc_sdev_intf);
	if (ret) {
		fc_release_transport(vvp_fc_probe_tt);
		return ret;
	}
	return 0;
}

void vvp_fc_exit(void)
{
	class_interface_unregister(&vvp_fc_sdev_intf);
	if (vvp_fc_nb_bus)
		bus_unregister_notifier(vvp_fc_nb_bus, &vvp_fc_nb);
	fc_release_transport(vvp_fc_probe_tt);
}
