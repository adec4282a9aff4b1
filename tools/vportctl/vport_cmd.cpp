// SPDX-License-Identifier: GPL-2.0-or-later
// vportctl vport list | show WWPN: the kernel module's vports (netlink).
#include "cli.hpp"
#include "model_json.hpp"
#include "output.hpp"

#include <vport/error.hpp>
#include <vport/vports.hpp>

namespace vportctl {

namespace {

std::string owner_cell(const Json &row)
{
	auto pid = row.find("owner_pid");
	auto comm = row.find("owner_comm");
	std::string s = pid == row.end() ? "-" : scalar_text(*pid);
	if (comm != row.end())
		s += "/" + scalar_text(*comm);
	return s;
}

std::string rports_cell(const Json &row)
{
	std::size_t online = 0, all = 0;
	for (const auto &r : row["remote_ports"]) {
		all++;
		if (r["state"] == "online")
			online++;
	}
	return std::to_string(online) + "/" + std::to_string(all);
}

std::string luns_cell(const Json &row)
{
	std::size_t n = 0;
	for (const auto &r : row["remote_ports"])
		n += r["luns"].size();
	return std::to_string(n);
}

} // namespace

int vport_list(const Context &ctx)
{
	Json all = Json::array();
	for (const auto &v : vport::list_vports())
		all.push_back(vport_state_json(v));
	emit(ctx, all, [&](std::ostream &out) {
		render_table(out, all,
			     {
				     key_column("ID", "id"),
				     key_column("WWPN", "wwpn"),
				     key_column("WWNN", "wwnn"),
				     key_column("STATE", "state"),
				     key_column("PARENT", "parent"),
				     key_column("HOST", "host"),
				     {"OWNER", owner_cell},
				     {"RPORTS", rports_cell},
				     {"LUNS", luns_cell},
				     key_column("ENDPOINT", "endpoint"),
			     });
	});
	return exit_ok;
}

namespace {

int vport_show(const Context &ctx, const std::string &text)
{
	vport::Wwn wwpn = vport::Wwn::unchecked(0);
	try {
		wwpn = vport::Wwn::parse_any(text);
	} catch (const vport::WwnError &e) {
		throw UsageError(e.what());
	}
	Json j = vport_state_json(vport::get_vport(wwpn));
	emit(ctx, j, [&](std::ostream &out) { render_record(out, j); });
	return exit_ok;
}

} // namespace

void add_vport_commands(CLI::App &app, Context &ctx)
{
	auto *vp = app.add_subcommand("vport", "The vports the vhost_vport kernel module holds");
	vp->require_subcommand(1);

	auto *list = vp->add_subcommand(
		"list", "List every vport of the module with its owner, parent, state, remote ports and LUNs");
	list->callback([&ctx] { ctx.action = [&ctx] { return vport_list(ctx); }; });

	auto *show = vp->add_subcommand(
		"show", "Show one vport in full: remote ports with target ids and LUNs, counters");
	auto wwpn = std::make_shared<std::string>();
	show->add_option("WWPN", *wwpn, "the vport's WWPN in any form")->required();
	show->callback([&ctx, wwpn] { ctx.action = [&ctx, wwpn] { return vport_show(ctx, *wwpn); }; });
}

} // namespace vportctl
