// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "vhost_vport" (uapi/linux/vhost_vport_genl.h):
 * a read-only view of the vports the module holds, and the events that
 * happen to them.  A view, not an owner: it never keeps a vport alive.
 *
 * Contexts and locking:
 * - GET (doit and dumpit) runs in the requester's process context (under
 *   genl_mutex).  It walks vvp_vports under vvp_vports_mutex, which keeps
 *   every listed vport and its adapter state alive (vport.c unlists a vport
 *   before it destroys it); the adapter callbacks may sleep.
 * - vvp_genl_event() (called by vvp_vport_event()) may be called from any
 *   context, also hard irq and with spinlocks held.  It copies the event
 *   into a record (GFP_ATOMIC) on vvp_ev_list under vvp_ev_lock (irq-safe)
 *   and queues vvp_ev_work, which builds and multicasts the messages in
 *   process context, in the order of the calls.  With nobody subscribed
 *   nothing is queued; beyond VVP_EV_MAX waiting records events are
 *   dropped and counted.
 * - The poller (vvp_poll_work, every VVP_POLL_MS while vports exist)
 *   compares each vport's login, link and online remote ports with what
 *   it saw last (vp->snap, under vvp_vports_mutex) and reports the
 *   differences: the FC transport class notifies nobody of these.
 *
 * Lock order: genl_mutex -> vvp_vports_mutex -> adapter locks (host_lock,
 * vvp_fc_lock) -> vvp_ev_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <uapi/linux/vhost_vport_genl.h>

#include "compat.h"
#include "vport.h"

/* How often the poller looks for login, link and remote port changes. */
#define VVP_POLL_MS		1000
/* Events waiting for the work item at most. */
#define VVP_EV_MAX		4096
/* LUNs reported per remote port at most. */
#define VVP_GENL_MAX_LUNS	1024
/* Largest GET reply: a vport with many ports and LUNs. */
#define VVP_GENL_MAX_MSG	(256 * 1024)

enum vvp_genl_groups {
	VVP_GRP_EVENTS,
};

static const struct nla_policy vvp_get_policy[VHOST_VPORT_A_MAX + 1] = {
	[VHOST_VPORT_A_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[VHOST_VPORT_A_WWPN]	= { .type = NLA_U64 },
};

static int vvp_genl_get_doit(struct sk_buff *skb, struct genl_info *info);
static int vvp_genl_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);

static const struct genl_ops vvp_genl_ops[] = {
	{
		.cmd		= VHOST_VPORT_CMD_GET,
		.doit		= vvp_genl_get_doit,
		.dumpit		= vvp_genl_get_dumpit,
		.policy		= vvp_get_policy,
		.maxattr	= VHOST_VPORT_A_MAX,
		/* No flags: reading is unprivileged. */
	},
};

static const struct genl_multicast_group vvp_genl_mcgrps[] = {
	[VVP_GRP_EVENTS] = { .name = VHOST_VPORT_GENL_MCGRP_EVENTS },
};

static struct genl_family vvp_genl_family __ro_after_init = {
	.name		= VHOST_VPORT_GENL_NAME,
	.version	= VHOST_VPORT_GENL_VERSION,
	.maxattr	= VHOST_VPORT_A_MAX,
	.module		= THIS_MODULE,
	.ops		= vvp_genl_ops,
	.n_ops		= ARRAY_SIZE(vvp_genl_ops),
	.mcgrps		= vvp_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(vvp_genl_mcgrps),
	/* resv_start_op 0: every command is strictly validated. */
};

/* ------------------------------------------------------------------ */
/* GET                                                                  */

/* The virtio target id of @wwpn, or -1. */
static int vvp_genl_target_id(struct vvp_vport *vp, u64 wwpn)
{
	int id, found = -1;

	spin_lock(&vp->tgt_lock);
	for (id = 0; id < VVP_MAX_TARGETS; id++) {
		if (vp->tgt[id] == wwpn) {
			found = id;
			break;
		}
	}
	spin_unlock(&vp->tgt_lock);
	return found;
}

static int vvp_genl_put_rport(struct sk_buff *msg, struct vvp_vport *vp,
			      const struct vvp_rport_info *r, u64 *luns)
{
	struct nlattr *nest, *lnest;
	unsigned int i, n;
	int id;

	nest = nla_nest_start(msg, VHOST_VPORT_RPORTS_A_RPORT);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(msg, VHOST_VPORT_RPORT_A_WWPN, r->wwpn,
			      VHOST_VPORT_RPORT_A_PAD) ||
	    nla_put_u64_64bit(msg, VHOST_VPORT_RPORT_A_WWNN, r->wwnn,
			      VHOST_VPORT_RPORT_A_PAD) ||
	    nla_put_u32(msg, VHOST_VPORT_RPORT_A_PORT_ID, r->port_id) ||
	    nla_put_u32(msg, VHOST_VPORT_RPORT_A_STATE, r->state) ||
	    nla_put_u32(msg, VHOST_VPORT_RPORT_A_ROLES, r->roles))
		goto err_cancel;
	id = vvp_genl_target_id(vp, r->wwpn);
	if (id >= 0 && nla_put_u32(msg, VHOST_VPORT_RPORT_A_TARGET_ID, id))
		goto err_cancel;
	n = vp->ops->luns(vp, r->wwpn, luns, VVP_GENL_MAX_LUNS);
	lnest = nla_nest_start(msg, VHOST_VPORT_RPORT_A_LUNS);
	if (!lnest)
		goto err_cancel;
	for (i = 0; i < n; i++)
		if (nla_put_u64_64bit(msg, VHOST_VPORT_LUNS_A_LUN, luns[i],
				      VHOST_VPORT_LUNS_A_PAD))
			goto err_cancel;
	nla_nest_end(msg, lnest);
	nla_nest_end(msg, nest);
	return 0;

err_cancel:
	nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

static int vvp_genl_put_rports(struct sk_buff *msg, struct vvp_vport *vp)
{
	struct vvp_rport_info *r;
	struct nlattr *nest;
	unsigned int i, n;
	u64 *luns;
	int ret = -ENOMEM;

	r = kmalloc_array(VVP_MAX_TARGETS, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	luns = kmalloc_array(VVP_GENL_MAX_LUNS, sizeof(*luns), GFP_KERNEL);
	if (!luns)
		goto out_free_r;
	n = vp->ops->rports(vp, r, VVP_MAX_TARGETS);
	ret = -EMSGSIZE;
	nest = nla_nest_start(msg, VHOST_VPORT_A_RPORTS);
	if (!nest)
		goto out_free_luns;
	for (i = 0; i < n; i++) {
		ret = vvp_genl_put_rport(msg, vp, &r[i], luns);
		if (ret) {
			nla_nest_cancel(msg, nest);
			goto out_free_luns;
		}
	}
	nla_nest_end(msg, nest);
	ret = 0;
out_free_luns:
	kfree(luns);
out_free_r:
	kfree(r);
	return ret;
}

static int vvp_genl_put_counters(struct sk_buff *msg, struct vvp_vport *vp)
{
	struct vvp_counters c;
	struct nlattr *nest;
	u32 inflight;

	vvp_scsi_counters(vp, &c, &inflight);
	nest = nla_nest_start(msg, VHOST_VPORT_A_COUNTERS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(msg, VHOST_VPORT_CNT_A_COMMANDS, c.commands,
			      VHOST_VPORT_CNT_A_PAD) ||
	    nla_put_u64_64bit(msg, VHOST_VPORT_CNT_A_BYTES_READ, c.bytes_read,
			      VHOST_VPORT_CNT_A_PAD) ||
	    nla_put_u64_64bit(msg, VHOST_VPORT_CNT_A_BYTES_WRITTEN,
			      c.bytes_written, VHOST_VPORT_CNT_A_PAD) ||
	    nla_put_u64_64bit(msg, VHOST_VPORT_CNT_A_ERRORS, c.errors,
			      VHOST_VPORT_CNT_A_PAD) ||
	    nla_put_u32(msg, VHOST_VPORT_CNT_A_IN_FLIGHT, inflight)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* One vport as a GET reply; vvp_vports_mutex held. */
static int vvp_genl_fill(struct sk_buff *msg, struct vvp_vport *vp,
			 u32 portid, u32 seq, int flags)
{
	struct vhost_vport_info info = {
		.wwpn = vp->wwpn,
		.wwnn = vp->wwnn,
	};
	struct vvp_status st = {};
	void *hdr;
	int ret;

	hdr = genlmsg_put(msg, portid, seq, &vvp_genl_family, flags,
			  VHOST_VPORT_CMD_GET);
	if (!hdr)
		return -EMSGSIZE;
	vp->ops->info(vp, &info);
	vp->ops->status(vp, &st);
	ret = -EMSGSIZE;
	if (nla_put_u32(msg, VHOST_VPORT_A_ID, vp->id) ||
	    nla_put_u64_64bit(msg, VHOST_VPORT_A_WWPN, vp->wwpn,
			      VHOST_VPORT_A_PAD) ||
	    nla_put_u64_64bit(msg, VHOST_VPORT_A_WWNN, vp->wwnn,
			      VHOST_VPORT_A_PAD) ||
	    nla_put_string(msg, VHOST_VPORT_A_PARENT, info.parent) ||
	    nla_put_u64_64bit(msg, VHOST_VPORT_A_PARENT_WWPN, info.parent_wwpn,
			      VHOST_VPORT_A_PAD) ||
	    nla_put_u64_64bit(msg, VHOST_VPORT_A_FABRIC_NAME, info.fabric_name,
			      VHOST_VPORT_A_PAD) ||
	    nla_put_u32(msg, VHOST_VPORT_A_PORT_ID, info.port_id) ||
	    nla_put_u32(msg, VHOST_VPORT_A_STATE, st.state) ||
	    nla_put_u8(msg, VHOST_VPORT_A_LOGGED_IN, st.logged_in) ||
	    nla_put_u8(msg, VHOST_VPORT_A_LINK_UP, st.link_up) ||
	    nla_put_u32(msg, VHOST_VPORT_A_OWNER_PID, pid_vnr(vp->owner)) ||
	    nla_put_string(msg, VHOST_VPORT_A_OWNER_COMM, vp->owner_comm) ||
	    nla_put_u64_64bit(msg, VHOST_VPORT_A_CREATED, vp->created,
			      VHOST_VPORT_A_PAD) ||
	    nla_put_string(msg, VHOST_VPORT_A_HOST, info.host) ||
	    /* Changes under dev.mutex; a snapshot is all a reader gets. */
	    nla_put_u8(msg, VHOST_VPORT_A_ENDPOINT, READ_ONCE(vp->endpoint)))
		goto err_cancel;
	ret = vvp_genl_put_rports(msg, vp);
	if (ret)
		goto err_cancel;
	ret = vvp_genl_put_counters(msg, vp);
	if (ret)
		goto err_cancel;
	genlmsg_end(msg, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(msg, hdr);
	return ret;
}

static int vvp_genl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct vvp_vport *vp, *found = NULL;
	struct sk_buff *msg = NULL;
	size_t size;
	int ret;

	if (!tb[VHOST_VPORT_A_ID] && !tb[VHOST_VPORT_A_WWPN]) {
		NL_SET_ERR_MSG(info->extack, "need a vport id or WWPN");
		return -EINVAL;
	}
	mutex_lock(&vvp_vports_mutex);
	list_for_each_entry(vp, &vvp_vports, node) {
		if (tb[VHOST_VPORT_A_ID] &&
		    nla_get_u32(tb[VHOST_VPORT_A_ID]) != vp->id)
			continue;
		if (tb[VHOST_VPORT_A_WWPN] &&
		    nla_get_u64(tb[VHOST_VPORT_A_WWPN]) != vp->wwpn)
			continue;
		found = vp;
		break;
	}
	if (!found) {
		NL_SET_ERR_MSG(info->extack, "no such vport");
		ret = -ENOENT;
		goto out_unlock;
	}
	for (size = NLMSG_GOODSIZE;; size *= 2) {
		msg = genlmsg_new(size, GFP_KERNEL);
		if (!msg) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		ret = vvp_genl_fill(msg, found, info->snd_portid,
				    info->snd_seq, 0);
		if (ret != -EMSGSIZE || size >= VVP_GENL_MAX_MSG)
			break;
		nlmsg_free(msg);
	}
	if (ret) {
		nlmsg_free(msg);
		goto out_unlock;
	}
	mutex_unlock(&vvp_vports_mutex);
	return genlmsg_reply(msg, info);

out_unlock:
	mutex_unlock(&vvp_vports_mutex);
	return ret;
}

/* cb->args[0]: the last id sent; the list is in id order. */
static int vvp_genl_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb)
{
	u32 last = cb->args[0];
	struct vvp_vport *vp;
	int ret = 0;

	mutex_lock(&vvp_vports_mutex);
	list_for_each_entry(vp, &vvp_vports, node) {
		if (vp->id <= last)
			continue;
		ret = vvp_genl_fill(skb, vp, NETLINK_CB(cb->skb).portid,
				    cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (ret)
			break;
		last = vp->id;
	}
	mutex_unlock(&vvp_vports_mutex);
	cb->args[0] = last;
	/* A full message goes out; the next call goes on after @last. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

/* ------------------------------------------------------------------ */
/* Events                                                               */

struct vvp_ev {
	struct list_head	node;
	enum vvp_event		ev;
	u32			id;
	u64			wwpn;
	u64			wwnn;
	u64			rport;
	u64			lun;
};

static LIST_HEAD(vvp_ev_list);
static DEFINE_SPINLOCK(vvp_ev_lock);
static unsigned int vvp_ev_count;	/* on vvp_ev_list */
static unsigned int vvp_ev_dropped;
static void vvp_ev_work_fn(struct work_struct *work);
static DECLARE_WORK(vvp_ev_work, vvp_ev_work_fn);

static u32 vvp_ev_uapi(enum vvp_event ev)
{
	switch (ev) {
	case VVP_EV_VPORT_CREATED:
		return VHOST_VPORT_EVENT_VPORT_CREATED;
	case VVP_EV_VPORT_DELETED:
		return VHOST_VPORT_EVENT_VPORT_DELETED;
	case VVP_EV_LOGIN_ONLINE:
	case VVP_EV_LOGIN_OFFLINE:
		return VHOST_VPORT_EVENT_LOGIN_STATE;
	case VVP_EV_RPORT_ADDED:
		return VHOST_VPORT_EVENT_RPORT_ADDED;
	case VVP_EV_RPORT_REMOVED:
		return VHOST_VPORT_EVENT_RPORT_REMOVED;
	case VVP_EV_LUN_ADDED:
		return VHOST_VPORT_EVENT_LUN_ADDED;
	case VVP_EV_LUN_REMOVED:
		return VHOST_VPORT_EVENT_LUN_REMOVED;
	case VVP_EV_LINK_DOWN:
		return VHOST_VPORT_EVENT_LINK_DOWN;
	case VVP_EV_LINK_UP:
		return VHOST_VPORT_EVENT_LINK_UP;
	}
	return VHOST_VPORT_EVENT_UNSPEC;
}

static void vvp_ev_send(const struct vvp_ev *e)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		goto err;
	hdr = genlmsg_put(msg, 0, 0, &vvp_genl_family, 0,
			  VHOST_VPORT_CMD_EVENT);
	if (!hdr)
		goto err_free;
	if (nla_put_u32(msg, VHOST_VPORT_A_EVENT, vvp_ev_uapi(e->ev)) ||
	    nla_put_u32(msg, VHOST_VPORT_A_ID, e->id) ||
	    nla_put_u64_64bit(msg, VHOST_VPORT_A_WWPN, e->wwpn,
			      VHOST_VPORT_A_PAD) ||
	    nla_put_u64_64bit(msg, VHOST_VPORT_A_WWNN, e->wwnn,
			      VHOST_VPORT_A_PAD))
		goto err_free;
	switch (e->ev) {
	case VVP_EV_LOGIN_ONLINE:
	case VVP_EV_LOGIN_OFFLINE:
		if (nla_put_u8(msg, VHOST_VPORT_A_LOGGED_IN,
			       e->ev == VVP_EV_LOGIN_ONLINE))
			goto err_free;
		break;
	case VVP_EV_LUN_ADDED:
	case VVP_EV_LUN_REMOVED:
		if (nla_put_u64_64bit(msg, VHOST_VPORT_A_EVENT_LUN, e->lun,
				      VHOST_VPORT_A_PAD))
			goto err_free;
		fallthrough;
	case VVP_EV_RPORT_ADDED:
	case VVP_EV_RPORT_REMOVED:
		if (nla_put_u64_64bit(msg, VHOST_VPORT_A_EVENT_RPORT, e->rport,
				      VHOST_VPORT_A_PAD))
			goto err_free;
		break;
	default:
		break;
	}
	genlmsg_end(msg, hdr);
	/* -ESRCH: the last listener left meanwhile. */
	genlmsg_multicast(&vvp_genl_family, msg, 0, VVP_GRP_EVENTS,
			  GFP_KERNEL);
	return;

err_free:
	nlmsg_free(msg);
err:
	pr_warn_ratelimited("wwpn 0x%016llx: event %u lost: no memory\n",
			    e->wwpn, e->ev);
}

static void vvp_ev_work_fn(struct work_struct *work)
{
	struct vvp_ev *e, *next;
	unsigned int dropped;
	unsigned long flags;
	LIST_HEAD(list);

	spin_lock_irqsave(&vvp_ev_lock, flags);
	list_splice_init(&vvp_ev_list, &list);
	vvp_ev_count = 0;
	dropped = vvp_ev_dropped;
	vvp_ev_dropped = 0;
	spin_unlock_irqrestore(&vvp_ev_lock, flags);

	if (dropped)
		pr_warn_ratelimited("%u events dropped\n", dropped);
	list_for_each_entry_safe(e, next, &list, node) {
		vvp_ev_send(e);
		list_del(&e->node);
		kfree(e);
	}
}

void vvp_genl_event(struct vvp_vport *vp, enum vvp_event ev, u64 rport_wwpn,
		    u64 lun)
{
	unsigned long flags;
	struct vvp_ev *e;

	if (ev != VVP_EV_VPORT_CREATED && ev != VVP_EV_VPORT_DELETED &&
	    !READ_ONCE(vp->live))
		return;
	if (!genl_has_listeners(&vvp_genl_family, &init_net, VVP_GRP_EVENTS))
		return;
	e = kmalloc(sizeof(*e), GFP_ATOMIC);
	spin_lock_irqsave(&vvp_ev_lock, flags);
	if (!e || vvp_ev_count >= VVP_EV_MAX) {
		vvp_ev_dropped++;
		spin_unlock_irqrestore(&vvp_ev_lock, flags);
		kfree(e);
		schedule_work(&vvp_ev_work);
		return;
	}
	e->ev = ev;
	e->id = vp->id;
	e->wwpn = vp->wwpn;
	e->wwnn = vp->wwnn;
	e->rport = rport_wwpn;
	e->lun = lun;
	list_add_tail(&e->node, &vvp_ev_list);
	vvp_ev_count++;
	spin_unlock_irqrestore(&vvp_ev_lock, flags);
	schedule_work(&vvp_ev_work);
}

/* ------------------------------------------------------------------ */
/* The poller                                                           */

static void vvp_poll_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(vvp_poll_work, vvp_poll_work_fn);

static bool vvp_snap_has(const struct vvp_genl_snap *s, u64 wwpn)
{
	unsigned int i;

	for (i = 0; i < s->nr; i++)
		if (s->rports[i] == wwpn)
			return true;
	return false;
}

/* vvp_vports_mutex held; @r is scratch for VVP_MAX_TARGETS ports. */
static void vvp_poll_vport(struct vvp_vport *vp, struct vvp_rport_info *r)
{
	struct vvp_genl_snap *s = &vp->snap;
	struct vvp_status st = {};
	unsigned int n, i, online = 0;
	bool found;

	vp->ops->status(vp, &st);
	n = vp->ops->rports(vp, r, VVP_MAX_TARGETS);
	/* Keep the online ones, in place. */
	for (i = 0; i < n; i++)
		if (r[i].state == VHOST_VPORT_RPORT_ONLINE)
			r[online++] = r[i];

	if (s->valid) {
		if (st.link_up != s->link_up)
			vvp_vport_event(vp, st.link_up ? VVP_EV_LINK_UP :
					VVP_EV_LINK_DOWN, 0, 0);
		if (st.logged_in != s->logged_in)
			vvp_vport_event(vp, st.logged_in ? VVP_EV_LOGIN_ONLINE :
					VVP_EV_LOGIN_OFFLINE, 0, 0);
		for (i = 0; i < s->nr; i++) {
			unsigned int j;

			found = false;
			for (j = 0; j < online && !found; j++)
				found = r[j].wwpn == s->rports[i];
			if (!found)
				vvp_vport_event(vp, VVP_EV_RPORT_REMOVED,
						s->rports[i], 0);
		}
		for (i = 0; i < online; i++)
			if (!vvp_snap_has(s, r[i].wwpn))
				vvp_vport_event(vp, VVP_EV_RPORT_ADDED,
						r[i].wwpn, 0);
	}
	s->valid = true;
	s->link_up = st.link_up;
	s->logged_in = st.logged_in;
	s->nr = online;
	for (i = 0; i < online; i++)
		s->rports[i] = r[i].wwpn;
}

static void vvp_poll_work_fn(struct work_struct *work)
{
	struct vvp_rport_info *r;
	struct vvp_vport *vp;
	bool more;

	r = kmalloc_array(VVP_MAX_TARGETS, sizeof(*r), GFP_KERNEL);
	mutex_lock(&vvp_vports_mutex);
	if (r)
		list_for_each_entry(vp, &vvp_vports, node)
			vvp_poll_vport(vp, r);
	more = !list_empty(&vvp_vports);
	if (more)
		queue_delayed_work(system_wq, &vvp_poll_work,
				   msecs_to_jiffies(VVP_POLL_MS));
	mutex_unlock(&vvp_vports_mutex);
	kfree(r);
}

/* A vport was listed; vvp_vports_mutex held. */
void vvp_genl_poll_start(void)
{
	queue_delayed_work(system_wq, &vvp_poll_work, 0);
}

/* ------------------------------------------------------------------ */

int vvp_genl_init(void)
{
	return genl_register_family(&vvp_genl_family);
}

/* After the last vport is gone (each holds the module). */
void vvp_genl_exit(void)
{
	struct vvp_ev *e, *next;

	cancel_delayed_work_sync(&vvp_poll_work);
	flush_work(&vvp_ev_work);
	genl_unregister_family(&vvp_genl_family);
	/* Nothing can queue any more; free what the flush left, if any. */
	cancel_work_sync(&vvp_ev_work);
	list_for_each_entry_safe(e, next, &vvp_ev_list, node) {
		list_del(&e->node);
		kfree(e);
	}
}
