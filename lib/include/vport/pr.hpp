// SPDX-License-Identifier: LGPL-2.1-or-later
/// @file
/// SCSI-3 persistent reservations (SPC-4 PERSISTENT RESERVE IN/OUT) of a
/// LUN, as seen and changed through one vport's I_T nexus.
///
/// A reservation belongs to an I_T nexus: the initiator port (a vport's WWPN)
/// and the target port.  When a VM moves from vport A to vport B its
/// reservation must move with it, or the guest loses access (or a third
/// initiator gains it).  Migration does that with these calls, issued through
/// B's LUNs on the host (their bsg nodes; B's LUNs have no block device):
/// register B with the key A holds (prepare), PREEMPT A's key from B at
/// switch-over, which moves the reservation to B and removes A's
/// registration in one step (commit), or unregister B again (abort).
#pragma once

#include "vport/error.hpp"
#include "vport/wwn.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace vport {

/// A PERSISTENT RESERVE command the device refused (RESERVATION CONFLICT,
/// a CHECK CONDITION...), or that did not reach it.
class PrError : public Error {
public:
	using Error::Error;
};

/// Reservation types (SPC-4 table "Persistent reservation type codes").
enum class PrType : std::uint8_t {
	none = 0,
	write_exclusive = 1,
	exclusive_access = 3,
	write_exclusive_registrants_only = 5,
	exclusive_access_registrants_only = 6,
	write_exclusive_all_registrants = 7,
	exclusive_access_all_registrants = 8,
};

/// "write-exclusive", "exclusive-access-registrants-only"...; "type-N" else.
std::string pr_type_name(std::uint8_t type);

/// One registration from READ FULL STATUS.
struct PrRegistration {
	std::uint64_t key = 0;
	bool holder = false;      ///< R_HOLDER: this I_T nexus holds the reservation
	bool all_tg_pt = false;
	std::uint8_t scope = 0;   ///< valid if holder
	std::uint8_t type = 0;    ///< valid if holder (PrType)
	std::uint16_t relative_target_port = 0;
	/// The initiator port, if the TransportID is Fibre Channel (protocol 0).
	std::optional<Wwn> initiator;
	std::string transport_id; ///< the TransportID in hex
};

/// READ FULL STATUS: every registration of the LUN.
struct PrStatus {
	std::uint32_t generation = 0;
	std::vector<PrRegistration> registrations;

	/// The reservation holder's registration (the first one, for the
	/// all-registrants types), or null if the LUN is not reserved.
	const PrRegistration *holder() const;
	/// The registrations of initiator @p wwpn.
	std::vector<const PrRegistration *> of(Wwn wwpn) const;
};

/// Parses READ FULL STATUS parameter data.
/// @throws PrError on data that contradicts itself (lengths).
PrStatus parse_pr_full_status(std::span<const std::uint8_t> data);

/// The 24-byte PERSISTENT RESERVE OUT parameter list (basic form).
std::array<std::uint8_t, 24> pr_out_parameters(std::uint64_t key, std::uint64_t service_action_key);

/// The PERSISTENT RESERVE commands of one LUN, through the bsg node of a
/// SCSI device on this host (H:C:T:L); the I_T nexus is that device's.
/// Every error names the node and the LUN.
class PrLun {
public:
	explicit PrLun(std::string hctl) : hctl_(std::move(hctl)) {}

	/// PERSISTENT RESERVE IN, READ FULL STATUS.
	PrStatus read_full_status() const;
	/// REGISTER AND IGNORE EXISTING KEY: this nexus registers @p key.
	void register_key(std::uint64_t key) const;
	/// REGISTER with service action key 0: this nexus (registered with
	/// @p key) unregisters (releasing a reservation it holds).
	void unregister(std::uint64_t key) const;
	/// RESERVE with @p type (scope LU), this nexus registered with @p key.
	void reserve(std::uint64_t key, std::uint8_t type) const;
	/// PREEMPT: this nexus (registered with @p key) removes every other
	/// registration with @p victim_key; if @p victim_key holds the
	/// reservation, this nexus takes it over with @p type.
	void preempt(std::uint64_t key, std::uint64_t victim_key, std::uint8_t type) const;

	const std::string &hctl() const { return hctl_; }

private:
	void out(std::uint8_t service_action, std::uint8_t type, std::uint64_t key, std::uint64_t sa_key,
		 const char *what) const;
	std::string hctl_;
};

} // namespace vport
