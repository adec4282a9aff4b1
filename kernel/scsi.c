// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-scsi layer of the vport fd: endpoint, request queues, control
 * queue and the target-id table.  Requests become exchanges handed to the
 * vport's adapter; completions come back in any context and are written to
 * the guest by the queue's worker.
 *
 * Locking: a queue's slots, free stack and ring are used under its vq
 * mutex (the worker holds it while it walks the ring or completes
 * requests).  Completed slots travel from the adapter's context to the
 * worker over a lock-free list.  vp->endpoint changes under dev.mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/virtio_scsi.h>
#include <scsi/scsi_common.h>
#include <uapi/linux/vhost.h>

#include "compat.h"
#include "vport.h"

/* Requests one kick handles before it yields the worker to others. */
#define VVP_KICK_BUDGET		256

static const u8 vvp_status_to_virtio[] = {
	[VVP_XS_OK]			= VIRTIO_SCSI_S_OK,
	[VVP_XS_OVERRUN]		= VIRTIO_SCSI_S_OVERRUN,
	[VVP_XS_ABORTED]		= VIRTIO_SCSI_S_ABORTED,
	[VVP_XS_BAD_TARGET]		= VIRTIO_SCSI_S_BAD_TARGET,
	[VVP_XS_RESET]			= VIRTIO_SCSI_S_RESET,
	[VVP_XS_BUSY]			= VIRTIO_SCSI_S_BUSY,
	[VVP_XS_TRANSPORT_FAILURE]	= VIRTIO_SCSI_S_TRANSPORT_FAILURE,
	[VVP_XS_TARGET_FAILURE]		= VIRTIO_SCSI_S_TARGET_FAILURE,
	[VVP_XS_NEXUS_FAILURE]		= VIRTIO_SCSI_S_NEXUS_FAILURE,
	[VVP_XS_FAILURE]		= VIRTIO_SCSI_S_FAILURE,
};

/* ------------------------------------------------------------------ */
/* Target table                                                         */

/*
 * Gives every online target port without an id the lowest free one.
 * Called with dev.mutex held, which also guards the scratch list.
 */
static void vvp_refresh_targets(struct vvp_vport *vp)
{
	u64 *wwpns = vp->tgt_scratch;
	unsigned int n, i, t;

	n = vp->ops->targets(vp, wwpns, VVP_MAX_TARGETS);
	spin_lock(&vp->tgt_lock);
	for (i = 0; i < n; i++) {
		for (t = 0; t < VVP_MAX_TARGETS; t++)
			if (vp->tgt[t] == wwpns[i])
				break;
		if (t < VVP_MAX_TARGETS)
			continue;
		for (t = 0; t < VVP_MAX_TARGETS; t++) {
			if (!vp->tgt[t]) {
				vp->tgt[t] = wwpns[i];
				break;
			}
		}
	}
	spin_unlock(&vp->tgt_lock);
}

/* Called with dev.mutex held. */
static long vvp_get_targets(struct vvp_vport *vp, void __user *argp)
{
	struct vhost_vport_targets __user *ut = argp;
	struct vhost_vport_target t = {};
	u32 count = 0;
	unsigned int id;

	for (id = 0; id < VVP_MAX_TARGETS; id++) {
		spin_lock(&vp->tgt_lock);
		t.wwpn = vp->tgt[id];
		spin_unlock(&vp->tgt_lock);
		if (!t.wwpn)
			continue;
		t.id = id;
		if (copy_to_user(&ut->target[count], &t, sizeof(t)))
			return -EFAULT;
		count++;
	}
	if (put_user(count, &ut->count) || put_user(0U, &ut->reserved))
		return -EFAULT;
	return 0;
}

/* Called with dev.mutex held; the new table is built in the scratch list. */
static long vvp_set_targets(struct vvp_vport *vp, void __user *argp)
{
	struct vhost_vport_targets __user *ut = argp;
	u64 *table = vp->tgt_scratch;
	struct vhost_vport_target t;
	u32 count, reserved, i = 0, j;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (vp->endpoint)
		return -EBUSY;
	if (get_user(count, &ut->count) || get_user(reserved, &ut->reserved))
		return -EFAULT;
	if (count > VHOST_VPORT_MAX_TARGETS || reserved)
		goto err_inval;
	memset(table, 0, sizeof(vp->tgt_scratch));
	for (i = 0; i < count; i++) {
		if (copy_from_user(&t, &ut->target[i], sizeof(t)))
			return -EFAULT;
		if (!t.wwpn || t.flags || t.id >= VVP_MAX_TARGETS || table[t.id])
			goto err_inval;
		for (j = 0; j < VVP_MAX_TARGETS; j++)
			if (table[j] == t.wwpn)
				goto err_inval;
		table[t.id] = t.wwpn;
	}
	spin_lock(&vp->tgt_lock);
	memcpy(vp->tgt, table, sizeof(vp->tgt));
	spin_unlock(&vp->tgt_lock);
	return 0;

err_inval:
	pr_err("%s: invalid target table (entry %u of %u)\n", vp->name, i, count);
	return -EINVAL;
}

/*
 * The target id of a remote port, given the lowest free one if it has
 * none yet (a port that appeared after the endpoint was set).  -1 if the
 * table is full.  Any context.
 */
static int vvp_target_id(struct vvp_vport *vp, u64 wwpn)
{
	int t, free = -1;

	spin_lock(&vp->tgt_lock);
	for (t = 0; t < VVP_MAX_TARGETS; t++) {
		if (vp->tgt[t] == wwpn)
			break;
		if (!vp->tgt[t] && free < 0)
			free = t;
	}
	if (t == VVP_MAX_TARGETS) {
		t = free;
		if (t >= 0)
			vp->tgt[t] = wwpn;
	}
	spin_unlock(&vp->tgt_lock);
	return t;
}

static u64 vvp_target_wwpn(struct vvp_vport *vp, u8 id)
{
	u64 wwpn;

	spin_lock(&vp->tgt_lock);
	wwpn = vp->tgt[id];
	spin_unlock(&vp->tgt_lock);
	return wwpn;
}

/* ------------------------------------------------------------------ */
/* Slots                                                                */

static void vvp_free_slots(struct vvp_queue *q)
{
	unsigned int i;

	for (i = 0; i < q->nslots; i++)
		kvfree(q->slots[i]);
	kvfree(q->slots);
	kvfree(q->free);
	q->slots = NULL;
	q->free = NULL;
	q->nslots = 0;
	q->nfree = 0;
	for (i = 0; i < VVP_BOUNCE_CHUNKS && q->bounce[i]; i++) {
		__free_pages(q->bounce[i], VVP_BOUNCE_ORDER);
		q->bounce[i] = NULL;
	}
	q->bounce_owner = NULL;
	q->deferred = NULL;
}

static int vvp_alloc_slots(struct vvp_queue *q, unsigned int n)
{
	size_t priv = q->vp->ops->xchg_priv_size;
	unsigned int i;

	q->slots = kvcalloc(n, sizeof(*q->slots), GFP_KERNEL);
	q->free = kvcalloc(n, sizeof(*q->free), GFP_KERNEL);
	if (!q->slots || !q->free)
		goto err_free;
	for (i = 0; i < n; i++) {
		struct vvp_slot *s = kvzalloc(sizeof(*s) + priv, GFP_KERNEL);

		if (!s)
			goto err_free;
		s->q = q;
		s->index = i;
		s->chain.iov = s->iov;
		s->chain.iov_max = VVP_MAX_IOV;
		s->chain.log = s->log;
		s->chain.log_max = VVP_MAX_IOV;
		s->x.priv = priv ? (void *)(s + 1) : NULL;
		q->slots[i] = s;
		q->nslots++;
		q->free[q->nfree++] = i;
	}
	return 0;

err_free:
	vvp_free_slots(q);
	return -ENOMEM;
}

static void vvp_put_slot(struct vvp_queue *q, struct vvp_slot *s)
{
	q->free[q->nfree++] = s->index;
}

/* ------------------------------------------------------------------ */
/* Guest data pages                                                     */

static void vvp_unpin(struct vvp_slot *s)
{
	unpin_user_pages_dirty_lock(s->pages, s->npages, s->to_guest);
	s->npages = 0;
}

/*
 * Pins the data part of a request: the iovecs from byte off of the out
 * part (to the device) or the in part (to the guest), len bytes.
 */
static int vvp_pin_data(struct vvp_slot *s, bool to_guest, size_t off,
			size_t len)
{
	const struct vvh_chain *c = &s->chain;
	const struct iovec *iov = to_guest ? c->iov + c->out : c->iov;
	unsigned int niov = to_guest ? c->in : c->out, i;
	unsigned int gup = to_guest ? FOLL_WRITE : 0;

	s->npages = 0;
	s->to_guest = to_guest;
	for (i = 0; i < niov && len; i++) {
		unsigned long addr;
		size_t n;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		addr = (unsigned long)iov[i].iov_base + off;
		n = min(iov[i].iov_len - off, len);
		off = 0;
		len -= n;
		while (n) {
			unsigned int pgoff = offset_in_page(addr);
			unsigned int chunk = min_t(size_t, n, PAGE_SIZE - pgoff);
			struct bio_vec *bv = &s->bvec[s->npages];

			if (s->npages == VVP_MAX_PAGES)
				goto err_unpin_big;
			if (pin_user_pages_fast(addr & PAGE_MASK, 1, gup,
						&s->pages[s->npages]) != 1)
				goto err_unpin;
			bv->bv_page = s->pages[s->npages];
			bv->bv_offset = pgoff;
			bv->bv_len = chunk;
			s->npages++;
			addr += chunk;
			n -= chunk;
		}
	}
	return 0;

err_unpin_big:
	vvp_unpin(s);
	return -E2BIG;
err_unpin:
	vvp_unpin(s);
	return -EFAULT;
}

/* ------------------------------------------------------------------ */
/* Bounce buffer                                                        */

static int vvp_bounce_alloc(struct vvp_queue *q)
{
	unsigned int i;

	for (i = 0; i < VVP_BOUNCE_CHUNKS; i++) {
		if (q->bounce[i])
			continue;
		/*
		 * Compound: a driver may take references on single pages of
		 * a chunk (fcoe puts them into skbs as fragments), which must
		 * count on the whole allocation.
		 */
		q->bounce[i] = alloc_pages(GFP_KERNEL | __GFP_NOWARN | __GFP_COMP,
					   VVP_BOUNCE_ORDER);
		if (!q->bounce[i])
			return -ENOMEM;
	}
	return 0;
}

/* Copies between the request's pinned pages and the bounce buffer. */
static void vvp_bounce_copy(struct vvp_queue *q, struct vvp_slot *s,
			    bool to_bounce, size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < s->npages && done < len; i++) {
		const struct bio_vec *bv = &s->bvec[i];
		size_t n = min_t(size_t, bv->bv_len, len - done);
		size_t off = 0;

		while (off < n) {
			struct page *bp = q->bounce[(done + off) / VVP_BOUNCE_CHUNK];
			size_t boff = (done + off) % VVP_BOUNCE_CHUNK;
			size_t c = min_t(size_t, n - off,
					 PAGE_SIZE - offset_in_page(boff));
			char *g = kmap_local_page(bv->bv_page);
			char *b = kmap_local_page(bp + boff / PAGE_SIZE);

			if (to_bounce)
				memcpy(b + offset_in_page(boff),
				       g + bv->bv_offset + off, c);
			else
				memcpy(g + bv->bv_offset + off,
				       b + offset_in_page(boff), c);
			kunmap_local(b);
			kunmap_local(g);
			off += c;
		}
		done += n;
	}
}

/*
 * Submits a request through the bounce buffer.  Returns -EINPROGRESS when
 * the buffer is busy: the request waits as q->deferred (still counted in
 * flight) and is submitted when the buffer comes free.
 */
static int vvp_submit_bounced(struct vvp_queue *q, struct vvp_slot *s)
{
	struct vvp_xchg *x = &s->x;
	unsigned int n, i;
	int ret;

	if (q->bounce_owner) {
		q->deferred = s;
		q->starved = true;
		return -EINPROGRESS;
	}
	ret = vvp_bounce_alloc(q);
	if (ret) {
		pr_err_ratelimited("%s: queue %u: no memory for a bounce buffer\n",
				   q->vp->name, q->vq->index);
		return -EAGAIN;
	}
	n = DIV_ROUND_UP(x->data_len, VVP_BOUNCE_CHUNK);
	for (i = 0; i < n; i++) {
		q->bounce_bvec[i].bv_page = q->bounce[i];
		q->bounce_bvec[i].bv_offset = 0;
		q->bounce_bvec[i].bv_len = min_t(u32, VVP_BOUNCE_CHUNK,
					x->data_len - i * VVP_BOUNCE_CHUNK);
	}
	if (s->to_guest) {
		/* What the device does not write must not show old data. */
		for (i = 0; i < n; i++)
			memset(page_address(q->bounce[i]), 0,
			       q->bounce_bvec[i].bv_len);
	} else {
		vvp_bounce_copy(q, s, true, x->data_len);
	}
	x->bvec = q->bounce_bvec;
	x->nr_bvec = n;
	s->bounced = true;
	q->bounce_owner = s;
	ret = q->vp->ops->submit(q->vp, x);
	if (ret) {
		s->bounced = false;
		q->bounce_owner = NULL;
		x->bvec = s->bvec;
		x->nr_bvec = s->npages;
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* Responses                                                            */

/* Writes the response header, returns the request to the guest. */
static void vvp_respond(struct vvp_queue *q, struct vvp_slot *s,
			const struct virtio_scsi_cmd_resp *resp, u32 data_len)
{
	struct vvh_vq *vq = q->vq;

	if (vvh_copy_to_chain(vq, &s->chain, 0, resp, sizeof(*resp)))
		vvh_vq_error(vq, "cannot write the response of head %u",
			     s->head);
	vvh_add_used(vq, s->head, sizeof(*resp) + data_len);
}

/* Counts a response; under vq->mutex (see struct vvp_counters). */
static void vvp_count(struct vvp_queue *q, const struct vvp_xchg *x,
		      u8 response, u32 done)
{
	struct vvp_counters *c = &q->stats;

	WRITE_ONCE(c->commands, c->commands + 1);
	if (x && x->dir == DMA_FROM_DEVICE)
		WRITE_ONCE(c->bytes_read, c->bytes_read + done);
	else if (x && x->dir == DMA_TO_DEVICE)
		WRITE_ONCE(c->bytes_written, c->bytes_written + done);
	if (response != VIRTIO_SCSI_S_OK || (x && x->scsi_status))
		WRITE_ONCE(c->errors, c->errors + 1);
}

void vvp_scsi_counters(struct vvp_vport *vp, struct vvp_counters *c,
		       u32 *inflight)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	*inflight = 0;
	for (i = VVP_IO_VQ; i < VVP_NR_VQS; i++) {
		const struct vvp_counters *qc = &vp->queues[i].stats;

		c->commands += READ_ONCE(qc->commands);
		c->bytes_read += READ_ONCE(qc->bytes_read);
		c->bytes_written += READ_ONCE(qc->bytes_written);
		c->errors += READ_ONCE(qc->errors);
		*inflight += atomic_read(&vp->queues[i].inflight);
	}
}

static void vvp_respond_status(struct vvp_queue *q, struct vvp_slot *s,
			       u8 response)
{
	struct virtio_scsi_cmd_resp resp = { .response = response };

	vvp_count(q, NULL, response, 0);
	vvp_respond(q, s, &resp, 0);
}

/* Completes exchanges that came back; in the queue's worker. */
static void vvp_done_work(struct vvh_work *work)
{
	struct vvp_queue *q = container_of(work, struct vvp_queue, done_work);
	struct vvh_vq *vq = q->vq;
	struct vvp_slot *s, *next;
	struct llist_node *list;
	unsigned int n = 0;
	int ret;

	list = llist_del_all(&q->done_list);
	if (!list)
		return;
	list = llist_reverse_order(list);
	mutex_lock(&vq->mutex);
	llist_for_each_entry_safe(s, next, list, done_node) {
		struct virtio_scsi_cmd_resp resp = {};
		struct vvp_xchg *x = &s->x;
		u32 done_len = 0;

		resp.response = x->status < ARRAY_SIZE(vvp_status_to_virtio) ?
			vvp_status_to_virtio[x->status] : VIRTIO_SCSI_S_FAILURE;
		resp.status = x->scsi_status;
		resp.resid = cpu_to_le32(x->resid);
		resp.sense_len = cpu_to_le32(min_t(u32, x->sense_len,
						   VIRTIO_SCSI_SENSE_SIZE));
		memcpy(resp.sense, x->sense,
		       min_t(u32, x->sense_len, VIRTIO_SCSI_SENSE_SIZE));
		if (s->to_guest && x->resid < x->data_len)
			done_len = x->data_len - x->resid;
		/*
		 * The pages were written through their kernel mapping; log
		 * every byte the guest could see as written, then the header.
		 */
		if (s->bounced) {
			if (s->to_guest)
				vvp_bounce_copy(q, s, false, x->data_len);
			s->bounced = false;
			q->bounce_owner = NULL;
		}
		if (s->to_guest)
			vvh_log_chain(vq, &s->chain, sizeof(resp), x->data_len);
		vvp_count(q, x, resp.response,
			  x->data_len - min(x->resid, x->data_len));
		vvp_unpin(s);
		vvp_respond(q, s, &resp, done_len);
		vvp_put_slot(q, s);
		n++;
	}
	if (!q->bounce_owner && q->deferred) {
		s = q->deferred;
		q->deferred = NULL;
		ret = vvp_submit_bounced(q, s);
		if (ret) {
			vvp_unpin(s);
			vvp_respond_status(q, s, ret == -EAGAIN ?
					   VIRTIO_SCSI_S_BUSY :
					   VIRTIO_SCSI_S_FAILURE);
			vvp_put_slot(q, s);
			n++;
		}
	}
	if (n)
		vvh_signal(vq);
	if (q->starved) {
		q->starved = false;
		vvh_work_queue(vq, &q->kick_work);
	}
	mutex_unlock(&vq->mutex);
	if (atomic_sub_and_test(n, &q->inflight))
		wake_up_all(&q->vp->drain_wq);
}

/* The adapter's completion; any context. */
static void vvp_xchg_done(struct vvp_xchg *x)
{
	struct vvp_slot *s = container_of(x, struct vvp_slot, x);
	struct vvp_queue *q = s->q;

	llist_add(&s->done_node, &q->done_list);
	vvh_work_queue(q->vq, &q->done_work);
}

/* ------------------------------------------------------------------ */
/* Request queues                                                       */

/*
 * The data direction of common commands, from SPC and SBC.  A request whose
 * buffers point the other way is refused instead of being sent: a READ into
 * buffers the guest marked device-readable would "succeed" with nothing
 * delivered.  Opcodes not listed are sent as the buffers say.
 */
static enum dma_data_direction vvp_cdb_dir(const u8 *cdb)
{
	switch (cdb[0]) {
	case 0x03: case 0x08: case 0x12: case 0x1a: case 0x1c: case 0x25:
	case 0x28: case 0x3c: case 0x4d: case 0x5a: case 0x5e: case 0x88:
	case 0x9e: case 0xa0: case 0xa3: case 0xa8:
		return DMA_FROM_DEVICE;
	case 0x0a: case 0x15: case 0x1d: case 0x2a: case 0x2e: case 0x3b:
	case 0x41: case 0x42: case 0x55: case 0x5f: case 0x89: case 0x8a:
	case 0x8e: case 0x93: case 0xaa: case 0xae:
		return DMA_TO_DEVICE;
	default:
		return DMA_BIDIRECTIONAL;	/* unknown: trust the buffers */
	}
}

/*
 * Takes the next well-formed chain into slot s.  Malformed chains are
 * returned unanswered (the error eventfd has fired) and skipped.  Returns
 * the head, or -1 when the ring is empty (with notifications re-enabled) or
 * broken.
 */
static int vvp_next_chain(struct vvh_vq *vq, struct vvp_slot *s)
{
	int head, bad;

	for (;;) {
		head = vvh_get_chain(vq, &s->chain, &bad);
		if (head >= 0 && head < vq->num)
			return head;
		if (head == vq->num) {
			if (!vvh_enable_notify(vq))
				return -1;
			vvh_disable_notify(vq);
			continue;
		}
		if (bad < 0)
			return -1;
		vvh_add_used(vq, bad, 0);
	}
}

/* Handles one command; answers it at once unless it went to the fabric. */
static void vvp_handle_cmd(struct vvp_queue *q, struct vvp_slot *s)
{
	struct vvp_vport *vp = q->vp;
	struct vvh_vq *vq = q->vq;
	struct virtio_scsi_cmd_req req;
	struct vvp_xchg *x = &s->x;
	size_t data_out, data_in;
	unsigned int cdb_len;
	u64 wwpn;
	int ret;

	if (s->chain.out_len < sizeof(req) ||
	    s->chain.in_len < sizeof(struct virtio_scsi_cmd_resp)) {
		vvh_vq_error(vq, "request of %zu / response of %zu bytes, want %zu / %zu",
			     s->chain.out_len, s->chain.in_len, sizeof(req),
			     sizeof(struct virtio_scsi_cmd_resp));
		goto err_unreadable;
	}
	if (vvh_copy_from_chain(&s->chain, 0, &req, sizeof(req))) {
		vvh_vq_error(vq, "cannot read the request of head %u", s->head);
		goto err_unreadable;
	}
	/* Single-level LUN structure: 1, target, LUN (flat or peripheral). */
	wwpn = req.lun[0] == 1 ? vvp_target_wwpn(vp, req.lun[1]) : 0;
	if (!wwpn || req.lun[4] || req.lun[5] || req.lun[6] || req.lun[7]) {
		vvp_respond_status(q, s, VIRTIO_SCSI_S_BAD_TARGET);
		goto out_put;
	}
	data_out = s->chain.out_len - sizeof(req);
	data_in = s->chain.in_len - sizeof(struct virtio_scsi_cmd_resp);
	if (data_out && data_in) {
		/* Bidirectional commands have no place in FCP here. */
		vvp_respond_status(q, s, VIRTIO_SCSI_S_FAILURE);
		goto out_put;
	}
	cdb_len = scsi_command_size(req.cdb);
	if ((data_in && vvp_cdb_dir(req.cdb) == DMA_TO_DEVICE) ||
	    (data_out && vvp_cdb_dir(req.cdb) == DMA_FROM_DEVICE)) {
		vvh_vq_error(vq, "opcode 0x%02x with data the other way", req.cdb[0]);
		vvp_respond_status(q, s, VIRTIO_SCSI_S_FAILURE);
		goto out_put;
	}
	if (cdb_len > VVP_CDB_SIZE) {
		vvp_respond_status(q, s, VIRTIO_SCSI_S_FAILURE);
		goto out_put;
	}
	if (data_out || data_in) {
		ret = vvp_pin_data(s, data_in != 0,
				   data_in ? sizeof(struct virtio_scsi_cmd_resp) :
				   sizeof(req), data_in ?: data_out);
		if (ret) {
			if (ret == -E2BIG)
				pr_err_ratelimited("%s: queue %u: request of %zu bytes exceeds %lu\n",
						   vp->name, vq->index,
						   data_in ?: data_out,
						   VVP_MAX_PAGES * PAGE_SIZE);
			vvp_respond_status(q, s, ret == -E2BIG ?
					   VIRTIO_SCSI_S_OVERRUN :
					   VIRTIO_SCSI_S_FAILURE);
			goto out_put;
		}
	} else {
		s->npages = 0;
		s->to_guest = false;
	}

	x->target_wwpn = wwpn;
	x->lun = ((req.lun[2] << 8) | req.lun[3]) & 0x3fff;
	x->tag = le64_to_cpu((__force __le64)req.tag);
	memcpy(x->cdb, req.cdb, sizeof(x->cdb));
	x->cdb_len = cdb_len;
	x->task_attr = req.task_attr;
	x->dir = data_in ? DMA_FROM_DEVICE : data_out ? DMA_TO_DEVICE : DMA_NONE;
	x->data_len = data_in ?: data_out;
	x->bvec = s->bvec;
	x->nr_bvec = s->npages;
	x->status = VVP_XS_OK;
	x->scsi_status = 0;
	x->sense_len = 0;
	x->resid = 0;
	x->done = vvp_xchg_done;
	s->data_in = data_in;

	atomic_inc(&q->inflight);
	/* More pages than the host's segments: through the bounce buffer. */
	if (s->npages > vp->max_segments)
		ret = vvp_submit_bounced(q, s);
	else
		ret = vp->ops->submit(vp, x);
	if (!ret || ret == -EINPROGRESS)
		return;
	atomic_dec(&q->inflight);
	vvp_unpin(s);
	vvp_respond_status(q, s, ret == -ENODEV ? VIRTIO_SCSI_S_BAD_TARGET :
			   ret == -EAGAIN ? VIRTIO_SCSI_S_BUSY :
			   VIRTIO_SCSI_S_FAILURE);
out_put:
	vvp_put_slot(q, s);
	return;

err_unreadable:
	/*
	 * No request to act on.  Where the guest left room for a response,
	 * say BAD_TARGET (as the in-tree driver does): a guest that reads
	 * the response whatever the used length must not find an old "OK".
	 */
	if (s->chain.in_len >= sizeof(struct virtio_scsi_cmd_resp))
		vvp_respond_status(q, s, VIRTIO_SCSI_S_BAD_TARGET);
	else
		vvh_add_used(vq, s->head, 0);
	vvp_put_slot(q, s);
}

static void vvp_io_kick(struct vvh_work *work)
{
	struct vvp_queue *q = container_of(work, struct vvp_queue, kick_work);
	struct vvh_vq *vq = q->vq;
	unsigned int budget = VVP_KICK_BUDGET;
	struct vvp_slot *s;
	int head;

	mutex_lock(&vq->mutex);
	if (!vq->private_data)
		goto out;
	vvh_disable_notify(vq);
	while (budget--) {
		if (!q->nfree || q->deferred) {
			/* A completion re-queues the kick. */
			q->starved = true;
			break;
		}
		s = q->slots[q->free[q->nfree - 1]];
		head = vvp_next_chain(vq, s);
		if (head < 0)
			break;
		q->nfree--;
		s->head = head;
		vvp_handle_cmd(q, s);
	}
	if (budget == UINT_MAX)
		vvh_work_queue(vq, &q->kick_work);
	vvh_signal(vq);
out:
	mutex_unlock(&vq->mutex);
}

/* ------------------------------------------------------------------ */
/* Control queue                                                        */

static const u8 vvp_tmf_to_virtio[] = {
	[VVP_TMF_COMPLETE]	= VIRTIO_SCSI_S_OK,	/* FUNCTION COMPLETE */
	[VVP_TMF_SUCCEEDED]	= VIRTIO_SCSI_S_FUNCTION_SUCCEEDED,
	[VVP_TMF_REJECTED]	= VIRTIO_SCSI_S_FUNCTION_REJECTED,
	[VVP_TMF_FAILED]	= VIRTIO_SCSI_S_FAILURE,
	[VVP_TMF_BAD_TARGET]	= VIRTIO_SCSI_S_BAD_TARGET,
};

static const char * const vvp_tmf_names[] = {
	[VVP_TMF_ABORT_TASK]		= "ABORT TASK",
	[VVP_TMF_ABORT_TASK_SET]	= "ABORT TASK SET",
	[VVP_TMF_CLEAR_TASK_SET]	= "CLEAR TASK SET",
	[VVP_TMF_CLEAR_ACA]		= "CLEAR ACA",
	[VVP_TMF_LUN_RESET]		= "LOGICAL UNIT RESET",
	[VVP_TMF_I_T_NEXUS_RESET]	= "I_T NEXUS RESET",
	[VVP_TMF_QUERY_TASK]		= "QUERY TASK",
	[VVP_TMF_QUERY_TASK_SET]	= "QUERY TASK SET",
};

/*
 * Runs one task-management request on the adapter and returns the virtio
 * response.  Sleeps, possibly for seconds (a LUN reset waits for the
 * target): only the control queue's worker calls it, so request queues
 * keep completing on their own workers meanwhile.
 */
static u8 vvp_ctl_tmf(struct vvp_vport *vp,
		      const struct virtio_scsi_ctrl_tmf_req *req)
{
	enum vvp_tmf_result res;
	enum vvp_tmf fn;
	u64 wwpn, lun;

	switch (le32_to_cpu((__force __le32)req->subtype)) {
	case VIRTIO_SCSI_T_TMF_ABORT_TASK:
		fn = VVP_TMF_ABORT_TASK;
		break;
	case VIRTIO_SCSI_T_TMF_ABORT_TASK_SET:
		fn = VVP_TMF_ABORT_TASK_SET;
		break;
	case VIRTIO_SCSI_T_TMF_CLEAR_ACA:
		fn = VVP_TMF_CLEAR_ACA;
		break;
	case VIRTIO_SCSI_T_TMF_CLEAR_TASK_SET:
		fn = VVP_TMF_CLEAR_TASK_SET;
		break;
	case VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET:
		fn = VVP_TMF_I_T_NEXUS_RESET;
		break;
	case VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET:
		fn = VVP_TMF_LUN_RESET;
		break;
	case VIRTIO_SCSI_T_TMF_QUERY_TASK:
		fn = VVP_TMF_QUERY_TASK;
		break;
	case VIRTIO_SCSI_T_TMF_QUERY_TASK_SET:
		fn = VVP_TMF_QUERY_TASK_SET;
		break;
	default:
		return VIRTIO_SCSI_S_FUNCTION_REJECTED;
	}
	/* The same LUN rules as for commands. */
	wwpn = req->lun[0] == 1 ? vvp_target_wwpn(vp, req->lun[1]) : 0;
	if (!wwpn || req->lun[4] || req->lun[5] || req->lun[6] || req->lun[7])
		return VIRTIO_SCSI_S_BAD_TARGET;
	lun = ((req->lun[2] << 8) | req->lun[3]) & 0x3fff;
	if (!vp->ops->tmf)
		return VIRTIO_SCSI_S_FUNCTION_REJECTED;
	res = vp->ops->tmf(vp, fn, wwpn, lun,
			   le64_to_cpu((__force __le64)req->tag));
	if (fn == VVP_TMF_LUN_RESET || fn == VVP_TMF_I_T_NEXUS_RESET ||
	    res == VVP_TMF_FAILED)
		pr_info_ratelimited("%s: %s to target 0x%016llx LUN %llu: %s\n",
				    vp->name, vvp_tmf_names[fn], wwpn, lun,
				    res == VVP_TMF_SUCCEEDED ||
				    res == VVP_TMF_COMPLETE ? "done" :
				    res == VVP_TMF_REJECTED ? "not supported" :
				    res == VVP_TMF_BAD_TARGET ? "no such LUN" :
				    "failed");
	return res < ARRAY_SIZE(vvp_tmf_to_virtio) ? vvp_tmf_to_virtio[res] :
						     VIRTIO_SCSI_S_FAILURE;
}

static void vvp_ctl_handle(struct vvp_queue *q, struct vvh_chain *c,
			   unsigned int head)
{
	struct vvh_vq *vq = q->vq;
	union {
		struct virtio_scsi_ctrl_tmf_req tmf;
		struct virtio_scsi_ctrl_an_req an;
	} req;
	union {
		struct virtio_scsi_ctrl_tmf_resp tmf;
		struct virtio_scsi_ctrl_an_resp an;
	} resp = {};
	size_t req_len, resp_len;
	__virtio32 type;

	if (vvh_copy_from_chain(c, 0, &type, sizeof(type)))
		goto err_short;
	switch (le32_to_cpu((__force __le32)type)) {
	case VIRTIO_SCSI_T_TMF:
		req_len = sizeof(req.tmf);
		resp_len = sizeof(resp.tmf);
		break;
	case VIRTIO_SCSI_T_AN_QUERY:
	case VIRTIO_SCSI_T_AN_SUBSCRIBE:
		req_len = sizeof(req.an);
		resp_len = sizeof(resp.an);
		resp.an.event_actual = 0;	/* no asynchronous events */
		resp.an.response = VIRTIO_SCSI_S_OK;
		break;
	default:
		vvh_vq_error(vq, "unknown control request type %u",
			     le32_to_cpu((__force __le32)type));
		vvh_add_used(vq, head, 0);
		return;
	}
	if (c->in_len < resp_len)
		goto err_short;
	if (c->out_len < req_len || vvh_copy_from_chain(c, 0, &req, req_len)) {
		/* As for commands: an error answer where there is room. */
		vvh_vq_error(vq, "control request too short");
		if (le32_to_cpu((__force __le32)type) == VIRTIO_SCSI_T_TMF)
			resp.tmf.response = VIRTIO_SCSI_S_BAD_TARGET;
		else
			resp.an.response = VIRTIO_SCSI_S_BAD_TARGET;
		if (vvh_copy_to_chain(vq, c, 0, &resp, resp_len))
			vvh_vq_error(vq, "cannot write a control response");
		vvh_add_used(vq, head, resp_len);
		return;
	}
	if (le32_to_cpu((__force __le32)type) == VIRTIO_SCSI_T_TMF)
		resp.tmf.response = vvp_ctl_tmf(q->vp, &req.tmf);
	if (vvh_copy_to_chain(vq, c, 0, &resp, resp_len))
		vvh_vq_error(vq, "cannot write a control response");
	vvh_add_used(vq, head, resp_len);
	return;

err_short:
	vvh_vq_error(vq, "control request or response too short");
	vvh_add_used(vq, head, 0);
}

static void vvp_ctl_kick(struct vvh_work *work)
{
	struct vvp_queue *q = container_of(work, struct vvp_queue, kick_work);
	struct vvh_vq *vq = q->vq;
	unsigned int budget = VVP_KICK_BUDGET;
	struct vvp_slot *s;
	int head;

	mutex_lock(&vq->mutex);
	if (!vq->private_data || !q->nslots)
		goto out;
	s = q->slots[0];
	vvh_disable_notify(vq);
	while (budget--) {
		head = vvp_next_chain(vq, s);
		if (head < 0)
			break;
		vvp_ctl_handle(q, &s->chain, head);
	}
	if (budget == UINT_MAX)
		vvh_work_queue(vq, &q->kick_work);
	vvh_signal(vq);
out:
	mutex_unlock(&vq->mutex);
}

/*
 * The event queue.  Buffers stay with the device until it has an event:
 * LUNs that appeared or went on the vport (VIRTIO_SCSI_T_TRANSPORT_RESET,
 * reason RESCAN or REMOVED, as the in-tree driver and QEMU send them), and
 * "events missed" when the ring of pending events overflowed or userspace
 * set VHOST_SCSI_SET_EVENTS_MISSED.
 */
void vvp_scsi_event(struct vvp_vport *vp, enum vvp_event ev, u64 wwpn,
		    u64 lun)
{
	unsigned long flags;
	struct vvp_evt *e;

	if (ev != VVP_EV_LUN_ADDED && ev != VVP_EV_LUN_REMOVED)
		return;
	spin_lock_irqsave(&vp->evq_lock, flags);
	if (!vp->hotplug)
		goto out;
	if (vp->evq_len == VVP_EVQ_LEN) {
		WRITE_ONCE(vp->events_missed, 1);
	} else {
		e = &vp->evq[(vp->evq_head + vp->evq_len) % VVP_EVQ_LEN];
		e->wwpn = wwpn;
		e->lun = lun;
		e->removed = ev == VVP_EV_LUN_REMOVED;
		vp->evq_len++;
	}
	/* Under the lock: vvp_stop() turns hotplug off before the workers go. */
	vvh_work_queue(vp->vqs[VVP_EVT_VQ], &vp->queues[VVP_EVT_VQ].kick_work);
out:
	spin_unlock_irqrestore(&vp->evq_lock, flags);
}

/* The next event to send into @ev; false if there is none. */
static bool vvp_evt_next(struct vvp_vport *vp, struct virtio_scsi_event *ev,
			 bool *from_ring)
{
	unsigned long flags;
	struct vvp_evt e;
	u32 event;
	int id;

	memset(ev, 0, sizeof(*ev));
	*from_ring = false;
	event = READ_ONCE(vp->events_missed) ? VIRTIO_SCSI_T_EVENTS_MISSED : 0;
	spin_lock_irqsave(&vp->evq_lock, flags);
	if (vp->evq_len) {
		e = vp->evq[vp->evq_head];
		*from_ring = true;
	}
	spin_unlock_irqrestore(&vp->evq_lock, flags);
	if (!*from_ring) {
		if (!event)
			return false;
		ev->event = cpu_to_le32(VIRTIO_SCSI_T_NO_EVENT | event);
		return true;
	}
	id = vvp_target_id(vp, e.wwpn);
	if (id < 0) {
		/* No id for the port: the guest cannot address it anyway. */
		ev->event = cpu_to_le32(VIRTIO_SCSI_T_NO_EVENT |
					VIRTIO_SCSI_T_EVENTS_MISSED);
		return true;
	}
	ev->event = cpu_to_le32(VIRTIO_SCSI_T_TRANSPORT_RESET | event);
	ev->reason = cpu_to_le32(e.removed ? VIRTIO_SCSI_EVT_RESET_REMOVED :
				 VIRTIO_SCSI_EVT_RESET_RESCAN);
	ev->lun[0] = 1;
	ev->lun[1] = id;
	ev->lun[2] = (e.lun >> 8) | (e.lun >= 256 ? 0x40 : 0);
	ev->lun[3] = e.lun & 0xff;
	return true;
}

/* Drops the event vvp_evt_next() returned, once it is in the guest's buffer. */
static void vvp_evt_sent(struct vvp_vport *vp, bool from_ring)
{
	unsigned long flags;

	WRITE_ONCE(vp->events_missed, 0);
	if (!from_ring)
		return;
	spin_lock_irqsave(&vp->evq_lock, flags);
	if (vp->evq_len) {
		vp->evq_head = (vp->evq_head + 1) % VVP_EVQ_LEN;
		vp->evq_len--;
	}
	spin_unlock_irqrestore(&vp->evq_lock, flags);
}

static void vvp_evt_kick(struct vvh_work *work)
{
	struct vvp_queue *q = container_of(work, struct vvp_queue, kick_work);
	struct vvp_vport *vp = q->vp;
	struct vvh_vq *vq = q->vq;
	struct virtio_scsi_event ev;
	struct vvp_slot *s;
	bool from_ring;
	int head;

	mutex_lock(&vq->mutex);
	if (!vq->private_data || !q->nslots)
		goto out;
	s = q->slots[0];
	while (vvp_evt_next(vp, &ev, &from_ring)) {
		head = vvp_next_chain(vq, s);
		if (head < 0)
			break;
		if (s->chain.out_len || s->chain.in_len < sizeof(ev)) {
			vvh_vq_error(vq, "event buffer of %zu bytes, want %zu",
				     s->chain.in_len, sizeof(ev));
			vvh_add_used(vq, head, 0);
			continue;
		}
		if (vvh_copy_to_chain(vq, &s->chain, 0, &ev, sizeof(ev)))
			vvh_vq_error(vq, "cannot write an event");
		vvh_add_used(vq, head, sizeof(ev));
		vvp_evt_sent(vp, from_ring);
	}
	vvh_signal(vq);
out:
	mutex_unlock(&vq->mutex);
}

/* ------------------------------------------------------------------ */
/* Endpoint                                                             */

/* Stops a queue and waits until every exchange it sent has completed. */
static void vvp_queue_stop(struct vvp_queue *q)
{
	struct vvh_vq *vq = q->vq;

	mutex_lock(&vq->mutex);
	vq->private_data = NULL;
	mutex_unlock(&vq->mutex);
	wait_event(q->vp->drain_wq, !atomic_read(&q->inflight));
	vvh_vq_flush(vq);
	mutex_lock(&vq->mutex);
	vvp_free_slots(q);
	mutex_unlock(&vq->mutex);
}

static void vvp_hotplug(struct vvp_vport *vp, bool on)
{
	unsigned long flags;

	spin_lock_irqsave(&vp->evq_lock, flags);
	vp->hotplug = on;
	vp->evq_len = 0;
	spin_unlock_irqrestore(&vp->evq_lock, flags);
}

static void vvp_stop(struct vvp_vport *vp)
{
	unsigned int i;

	vvp_hotplug(vp, false);
	for (i = 0; i < VVP_NR_VQS; i++)
		vvp_queue_stop(&vp->queues[i]);
	vp->endpoint = false;
}

static int vvp_parse_naa(const char *s, u64 *wwn)
{
	char hex[17];

	if (strncmp(s, "naa.", 4) || strnlen(s + 4, 17) != 16)
		return -EINVAL;
	memcpy(hex, s + 4, 16);
	hex[16] = '\0';
	return kstrtou64(hex, 16, wwn);
}

static int vvp_check_target(struct vvp_vport *vp,
			    const struct vhost_scsi_target *t)
{
	u64 wwpn;

	if (t->reserved)
		return -EOPNOTSUPP;
	if (strnlen(t->vhost_wwpn, sizeof(t->vhost_wwpn)) ==
	    sizeof(t->vhost_wwpn) ||
	    vvp_parse_naa(t->vhost_wwpn, &wwpn) || wwpn != vp->wwpn) {
		pr_err("%s: endpoint WWPN '%.*s' is not this vport's (naa.%016llx)\n",
		       vp->name, (int)sizeof(t->vhost_wwpn), t->vhost_wwpn,
		       vp->wwpn);
		return -ENODEV;
	}
	return 0;
}

static long vvp_set_endpoint(struct vvp_vport *vp, void __user *argp)
{
	struct vhost_scsi_target t;
	unsigned int i;
	int ret;

	if (copy_from_user(&t, argp, sizeof(t)))
		return -EFAULT;
	ret = vvp_check_target(vp, &t);
	if (ret)
		return ret;
	if (vp->endpoint)
		return -EEXIST;
	vvp_refresh_targets(vp);

	for (i = 0; i < VVP_NR_VQS; i++) {
		struct vvp_queue *q = &vp->queues[i];
		struct vvh_vq *vq = q->vq;

		mutex_lock(&vq->mutex);
		if (!vq->num) {
			/* A queue the guest does not use. */
			mutex_unlock(&vq->mutex);
			continue;
		}
		ret = vvh_vq_start(vq);
		if (!ret)
			ret = vvp_alloc_slots(q, i < VVP_IO_VQ ? 1 : vq->num);
		if (!ret)
			vq->private_data = vp;
		mutex_unlock(&vq->mutex);
		if (ret)
			goto err_stop;
	}
	vp->endpoint = true;
	if (vp->vqs[VVP_EVT_VQ]->private_data &&
	    vvh_has_feature(vp->vqs[VVP_EVT_VQ], VIRTIO_SCSI_F_HOTPLUG))
		vvp_hotplug(vp, true);
	for (i = 0; i < VVP_NR_VQS; i++)
		if (vp->vqs[i]->private_data)
			vvh_work_queue(vp->vqs[i], &vp->queues[i].kick_work);
	return 0;

err_stop:
	pr_err("%s: cannot start queue %u: %d\n", vp->name, i, ret);
	vvp_stop(vp);
	return ret;
}

static long vvp_clear_endpoint(struct vvp_vport *vp, void __user *argp)
{
	struct vhost_scsi_target t;
	int ret;

	if (copy_from_user(&t, argp, sizeof(t)))
		return -EFAULT;
	ret = vvp_check_target(vp, &t);
	if (ret)
		return ret;
	vvp_stop(vp);
	return 0;
}

/* GET_VRING_BASE on a running queue first stops and drains it. */
static long vvp_get_vring_base(struct vvp_vport *vp, void __user *argp)
{
	u32 idx;

	if (get_user(idx, (u32 __user *)argp))
		return -EFAULT;
	if (idx < VVP_NR_VQS && vp->vqs[idx]->private_data)
		vvp_queue_stop(&vp->queues[idx]);
	return -ENOIOCTLCMD;
}

/* Called with dev.mutex held; -ENOIOCTLCMD for the shared vhost ioctls. */
long vvp_scsi_ioctl(struct vvp_vport *vp, unsigned int cmd, void __user *argp)
{
	u32 missed;

	/* The target table is the management's, not the owner's. */
	if (cmd == VHOST_VPORT_GET_TARGETS)
		return vvp_get_targets(vp, argp);
	if (cmd == VHOST_VPORT_SET_TARGETS)
		return vvp_set_targets(vp, argp);

	switch (cmd) {
	case VHOST_SCSI_SET_ENDPOINT:
	case VHOST_SCSI_CLEAR_ENDPOINT:
	case VHOST_SCSI_SET_EVENTS_MISSED:
	case VHOST_SCSI_GET_EVENTS_MISSED:
	case VHOST_GET_VRING_BASE:
		break;
	default:
		return -ENOIOCTLCMD;
	}
	if (vvh_check_owner(&vp->dev))
		return -EPERM;
	switch (cmd) {
	case VHOST_SCSI_SET_ENDPOINT:
		return vvp_set_endpoint(vp, argp);
	case VHOST_SCSI_CLEAR_ENDPOINT:
		return vvp_clear_endpoint(vp, argp);
	case VHOST_SCSI_SET_EVENTS_MISSED:
		if (get_user(missed, (u32 __user *)argp))
			return -EFAULT;
		WRITE_ONCE(vp->events_missed, missed);
		vvh_work_queue(vp->vqs[VVP_EVT_VQ],
			       &vp->queues[VVP_EVT_VQ].kick_work);
		return 0;
	case VHOST_SCSI_GET_EVENTS_MISSED:
		return put_user(vp->events_missed, (u32 __user *)argp);
	default:
		return vvp_get_vring_base(vp, argp);
	}
}

void vvp_scsi_release(struct vvp_vport *vp)
{
	mutex_lock(&vp->dev.mutex);
	vvp_stop(vp);
	mutex_unlock(&vp->dev.mutex);
}

/* Once the vport is logged in: number the remote ports it sees. */
void vvp_scsi_start(struct vvp_vport *vp)
{
	mutex_lock(&vp->dev.mutex);
	vvp_refresh_targets(vp);
	mutex_unlock(&vp->dev.mutex);
}

void vvp_scsi_init(struct vvp_vport *vp)
{
	unsigned int i;

	init_waitqueue_head(&vp->drain_wq);
	spin_lock_init(&vp->tgt_lock);
	spin_lock_init(&vp->evq_lock);
	for (i = 0; i < VVP_NR_VQS; i++) {
		struct vvp_queue *q = &vp->queues[i];

		q->vp = vp;
		q->vq = vp->vqs[i];
		init_llist_head(&q->done_list);
		atomic_set(&q->inflight, 0);
		vvh_work_init(&q->kick_work, i == VVP_CTL_VQ ? vvp_ctl_kick :
			      i == VVP_EVT_VQ ? vvp_evt_kick : vvp_io_kick);
		vvh_work_init(&q->done_work, vvp_done_work);
		q->vq->kick_work = &q->kick_work;
	}
}
