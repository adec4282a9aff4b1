// SPDX-License-Identifier: LGPL-2.1-or-later
#include "vport/pr.hpp"

#include "scsi_bsg.hpp"

#include <cstdio>
#include <vector>

namespace vport {

namespace {

std::uint64_t be64(const std::uint8_t *p)
{
	std::uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

std::uint32_t be32(const std::uint8_t *p)
{
	return static_cast<std::uint32_t>(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

std::string hex(std::span<const std::uint8_t> b)
{
	std::string s;
	char buf[3];
	for (auto c : b) {
		std::snprintf(buf, sizeof(buf), "%02x", c);
		s += buf;
	}
	return s;
}

std::string key_text(std::uint64_t key)
{
	char buf[24];
	std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(key));
	return buf;
}

} // namespace

std::string pr_type_name(std::uint8_t type)
{
	switch (type) {
	case 0: return "none";
	case 1: return "write-exclusive";
	case 3: return "exclusive-access";
	case 5: return "write-exclusive-registrants-only";
	case 6: return "exclusive-access-registrants-only";
	case 7: return "write-exclusive-all-registrants";
	case 8: return "exclusive-access-all-registrants";
	}
	return "type-" + std::to_string(type);
}

const PrRegistration *PrStatus::holder() const
{
	for (const auto &r : registrations)
		if (r.holder)
			return &r;
	return nullptr;
}

std::vector<const PrRegistration *> PrStatus::of(Wwn wwpn) const
{
	std::vector<const PrRegistration *> out;
	for (const auto &r : registrations)
		if (r.initiator && r.initiator->value() == wwpn.value())
			out.push_back(&r);
	return out;
}

PrStatus parse_pr_full_status(std::span<const std::uint8_t> d)
{
	if (d.size() < 8)
		throw PrError("READ FULL STATUS: " + std::to_string(d.size()) + " bytes, less than its 8-byte header");
	PrStatus st;
	st.generation = be32(&d[0]);
	std::size_t end = 8 + std::size_t{be32(&d[4])};
	// A device may have more to say than the buffer held: parse what came.
	end = std::min(end, d.size());
	std::size_t i = 8;
	while (i + 24 <= end) {
		PrRegistration r;
		r.key = be64(&d[i]);
		r.all_tg_pt = d[i + 12] & 2;
		r.holder = d[i + 12] & 1;
		r.scope = d[i + 13] >> 4;
		r.type = d[i + 13] & 0xf;
		r.relative_target_port = static_cast<std::uint16_t>(d[i + 18] << 8 | d[i + 19]);
		std::size_t len = be32(&d[i + 20]);
		if (len > end - (i + 24)) {
			if (end < 8 + std::size_t{be32(&d[4])})
				break; // cut off by the buffer, not malformed
			throw PrError("READ FULL STATUS: descriptor at byte " + std::to_string(i) + " claims " +
				      std::to_string(len) + " bytes of TransportID, past the end of the data");
		}
		auto tid = d.subspan(i + 24, len);
		r.transport_id = hex(tid);
		// Fibre Channel TransportID: protocol 0, format 0, N_Port name
		// in bytes 8-15 of 24.
		if (len >= 16 && (tid[0] & 0xf) == 0 && (tid[0] >> 6) == 0) {
			std::uint64_t w = be64(&tid[8]);
			if (w)
				r.initiator = Wwn::unchecked(w);
		}
		st.registrations.push_back(std::move(r));
		i += 24 + len;
	}
	return st;
}

std::array<std::uint8_t, 24> pr_out_parameters(std::uint64_t key, std::uint64_t sa_key)
{
	std::array<std::uint8_t, 24> p{};
	for (int i = 0; i < 8; i++) {
		p[i] = static_cast<std::uint8_t>(key >> (56 - 8 * i));
		p[8 + i] = static_cast<std::uint8_t>(sa_key >> (56 - 8 * i));
	}
	return p;
}

PrStatus PrLun::read_full_status() const
{
	std::vector<std::uint8_t> buf(8192);
	const std::uint8_t cdb[10] = {0x5e, 3, 0, 0, 0, 0, 0, static_cast<std::uint8_t>(buf.size() >> 8),
				      static_cast<std::uint8_t>(buf.size() & 0xff), 0};
	try {
		detail::BsgDevice dev(hctl_);
		auto o = dev.in(cdb, buf);
		if (!o.good())
			throw PrError("LUN " + hctl_ + ": PERSISTENT RESERVE IN (READ FULL STATUS): " + o.describe());
		return parse_pr_full_status(std::span(buf.data(), o.got));
	} catch (const SystemError &e) {
		throw PrError("LUN " + hctl_ + ": " + e.what());
	}
}

void PrLun::out(std::uint8_t sa, std::uint8_t type, std::uint64_t key, std::uint64_t sa_key, const char *what) const
{
	auto params = pr_out_parameters(key, sa_key);
	const std::uint8_t cdb[10] = {0x5f, sa, static_cast<std::uint8_t>(type & 0xf), 0, 0, 0, 0, 0, 24, 0};
	try {
		detail::BsgDevice dev(hctl_);
		auto o = dev.out(cdb, params);
		if (!o.good())
			throw PrError("LUN " + hctl_ + ": PERSISTENT RESERVE OUT (" + what + ", key " + key_text(key) +
				      ", service action key " + key_text(sa_key) + "): " + o.describe());
	} catch (const SystemError &e) {
		throw PrError("LUN " + hctl_ + ": " + e.what());
	}
}

void PrLun::register_key(std::uint64_t key) const
{
	out(6, 0, 0, key, "REGISTER AND IGNORE EXISTING KEY");
}

void PrLun::unregister(std::uint64_t key) const
{
	out(0, 0, key, 0, "REGISTER, unregistering");
}

void PrLun::reserve(std::uint64_t key, std::uint8_t type) const
{
	out(1, type, key, 0, "RESERVE");
}

void PrLun::preempt(std::uint64_t key, std::uint64_t victim_key, std::uint8_t type) const
{
	out(4, type, key, victim_key, "PREEMPT");
}

} // namespace vport
