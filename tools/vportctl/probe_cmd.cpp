// SPDX-License-Identifier: GPL-2.0-or-later
// vportctl probe: log in with a WWPN for a moment and show what it sees.
#include "cli.hpp"
#include "create_opts.hpp"
#include "model_json.hpp"
#include "output.hpp"

#include <vport/probe.hpp>

#include <cstdio>
#include <memory>

namespace vportctl {

namespace {

Json wwn_str(vport::Wwn w)
{
	return w.str();
}

std::string port_id_text(std::uint32_t id)
{
	char buf[16];
	std::snprintf(buf, sizeof(buf), "0x%06x", id);
	return buf;
}

Json probe_json(const vport::ProbeResult &r)
{
	Json j;
	j["wwpn"] = wwn_str(r.vport.wwpn);
	j["wwnn"] = wwn_str(r.vport.wwnn);
	j["parent"] = r.vport.parent;
	j["parent_wwpn"] = wwn_str(r.vport.parent_wwpn);
	j["fabric_name"] = wwn_str(r.vport.fabric_name);
	j["port_id"] = r.vport.port_id;
	j["targets"] = Json::array();
	for (auto t : r.targets)
		j["targets"].push_back(wwn_str(t));
	j["luns"] = Json::array();
	for (const auto &l : r.luns) {
		Json x;
		x["target"] = wwn_str(l.target);
		x["lun"] = l.lun;
		if (l.peripheral_type >= 0) {
			x["type"] = l.peripheral_type;
			x["vendor"] = l.vendor;
			x["product"] = l.product;
			x["revision"] = l.revision;
		}
		if (l.block_size) {
			x["blocks"] = l.blocks;
			x["block_size"] = l.block_size;
			x["bytes"] = l.blocks * l.block_size;
		}
		x["ids"] = Json::array();
		for (const auto &d : l.designators)
			x["ids"].push_back(d.type + ":" + d.value);
		if (!l.error.empty())
			x["error"] = l.error;
		j["luns"].push_back(x);
	}
	return j;
}

std::string size_text(const Json &l)
{
	if (!l.contains("bytes"))
		return "-";
	double b = l["bytes"].get<double>();
	const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	int u = 0;
	while (b >= 1024 && u < 5) {
		b /= 1024;
		u++;
	}
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%.1f %s", b, unit[u]);
	return buf;
}

int do_probe(const Context &ctx, const CreateOpts &o)
{
	vport::ProbeResult r = vport::probe(o.request(ctx, true));
	Json j = probe_json(r);
	emit(ctx, j, [&](std::ostream &out) {
		out << "vport " << scalar_text(j["wwpn"]) << " logged in on " << r.vport.parent
		    << " (fabric " << scalar_text(j["fabric_name"]) << ", port ID "
		    << port_id_text(r.vport.port_id) << "), now logged out\n";
		out << "targets: " << r.targets.size() << ", LUNs: " << r.luns.size() << "\n";
		if (r.luns.empty())
			return;
		out << "\n";
		render_table(out, j["luns"],
			     {
				     key_column("TARGET", "target"),
				     key_column("LUN", "lun"),
				     key_column("VENDOR", "vendor"),
				     key_column("PRODUCT", "product"),
				     {"SIZE", size_text},
				     lun_ids_column(),
			     });
	});
	return exit_ok;
}

} // namespace

void add_probe_commands(CLI::App &app, Context &ctx)
{
	auto o = std::make_shared<CreateOpts>();
	auto *cmd = app.add_subcommand(
		"probe", "Log in with a WWPN for a moment and show the targets and LUNs it sees "
			 "(INQUIRY, capacity, VPD 0x83 identifiers), then log out");
	add_create_options(cmd, *o, true);
	cmd->footer("Checks zoning and LUN masking before a VM uses the WWPN. Needs root.");
	cmd->callback([&ctx, o] { ctx.action = [&ctx, o] { return do_probe(ctx, *o); }; });
}

} // namespace vportctl
