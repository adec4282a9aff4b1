// SPDX-License-Identifier: LGPL-2.1-or-later
// HBA enumeration from the FC transport class's sysfs view.
#include "vport/hba.hpp"

#include "vport/error.hpp"
#include "sysfs_util.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <system_error>

namespace fs = std::filesystem;

namespace vport {

using detail::link_basename;
using detail::list_dir;
using detail::number_after;
using detail::read_attr;
using detail::read_u64;

namespace {

// "0000:03:00.0": domain:bus:device.function, lower-case hex.
bool is_pci_address(std::string_view s)
{
	auto colon1 = s.find(':');
	if (colon1 == std::string_view::npos || colon1 < 4)
		return false;
	std::string_view rest = s.substr(colon1 + 1);
	if (rest.size() != 7 || rest[2] != ':' || rest[5] != '.')
		return false;
	auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
	for (std::size_t i = 0; i < colon1; i++)
		if (!hex(s[i]))
			return false;
	return hex(rest[0]) && hex(rest[1]) && hex(rest[3]) && hex(rest[4]) && rest[6] >= '0' && rest[6] <= '7';
}

// "vport-5:0-1" -> {5, 0, 1}
struct VportName {
	unsigned host, channel, number;
};
std::optional<VportName> parse_vport_name(std::string_view s)
{
	if (s.substr(0, 6) != "vport-")
		return std::nullopt;
	s.remove_prefix(6);
	auto colon = s.find(':');
	auto dash = s.find('-');
	if (colon == std::string_view::npos || dash == std::string_view::npos || dash < colon)
		return std::nullopt;
	auto h = detail::parse_u64(s.substr(0, colon));
	auto c = detail::parse_u64(s.substr(colon + 1, dash - colon - 1));
	auto n = detail::parse_u64(s.substr(dash + 1));
	if (!h || !c || !n || *h > 0xffffffffu || *c > 0xffffffffu || *n > 0xffffffffu)
		return std::nullopt;
	return VportName{static_cast<unsigned>(*h), static_cast<unsigned>(*c), static_cast<unsigned>(*n)};
}

// Vendors of FC HBAs and FCoE-capable NICs, by PCI vendor ID.
std::optional<std::string> pci_vendor_name(std::uint16_t id)
{
	switch (id) {
	case 0x1077: return "QLogic";
	case 0x10df: return "Emulex";
	case 0x1657: return "Brocade";
	case 0x117c: return "ATTO Technology";
	case 0x1590: return "Hewlett Packard Enterprise";
	case 0x19a2: return "Emulex";
	case 0x14e4: return "Broadcom";
	case 0x1000: return "Broadcom / LSI";
	case 0x8086: return "Intel";
	case 0x1425: return "Chelsio";
	case 0x15b3: return "Mellanox";
	case 0x1924: return "Solarflare";
	case 0x1fc9: return "Tehuti";
	case 0x1af4: return "Red Hat (virtio)";
	case 0x1b36: return "Red Hat (QEMU)";
	default: return std::nullopt;
	}
}

fs::path canonical_or_empty(const fs::path &p)
{
	std::error_code ec;
	fs::path c = fs::canonical(p, ec);
	return ec ? fs::path() : c;
}

// A class device folder (/sys/class/fc_host/host5 -> .../host5/fc_host/host5)
// belongs to the device its `device` link names; by the layout sysfs uses,
// that is also two levels up.
fs::path device_of(const fs::path &class_dev)
{
	fs::path d = canonical_or_empty(class_dev / "device");
	if (!d.empty())
		return d;
	fs::path c = canonical_or_empty(class_dev);
	return c.empty() ? c : c.parent_path().parent_path();
}

std::optional<Wwn> read_wwn(const fs::path &file, bool zero_is_none = true)
{
	auto v = read_u64(file);
	if (!v || (zero_is_none && *v == 0))
		return std::nullopt;
	return Wwn::unchecked(*v);
}

std::optional<unsigned> read_unsigned(const fs::path &file)
{
	auto v = read_u64(file);
	if (!v || *v > 0xffffffffu)
		return std::nullopt;
	return static_cast<unsigned>(*v);
}

// The attribute, unless it says the driver does not know.
std::optional<std::string> read_known(const fs::path &file)
{
	auto s = read_attr(file);
	if (s && (*s == "unknown" || *s == "Unknown"))
		return std::nullopt;
	return s;
}

// First attribute that exists among @p names in @p dir.
std::optional<std::string> first_attr(const fs::path &dir, std::initializer_list<const char *> names)
{
	for (const char *n : names)
		if (auto s = read_attr(dir / n))
			return s;
	return std::nullopt;
}

std::vector<std::string> split_list(const std::string &s)
{
	std::vector<std::string> out;
	std::size_t pos = 0;
	while (pos <= s.size()) {
		auto end = s.find(',', pos);
		std::string item = s.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
		auto b = item.find_first_not_of(' ');
		auto e = item.find_last_not_of(' ');
		if (b != std::string::npos)
			out.push_back(item.substr(b, e - b + 1));
		if (end == std::string::npos)
			break;
		pos = end + 1;
	}
	return out;
}

class Scanner {
public:
	explicit Scanner(const SysfsRoot &sys) : sys_(sys)
	{
		root_ = canonical_or_empty(sys.path());
		if (root_.empty())
			throw SystemError("sysfs root " + sys.path().string() + ": not found");
		scan_vports();
	}

	std::vector<std::string> fc_host_names() const { return list_dir(sys_ / "class/fc_host"); }

	std::optional<Hba> read_host(const std::string &name) const;

private:
	void scan_vports();
	void read_ancestry(Hba &h, const fs::path &dev) const;
	void read_fcoe(Hba &h, const fs::path &ctlr) const;
	fs::path relative(const fs::path &p) const { return p.lexically_relative(root_); }

	const SysfsRoot &sys_;
	fs::path root_;
	std::map<std::string, std::vector<VportInfo>> vports_; // by parent host name
};

void Scanner::scan_vports()
{
	for (const auto &name : list_dir(sys_ / "class/fc_vports")) {
		auto parsed = parse_vport_name(name);
		if (!parsed)
			continue;
		fs::path cls = sys_ / "class/fc_vports" / name;
		fs::path dev = device_of(cls);
		if (dev.empty())
			continue;
		auto wwpn = read_wwn(cls / "port_name", false);
		auto wwnn = read_wwn(cls / "node_name", false);
		if (!wwpn || !wwnn)
			continue; // being deleted
		VportInfo v;
		v.name = name;
		v.number = parsed->number;
		v.wwpn = *wwpn;
		v.wwnn = *wwnn;
		v.state = read_attr(cls / "vport_state");
		v.last_state = read_attr(cls / "vport_last_state");
		v.type = read_attr(cls / "vport_type");
		v.roles = read_attr(cls / "roles");
		v.symbolic_name = read_attr(cls / "symbolic_name");
		for (const auto &child : list_dir(dev))
			if (number_after(child, "host") && fs::is_directory(dev / child)) {
				v.host = child;
				break;
			}
		// The vport device hangs below its parent's SCSI host device.
		std::string parent = dev.parent_path().filename().string();
		if (!number_after(parent, "host"))
			parent = "host" + std::to_string(parsed->host);
		vports_[parent].push_back(std::move(v));
	}
	for (auto &[parent, list] : vports_)
		std::sort(list.begin(), list.end(),
			  [](const VportInfo &a, const VportInfo &b) { return a.number < b.number; });
}

void Scanner::read_fcoe(Hba &h, const fs::path &ctlr) const
{
	FcoeInfo f;
	f.controller = ctlr.filename().string();
	fs::path up = ctlr.parent_path();
	auto subsys = link_basename(up / "subsystem");
	if ((subsys && *subsys == "net") || (!subsys && up.parent_path().filename() == "net"))
		f.netdev = up.filename().string();
	f.mode = read_attr(ctlr / "mode");
	if (auto e = read_u64(ctlr / "enabled"))
		f.enabled = *e != 0;
	for (const auto &child : list_dir(ctlr)) {
		if (!number_after(child, "fcf_"))
			continue;
		fs::path d = ctlr / child;
		FcfInfo fcf;
		fcf.name = child;
		fcf.fabric_name = read_wwn(d / "fabric_name");
		fcf.switch_name = read_wwn(d / "switch_name");
		fcf.mac = read_attr(d / "mac");
		fcf.state = read_attr(d / "state");
		if (auto s = read_u64(d / "selected"))
			fcf.selected = *s != 0;
		fcf.vlan_id = read_unsigned(d / "vlan_id");
		f.fcfs.push_back(std::move(fcf));
	}
	h.fcoe = std::move(f);
}

// Walks from the SCSI host's device up to /sys/devices: vport parent,
// FCoE controller, bound driver, PCI function.
void Scanner::read_ancestry(Hba &h, const fs::path &dev) const
{
	fs::path devices = root_ / "devices";
	fs::path p = dev.parent_path();
	bool first = true;
	for (; !p.empty() && p != devices && p != root_ && p != p.root_path(); p = p.parent_path()) {
		std::string base = p.filename().string();
		if (first && parse_vport_name(base)) {
			h.vport = base;
			std::string parent = p.parent_path().filename().string();
			if (number_after(parent, "host"))
				h.parent = parent;
			else
				h.parent = "host" + std::to_string(parse_vport_name(base)->host);
		}
		first = false;
		if (!h.fcoe && number_after(base, "ctlr_")) {
			auto subsys = link_basename(p / "subsystem");
			if ((subsys && *subsys == "fcoe") || fs::exists(sys_ / "bus/fcoe/devices" / base))
				read_fcoe(h, p);
		}
		if (!h.device_driver)
			if (auto drv = link_basename(p / "driver"))
				h.device_driver = drv;
		if (!h.pci_address && is_pci_address(base)) {
			h.pci_address = base;
			if (auto v = read_u64(p / "vendor"); v && *v <= 0xffff)
				h.pci_vendor_id = static_cast<std::uint16_t>(*v);
			if (auto v = read_u64(p / "device"); v && *v <= 0xffff)
				h.pci_device_id = static_cast<std::uint16_t>(*v);
		}
	}
}

std::optional<Hba> Scanner::read_host(const std::string &name) const
{
	auto no = number_after(name, "host");
	if (!no)
		return std::nullopt;
	fs::path fc = sys_ / "class/fc_host" / name;
	auto wwpn = read_wwn(fc / "port_name", false);
	if (!wwpn)
		return std::nullopt; // not FC, or going away
	Hba h;
	h.name = name;
	h.host_no = *no;
	h.wwpn = *wwpn;
	h.wwnn = read_wwn(fc / "node_name", false).value_or(Wwn::unchecked(0));
	h.permanent_wwpn = read_wwn(fc / "permanent_port_name");
	h.fabric_name = read_wwn(fc / "fabric_name");
	if (auto id = read_u64(fc / "port_id"); id && *id != 0 && *id <= 0xffffff)
		h.port_id = static_cast<std::uint32_t>(*id);
	h.port_state = read_known(fc / "port_state");
	h.port_type = read_known(fc / "port_type");
	h.speed = read_known(fc / "speed");
	if (auto s = read_known(fc / "supported_speeds"))
		h.supported_speeds = split_list(*s);
	h.max_npiv_vports = read_unsigned(fc / "max_npiv_vports");
	h.npiv_vports_inuse = read_unsigned(fc / "npiv_vports_inuse");
	h.manufacturer = read_attr(fc / "manufacturer");
	h.model = read_attr(fc / "model");
	h.model_description = read_attr(fc / "model_description");
	h.serial_number = read_attr(fc / "serial_number");
	h.firmware_version = read_attr(fc / "firmware_version");
	h.driver_version = read_attr(fc / "driver_version");
	h.hardware_version = read_attr(fc / "hardware_version");
	h.symbolic_name = read_attr(fc / "symbolic_name");

	fs::path dev = device_of(fc);
	if (!dev.empty()) {
		h.device_path = relative(dev);
		// The SCSI host's attributes: driver name and, for some drivers,
		// the model and versions under driver-specific names (qla2xxx
		// first, then lpfc).
		fs::path sh = dev / "scsi_host" / name;
		if (!fs::is_directory(sh))
			sh = sys_ / "class/scsi_host" / name;
		h.driver = read_attr(sh / "proc_name");
		if (!h.model)
			h.model = first_attr(sh, {"model_name", "modelname"});
		if (!h.model_description)
			h.model_description = first_attr(sh, {"model_desc", "modeldesc"});
		if (!h.serial_number)
			h.serial_number = first_attr(sh, {"serial_num", "serialnum"});
		if (!h.firmware_version)
			h.firmware_version = first_attr(sh, {"fw_version", "fwrev"});
		if (!h.driver_version)
			h.driver_version = first_attr(sh, {"driver_version", "lpfc_drvr_version"});
		if (!h.hardware_version)
			h.hardware_version = first_attr(sh, {"hdw"});
		read_ancestry(h, dev);
	}
	h.vendor = h.manufacturer;
	if (!h.vendor && h.pci_vendor_id)
		h.vendor = pci_vendor_name(*h.pci_vendor_id);
	if (auto it = vports_.find(name); it != vports_.end())
		h.vports = it->second;
	return h;
}

} // namespace

bool is_host_name(std::string_view text) noexcept
{
	return number_after(text, "host").has_value();
}

std::vector<Hba> list_hbas(const SysfsRoot &sys)
{
	std::vector<Hba> out;
	if (!fs::exists(sys / "class/fc_host"))
		return out; // no FC transport loaded: no FC ports
	Scanner scan(sys);
	for (const auto &name : scan.fc_host_names())
		if (auto h = scan.read_host(name))
			out.push_back(std::move(*h));
	std::sort(out.begin(), out.end(), [](const Hba &a, const Hba &b) { return a.host_no < b.host_no; });
	return out;
}

Hba get_hba(const SysfsRoot &sys, std::string_view name)
{
	std::string n(name);
	if (!is_host_name(n)) {
		Wwn wwpn = Wwn::unchecked(0);
		try {
			wwpn = Wwn::parse_any(n);
		} catch (const WwnError &e) {
			throw WwnError("hba " + n + ": neither a SCSI host name (hostN) nor a WWPN (" + e.what() + ")");
		}
		return get_hba(sys, wwpn);
	}
	if (fs::exists(sys / "class/fc_host" / n)) {
		Scanner scan(sys);
		if (auto h = scan.read_host(n))
			return std::move(*h);
		throw NotFoundError("hba " + n + ": FC host has no readable port_name (going away?)");
	}
	if (fs::exists(sys / "class/scsi_host" / n)) {
		auto drv = read_attr(sys / "class/scsi_host" / n / "proc_name");
		throw NotFoundError("hba " + n + ": not an FC host (SCSI host of driver " + drv.value_or("unknown") + ")");
	}
	throw NotFoundError("hba " + n + ": no such FC host");
}

Hba get_hba(const SysfsRoot &sys, Wwn wwpn)
{
	for (auto &h : list_hbas(sys))
		if (h.wwpn == wwpn)
			return std::move(h);
	throw NotFoundError("hba " + wwpn.colon() + ": no FC host has this WWPN");
}

} // namespace vport
