// Guest memory (a memfd mapped into this process, presented to vhost as
// regions at guest-physical addresses) and the dirty-page log bitmap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <linux/vhost.h>
#include <span>
#include <vector>

#include "vsclient/fd.hpp"

namespace vsc {

// One slice of the memfd, placed at a guest-physical address.
struct RegionSpec {
	uint64_t gpa;
	uint64_t size;
};

class GuestMemory {
public:
	// total_bytes of memfd, cut in order into `layout` regions (sizes must add
	// up to total_bytes, each a multiple of 4 KiB, GPAs ascending and not
	// overlapping). An empty layout means default_layout(total_bytes).
	explicit GuestMemory(uint64_t total_bytes, std::vector<RegionSpec> layout = {});
	~GuestMemory();
	GuestMemory(const GuestMemory &) = delete;
	GuestMemory &operator=(const GuestMemory &) = delete;

	// Two halves: [0, total/2) at GPA 0 and the rest at GPA 4 GiB, so that
	// everything between is a hole outside the memory table.
	static std::vector<RegionSpec> default_layout(uint64_t total_bytes);

	// The table for VHOST_SET_MEM_TABLE.
	std::vector<vhost_memory_region> table() const;
	const std::vector<RegionSpec> &regions() const { return layout_; }
	// One past the highest mapped GPA.
	uint64_t gpa_end() const;
	// A GPA that lies in no region (in the first hole, or past the end).
	uint64_t hole_gpa() const;

	// True if [gpa, gpa+len) lies inside a single region.
	bool contains(uint64_t gpa, uint64_t len) const;
	// Host pointer for [gpa, gpa+len); throws if it is not inside one region.
	uint8_t *bytes(uint64_t gpa, uint64_t len) const;
	template <class T> T *ptr(uint64_t gpa) const
	{
		return reinterpret_cast<T *>(bytes(gpa, sizeof(T)));
	}
	// The GPA of a host pointer into this memory; throws if outside.
	uint64_t gpa_of(const void *p) const;

	// Bump allocator over the regions (a buffer never straddles two regions).
	// Throws when full. region = -1: first region with room.
	uint64_t alloc(uint64_t len, uint64_t align = 64, int region = -1);
	struct Mark {
		std::vector<uint64_t> used;
	};
	Mark mark() const { return Mark{used_}; }
	void rewind(const Mark &m) { used_ = m.used; }
	uint64_t free_bytes(int region) const;

	int memfd() const { return fd_.get(); }

private:
	UniqueFd fd_;
	uint8_t *base_ = nullptr;
	uint64_t total_ = 0;
	std::vector<RegionSpec> layout_;
	std::vector<uint64_t> offset_; // memfd offset of each region
	std::vector<uint64_t> used_;   // bytes allocated in each region
};

// The dirty log: one bit per 4 KiB guest page, in memory of this process,
// handed to vhost with VHOST_SET_LOG_BASE.
class DirtyLog {
public:
	static constexpr uint64_t kPage = 4096;
	explicit DirtyLog(uint64_t gpa_end);
	~DirtyLog();
	DirtyLog(const DirtyLog &) = delete;
	DirtyLog &operator=(const DirtyLog &) = delete;

	uint64_t base() const { return reinterpret_cast<uint64_t>(bits_); }
	uint64_t size_bytes() const { return bytes_; }
	void clear();
	bool dirty(uint64_t gpa) const;
	// Every page of [gpa, gpa+len) dirty / any page dirty.
	bool all_dirty(uint64_t gpa, uint64_t len) const;
	bool any_dirty(uint64_t gpa, uint64_t len) const;
	// Page numbers of every dirty page.
	std::vector<uint64_t> dirty_pages() const;

private:
	uint8_t *bits_ = nullptr;
	uint64_t bytes_ = 0;
	uint64_t map_bytes_ = 0;
};

} // namespace vsc
