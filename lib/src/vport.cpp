// SPDX-License-Identifier: LGPL-2.1-or-later
#include "vport/vport.hpp"

#include "vport/error.hpp"

#include <linux/vhost_vport.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/ioctl.h>
#include <unistd.h>
#include <utility>

namespace vport {

namespace {

std::string errno_text(int err)
{
	return std::strerror(err);
}

std::string field(const char *s, std::size_t n)
{
	return std::string(s, ::strnlen(s, n));
}

// An fd closed on scope exit unless released.
struct FdGuard {
	int fd;
	~FdGuard()
	{
		if (fd >= 0)
			::close(fd);
	}
};

} // namespace

std::string ParentSpec::describe() const
{
	switch (by) {
	case By::any: return "any parent";
	case By::name: return "parent " + name;
	case By::wwpn: return "parent " + wwn.colon();
	case By::fabric: return "fabric " + wwn.colon();
	}
	return "parent ?";
}

std::string create_error_message(const CreateRequest &req, int err)
{
	const std::string who = "vport " + req.wwpn.colon();
	const std::string parent = req.parent.describe();
	std::string why;
	switch (err) {
	case EINVAL:
		why = "the kernel rejected the request as malformed (WWPN " + req.wwpn.colon() + ", WWNN " +
		      req.wwnn.colon() + ": zero, NAA type not 1, 2, 3, 5 or 6, or WWPN equal to WWNN)";
		break;
	case ENODEV:
		why = req.parent.by == ParentSpec::By::fabric
			      ? "no FC port on " + parent
			      : req.parent.by == ParentSpec::By::any ? "no online NPIV-capable FC port on this host"
								      : "no such " + parent;
		break;
	case ENXIO: why = parent + " is not a Fibre Channel port"; break;
	case EOPNOTSUPP: why = parent + " does not support NPIV (the HBA or the fabric)"; break;
	case ENOSPC: why = parent + " has no room for another vport (max_npiv_vports reached)"; break;
	case ENETDOWN: why = parent + " is not online (link down or not logged in to the fabric)"; break;
	case EADDRINUSE: why = "the WWPN is already in use on this host"; break;
	case ECONNREFUSED:
		why = "the fabric rejected the WWPN (already logged in elsewhere, or refused by the switch)";
		break;
	case ETIMEDOUT:
		why = "no fabric login on " + parent + " within " +
		      (req.login_timeout_ms ? std::to_string(req.login_timeout_ms) + " ms" : std::string("30 s"));
		break;
	case EINTR: why = "interrupted by a signal while waiting for the login"; break;
	case EPERM:
	case EACCES: why = "creating a vport needs CAP_SYS_ADMIN (run as root)"; break;
	case ENOTTY:
		why = req.control_device + " does not know VHOST_VPORT_CREATE (module and library versions differ)";
		break;
	default: why = errno_text(err); break;
	}
	return who + ": " + why;
}

Vport Vport::create(const CreateRequest &req)
{
	int ctl = ::open(req.control_device.c_str(), O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		int err = errno;
		std::string why = errno_text(err);
		if (err == ENOENT)
			why = "no such device (is the vhost_vport module loaded?)";
		else if (err == EACCES || err == EPERM)
			why = "permission denied (root only)";
		throw SystemError("vport " + req.wwpn.colon() + ": " + req.control_device + ": " + why, err);
	}
	FdGuard guard{ctl};

	struct vhost_vport_create c;
	std::memset(&c, 0, sizeof(c));
	c.wwpn = req.wwpn.value();
	c.wwnn = req.wwnn.value();
	c.login_timeout_ms = req.login_timeout_ms;
	switch (req.parent.by) {
	case ParentSpec::By::any: c.parent_by = VHOST_VPORT_PARENT_ANY; break;
	case ParentSpec::By::name:
		if (req.parent.name.empty() || req.parent.name.size() >= sizeof(c.parent_name))
			throw Error("vport " + req.wwpn.colon() + ": parent name '" + req.parent.name +
				    "' is empty or too long");
		c.parent_by = VHOST_VPORT_PARENT_NAME;
		std::memcpy(c.parent_name, req.parent.name.data(), req.parent.name.size());
		break;
	case ParentSpec::By::wwpn:
		c.parent_by = VHOST_VPORT_PARENT_WWPN;
		c.parent_wwn = req.parent.wwn.value();
		break;
	case ParentSpec::By::fabric:
		c.parent_by = VHOST_VPORT_PARENT_FABRIC;
		c.parent_wwn = req.parent.wwn.value();
		break;
	}
	// Not retried on EINTR: the kernel returns it only for a fatal signal.
	int fd = ::ioctl(ctl, VHOST_VPORT_CREATE, &c);
	if (fd < 0) {
		int err = errno;
		throw SystemError(create_error_message(req, err), err);
	}
	return Vport(fd, req.wwpn);
}

Vport Vport::adopt(int fd, Wwn wwpn)
{
	return Vport(fd, wwpn);
}

Vport::Vport(Vport &&other) noexcept : fd_(std::exchange(other.fd_, -1)), wwpn_(other.wwpn_) {}

Vport &Vport::operator=(Vport &&other) noexcept
{
	if (this != &other) {
		close();
		fd_ = std::exchange(other.fd_, -1);
		wwpn_ = other.wwpn_;
	}
	return *this;
}

Vport::~Vport()
{
	close();
}

int Vport::release_fd() noexcept
{
	return std::exchange(fd_, -1);
}

void Vport::close() noexcept
{
	if (fd_ >= 0)
		::close(std::exchange(fd_, -1));
}

VportFdInfo Vport::info() const
{
	struct vhost_vport_info i;
	std::memset(&i, 0, sizeof(i));
	if (::ioctl(fd_, VHOST_VPORT_GET_INFO, &i) < 0) {
		int err = errno;
		throw SystemError("vport " + wwpn_.colon() + ": GET_INFO: " + errno_text(err), err);
	}
	VportFdInfo r;
	r.wwpn = Wwn::unchecked(i.wwpn);
	r.wwnn = Wwn::unchecked(i.wwnn);
	r.parent_wwpn = Wwn::unchecked(i.parent_wwpn);
	r.fabric_name = Wwn::unchecked(i.fabric_name);
	r.port_id = i.port_id;
	r.nr_rports = i.nr_rports;
	r.parent = field(i.parent, sizeof(i.parent));
	r.host = field(i.host, sizeof(i.host));
	return r;
}

std::vector<Target> Vport::targets() const
{
	auto t = std::make_unique<struct vhost_vport_targets>();
	std::memset(t.get(), 0, sizeof(*t));
	if (::ioctl(fd_, VHOST_VPORT_GET_TARGETS, t.get()) < 0) {
		int err = errno;
		throw SystemError("vport " + wwpn_.colon() + ": GET_TARGETS: " + errno_text(err), err);
	}
	std::vector<Target> r;
	for (std::uint32_t n = 0; n < t->count && n < VHOST_VPORT_MAX_TARGETS; n++)
		r.push_back({Wwn::unchecked(t->target[n].wwpn), t->target[n].id});
	return r;
}

void Vport::set_targets(const std::vector<Target> &table)
{
	if (table.size() > VHOST_VPORT_MAX_TARGETS)
		throw Error("vport " + wwpn_.colon() + ": a target table holds at most " +
			    std::to_string(VHOST_VPORT_MAX_TARGETS) + " entries, got " + std::to_string(table.size()));
	auto t = std::make_unique<struct vhost_vport_targets>();
	std::memset(t.get(), 0, sizeof(*t));
	t->count = static_cast<__u32>(table.size());
	for (std::size_t n = 0; n < table.size(); n++) {
		t->target[n].wwpn = table[n].wwpn.value();
		t->target[n].id = table[n].id;
	}
	if (::ioctl(fd_, VHOST_VPORT_SET_TARGETS, t.get()) < 0) {
		int err = errno;
		std::string why = errno_text(err);
		if (err == EBUSY)
			why = "the endpoint is set (the table can only change before QEMU starts the device)";
		else if (err == EPERM)
			why = "setting the target table needs CAP_SYS_ADMIN";
		else if (err == EINVAL)
			why = "invalid table (id over 255, zero WWPN, or a WWPN or id given twice)";
		throw SystemError("vport " + wwpn_.colon() + ": SET_TARGETS: " + why, err);
	}
}

} // namespace vport
