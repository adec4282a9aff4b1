#include "common.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace vsc::cli {

VhostDevice open_device(const Global &g)
{
	if (g.fd >= 0) {
		static bool used = false;
		if (used)
			throw std::runtime_error("--fd " + std::to_string(g.fd) +
						 " can only be used for one device");
		used = true;
		return VhostDevice(UniqueFd(g.fd), "fd " + std::to_string(g.fd));
	}
	return VhostDevice::open(g.dev);
}

SessionOptions session_options(const Global &g, unsigned queues)
{
	SessionOptions o;
	o.request_queues = queues;
	o.queue_size = static_cast<uint16_t>(g.queue_size);
	o.event_idx = !g.no_event_idx;
	o.indirect = !g.no_indirect;
	return o;
}

Env::Env(const Global &g, SessionOptions opt, bool endpoint, bool with_log)
	: mem(uint64_t{g.mem_mib} << 20), dev(open_device(g)),
	  lun(Lun::of(static_cast<uint8_t>(g.target), static_cast<uint16_t>(g.lun)))
{
	if (with_log) {
		log = std::make_unique<DirtyLog>(mem.gpa_end());
		opt.log_all = true;
	}
	s = std::make_unique<VirtioScsi>(dev, mem, opt, log.get());
	s->setup();
	if (endpoint) {
		if (g.wwpn.empty())
			throw std::runtime_error("--wwpn is required");
		s->set_endpoint(g.wwpn, g.tpgt);
	}
}

std::vector<Buf> scatter(GuestMemory &mem, uint64_t len, unsigned nseg, std::mt19937_64 &rng,
			 uint64_t align)
{
	uint64_t units = len / align;
	if (units == 0 || len % align)
		throw std::invalid_argument("scatter: length " + std::to_string(len) +
					    " is not a positive multiple of " + std::to_string(align));
	std::vector<uint64_t> cuts{0, units};
	for (unsigned i = 1; i < std::min<uint64_t>(nseg, units); i++)
		cuts.push_back(1 + rng() % (units - 1));
	std::sort(cuts.begin(), cuts.end());
	cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
	std::vector<Buf> v;
	int nregions = static_cast<int>(mem.regions().size());
	for (size_t i = 0; i + 1 < cuts.size(); i++) {
		uint64_t seg = (cuts[i + 1] - cuts[i]) * align;
		// Alternate regions, with a random gap before each segment.
		int region = static_cast<int>(rng() % static_cast<unsigned>(nregions));
		if (mem.free_bytes(region) < seg + 8 * align)
			region = -1;
		mem.alloc(align * (rng() % 8), align, region);
		uint64_t gpa = mem.alloc(seg, align, region);
		v.push_back({gpa, static_cast<uint32_t>(seg)});
	}
	return v;
}

void copy_out(GuestMemory &mem, std::span<const Buf> bufs, std::span<uint8_t> dst)
{
	size_t off = 0;
	for (const auto &b : bufs) {
		size_t n = std::min<size_t>(b.len, dst.size() - off);
		std::memcpy(dst.data() + off, mem.bytes(b.gpa, b.len), n);
		off += n;
	}
}

void copy_in(GuestMemory &mem, std::span<const Buf> bufs, std::span<const uint8_t> src)
{
	size_t off = 0;
	for (const auto &b : bufs) {
		size_t n = std::min<size_t>(b.len, src.size() - off);
		std::memcpy(mem.bytes(b.gpa, b.len), src.data() + off, n);
		off += n;
	}
}

namespace {
inline uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}
} // namespace

void fill_block(uint8_t *p, uint32_t block_size, uint64_t lba, uint32_t gen, uint64_t seed)
{
	uint64_t base = mix(seed ^ mix(lba * 0x9e3779b97f4a7c15ull + gen));
	for (uint32_t i = 0; i < block_size; i += 8) {
		uint64_t w = mix(base + i);
		std::memcpy(p + i, &w, 8);
	}
	// Readable header: lba and generation.
	std::memcpy(p, &lba, 8);
	std::memcpy(p + 8, &gen, 4);
}

size_t check_block(const uint8_t *p, uint32_t block_size, uint64_t lba, uint32_t gen,
		   uint64_t seed)
{
	alignas(8) uint8_t want[4096];
	fill_block(want, block_size, lba, gen, seed);
	for (size_t i = 0; i < block_size; i++)
		if (p[i] != want[i])
			return i + 1;
	return 0;
}

CmdResult test_unit_ready(VirtioScsi &s, const Lun &lun, int timeout_ms)
{
	auto tur = scsi::test_unit_ready();
	auto res = s.command(0, lun, tur.bytes(), Dir::None, {}, false, timeout_ms);
	if (res.answered && res.status == scsi::kCheckCondition)
		res = s.command(0, lun, tur.bytes(), Dir::None, {}, false, timeout_ms);
	return res;
}

scsi::Capacity read_capacity(VirtioScsi &s, const Lun &lun, int timeout_ms)
{
	uint64_t gpa = s.mem().alloc(32, 64);
	Buf b{gpa, 32};
	auto cdb = scsi::read_capacity16(32);
	for (int attempt = 0; attempt < 3; attempt++) {
		auto r = s.command(0, lun, cdb.bytes(), Dir::FromDevice, {&b, 1}, false, timeout_ms);
		if (r.good())
			return scsi::parse_read_capacity16({s.mem().bytes(gpa, 32), 32});
		if (!(r.answered && r.response == VIRTIO_SCSI_S_OK && r.status == scsi::kCheckCondition))
			throw std::runtime_error("READ CAPACITY(16): " + r.str());
	}
	throw std::runtime_error("READ CAPACITY(16): still failing after 3 attempts");
}

scsi::Sense sense_of(const CmdResult &r)
{
	return scsi::parse_sense({r.sense.data(), std::min<size_t>(r.sense_len, r.sense.size())});
}

} // namespace vsc::cli
