// SPDX-License-Identifier: GPL-2.0-or-later
// HBA enumeration against fixture sysfs trees (see fixtures/make-fixtures.py).
#include <catch2/catch.hpp>

#include <vport/error.hpp>
#include <vport/hba.hpp>

#include <algorithm>
#include <filesystem>

using vport::Hba;
using vport::SysfsRoot;
using vport::Wwn;

namespace {

SysfsRoot fixture(const char *name)
{
	return SysfsRoot(std::filesystem::path(VPORT_FIXTURES) / name);
}

const Hba &by_name(const std::vector<Hba> &all, const std::string &name)
{
	auto it = std::find_if(all.begin(), all.end(), [&](const Hba &h) { return h.name == name; });
	REQUIRE(it != all.end());
	return *it;
}

std::vector<std::string> names(const std::vector<Hba> &all)
{
	std::vector<std::string> n;
	for (const auto &h : all)
		n.push_back(h.name);
	return n;
}

} // namespace

TEST_CASE("PCI HBA: every FC port listed, in host order, non-FC hosts left out", "[hba]")
{
	auto all = vport::list_hbas(fixture("pci-npiv"));
	CHECK(names(all) == std::vector<std::string>{"host5", "host6", "host7", "host10"});
}

TEST_CASE("PCI HBA: qla2xxx port with two NPIV vports", "[hba]")
{
	auto all = vport::list_hbas(fixture("pci-npiv"));
	const Hba &h = by_name(all, "host5");
	CHECK(h.host_no == 5);
	CHECK(h.wwpn == Wwn::parse("21:00:00:1b:32:a9:00:04"));
	CHECK(h.wwnn == Wwn::parse("20:00:00:1b:32:a9:00:04"));
	CHECK(h.permanent_wwpn == h.wwpn);
	CHECK(h.fabric_name == Wwn::parse("10:00:00:05:1e:0a:8b:2c"));
	CHECK(h.port_id == 0x010200u);
	CHECK(h.port_state == "Online");
	CHECK(h.port_type == "NPort (fabric via point-to-point)");
	CHECK(h.speed == "8 Gbit");
	CHECK(h.supported_speeds == std::vector<std::string>{"2 Gbit", "4 Gbit", "8 Gbit"});
	CHECK(h.max_npiv_vports == 254u);
	CHECK(h.npiv_vports_inuse == 2u);
	CHECK_FALSE(h.is_vport());
	CHECK_FALSE(h.vport);

	CHECK(h.driver == "qla2xxx");
	CHECK(h.device_driver == "qla2xxx");
	CHECK(h.pci_address == "0000:03:00.0");
	CHECK(h.pci_vendor_id == 0x1077);
	CHECK(h.pci_device_id == 0x2532);
	CHECK(h.vendor == "QLogic");
	CHECK_FALSE(h.manufacturer); // qla2xxx does not fill the fc_host one
	CHECK(h.model == "QLE2562");
	CHECK(h.model_description == "PCI-Express Dual Channel 8Gb Fibre Channel HBA");
	CHECK(h.serial_number == "RFD1234K56789");
	CHECK(h.firmware_version == "8.07.00 (d0d5)");
	CHECK(h.driver_version == "10.02.07.900-k");
	CHECK(h.symbolic_name == "QLE2562 FW:v8.07.00 DVR:v10.02.07.900-k");
	CHECK_FALSE(h.fcoe);
	CHECK(h.device_path == "devices/pci0000:00/0000:00:03.0/0000:03:00.0/host5");

	REQUIRE(h.vports.size() == 2);
	const auto &v0 = h.vports[0];
	CHECK(v0.name == "vport-5:0-0");
	CHECK(v0.number == 0);
	CHECK(v0.wwpn == Wwn::parse("21:01:00:1b:32:a9:a0:01"));
	CHECK(v0.wwnn == Wwn::parse("20:01:00:1b:32:a9:a0:01"));
	CHECK(v0.state == "Active");
	CHECK(v0.last_state == "Initializing");
	CHECK(v0.type == "NPIV VPORT");
	CHECK(v0.roles == "FCP Initiator");
	CHECK_FALSE(v0.symbolic_name);
	CHECK(v0.host == "host7");
	const auto &v1 = h.vports[1];
	CHECK(v1.name == "vport-5:0-1");
	CHECK(v1.state == "Initializing");
	CHECK_FALSE(v1.host); // no SCSI host until it logs in
}

TEST_CASE("PCI HBA: the second port of the card, link down", "[hba]")
{
	const Hba h = vport::get_hba(fixture("pci-npiv"), "host6");
	CHECK(h.port_state == "Linkdown");
	CHECK_FALSE(h.fabric_name); // 0x0 means no fabric
	CHECK_FALSE(h.port_id);     // 0x000000: not logged in
	CHECK_FALSE(h.speed);       // "unknown"
	CHECK(h.port_type == std::nullopt);
	CHECK(h.pci_address == "0000:03:00.1");
	CHECK(h.vports.empty());
	CHECK(h.npiv_vports_inuse == 0u);
}

TEST_CASE("PCI HBA: a vport's own fc_host is told apart and names its parent", "[hba]")
{
	auto all = vport::list_hbas(fixture("pci-npiv"));
	const Hba &h = by_name(all, "host7");
	CHECK(h.is_vport());
	CHECK(h.parent == "host5");
	CHECK(h.vport == "vport-5:0-0");
	CHECK(h.port_type == "NPIV VPORT");
	CHECK(h.wwpn == Wwn::parse("21:01:00:1b:32:a9:a0:01"));
	CHECK_FALSE(h.max_npiv_vports);
	CHECK(h.vports.empty());
	// It runs on the parent's PCI function.
	CHECK(h.pci_address == "0000:03:00.0");
	CHECK(h.driver == "qla2xxx");
}

TEST_CASE("PCI HBA: lpfc's attribute names", "[hba]")
{
	const Hba h = vport::get_hba(fixture("pci-npiv"), "host10");
	CHECK(h.driver == "lpfc");
	CHECK(h.device_driver == "lpfc");
	CHECK(h.vendor == "Emulex");
	CHECK(h.model == "LPe12000");
	CHECK(h.model_description == "Emulex LPe12000 8Gb PCIe Fibre Channel Adapter");
	CHECK(h.serial_number == "VM12345678");
	CHECK(h.firmware_version == "2.02A2 (U3D2.02A2), sli-3");
	CHECK(h.hardware_version == "31004549");
	CHECK(h.max_npiv_vports == 255u);
	CHECK(h.wwpn.naa() == 1);
	CHECK(h.pci_address == "0000:04:00.0");
}

TEST_CASE("Software FCoE: VN2VN ports over veth have no PCI address", "[hba][fcoe]")
{
	auto all = vport::list_hbas(fixture("fcoe"));
	CHECK(names(all) == std::vector<std::string>{"host1", "host2", "host3", "host4"});
	const Hba &h = by_name(all, "host1");
	CHECK(h.wwpn == Wwn::parse("0x2000be6c255724fb"));
	CHECK(h.wwnn == Wwn::parse("0x1000be6c255724fb"));
	CHECK(h.port_state == "Online");
	CHECK(h.speed == "10 Gbit");
	CHECK(h.supported_speeds.empty()); // "unknown"
	CHECK_FALSE(h.fabric_name);
	CHECK(h.port_id == 0x0024fbu);
	CHECK(h.max_npiv_vports == 65535u);
	CHECK(h.npiv_vports_inuse == 1u);
	CHECK(h.driver == "fcoe");
	CHECK_FALSE(h.device_driver);
	CHECK_FALSE(h.pci_address);
	CHECK_FALSE(h.vendor);
	CHECK_FALSE(h.manufacturer); // empty attribute is no value
	CHECK_FALSE(h.model);
	CHECK(h.symbolic_name == "fcoe v0.1 over vA");
	REQUIRE(h.fcoe);
	CHECK(h.fcoe->controller == "ctlr_0");
	CHECK(h.fcoe->netdev == "vA");
	CHECK(h.fcoe->mode == "VN2VN");
	CHECK(h.fcoe->enabled == true);
	CHECK(h.fcoe->fcfs.empty());
	REQUIRE(h.vports.size() == 1);
	CHECK(h.vports[0].state == "No Fabric Support");
	CHECK(h.vports[0].host == "host3");
}

TEST_CASE("Software FCoE: the vport's own port", "[hba][fcoe]")
{
	const Hba h = vport::get_hba(fixture("fcoe"), "host3");
	CHECK(h.is_vport());
	CHECK(h.parent == "host1");
	CHECK(h.vport == "vport-1:0-0");
	CHECK(h.port_state == "Linkdown");
	CHECK_FALSE(h.port_id); // 0xffffffff: not logged in
	CHECK_FALSE(h.max_npiv_vports);
	REQUIRE(h.fcoe);
	CHECK(h.fcoe->controller == "ctlr_0");
	CHECK(h.fcoe->netdev == "vA");
}

TEST_CASE("Software FCoE: fabric mode over a PCI NIC, with its FCF", "[hba][fcoe]")
{
	const Hba h = vport::get_hba(fixture("fcoe"), "20:00:00:90:fa:1b:2c:3d");
	CHECK(h.name == "host4");
	CHECK(h.pci_address == "0000:05:00.1");
	CHECK(h.device_driver == "ixgbe");
	CHECK(h.manufacturer == "Intel Corporation");
	CHECK(h.vendor == "Intel Corporation"); // the driver's word wins over the PCI table
	CHECK(h.model == "82599ES");
	CHECK(h.fabric_name == Wwn::parse("10:00:00:05:33:aa:00:01"));
	REQUIRE(h.fcoe);
	CHECK(h.fcoe->netdev == "eth2");
	CHECK(h.fcoe->mode == "Fabric");
	REQUIRE(h.fcoe->fcfs.size() == 1);
	const auto &fcf = h.fcoe->fcfs[0];
	CHECK(fcf.name == "fcf_0");
	CHECK(fcf.fabric_name == Wwn::parse("10:00:00:05:33:aa:00:01"));
	CHECK(fcf.switch_name == Wwn::parse("20:00:00:05:33:aa:00:01"));
	CHECK(fcf.mac == "0e:fc:00:00:00:01");
	CHECK(fcf.state == "Connected");
	CHECK(fcf.selected == true);
	CHECK(fcf.vlan_id == 0u);
}

TEST_CASE("get_hba finds a port by name or by WWPN in any form", "[hba]")
{
	auto sys = fixture("pci-npiv");
	CHECK(vport::get_hba(sys, "host6").wwpn == Wwn::parse("2101001b32a90004"));
	for (auto form : {"21:01:00:1b:32:a9:00:04", "0x2101001b32a90004", "naa.2101001b32a90004",
			  "2101001B32A90004"})
		CHECK(vport::get_hba(sys, form).name == "host6");
	CHECK(vport::get_hba(sys, Wwn::parse("21:01:00:1b:32:a9:a0:01")).name == "host7");
}

TEST_CASE("get_hba errors name the object and the cause", "[hba]")
{
	auto sys = fixture("pci-npiv");
	CHECK_THROWS_AS(vport::get_hba(sys, "host42"), vport::NotFoundError);
	CHECK_THROWS_WITH(vport::get_hba(sys, "host42"), "hba host42: no such FC host");
	CHECK_THROWS_WITH(vport::get_hba(sys, "host0"),
			  "hba host0: not an FC host (SCSI host of driver ahci)");
	CHECK_THROWS_AS(vport::get_hba(sys, "host0"), vport::NotFoundError);
	CHECK_THROWS_WITH(vport::get_hba(sys, "21:00:00:00:00:00:00:99"),
			  "hba 21:00:00:00:00:00:00:99: no FC host has this WWPN");
	CHECK_THROWS_AS(vport::get_hba(sys, "21:00:00:00:00:00:00:99"), vport::NotFoundError);
	CHECK_THROWS_AS(vport::get_hba(sys, "eth0"), vport::WwnError);
	CHECK_THROWS_WITH(vport::get_hba(sys, "eth0"), Catch::StartsWith("hba eth0: neither a SCSI host name"));
	CHECK_THROWS_AS(vport::get_hba(sys, "host"), vport::WwnError);
}

TEST_CASE("No FC transport: an empty list, and lookups say so", "[hba]")
{
	auto sys = fixture("no-fc");
	CHECK(vport::list_hbas(sys).empty());
	CHECK_THROWS_WITH(vport::get_hba(sys, "host0"), Catch::Contains("not an FC host"));
	CHECK_THROWS_WITH(vport::get_hba(sys, "host1"), "hba host1: no such FC host");
	// A sysfs root that does not exist is no FC ports at all, not a crash.
	CHECK(vport::list_hbas(SysfsRoot("/nonexistent/sysfs")).empty());
}

TEST_CASE("is_host_name", "[hba]")
{
	CHECK(vport::is_host_name("host0"));
	CHECK(vport::is_host_name("host123"));
	CHECK_FALSE(vport::is_host_name("host"));
	CHECK_FALSE(vport::is_host_name("host1a"));
	CHECK_FALSE(vport::is_host_name("Host1"));
	CHECK_FALSE(vport::is_host_name("21:00:00:1b:32:a9:00:04"));
}
