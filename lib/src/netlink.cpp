// SPDX-License-Identifier: LGPL-2.1-or-later
// The socket side of the netlink view: GET requests and the events
// subscription, over libnl-genl. Parsing is netlink_msg.cpp's.
#include "netlink_msg.hpp"

#include "vport/error.hpp"
#include "vport/monitor.hpp"
#include "vport/vports.hpp"

#include <linux/vhost_vport_genl.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <poll.h>

namespace vport {

namespace {

const std::string family_name = VHOST_VPORT_GENL_NAME;

[[noreturn]] void nl_fail(const std::string &what, int err)
{
	throw SystemError("netlink family " + family_name + ": " + what + ": " + nl_geterror(err));
}

[[noreturn]] void not_loaded()
{
	throw NotFoundError("netlink family " + family_name +
			    " not found: the vhost_vport kernel module is not loaded");
}

// A connected generic netlink socket and the family's id.
class GenlSocket {
public:
	GenlSocket()
	{
		sk_ = nl_socket_alloc();
		if (!sk_)
			throw SystemError("netlink family " + family_name + ": cannot allocate a socket");
		int err = genl_connect(sk_);
		if (err < 0) {
			nl_socket_free(sk_);
			nl_fail("cannot connect", err);
		}
		family_ = genl_ctrl_resolve(sk_, family_name.c_str());
		if (family_ < 0) {
			nl_socket_free(sk_);
			if (family_ == -NLE_OBJ_NOTFOUND)
				not_loaded();
			nl_fail("cannot resolve", family_);
		}
	}
	~GenlSocket() { nl_socket_free(sk_); }
	GenlSocket(const GenlSocket &) = delete;
	GenlSocket &operator=(const GenlSocket &) = delete;

	nl_sock *get() const { return sk_; }
	int family() const { return family_; }

private:
	nl_sock *sk_ = nullptr;
	int family_ = -1;
};

struct MsgFree {
	void operator()(nl_msg *m) const { nlmsg_free(m); }
};

// What a callback saw: valid messages go to @fn; an exception stops it.
struct Receiver {
	std::function<void(const nlmsghdr *)> fn;
	std::exception_ptr error;
};

int on_valid(nl_msg *msg, void *arg)
{
	auto *r = static_cast<Receiver *>(arg);
	try {
		r->fn(nlmsg_hdr(msg));
	} catch (...) {
		r->error = std::current_exception();
		return NL_STOP;
	}
	return NL_OK;
}

// Sends GET (dump if @p dump) with the attributes @p put adds, hands each
// reply to @p fn. Returns the libnl error (0 if fine).
int request(GenlSocket &s, bool dump, const std::function<void(nl_msg *)> &put,
	    const std::function<void(const nlmsghdr *)> &fn)
{
	std::unique_ptr<nl_msg, MsgFree> msg(nlmsg_alloc());
	if (!msg)
		throw SystemError("netlink family " + family_name + ": out of memory");
	if (!genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, s.family(), 0, dump ? NLM_F_DUMP : 0,
			 VHOST_VPORT_CMD_GET, VHOST_VPORT_GENL_VERSION))
		throw SystemError("netlink family " + family_name + ": cannot build a request");
	put(msg.get());
	Receiver r{fn, nullptr};
	nl_socket_disable_auto_ack(s.get());
	nl_socket_modify_cb(s.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &r);
	int err = nl_send_auto(s.get(), msg.get());
	if (err < 0)
		nl_fail("cannot send a request", err);
	err = nl_recvmsgs_default(s.get());
	if (r.error)
		std::rethrow_exception(r.error);
	return err < 0 ? err : 0;
}

VportState get_one(const std::function<void(nl_msg *)> &put, const std::string &what)
{
	GenlSocket s;
	std::optional<VportState> v;
	int err = request(s, false, put,
			  [&](const nlmsghdr *nlh) { v = detail::parse_vport_msg(nlh); });
	if (err == -NLE_OBJ_NOTFOUND)
		throw NotFoundError(what + ": no such vport");
	if (err < 0)
		nl_fail("cannot get " + what, err);
	if (!v)
		throw SystemError("netlink family " + family_name + ": no answer for " + what);
	return *v;
}

} // namespace

std::vector<VportState> list_vports()
{
	GenlSocket s;
	std::vector<VportState> all;
	int err = request(s, true, [](nl_msg *) {},
			  [&](const nlmsghdr *nlh) { all.push_back(detail::parse_vport_msg(nlh)); });
	if (err < 0)
		nl_fail("cannot list vports", err);
	return all;
}

VportState get_vport(Wwn wwpn)
{
	return get_one([&](nl_msg *m) { nla_put_u64(m, VHOST_VPORT_A_WWPN, wwpn.value()); },
		       "vport " + wwpn.colon());
}

VportState get_vport_by_id(std::uint32_t id)
{
	return get_one([&](nl_msg *m) { nla_put_u32(m, VHOST_VPORT_A_ID, id); },
		       "vport id " + std::to_string(id));
}

// ------------------------------------------------------------------ monitor

struct EventMonitor::Impl {
	GenlSocket sock;
	std::deque<Event> pending;
	Receiver recv;

	Impl()
	{
		int grp = genl_ctrl_resolve_grp(sock.get(), family_name.c_str(),
						VHOST_VPORT_GENL_MCGRP_EVENTS);
		if (grp < 0)
			nl_fail("no group \"" VHOST_VPORT_GENL_MCGRP_EVENTS "\"", grp);
		nl_socket_disable_seq_check(sock.get());
		int err = nl_socket_add_membership(sock.get(), grp);
		if (err < 0)
			nl_fail("cannot subscribe to its events", err);
		err = nl_socket_set_nonblocking(sock.get());
		if (err < 0)
			nl_fail("cannot make the socket non-blocking", err);
		// Bursts (a fabric change on many vports) need room.
		nl_socket_set_buffer_size(sock.get(), 1 << 20, 0);
		recv.fn = [this](const nlmsghdr *nlh) {
			Event e = detail::parse_event_msg(nlh);
			e.received = std::chrono::system_clock::now();
			pending.push_back(std::move(e));
		};
		nl_socket_modify_cb(sock.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &recv);
	}

	// Reads what the socket holds; false if nothing was there.
	void drain()
	{
		for (;;) {
			int err = nl_recvmsgs_default(sock.get());
			if (recv.error) {
				auto e = recv.error;
				recv.error = nullptr;
				std::rethrow_exception(e);
			}
			if (err >= 0)
				continue;
			if (err == -NLE_AGAIN)
				return;
			if (err == -NLE_NOMEM) { // ENOBUFS: the kernel dropped events
				Event e;
				e.type = EventType::events_lost;
				e.received = std::chrono::system_clock::now();
				pending.push_back(e);
				continue;
			}
			if (err == -NLE_INTR)
				return;
			nl_fail("cannot read events", err);
		}
	}
};

EventMonitor::EventMonitor() : impl_(std::make_unique<Impl>()) {}
EventMonitor::~EventMonitor() = default;
EventMonitor::EventMonitor(EventMonitor &&) noexcept = default;
EventMonitor &EventMonitor::operator=(EventMonitor &&) noexcept = default;

int EventMonitor::fd() const noexcept
{
	return nl_socket_get_fd(impl_->sock.get());
}

std::optional<Event> EventMonitor::next(std::chrono::milliseconds timeout)
{
	auto take = [this]() -> std::optional<Event> {
		if (impl_->pending.empty())
			return std::nullopt;
		Event e = std::move(impl_->pending.front());
		impl_->pending.pop_front();
		return e;
	};
	if (auto e = take())
		return e;
	impl_->drain();
	if (auto e = take())
		return e;
	pollfd p{fd(), POLLIN, 0};
	int ms = timeout.count() < 0 ? -1 : static_cast<int>(std::min<long long>(timeout.count(), INT32_MAX));
	int n = ::poll(&p, 1, ms);
	if (n < 0) {
		if (errno == EINTR)
			return std::nullopt;
		throw SystemError("netlink family " + family_name + ": cannot wait for events: " +
				  std::strerror(errno));
	}
	if (n == 0)
		return std::nullopt;
	impl_->drain();
	return take();
}

} // namespace vport
