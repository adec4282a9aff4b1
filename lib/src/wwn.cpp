// SPDX-License-Identifier: LGPL-2.1-or-later
#include "vport/wwn.hpp"

#include "vport/error.hpp"

#include "hex.hpp"

#include <array>
#include <cctype>
#include <cstdio>

namespace vport {

namespace {

using detail::hex_digit;

bool starts_with_nocase(std::string_view s, std::string_view prefix) noexcept
{
	if (s.size() < prefix.size())
		return false;
	for (std::size_t i = 0; i < prefix.size(); i++)
		if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i])
			return false;
	return true;
}

std::string_view trim(std::string_view s) noexcept
{
	while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
		s.remove_prefix(1);
	while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
		s.remove_suffix(1);
	return s;
}

[[noreturn]] void bad(std::string_view text, const std::string &why)
{
	throw WwnError("WWN '" + std::string(text) + "': " + why);
}

// Exactly 16 hex digits, or a message.
std::uint64_t parse_hex16(std::string_view text, std::string_view digits, const char *form)
{
	if (digits.size() != 16)
		bad(text, std::string(form) + " needs exactly 16 hex digits, got " +
				  std::to_string(digits.size()));
	std::uint64_t v = 0;
	for (char c : digits) {
		int d = hex_digit(c);
		if (d < 0)
			bad(text, std::string("'") + c + "' is not a hex digit");
		v = v << 4 | static_cast<std::uint64_t>(d);
	}
	return v;
}

std::uint64_t parse_syntax(std::string_view original)
{
	std::string_view text = trim(original);
	if (text.empty())
		bad(original, "empty");
	if (text.find(':') != std::string_view::npos) {
		// 8 groups of exactly 2 hex digits.
		std::uint64_t v = 0;
		std::size_t groups = 0;
		std::size_t pos = 0;
		for (;;) {
			std::size_t end = text.find(':', pos);
			std::string_view g = text.substr(pos, end == std::string_view::npos ? end : end - pos);
			if (g.size() != 2)
				bad(original, "colon form needs 8 groups of 2 hex digits (xx:xx:xx:xx:xx:xx:xx:xx)");
			for (char c : g) {
				int d = hex_digit(c);
				if (d < 0)
					bad(original, std::string("'") + c + "' is not a hex digit");
				v = v << 4 | static_cast<std::uint64_t>(d);
			}
			if (++groups > 8)
				break;
			if (end == std::string_view::npos)
				break;
			pos = end + 1;
		}
		if (groups != 8)
			bad(original, "colon form needs 8 groups of 2 hex digits (xx:xx:xx:xx:xx:xx:xx:xx)");
		return v;
	}
	if (starts_with_nocase(text, "0x"))
		return parse_hex16(original, text.substr(2), "0x form");
	if (starts_with_nocase(text, "naa."))
		return parse_hex16(original, text.substr(4), "naa. form");
	return parse_hex16(original, text, "a WWN");
}

} // namespace

std::string naa_name(unsigned naa)
{
	switch (naa) {
	case 0x0: return "none";
	case 0x1: return "IEEE 48-bit";
	case 0x2: return "IEEE extended";
	case 0x3: return "locally assigned";
	case 0x4: return "32-bit IP (obsolete)";
	case 0x5: return "IEEE registered";
	case 0x6: return "IEEE registered extended";
	case 0xc: case 0xd: case 0xe: case 0xf: return "CCITT";
	default: return "reserved";
	}
}

Wwn Wwn::parse(std::string_view text)
{
	Wwn w(parse_syntax(text));
	if (auto why = w.problem())
		bad(text, *why);
	return w;
}

Wwn Wwn::parse_any(std::string_view text)
{
	return Wwn(parse_syntax(text));
}

std::optional<Wwn> Wwn::try_parse(std::string_view text, std::string *why)
{
	try {
		return parse(text);
	} catch (const WwnError &e) {
		if (why)
			*why = e.what();
		return std::nullopt;
	}
}

Wwn Wwn::from_u64(std::uint64_t value)
{
	Wwn w(value);
	if (auto why = w.problem())
		throw WwnError("WWN " + w.hex0x() + ": " + *why);
	return w;
}

std::optional<std::uint32_t> Wwn::oui() const noexcept
{
	switch (naa()) {
	case 1:
	case 2: return static_cast<std::uint32_t>(value_ >> 24 & 0xffffff);
	case 5: return static_cast<std::uint32_t>(value_ >> 36 & 0xffffff);
	default: return std::nullopt;
	}
}

std::optional<std::string> Wwn::problem() const
{
	unsigned n = naa();
	switch (n) {
	case 0x1:
		if (value_ >> 48 & 0xfff)
			return "NAA 1 (IEEE 48-bit) names must have zeros in bits 59-48 (1000:xxxx...)";
		return std::nullopt;
	case 0x2:
	case 0x3:
	case 0x5:
		return std::nullopt;
	case 0x0:
		if (value_ == 0)
			return "zero is not a name";
		return "NAA 0 is not a valid name type";
	case 0x6:
		return "NAA 6 (IEEE registered extended) names are 128 bits long, not a 64-bit WWN";
	default:
		return "NAA " + std::to_string(n) + " (" + naa_name(n) +
		       ") is not a valid FC port or node name type (use 1, 2, 3 or 5)";
	}
}

std::string Wwn::colon() const
{
	std::array<char, 24> buf{};
	std::snprintf(buf.data(), buf.size(), "%02x:%02x:%02x:%02x:%02x:%02x:%02x:%02x",
		      static_cast<unsigned>(value_ >> 56 & 0xff), static_cast<unsigned>(value_ >> 48 & 0xff),
		      static_cast<unsigned>(value_ >> 40 & 0xff), static_cast<unsigned>(value_ >> 32 & 0xff),
		      static_cast<unsigned>(value_ >> 24 & 0xff), static_cast<unsigned>(value_ >> 16 & 0xff),
		      static_cast<unsigned>(value_ >> 8 & 0xff), static_cast<unsigned>(value_ & 0xff));
	return buf.data();
}

std::string Wwn::hex() const
{
	std::array<char, 17> buf{};
	std::snprintf(buf.data(), buf.size(), "%016llx", static_cast<unsigned long long>(value_));
	return buf.data();
}

std::string Wwn::hex0x() const
{
	return "0x" + hex();
}

std::string Wwn::naa_form() const
{
	return "naa." + hex();
}

} // namespace vport
