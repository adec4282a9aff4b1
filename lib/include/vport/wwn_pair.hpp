// SPDX-License-Identifier: LGPL-2.1-or-later
/// @file
/// Deterministic A/B WWN pairs for live migration.
///
/// A WWPN can be logged in to a fabric only once, so a VM that migrates
/// needs two port names: set A on the source, set B on the destination
/// (Hyper-V's and PowerVM's scheme). The storage array zones and masks both;
/// the guest's multipath sees the paths come and go. Every set is a WWPN and
/// a WWNN. generate_pair() derives both sets from the VM's UUID and a
/// configured prefix, so any host computes the same names for the same VM
/// without a shared database.
///
/// The scheme (version 1, stable: changing it would rename every VM):
///
///   h = mix(mix(hi64(uuid)) ^ lo64(uuid)), where mix() is the SplitMix64
///   finaliser (x ^= x>>30; x *= 0xbf58476d1ce4e5b9; x ^= x>>27;
///   x *= 0x94d049bb133111eb; x ^= x>>31) and hi64/lo64 are the UUID's 16
///   bytes as two big-endian 64-bit numbers.
///
///   role r: 0 = WWNN A, 1 = WWPN A, 2 = WWNN B, 3 = WWPN B.
///
///   OUI prefix ("00:1b:32", "001b32"): NAA 2 (IEEE extended) names
///       2 | r (4 bits) | h[31:24] (8 bits) | OUI (24 bits) | h[23:0] (24 bits)
///     so WWPN A reads 21:hh:00:1b:32:hh:hh:hh and WWNN A 20:hh:..., the
///     customary 20:/21: look of HBA names; 32 bits come from the UUID.
///
///   NAA 5 prefix ("5" + OUI + 0-2 more hex digits of a fixed vendor part,
///     e.g. "5001b32" or "5001b32a"): NAA 5 (IEEE registered) names
///       5 | OUI (24 bits) | fixed (4*k bits) | h (34-4*k bits) | r (2 bits)
///     with k = 0-2 extra digits, so 26-34 bits come from the UUID.
///
/// All four names of a pair always differ (r differs). Two VMs collide only
/// if their UUIDs' hashes agree in the used bits (about 1 in 4 billion
/// for an OUI prefix); check_in_use() catches a collision on this host.
#pragma once

#include "vport/sysfs.hpp"
#include "vport/wwn.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vport {

/// A VM UUID (RFC 4122 text form, with or without dashes, any case,
/// optionally in braces).
class Uuid {
public:
	/// @throws Error "UUID 'x': ..." for anything else.
	static Uuid parse(std::string_view text);
	const std::array<std::uint8_t, 16> &bytes() const noexcept { return b_; }
	/// Lower-case 8-4-4-4-12 form.
	std::string str() const;

private:
	std::array<std::uint8_t, 16> b_{};
};

/// A WWN prefix for generated names (see the file comment).
struct WwnPrefix {
	enum class Kind { oui, naa5 };
	Kind kind = Kind::oui;
	std::uint32_t oui = 0;       ///< 24-bit IEEE OUI
	std::uint32_t fixed = 0;     ///< NAA 5 only: the fixed vendor bits
	unsigned fixed_bits = 0;     ///< NAA 5 only: 0, 4 or 8

	/// Parses "00:1b:32", "001b32", "00-1b-32" (an OUI), or "5" + 6 hex
	/// digits of OUI + 0-2 hex digits (NAA 5), colons allowed anywhere.
	/// @throws WwnError naming the text and what is wrong.
	static WwnPrefix parse(std::string_view text);
	/// "oui 00:1b:32" or "naa5 5001b32a".
	std::string str() const;
};

/// One set: the names a vport logs in with.
struct WwnSet {
	Wwn wwpn = Wwn::unchecked(0);
	Wwn wwnn = Wwn::unchecked(0);
};

/// The A and B sets of a VM.
struct WwnPair {
	WwnSet a;
	WwnSet b;
};

/// The pair of @p uuid under @p prefix (scheme version 1 above). Every
/// name is valid under the NAA rules.
WwnPair generate_pair(const Uuid &uuid, const WwnPrefix &prefix);

/// A WWPN found on this host: which port has it.
struct WwpnInUse {
	Wwn wwpn = Wwn::unchecked(0);
	std::string where; ///< "host7" (an fc_host) or "vport-5:0-0" (an fc_vport)
};

/// Which of @p wwpns some FC port on this host already uses: every fc_host
/// port_name and every fc_vport port_name under @p sys.
std::vector<WwpnInUse> check_in_use(const SysfsRoot &sys, const std::vector<Wwn> &wwpns);

} // namespace vport
