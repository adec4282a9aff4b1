#include "vsclient/virtqueue.hpp"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>

#include "vsclient/memory.hpp"
#include "vsclient/vhost.hpp"

namespace vsc {

namespace {
template <class T> T load_acquire(const T &v)
{
	return std::atomic_ref<T>(const_cast<T &>(v)).load(std::memory_order_acquire);
}
template <class T> void store_release(T &v, T x)
{
	std::atomic_ref<T>(v).store(x, std::memory_order_release);
}
} // namespace

SplitQueue::SplitQueue(GuestMemory &mem, unsigned index, const QueueOptions &opt)
	: mem_(mem), index_(index), num_(opt.num), event_idx_(opt.event_idx),
	  max_indirect_(opt.max_indirect)
{
	if (num_ == 0 || (num_ & (num_ - 1)))
		throw std::invalid_argument("virtqueue " + std::to_string(index) + ": size " +
					    std::to_string(num_) + " is not a power of two");
	// Each ring part on its own pages, so dirty-log checks can tell them apart.
	desc_gpa_ = mem.alloc(sizeof(vring_desc) * num_, 4096, opt.region);
	avail_gpa_ = mem.alloc(4 + 2u * num_ + 2, 4096, opt.region);
	used_gpa_ = mem.alloc(used_bytes(), 4096, opt.region);
	desc_ = reinterpret_cast<vring_desc *>(mem.bytes(desc_gpa_, sizeof(vring_desc) * num_));
	avail_ = reinterpret_cast<vring_avail *>(mem.bytes(avail_gpa_, 4 + 2u * num_ + 2));
	used_ = reinterpret_cast<vring_used *>(mem.bytes(used_gpa_, used_bytes()));
	if (max_indirect_) {
		uint64_t bytes = uint64_t{sizeof(vring_desc)} * max_indirect_ * num_;
		ind_gpa_ = mem.alloc(bytes, 4096, opt.region);
		ind_ = reinterpret_cast<vring_desc *>(mem.bytes(ind_gpa_, bytes));
	}
	free_.reserve(num_);
	for (unsigned i = num_; i-- > 0;)
		free_.push_back(static_cast<uint16_t>(i));
	chain_len_.assign(num_, 0);
	next_.assign(num_, 0);
	cookie_.assign(num_, 0);
}

uint64_t SplitQueue::used_bytes() const
{
	return 4 + uint64_t{sizeof(vring_used_elem)} * num_ + 2;
}

vhost_vring_addr SplitQueue::vring_addr(bool log_used) const
{
	vhost_vring_addr a{};
	a.index = index_;
	a.flags = log_used ? (1u << VHOST_VRING_F_LOG) : 0;
	a.desc_user_addr = reinterpret_cast<uint64_t>(desc_);
	a.avail_user_addr = reinterpret_cast<uint64_t>(avail_);
	a.used_user_addr = reinterpret_cast<uint64_t>(used_);
	a.log_guest_addr = log_used ? used_gpa_ : 0;
	return a;
}

void SplitQueue::attach(VhostDevice &dev, bool log_used)
{
	dev.set_vring_num(index_, num_);
	dev.set_vring_base(index_, avail_published_);
	dev.set_vring_addr(vring_addr(log_used));
	dev.set_vring_kick(index_, kick_.fd());
	dev.set_vring_call(index_, call_.fd());
	dev.set_vring_err(index_, err_.fd());
}

int SplitQueue::add(std::span<const Buf> out, std::span<const Buf> in, uint64_t cookie,
		    bool indirect)
{
	size_t n = out.size() + in.size();
	if (n == 0)
		throw std::invalid_argument("virtqueue " + std::to_string(index_) + ": empty chain");
	if (indirect) {
		if (n > max_indirect_)
			throw std::invalid_argument("virtqueue " + std::to_string(index_) + ": chain of " +
						    std::to_string(n) + " exceeds the indirect table (" +
						    std::to_string(max_indirect_) + ")");
		if (free_.empty())
			return -1;
		uint16_t head = free_.back();
		free_.pop_back();
		vring_desc *t = ind_ + size_t{head} * max_indirect_;
		for (size_t i = 0; i < n; i++) {
			const Buf &b = i < out.size() ? out[i] : in[i - out.size()];
			t[i].addr = b.gpa;
			t[i].len = b.len;
			t[i].flags = static_cast<uint16_t>((i + 1 < n ? VRING_DESC_F_NEXT : 0) |
							   (i >= out.size() ? VRING_DESC_F_WRITE : 0));
			t[i].next = static_cast<uint16_t>(i + 1 < n ? i + 1 : 0);
		}
		desc_[head].addr = ind_gpa_ + uint64_t{head} * max_indirect_ * sizeof(vring_desc);
		desc_[head].len = static_cast<uint32_t>(n * sizeof(vring_desc));
		desc_[head].flags = VRING_DESC_F_INDIRECT;
		desc_[head].next = 0;
		chain_len_[head] = 1;
		next_[head] = head;
		cookie_[head] = cookie;
		avail_->ring[avail_shadow_ % num_] = head;
		avail_shadow_++;
		in_flight_++;
		return head;
	}
	if (n > free_.size())
		return -1;
	uint16_t head = free_.back();
	uint16_t prev = 0;
	for (size_t i = 0; i < n; i++) {
		uint16_t d = free_.back();
		free_.pop_back();
		if (i)
			desc_[prev].next = next_[prev] = d;
		const Buf &b = i < out.size() ? out[i] : in[i - out.size()];
		desc_[d].addr = b.gpa;
		desc_[d].len = b.len;
		desc_[d].flags = static_cast<uint16_t>((i + 1 < n ? VRING_DESC_F_NEXT : 0) |
						       (i >= out.size() ? VRING_DESC_F_WRITE : 0));
		desc_[d].next = 0;
		prev = d;
	}
	chain_len_[head] = static_cast<uint16_t>(n);
	cookie_[head] = cookie;
	avail_->ring[avail_shadow_ % num_] = head;
	avail_shadow_++;
	in_flight_++;
	return head;
}

bool SplitQueue::publish(bool force_kick)
{
	uint16_t old = avail_published_;
	uint16_t now = avail_shadow_;
	if (old == now && !force_kick)
		return false;
	store_release(avail_->idx, now);
	avail_published_ = now;
	// The device may be reading flags/avail_event concurrently: full barrier
	// between publishing the index and deciding whether to kick.
	std::atomic_thread_fence(std::memory_order_seq_cst);
	bool kick;
	if (force_kick)
		kick = true;
	else if (event_idx_) {
		auto *ev = reinterpret_cast<uint16_t *>(&used_->ring[num_]);
		kick = vring_need_event(load_acquire(*ev), now, old);
	} else
		kick = !(load_acquire(used_->flags) & VRING_USED_F_NO_NOTIFY);
	if (kick) {
		kick_.signal();
		kicks_++;
	}
	return kick;
}

std::optional<Used> SplitQueue::reap()
{
	uint16_t idx = load_acquire(used_->idx);
	if (idx == last_used_)
		return std::nullopt;
	const vring_used_elem &e = used_->ring[last_used_ % num_];
	Used u{e.id, e.len, 0, false};
	last_used_++;
	if (u.id < num_ && chain_len_[u.id]) {
		uint16_t d = static_cast<uint16_t>(u.id);
		u.cookie = cookie_[d];
		u.owned = true;
		for (unsigned i = chain_len_[d]; i-- > 0;) {
			free_.push_back(d);
			d = next_[d];
		}
		chain_len_[u.id] = 0;
		in_flight_--;
	}
	return u;
}

void SplitQueue::arm()
{
	if (event_idx_) {
		auto *ev = &avail_->ring[num_];
		store_release(*ev, last_used_);
	} else {
		store_release(avail_->flags, uint16_t{0});
	}
	std::atomic_thread_fence(std::memory_order_seq_cst);
}

bool SplitQueue::wait(int timeout_ms)
{
	arm();
	// Something may have been used before we armed.
	if (load_acquire(used_->idx) != last_used_) {
		call_.consume();
		return true;
	}
	bool got = call_.wait(timeout_ms);
	call_.consume();
	return got;
}

vring_desc &SplitQueue::desc(unsigned i)
{
	if (i >= num_)
		throw std::out_of_range("virtqueue " + std::to_string(index_) + ": descriptor " +
					std::to_string(i) + " out of range");
	return desc_[i];
}

uint16_t SplitQueue::take_desc()
{
	if (free_.empty())
		throw std::length_error("virtqueue " + std::to_string(index_) + ": no free descriptor");
	uint16_t d = free_.back();
	free_.pop_back();
	return d;
}

void SplitQueue::give_back(uint16_t d)
{
	if (d >= num_ || chain_len_[d])
		throw std::invalid_argument("virtqueue " + std::to_string(index_) + ": descriptor " +
					    std::to_string(d) + " cannot be given back");
	free_.push_back(d);
}

SplitQueue::Table SplitQueue::alloc_table(unsigned entries)
{
	uint64_t gpa = mem_.alloc(uint64_t{entries} * sizeof(vring_desc), 16);
	return {gpa, reinterpret_cast<vring_desc *>(mem_.bytes(gpa, uint64_t{entries} * sizeof(vring_desc)))};
}

void SplitQueue::push_avail(uint16_t head, uint16_t bump)
{
	avail_->ring[avail_shadow_ % num_] = head;
	avail_shadow_ = static_cast<uint16_t>(avail_shadow_ + bump);
	store_release(avail_->idx, avail_shadow_);
	avail_published_ = avail_shadow_;
	std::atomic_thread_fence(std::memory_order_seq_cst);
}

uint16_t SplitQueue::avail_idx() const
{
	return load_acquire(avail_->idx);
}

uint16_t SplitQueue::used_idx() const
{
	return load_acquire(used_->idx);
}

uint16_t SplitQueue::used_flags() const
{
	return load_acquire(used_->flags);
}

} // namespace vsc
