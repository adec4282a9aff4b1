// SPDX-License-Identifier: LGPL-2.1-or-later
/// @file
/// A QEMU Machine Protocol (QMP) client over a unix socket, enough to hand a
/// vport fd to a running QEMU and hot-plug or unplug a vhost-scsi-pci device.
///
/// The conversation: QEMU greets with {"QMP": {...}}; the client answers
/// qmp_capabilities; then each command gets exactly one {"return": ...} or
/// {"error": {"class", "desc"}}, with asynchronous {"event": ...} messages
/// interleaved (kept for wait_event()). A file descriptor travels as
/// SCM_RIGHTS ancillary data on the same write as the command that takes it
/// (getfd, add-fd).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <optional>
#include <string>

namespace vport {

/// A connected, negotiated QMP session.
class QmpClient {
public:
	using Json = nlohmann::json;

	/// Connects to the unix socket @p path, reads the greeting and
	/// negotiates capabilities.
	/// @throws SystemError (cannot connect), QmpProtocolError (the peer is
	///         not QEMU: no QMP greeting, or it refuses qmp_capabilities).
	static QmpClient connect(const std::string &path,
				 std::chrono::milliseconds timeout = std::chrono::seconds(10));

	/// The same over an already connected stream socket (takes ownership;
	/// tests use a socketpair). @p name names the peer in errors.
	static QmpClient from_fd(int fd, std::string name,
				 std::chrono::milliseconds timeout = std::chrono::seconds(10));

	QmpClient(QmpClient &&other) noexcept;
	QmpClient &operator=(QmpClient &&other) noexcept;
	QmpClient(const QmpClient &) = delete;
	QmpClient &operator=(const QmpClient &) = delete;
	~QmpClient();

	/// The greeting's "QMP" object (version, capabilities).
	const Json &greeting() const noexcept { return greeting_; }
	/// "7.2.22" from the greeting, or "" when absent.
	std::string qemu_version() const;

	/// Runs @p command with @p arguments (an object, or null for none);
	/// @p pass_fd (>= 0) goes along as SCM_RIGHTS. Returns "return".
	/// @throws QmpCommandError when QEMU answers with an error,
	///         QmpProtocolError/SystemError when the conversation breaks.
	Json execute(const std::string &command, const Json &arguments = nullptr, int pass_fd = -1);

	/// Waits for event @p name whose "data" contains every key/value of
	/// @p match (events received earlier count too). Nothing on timeout.
	std::optional<Json> wait_event(const std::string &name, const Json &match, std::chrono::milliseconds timeout);

	/// The socket (e.g. to poll).
	int fd() const noexcept { return fd_; }

private:
	QmpClient(int fd, std::string name, std::chrono::milliseconds timeout) noexcept
		: fd_(fd), name_(std::move(name)), timeout_(timeout) {}
	void handshake();
	// One message, waiting at most until @p deadline; nothing on timeout.
	std::optional<Json> read_message(std::chrono::steady_clock::time_point deadline);
	void send(const std::string &text, int pass_fd);

	int fd_ = -1;
	std::string name_;
	std::chrono::milliseconds timeout_;
	std::string buf_;
	Json greeting_;
	std::deque<Json> events_;
};

/// Options of attach_vhost_scsi().
struct AttachOptions {
	std::string id;          ///< the device id (device_add id=, device_del)
	std::string fdname;      ///< the getfd name; default "vport-<id>"
	nlohmann::json extra = nlohmann::json::object(); ///< more device_add properties (bus, num_queues...)
};

/// Hands @p vport_fd to QEMU (getfd) and device_adds a vhost-scsi-pci with
/// vhostfd=<fdname> and wwpn=naa.<hex of @p wwpn>. On any failure it closes
/// the fd in QEMU again (closefd) and rethrows, so QEMU is left as before;
/// the caller still owns @p vport_fd either way (close it to delete the
/// vport; after success QEMU holds its own reference and keeps the vport).
/// @throws QmpCommandError (QEMU's reason, naming device_add or getfd).
void attach_vhost_scsi(QmpClient &qmp, int vport_fd, const std::string &wwpn_naa, const AttachOptions &opts);

/// device_del @p id and waits for its DEVICE_DELETED event. Returns false
/// when QEMU accepted the request but did not remove the device within
/// @p timeout (PCI unplug needs the guest's cooperation: a paused guest
/// never acknowledges it). @throws QmpCommandError (e.g. DeviceNotFound).
bool detach_device(QmpClient &qmp, const std::string &id, std::chrono::milliseconds timeout);

} // namespace vport
