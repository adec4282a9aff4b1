/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhost-vport's own vhost core: the owner, memory table, split virtqueues,
 * eventfds, per-queue worker threads and the dirty-page log of the vhost
 * ABI (<uapi/linux/vhost.h>).  The in-tree vhost core's header is not part
 * of the kernel headers packages, so an out-of-tree module cannot use it.
 *
 * This layer knows nothing of SCSI or Fibre Channel.  The device on top of
 * it (scsi.c) owns the virtqueues' backend state and the request handling.
 *
 * Locking:
 *  - vvh_dev.mutex serialises the device ioctls (owner, features, memory
 *    table, log) and vring set-up against each other.
 *  - vvh_vq.mutex protects a queue's ring state (addresses, indices, eventfds,
 *    memory-table pointer, backend pointer).  The queue's worker holds it
 *    while it walks the ring.  Order: dev->mutex before vq->mutex.
 *  - Work items are queued from any context (the kick wake-up runs with the
 *    eventfd's wait-queue lock held, completions may run in softirq) and run
 *    in the queue's worker thread, which has the owner's mm.
 */
#ifndef _VHOST_VPORT_VHOST_H
#define _VHOST_VPORT_VHOST_H

#include <linux/eventfd.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <linux/virtio_ring.h>
#include <uapi/linux/vhost.h>

/* Largest ring we accept; QEMU's virtqueue_size is at most 1024. */
#define VVH_MAX_RING		1024U
/* Largest memory table (QEMU asks for at most its vhost memslot limit). */
#define VVH_MAX_REGIONS		509U

struct vvh_dev;
struct vvh_vq;
struct vvh_work;

typedef void (*vvh_work_fn)(struct vvh_work *work);

struct vvh_work {
	struct llist_node	node;
	unsigned long		flags;		/* VVH_WORK_QUEUED */
	vvh_work_fn		fn;
};

#define VVH_WORK_QUEUED		0

struct vvh_region {
	u64			gpa;		/* guest-physical start */
	u64			size;
	u64			uaddr;		/* owner's virtual address */
};

/* Immutable once published; replaced whole by VHOST_SET_MEM_TABLE. */
struct vvh_mem {
	unsigned int		nr;
	struct vvh_region	r[];		/* sorted by gpa, no overlap */
};

/* A guest-physical range the device wrote; logged when migration asks. */
struct vvh_log_range {
	u64			gpa;
	u64			len;
};

/*
 * The buffers of one descriptor chain, split into the driver-to-device
 * ("out") and device-to-driver ("in") parts, as iovecs in the owner's
 * address space.  The caller provides the arrays (preallocated per request
 * slot) and their capacities.
 */
struct vvh_chain {
	struct iovec		*iov;		/* out iovecs first, then in */
	unsigned int		iov_max;
	unsigned int		out;		/* number of out iovecs */
	unsigned int		in;		/* number of in iovecs */
	size_t			out_len;
	size_t			in_len;
	struct vvh_log_range	*log;		/* in descriptors, by gpa */
	unsigned int		log_max;
	unsigned int		nlog;
};

struct vvh_poll {
	poll_table		table;
	wait_queue_head_t	*wqh;
	wait_queue_entry_t	wait;
	struct vvh_vq		*vq;
};

struct vvh_vq {
	struct vvh_dev		*dev;
	unsigned int		index;
	struct mutex		mutex;

	/* Ring, set by VHOST_SET_VRING_NUM / _ADDR / _BASE. */
	unsigned int		num;
	struct vring_desc __user *desc;
	struct vring_avail __user *avail;
	struct vring_used __user *used;
	u64			log_addr;	/* gpa of the used ring */
	bool			log_used;	/* VHOST_VRING_F_LOG */
	u16			last_avail_idx;
	u16			avail_idx;	/* cached avail->idx */
	u16			last_used_idx;
	u16			signalled_used;
	bool			signalled_used_valid;
	bool			started;	/* ring checked and usable */

	struct file		*kick;
	struct eventfd_ctx	*call_ctx;
	struct eventfd_ctx	*error_ctx;
	struct vvh_poll		poll;

	/* Copies of device state, updated under mutex by the device ioctls. */
	struct vvh_mem		*mem;
	u64			features;	/* acked */
	bool			log_all;	/* VHOST_F_LOG_ALL acked */
	void __user		*log_base;
	struct eventfd_ctx	*log_ctx;

	/* The worker thread and its work list. */
	struct task_struct	*worker;
	struct llist_head	work_list;
	struct vvh_work		*kick_work;	/* queued on a kick */

	void			*private_data;	/* backend; NULL = stopped */
};

struct vvh_dev {
	struct mutex		mutex;
	struct mm_struct	*mm;		/* owner's, NULL = no owner */
	pid_t			owner_tgid;
	struct vvh_mem		*mem;
	u64			features;
	void __user		*log_base;
	struct eventfd_ctx	*log_ctx;
	struct vvh_vq		**vqs;
	unsigned int		nvqs;
	const char		*name;		/* for log lines, e.g. the WWPN */
};

void vvh_dev_init(struct vvh_dev *dev, struct vvh_vq **vqs,
		  unsigned int nvqs, const char *name);
/* Drops owner, memory table, log and every queue's eventfds and worker. */
void vvh_dev_cleanup(struct vvh_dev *dev);
/* VHOST_RESET_OWNER, once the backend has stopped every queue. */
int vvh_dev_reset_owner(struct vvh_dev *dev);
/* Owner, memory table, log ioctls; -ENOIOCTLCMD for anything else. */
long vvh_dev_ioctl(struct vvh_dev *dev, unsigned int cmd, void __user *argp);
/* VHOST_*_VRING_* ioctls; -ENOIOCTLCMD for anything else. */
long vvh_vring_ioctl(struct vvh_dev *dev, unsigned int cmd, void __user *argp);
int vvh_check_owner(struct vvh_dev *dev);
/* Called with dev->mutex held after the device accepted FEATURES. */
int vvh_set_features(struct vvh_dev *dev, u64 features);
bool vvh_has_feature(const struct vvh_vq *vq, unsigned int bit);

void vvh_work_init(struct vvh_work *work, vvh_work_fn fn);
/* Any context.  Returns false if the work was already queued. */
bool vvh_work_queue(struct vvh_vq *vq, struct vvh_work *work);
/* Waits until every work queued on vq before the call has run. */
void vvh_vq_flush(struct vvh_vq *vq);

/*
 * Prepares the ring for use when the backend starts: checks the addresses
 * against the memory table and reads the used index.  vq->mutex held.
 */
int vvh_vq_start(struct vvh_vq *vq);

/*
 * Takes the next available chain.  Returns the head index, vq->num when the
 * ring is empty, or a negative errno for a malformed chain (the error
 * eventfd is signalled and a log line names the device and queue; the head,
 * when known, is returned through *bad_head so the caller can complete it).
 */
int vvh_get_chain(struct vvh_vq *vq, struct vvh_chain *chain, int *bad_head);
/* Puts back the last n chains taken (backend out of resources). */
void vvh_discard_chains(struct vvh_vq *vq, unsigned int n);
int vvh_add_used(struct vvh_vq *vq, unsigned int head, u32 len);
void vvh_signal(struct vvh_vq *vq);
bool vvh_enable_notify(struct vvh_vq *vq);
void vvh_disable_notify(struct vvh_vq *vq);
void vvh_vq_error(struct vvh_vq *vq, const char *fmt, ...) __printf(2, 3);

/*
 * Copies into the in part of a chain starting at byte offset off, and logs
 * the guest pages written when migration asks for it.
 */
int vvh_copy_to_chain(struct vvh_vq *vq, const struct vvh_chain *chain,
		      size_t off, const void *src, size_t len);
/* Copies from the out part of a chain starting at byte offset off. */
int vvh_copy_from_chain(const struct vvh_chain *chain, size_t off, void *dst,
			size_t len);
/* Marks guest-physical [gpa, gpa + len) dirty in the migration log. */
int vvh_log_write(struct vvh_vq *vq, u64 gpa, u64 len);
/* Logs the in part of a chain from byte offset off, len bytes. */
int vvh_log_chain(struct vvh_vq *vq, const struct vvh_chain *chain,
		  size_t off, size_t len);

#endif /* _VHOST_VPORT_VHOST_H */
