/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vport as the core sees it, and the interface every HBA adapter
 * implements.  The core (control device, vhost device, virtio-scsi layer)
 * never includes an adapter's headers; an adapter never touches the rings.
 */
#ifndef _VHOST_VPORT_VPORT_H
#define _VHOST_VPORT_VPORT_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <uapi/linux/vhost_vport.h>

#include "vhost.h"
#include "xchg.h"

/* Request queues per vport; queues 0 and 1 are control and event. */
#define VVP_MAX_IO_VQS		128
#define VVP_NR_VQS		(2 + VVP_MAX_IO_VQS)
#define VVP_CTL_VQ		0
#define VVP_EVT_VQ		1
#define VVP_IO_VQ		2

/* Virtio target ids are one byte of the LUN field. */
#define VVP_MAX_TARGETS		256
/* Buffers of one request: headers plus the guest's data segments. */
#define VVP_MAX_IOV		256
/* Pinned pages of one request: 4 MiB of data. */
#define VVP_MAX_PAGES		1024
/*
 * A request whose pages are more segments than the host takes (fcoe: 128)
 * goes through a per-queue bounce buffer of 64 KiB chunks (the block
 * layer's default segment size), allocated when first needed.
 */
#define VVP_BOUNCE_ORDER	4
#define VVP_BOUNCE_CHUNK	(PAGE_SIZE << VVP_BOUNCE_ORDER)
#define VVP_BOUNCE_CHUNKS	(VVP_MAX_PAGES >> VVP_BOUNCE_ORDER)

/* Pending guest events a vport keeps while the guest has no buffer. */
#define VVP_EVQ_LEN		64

struct vvp_vport;
struct vvp_queue;

/*
 * What happens to a vport, reported by its adapter (and the core) through
 * vvp_vport_event(): the guest's event queue gets the LUN events, netlink
 * listeners all of them.
 */
enum vvp_event {
	VVP_EV_VPORT_CREATED,
	VVP_EV_VPORT_DELETED,
	VVP_EV_LOGIN_ONLINE,
	VVP_EV_LOGIN_OFFLINE,
	VVP_EV_RPORT_ADDED,
	VVP_EV_RPORT_REMOVED,
	VVP_EV_LUN_ADDED,
	VVP_EV_LUN_REMOVED,
	VVP_EV_LINK_DOWN,
	VVP_EV_LINK_UP,
};

/* A LUN event waiting for an event buffer of the guest. */
struct vvp_evt {
	u64			wwpn;
	u64			lun;
	bool			removed;
};

/*
 * A request slot: everything one request needs, allocated when the
 * endpoint is set so the hot path allocates nothing.
 */
struct vvp_slot {
	struct vvp_xchg		x;
	struct vvp_queue	*q;
	struct llist_node	done_node;
	unsigned int		index;
	unsigned int		head;
	size_t			data_in;	/* bytes the guest can take */
	struct vvh_chain	chain;
	unsigned int		npages;
	bool			to_guest;	/* pages are written */
	bool			bounced;	/* data in the queue's bounce buffer */
	struct iovec		iov[VVP_MAX_IOV];
	struct vvh_log_range	log[VVP_MAX_IOV];
	struct page		*pages[VVP_MAX_PAGES];
	struct bio_vec		bvec[VVP_MAX_PAGES];
	/* The adapter's per-exchange area (ops->xchg_priv_size) follows. */
};

/*
 * Counters of one request queue, shown over netlink.  Written only by the
 * queue's worker under its vq mutex (WRITE_ONCE), read without a lock and
 * summed over the queues by vvp_scsi_counters().
 */
struct vvp_counters {
	u64	commands;
	u64	bytes_read;		/* to the guest */
	u64	bytes_written;		/* from the guest */
	u64	errors;			/* response not OK or status not GOOD */
};

/* Per virtqueue state of the virtio-scsi layer. */
struct vvp_queue {
	struct vvp_vport	*vp;
	struct vvh_vq		*vq;
	struct vvh_work		kick_work;
	struct vvh_work		done_work;
	struct llist_head	done_list;
	/* Under vq->mutex. */
	struct vvp_slot		**slots;
	unsigned int		nslots;
	unsigned int		*free;		/* stack of free slot indices */
	unsigned int		nfree;
	bool			starved;	/* kick waits for a free slot */
	atomic_t		inflight;	/* submitted, not completed */
	/*
	 * The bounce buffer (see VVP_BOUNCE_ORDER), under vq->mutex: one
	 * request uses it at a time; the next one that needs it waits as
	 * @deferred, and the queue takes no new request meanwhile.
	 */
	struct page		*bounce[VVP_BOUNCE_CHUNKS];
	struct bio_vec		bounce_bvec[VVP_BOUNCE_CHUNKS];
	struct vvp_slot		*bounce_owner;
	struct vvp_slot		*deferred;
	struct vvp_counters	stats;
};

/* What the netlink view (genl.c) asks an adapter about a vport. */
struct vvp_status {
	u32	state;		/* enum vhost_vport_state */
	bool	logged_in;
	bool	link_up;
};

struct vvp_rport_info {
	u64	wwpn;
	u64	wwnn;
	u32	port_id;
	u32	state;		/* enum vhost_vport_rport_state */
	u32	roles;		/* VHOST_VPORT_ROLE_* */
};

/*
 * What an adapter implements.  All callbacks may sleep unless noted.
 *
 * create:  create the vport on a parent as @req asks, log it in and wait
 *          for its remote ports; on failure leave nothing behind, log one
 *          line naming the WWPN, return the errno documented for
 *          VHOST_VPORT_CREATE.  Sets vp->adapter.
 * destroy: log out and delete the vport; never fails.
 * info:    fill what the adapter knows of the vport.
 */
struct vvp_adapter_ops {
	const char	*name;
	int		(*create)(struct vvp_vport *vp,
				  const struct vhost_vport_create *req);
	void		(*destroy)(struct vvp_vport *vp);
	void		(*info)(struct vvp_vport *vp,
				struct vhost_vport_info *info);
	/*
	 * submit:  start an exchange; never sleeps.  Returns 0 when done()
	 *          will be called, -ENODEV for an unknown target or LUN,
	 *          -EAGAIN when out of resources for now, another errno for
	 *          any other refusal (done() is not called then).
	 * targets: the WWPNs of the FCP target ports now online, at most max.
	 */
	int		(*submit)(struct vvp_vport *vp, struct vvp_xchg *x);
	unsigned int	(*targets)(struct vvp_vport *vp, u64 *wwpns,
				   unsigned int max);
	/*
	 * For the netlink view; may sleep, called with vvp_vports_mutex held.
	 * status:  the vport's state, login and link.
	 * rports:  the remote ports the vport knows, at most max.
	 * luns:    the LUNs the vport sees behind remote port @rport, at most
	 *          max.
	 */
	void		(*status)(struct vvp_vport *vp, struct vvp_status *st);
	unsigned int	(*rports)(struct vvp_vport *vp, struct vvp_rport_info *r,
				  unsigned int max);
	unsigned int	(*luns)(struct vvp_vport *vp, u64 rport, u64 *luns,
				unsigned int max);
	/*
	 * tmf:     run a task-management function on (target, LUN); tag
	 *          names the task for ABORT_TASK and QUERY_TASK.  Sleeps,
	 *          possibly for seconds; returns once the function is over
	 *          (an aborted task has been completed through done()).
	 */
	enum vvp_tmf_result (*tmf)(struct vvp_vport *vp, enum vvp_tmf fn,
				   u64 target_wwpn, u64 lun, u64 tag);
	size_t		xchg_priv_size;
};

/* What the event poller (genl.c) saw last; under vvp_vports_mutex. */
struct vvp_genl_snap {
	bool		valid;
	bool		logged_in;
	bool		link_up;
	unsigned int	nr;
	u64		rports[VVP_MAX_TARGETS];	/* online ones */
};

struct vvp_vport {
	u64				wwpn;
	u64				wwnn;
	char				name[24];	/* "wwpn 0x..." for logs */
	const struct vvp_adapter_ops	*ops;
	void				*adapter;	/* the adapter's state */
	/* Set by the adapter's create: data pages one exchange may carry. */
	unsigned int			max_segments;

	struct vvh_dev			dev;
	struct vvh_vq			vq_store[VVP_NR_VQS];
	struct vvh_vq			*vqs[VVP_NR_VQS];
	struct vvp_queue		queues[VVP_NR_VQS];

	bool				endpoint;	/* under dev.mutex */
	u32				events_missed;

	/*
	 * LUN events for the guest, under evq_lock (any context).  Queued
	 * only while hotplug is on (endpoint set, VIRTIO_SCSI_F_HOTPLUG
	 * acked); an event that finds the ring full is counted as missed.
	 */
	spinlock_t			evq_lock;
	bool				hotplug;
	unsigned int			evq_head;	/* next to send */
	unsigned int			evq_len;
	struct vvp_evt			evq[VVP_EVQ_LEN];
	wait_queue_head_t		drain_wq;

	/* Virtio target id -> remote port WWPN (0 = free); under tgt_lock. */
	spinlock_t			tgt_lock;
	u64				tgt[VVP_MAX_TARGETS];
	u64				tgt_scratch[VVP_MAX_TARGETS];

	/*
	 * The registry of live vports (vport.c) and its netlink view:
	 * node, id and live change under vvp_vports_mutex; a listed vport
	 * and its adapter state stay alive while that mutex is held.
	 */
	struct list_head		node;		/* on vvp_vports */
	u32				id;
	bool				live;		/* listed */
	struct pid			*owner;		/* creator's tgid */
	char				owner_comm[TASK_COMM_LEN];
	time64_t			created;	/* realtime seconds */
	struct vvp_genl_snap		snap;
};

/*
 * genl.c.  vvp_genl_event() is the netlink half of vvp_vport_event(); any
 * context (hard irq, spinlocks held): it copies the event (GFP_ATOMIC) and
 * a work item sends it.  Events of a vport that is not listed are dropped,
 * except VPORT_CREATED and VPORT_DELETED; so are all events while nobody
 * listens.  @vp only has to be valid during the call.
 */
void vvp_genl_event(struct vvp_vport *vp, enum vvp_event ev, u64 rport_wwpn,
		    u64 lun);
int vvp_genl_init(void);
void vvp_genl_exit(void);
void vvp_genl_poll_start(void);

/* scsi.c: the virtio-scsi layer. */
void vvp_scsi_init(struct vvp_vport *vp);
void vvp_scsi_start(struct vvp_vport *vp);
long vvp_scsi_ioctl(struct vvp_vport *vp, unsigned int cmd, void __user *argp);
void vvp_scsi_release(struct vvp_vport *vp);
void vvp_scsi_counters(struct vvp_vport *vp, struct vvp_counters *c,
		       u32 *inflight);

void vvp_scsi_event(struct vvp_vport *vp, enum vvp_event ev, u64 wwpn,
		    u64 lun);

/* fc.c: the generic adapter over the FC transport class. */
extern const struct vvp_adapter_ops vvp_fc_adapter;
int vvp_fc_init(void);
void vvp_fc_exit(void);

/* vport.c: the vport fd. */
int vvp_vport_create_fd(const struct vhost_vport_create *req);
extern struct list_head vvp_vports;
extern struct mutex vvp_vports_mutex;
/*
 * Reports an event of the vport; @wwpn names the remote port and @lun the
 * LUN where the event has them.  Any context, never sleeps.
 */
void vvp_vport_event(struct vvp_vport *vp, enum vvp_event ev, u64 wwpn,
		     u64 lun);

#endif /* _VHOST_VPORT_VPORT_H */
