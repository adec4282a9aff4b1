// SPDX-License-Identifier: GPL-2.0-or-later
// vportctl hba list | show NAME
#include "cli.hpp"
#include "model_json.hpp"
#include "output.hpp"

#include <vport/error.hpp>
#include <vport/hba.hpp>

namespace vportctl {

namespace {

std::string vports_cell(const Json &row)
{
	auto max = row.find("max_vports");
	auto used = row.find("vports_in_use");
	if (max == row.end())
		return "-";
	return (used == row.end() ? std::string("?") : scalar_text(*used)) + "/" + scalar_text(*max);
}

int hba_list(const Context &ctx)
{
	Json all = Json::array();
	for (const auto &h : vport::list_hbas(vport::SysfsRoot(ctx.sysfs_root)))
		all.push_back(hba_json(h));
	emit(ctx, all, [&](std::ostream &out) {
		render_table(out, all,
			     {
				     key_column("NAME", "name"),
				     key_column("WWPN", "wwpn"),
				     key_column("WWNN", "wwnn"),
				     key_column("STATE", "port_state"),
				     key_column("SPEED", "speed"),
				     {"VPORTS", vports_cell},
				     key_column("PARENT", "parent"),
				     key_column("DRIVER", "driver"),
				     key_column("PCI", "pci_address"),
			     });
	});
	return exit_ok;
}

int hba_show(const Context &ctx, const std::string &name)
{
	vport::Hba h;
	try {
		h = vport::get_hba(vport::SysfsRoot(ctx.sysfs_root), name);
	} catch (const vport::WwnError &e) {
		throw UsageError(e.what());
	}
	Json j = hba_json(h);
	emit(ctx, j, [&](std::ostream &out) { render_record(out, j); });
	return exit_ok;
}

} // namespace

void add_hba_commands(CLI::App &app, Context &ctx)
{
	auto *hba = app.add_subcommand("hba", "Fibre Channel HBA ports (physical, FCoE and NPIV vports)");
	hba->require_subcommand(1);

	auto *list = hba->add_subcommand("list", "List every FC port with its names, state, speed and vports");
	list->callback([&ctx] { ctx.action = [&ctx] { return hba_list(ctx); }; });

	auto *show = hba->add_subcommand("show", "Show one FC port in full, with its vports");
	auto name = std::make_shared<std::string>();
	show->add_option("NAME", *name, "SCSI host name (host5) or the port's WWPN in any form")->required();
	show->callback([&ctx, name] { ctx.action = [&ctx, name] { return hba_show(ctx, *name); }; });
}

} // namespace vportctl
