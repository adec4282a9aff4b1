#include "vsclient/memory.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

namespace vsc {

namespace {
constexpr uint64_t kPageSize = 4096;

std::string hex(uint64_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%#llx", static_cast<unsigned long long>(v));
	return buf;
}
} // namespace

std::vector<RegionSpec> GuestMemory::default_layout(uint64_t total_bytes)
{
	uint64_t first = (total_bytes / 2) & ~(kPageSize - 1);
	return {{0, first}, {uint64_t{4} << 30, total_bytes - first}};
}

GuestMemory::GuestMemory(uint64_t total_bytes, std::vector<RegionSpec> layout)
	: total_(total_bytes), layout_(std::move(layout))
{
	if (total_ == 0 || total_ % kPageSize)
		throw std::invalid_argument("guest memory: size " + std::to_string(total_) +
					    " is not a positive multiple of 4 KiB");
	if (layout_.empty())
		layout_ = default_layout(total_);
	uint64_t sum = 0, prev_end = 0;
	for (const auto &r : layout_) {
		if (r.size == 0 || r.size % kPageSize || r.gpa % kPageSize)
			throw std::invalid_argument("guest memory: region at " + hex(r.gpa) +
						    " is not 4 KiB aligned");
		if (&r != &layout_.front() && r.gpa < prev_end)
			throw std::invalid_argument("guest memory: region at " + hex(r.gpa) +
						    " overlaps or is out of order");
		offset_.push_back(sum);
		sum += r.size;
		prev_end = r.gpa + r.size;
	}
	if (sum != total_)
		throw std::invalid_argument("guest memory: regions add up to " + std::to_string(sum) +
					    " bytes, memfd has " + std::to_string(total_));
	used_.assign(layout_.size(), 0);

	fd_ = UniqueFd(::memfd_create("vsclient-guest", MFD_CLOEXEC));
	if (!fd_)
		throw_errno("memfd_create for guest memory");
	if (::ftruncate(fd_.get(), static_cast<off_t>(total_)) < 0)
		throw_errno("ftruncate guest memfd to " + std::to_string(total_));
	void *p = ::mmap(nullptr, total_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			 fd_.get(), 0);
	if (p == MAP_FAILED)
		throw_errno("mmap guest memfd");
	base_ = static_cast<uint8_t *>(p);
}

GuestMemory::~GuestMemory()
{
	if (base_)
		::munmap(base_, total_);
}

std::vector<vhost_memory_region> GuestMemory::table() const
{
	std::vector<vhost_memory_region> t;
	for (size_t i = 0; i < layout_.size(); i++) {
		vhost_memory_region r{};
		r.guest_phys_addr = layout_[i].gpa;
		r.memory_size = layout_[i].size;
		r.userspace_addr = reinterpret_cast<uint64_t>(base_ + offset_[i]);
		t.push_back(r);
	}
	return t;
}

uint64_t GuestMemory::gpa_end() const
{
	return layout_.back().gpa + layout_.back().size;
}

uint64_t GuestMemory::hole_gpa() const
{
	for (size_t i = 0; i + 1 < layout_.size(); i++)
		if (layout_[i].gpa + layout_[i].size < layout_[i + 1].gpa)
			return layout_[i].gpa + layout_[i].size;
	return gpa_end();
}

bool GuestMemory::contains(uint64_t gpa, uint64_t len) const
{
	for (const auto &r : layout_)
		if (gpa >= r.gpa && len <= r.size && gpa - r.gpa <= r.size - len)
			return true;
	return false;
}

uint8_t *GuestMemory::bytes(uint64_t gpa, uint64_t len) const
{
	for (size_t i = 0; i < layout_.size(); i++) {
		const auto &r = layout_[i];
		if (gpa >= r.gpa && len <= r.size && gpa - r.gpa <= r.size - len)
			return base_ + offset_[i] + (gpa - r.gpa);
	}
	throw std::out_of_range("guest memory: [" + hex(gpa) + ", +" + hex(len) +
				") is not inside one region");
}

uint64_t GuestMemory::gpa_of(const void *p) const
{
	auto *b = static_cast<const uint8_t *>(p);
	for (size_t i = 0; i < layout_.size(); i++)
		if (b >= base_ + offset_[i] && b < base_ + offset_[i] + layout_[i].size)
			return layout_[i].gpa + static_cast<uint64_t>(b - (base_ + offset_[i]));
	throw std::out_of_range("guest memory: host pointer is not in guest memory");
}

uint64_t GuestMemory::alloc(uint64_t len, uint64_t align, int region)
{
	if (align == 0 || (align & (align - 1)))
		throw std::invalid_argument("guest memory: alignment " + std::to_string(align) +
					    " is not a power of two");
	for (size_t i = 0; i < layout_.size(); i++) {
		if (region >= 0 && static_cast<size_t>(region) != i)
			continue;
		// Align the GPA, not the offset: the two differ per region.
		uint64_t gpa = (layout_[i].gpa + used_[i] + align - 1) & ~(align - 1);
		uint64_t off = gpa - layout_[i].gpa;
		if (off <= layout_[i].size && layout_[i].size - off >= len) {
			used_[i] = off + len;
			std::memset(base_ + offset_[i] + off, 0, len);
			return gpa;
		}
	}
	throw std::length_error("guest memory: no room for " + std::to_string(len) + " bytes" +
				(region >= 0 ? " in region " + std::to_string(region) : ""));
}

uint64_t GuestMemory::free_bytes(int region) const
{
	return layout_.at(static_cast<size_t>(region)).size - used_.at(static_cast<size_t>(region));
}

DirtyLog::DirtyLog(uint64_t gpa_end)
{
	uint64_t pages = (gpa_end + kPage - 1) / kPage;
	bytes_ = (pages + 7) / 8;
	map_bytes_ = (bytes_ + kPageSize - 1) & ~(kPageSize - 1);
	void *p = ::mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
	if (p == MAP_FAILED)
		throw_errno("mmap dirty log of " + std::to_string(map_bytes_) + " bytes");
	bits_ = static_cast<uint8_t *>(p);
}

DirtyLog::~DirtyLog()
{
	::munmap(bits_, map_bytes_);
}

void DirtyLog::clear()
{
	// The kernel sets bits atomically; clear the same way.
	for (uint64_t i = 0; i < bytes_; i++)
		std::atomic_ref<uint8_t>(bits_[i]).store(0, std::memory_order_relaxed);
	std::atomic_thread_fence(std::memory_order_seq_cst);
}

bool DirtyLog::dirty(uint64_t gpa) const
{
	uint64_t page = gpa / kPage;
	if (page / 8 >= bytes_)
		return false;
	uint8_t b = std::atomic_ref<uint8_t>(bits_[page / 8]).load(std::memory_order_acquire);
	return b & (1u << (page % 8));
}

bool DirtyLog::all_dirty(uint64_t gpa, uint64_t len) const
{
	for (uint64_t p = gpa & ~(kPage - 1); p < gpa + len; p += kPage)
		if (!dirty(p))
			return false;
	return true;
}

bool DirtyLog::any_dirty(uint64_t gpa, uint64_t len) const
{
	for (uint64_t p = gpa & ~(kPage - 1); p < gpa + len; p += kPage)
		if (dirty(p))
			return true;
	return false;
}

std::vector<uint64_t> DirtyLog::dirty_pages() const
{
	std::vector<uint64_t> v;
	for (uint64_t i = 0; i < bytes_; i++) {
		uint8_t b = std::atomic_ref<uint8_t>(bits_[i]).load(std::memory_order_acquire);
		for (unsigned bit = 0; b && bit < 8; bit++)
			if (b & (1u << bit))
				v.push_back(i * 8 + bit);
	}
	return v;
}

} // namespace vsc
