// SPDX-License-Identifier: GPL-2.0-or-later
#include "model_json.hpp"

#include <cstdio>
#include <filesystem>

namespace vportctl {

namespace {

template <typename T>
void put(Json &j, const char *key, const std::optional<T> &v)
{
	if (v)
		j[key] = *v;
}

void put(Json &j, const char *key, const std::optional<vport::Wwn> &v)
{
	if (v)
		j[key] = v->colon();
}

std::string hex(unsigned v, int digits)
{
	char buf[16];
	std::snprintf(buf, sizeof(buf), "%0*x", digits, v);
	return buf;
}

Json fcoe_json(const vport::FcoeInfo &f)
{
	Json j;
	j["controller"] = f.controller;
	put(j, "netdev", f.netdev);
	put(j, "mode", f.mode);
	put(j, "enabled", f.enabled);
	if (!f.fcfs.empty()) {
		Json fcfs = Json::array();
		for (const auto &fcf : f.fcfs) {
			Json e;
			e["name"] = fcf.name;
			put(e, "fabric_name", fcf.fabric_name);
			put(e, "switch_name", fcf.switch_name);
			put(e, "mac", fcf.mac);
			put(e, "state", fcf.state);
			put(e, "selected", fcf.selected);
			put(e, "vlan_id", fcf.vlan_id);
			fcfs.push_back(std::move(e));
		}
		j["fcfs"] = std::move(fcfs);
	}
	return j;
}

} // namespace

Json vport_info_json(const vport::VportInfo &v)
{
	Json j;
	j["name"] = v.name;
	j["wwpn"] = v.wwpn.colon();
	j["wwnn"] = v.wwnn.colon();
	put(j, "state", v.state);
	put(j, "last_state", v.last_state);
	put(j, "type", v.type);
	put(j, "roles", v.roles);
	put(j, "symbolic_name", v.symbolic_name);
	put(j, "host", v.host);
	return j;
}

Json hba_json(const vport::Hba &h)
{
	Json j;
	j["name"] = h.name;
	j["wwpn"] = h.wwpn.colon();
	j["wwnn"] = h.wwnn.colon();
	put(j, "permanent_wwpn", h.permanent_wwpn);
	put(j, "fabric_name", h.fabric_name);
	if (h.port_id)
		j["port_id"] = "0x" + hex(*h.port_id, 6);
	put(j, "port_state", h.port_state);
	put(j, "port_type", h.port_type);
	put(j, "speed", h.speed);
	if (!h.supported_speeds.empty())
		j["supported_speeds"] = h.supported_speeds;
	j["is_vport"] = h.is_vport();
	put(j, "parent", h.parent);
	put(j, "vport", h.vport);
	put(j, "max_vports", h.max_npiv_vports);
	put(j, "vports_in_use", h.npiv_vports_inuse);
	if (h.max_npiv_vports || !h.vports.empty()) {
		Json vports = Json::array();
		for (const auto &v : h.vports)
			vports.push_back(vport_info_json(v));
		j["vports"] = std::move(vports);
	}
	put(j, "driver", h.driver);
	put(j, "device_driver", h.device_driver);
	put(j, "pci_address", h.pci_address);
	if (h.pci_vendor_id && h.pci_device_id)
		j["pci_id"] = hex(*h.pci_vendor_id, 4) + ":" + hex(*h.pci_device_id, 4);
	put(j, "vendor", h.vendor);
	put(j, "manufacturer", h.manufacturer);
	put(j, "model", h.model);
	put(j, "model_description", h.model_description);
	put(j, "serial_number", h.serial_number);
	put(j, "hardware_version", h.hardware_version);
	put(j, "firmware_version", h.firmware_version);
	put(j, "driver_version", h.driver_version);
	put(j, "symbolic_name", h.symbolic_name);
	if (h.fcoe)
		j["fcoe"] = fcoe_json(*h.fcoe);
	if (!h.device_path.empty())
		j["sysfs_device"] = (std::filesystem::path("/sys") / h.device_path).string();
	return j;
}

Json wwn_json(vport::Wwn w)
{
	Json j;
	j["wwn"] = w.colon();
	j["hex"] = w.hex();
	j["hex0x"] = w.hex0x();
	j["naa_form"] = w.naa_form();
	j["naa"] = w.naa();
	j["naa_type"] = vport::naa_name(w.naa());
	if (auto oui = w.oui())
		j["oui"] = hex(*oui >> 16, 2) + ":" + hex(*oui >> 8 & 0xff, 2) + ":" + hex(*oui & 0xff, 2);
	auto problem = w.problem();
	j["valid"] = !problem;
	if (problem)
		j["problem"] = *problem;
	return j;
}

} // namespace vportctl
