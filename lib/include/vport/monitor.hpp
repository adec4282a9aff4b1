// SPDX-License-Identifier: LGPL-2.1-or-later
/// @file
/// Events of the vhost_vport kernel module as they happen: vports created
/// and deleted, fabric login changes, remote ports and LUNs that come and
/// go, links going down and up (the "events" group of the generic netlink
/// family "vhost_vport").
///
///     vport::EventMonitor mon;          // subscribed from here on
///     while (auto ev = mon.next(std::chrono::seconds(1)))
///             std::cout << vport::event_type_name(ev->type) << '\n';
///
/// fd() is the socket to put in a poll()/epoll set; once it is readable,
/// next(0ms) returns what arrived.
#pragma once

#include "vport/wwn.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace vport {

enum class EventType {
	vport_created,
	vport_deleted,
	login_state,   ///< logged_in says which way
	rport_added,   ///< a remote port came online (rport)
	rport_removed, ///< a remote port went away (rport)
	lun_added,     ///< rport, lun
	lun_removed,   ///< rport, lun
	link_down,
	link_up,
	events_lost,   ///< the socket overflowed: events were dropped; re-read the state
	unknown,       ///< a newer module's event
};

/// "vport-created", "login-state", "lun-added"... ("events-lost", "unknown").
std::string_view event_type_name(EventType t);

struct Event {
	EventType type = EventType::unknown;
	std::uint32_t raw_type = 0;           ///< the kernel's number for the event
	std::uint32_t vport_id = 0;           ///< 0 for events_lost
	Wwn wwpn = Wwn::unchecked(0);         ///< the vport's
	Wwn wwnn = Wwn::unchecked(0);
	std::optional<Wwn> rport;             ///< remote port of rport and LUN events
	std::optional<std::uint64_t> lun;     ///< LUN of LUN events
	std::optional<bool> logged_in;        ///< login_state events
	std::chrono::system_clock::time_point received; ///< when the library read it
};

/// A subscription to the module's events; unsubscribes when destroyed.
class EventMonitor {
public:
	/// Subscribes.
	/// @throws NotFoundError if the module is not loaded; SystemError if
	/// the socket cannot be set up.
	EventMonitor();
	~EventMonitor();
	EventMonitor(EventMonitor &&) noexcept;
	EventMonitor &operator=(EventMonitor &&) noexcept;
	EventMonitor(const EventMonitor &) = delete;
	EventMonitor &operator=(const EventMonitor &) = delete;

	/// The netlink socket, non-blocking, for poll()/epoll.
	int fd() const noexcept;

	/// The next event, waiting at most @p timeout (negative: forever).
	/// Nothing if none arrived in time; EINTR also ends the wait early
	/// with nothing, so a signal handler can stop a loop.
	/// @throws SystemError if the socket fails.
	std::optional<Event> next(std::chrono::milliseconds timeout);

private:
	struct Impl;
	std::unique_ptr<Impl> impl_;
};

} // namespace vport
