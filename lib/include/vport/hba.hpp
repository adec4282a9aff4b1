// SPDX-License-Identifier: LGPL-2.1-or-later
/// @file
/// Fibre Channel HBA ports as the kernel's FC transport class shows them in
/// sysfs (/sys/class/fc_host, /sys/class/scsi_host, /sys/class/fc_vports,
/// /sys/bus/fcoe).
///
/// Every FC port the kernel knows is an Hba: a physical HBA port, a software
/// FCoE port, and also an NPIV vport once its driver has created the vport's
/// own SCSI host (is_vport() tells them apart; parent names the port it runs
/// on). Attributes a driver does not provide are empty optionals: a
/// software FCoE port has no PCI device, a vport has no vport limit, an LLD
/// may leave port_type or the model unset.
#pragma once

#include "vport/sysfs.hpp"
#include "vport/wwn.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vport {

/// An NPIV vport as its parent port lists it (/sys/class/fc_vports/vport-H:C-N).
struct VportInfo {
	std::string name;                   ///< "vport-5:0-0"
	unsigned number = 0;                ///< N in vport-H:C-N
	Wwn wwpn = Wwn::unchecked(0);       ///< port_name
	Wwn wwnn = Wwn::unchecked(0);       ///< node_name
	std::optional<std::string> state;   ///< vport_state: "Active", "Initializing", "No Fabric Support"...
	std::optional<std::string> last_state;    ///< vport_last_state
	std::optional<std::string> type;          ///< vport_type, e.g. "NPIV VPORT"
	std::optional<std::string> roles;         ///< roles, e.g. "FCP Initiator"
	std::optional<std::string> symbolic_name; ///< symbolic_name, if set
	std::optional<std::string> host;          ///< the vport's own SCSI host ("host7"), once created
};

/// An FCoE Forwarder (switch) an FCoE controller has discovered
/// (/sys/bus/fcoe/devices/fcf_N).
struct FcfInfo {
	std::string name;                   ///< "fcf_0"
	std::optional<Wwn> fabric_name;     ///< fabric_name
	std::optional<Wwn> switch_name;     ///< switch_name
	std::optional<std::string> mac;     ///< the FCF's MAC address
	std::optional<std::string> state;   ///< "Connected", "Disconnected", "Unknown"
	std::optional<bool> selected;       ///< the controller logs in through this one
	std::optional<unsigned> vlan_id;    ///< vlan_id
};

/// The software-FCoE side of a port (/sys/bus/fcoe/devices/ctlr_N).
struct FcoeInfo {
	std::string controller;             ///< "ctlr_0"
	std::optional<std::string> netdev;  ///< the Ethernet interface it runs over
	std::optional<std::string> mode;    ///< "Fabric" or "VN2VN"
	std::optional<bool> enabled;        ///< enabled
	std::vector<FcfInfo> fcfs;          ///< forwarders seen (fabric mode)
};

/// One FC port: a physical or software HBA port, or an NPIV vport's own port.
struct Hba {
	std::string name;                   ///< SCSI host name, "host5"
	unsigned host_no = 0;               ///< 5 in "host5"
	Wwn wwpn = Wwn::unchecked(0);       ///< port_name
	Wwn wwnn = Wwn::unchecked(0);       ///< node_name
	std::optional<Wwn> permanent_wwpn;  ///< permanent_port_name, if the driver sets it
	std::optional<Wwn> fabric_name;     ///< fabric_name; empty when 0 (no fabric, e.g. VN2VN)
	std::optional<std::uint32_t> port_id;   ///< FC address (24 bits); empty when not logged in (0 or above 24 bits)
	std::optional<std::string> port_state;  ///< "Online", "Linkdown", "Offline"...
	std::optional<std::string> port_type;   ///< "NPort (fabric via point-to-point)", "NPIV VPORT"...
	std::optional<std::string> speed;       ///< "8 Gbit"; empty when "unknown"
	std::vector<std::string> supported_speeds; ///< e.g. {"2 Gbit", "4 Gbit", "8 Gbit"}
	std::optional<unsigned> max_npiv_vports;   ///< max_npiv_vports (only ports that can host vports)
	std::optional<unsigned> npiv_vports_inuse; ///< npiv_vports_inuse
	std::vector<VportInfo> vports;      ///< vports created on this port, by number

	/// For a vport's own port: the port it runs on ("host5").
	std::optional<std::string> parent;
	/// For a vport's own port: its fc_vport name ("vport-5:0-0").
	std::optional<std::string> vport;
	/// True for an NPIV vport's own port.
	bool is_vport() const noexcept { return parent.has_value(); }

	std::optional<std::string> driver;        ///< SCSI driver (scsi_host proc_name): "qla2xxx", "lpfc", "fcoe"
	std::optional<std::string> device_driver; ///< driver bound to the underlying device (the PCI function's)
	std::optional<std::string> pci_address;   ///< "0000:03:00.0", when the port sits on a PCI device
	std::optional<std::uint16_t> pci_vendor_id; ///< PCI vendor ID of that device (0x1077 QLogic...)
	std::optional<std::uint16_t> pci_device_id; ///< PCI device ID of that device

	/// Who made the port: fc_host manufacturer when the driver says, else
	/// the PCI vendor's name when it is a known FC or NIC vendor.
	std::optional<std::string> vendor;

	std::optional<std::string> manufacturer;  ///< fc_host manufacturer
	std::optional<std::string> model;         ///< fc_host model, or the driver's scsi_host model name
	std::optional<std::string> model_description; ///< fc_host model_description, or the driver's
	std::optional<std::string> serial_number;     ///< fc_host serial_number, or the driver's
	std::optional<std::string> firmware_version;  ///< fc_host firmware_version, or the driver's
	std::optional<std::string> driver_version;    ///< fc_host driver_version, or the driver's
	std::optional<std::string> hardware_version;  ///< fc_host hardware_version
	std::optional<std::string> symbolic_name;     ///< fc_host symbolic_name

	std::optional<FcoeInfo> fcoe;       ///< set for software FCoE ports

	/// The SCSI host's device folder, relative to the sysfs root
	/// ("devices/pci0000:00/0000:00:03.0/0000:03:00.0/host5").
	std::filesystem::path device_path;
};

/// Every FC port under @p sys, ordered by host number; vports' own ports
/// included. Missing attributes are normal; a port whose port_name cannot
/// be read is skipped (it is going away).
/// @throws SystemError if the fc_host class folder exists but cannot be read.
std::vector<Hba> list_hbas(const SysfsRoot &sys = SysfsRoot());

/// One FC port by name: its SCSI host name ("host5") or its WWPN in any
/// form Wwn::parse_any() accepts.
/// @throws NotFoundError "hba host9: no such FC host" (or "...: not an FC
///         host (SCSI host of driver ...)" when the SCSI host exists but is
///         not FC; "hba 21:00:...: no FC host has this WWPN").
/// @throws WwnError when @p name is neither a host name nor a WWN.
Hba get_hba(const SysfsRoot &sys, std::string_view name);

/// One FC port by its WWPN.
/// @throws NotFoundError when no port has this WWPN.
Hba get_hba(const SysfsRoot &sys, Wwn wwpn);

/// True if @p text names a SCSI host ("host" followed by digits).
bool is_host_name(std::string_view text) noexcept;

} // namespace vport
