// SPDX-License-Identifier: LGPL-2.1-or-later
#include "vport/qmp.hpp"

#include "vport/error.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <utility>

namespace vport {

namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(int err)
{
	return std::strerror(err);
}

// Short, one-line excerpt of what a peer sent, for error messages.
std::string excerpt(const std::string &s)
{
	std::string e;
	for (char c : s.substr(0, 80))
		e += (c == '\n' || c == '\r') ? ' ' : c;
	if (s.size() > 80)
		e += "...";
	return e;
}

} // namespace

QmpClient QmpClient::connect(const std::string &path, std::chrono::milliseconds timeout)
{
	sockaddr_un addr{};
	addr.sun_family = AF_UNIX;
	if (path.size() >= sizeof(addr.sun_path))
		throw SystemError("QMP socket " + path + ": path too long", ENAMETOOLONG);
	std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
	int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int err = errno;
		throw SystemError("QMP socket " + path + ": socket: " + errno_text(err), err);
	}
	if (::connect(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0) {
		int err = errno;
		::close(fd);
		std::string why = errno_text(err);
		if (err == ECONNREFUSED)
			why += " (no QEMU listening)";
		throw SystemError("QMP socket " + path + ": " + why, err);
	}
	return from_fd(fd, "QMP socket " + path, timeout);
}

QmpClient QmpClient::from_fd(int fd, std::string name, std::chrono::milliseconds timeout)
{
	QmpClient c(fd, std::move(name), timeout);
	c.handshake();
	return c;
}

QmpClient::QmpClient(QmpClient &&o) noexcept
	: fd_(std::exchange(o.fd_, -1)), name_(std::move(o.name_)), timeout_(o.timeout_), buf_(std::move(o.buf_)),
	  greeting_(std::move(o.greeting_)), events_(std::move(o.events_))
{
}

QmpClient &QmpClient::operator=(QmpClient &&o) noexcept
{
	if (this != &o) {
		if (fd_ >= 0)
			::close(fd_);
		fd_ = std::exchange(o.fd_, -1);
		name_ = std::move(o.name_);
		timeout_ = o.timeout_;
		buf_ = std::move(o.buf_);
		greeting_ = std::move(o.greeting_);
		events_ = std::move(o.events_);
	}
	return *this;
}

QmpClient::~QmpClient()
{
	if (fd_ >= 0)
		::close(fd_);
}

std::string QmpClient::qemu_version() const
{
	try {
		const auto &q = greeting_.at("version").at("qemu");
		return std::to_string(q.at("major").get<int>()) + "." + std::to_string(q.at("minor").get<int>()) + "." +
		       std::to_string(q.at("micro").get<int>());
	} catch (const Json::exception &) {
		return "";
	}
}

void QmpClient::handshake()
{
	auto msg = read_message(Clock::now() + timeout_);
	if (!msg)
		throw QmpProtocolError(name_ + ": not a QEMU QMP socket: no greeting within " +
				       std::to_string(timeout_.count()) + " ms");
	if (!msg->is_object() || !msg->contains("QMP") || !(*msg)["QMP"].is_object())
		throw QmpProtocolError(name_ + ": not a QEMU QMP socket: the greeting is '" + excerpt(msg->dump()) +
				       "', not {\"QMP\": ...}");
	greeting_ = (*msg)["QMP"];
	try {
		execute("qmp_capabilities");
	} catch (const QmpCommandError &e) {
		throw QmpProtocolError(name_ + ": QEMU refused qmp_capabilities: " + e.desc());
	}
}

std::optional<QmpClient::Json> QmpClient::read_message(Clock::time_point deadline)
{
	for (;;) {
		auto nl = buf_.find('\n');
		if (nl != std::string::npos) {
			std::string line = buf_.substr(0, nl);
			buf_.erase(0, nl + 1);
			if (line.find_first_not_of(" \t\r") == std::string::npos)
				continue;
			try {
				return Json::parse(line);
			} catch (const Json::parse_error &) {
				throw QmpProtocolError(name_ + ": not a QEMU QMP socket: it sent '" + excerpt(line) +
						       "', which is not JSON");
			}
		}
		if (buf_.size() > (1u << 24))
			throw QmpProtocolError(name_ + ": a message over 16 MiB without a newline");
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
		if (left.count() <= 0)
			return std::nullopt;
		pollfd p{fd_, POLLIN, 0};
		int r = ::poll(&p, 1, static_cast<int>(left.count()));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int err = errno;
			throw SystemError(name_ + ": poll: " + errno_text(err), err);
		}
		if (r == 0)
			return std::nullopt;
		char chunk[4096];
		ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			int err = errno;
			throw SystemError(name_ + ": read: " + errno_text(err), err);
		}
		if (n == 0) {
			if (!buf_.empty())
				throw QmpProtocolError(name_ + ": the peer closed the connection after '" + excerpt(buf_) + "'");
			throw QmpProtocolError(name_ + ": the peer closed the connection");
		}
		buf_.append(chunk, static_cast<std::size_t>(n));
	}
}

void QmpClient::send(const std::string &text, int pass_fd)
{
	std::size_t off = 0;
	bool fd_sent = pass_fd < 0;
	while (off < text.size()) {
		iovec iov{const_cast<char *>(text.data() + off), text.size() - off};
		msghdr m{};
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
		if (!fd_sent) {
			std::memset(control, 0, sizeof(control));
			m.msg_control = control;
			m.msg_controllen = sizeof(control);
			cmsghdr *c = CMSG_FIRSTHDR(&m);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
		}
		ssize_t n = ::sendmsg(fd_, &m, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int err = errno;
			throw SystemError(name_ + ": write: " + errno_text(err), err);
		}
		fd_sent = true;
		off += static_cast<std::size_t>(n);
	}
}

QmpClient::Json QmpClient::execute(const std::string &command, const Json &arguments, int pass_fd)
{
	if (fd_ < 0)
		throw QmpProtocolError(name_ + ": not connected");
	Json req = {{"execute", command}};
	if (!arguments.is_null())
		req["arguments"] = arguments;
	send(req.dump() + "\n", pass_fd);
	auto deadline = Clock::now() + timeout_;
	for (;;) {
		auto msg = read_message(deadline);
		if (!msg)
			throw QmpProtocolError(name_ + ": no answer to " + command + " within " +
					       std::to_string(timeout_.count()) + " ms");
		if (!msg->is_object())
			throw QmpProtocolError(name_ + ": unexpected message '" + excerpt(msg->dump()) + "'");
		if (msg->contains("event")) {
			events_.push_back(std::move(*msg));
			continue;
		}
		if (msg->contains("return"))
			return (*msg)["return"];
		if (msg->contains("error")) {
			const Json &e = (*msg)["error"];
			std::string cls = e.value("class", std::string("GenericError"));
			std::string desc = e.value("desc", std::string("(no description)"));
			throw QmpCommandError(name_ + ": " + command + ": " + desc, cls, desc);
		}
		throw QmpProtocolError(name_ + ": unexpected message '" + excerpt(msg->dump()) + "'");
	}
}

std::optional<QmpClient::Json> QmpClient::wait_event(const std::string &name, const Json &match,
						     std::chrono::milliseconds timeout)
{
	auto matches = [&](const Json &ev) {
		if (ev.value("event", std::string()) != name)
			return false;
		const Json data = ev.contains("data") ? ev["data"] : Json::object();
		for (const auto &[k, v] : match.items())
			if (!data.contains(k) || data[k] != v)
				return false;
		return true;
	};
	for (auto it = events_.begin(); it != events_.end(); ++it) {
		if (matches(*it)) {
			Json ev = std::move(*it);
			events_.erase(it);
			return ev;
		}
	}
	auto deadline = Clock::now() + timeout;
	for (;;) {
		auto msg = read_message(deadline);
		if (!msg)
			return std::nullopt;
		if (msg->is_object() && msg->contains("event")) {
			if (matches(*msg))
				return msg;
			events_.push_back(std::move(*msg));
		}
		// A stray return/error without a command is ignored.
	}
}

void attach_vhost_scsi(QmpClient &qmp, int vport_fd, const std::string &wwpn_naa, const AttachOptions &opts)
{
	std::string fdname = opts.fdname.empty() ? "vport-" + opts.id : opts.fdname;
	qmp.execute("getfd", {{"fdname", fdname}}, vport_fd);
	try {
		QmpClient::Json args = {
			{"driver", "vhost-scsi-pci"},
			{"id", opts.id},
			{"vhostfd", fdname},
			{"wwpn", wwpn_naa},
		};
		for (const auto &[k, v] : opts.extra.items())
			args[k] = v;
		qmp.execute("device_add", args);
	} catch (...) {
		// If the device got as far as taking the fd out of QEMU's list
		// (monitor_fd_param), QEMU closed it itself and closefd fails;
		// either way QEMU holds no reference afterwards.
		try {
			qmp.execute("closefd", {{"fdname", fdname}});
		} catch (const Error &) {
			// the original error is what matters
		}
		throw;
	}
	// The device took the named fd out of QEMU's list: nothing to close.
}

bool detach_device(QmpClient &qmp, const std::string &id, std::chrono::milliseconds timeout)
{
	qmp.execute("device_del", {{"id", id}});
	return qmp.wait_event("DEVICE_DELETED", {{"device", id}}, timeout).has_value();
}

} // namespace vport
