// SPDX-License-Identifier: LGPL-2.1-or-later
#include "vport/probe.hpp"

#include "vport/error.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <linux/bsg.h>
#include <fcntl.h>
#include <scsi/sg.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace vport {

namespace {

std::string trim(const std::uint8_t *p, std::size_t n)
{
	std::string s(reinterpret_cast<const char *>(p), n);
	while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
		s.pop_back();
	return s;
}

std::string hex(const std::uint8_t *p, std::size_t n)
{
	static const char digits[] = "0123456789abcdef";
	std::string s;
	for (std::size_t i = 0; i < n; i++) {
		s += digits[p[i] >> 4];
		s += digits[p[i] & 15];
	}
	return s;
}

// An fd that closes itself.
class Fd {
public:
	explicit Fd(int fd) : fd_(fd) {}
	~Fd()
	{
		if (fd_ >= 0)
			::close(fd_);
	}
	Fd(const Fd &) = delete;
	Fd &operator=(const Fd &) = delete;
	int get() const { return fd_; }

private:
	int fd_;
};

// One SCSI command with data in, through a bsg node.  Returns "" or why not.
std::string bsg_in(int fd, std::span<const std::uint8_t> cdb, std::span<std::uint8_t> data,
		   std::uint32_t &got)
{
	std::array<std::uint8_t, 96> sense{};
	for (int attempt = 0; attempt < 3; attempt++) {
		sg_io_v4 io{};
		io.guard = 'Q';
		io.protocol = BSG_PROTOCOL_SCSI;
		io.subprotocol = BSG_SUB_PROTOCOL_SCSI_CMD;
		io.request_len = static_cast<std::uint32_t>(cdb.size());
		io.request = reinterpret_cast<std::uintptr_t>(cdb.data());
		io.din_xfer_len = static_cast<std::uint32_t>(data.size());
		io.din_xferp = reinterpret_cast<std::uintptr_t>(data.data());
		io.max_response_len = sense.size();
		io.response = reinterpret_cast<std::uintptr_t>(sense.data());
		io.timeout = 10000;
		if (::ioctl(fd, SG_IO, &io) < 0)
			return std::string("SG_IO: ") + std::strerror(errno);
		// driver_status only says "sense data present" along with a CHECK
		// CONDITION; the transport is what must have no complaint.
		if (io.transport_status)
			return "transport status " + std::to_string(io.transport_status);
		if (io.device_status == 0) {
			got = static_cast<std::uint32_t>(data.size()) -
			      static_cast<std::uint32_t>(io.din_resid);
			return "";
		}
		// A unit attention (the vport's login, a reset) comes first: retry.
		bool ua = io.response_len >= 3 && (sense[0] & 0x7f) == 0x70 && (sense[2] & 0xf) == 6;
		ua |= io.response_len >= 2 && (sense[0] & 0x7f) == 0x72 && (sense[1] & 0xf) == 6;
		if (io.device_status != 2 || !ua)
			return "SCSI status " + std::to_string(io.device_status);
	}
	return "unit attention persists";
}

std::string read_line(const fs::path &p)
{
	std::ifstream in(p);
	std::string s;
	std::getline(in, s);
	return s;
}

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
			std::string w = read_line(fs::path("/sys/class/fc_remote_ports") / s / "port_name");
			try {
				return Wwn::parse_any(w);
			} catch (const Error &) {
				return Wwn::unchecked(0);
			}
		}
	}
	return Wwn::unchecked(0);
}

void probe_lun(ProbedLun &l)
{
	std::string node = "/dev/bsg/" + l.hctl;
	Fd fd(::open(node.c_str(), O_RDWR | O_CLOEXEC));
	if (fd.get() < 0) {
		l.error = node + ": " + std::strerror(errno);
		return;
	}
	std::uint32_t got = 0;
	std::array<std::uint8_t, 96> inq{};
	const std::uint8_t inq_cdb[6] = {0x12, 0, 0, 0, 96, 0};
	if (auto e = bsg_in(fd.get(), inq_cdb, inq, got); !e.empty()) {
		l.error = "INQUIRY: " + e;
		return;
	}
	parse_inquiry(std::span(inq.data(), got), l);
	std::array<std::uint8_t, 1024> vpd{};
	const std::uint8_t vpd_cdb[6] = {0x12, 1, 0x83, 1024 >> 8, 1024 & 0xff, 0};
	if (auto e = bsg_in(fd.get(), vpd_cdb, vpd, got); e.empty())
		l.designators = parse_vpd83(std::span(vpd.data(), got));
	if (l.peripheral_type != 0)
		return;
	std::array<std::uint8_t, 32> cap{};
	const std::uint8_t cap_cdb[16] = {0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0};
	if (auto e = bsg_in(fd.get(), cap_cdb, cap, got); !e.empty() || got < 12) {
		l.error = "READ CAPACITY(16): " + (e.empty() ? std::string("short answer") : e);
		return;
	}
	std::uint64_t last = 0;
	for (int i = 0; i < 8; i++)
		last = last << 8 | cap[i];
	l.blocks = last + 1;
	l.block_size = static_cast<std::uint32_t>(cap[8]) << 24 | cap[9] << 16 | cap[10] << 8 | cap[11];
}

} // namespace

bool parse_inquiry(std::span<const std::uint8_t> d, ProbedLun &l)
{
	if (d.size() < 36)
		return false;
	l.peripheral_type = d[0] & 0x1f;
	l.vendor = trim(&d[8], 8);
	l.product = trim(&d[16], 16);
	l.revision = trim(&d[32], 4);
	return true;
}

std::vector<Designator> parse_vpd83(std::span<const std::uint8_t> p)
{
	std::vector<Designator> out;
	if (p.size() < 4 || p[1] != 0x83)
		return out;
	std::size_t end = std::min<std::size_t>(p.size(), 4 + (std::size_t{p[2]} << 8 | p[3]));
	for (std::size_t i = 4; i + 4 <= end;) {
		std::uint8_t codeset = p[i] & 0xf, type = p[i + 1] & 0xf, assoc = (p[i + 1] >> 4) & 3;
		std::size_t len = p[i + 3];
		if (i + 4 + len > end)
			break;
		const std::uint8_t *v = &p[i + 4];
		// Only the logical unit's own names (association 0).
		if (assoc == 0) {
			if (type == 3 && codeset == 1)
				out.push_back({"naa", hex(v, len)});
			else if (type == 2 && codeset == 1)
				out.push_back({"eui64", hex(v, len)});
			else if (type == 1)
				out.push_back({"t10", codeset == 1 ? hex(v, len) : trim(v, len)});
			else if (type == 8)
				out.push_back({"scsi-name", trim(v, len)});
		}
		i += 4 + len;
	}
	return out;
}

ProbeResult probe(const CreateRequest &req)
{
	Vport vp = Vport::create(req);
	ProbeResult r;
	r.vport = vp.info();
	std::string host = r.vport.host;
	if (host.rfind("host", 0) != 0)
		throw SystemError("vport " + req.wwpn.str() + ": no SCSI host for the vport", 0);
	std::string prefix = host.substr(4) + ":";

	std::error_code ec;
	for (const auto &e : fs::directory_iterator("/sys/class/fc_remote_ports", ec)) {
		std::string name = e.path().filename().string();
		if (name.rfind("rport-" + prefix, 0) != 0)
			continue;
		if (read_line(e.path() / "port_state") != "Online" ||
		    read_line(e.path() / "roles").find("FCP Target") == std::string::npos)
			continue;
		try {
			r.targets.push_back(Wwn::parse_any(read_line(e.path() / "port_name")));
		} catch (const Error &) {
		}
	}
	for (const auto &e : fs::directory_iterator("/sys/class/scsi_device", ec)) {
		std::string hctl = e.path().filename().string();
		if (hctl.rfind(prefix, 0) != 0)
			continue;
		ProbedLun l;
		l.hctl = hctl;
		l.lun = std::stoull(hctl.substr(hctl.rfind(':') + 1));
		l.target = target_of(e.path());
		probe_lun(l);
		r.luns.push_back(std::move(l));
	}
	std::sort(r.targets.begin(), r.targets.end(),
		  [](const Wwn &a, const Wwn &b) { return a.value() < b.value(); });
	std::sort(r.luns.begin(), r.luns.end(), [](const ProbedLun &a, const ProbedLun &b) {
		return a.target.value() != b.target.value() ? a.target.value() < b.target.value()
							    : a.lun < b.lun;
	});
	return r; // the vport goes with vp
}

} // namespace vport
