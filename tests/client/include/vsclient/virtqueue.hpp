// A split virtqueue, driven from the guest driver's side: descriptor table,
// avail and used rings in guest memory, kick/call/err eventfds. Besides the
// normal driver API it gives raw access to every ring field so tests can
// build hostile chains.
#pragma once

#include <cstdint>
#include <linux/vhost.h>
#include <linux/virtio_ring.h>
#include <optional>
#include <span>
#include <vector>

#include "vsclient/fd.hpp"

namespace vsc {

class GuestMemory;
class VhostDevice;

// One guest buffer: guest-physical address and length.
struct Buf {
	uint64_t gpa;
	uint32_t len;
};

struct QueueOptions {
	uint16_t num = 128;	      // ring size, a power of two
	bool event_idx = false;	      // VIRTIO_RING_F_EVENT_IDX negotiated
	uint16_t max_indirect = 0;    // entries per indirect table (0: no indirect)
	int region = -1;	      // guest memory region for the rings (-1: any)
};

// One entry taken from the used ring.
struct Used {
	uint32_t id;	  // as the device wrote it (may be bogus)
	uint32_t len;	  // bytes written, as the device reported
	uint64_t cookie;  // what add() was given; 0 for raw chains
	bool owned;	  // id names a chain added with add()
};

class SplitQueue {
public:
	SplitQueue(GuestMemory &mem, unsigned index, const QueueOptions &opt);
	SplitQueue(const SplitQueue &) = delete;
	SplitQueue &operator=(const SplitQueue &) = delete;

	unsigned index() const { return index_; }
	// Whether EVENT_IDX was negotiated; set before the device uses the ring.
	void set_event_idx(bool on) { event_idx_ = on; }
	uint16_t num() const { return num_; }

	// VHOST_SET_VRING_NUM/BASE/ADDR/KICK/CALL/ERR for this queue. With
	// log_used, VHOST_VRING_F_LOG is set and log_guest_addr is the used ring.
	void attach(VhostDevice &dev, bool log_used = false);
	vhost_vring_addr vring_addr(bool log_used) const;

	// Adds a chain: device-readable `out` buffers, then device-writable `in`.
	// indirect: one descriptor pointing at this head's indirect table.
	// Returns the head, or -1 if there is no room. Not visible to the device
	// until publish().
	int add(std::span<const Buf> out, std::span<const Buf> in, uint64_t cookie,
		bool indirect = false);
	// Makes added chains visible (avail->idx) and kicks if the device asked
	// for it (or always, with force). Returns true if it kicked.
	bool publish(bool force_kick = false);
	// Next used entry, or nothing. Frees the chain's descriptors.
	std::optional<Used> reap();
	// Waits for the call eventfd (consuming it). Returns false on time-out.
	// With EVENT_IDX, first asks for a call at the next used entry.
	bool wait(int timeout_ms);
	// Re-arms notifications: used_event = last seen used index.
	void arm();

	unsigned free_descs() const { return static_cast<unsigned>(free_.size()); }
	unsigned in_flight() const { return in_flight_; }
	uint64_t kicks() const { return kicks_; }
	uint16_t last_used() const { return last_used_; }

	EventFd &kick_fd() { return kick_; }
	EventFd &call_fd() { return call_; }
	EventFd &err_fd() { return err_; }

	// ---- raw access (hostile tests) ----
	vring_desc &desc(unsigned i);
	// Takes a descriptor off the free list for raw use; it is never freed.
	uint16_t take_desc();
	// Returns a descriptor taken with take_desc() once the device is done with it.
	void give_back(uint16_t d);
	// An indirect table of `entries` descriptors in guest memory (allocated).
	struct Table {
		uint64_t gpa;
		vring_desc *d;
	};
	Table alloc_table(unsigned entries);
	// Writes head into the next avail slot and bumps avail->idx by `bump`
	// (normally 1) with a release barrier; does not kick.
	void push_avail(uint16_t head, uint16_t bump = 1);
	uint16_t avail_idx() const;
	uint16_t used_idx() const;
	uint16_t used_flags() const;
	uint64_t desc_gpa() const { return desc_gpa_; }
	uint64_t avail_gpa() const { return avail_gpa_; }
	uint64_t used_gpa() const { return used_gpa_; }
	uint64_t used_bytes() const;

private:
	GuestMemory &mem_;
	unsigned index_;
	uint16_t num_;
	bool event_idx_;
	uint16_t max_indirect_;
	uint64_t desc_gpa_, avail_gpa_, used_gpa_, ind_gpa_ = 0;
	vring_desc *desc_;
	vring_avail *avail_;
	vring_used *used_;
	vring_desc *ind_ = nullptr;

	std::vector<uint16_t> free_;	  // free descriptor indices (stack)
	std::vector<uint16_t> chain_len_; // per head: descriptors owned (0: raw)
	std::vector<uint16_t> next_;	  // shadow of desc[i].next for owned chains
	std::vector<uint64_t> cookie_;
	uint16_t avail_shadow_ = 0; // next avail idx (not yet published)
	uint16_t avail_published_ = 0;
	uint16_t last_used_ = 0;
	unsigned in_flight_ = 0;
	uint64_t kicks_ = 0;
	EventFd kick_, call_, err_;
};

} // namespace vsc
