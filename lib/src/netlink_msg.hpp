// SPDX-License-Identifier: LGPL-2.1-or-later
// The message layer of the netlink side: turns the messages of the
// "vhost_vport" generic netlink family into the library's structs, without
// a socket, so that unit tests can feed it messages they build themselves.
#pragma once

#include "vport/monitor.hpp"
#include "vport/vports.hpp"

struct nlmsghdr;

namespace vport::detail {

/// A VHOST_VPORT_CMD_GET reply (the generic netlink header included).
/// @throws SystemError naming what is missing or malformed.
VportState parse_vport_msg(const nlmsghdr *nlh);

/// A VHOST_VPORT_CMD_EVENT message; received is left at its default.
/// @throws SystemError naming what is missing or malformed.
Event parse_event_msg(const nlmsghdr *nlh);

/// The EventType of a vhost_vport_event value (unknown for new ones).
EventType event_type_of(std::uint32_t raw);

} // namespace vport::detail
