// SPDX-License-Identifier: LGPL-2.1-or-later
#include "scsi_bsg.hpp"

#include "vport/error.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <linux/bsg.h>
#include <scsi/sg.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace vport::detail {

std::string ScsiOutcome::describe() const
{
	if (!error.empty())
		return error;
	switch (status) {
	case 0: return "GOOD";
	case 0x18: return "RESERVATION CONFLICT";
	case 8: return "BUSY";
	case 2: {
		char buf[64];
		std::snprintf(buf, sizeof(buf), "CHECK CONDITION sense %x/%02x/%02x", sense_key, asc, ascq);
		return buf;
	}
	default: return "SCSI status 0x" + [&] {
		char buf[8];
		std::snprintf(buf, sizeof(buf), "%02x", status);
		return std::string(buf);
	}();
	}
}

BsgDevice::BsgDevice(const std::string &hctl) : node_("/dev/bsg/" + hctl)
{
	fd_ = ::open(node_.c_str(), O_RDWR | O_CLOEXEC);
	if (fd_ < 0)
		throw SystemError(node_ + ": " + std::strerror(errno), errno);
}

BsgDevice::~BsgDevice()
{
	if (fd_ >= 0)
		::close(fd_);
}

ScsiOutcome BsgDevice::in(std::span<const std::uint8_t> cdb, std::span<std::uint8_t> data, unsigned timeout_ms)
{
	return run(cdb, data.data(), static_cast<std::uint32_t>(data.size()), false, timeout_ms);
}

ScsiOutcome BsgDevice::out(std::span<const std::uint8_t> cdb, std::span<const std::uint8_t> data, unsigned timeout_ms)
{
	// bsg does not write to a data-out buffer.
	return run(cdb, const_cast<std::uint8_t *>(data.data()), static_cast<std::uint32_t>(data.size()), true,
		   timeout_ms);
}

ScsiOutcome BsgDevice::run(std::span<const std::uint8_t> cdb, std::uint8_t *data, std::uint32_t len, bool to_device,
			   unsigned timeout_ms)
{
	ScsiOutcome o;
	std::array<std::uint8_t, 96> sense{};
	for (int attempt = 0; attempt < 3; attempt++) {
		sg_io_v4 io{};
		io.guard = 'Q';
		io.protocol = BSG_PROTOCOL_SCSI;
		io.subprotocol = BSG_SUB_PROTOCOL_SCSI_CMD;
		io.request_len = static_cast<std::uint32_t>(cdb.size());
		io.request = reinterpret_cast<std::uintptr_t>(cdb.data());
		if (to_device) {
			io.dout_xfer_len = len;
			io.dout_xferp = reinterpret_cast<std::uintptr_t>(data);
		} else {
			io.din_xfer_len = len;
			io.din_xferp = reinterpret_cast<std::uintptr_t>(data);
		}
		io.max_response_len = sense.size();
		io.response = reinterpret_cast<std::uintptr_t>(sense.data());
		io.timeout = timeout_ms;
		o = ScsiOutcome{};
		if (::ioctl(fd_, SG_IO, &io) < 0) {
			o.error = node_ + ": SG_IO: " + std::strerror(errno);
			return o;
		}
		// driver_status only says "sense data present" along with a
		// CHECK CONDITION; the transport is what must have no complaint.
		if (io.transport_status) {
			o.error = node_ + ": transport status " + std::to_string(io.transport_status);
			return o;
		}
		o.status = static_cast<int>(io.device_status);
		if (!to_device)
			o.got = len - static_cast<std::uint32_t>(io.din_resid);
		if (o.status != 2)
			return o;
		if (io.response_len >= 14 && (sense[0] & 0x7f) == 0x70) {
			o.sense_key = sense[2] & 0xf;
			o.asc = sense[12];
			o.ascq = sense[13];
		} else if (io.response_len >= 4 && (sense[0] & 0x7f) == 0x72) {
			o.sense_key = sense[1] & 0xf;
			o.asc = sense[2];
			o.ascq = sense[3];
		}
		// A unit attention (the vport's login, a reset) comes first: retry.
		if (o.sense_key != 6)
			return o;
	}
	return o;
}

std::string read_first_line(const std::string &path)
{
	std::ifstream in(path);
	std::string s;
	std::getline(in, s);
	return s;
}

namespace {

// The WWPN of the remote port a SCSI device hangs below, from its sysfs path
// (.../rport-H:B-R/target.../H:C:T:L).
Wwn target_of(const fs::path &sdev)
{
	std::error_code ec;
	fs::path real = fs::canonical(sdev / "device", ec);
	if (ec)
		return Wwn::unchecked(0);
	for (const auto &part : real) {
		std::string s = part.string();
		if (s.rfind("rport-", 0) == 0) {
			try {
				return Wwn::parse_any(read_first_line("/sys/class/fc_remote_ports/" + s + "/port_name"));
			} catch (const Error &) {
				return Wwn::unchecked(0);
			}
		}
	}
	return Wwn::unchecked(0);
}

} // namespace

std::vector<HostLun> host_luns(const std::string &host)
{
	std::vector<HostLun> out;
	if (host.rfind("host", 0) != 0)
		return out;
	const std::string prefix = host.substr(4) + ":";
	std::error_code ec;
	for (const auto &e : fs::directory_iterator("/sys/class/scsi_device", ec)) {
		std::string hctl = e.path().filename().string();
		if (hctl.rfind(prefix, 0) != 0)
			continue;
		HostLun l;
		l.hctl = hctl;
		l.lun = std::stoull(hctl.substr(hctl.rfind(':') + 1));
		l.target = target_of(e.path());
		out.push_back(std::move(l));
	}
	std::sort(out.begin(), out.end(), [](const HostLun &a, const HostLun &b) {
		return a.target.value() != b.target.value() ? a.target.value() < b.target.value() : a.lun < b.lun;
	});
	return out;
}

} // namespace vport::detail
