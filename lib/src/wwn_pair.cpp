// SPDX-License-Identifier: LGPL-2.1-or-later
#include "vport/wwn_pair.hpp"

#include "sysfs_util.hpp"
#include "vport/error.hpp"

#include "hex.hpp"

#include <cstdio>

namespace vport {

namespace {

using detail::hex_digit;

std::uint64_t mix(std::uint64_t x) noexcept
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

} // namespace

Uuid Uuid::parse(std::string_view text)
{
	std::string_view t = text;
	if (t.size() >= 2 && t.front() == '{' && t.back() == '}')
		t = t.substr(1, t.size() - 2);
	Uuid u;
	std::size_t n = 0;
	bool dashed = t.find('-') != std::string_view::npos;
	if (dashed && (t.size() != 36 || t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-'))
		throw Error("UUID '" + std::string(text) + "': not in 8-4-4-4-12 form");
	for (std::size_t i = 0; i < t.size(); i++) {
		if (dashed && (i == 8 || i == 13 || i == 18 || i == 23))
			continue;
		int d = hex_digit(t[i]);
		if (d < 0)
			throw Error("UUID '" + std::string(text) + "': '" + t[i] + "' is not a hex digit");
		if (n >= 32)
			throw Error("UUID '" + std::string(text) + "': more than 32 hex digits");
		u.b_[n / 2] = static_cast<std::uint8_t>(u.b_[n / 2] << 4 | d);
		n++;
	}
	if (n != 32)
		throw Error("UUID '" + std::string(text) + "': needs 32 hex digits, got " + std::to_string(n));
	bool zero = true;
	for (auto b : u.b_)
		zero = zero && b == 0;
	if (zero)
		throw Error("UUID '" + std::string(text) + "': the nil UUID names no VM");
	return u;
}

std::string Uuid::str() const
{
	std::string s;
	char buf[3];
	for (std::size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			s += '-';
		std::snprintf(buf, sizeof(buf), "%02x", b_[i]);
		s += buf;
	}
	return s;
}

WwnPrefix WwnPrefix::parse(std::string_view text)
{
	auto bad = [&](const std::string &why) -> WwnError {
		return WwnError("WWN prefix '" + std::string(text) + "': " + why);
	};
	std::string digits;
	for (char c : text) {
		if (c == ':' || c == '-')
			continue;
		if (hex_digit(c) < 0)
			throw bad(std::string("'") + c + "' is not a hex digit");
		digits += c;
	}
	WwnPrefix p;
	auto value = [&](std::size_t from, std::size_t len) {
		std::uint32_t v = 0;
		for (std::size_t i = from; i < from + len; i++)
			v = v << 4 | static_cast<std::uint32_t>(hex_digit(digits[i]));
		return v;
	};
	if (digits.size() == 6) {
		p.kind = Kind::oui;
		p.oui = value(0, 6);
	} else if (digits.size() >= 7 && digits.size() <= 9 && digits[0] == '5') {
		p.kind = Kind::naa5;
		p.oui = value(1, 6);
		p.fixed_bits = static_cast<unsigned>(digits.size() - 7) * 4;
		p.fixed = p.fixed_bits ? value(7, digits.size() - 7) : 0;
	} else {
		throw bad("want an IEEE OUI (6 hex digits, e.g. 00:1b:32) or NAA 5: '5', the OUI and "
			  "up to 2 more hex digits (e.g. 5001b32 or 5001b32a)");
	}
	if (p.oui >> 16 & 0x01)
		throw bad("OUI has the group (multicast) bit set; an assigned OUI never has");
	return p;
}

std::string WwnPrefix::str() const
{
	char buf[32];
	if (kind == Kind::oui) {
		std::snprintf(buf, sizeof(buf), "oui %02x:%02x:%02x", oui >> 16, oui >> 8 & 0xff, oui & 0xff);
	} else {
		std::snprintf(buf, sizeof(buf), "naa5 5%06x", oui);
		std::string s = buf;
		if (fixed_bits) {
			std::snprintf(buf, sizeof(buf), "%0*x", static_cast<int>(fixed_bits / 4), fixed);
			s += buf;
		}
		return s;
	}
	return buf;
}

WwnPair generate_pair(const Uuid &uuid, const WwnPrefix &prefix)
{
	std::uint64_t hi = 0, lo = 0;
	for (std::size_t i = 0; i < 8; i++) {
		hi = hi << 8 | uuid.bytes()[i];
		lo = lo << 8 | uuid.bytes()[8 + i];
	}
	const std::uint64_t h = mix(mix(hi) ^ lo);
	auto name = [&](std::uint64_t role) -> Wwn {
		std::uint64_t v;
		if (prefix.kind == WwnPrefix::Kind::oui) {
			v = 2ULL << 60 | role << 56 | (h >> 24 & 0xff) << 48 |
			    static_cast<std::uint64_t>(prefix.oui) << 24 | (h & 0xffffff);
		} else {
			const unsigned hbits = 34 - prefix.fixed_bits;
			v = 5ULL << 60 | static_cast<std::uint64_t>(prefix.oui) << 36 |
			    static_cast<std::uint64_t>(prefix.fixed) << (36 - prefix.fixed_bits) |
			    (h & ((1ULL << hbits) - 1)) << 2 | role;
		}
		return Wwn::from_u64(v);
	};
	WwnPair p;
	p.a.wwnn = name(0);
	p.a.wwpn = name(1);
	p.b.wwnn = name(2);
	p.b.wwpn = name(3);
	return p;
}

std::vector<WwpnInUse> check_in_use(const SysfsRoot &sys, const std::vector<Wwn> &wwpns)
{
	std::vector<WwpnInUse> found;
	auto scan = [&](const char *cls) {
		for (const auto &name : detail::list_dir(sys / cls)) {
			auto v = detail::read_u64(sys / cls / name / "port_name");
			if (!v)
				continue;
			for (Wwn w : wwpns)
				if (w.value() == *v)
					found.push_back({w, name});
		}
	};
	scan("class/fc_host");
	scan("class/fc_vports");
	return found;
}

} // namespace vport
