// SPDX-License-Identifier: LGPL-2.1-or-later
/// @file
/// Probing with a WWPN: log a vport in for a moment and report which targets
/// and LUNs it sees, so an admin can check zoning and LUN masking before a VM
/// uses the WWPN.
///
/// The vport is created with VHOST_VPORT_CREATE (so it needs root) and
/// deleted again when probe() returns.  Its LUNs exist on the host only as
/// SCSI devices without a driver; probe() asks each one INQUIRY, the device
/// identification VPD page (0x83) and READ CAPACITY(16) through its bsg node
/// (/dev/bsg/H:C:T:L).
#pragma once

#include "vport/vport.hpp"
#include "vport/wwn.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vport {

/// One identifier from the device identification VPD page.
struct Designator {
	std::string type;  ///< "naa", "eui64", "t10", "scsi-name", "other"
	std::string value; ///< naa/eui64 as hex, t10/scsi-name as text
	friend bool operator==(const Designator &, const Designator &) = default;
};

/// What one LUN answered.
struct ProbedLun {
	Wwn target = Wwn::unchecked(0); ///< the remote port's WWPN
	std::uint64_t lun = 0;
	std::string hctl;          ///< the host's H:C:T:L of the SCSI device
	int peripheral_type = -1;  ///< INQUIRY byte 0, bits 0-4
	std::string vendor, product, revision;
	std::uint64_t blocks = 0;  ///< READ CAPACITY(16); 0 if not a disk
	std::uint32_t block_size = 0;
	std::vector<Designator> designators;
	std::string error;         ///< why something could not be read
};

/// The result of a probe.
struct ProbeResult {
	VportFdInfo vport;           ///< where the vport logged in
	std::vector<Wwn> targets;    ///< FCP target ports the vport saw
	std::vector<ProbedLun> luns; ///< sorted by target, then LUN
};

/// Creates a vport as @p req says, reads what it sees, deletes it.
/// @throws SystemError as Vport::create(); per-LUN failures land in
///         ProbedLun::error instead.
ProbeResult probe(const CreateRequest &req);

/// Reads every LUN of an existing SCSI host ("host7", e.g. a running
/// vport's, whoever owns its fd) the way probe() does, sorted by target,
/// then LUN.  Per-LUN failures land in ProbedLun::error.
std::vector<ProbedLun> probe_luns(const std::string &host);

/// Parses a standard INQUIRY answer into @p lun (vendor, product, revision
/// without trailing blanks; peripheral type).  False if too short.
bool parse_inquiry(std::span<const std::uint8_t> data, ProbedLun &lun);
/// Parses a device identification VPD page (0x83).
std::vector<Designator> parse_vpd83(std::span<const std::uint8_t> page);

} // namespace vport
