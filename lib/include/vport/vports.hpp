// SPDX-License-Identifier: LGPL-2.1-or-later
/// @file
/// Every vport the vhost_vport kernel module holds, as its generic netlink
/// family "vhost_vport" reports them: owner, parent, names, state, remote
/// ports with their virtio target ids and LUNs, and I/O counters.
///
/// Reading needs no privilege. The module must be loaded: otherwise every
/// call throws NotFoundError saying so.
#pragma once

#include "vport/wwn.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vport {

/// I/O counters of a vport fd's request queues since the vport was created.
struct VportCounters {
	std::uint64_t commands = 0;      ///< responses written to the guest
	std::uint64_t bytes_read = 0;    ///< data moved to the guest
	std::uint64_t bytes_written = 0; ///< data moved from the guest
	std::uint64_t errors = 0;        ///< responses not OK or SCSI status not GOOD
	std::uint32_t in_flight = 0;     ///< submitted, not completed
};

/// A remote port a vport knows (an FC target, usually).
struct RemotePortState {
	Wwn wwpn = Wwn::unchecked(0);
	Wwn wwnn = Wwn::unchecked(0);
	std::uint32_t port_id = 0;            ///< fabric address (24 bits)
	std::string state;                    ///< "online", "blocked", "offline"
	bool fcp_target = false;
	bool fcp_initiator = false;
	std::optional<std::uint32_t> target_id; ///< virtio target id, once assigned
	std::vector<std::uint64_t> luns;      ///< LUNs the vport sees behind it
};

/// One vport of the kernel module.
struct VportState {
	std::uint32_t id = 0;                 ///< the module's id, never 0
	Wwn wwpn = Wwn::unchecked(0);
	Wwn wwnn = Wwn::unchecked(0);
	std::optional<std::string> parent;    ///< parent fc_host, "host5"
	std::optional<Wwn> parent_wwpn;
	std::optional<Wwn> fabric_name;
	std::optional<std::uint32_t> port_id; ///< the vport's fabric address
	std::string state;                    ///< FC vport state: "active", "linkdown", "initializing"...
	bool logged_in = false;
	bool link_up = false;
	std::optional<std::uint32_t> owner_pid; ///< creator, absent if not visible here
	std::optional<std::string> owner_comm;  ///< creator's command name
	std::optional<std::int64_t> created;    ///< creation time, Unix seconds
	std::optional<std::string> host;      ///< the vport's own fc_host, "host7"
	bool endpoint = false;                ///< a VMM has set the vhost-scsi endpoint
	std::vector<RemotePortState> rports;
	VportCounters counters;
};

/// Every vport the module holds, by id.
/// @throws NotFoundError if the module is not loaded; SystemError if the
/// kernel cannot be asked.
std::vector<VportState> list_vports();

/// The vport with this WWPN.
/// @throws NotFoundError naming the WWPN if the module holds no such vport,
/// or if the module is not loaded; SystemError as list_vports().
VportState get_vport(Wwn wwpn);

/// The vport with this id (as events report it).
/// @throws as get_vport(Wwn).
VportState get_vport_by_id(std::uint32_t id);

/// The name of a vhost_vport_state value: "active", "linkdown"...
std::string vport_state_name(std::uint32_t state);

} // namespace vport
