// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-vport's vhost core: owner, memory table, split virtqueues, eventfds,
 * per-queue workers and the dirty-page log.  See vhost.h for the locking.
 *
 * Everything the guest or the VMM hands us is untrusted: ring addresses,
 * indices, descriptors and lengths are checked here, and a malformed chain
 * is reported through the queue's error eventfd with one log line naming
 * the device, never with a warning.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/cgroup.h>

#include "compat.h"
#include "vhost.h"

/* An indirect table may hold at most this many descriptors. */
#define VVH_MAX_INDIRECT	1024U

/* The dirty log has one bit per 4 KiB guest page (VHOST_PAGE_SIZE). */
#define VVH_LOG_PAGE_SHIFT	12

/* ------------------------------------------------------------------ */
/* Work items and workers                                              */

void vvh_work_init(struct vvh_work *work, vvh_work_fn fn)
{
	clear_bit(VVH_WORK_QUEUED, &work->flags);
	work->fn = fn;
}

bool vvh_work_queue(struct vvh_vq *vq, struct vvh_work *work)
{
	struct task_struct *worker = READ_ONCE(vq->worker);

	if (!worker)
		return false;
	if (test_and_set_bit(VVH_WORK_QUEUED, &work->flags))
		return false;
	/* llist_add() orders the list update before the wake-up. */
	llist_add(&work->node, &vq->work_list);
	wake_up_process(worker);
	return true;
}

static int vvh_worker(void *data)
{
	struct vvh_vq *vq = data;
	struct vvh_work *work, *next;
	struct llist_node *node;

	kthread_use_mm(vq->dev->mm);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		node = llist_del_all(&vq->work_list);
		if (!node) {
			if (kthread_should_stop()) {
				__set_current_state(TASK_RUNNING);
				break;
			}
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		node = llist_reverse_order(node);
		llist_for_each_entry_safe(work, next, node, node) {
			/* Cleared first: the work may queue itself again. */
			clear_bit(VVH_WORK_QUEUED, &work->flags);
			smp_mb__after_atomic();
			work->fn(work);
			cond_resched();
		}
	}
	kthread_unuse_mm(vq->dev->mm);
	return 0;
}

struct vvh_flush {
	struct vvh_work		work;
	struct completion	done;
};

static void vvh_flush_fn(struct vvh_work *work)
{
	struct vvh_flush *f = container_of(work, struct vvh_flush, work);

	complete(&f->done);
}

void vvh_vq_flush(struct vvh_vq *vq)
{
	struct vvh_flush f;

	init_completion(&f.done);
	vvh_work_init(&f.work, vvh_flush_fn);
	if (vvh_work_queue(vq, &f.work))
		wait_for_completion(&f.done);
}

/* Called in the owner's context (an ioctl), so the worker joins its cgroups. */
static int vvh_vq_start_worker(struct vvh_vq *vq)
{
	struct task_struct *worker;
	int ret;

	if (vq->worker)
		return 0;
	worker = kthread_create(vvh_worker, vq, "vhost-vport-%d.%u",
				vq->dev->owner_tgid, vq->index);
	if (IS_ERR(worker))
		return PTR_ERR(worker);
	ret = cgroup_attach_task_all(current, worker);
	if (ret) {
		kthread_stop(worker);
		return ret;
	}
	WRITE_ONCE(vq->worker, worker);
	wake_up_process(worker);
	return 0;
}

static void vvh_vq_stop_worker(struct vvh_vq *vq)
{
	struct task_struct *worker = vq->worker;

	if (!worker)
		return;
	vvh_vq_flush(vq);
	WRITE_ONCE(vq->worker, NULL);
	kthread_stop(worker);
}

/* ------------------------------------------------------------------ */
/* Kick polling                                                         */

static void vvh_poll_queue_proc(struct file *file, wait_queue_head_t *wqh,
				poll_table *pt)
{
	struct vvh_poll *p = container_of(pt, struct vvh_poll, table);

	p->wqh = wqh;
	add_wait_queue(wqh, &p->wait);
}

/* Runs with the eventfd's wait-queue lock held: only queue work here. */
static int vvh_poll_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			   int sync, void *key)
{
	struct vvh_poll *p = container_of(wait, struct vvh_poll, wait);
	struct vvh_vq *vq = p->vq;

	if (!(key_to_poll(key) & EPOLLIN))
		return 0;
	if (vq->kick_work)
		vvh_work_queue(vq, vq->kick_work);
	return 0;
}

static void vvh_poll_stop(struct vvh_poll *p)
{
	if (p->wqh) {
		remove_wait_queue(p->wqh, &p->wait);
		p->wqh = NULL;
	}
}

static int vvh_poll_start(struct vvh_poll *p, struct file *file)
{
	__poll_t mask;

	if (p->wqh)
		return 0;
	init_poll_funcptr(&p->table, vvh_poll_queue_proc);
	init_waitqueue_func_entry(&p->wait, vvh_poll_wakeup);
	mask = vfs_poll(file, &p->table);
	if (mask & EPOLLERR) {
		vvh_poll_stop(p);
		return -EINVAL;
	}
	if ((mask & EPOLLIN) && p->vq->kick_work)
		vvh_work_queue(p->vq, p->vq->kick_work);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Device set-up and tear-down                                          */

void vvh_dev_init(struct vvh_dev *dev, struct vvh_vq **vqs,
		  unsigned int nvqs, const char *name)
{
	unsigned int i;

	mutex_init(&dev->mutex);
	dev->mm = NULL;
	dev->mem = NULL;
	dev->features = 0;
	dev->log_base = NULL;
	dev->log_ctx = NULL;
	dev->vqs = vqs;
	dev->nvqs = nvqs;
	dev->name = name;
	for (i = 0; i < nvqs; i++) {
		struct vvh_vq *vq = vqs[i];

		vq->dev = dev;
		vq->index = i;
		mutex_init(&vq->mutex);
		init_llist_head(&vq->work_list);
		vq->poll.vq = vq;
		vq->poll.wqh = NULL;
	}
}

static void vvh_vq_reset(struct vvh_vq *vq)
{
	vq->num = 0;
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->log_addr = 0;
	vq->log_used = false;
	vq->last_avail_idx = 0;
	vq->avail_idx = 0;
	vq->last_used_idx = 0;
	vq->signalled_used = 0;
	vq->signalled_used_valid = false;
	vq->started = false;
	vq->kick = NULL;
	vq->call_ctx = NULL;
	vq->error_ctx = NULL;
	vq->mem = NULL;
	vq->features = 0;
	vq->log_all = false;
	vq->log_base = NULL;
	vq->log_ctx = NULL;
}

void vvh_dev_cleanup(struct vvh_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++) {
		struct vvh_vq *vq = dev->vqs[i];

		vvh_poll_stop(&vq->poll);
		vvh_vq_stop_worker(vq);
		if (vq->kick)
			fput(vq->kick);
		if (vq->call_ctx)
			eventfd_ctx_put(vq->call_ctx);
		if (vq->error_ctx)
			eventfd_ctx_put(vq->error_ctx);
		vvh_vq_reset(vq);
	}
	if (dev->log_ctx)
		eventfd_ctx_put(dev->log_ctx);
	dev->log_ctx = NULL;
	dev->log_base = NULL;
	kvfree(dev->mem);
	dev->mem = NULL;
	dev->features = 0;
	if (dev->mm)
		mmput(dev->mm);
	dev->mm = NULL;
}

int vvh_check_owner(struct vvh_dev *dev)
{
	return dev->mm == current->mm ? 0 : -EPERM;
}

static long vvh_set_owner(struct vvh_dev *dev)
{
	if (dev->mm)
		return -EBUSY;
	dev->mm = get_task_mm(current);
	if (!dev->mm)
		return -EINVAL;
	dev->owner_tgid = task_tgid_nr(current);
	return 0;
}

int vvh_dev_reset_owner(struct vvh_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++)
		if (dev->vqs[i]->private_data)
			return -EBUSY;
	vvh_dev_cleanup(dev);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Memory table and address translation                                */

static int vvh_region_cmp(const void *a, const void *b)
{
	const struct vvh_region *ra = a, *rb = b;

	if (ra->gpa < rb->gpa)
		return -1;
	return ra->gpa > rb->gpa;
}

static long vvh_set_mem_table(struct vvh_dev *dev, void __user *argp)
{
	struct vhost_memory_region __user *uregions;
	struct vhost_memory hdr;
	struct vvh_mem *mem, *old;
	unsigned int i;

	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.padding)
		return -EOPNOTSUPP;
	if (hdr.nregions > VVH_MAX_REGIONS)
		return -E2BIG;
	mem = kvzalloc(struct_size(mem, r, hdr.nregions), GFP_KERNEL);
	if (!mem)
		return -ENOMEM;
	mem->nr = hdr.nregions;
	uregions = (struct vhost_memory_region __user *)
		((char __user *)argp + sizeof(hdr));
	for (i = 0; i < hdr.nregions; i++) {
		struct vhost_memory_region ur;
		struct vvh_region *r = &mem->r[i];

		if (copy_from_user(&ur, &uregions[i], sizeof(ur)))
			goto err_fault;
		if (!ur.memory_size || ur.flags_padding ||
		    ur.guest_phys_addr + ur.memory_size - 1 < ur.guest_phys_addr ||
		    ur.userspace_addr + ur.memory_size - 1 < ur.userspace_addr ||
		    ur.userspace_addr != (unsigned long)ur.userspace_addr ||
		    !access_ok(u64_to_user_ptr(ur.userspace_addr), ur.memory_size))
			goto err_inval;
		r->gpa = ur.guest_phys_addr;
		r->size = ur.memory_size;
		r->uaddr = ur.userspace_addr;
	}
	sort(mem->r, mem->nr, sizeof(mem->r[0]), vvh_region_cmp, NULL);
	for (i = 1; i < mem->nr; i++)
		if (mem->r[i - 1].gpa + mem->r[i - 1].size > mem->r[i].gpa)
			goto err_inval;

	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		dev->vqs[i]->mem = mem;
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	old = dev->mem;
	dev->mem = mem;
	/* No queue can still use the old table: each dropped it under its mutex. */
	kvfree(old);
	return 0;

err_fault:
	kvfree(mem);
	return -EFAULT;
err_inval:
	pr_err("%s: invalid memory table (region %u)\n", dev->name, i);
	kvfree(mem);
	return -EINVAL;
}

static const struct vvh_region *vvh_find_region(const struct vvh_mem *mem,
						u64 gpa)
{
	unsigned int lo = 0, hi = mem->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct vvh_region *r = &mem->r[mid];

		if (gpa < r->gpa)
			hi = mid;
		else if (gpa - r->gpa >= r->size)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

/*
 * Translates guest-physical [gpa, gpa + len) into iovecs in the owner's
 * address space.  Returns the number of iovecs used, -EFAULT if any byte is
 * outside the memory table, -ENOBUFS if more than max iovecs are needed.
 */
static int vvh_translate(const struct vvh_vq *vq, u64 gpa, u64 len,
			 struct iovec *iov, unsigned int max)
{
	unsigned int n = 0;

	if (!vq->mem)
		return -EFAULT;
	if (len && gpa + len - 1 < gpa)
		return -EFAULT;
	while (len) {
		const struct vvh_region *r = vvh_find_region(vq->mem, gpa);
		u64 off, chunk;

		if (!r)
			return -EFAULT;
		if (n == max)
			return -ENOBUFS;
		off = gpa - r->gpa;
		chunk = min(len, r->size - off);
		iov[n].iov_base = u64_to_user_ptr(r->uaddr + off);
		iov[n].iov_len = chunk;
		n++;
		gpa += chunk;
		len -= chunk;
	}
	return n;
}

/* Reads len bytes of guest memory at gpa (descriptor tables). */
static int vvh_copy_from_guest(const struct vvh_vq *vq, void *dst, u64 gpa,
			       size_t len)
{
	struct iovec iov[4];
	int n, i;

	n = vvh_translate(vq, gpa, len, iov, ARRAY_SIZE(iov));
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (copy_from_user(dst, iov[i].iov_base, iov[i].iov_len))
			return -EFAULT;
		dst += iov[i].iov_len;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Dirty log                                                            */

/* Sets bits first..last (page numbers) in the owner's log bitmap. */
static int vvh_log_bits(struct vvh_vq *vq, u64 first, u64 last)
{
	unsigned long base = (unsigned long)vq->log_base;

	while (first <= last) {
		unsigned long uaddr = base + first / 8;
		unsigned long start_bit = (uaddr & ~PAGE_MASK) * 8 + first % 8;
		u64 n = min_t(u64, last - first + 1, PAGE_SIZE * 8 - start_bit);
		struct page *page;
		void *kaddr;
		u64 i;

		if (uaddr < base || !access_ok((void __user *)uaddr, 1))
			return -EFAULT;
		if (pin_user_pages_fast(uaddr & PAGE_MASK, 1, FOLL_WRITE,
					&page) != 1)
			return -EFAULT;
		kaddr = kmap_local_page(page);
		/* Atomic: the VMM clears bits concurrently while it syncs. */
		for (i = 0; i < n; i++)
			set_bit(start_bit + i, kaddr);
		kunmap_local(kaddr);
		unpin_user_pages_dirty_lock(&page, 1, true);
		first += n;
	}
	return 0;
}

int vvh_log_write(struct vvh_vq *vq, u64 gpa, u64 len)
{
	int ret;

	if (!vq->log_all || !len)
		return 0;
	if (gpa + len - 1 < gpa)
		return -EFAULT;
	ret = vvh_log_bits(vq, gpa >> VVH_LOG_PAGE_SHIFT,
			   (gpa + len - 1) >> VVH_LOG_PAGE_SHIFT);
	if (ret) {
		vvh_vq_error(vq, "cannot write the dirty log at gpa 0x%llx", gpa);
		return ret;
	}
	if (vq->log_ctx)
		vvp_eventfd_signal(vq->log_ctx);
	return 0;
}

int vvh_log_chain(struct vvh_vq *vq, const struct vvh_chain *chain,
		  size_t off, size_t len)
{
	unsigned int i;
	int ret;

	if (!vq->log_all)
		return 0;
	for (i = 0; i < chain->nlog && len; i++) {
		const struct vvh_log_range *r = &chain->log[i];
		u64 n;

		if (off >= r->len) {
			off -= r->len;
			continue;
		}
		n = min_t(u64, r->len - off, len);
		ret = vvh_log_write(vq, r->gpa + off, n);
		if (ret)
			return ret;
		len -= n;
		off = 0;
	}
	return 0;
}

/* Byte offset of a field of the used ring, for logging it by gpa. */
static size_t vvh_used_off(const struct vvh_vq *vq, const void __user *field)
{
	return (const char __user *)field - (const char __user *)vq->used;
}

static int vvh_log_used(struct vvh_vq *vq, size_t off, size_t len)
{
	if (!vq->log_used)
		return 0;
	return vvh_log_write(vq, vq->log_addr + off, len);
}

static int vvh_log_access_ok(struct vvh_dev *dev, void __user *log_base)
{
	unsigned int i;

	if (!dev->mem)
		return 1;
	for (i = 0; i < dev->mem->nr; i++) {
		const struct vvh_region *r = &dev->mem->r[i];
		u64 last = (r->gpa + r->size - 1) >> VVH_LOG_PAGE_SHIFT;

		if (!access_ok(log_base, last / 8 + 1))
			return 0;
	}
	return 1;
}

/* ------------------------------------------------------------------ */
/* Features, owner and log ioctls                                       */

bool vvh_has_feature(const struct vvh_vq *vq, unsigned int bit)
{
	return vq->features & BIT_ULL(bit);
}

int vvh_set_features(struct vvh_dev *dev, u64 features)
{
	unsigned int i;

	if ((features & BIT_ULL(VHOST_F_LOG_ALL)) &&
	    !vvh_log_access_ok(dev, dev->log_base))
		return -EFAULT;
	dev->features = features;
	for (i = 0; i < dev->nvqs; i++) {
		struct vvh_vq *vq = dev->vqs[i];

		mutex_lock(&vq->mutex);
		vq->features = features;
		vq->log_all = features & BIT_ULL(VHOST_F_LOG_ALL);
		mutex_unlock(&vq->mutex);
	}
	return 0;
}

static long vvh_set_log_base(struct vvh_dev *dev, void __user *argp)
{
	void __user *base;
	unsigned int i;
	u64 addr;

	if (copy_from_user(&addr, argp, sizeof(addr)))
		return -EFAULT;
	if (addr != (unsigned long)addr)
		return -EFAULT;
	base = u64_to_user_ptr(addr);
	if ((dev->features & BIT_ULL(VHOST_F_LOG_ALL)) &&
	    !vvh_log_access_ok(dev, base))
		return -EFAULT;
	dev->log_base = base;
	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		dev->vqs[i]->log_base = base;
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	return 0;
}

static long vvh_set_log_fd(struct vvh_dev *dev, void __user *argp)
{
	struct eventfd_ctx *ctx = NULL, *old;
	unsigned int i;
	int fd;

	if (copy_from_user(&fd, argp, sizeof(fd)))
		return -EFAULT;
	if (fd != -1) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	old = dev->log_ctx;
	dev->log_ctx = ctx;
	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		dev->vqs[i]->log_ctx = ctx;
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	if (old)
		eventfd_ctx_put(old);
	return 0;
}

long vvh_dev_ioctl(struct vvh_dev *dev, unsigned int cmd, void __user *argp)
{
	if (cmd == VHOST_SET_OWNER)
		return vvh_set_owner(dev);
	if (cmd != VHOST_SET_MEM_TABLE && cmd != VHOST_SET_LOG_BASE &&
	    cmd != VHOST_SET_LOG_FD)
		return -ENOIOCTLCMD;
	if (vvh_check_owner(dev))
		return -EPERM;
	switch (cmd) {
	case VHOST_SET_MEM_TABLE:
		return vvh_set_mem_table(dev, argp);
	case VHOST_SET_LOG_BASE:
		return vvh_set_log_base(dev, argp);
	default:
		return vvh_set_log_fd(dev, argp);
	}
}

/* ------------------------------------------------------------------ */
/* Vring ioctls                                                         */

static bool vvh_ring_access_ok(unsigned int num, u64 desc, u64 avail, u64 used)
{
	size_t event = 2;	/* used_event / avail_event */

	return access_ok(u64_to_user_ptr(desc), num * sizeof(struct vring_desc)) &&
	       access_ok(u64_to_user_ptr(avail),
			 sizeof(struct vring_avail) + num * sizeof(__virtio16) + event) &&
	       access_ok(u64_to_user_ptr(used),
			 sizeof(struct vring_used) +
			 num * sizeof(struct vring_used_elem) + event);
}

static long vvh_set_vring_addr(struct vvh_vq *vq, void __user *argp)
{
	struct vhost_vring_addr a;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~(1U << VHOST_VRING_F_LOG))
		return -EOPNOTSUPP;
	if (a.desc_user_addr != (unsigned long)a.desc_user_addr ||
	    a.avail_user_addr != (unsigned long)a.avail_user_addr ||
	    a.used_user_addr != (unsigned long)a.used_user_addr)
		return -EFAULT;
	if ((a.desc_user_addr & 15) || (a.avail_user_addr & 1) ||
	    (a.used_user_addr & 3))
		return -EINVAL;
	if (vq->num && !vvh_ring_access_ok(vq->num, a.desc_user_addr,
					   a.avail_user_addr, a.used_user_addr))
		return -EINVAL;
	vq->log_used = a.flags & (1U << VHOST_VRING_F_LOG);
	vq->log_addr = a.log_guest_addr;
	vq->desc = u64_to_user_ptr(a.desc_user_addr);
	vq->avail = u64_to_user_ptr(a.avail_user_addr);
	vq->used = u64_to_user_ptr(a.used_user_addr);
	return 0;
}

static long vvh_set_vring_kick(struct vvh_vq *vq, int fd)
{
	struct file *file = NULL;
	int ret;

	if (fd != -1) {
		file = eventfd_fget(fd);
		if (IS_ERR(file))
			return PTR_ERR(file);
		ret = vvh_vq_start_worker(vq);
		if (ret)
			goto err_put;
	}
	vvh_poll_stop(&vq->poll);
	if (vq->kick)
		fput(vq->kick);
	vq->kick = file;
	if (file) {
		ret = vvh_poll_start(&vq->poll, file);
		if (ret) {
			vq->kick = NULL;
			goto err_put;
		}
	}
	return 0;

err_put:
	fput(file);
	return ret;
}

static long vvh_swap_ctx(struct eventfd_ctx **slot, int fd)
{
	struct eventfd_ctx *ctx = NULL;

	if (fd != -1) {
		ctx = eventfd_ctx_fdget(fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	if (*slot)
		eventfd_ctx_put(*slot);
	*slot = ctx;
	return 0;
}

long vvh_vring_ioctl(struct vvh_dev *dev, unsigned int cmd, void __user *argp)
{
	struct vhost_vring_state s;
	struct vhost_vring_file f;
	struct vvh_vq *vq;
	u32 idx;
	long ret;

	switch (cmd) {
	case VHOST_SET_VRING_NUM:
	case VHOST_SET_VRING_ADDR:
	case VHOST_SET_VRING_BASE:
	case VHOST_GET_VRING_BASE:
	case VHOST_SET_VRING_KICK:
	case VHOST_SET_VRING_CALL:
	case VHOST_SET_VRING_ERR:
		break;
	default:
		return -ENOIOCTLCMD;
	}
	if (vvh_check_owner(dev))
		return -EPERM;
	/* Every vring argument starts with the queue index. */
	if (get_user(idx, (u32 __user *)argp))
		return -EFAULT;
	if (idx >= dev->nvqs)
		return -ENOBUFS;
	idx = array_index_nospec(idx, dev->nvqs);
	vq = dev->vqs[idx];

	mutex_lock(&vq->mutex);
	switch (cmd) {
	case VHOST_SET_VRING_NUM:
		ret = -EBUSY;
		if (vq->private_data)
			break;
		ret = -EFAULT;
		if (copy_from_user(&s, argp, sizeof(s)))
			break;
		ret = -EINVAL;
		if (!s.num || s.num > VVH_MAX_RING || (s.num & (s.num - 1)))
			break;
		vq->num = s.num;
		ret = 0;
		break;
	case VHOST_SET_VRING_ADDR:
		/* Allowed while running: QEMU turns used-ring logging on so. */
		ret = vvh_set_vring_addr(vq, argp);
		break;
	case VHOST_SET_VRING_BASE:
		ret = -EBUSY;
		if (vq->private_data)
			break;
		ret = -EFAULT;
		if (copy_from_user(&s, argp, sizeof(s)))
			break;
		ret = -EINVAL;
		if (s.num > 0xffff)
			break;
		vq->last_avail_idx = s.num;
		vq->avail_idx = s.num;
		ret = 0;
		break;
	case VHOST_GET_VRING_BASE:
		s.index = idx;
		s.num = vq->last_avail_idx;
		ret = copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
		break;
	case VHOST_SET_VRING_KICK:
	case VHOST_SET_VRING_CALL:
	case VHOST_SET_VRING_ERR:
		ret = -EFAULT;
		if (copy_from_user(&f, argp, sizeof(f)))
			break;
		if (cmd == VHOST_SET_VRING_KICK)
			ret = vvh_set_vring_kick(vq, f.fd);
		else if (cmd == VHOST_SET_VRING_CALL)
			ret = vvh_swap_ctx(&vq->call_ctx, f.fd);
		else
			ret = vvh_swap_ctx(&vq->error_ctx, f.fd);
		break;
	default:
		ret = -ENOIOCTLCMD;
	}
	mutex_unlock(&vq->mutex);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Ring access                                                          */

void vvh_vq_error(struct vvh_vq *vq, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err_ratelimited("%s: queue %u: %pV\n", vq->dev->name, vq->index,
			   &vaf);
	va_end(args);
	if (vq->error_ctx)
		vvp_eventfd_signal(vq->error_ctx);
}

int vvh_vq_start(struct vvh_vq *vq)
{
	__virtio16 used_idx;

	if (!vq->num || !vq->desc || !vq->avail || !vq->used || !vq->mem)
		return -EINVAL;
	if (!vvh_ring_access_ok(vq->num, (unsigned long)vq->desc,
				(unsigned long)vq->avail,
				(unsigned long)vq->used))
		return -EINVAL;
	if (get_user(used_idx, &vq->used->idx))
		return -EFAULT;
	vq->last_used_idx = le16_to_cpu((__force __le16)used_idx);
	vq->signalled_used_valid = false;
	vq->started = true;
	return 0;
}

/* Appends one descriptor's buffer to the chain. */
static int vvh_chain_add(struct vvh_vq *vq, struct vvh_chain *chain,
			 const struct vring_desc *desc)
{
	u64 addr = le64_to_cpu((__force __le64)desc->addr);
	u32 len = le32_to_cpu((__force __le32)desc->len);
	bool write = le16_to_cpu((__force __le16)desc->flags) & VRING_DESC_F_WRITE;
	unsigned int used = chain->out + chain->in;
	int n;

	if (!write && chain->in) {
		vvh_vq_error(vq, "readable descriptor after a writable one");
		return -EINVAL;
	}
	n = vvh_translate(vq, addr, len, chain->iov + used, chain->iov_max - used);
	if (n == -ENOBUFS) {
		vvh_vq_error(vq, "chain needs more than %u buffers", chain->iov_max);
		return n;
	}
	if (n < 0) {
		vvh_vq_error(vq, "buffer 0x%llx+%u outside guest memory", addr, len);
		return n;
	}
	if (write) {
		if (chain->nlog == chain->log_max) {
			vvh_vq_error(vq, "chain has more than %u writable buffers",
				     chain->log_max);
			return -ENOBUFS;
		}
		chain->log[chain->nlog].gpa = addr;
		chain->log[chain->nlog].len = len;
		chain->nlog++;
		chain->in += n;
		chain->in_len += len;
	} else {
		chain->out += n;
		chain->out_len += len;
	}
	return 0;
}

static int vvh_walk_indirect(struct vvh_vq *vq, struct vvh_chain *chain,
			     const struct vring_desc *ind)
{
	u64 addr = le64_to_cpu((__force __le64)ind->addr);
	u32 len = le32_to_cpu((__force __le32)ind->len);
	unsigned int count = 0, n = len / sizeof(struct vring_desc), i = 0;
	struct vring_desc desc;
	u16 flags;
	int ret;

	if (!len || len % sizeof(struct vring_desc) || n > VVH_MAX_INDIRECT) {
		vvh_vq_error(vq, "indirect table of invalid length %u", len);
		return -EINVAL;
	}
	for (;;) {
		if (++count > n) {
			vvh_vq_error(vq, "loop in an indirect table");
			return -EINVAL;
		}
		ret = vvh_copy_from_guest(vq, &desc,
					  addr + (u64)i * sizeof(desc), sizeof(desc));
		if (ret) {
			vvh_vq_error(vq, "indirect table at 0x%llx outside guest memory",
				     addr);
			return ret;
		}
		flags = le16_to_cpu((__force __le16)desc.flags);
		if (flags & VRING_DESC_F_INDIRECT) {
			vvh_vq_error(vq, "nested indirect descriptor");
			return -EINVAL;
		}
		ret = vvh_chain_add(vq, chain, &desc);
		if (ret)
			return ret;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = le16_to_cpu((__force __le16)desc.next);
		if (i >= n) {
			vvh_vq_error(vq, "indirect next %u beyond table of %u", i, n);
			return -EINVAL;
		}
	}
}

int vvh_get_chain(struct vvh_vq *vq, struct vvh_chain *chain, int *bad_head)
{
	unsigned int num = vq->num, count = 0, i;
	__virtio16 vidx, vhead;
	struct vring_desc desc;
	u16 avail_idx, flags;
	int head, ret;

	*bad_head = -1;
	if (vq->avail_idx == vq->last_avail_idx) {
		if (get_user(vidx, &vq->avail->idx)) {
			vvh_vq_error(vq, "cannot read the available index");
			return -EFAULT;
		}
		avail_idx = le16_to_cpu((__force __le16)vidx);
		if ((u16)(avail_idx - vq->last_avail_idx) > num) {
			vvh_vq_error(vq, "available index moved from %u to %u",
				     vq->last_avail_idx, avail_idx);
			return -EINVAL;
		}
		vq->avail_idx = avail_idx;
		if (avail_idx == vq->last_avail_idx)
			return num;
		/* Read the ring entries only after seeing the index. */
		smp_rmb();
	}
	if (get_user(vhead, &vq->avail->ring[vq->last_avail_idx & (num - 1)])) {
		vvh_vq_error(vq, "cannot read the available ring");
		return -EFAULT;
	}
	/* From here on the entry is consumed, well-formed or not. */
	vq->last_avail_idx++;
	head = le16_to_cpu((__force __le16)vhead);
	if (head >= num) {
		vvh_vq_error(vq, "head %d beyond ring of %u", head, num);
		return -EINVAL;
	}
	chain->out = 0;
	chain->in = 0;
	chain->out_len = 0;
	chain->in_len = 0;
	chain->nlog = 0;
	i = head;
	for (;;) {
		if (++count > num) {
			vvh_vq_error(vq, "loop or chain longer than the ring at head %d",
				     head);
			ret = -EINVAL;
			goto err_head;
		}
		if (copy_from_user(&desc, vq->desc + i, sizeof(desc))) {
			vvh_vq_error(vq, "cannot read descriptor %u", i);
			ret = -EFAULT;
			goto err_head;
		}
		flags = le16_to_cpu((__force __le16)desc.flags);
		if (flags & VRING_DESC_F_INDIRECT) {
			if (!vvh_has_feature(vq, VIRTIO_RING_F_INDIRECT_DESC)) {
				vvh_vq_error(vq, "indirect descriptor not negotiated");
				ret = -EINVAL;
				goto err_head;
			}
			ret = vvh_walk_indirect(vq, chain, &desc);
		} else {
			ret = vvh_chain_add(vq, chain, &desc);
		}
		if (ret)
			goto err_head;
		if (!(flags & VRING_DESC_F_NEXT))
			return head;
		i = le16_to_cpu((__force __le16)desc.next);
		if (i >= num) {
			vvh_vq_error(vq, "next %u beyond ring of %u", i, num);
			ret = -EINVAL;
			goto err_head;
		}
	}

err_head:
	*bad_head = head;
	return ret;
}

void vvh_discard_chains(struct vvh_vq *vq, unsigned int n)
{
	vq->last_avail_idx -= n;
}

int vvh_add_used(struct vvh_vq *vq, unsigned int head, u32 len)
{
	unsigned int slot = vq->last_used_idx & (vq->num - 1);
	struct vring_used_elem elem = {
		.id = (__force __virtio32)cpu_to_le32(head),
		.len = (__force __virtio32)cpu_to_le32(len),
	};
	u16 new = vq->last_used_idx + 1;

	if (copy_to_user(&vq->used->ring[slot], &elem, sizeof(elem))) {
		vvh_vq_error(vq, "cannot write the used ring");
		return -EFAULT;
	}
	/* The entry must be visible before the index that publishes it. */
	smp_wmb();
	if (put_user((__force __virtio16)cpu_to_le16(new), &vq->used->idx)) {
		vvh_vq_error(vq, "cannot write the used index");
		return -EFAULT;
	}
	vq->last_used_idx = new;
	/* After 2^16 entries without a signal, signalled_used is stale. */
	if (unlikely(new == vq->signalled_used))
		vq->signalled_used_valid = false;
	vvh_log_used(vq, vvh_used_off(vq, &vq->used->ring[slot]), sizeof(elem));
	vvh_log_used(vq, offsetof(struct vring_used, idx), sizeof(__virtio16));
	return 0;
}

static bool vvh_need_signal(struct vvh_vq *vq)
{
	__virtio16 flags, event;
	u16 old, new;
	bool valid;

	/* The used index must be visible before we read the driver's wishes. */
	smp_mb();
	if (vvh_has_feature(vq, VIRTIO_F_NOTIFY_ON_EMPTY) &&
	    vq->avail_idx == vq->last_avail_idx) {
		__virtio16 vidx;

		if (!get_user(vidx, &vq->avail->idx) &&
		    le16_to_cpu((__force __le16)vidx) == vq->last_avail_idx)
			return true;
	}
	if (!vvh_has_feature(vq, VIRTIO_RING_F_EVENT_IDX)) {
		if (get_user(flags, &vq->avail->flags))
			return true;
		return !(le16_to_cpu((__force __le16)flags) &
			 VRING_AVAIL_F_NO_INTERRUPT);
	}
	old = vq->signalled_used;
	valid = vq->signalled_used_valid;
	new = vq->last_used_idx;
	vq->signalled_used = new;
	vq->signalled_used_valid = true;
	if (!valid)
		return true;
	if (get_user(event, &vq->avail->ring[vq->num]))
		return true;
	return vring_need_event(le16_to_cpu((__force __le16)event), new, old);
}

void vvh_signal(struct vvh_vq *vq)
{
	if (vq->call_ctx && vvh_need_signal(vq))
		vvp_eventfd_signal(vq->call_ctx);
}

static int vvh_put_used_flags(struct vvh_vq *vq, u16 flags)
{
	if (put_user((__force __virtio16)cpu_to_le16(flags), &vq->used->flags))
		return -EFAULT;
	return vvh_log_used(vq, offsetof(struct vring_used, flags),
			    sizeof(__virtio16));
}

static int vvh_put_avail_event(struct vvh_vq *vq)
{
	__virtio16 __user *p = (__virtio16 __user *)&vq->used->ring[vq->num];

	if (put_user((__force __virtio16)cpu_to_le16(vq->last_avail_idx), p))
		return -EFAULT;
	return vvh_log_used(vq, vvh_used_off(vq, p), sizeof(__virtio16));
}

void vvh_disable_notify(struct vvh_vq *vq)
{
	if (!vvh_has_feature(vq, VIRTIO_RING_F_EVENT_IDX))
		vvh_put_used_flags(vq, VRING_USED_F_NO_NOTIFY);
}

bool vvh_enable_notify(struct vvh_vq *vq)
{
	__virtio16 vidx;
	int ret;

	if (vvh_has_feature(vq, VIRTIO_RING_F_EVENT_IDX))
		ret = vvh_put_avail_event(vq);
	else
		ret = vvh_put_used_flags(vq, 0);
	if (ret) {
		vvh_vq_error(vq, "cannot write the notification state");
		return false;
	}
	/* Publish the wish before looking for more work. */
	smp_mb();
	if (get_user(vidx, &vq->avail->idx)) {
		vvh_vq_error(vq, "cannot read the available index");
		return false;
	}
	return le16_to_cpu((__force __le16)vidx) != vq->avail_idx;
}

/*
 * Copies between a kernel buffer and len bytes of iovecs, from byte offset
 * off of the iovecs: to the iovecs when to_user, else from them.
 */
static int vvh_copy_iov(const struct iovec *iov, unsigned int n, size_t off,
			void *buf, size_t len, bool to_user)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < n && done < len; i++) {
		size_t chunk;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		chunk = min(iov[i].iov_len - off, len - done);
		if (to_user ?
		    copy_to_user(iov[i].iov_base + off, buf + done, chunk) :
		    copy_from_user(buf + done, iov[i].iov_base + off, chunk))
			return -EFAULT;
		done += chunk;
		off = 0;
	}
	return 0;
}

int vvh_copy_to_chain(struct vvh_vq *vq, const struct vvh_chain *chain,
		      size_t off, const void *src, size_t len)
{
	int ret;

	if (off > chain->in_len || len > chain->in_len - off)
		return -ENOSPC;
	ret = vvh_copy_iov(chain->iov + chain->out, chain->in, off,
			   (void *)src, len, true);
	if (ret)
		return ret;
	return vvh_log_chain(vq, chain, off, len);
}

int vvh_copy_from_chain(const struct vvh_chain *chain, size_t off, void *dst,
			size_t len)
{
	if (off > chain->out_len || len > chain->out_len - off)
		return -EINVAL;
	return vvh_copy_iov(chain->iov, chain->out, off, dst, len, false);
}

