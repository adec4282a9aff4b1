// SPDX-License-Identifier: GPL-2.0-or-later
// vportctl wwn parse WWN
#include "cli.hpp"
#include "model_json.hpp"
#include "output.hpp"

#include <vport/error.hpp>
#include <vport/wwn.hpp>

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
}

} // namespace vportctl
