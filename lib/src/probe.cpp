// SPDX-License-Identifier: LGPL-2.1-or-later
#include "vport/probe.hpp"

#include "vport/error.hpp"

#include "scsi_bsg.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <optional>

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

// INQUIRY, VPD 0x83 and (disks) READ CAPACITY(16) of one LUN into @p l.
void probe_lun(ProbedLun &l)
{
	std::optional<detail::BsgDevice> dev;
	try {
		dev.emplace(l.hctl);
	} catch (const SystemError &e) {
		l.error = e.what();
		return;
	}
	std::array<std::uint8_t, 96> inq{};
	const std::uint8_t inq_cdb[6] = {0x12, 0, 0, 0, 96, 0};
	auto o = dev->in(inq_cdb, inq);
	if (!o.good()) {
		l.error = "INQUIRY: " + o.describe();
		return;
	}
	parse_inquiry(std::span(inq.data(), o.got), l);
	std::array<std::uint8_t, 1024> vpd{};
	const std::uint8_t vpd_cdb[6] = {0x12, 1, 0x83, 1024 >> 8, 1024 & 0xff, 0};
	if (o = dev->in(vpd_cdb, vpd); o.good())
		l.designators = parse_vpd83(std::span(vpd.data(), o.got));
	if (l.peripheral_type != 0)
		return;
	std::array<std::uint8_t, 32> cap{};
	const std::uint8_t cap_cdb[16] = {0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0};
	o = dev->in(cap_cdb, cap);
	if (!o.good() || o.got < 12) {
		l.error = "READ CAPACITY(16): " + (o.good() ? std::string("short answer") : o.describe());
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

std::vector<ProbedLun> probe_luns(const std::string &host)
{
	std::vector<ProbedLun> out;
	for (const auto &hl : detail::host_luns(host)) {
		ProbedLun l;
		l.hctl = hl.hctl;
		l.lun = hl.lun;
		l.target = hl.target;
		probe_lun(l);
		out.push_back(std::move(l));
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
	std::string prefix = "rport-" + host.substr(4) + ":";

	std::error_code ec;
	for (const auto &e : fs::directory_iterator("/sys/class/fc_remote_ports", ec)) {
		std::string name = e.path().filename().string();
		if (name.rfind(prefix, 0) != 0)
			continue;
		if (detail::read_first_line(e.path() / "port_state") != "Online" ||
		    detail::read_first_line(e.path() / "roles").find("FCP Target") == std::string::npos)
			continue;
		try {
			r.targets.push_back(Wwn::parse_any(detail::read_first_line(e.path() / "port_name")));
		} catch (const Error &) {
		}
	}
	r.luns = probe_luns(host);
	std::sort(r.targets.begin(), r.targets.end(),
		  [](const Wwn &a, const Wwn &b) { return a.value() < b.value(); });
	return r; // the vport goes with vp
}

} // namespace vport
