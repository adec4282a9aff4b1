// SPDX-License-Identifier: GPL-2.0-or-later
#include "model_json.hpp"

#include <cstdio>
#include <ctime>
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

namespace {

std::string iso_time(std::int64_t sec, long ms = -1)
{
	std::time_t t = static_cast<std::time_t>(sec);
	std::tm tm{};
	gmtime_r(&t, &tm);
	char buf[48];
	std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	std::string s = buf;
	if (ms >= 0) {
		std::snprintf(buf, sizeof(buf), ".%03ld", ms);
		s += buf;
	}
	return s + "Z";
}

} // namespace

Json vport_state_json(const vport::VportState &v)
{
	Json j;
	j["id"] = v.id;
	j["wwpn"] = v.wwpn.colon();
	j["wwnn"] = v.wwnn.colon();
	j["state"] = v.state;
	j["logged_in"] = v.logged_in;
	j["link_up"] = v.link_up;
	put(j, "parent", v.parent);
	put(j, "parent_wwpn", v.parent_wwpn);
	put(j, "fabric_name", v.fabric_name);
	if (v.port_id)
		j["port_id"] = "0x" + hex(*v.port_id, 6);
	put(j, "host", v.host);
	put(j, "owner_pid", v.owner_pid);
	put(j, "owner_comm", v.owner_comm);
	if (v.created)
		j["created"] = iso_time(*v.created);
	j["endpoint"] = v.endpoint;
	Json c;
	c["commands"] = v.counters.commands;
	c["bytes_read"] = v.counters.bytes_read;
	c["bytes_written"] = v.counters.bytes_written;
	c["errors"] = v.counters.errors;
	c["in_flight"] = v.counters.in_flight;
	j["counters"] = std::move(c);
	Json rports = Json::array();
	for (const auto &r : v.rports) {
		Json e;
		e["wwpn"] = r.wwpn.colon();
		e["wwnn"] = r.wwnn.colon();
		e["port_id"] = "0x" + hex(r.port_id, 6);
		e["state"] = r.state;
		Json roles = Json::array();
		if (r.fcp_target)
			roles.push_back("target");
		if (r.fcp_initiator)
			roles.push_back("initiator");
		e["roles"] = std::move(roles);
		put(e, "target_id", r.target_id);
		e["luns"] = r.luns;
		rports.push_back(std::move(e));
	}
	j["remote_ports"] = std::move(rports);
	return j;
}

Json event_json(const vport::Event &e)
{
	using namespace std::chrono;
	auto since = e.received.time_since_epoch();
	auto sec = duration_cast<seconds>(since);
	Json j;
	j["time"] = iso_time(sec.count(), static_cast<long>(duration_cast<milliseconds>(since - sec).count()));
	j["event"] = std::string(vport::event_type_name(e.type));
	if (e.type == vport::EventType::unknown)
		j["event_number"] = e.raw_type;
	if (e.type == vport::EventType::events_lost)
		return j;
	j["vport_id"] = e.vport_id;
	j["wwpn"] = e.wwpn.colon();
	j["wwnn"] = e.wwnn.colon();
	put(j, "rport", e.rport);
	if (e.lun)
		j["lun"] = *e.lun;
	put(j, "logged_in", e.logged_in);
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
