// SPDX-License-Identifier: LGPL-2.1-or-later
/// @file
/// World Wide Names: the 64-bit names of Fibre Channel ports (WWPN) and
/// nodes (WWNN).
///
/// A Wwn parses every form in common use:
///
///     21:01:00:1b:32:a9:00:04   colon form (switches, HBA tools, libvirt)
///     2101001b32a90004          plain hex (sysfs vport_create, QEMU wwpn=)
///     0x2101001b32a90004        0x form (sysfs port_name, node_name)
///     naa.2101001b32a90004      naa. form (LIO, vhost-scsi wwpn=naa....)
///
/// all case-insensitive, with exactly 16 hex digits (8 colon-separated
/// pairs in the colon form), and prints each of them.
///
/// Validation follows the Name_Identifier formats of FC-FS (T11): the top
/// four bits are the Network Address Authority (NAA) field, and a 64-bit
/// name may use
///
///   - NAA 1, IEEE 48-bit address: bits 59-48 are zero, bits 47-0 a MAC
///     address (e.g. 10:00:00:00:c9:12:34:56);
///   - NAA 2, IEEE extended: bits 59-48 vendor-assigned, bits 47-0 a MAC
///     address (e.g. 21:01:00:1b:32:a9:00:04);
///   - NAA 3, locally assigned: bits 59-0 assigned by the administrator;
///   - NAA 5, IEEE registered: a 24-bit OUI in bits 59-36, then a 36-bit
///     vendor-specific identifier.
///
/// NAA 6 (IEEE registered extended) names are 128 bits long and cannot be a
/// 64-bit WWN; NAA 4 (32-bit IP address) is obsolete; NAA C-F are CCITT
/// addresses that FC ports do not use; NAA 0 means "no name". Those are
/// rejected by parse() and from_u64(). Names the kernel reports are taken as
/// they are (see unchecked()): the kernel is the authority on what a port
/// is called, even when a driver breaks the rules.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace vport {

/// The NAA field (bits 63-60) of a 64-bit name.
enum class Naa : std::uint8_t {
	none = 0x0,                     ///< zero: not a name
	ieee48 = 0x1,                   ///< IEEE 48-bit address
	ieee_extended = 0x2,            ///< IEEE extended
	locally_assigned = 0x3,         ///< locally assigned
	ip = 0x4,                       ///< 32-bit IP address (obsolete)
	ieee_registered = 0x5,          ///< IEEE registered
	ieee_registered_extended = 0x6, ///< IEEE registered extended (128-bit)
};

/// Human-readable name of an NAA value, e.g. "IEEE extended";
/// "reserved" or "CCITT" for values that have no FC meaning here.
std::string naa_name(unsigned naa);

/// A 64-bit Fibre Channel World Wide Name. A value type: cheap to copy,
/// ordered, hashable.
class Wwn {
public:
	/// Parses any form listed in this file's comment and validates the NAA
	/// rules. Leading and trailing white space (a sysfs newline) is ignored.
	/// @throws WwnError naming the input and what is wrong with it.
	static Wwn parse(std::string_view text);

	/// Like parse(), but checks only the syntax, not the NAA rules; for
	/// looking up names that already exist (a port the kernel reports).
	/// @throws WwnError naming the input and what is wrong with it.
	static Wwn parse_any(std::string_view text);

	/// parse() that returns nothing instead of throwing; @p why (if not
	/// null) receives the error message.
	static std::optional<Wwn> try_parse(std::string_view text, std::string *why = nullptr);

	/// A validated name from its 64-bit value.
	/// @throws WwnError if the value breaks the NAA rules.
	static Wwn from_u64(std::uint64_t value);

	/// A name from its 64-bit value, without validation: for names read
	/// from the kernel.
	static constexpr Wwn unchecked(std::uint64_t value) noexcept { return Wwn(value); }

	/// The 64-bit value.
	constexpr std::uint64_t value() const noexcept { return value_; }

	/// The NAA field (bits 63-60), 0-15.
	constexpr unsigned naa() const noexcept { return static_cast<unsigned>(value_ >> 60); }

	/// The IEEE OUI embedded in the name: bits 47-24 for NAA 1 and 2,
	/// bits 59-36 for NAA 5; nothing for other NAA values.
	std::optional<std::uint32_t> oui() const noexcept;

	/// Why this value is not a valid 64-bit name under the NAA rules, or
	/// nothing if it is valid.
	std::optional<std::string> problem() const;

	/// True if problem() is empty.
	bool valid() const { return !problem(); }

	/// "21:01:00:1b:32:a9:00:04"
	std::string colon() const;
	/// "2101001b32a90004" (what sysfs vport_create and QEMU take)
	std::string hex() const;
	/// "0x2101001b32a90004"
	std::string hex0x() const;
	/// "naa.2101001b32a90004"
	std::string naa_form() const;

	/// The colon form.
	std::string str() const { return colon(); }

	friend constexpr bool operator==(Wwn, Wwn) noexcept = default;
	friend constexpr auto operator<=>(Wwn, Wwn) noexcept = default;

private:
	constexpr explicit Wwn(std::uint64_t value) noexcept : value_(value) {}
	std::uint64_t value_;
};

} // namespace vport

template <>
struct std::hash<vport::Wwn> {
	std::size_t operator()(vport::Wwn w) const noexcept { return std::hash<std::uint64_t>{}(w.value()); }
};
