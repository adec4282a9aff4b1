// SPDX-License-Identifier: GPL-2.0-or-later
// vportctl wwn parse WWN | pair --uuid UUID --prefix PREFIX
#include "cli.hpp"
#include "model_json.hpp"
#include "output.hpp"

#include <vport/error.hpp>
#include <vport/wwn.hpp>
#include <vport/wwn_pair.hpp>

#include <iostream>

namespace vportctl {

namespace {

int wwn_parse(const Context &ctx, const std::string &text)
{
	vport::Wwn w = vport::Wwn::unchecked(0);
	try {
		w = vport::Wwn::parse_any(text);
	} catch (const vport::WwnError &e) {
		throw UsageError(e.what());
	}
	Json j = wwn_json(w);
	emit(ctx, j, [&](std::ostream &out) { render_record(out, j); });
	if (auto why = w.problem()) {
		std::cerr << "vportctl: WWN '" << text << "': " << *why << '\n';
		return exit_failed;
	}
	return exit_ok;
}

int wwn_pair(const Context &ctx, const std::string &uuid_text, const std::string &prefix_text, bool check)
{
	vport::Uuid uuid;
	vport::WwnPrefix prefix;
	try {
		uuid = vport::Uuid::parse(uuid_text);
		prefix = vport::WwnPrefix::parse(prefix_text);
	} catch (const vport::Error &e) {
		throw UsageError(e.what());
	}
	auto pair = vport::generate_pair(uuid, prefix);
	Json j;
	j["uuid"] = uuid.str();
	j["prefix"] = prefix.str();
	j["scheme"] = 1;
	j["a"] = Json{{"wwpn", pair.a.wwpn.colon()}, {"wwnn", pair.a.wwnn.colon()}};
	j["b"] = Json{{"wwpn", pair.b.wwpn.colon()}, {"wwnn", pair.b.wwnn.colon()}};
	std::vector<vport::WwpnInUse> used;
	if (check) {
		used = vport::check_in_use(vport::SysfsRoot(ctx.sysfs_root), {pair.a.wwpn, pair.b.wwpn});
		Json u = Json::array();
		for (const auto &x : used)
			u.push_back(Json{{"wwpn", x.wwpn.colon()}, {"where", x.where}});
		j["in_use"] = u;
	}
	emit(ctx, j, [&](std::ostream &out) { render_record(out, j); });
	for (const auto &x : used)
		std::cerr << "vportctl: WWPN " << x.wwpn.colon() << ": already in use on this host (" << x.where << ")\n";
	return used.empty() ? exit_ok : exit_failed;
}

} // namespace

void add_wwn_commands(CLI::App &app, Context &ctx)
{
	auto *wwn = app.add_subcommand("wwn", "World Wide Names: parse, print and check");
	wwn->require_subcommand(1);

	auto *parse = wwn->add_subcommand(
		"parse", "Print a WWN in every form with its NAA type; fails (1) if the NAA rules reject it");
	auto text = std::make_shared<std::string>();
	parse->add_option("WWN", *text,
			  "e.g. 21:01:00:1b:32:a9:00:04, 2101001b32a90004, 0x2101001b32a90004, naa.2101001b32a90004")
		->required();
	parse->callback([&ctx, text] { ctx.action = [&ctx, text] { return wwn_parse(ctx, *text); }; });

	auto uuid = std::make_shared<std::string>();
	auto prefix = std::make_shared<std::string>();
	auto no_check = std::make_shared<bool>(false);
	auto *pair = wwn->add_subcommand(
		"pair", "Derive a VM's A/B WWPN/WWNN sets for migration from its UUID and a prefix; fails (1) if a "
			"WWPN is already in use on this host");
	pair->add_option("--uuid", *uuid, "The VM's UUID")->required();
	pair->add_option("--prefix", *prefix,
			 "IEEE OUI (00:1b:32: NAA 2 names) or NAA 5 vendor part ('5', the OUI, 0-2 more hex digits: "
			 "5001b32a)")
		->required();
	pair->add_flag("--no-check", *no_check, "Do not look for the WWPNs among this host's FC ports");
	pair->footer("The same UUID and prefix give the same names on every host (scheme 1, see vportctl(8)).");
	pair->callback([&ctx, uuid, prefix, no_check] {
		ctx.action = [&ctx, uuid, prefix, no_check] { return wwn_pair(ctx, *uuid, *prefix, !*no_check); };
	});
}

} // namespace vportctl
