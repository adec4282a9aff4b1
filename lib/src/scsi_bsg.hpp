// SPDX-License-Identifier: LGPL-2.1-or-later
// Internal: SCSI commands through a LUN's bsg node (/dev/bsg/H:C:T:L), and
// the SCSI devices of one SCSI host as sysfs lists them.  A vport's LUNs
// have no block device on the host (no driver binds them), so bsg is how the
// library reaches them: probe, migration's identity check and persistent
// reservations.
#pragma once

#include "vport/wwn.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace vport::detail {

/// What one command came back with.
struct ScsiOutcome {
	std::string error;         ///< "" if it ran to a SCSI status; else why not
	int status = -1;           ///< SCSI status (0 GOOD, 2 CHECK CONDITION, 0x18 RESERVATION CONFLICT)
	std::uint8_t sense_key = 0, asc = 0, ascq = 0;
	std::uint32_t got = 0;     ///< data-in bytes received

	bool good() const { return error.empty() && status == 0; }
	/// "GOOD", "RESERVATION CONFLICT", "CHECK CONDITION sense 5/24/00", or error.
	std::string describe() const;
};

/// An open bsg node. Unit attentions (a login, a reset, a reservation
/// change) are retried, up to three times.
class BsgDevice {
public:
	/// @throws SystemError naming the node.
	explicit BsgDevice(const std::string &hctl);
	~BsgDevice();
	BsgDevice(const BsgDevice &) = delete;
	BsgDevice &operator=(const BsgDevice &) = delete;

	ScsiOutcome in(std::span<const std::uint8_t> cdb, std::span<std::uint8_t> data, unsigned timeout_ms = 10000);
	ScsiOutcome out(std::span<const std::uint8_t> cdb, std::span<const std::uint8_t> data,
			unsigned timeout_ms = 10000);
	const std::string &node() const { return node_; }

private:
	ScsiOutcome run(std::span<const std::uint8_t> cdb, std::uint8_t *data, std::uint32_t len, bool to_device,
			unsigned timeout_ms);
	int fd_ = -1;
	std::string node_;
};

/// A SCSI device of a host, as sysfs shows it.
struct HostLun {
	std::string hctl;                  ///< "7:0:0:1"
	Wwn target = Wwn::unchecked(0);    ///< the FC remote port it hangs below (0 if none)
	std::uint64_t lun = 0;
};

/// Every SCSI device of @p host ("host7"), sorted by target WWPN, then LUN.
std::vector<HostLun> host_luns(const std::string &host);

/// The first line of a (sysfs) file, "" if unreadable.
std::string read_first_line(const std::string &path);

} // namespace vport::detail
