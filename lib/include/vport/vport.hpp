// SPDX-License-Identifier: LGPL-2.1-or-later
/// @file
/// Creating a vport through /dev/vhost-vport and owning its fd.
///
/// A Vport is the fd VHOST_VPORT_CREATE returns: an NPIV vport logged in to
/// the fabric whose fd speaks the vhost-scsi ABI (QEMU's vhost-scsi-pci takes
/// it as vhostfd=). The vport lives exactly as long as that fd, or any
/// duplicate of it (a dup QEMU received with SCM_RIGHTS or inherited at
/// exec): destroying the Vport closes the library's fd, and the kernel
/// deletes the vport when the last reference is closed. release_fd() hands
/// the fd over (to exec, to QMP) without closing it.
#pragma once

#include "vport/wwn.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vport {

/// How the kernel picks the HBA port a new vport runs on.
struct ParentSpec {
	enum class By {
		any,    ///< any online NPIV-capable port with room
		name,   ///< by SCSI host name ("host5"); not stable across reboots
		wwpn,   ///< by the port's WWPN
		fabric, ///< any port on the fabric with this name
	};
	By by = By::any;
	std::string name;                   ///< for By::name
	Wwn wwn = Wwn::unchecked(0);        ///< for By::wwpn, By::fabric

	static ParentSpec any() { return {}; }
	static ParentSpec by_name(std::string host) { return {By::name, std::move(host), Wwn::unchecked(0)}; }
	static ParentSpec by_wwpn(Wwn w) { return {By::wwpn, {}, w}; }
	static ParentSpec by_fabric(Wwn w) { return {By::fabric, {}, w}; }

	/// "any parent", "parent host5", "parent 20:00:...", "fabric 10:00:..."
	std::string describe() const;

	friend bool operator==(const ParentSpec &, const ParentSpec &) = default;
};

/// What VHOST_VPORT_CREATE needs.
struct CreateRequest {
	Wwn wwpn = Wwn::unchecked(0);
	Wwn wwnn = Wwn::unchecked(0);
	ParentSpec parent;
	/// How long the kernel waits for the fabric login; 0 = its default (30 s).
	std::uint32_t login_timeout_ms = 0;
	/// The control device (tests may point elsewhere).
	std::string control_device = "/dev/vhost-vport";
};

/// GET_INFO: what a vport fd is and where it lives.
struct VportFdInfo {
	Wwn wwpn = Wwn::unchecked(0);
	Wwn wwnn = Wwn::unchecked(0);
	Wwn parent_wwpn = Wwn::unchecked(0);
	Wwn fabric_name = Wwn::unchecked(0);
	std::uint32_t port_id = 0;   ///< the fabric's 24-bit address of the vport
	std::uint32_t nr_rports = 0; ///< remote ports online
	std::string parent;          ///< parent fc_host ("host5")
	std::string host;            ///< the vport's own fc_host ("host7")
};

/// One entry of the target-id table: virtio target id -> remote port.
struct Target {
	Wwn wwpn = Wwn::unchecked(0);
	std::uint32_t id = 0;
	friend bool operator==(const Target &, const Target &) = default;
};

/// The message for a failed VHOST_VPORT_CREATE with @p err (an errno),
/// naming the WWPN and the parent and saying what the cause means.
std::string create_error_message(const CreateRequest &req, int err);

/// An owning handle of a vport fd. Movable, not copyable.
class Vport {
public:
	/// Opens the control device and creates the vport (blocks until it
	/// has logged in, or the login timeout).
	/// @throws SystemError (code() = errno) with create_error_message();
	///         opening the control device fails with its own message
	///         (module not loaded, not root).
	static Vport create(const CreateRequest &req);

	/// Takes ownership of an existing vport fd (e.g. one inherited).
	static Vport adopt(int fd, Wwn wwpn = Wwn::unchecked(0));

	Vport() = default;
	Vport(Vport &&other) noexcept;
	Vport &operator=(Vport &&other) noexcept;
	Vport(const Vport &) = delete;
	Vport &operator=(const Vport &) = delete;
	~Vport();

	/// The fd, still owned (-1 after release_fd() or when empty).
	int fd() const noexcept { return fd_; }
	explicit operator bool() const noexcept { return fd_ >= 0; }
	/// The WWPN it was created with.
	Wwn wwpn() const noexcept { return wwpn_; }

	/// Gives the fd up: the caller owns it now (returns -1 if empty).
	int release_fd() noexcept;
	/// Closes the fd now (the vport goes when no duplicate remains).
	void close() noexcept;

	/// GET_INFO. @throws SystemError
	VportFdInfo info() const;
	/// GET_TARGETS: the assigned target ids. @throws SystemError
	std::vector<Target> targets() const;
	/// SET_TARGETS: replaces the table (needs CAP_SYS_ADMIN, no endpoint).
	/// @throws SystemError (EBUSY: endpoint set; EINVAL: bad table)
	void set_targets(const std::vector<Target> &table);

private:
	Vport(int fd, Wwn wwpn) noexcept : fd_(fd), wwpn_(wwpn) {}
	int fd_ = -1;
	Wwn wwpn_ = Wwn::unchecked(0);
};

} // namespace vport
